"""Lexical tools researchers compare against quanteda: KWIC, keyness, co-occurrence,
dictionary scores and tables for papers.

- :func:`kwic` — keyword in context (quanteda ``kwic``), by regex or by lemma.
- :func:`keyness` — signed G², chi², log-ratio and p per term for a target against a
  reference (quanteda ``textstat_keyness``, ``correction = "none"``).
- :func:`actor_cooccurrence` — documents mentioning two actors, from
  :func:`corpus_tools.actors.tag_actors` (quanteda ``fcm`` with document context).
- :func:`load_dictionary`, :func:`dictionary_scores`, :func:`dictionary_by_period` —
  category counts from a YAML dictionary of glob patterns (quanteda ``dictionary`` +
  ``dfm_lookup``), per document and per period.
- :func:`save_table` — CSV plus LaTeX (pandas Styler) beside the figures.

Texts are tokenised into words (runs of letters and digits, with inner hyphens and
apostrophes) the same way everywhere in this module; :func:`keyness` and
:func:`dictionary_scores` also accept already prepared token lists (from
:class:`corpus_tools.text.Preprocessor`).
"""

from __future__ import annotations

import bisect
import fnmatch
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from ._files import write_atomic
from .errors import CorpusToolsError

KEYNESS_MEASURES: tuple[str, ...] = ("g2", "chi2")
# A word: letters/digits, with inner hyphens or apostrophes (Kim Jong-un, Putin's).
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
# A match: indices of its first and last word, and its characters as found.
_Span = tuple[int, int, int, int]

__all__ = [
    "LexicalError",
    "actor_cooccurrence",
    "dictionary_by_period",
    "dictionary_scores",
    "keyness",
    "kwic",
    "load_dictionary",
    "save_table",
]


class LexicalError(CorpusToolsError, ValueError):
    """Bad input to a lexical tool (the message names the argument and the fix)."""


# --------------------------------------------------------------------------- inputs


def _texts(texts_or_corpus: Any) -> tuple[list[str], list[str], list[str | None]]:
    """``(doc_ids, texts, languages)`` from a corpus, a Series or a sequence of strings."""
    if isinstance(texts_or_corpus, pd.DataFrame):
        if "text" not in texts_or_corpus.columns:
            raise LexicalError("the corpus has no 'text' column; pass a corpus or a list of texts")
        frame = texts_or_corpus
        ids = frame["doc_id"] if "doc_id" in frame.columns else frame.index.to_series()
        langs = frame["language"] if "language" in frame.columns else [None] * len(frame)
        return (
            [str(i) for i in ids],
            [t if isinstance(t, str) else "" for t in frame["text"]],
            [x if isinstance(x, str) else None for x in langs],
        )
    if isinstance(texts_or_corpus, str):
        raise LexicalError("pass a list of texts (or a corpus), not a single string")
    if isinstance(texts_or_corpus, pd.Series):
        ids = [str(i) for i in texts_or_corpus.index]
        values = list(texts_or_corpus)
    else:
        values = list(texts_or_corpus)
        ids = [str(i) for i in range(len(values))]
    return ids, [t if isinstance(t, str) else "" for t in values], [None] * len(values)


def _token_lists(texts: Any, name: str) -> list[list[str]]:
    """Token lists as given, or lowercased words of strings."""
    if isinstance(texts, pd.DataFrame):
        texts = _texts(texts)[1]
    if isinstance(texts, str):
        raise LexicalError(f"{name}: pass a list of texts or token lists, not a single string")
    out = []
    for doc in texts:
        if isinstance(doc, str):
            out.append([w.lower() for w in _WORD.findall(doc)])
        elif doc is None or (isinstance(doc, float) and math.isnan(doc)):
            out.append([])
        else:
            out.append([str(t) for t in doc])
    return out


# --------------------------------------------------------------------------- kwic


