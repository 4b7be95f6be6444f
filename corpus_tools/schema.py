"""The corpus schema: one pandas DataFrame, documents and metadata together.

A corpus is a :class:`pandas.DataFrame` with one row per document and (at least) the
columns in :data:`CORPUS_COLUMNS`, in that order, followed by any extra fields the source
carried (kept, never dropped). :func:`validate_corpus` checks the schema and raises
:class:`CorpusSchemaError` naming the column and the problem.

Columns
-------
doc_id : str
    Unique, non-empty document identifier.
source : str
    Where the row came from: a file path, ``archive.zip!member`` or ``file.jsonl#17``.
date : datetime64[ns]
    Publication date; ``NaT`` when unknown. Month-precision dates are the 1st of the month.
date_precision : str
    ``"day"``, ``"month"``, ``"year"`` or ``<NA>`` (when ``date`` is ``NaT``).
outlet, title, caption, credit, url : str or <NA>
    Metadata from the source or from the article header line.
language : str or <NA>
    ISO 639-1 code of the detected (or declared) language.
language_prob : float
    Probability of ``language`` from the identifier (1.0 when declared by the source,
    NaN when unknown).
text : str or <NA>
    Cleaned body text (NFC, LF line ends, boilerplate removed); ``<NA>`` for
    metadata-only records.
content_sha256 : str or <NA>
    sha256 of the normalised text (exact duplicates share it).
duplicate_of : str or <NA>
    ``doc_id`` of the canonical (earliest) copy, ``<NA>`` for canonical documents. After
    filtering, the canonical copy may no longer be in the frame.
n_chars : int
    Length of ``text`` in characters (0 when ``text`` is missing).
"""

from __future__ import annotations

import pandas as pd

from .errors import CorpusToolsError

CORPUS_COLUMNS: tuple[str, ...] = (
    "doc_id",
    "source",
    "date",
    "date_precision",
    "outlet",
    "language",
    "language_prob",
    "title",
    "text",
    "caption",
    "credit",
    "url",
    "content_sha256",
    "duplicate_of",
    "n_chars",
)
STRING_COLUMNS: tuple[str, ...] = tuple(
    c for c in CORPUS_COLUMNS if c not in ("date", "language_prob", "n_chars")
)
DATE_PRECISIONS: frozenset[str] = frozenset({"day", "month", "year"})


class CorpusSchemaError(CorpusToolsError, ValueError):
    """A DataFrame does not follow the corpus schema."""


def empty_corpus() -> pd.DataFrame:
    """Return an empty corpus with the schema's columns and dtypes."""
    return coerce_corpus(pd.DataFrame({c: [] for c in CORPUS_COLUMNS}))


def coerce_corpus(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with schema columns first, in schema dtypes, extra columns after.

    Missing schema columns are added as missing values; ``n_chars`` is derived from
    ``text``. Values are not otherwise changed.
    """
    out = df.copy()
    for col in CORPUS_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA
    for col in STRING_COLUMNS:
        out[col] = out[col].astype("string")
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    out["language_prob"] = pd.to_numeric(out["language_prob"]).astype("float64")
    out["n_chars"] = out["text"].str.len().fillna(0).astype("int64")
    extra = [c for c in out.columns if c not in CORPUS_COLUMNS]
    return out[list(CORPUS_COLUMNS) + extra].reset_index(drop=True)


def validate_corpus(df: pd.DataFrame) -> pd.DataFrame:
    """Check that ``df`` follows the corpus schema and return it unchanged.

    Parameters
    ----------
    df : pandas.DataFrame
        A corpus, e.g. from :func:`corpus_tools.load_corpus`.

    Returns
    -------
    pandas.DataFrame
        ``df`` itself, so the call can be chained.

    Raises
    ------
    CorpusSchemaError
        Naming the first problem found: a missing column, a wrong dtype, a duplicate or
        empty ``doc_id``, an unknown ``date_precision``, a document marked as a duplicate
        of itself, or an ``n_chars`` that disagrees with ``text``.

    Examples
    --------
    >>> from corpus_tools.schema import empty_corpus, validate_corpus
    >>> validate_corpus(empty_corpus()).shape
    (0, 15)
    """
    if not isinstance(df, pd.DataFrame):
        raise CorpusSchemaError(f"a corpus is a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in CORPUS_COLUMNS if c not in df.columns]
    if missing:
        raise CorpusSchemaError(f"missing column(s): {', '.join(missing)}")
    for col in STRING_COLUMNS:
        if not pd.api.types.is_string_dtype(df[col]) and not df[col].isna().all():
            raise CorpusSchemaError(f"column {col!r} must hold strings, has dtype {df[col].dtype}")
    if not pd.api.types.is_datetime64_dtype(df["date"]):
        raise CorpusSchemaError(f"column 'date' must be datetime64, has dtype {df['date'].dtype}")
    _check_ids(df)
    _check_dates(df)
    _check_lengths(df)
    return df


def _check_ids(df: pd.DataFrame) -> None:
    ids = df["doc_id"]
    if ids.isna().any() or (ids.str.len() == 0).any():
        raise CorpusSchemaError("column 'doc_id' has empty values")
    dup = ids[ids.duplicated()]
    if len(dup):
        raise CorpusSchemaError(f"column 'doc_id' is not unique: {dup.iloc[0]!r} repeats")
    # A subset (after filter_corpus) may have lost a duplicate's canonical copy, so the
    # target need not be in this frame; a document can never duplicate itself.
    self_ref = df["duplicate_of"].notna() & (df["duplicate_of"] == ids)
    if self_ref.any():
        raise CorpusSchemaError(
            f"column 'duplicate_of' of {ids[self_ref].iloc[0]!r} names the document itself"
        )


def _check_dates(df: pd.DataFrame) -> None:
    prec = df["date_precision"]
    bad = prec.dropna()[~prec.dropna().isin(DATE_PRECISIONS)]
    if len(bad):
        raise CorpusSchemaError(
            f"column 'date_precision' has {bad.iloc[0]!r}; expected day, month, year or NA"
        )
    if (df["date"].isna() != prec.isna()).any():
        raise CorpusSchemaError("'date_precision' must be NA exactly where 'date' is NaT")


def _check_lengths(df: pd.DataFrame) -> None:
    expected = df["text"].str.len().fillna(0).astype("int64")
    if not (df["n_chars"].astype("int64") == expected).all():
        raise CorpusSchemaError("column 'n_chars' disagrees with the length of 'text'")