def kwic(
    texts_or_corpus: Any,
    pattern: str | Sequence[str],
    window: int = 5,
    *,
    lemma: bool = False,
    language: str | None = None,
    ignore_case: bool = True,
) -> pd.DataFrame:
    """Keyword in context: every match of ``pattern`` with ``window`` words either side.

    Parameters
    ----------
    texts_or_corpus : corpus DataFrame, pandas.Series or sequence of str
        A corpus (its ``text``, ``doc_id`` and ``language``), a Series (the index gives
        the ids) or texts (ids ``"0"``, ``"1"``, ...).
    pattern : str or sequence of str
        A regular expression searched in the text (several are joined with ``|``); a
        match is widened to the whole words it touches, so ``Rosj`` shows ``Rosji``. With
        ``lemma=True``: lemmas, each matched against every word's lemma.
    window : int, default=5
        Words of context on each side.
    lemma : bool, default=False
        Match lemmas (the package lemmatiser of each document's language) instead of text.
    language : str or None
        Language of all texts for ``lemma=True``; default the corpus ``language`` column.
    ignore_case : bool, default=True

    Returns
    -------
    pandas.DataFrame
        One row per match, in document and text order: ``doc_id, left, match, right``
        (``left``/``right`` are the original text spans of the context words).

    Raises
    ------
    LexicalError
        For a bad regex, a negative window, or ``lemma=True`` without a language.

    Examples
    --------
    >>> kwic(["Kim met Putin in Vostochny, on Wednesday."], "putin", window=2)
      doc_id     left  match         right
    0      0  Kim met  Putin  in Vostochny
    """
    if not isinstance(window, int) or window < 0:
        raise LexicalError(f"window must be a non-negative integer, got {window!r}")
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    if not patterns:
        raise LexicalError("pattern is empty; give a regex or a lemma")
    ids, texts, langs = _texts(texts_or_corpus)
    flags = re.IGNORECASE if ignore_case else 0
    if lemma:
        matcher = _LemmaMatcher(patterns, language, ignore_case)
    else:
        try:
            regex = re.compile("|".join(f"(?:{p})" for p in patterns), flags)
        except re.error as exc:
            raise LexicalError(f"pattern {pattern!r} is not a valid regex ({exc})") from None
    rows = []
    for doc_id, text, lang in zip(ids, texts, langs, strict=True):
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        if lemma:
            spans = matcher.spans(text, words, lang, doc_id)
        else:
            spans = [
                (*_widen(m.start(), m.end(), words), m.start(), m.end())
                for m in regex.finditer(text)
                if m.group()
            ]
        for span in _unique(spans):
            rows.append((doc_id, *_context(text, words, span, window)))
    return pd.DataFrame(rows, columns=["doc_id", "left", "match", "right"], dtype="string")


def _widen(start: int, end: int, words: list[tuple[int, int]]) -> tuple[int, int]:
    """Indices ``(first, last)`` of the words a character span touches.

    A match in punctuation only touches no word: it gets ``last = first - 1`` (an empty
    word range at its place), so it is still shown, with its context.
    """
    ends = [e for _, e in words]
    starts = [s for s, _ in words]
    first = bisect.bisect_right(ends, start)  # first word ending after the span starts
    last = bisect.bisect_left(starts, end) - 1  # last word starting before the span ends
    return first, last


def _unique(spans: list[_Span]) -> list[_Span]:
    """Spans in text order, without one widened into words the previous one shows."""
    out: list[_Span] = []
    for span in spans:
        first, last = span[0], span[1]
        if out and last >= first and first <= out[-1][1]:
            continue
        out.append(span)
    return out


def _context(
    text: str, words: list[tuple[int, int]], span: _Span, window: int
) -> tuple[str, str, str]:
    first, last, m_start, m_end = span
    if last >= first:  # widen to whole words; a punctuation-only match stays as found
        m_start, m_end = words[first][0], words[last][1]
    lo = max(first - window, 0)
    hi = min(max(last, first - 1) + window, len(words) - 1)
    left = text[words[lo][0] : m_start].strip() if lo < first else ""
    right_first = max(last, first - 1) + 1
    right = text[m_end : words[hi][1]].strip() if hi >= right_first else ""
    return left, text[m_start:m_end], right


class _LemmaMatcher:
    def __init__(self, lemmas: list[str], language: str | None, ignore_case: bool) -> None:
        self.ignore_case = ignore_case
        self.lemmas = {self._norm(x) for x in lemmas}
        self.language = language
        self.lemmatizers: dict[str, Any] = {}

    def _norm(self, word: str) -> str:
        return word.lower() if self.ignore_case else word

    def _lemmatizer(self, lang: str) -> Any:
        from .text import LANGUAGES, _lemmatizer, _resolve_korean

        if lang not in LANGUAGES:
            raise LexicalError(
                f"kwic(lemma=True): no lemmatiser for language {lang!r}; "
                f"supported: {', '.join(LANGUAGES)}"
            )
        if lang not in self.lemmatizers:
            self.lemmatizers[lang] = _lemmatizer(lang, _resolve_korean("auto"))
        return self.lemmatizers[lang]

    def spans(
        self, text: str, words: list[tuple[int, int]], lang: str | None, doc_id: str
    ) -> list[_Span]:
        lang = self.language or lang
        if lang is None:
            raise LexicalError(
                f"kwic(lemma=True) needs a language: document {doc_id!r} has none; "
                "pass language='pl' (or a corpus with a language column)"
            )
        lemmatize = self._lemmatizer(lang)
        return [
            (i, i, s, e)
            for i, (s, e) in enumerate(words)
            if self._norm(lemmatize(text[s:e])) in self.lemmas
            or self._norm(text[s:e]) in self.lemmas
        ]


# --------------------------------------------------------------------------- keyness


def keyness(target_texts: Any, reference_texts: Any, measure: str = "g2") -> pd.DataFrame:
    """Keyness of every term in a target against a reference, as quanteda computes it.

    For each term a 2×2 table is formed: ``a`` = its count in the target, ``b`` = in
    the reference, ``c``/``d`` = all other tokens of target/reference; ``E = (a + b)(a +
    c) / N`` is the expected target count. Without continuity correction (quanteda's
    ``textstat_keyness(..., correction = "none")``):

    - ``g2`` = 2 Σ O ln(O / E) over the four cells (0 ln 0 = 0), Dunning's
      log-likelihood;
    - ``chi2`` = N (ad − bc)² / ((a + b)(c + d)(a + c)(b + d)), Pearson's chi²;
    - both signed: positive where ``a > E`` (the term is over-used in the target);
    - ``log_ratio`` = log2 of the ratio of relative frequencies (Hardie 2014), a zero
      count replaced by 0.5 so that the ratio stays finite;
    - ``p`` = upper tail of chi² with 1 degree of freedom at ``|measure|``.

    Parameters
    ----------
    target_texts, reference_texts : sequence of str or of token lists, or corpus
        Strings are split into lowercased words; token lists (e.g. from
        :class:`corpus_tools.text.Preprocessor`) are counted as they are.
    measure : {"g2", "chi2"}, default="g2"
        The statistic that sorts the rows (descending) and gives ``p``.

    Returns
    -------
    pandas.DataFrame
        One row per term seen in either group: ``term, g2, chi2, log_ratio, p,
        n_target, n_reference``, sorted by ``measure`` descending then term.

    Raises
    ------
    LexicalError
        For an unknown measure or a group without tokens.

    Examples
    --------
    >>> out = keyness(["Putin Putin Kim"], ["Kim Kim Biden"])
    >>> out[["term", "n_target", "n_reference"]].values.tolist()
    [['putin', 2, 0], ['kim', 1, 2], ['biden', 0, 1]]
    >>> round(float(out["g2"].iloc[0]), 4)  # 2 * (2 ln 2 + 1 ln 1/2 + 3 ln 3/2)
    3.8191
    """
    if measure not in KEYNESS_MEASURES:
        raise LexicalError(f"measure must be one of {', '.join(KEYNESS_MEASURES)}, got {measure!r}")
    target = Counter(t for doc in _token_lists(target_texts, "target_texts") for t in doc)
    reference = Counter(t for doc in _token_lists(reference_texts, "reference_texts") for t in doc)
    for name, counts in (("target_texts", target), ("reference_texts", reference)):
        if not counts:
            raise LexicalError(f"{name} has no tokens; keyness needs words in both groups")
    terms = np.array(sorted(set(target) | set(reference)), dtype=object)
    a = np.array([target[t] for t in terms], dtype="float64")
    b = np.array([reference[t] for t in terms], dtype="float64")
    n_t, n_r = a.sum(), b.sum()
    c, d = n_t - a, n_r - b
    n = n_t + n_r
    expected = (a + b) * (a + c) / n
    sign = np.where(a > expected, 1.0, -1.0)
    g2 = sign * _g2(a, b, c, d)
    chi2 = sign * n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    chi2 = np.where(np.isfinite(chi2), chi2, 0.0)  # a term that is every token of both
    log_ratio = np.log2((np.where(a > 0, a, 0.5) / n_t) / (np.where(b > 0, b, 0.5) / n_r))
    out = pd.DataFrame(
        {
            "term": pd.array(terms, dtype="string"),
            "g2": g2,
            "chi2": chi2,
            "log_ratio": log_ratio,
            "p": stats.chi2.sf(np.abs(g2 if measure == "g2" else chi2), df=1),
            "n_target": a.astype("int64"),
            "n_reference": b.astype("int64"),
        }
    )
    out = out.sort_values([measure, "term"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def _g2(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    n = a + b + c + d
    cells = (
        (a, (a + b) * (a + c) / n),
        (b, (a + b) * (b + d) / n),
        (c, (c + d) * (a + c) / n),
        (d, (c + d) * (b + d) / n),
    )
    total = np.zeros_like(a)
    for observed, expected in cells:
        with np.errstate(divide="ignore", invalid="ignore"):
            total += np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    return 2.0 * total


# --------------------------------------------------------------------------- co-occurrence


def actor_cooccurrence(
    tagged: pd.DataFrame,
    actors: Sequence[str] | None = None,
    *,
    column_prefix: str = "actor_",
) -> pd.DataFrame:
    """Number of documents that mention each pair of actors.

    Parameters
    ----------
    tagged : pandas.DataFrame
        Output of :func:`corpus_tools.actors.tag_actors` (``actor_<id>`` count columns).
    actors : sequence of str or None
        Actor ids to include; default every tagged actor mentioned at least once.
    column_prefix : str, default="actor_"

    Returns
    -------
    pandas.DataFrame
        Square, symmetric int64 matrix indexed and labelled by actor id: off the diagonal
        the documents mentioning both, on it the documents mentioning the actor.

    Raises
    ------
    LexicalError
        When there are no actor columns or an actor id is not among them.

    Examples
    --------
    >>> tagged = pd.DataFrame({"actor_a": [1, 2, 0], "actor_b": [1, 0, 3]})
    >>> actor_cooccurrence(tagged).values.tolist()
    [[2, 1], [1, 2]]
    """
    columns = [c for c in tagged.columns if c.startswith(column_prefix)]
    if not columns:
        raise LexicalError(
            f"no {column_prefix}* columns; run corpus_tools.tag_actors(corpus) first"
        )
    if actors is None:
        names = [c for c in columns if (tagged[c] > 0).any()]
    else:
        names = [f"{column_prefix}{a}" for a in actors]
        missing = [n for n in names if n not in tagged.columns]
        if missing:
            raise LexicalError(f"actor column(s) not in the frame: {', '.join(missing)}")
    present = (tagged[names].to_numpy() > 0).astype("int64")
    matrix = present.T @ present
    labels = pd.Index([n[len(column_prefix) :] for n in names], name="actor")
    return pd.DataFrame(matrix, index=labels, columns=labels.rename(None)).astype("int64")


# --------------------------------------------------------------------------- dictionaries


def load_dictionary(path: str | Path) -> dict[str, list[str]]:
    """Read a YAML dictionary: category -> list of glob patterns (``rosj*``, ``kreml``).

    Patterns match whole lowercased words; ``*`` is any run of characters, ``?`` one.

    Raises
    ------
    LexicalError
        When the file is missing or not a mapping of non-empty lists of strings.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.yaml"
    >>> _ = path.write_text("russia: [russia*, kremlin]\\n", encoding="utf-8")
    >>> load_dictionary(path)
    {'russia': ['russia*', 'kremlin']}
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LexicalError(f"cannot read the dictionary {path} ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise LexicalError(f"{path} is not valid YAML ({exc})") from None
    return _check_dictionary(data, str(path))


def _check_dictionary(data: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(data, Mapping) or not data:
        raise LexicalError(f"{where}: a dictionary maps category names to lists of patterns")
    out = {}
    for category, patterns in data.items():
        if (
            not isinstance(patterns, list)
            or not patterns
            or not all(isinstance(p, str) and p.strip() for p in patterns)
        ):
            raise LexicalError(
                f"{where}: category {category!r} needs a non-empty list of word patterns"
            )
        out[str(category)] = [p.strip().lower() for p in patterns]
    return out


def dictionary_scores(
    texts_or_corpus: Any, dictionary: Mapping[str, Sequence[str]] | str | Path
) -> pd.DataFrame:
    """Count the words of each dictionary category in every document.

    Parameters
    ----------
    texts_or_corpus : corpus DataFrame, pandas.Series or sequence of str or token lists
    dictionary : mapping or path
        Category -> glob patterns (see :func:`load_dictionary`), or a YAML file.

    Returns
    -------
    pandas.DataFrame
        One row per document: ``doc_id``, ``n_tokens``, then one int64 count column per
        category (a word counts once per category it matches). Divide by ``n_tokens`` for
        shares; :func:`dictionary_by_period` aggregates.

    Examples
    --------
    >>> dictionary_scores(["Rosja i Rosji Kreml", "nic"], {"ru": ["ros*", "kreml"]})
      doc_id  n_tokens  ru
    0      0         4   3
    1      1         1   0
    """
    if isinstance(dictionary, (str, Path)):
        dictionary = load_dictionary(dictionary)
    categories = _check_dictionary(dictionary, "dictionary")
    compiled = {
        cat: re.compile("|".join(fnmatch.translate(p) for p in pats))
        for cat, pats in categories.items()
    }
    if isinstance(texts_or_corpus, pd.DataFrame | pd.Series):
        ids = _texts(texts_or_corpus)[0]
    else:
        ids = [str(i) for i in range(len(texts_or_corpus))]
    docs = _token_lists(
        texts_or_corpus if not isinstance(texts_or_corpus, pd.Series) else list(texts_or_corpus),
        "texts_or_corpus",
    )
    rows = []
    for doc in docs:
        counts = Counter(t.lower() for t in doc)
        rows.append(
            [sum(n for word, n in counts.items() if rx.fullmatch(word)) for rx in compiled.values()]
        )
    out = pd.DataFrame(rows, columns=list(compiled), dtype="int64")
    out.insert(0, "n_tokens", pd.array([len(d) for d in docs], dtype="int64"))
    out.insert(0, "doc_id", pd.array(ids, dtype="string"))
    return out


def dictionary_by_period(
    scores: pd.DataFrame,
    dates: Any,
    freq: str = "M",
    *,
    precision: Any = None,
    groups: Any = None,
) -> pd.DataFrame:
    """Aggregate :func:`dictionary_scores` per period (and group): counts and shares.

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`dictionary_scores`.
    dates : array-like of datetime
        One per row of ``scores`` (e.g. ``corpus["date"]``).
    freq : {"M", "Q"}, default="M"
    precision : array-like of str, optional
        The corpus ``date_precision``; dates coarser than ``freq`` get no period.
    groups : array-like, optional
        A second key, e.g. ``corpus["language"]``.

    Returns
    -------
    pandas.DataFrame
        One row per period (and group): ``period``, [``group``], ``n_docs``,
        ``n_tokens``, per category its count and ``<category>_share`` (count / tokens).
        Rows without a period are left out (with a warning from
        :func:`corpus_tools.effects.period_of`).

    Examples
    --------
    >>> s = dictionary_scores(["Rosja", "Rosja i USA"], {"ru": ["ros*"]})
    >>> out = dictionary_by_period(s, pd.to_datetime(["2023-09-01", "2023-09-20"]))
    >>> out[["period", "n_tokens", "ru", "ru_share"]].astype(str).values.tolist()
    [['2023-09', '4', '2', '0.5']]
    """
    from .effects import period_of

    categories = [c for c in scores.columns if c not in ("doc_id", "n_tokens")]
    frame = scores[["n_tokens", *categories]].reset_index(drop=True).copy()
    frame["period"] = period_of(dates, freq, precision=precision)
    if len(frame["period"]) != len(scores):
        raise LexicalError(f"{len(frame['period'])} dates for {len(scores)} documents")
    keys = ["period"]
    if groups is not None:
        frame["group"] = pd.Series(groups).reset_index(drop=True)
        keys.append("group")
    frame["n_docs"] = 1
    out = frame.dropna(subset=keys).groupby(keys, sort=True, observed=True).sum().reset_index()
    for cat in categories:
        out[f"{cat}_share"] = out[cat] / out["n_tokens"].where(out["n_tokens"] > 0)
    return out[[*keys, "n_docs", "n_tokens", *categories, *(f"{c}_share" for c in categories)]]


# --------------------------------------------------------------------------- tables


def save_table(
    df: pd.DataFrame,
    name: str,
    tables_dir: str | Path | None,
    *,
    precision: int = 3,
    caption: str | None = None,
) -> pd.DataFrame:
    """Write a table for a paper as ``<name>.csv`` and ``<name>.tex`` and return it.

    The LaTeX is rendered by :meth:`pandas.io.formats.style.Styler.to_latex` (booktabs
    rules, floats to ``precision`` decimals); the CSV keeps full precision. Both files are
    written atomically. With ``tables_dir=None`` (a notebook run interactively) nothing
    is written, as with :func:`corpus_tools.plots.show_figure`.

    Parameters
    ----------
    df : pandas.DataFrame
    name : str
        File stem: letters, digits, ``_`` and ``-`` (e.g. ``"08_keyness_pl_en"``).
    tables_dir : str, pathlib.Path or None
        Usually the notebook's ``figures_dir``, so ``reproduce`` finds the tables.
    precision : int, default=3
    caption : str or None

    Returns
    -------
    pandas.DataFrame
        ``df`` itself, so a notebook cell can display it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = save_table(pd.DataFrame({"term": ["kim"], "g2": [1.5]}), "t", folder)
    >>> sorted(p.name for p in folder.iterdir())
    ['t.csv', 't.tex']
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name or ""):
        raise LexicalError(f"table name {name!r}: use letters, digits, '_' and '-' only")
    if not isinstance(df, pd.DataFrame):
        raise LexicalError(f"save_table needs a DataFrame, got {type(df).__name__}")
    if tables_dir is None:
        return df
    folder = Path(tables_dir)
    folder.mkdir(parents=True, exist_ok=True)
    styler = df.style.format(precision=precision, escape="latex").hide(axis="index")
    latex = styler.to_latex(hrules=True, caption=caption, label=f"tab:{name}")
    csv = df.to_csv(index=False, lineterminator="\n").encode()
    write_atomic(folder / f"{name}.csv", lambda handle: handle.write(csv))
    write_atomic(folder / f"{name}.tex", lambda handle: handle.write(latex.encode()))
    return df
