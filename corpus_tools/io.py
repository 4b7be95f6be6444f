"""Corpus ingestion: files, folders and archives in; one validated corpus DataFrame out.

:func:`ingest` reads article text files, tables and record lists (CSV, TSV, JSONL, JSON,
Parquet, Excel, Media Cloud and GDELT exports), HTML pages and zip/tar archives of these,
and returns the corpus (see :mod:`corpus_tools.schema`) with an :class:`IngestReport` that
accounts for every input file. :func:`save_corpus` / :func:`read_corpus` store a corpus as
Parquet with a manifest that records where it came from and lets readers detect changes.

The configuration used is kept in ``df.attrs["corpus_tools"]`` (``version`` and ``config``)
and written into the manifest by :func:`save_corpus`.
"""

from __future__ import annotations

import contextlib
import datetime
import glob
import hashlib
import inspect
import itertools
import json
import os
import re
import stat
import sys
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm  # text bars: tqdm.auto warns in kernels without ipywidgets

from . import __version__, clean
from ._archive import ArchiveError, archive_stem, is_archive, iter_members
from ._files import LOCK_SUFFIX as _LOCK_SUFFIX
from ._files import OutputLockedError as OutputLockedError  # raised by save_corpus
from ._files import file_sha256, output_lock, write_atomic
from ._readers import (
    ARTICLE_NAME,
    EPOCH_FORMATS,
    JOINABLE,
    MAPPABLE,
    READER_KINDS,
    ArticleHeader,
    DateFormatError,
    DateRule,
    ReadProblem,
    date_rule,
    declared_language,
    decode_bytes,
    extra_value,
    field_text,
    load_records,
    parse_article,
    parse_date,
    resolve_mapping,
    table_kind,
)
from ._spool import MemoryTexts, SpooledTexts
from .dedupe import _duplicates_of, _encoded_signatures, _hash_and_encode, minhash_signatures
from .errors import CorpusToolsError
from .htmltext import extract_html
from .langid import identify_languages
from .schema import CORPUS_COLUMNS, coerce_corpus, empty_corpus, validate_corpus

PathLike = str | os.PathLike[str]
STATUSES: tuple[str, ...] = ("loaded", "duplicate", "ignored", "skipped")
MANIFEST_SUFFIX = ".manifest.json"
DEFAULT_MAX_FILE_BYTES = 256 * 2**20
# Every member is held in memory until its chunk is read; 1 GiB keeps an archive's share
# of the ingest's peak memory well under the few GB a desktop can give.
DEFAULT_MAX_ARCHIVE_BYTES = 2**30
_CHUNK = 200  # files per work unit: large enough to amortise process hand-over
# Bytes per work unit: a chunk's texts, records, frame and sketches are all in memory at
# once (several times its bytes), so a chunk of large files closes early.
_CHUNK_BYTES = 64 * 2**20
_PARALLEL_MIN_FILES = 2000  # below this a process pool costs more than it saves
_PROGRESS_MIN_FILES = 100
# Temporary columns while a corpus is assembled: the position of a row's file among the
# results, of its text in the text store, and whether it has a text.
_SEQ = "_corpus_tools_file"
_ROW = "_corpus_tools_row"
_HAS_TEXT = "_corpus_tools_has_text"
_TEMPORARY_DTYPES = {_SEQ: "int64", _ROW: "int64", _HAS_TEXT: "bool"}
# Temporary column of a chunk's frame: each text as MinHash input, made beside its hash.
_ENCODED = "_corpus_tools_encoded"
# Rows per Parquet row group: readers that stream a corpus hold one row group at a time.
ROW_GROUP_ROWS = 10_000
# py3langid's cost is linear in the text length; among four unrelated languages a few
# sentences decide as reliably as whole articles, at a quarter of the time.
_LANGID_CHARS = 500
# Identification overrules or flags a declared language only when it is this sure, on a
# text at least this long (a headline's few words are too little evidence).
_CONFLICT_PROB = 0.9
_CONFLICT_CHARS = 40
# Skip reasons that refuse the ingest (see _refuse): guessing would be worse. A date column
# read wrongly is always refused; a mapping only when no file could be read with it; a
# table without usable columns (no mapping given) only when it is the one input.
_REFUSED_DATES = "refused (dates): "
_REFUSED_MAPPING = "refused (mapping): "
_REFUSED_COLUMNS = "no usable columns: "
# MinHash parameters of the duplicate marking (dedupe.mark_duplicates' defaults).
_NUM_PERM = 128
_SHINGLE_SIZE = 5


class CorpusSourceError(CorpusToolsError, ValueError):
    """A source given to :func:`ingest` does not exist or an option is invalid."""


class CorpusManifestError(CorpusToolsError, ValueError):
    """A saved corpus has no readable manifest."""


class CorpusIntegrityError(CorpusToolsError, ValueError):
    """A saved corpus file does not match the sha256 recorded in its manifest."""


class IngestMemoryError(CorpusToolsError, MemoryError):
    """Reading one input file ran out of memory; the ingest stops and names the file."""


class _Ignored(Exception):
    """A file that is not corpus input (reported as ``ignored`` with the reason)."""


class _Skipped(Exception):
    """A corpus file that cannot be used (reported as ``skipped`` with the reason)."""


class _Refused(_Skipped):
    """A file whose reading options are wrong (dates, mapping): the ingest raises."""

    def __init__(self, prefix: str, message: str) -> None:
        super().__init__(prefix + message)


# ---- configuration and work items ---------------------------------------------------------
@dataclass(frozen=True)
class _Config:
    profile: clean.BoilerplateProfile
    languages: tuple[str, ...]
    mapping: dict[str, tuple[str, ...]] | None
    format: str | None
    outlet: str | None
    encoding: str | None
    max_file_bytes: int
    sketch_seed: int | None  # MinHash seed, or None when duplicates are not marked
    date_format: str | None = None
    dayfirst: bool | None = None
    prefer_identified_language: bool = False


@dataclass(frozen=True)
class _Entry:
    """One input file to read: on disk (``path``) or an archive member (``data``)."""

    source: str
    rel: str
    path: str | None = None  # a string: pickled to the workers once per file
    data: bytes | None = None
    size: int = 0  # bytes, for the per-chunk budget


@dataclass
class _Chunk:
    """What a worker returns for a chunk of files: results, records and their sketches."""

    results: list[_Result]
    frame: pd.DataFrame | None = None
    sketch_rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    sketches: np.ndarray | None = None


@dataclass(slots=True)  # a 10^6-file ingest holds one per file
class _Result:
    """What became of one input file (one row of the ingest report)."""

    source: str
    status: str
    reason: str = ""
    reader: str | None = None
    encoding: str | None = None
    sha256: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    removed: Counter[str] = field(default_factory=Counter)


# ---- the report ---------------------------------------------------------------------------
@dataclass
class IngestReport:
    """Account of an ingest: one row per input file and archive member.

    Attributes
    ----------
    files : pandas.DataFrame
        Columns ``path``, ``status`` (loaded, duplicate, ignored, skipped), ``reason``,
        ``reader``, ``encoding``, ``sha256``, ``n_records``, ``doc_ids`` (list).
    notes : pandas.DataFrame
        Per-record notes (``doc_id``, ``source``, ``note``): records kept without text, dates
        that could not be parsed, renamed duplicate ids.
    boilerplate_removed : collections.Counter
        Lines removed per boilerplate rule id, summed over all documents.
    n_duplicates : int
        Documents marked as a duplicate of another (exact or near).
    config : dict
        The reader and cleaning configuration.
    """

    files: pd.DataFrame
    notes: pd.DataFrame
    boilerplate_removed: Counter[str]
    n_duplicates: int
    config: dict[str, Any]

    def counts(self) -> dict[str, int]:
        """Number of inputs per status (all four statuses, zeros included)."""
        found = self.files["status"].value_counts()
        return {status: int(found.get(status, 0)) for status in STATUSES}

    def to_frame(self) -> pd.DataFrame:
        """The per-file table (a copy)."""
        return self.files.copy()

    def to_dict(self) -> dict[str, Any]:
        """The whole report as JSON-compatible data."""
        files = self.files.astype(object).where(self.files.notna(), None)
        return {
            "corpus_tools_version": __version__,
            "counts": self.counts(),
            "n_duplicates": self.n_duplicates,
            "boilerplate_removed": dict(sorted(self.boilerplate_removed.items())),
            "config": self.config,
            "files": files.to_dict("records"),
            "notes": self.notes.astype(object).to_dict("records"),
        }

    def to_json(self) -> str:
        """The report as a JSON string (deterministic key order)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, default=str)

    def write_json(self, path: PathLike) -> Path:
        """Write :meth:`to_json` to ``path`` (atomically) and return the path."""
        out = Path(path)
        # backslashreplace: a stray surrogate in a reason must not lose the whole report
        data = (self.to_json() + "\n").encode("utf-8", errors="backslashreplace")
        write_atomic(out, lambda handle: handle.write(data))
        return out

    def summary(self) -> str:
        """A few lines for people: counts per status, documents, duplicates, boilerplate."""
        counts = self.counts()
        n_docs = int(self.files["n_records"].sum())
        lines = [
            f"{len(self.files)} input file(s): "
            + ", ".join(f"{n} {status}" for status, n in counts.items()),
            f"{n_docs} document(s), {self.n_duplicates} marked as duplicates",
        ]
        if self.boilerplate_removed:
            top = ", ".join(f"{k} {v}" for k, v in self.boilerplate_removed.most_common(5))
            lines.append(f"boilerplate lines removed: {self.boilerplate_removed.total()} ({top})")
        problems = self.files.loc[self.files["status"] == "skipped", "reason"]
        for reason, n in problems.str.split(":").str[0].value_counts().items():
            lines.append(f"skipped: {n} x {reason}")
        lines += self._note_lines()
        return "\n".join(lines)

    def _note_lines(self) -> list[str]:
        """How dates were read per file, and counts of per-document problems."""
        notes = self.notes
        lines = [
            f"{source.rsplit('/', 1)[-1]}: {note}"
            for source, note in notes.loc[notes["doc_id"] == "", ["source", "note"]].itertuples(
                index=False
            )
        ]
        for prefix, what in (
            ("unparseable date", "date(s) could not be read and are missing"),
            ("declared language", "declared language(s) contradicted by identification "
             "(column language_conflict)"),
        ):  # fmt: skip
            n = int(notes["note"].str.startswith(prefix).sum())
            if n:
                lines.append(f"{n} {what}; see the report's notes")
        return lines


# ---- public API ---------------------------------------------------------------------------
def load_corpus(source: PathLike | Sequence[PathLike], **options: Any) -> pd.DataFrame:
    """Load corpus files into one validated corpus DataFrame.

    Takes the same arguments as :func:`ingest` and returns only the DataFrame; a
    ``.parquet`` file written by :func:`save_corpus` is read back with :func:`read_corpus`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "gazeta"
    >>> folder.mkdir()
    >>> _ = (folder / "001_0123456789abcdef.txt").write_text(
    ...     " date 2024-06-19 Kim i Putin Źródło: PAP\\n\\nKim Dzong Un spotkał Putina.",
    ...     encoding="utf-8")
    >>> df = load_corpus(folder.parent)
    >>> df.loc[0, ["doc_id", "outlet", "credit", "text"]].tolist()
    ['gazeta/001_0123456789abcdef', 'gazeta', 'PAP', 'Kim Dzong Un spotkał Putina.']
    """
    if isinstance(source, str | os.PathLike) and options.get("format") is None:
        path = Path(source)
        if path.suffix.lower() == ".parquet" and manifest_path(path).exists():
            return read_corpus(path)
        if path.suffix.lower() == ".parquet" and _saved_by_us(path):
            # Read as a plain table it would change (dates, sources, extra columns).
            raise CorpusManifestError(
                f"{path} is a corpus written by save_corpus but its manifest "
                f"{manifest_path(path).name} is missing; copy the manifest next to it, or "
                "load it as a plain table with load_corpus(path, format='parquet')"
            )
    return ingest(source, **options)[0]


def ingest(
    source: PathLike | Sequence[PathLike],
    *,
    mapping: Mapping[str, str | Sequence[str]] | None = None,
    format: str | None = None,
    profile: str | Path | None = "pl_portal",
    languages: Sequence[str] = ("pl", "en", "ru", "ko"),
    dedupe: bool = True,
    near_duplicate_threshold: float = 0.8,
    window_days: int = 7,
    outlet: str | None = None,
    encoding: str | None = None,
    progress: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_archive_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES,
    n_jobs: int | None = None,
    seed: int = 1,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    prefer_identified_language: bool = False,
) -> tuple[pd.DataFrame, IngestReport]:
    """Load corpus files and report what happened to each of them.

    Parameters
    ----------
    source : path or sequence of paths
        Files, folders (searched recursively) and zip/tar archives. In a folder, the
        first-level subfolder a file is in becomes its ``outlet``, and its ``doc_id`` is
        its path relative to the folder without suffix (archives count as a folder named
        after the archive); a single file's ``doc_id`` is its stem.
    mapping : mapping, optional
        For tables and record lists: schema column -> source field, e.g.
        ``{"text": "story_text", "title": "headline", "date": "date", "url": "link"}``.
        Keys among ``doc_id, text, title, date, url, outlet, language, caption, credit``;
        ``text``, ``title``, ``caption`` and ``credit`` may take a list of fields, joined
        with a newline (``{"text": ["title", "description"]}``). Schema columns left out
        are taken from fields of the same name. Without a mapping, Media Cloud and GDELT
        exports are recognised and other tables must use the schema's column names.
        Unmapped fields are kept as extra columns.
    format : str, optional
        Force one reader for every file: ``article``, ``csv``, ``tsv``, ``jsonl``,
        ``json``, ``parquet``, ``excel``, ``html``, ``mediacloud`` or ``gdelt``.
    profile : str, path or None
        Boilerplate profile applied to every text (:func:`corpus_tools.clean.load_profile`).
    languages : sequence of str
        ISO 639-1 codes the language identifier may answer with.
    dedupe : bool
        Mark exact and near duplicates in ``duplicate_of`` (nothing is removed).
    near_duplicate_threshold, window_days, seed
        Passed to :func:`corpus_tools.dedupe.mark_duplicates`.
    outlet : str, optional
        Outlet for every document, overriding folders and mapped fields.
    encoding : str, optional
        Decode every text file with this codec instead of detecting it.
    progress : bool
        Show a progress bar on stderr (only when there are many files).
    max_file_bytes, max_archive_bytes : int
        Files, archive members and Parquet files decompressing to more than
        ``max_file_bytes`` are skipped (checked against declared sizes before reading,
        and while reading); an archive stops yielding members after
        ``max_archive_bytes`` decompressed bytes.
    n_jobs : int, optional
        Processes for reading many files (``None``: all cores). Output does not depend
        on it.
    date_format : str, optional
        strftime format of every text date in the tables (e.g. ``"%d.%m.%Y"``), or
        ``"epoch_s"`` / ``"epoch_ms"``. Values that do not match become missing dates
        with a note.
    dayfirst : bool, optional
        Numeric dates such as ``02/01/2023`` are day first (``True``) or month first
        (``False``). Without this or ``date_format`` the order is inferred per date column
        from all its values (:func:`corpus_tools._readers.date_rule`) and a column that
        does not settle it is refused; it is never guessed row by row.
    prefer_identified_language : bool
        Language identification always runs. Where it confidently (p >= 0.9, 40+
        characters) disagrees with a language the source declares, the document is
        flagged in ``language_conflict`` with a note; ``True`` then uses the identified
        language, ``False`` keeps the declared one.

    Returns
    -------
    tuple of (pandas.DataFrame, IngestReport)
        The validated corpus, rows ordered by source path and record index, and the
        report with one row per input file and archive member.

    Raises
    ------
    CorpusSourceError
        When a source does not exist or an option is invalid; when a table's dates
        cannot be read in one unambiguous format; when a mapping names columns that no
        file has; when records were loaded but none has text (except GDELT and Media
        Cloud exports, which carry titles only). Other problems with single files never
        raise: they are reported as ``skipped`` or ``ignored``.
    IngestMemoryError
        When reading a file runs out of memory (the file is named): skipping it would
        lose it silently, and with more memory it would be read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.md").write_text("not corpus input")
    >>> df, report = ingest(folder)
    >>> len(df), report.counts()["ignored"]
    (0, 1)
    """
    plan = _plan(
        source, mapping=mapping, format=format, profile=profile, languages=languages,
        dedupe=dedupe, near_duplicate_threshold=near_duplicate_threshold,
        window_days=window_days, outlet=outlet, encoding=encoding, progress=progress,
        max_file_bytes=max_file_bytes, max_archive_bytes=max_archive_bytes, n_jobs=n_jobs,
        seed=seed, date_format=date_format, dayfirst=dayfirst,
        prefer_identified_language=prefer_identified_language,
    )  # fmt: skip
    texts = MemoryTexts()
    meta, report = _read(plan, texts)
    df = _with_texts(meta, texts.take(meta[_ROW].to_numpy()))
    df.attrs["corpus_tools"] = {"version": __version__, "config": report.config}
    validate_corpus(df)
    return df, report


def ingest_to_parquet(
    source: PathLike | Sequence[PathLike], out: PathLike, **options: Any
) -> IngestReport:
    """Ingest like :func:`ingest` and save like :func:`save_corpus`, in bounded memory.

    For corpora too large for memory (10^5-10^6 articles): the texts go to a temporary
    spool folder beside ``out`` as they are read, duplicates are marked on everything
    but the texts, and the corpus is written in Parquet row groups of
    ``ROW_GROUP_ROWS`` rows. Peak memory grows with the number of documents (ids,
    dates, MinHash signatures, the report), not with the bytes of text. The file read
    back with :func:`read_corpus` equals ``ingest(source, **options)[0]`` (tested), and
    the manifest is the one :func:`save_corpus` writes with the report.

    ``out`` is checked and locked before reading and written atomically: a failed or
    killed run leaves an earlier corpus at ``out`` intact.

    Parameters
    ----------
    source : path or sequence of paths
        As for :func:`ingest`.
    out : path
        The ``.parquet`` file to write; its manifest is written beside it.
    **options
        Any keyword argument of :func:`ingest`.

    Returns
    -------
    IngestReport
        The report :func:`ingest` would return.

    Raises
    ------
    CorpusSourceError, IngestMemoryError
        As :func:`ingest`; :class:`CorpusSourceError` also when ``out`` cannot be written.
    OutputLockedError
        When another process is writing ``out``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "in").mkdir()
    >>> _ = (root / "in" / "a.csv").write_text("doc_id,text\\nk1,Kim met Putin.\\n")
    >>> report = ingest_to_parquet(root / "in", root / "c.parquet")
    >>> report.counts()["loaded"], read_corpus(root / "c.parquet")["text"].tolist()
    (1, ['Kim met Putin.'])
    """
    bound = inspect.signature(ingest).bind(source, **options)  # unknown options: TypeError
    bound.apply_defaults()
    path = check_output_path(out)  # before the walk, which takes a while for 10^6 files
    plan = _plan(**bound.arguments)
    with (
        output_lock(path),
        tempfile.TemporaryDirectory(prefix=f".{path.name}.spool-", dir=path.parent) as spool,
    ):
        texts = SpooledTexts(Path(spool))
        meta, report = _read(plan, texts)
        _write_corpus_blocks(path, meta, texts, report)
    return report


@dataclass(frozen=True)
class _Plan:
    """An ingest's checked options and the files it will read (once: see ``files``)."""

    cfg: _Config
    files: deque[_Found]  # emptied as the files are read: a 10^6-file list is large
    n_files: int
    notices: list[_Result]
    config: dict[str, Any]
    n_jobs: int | None
    progress: bool
    max_archive_bytes: int
    dedupe: bool
    threshold: float
    window_days: int
    seed: int

    def items(self) -> Iterator[_Entry | _Result]:
        """What the readers work on: the notices, then every file (taken off ``files``)."""
        yield from self.notices
        yield from _work_items(_drain(self.files), self.cfg, self.max_archive_bytes)


def _drain(files: deque[_Found]) -> Iterator[_Found]:
    while files:
        yield files.popleft()


def _plan(
    source: PathLike | Sequence[PathLike], *, mapping: Mapping[str, str | Sequence[str]] | None,
    format: str | None, profile: str | Path | None, languages: Sequence[str], dedupe: bool,
    near_duplicate_threshold: float, window_days: int, outlet: str | None,
    encoding: str | None, progress: bool, max_file_bytes: int, max_archive_bytes: int,
    n_jobs: int | None, seed: int, date_format: str | None, dayfirst: bool | None,
    prefer_identified_language: bool,
) -> _Plan:  # fmt: skip
    """Check the options of :func:`ingest` (no defaults here: ingest's are the only ones)."""
    cfg = _Config(
        profile=clean.load_profile(profile),
        languages=_check_languages(languages),
        mapping=_check_mapping(mapping),
        format=_check_format(format),
        outlet=outlet,
        encoding=encoding,
        max_file_bytes=int(max_file_bytes),
        sketch_seed=int(seed) if dedupe else None,
        **_check_dates(date_format, dayfirst),
        prefer_identified_language=bool(prefer_identified_language),
    )
    files, notices = _expand(source)
    config = _describe(cfg, files, dedupe, near_duplicate_threshold, window_days, seed)
    return _Plan(
        cfg, deque(files), len(files) + len(notices), notices, config, n_jobs, bool(progress),
        int(max_archive_bytes), bool(dedupe), near_duplicate_threshold, window_days, seed,
    )  # fmt: skip


def _read(plan: _Plan, texts: MemoryTexts | SpooledTexts) -> tuple[pd.DataFrame, IngestReport]:
    """Read every input; return the corpus without its texts (which go to ``texts``).

    The returned frame has every corpus column but ``text``, rows in corpus order, and
    the temporary columns ``_ROW`` (each row's position in ``texts``) and ``_HAS_TEXT``.
    """
    chunks = _run(plan.items(), plan.cfg, plan.n_jobs, progress=plan.progress, n_files=plan.n_files)
    with _corpus_guard("assembling the corpus"):
        meta, results, removed, signatures = _assemble(chunks, texts)
    _refuse(results, meta)
    if plan.dedupe and len(meta):
        with _corpus_guard(f"marking duplicates among {len(meta)} documents", dedupe=True):
            duplicates = _duplicates_of(
                meta,
                meta[_HAS_TEXT].to_numpy(),
                threshold=plan.threshold,
                window_days=plan.window_days,
                num_perm=_NUM_PERM,
                shingle_size=_SHINGLE_SIZE,
                seed=plan.seed,
                signatures=signatures,
            )
        meta["duplicate_of"] = pd.array(duplicates.to_numpy(), dtype="string")
    report = _report(results, meta, removed, plan.config)
    return meta.drop(columns=_SEQ), report


def _with_texts(meta: pd.DataFrame, texts: pd.Series) -> pd.DataFrame:
    """The corpus rows of ``meta`` with their ``texts`` (same order), temporaries dropped."""
    df = meta.drop(columns=[_ROW, _HAS_TEXT]).reset_index(drop=True)
    df.insert(CORPUS_COLUMNS.index("text"), "text", texts.array)
    return df


@contextlib.contextmanager
def _corpus_guard(step: str, *, dedupe: bool = False) -> Iterator[None]:
    """Out of memory in a whole-corpus step: a clear fatal error, not a raw MemoryError."""
    try:
        yield
    except IngestMemoryError:
        raise  # already names the file it ran out of memory on
    except MemoryError:
        hint = " or ingest with dedupe=False (--no-dedupe)" if dedupe else ""
        raise IngestMemoryError(
            f"out of memory while {step}; give the ingest more memory, ingest fewer files "
            f"at a time{hint}"
        ) from None


# ---- finding the inputs -------------------------------------------------------------------
def _expand(
    source: PathLike | Sequence[PathLike],
) -> tuple[list[_Found], list[_Result]]:
    """Return the files to read and report rows for what is not read.

    A file given directly has its folder as root. Folders that cannot be listed and
    symbolic links to folders (never followed) become report rows of their own.
    """
    sources = [source] if isinstance(source, str | os.PathLike) else list(source)
    if not sources:
        raise CorpusSourceError("no source given")
    found: list[_Found] = []
    notices: list[_Result] = []
    for item in sources:
        path = Path(item)
        if path.is_dir():
            files, problems, manifests = _walk(path)
            found += [_Found(path, file, rel, False, manifests) for file, rel in files]
            notices += problems
        elif path.exists():
            found.append(_Found(path.parent, path.as_posix(), path.name, True))
        else:
            raise CorpusSourceError(f"{path}: no such file or folder")
    return found, notices


@dataclass(frozen=True, slots=True)
class _Found:
    """A file to read: its root, its path and its path relative to the root (POSIX).

    Paths are strings: a ``Path`` per file costs more than reading a small file does.
    ``manifests`` holds the manifests listed beside walked files (see _is_saved_output).
    """

    root: Path
    path: str
    rel: str
    direct: bool
    manifests: frozenset[str] = frozenset()


def _walk(root: Path) -> tuple[list[tuple[str, str]], list[_Result], frozenset[str]]:
    """``(path, path relative to root)`` of every file, problems, and the manifests seen."""
    found: list[tuple[str, str]] = []
    problems: list[_Result] = []
    manifests: set[str] = set()

    def unreadable(exc: OSError) -> None:
        where = _shown(Path(exc.filename or root))
        problems.append(_Result(where, "skipped", f"unreadable: folder: {exc.strerror}"))

    for folder, dirs, names in os.walk(root, onerror=unreadable):
        dirs.sort()
        for name in list(dirs):
            if os.path.islink(os.path.join(folder, name)):  # os.walk does not follow them
                link = _shown(Path(folder, name))
                problems.append(_Result(link, "ignored", "link to a folder (not followed)"))
        # One Path per folder gives the prefixes pathlib would give every file (names
        # are single components, so appending them is what Path(folder, name) does).
        placeholder = Path(folder, "x")
        prefix = placeholder.as_posix()[:-1]
        rel_prefix = placeholder.relative_to(root).as_posix()[:-1]
        found += [(prefix + name, rel_prefix + name) for name in sorted(names)]
        manifests.update(
            prefix + name for name in (*names, *dirs) if name.endswith(MANIFEST_SUFFIX)
        )
    return found, problems, frozenset(manifests)


def _shown(path: Path | str) -> str:
    """A path as report and doc_id text: bytes that are not UTF-8 become ``\\xNN``."""
    text = path.as_posix() if isinstance(path, Path) else path
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _work_items(
    files: Iterable[_Found], cfg: _Config, max_archive_bytes: int
) -> Iterator[_Entry | _Result]:
    """Entries to read, plus finished results for archives (after their members)."""
    for found in files:
        rel, source, path = _shown(found.rel), _shown(found.path), found.path
        try:
            info = os.stat(path)
        except OSError as exc:
            yield _Result(source, "skipped", f"unreadable: {exc.strerror}")
            continue
        name = rel.rpartition("/")[2]
        if not stat.S_ISREG(info.st_mode):
            yield _Result(source, "skipped", f"not a regular file ({_file_type(info.st_mode)})")
        elif not found.direct and _is_saved_output(path, found.manifests):
            yield _Result(source, "ignored", "output of save_corpus (read it with read_corpus)")
        elif is_archive(name) and cfg.format is None:
            yield from _archive_items(Path(path), rel, found.direct, cfg, max_archive_bytes)
        else:
            yield _Entry(source=source, rel=rel, path=path, size=info.st_size)


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISDIR, "folder")):  # fmt: skip
        if test(mode):
            return name
    return "special file"


def _is_saved_output(path: str, manifests: frozenset[str]) -> bool:
    """A corpus written by save_corpus, its manifest or its lock: outputs, never inputs.

    ``manifests`` are the manifests listed in the walk: a file without one there has
    none, so only files that have one cost a look at the disk (a file's manifest may be
    gone since the walk).
    """
    name = path.rpartition("/")[2]
    if name.endswith(MANIFEST_SUFFIX):
        return True
    if name.endswith(_LOCK_SUFFIX):  # held while save_corpus or `ingest --out` writes
        return name[: -len(_LOCK_SUFFIX)].lower().endswith(".parquet")
    manifest = path + MANIFEST_SUFFIX
    if manifest in manifests and os.path.exists(manifest):
        return True
    return name.lower().endswith(".parquet") and _saved_by_us(Path(path), marked_only=True)


def _archive_items(
    path: Path, rel: str, top_level: bool, cfg: _Config, max_archive_bytes: int
) -> Iterator[_Entry | _Result]:
    # A top-level archive is the root itself; inside a folder it acts as a subfolder.
    prefix = "" if top_level else archive_stem(rel) + "/"
    result = _Result(_shown(path), "loaded", reader="archive")
    n_members = 0
    try:
        result.sha256 = file_sha256(path)
        for member in iter_members(
            path, max_member_bytes=cfg.max_file_bytes, max_total_bytes=max_archive_bytes
        ):
            n_members += 1
            name = _shown(member.name)
            source = f"{result.source}!{name}"
            if member.problem is not None:
                yield _Result(source, "skipped", member.problem, reader="archive member")
            else:
                assert member.data is not None
                data = member.data
                yield _Entry(source=source, rel=prefix + name, data=data, size=len(data))
        result.reason = f"archive with {n_members} member(s)"
    except ArchiveError as exc:
        # The members read before the damage are listed (and read); the archive is not
        # "loaded": part of it is lost.
        result.status = "skipped"
        result.reason = f"{exc} ({n_members} member(s) listed before it)"
    except OSError as exc:
        result.status, result.reason = "skipped", f"unreadable: {exc.strerror or exc}"
    except MemoryError:
        raise IngestMemoryError(
            f"{result.source}: out of memory while reading the archive ({n_members} members "
            "read); give the ingest more memory or lower max_file_bytes / max_archive_bytes"
        ) from None
    yield result


# ---- reading one file ---------------------------------------------------------------------
def _process_chunk(items: list[_Entry | _Result], cfg: _Config) -> _Chunk:
    """Read a chunk of files; their records come back as one frame (compact, Arrow text).

    The MinHash signatures for duplicate marking are computed here too, while the texts
    are Python strings anyway, so the main process never has to convert them again.
    Each step runs over the whole chunk at once (speed) inside a guard: when it fails, it
    runs again file by file, and only the file it fails on is skipped.
    """
    results = [item if isinstance(item, _Result) else _process_entry(item, cfg) for item in items]
    _guarded(
        results,
        lambda part: _identify_languages(part, cfg.languages, cfg.prefer_identified_language),
    )
    frame = _guarded_frame(results)
    if frame is None:
        return _Chunk(results)
    encoded = frame.pop(_ENCODED).to_numpy() if _ENCODED in frame else np.full(len(frame), None)
    if cfg.sketch_seed is None:
        return _Chunk(results, frame)
    rows, sketches, failed = _guarded_sketches(results, frame, encoded, cfg.sketch_seed)
    if failed.any():  # the rows of files that could not be sketched leave the frame
        new_position = np.cumsum(~failed) - 1
        frame, rows = frame[~failed].reset_index(drop=True), new_position[rows]
    return _Chunk(results, frame, rows, sketches)


def _with_records(results: list[_Result]) -> list[_Result]:
    return [r for r in results if r.status == "loaded" and r.records]


def _guarded(results: list[_Result], step: Callable[[list[_Result]], object]) -> None:
    """Run ``step`` on the files with records; on failure retry per file, skip the culprit."""
    todo = _with_records(results)
    try:
        step(todo)
    except Exception:  # MemoryError too: the retry names the file (a fatal error then)
        for result in todo:
            with _file_guard(result):
                step([result])


def _guarded_frame(results: list[_Result]) -> pd.DataFrame | None:
    """The records of the chunk as one frame (``_SEQ``: position of the row's file)."""
    for position, result in enumerate(results):
        for record in result.records:
            record[_SEQ] = position
    frames: list[pd.DataFrame] = []
    _guarded(results, lambda part: frames.append(_frame_of(part)))
    frames = [f for f in frames if len(f)]
    for result in results:
        result.records = []
    if not frames:
        return None
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _frame_of(results: list[_Result]) -> pd.DataFrame:
    return pd.DataFrame.from_records([rec for result in results for rec in result.records])


def _guarded_sketches(
    results: list[_Result], frame: pd.DataFrame, encoded: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """MinHash signatures of the frame's texts (``encoded`` beside their hashes): row
    positions, signatures, failed rows."""
    has_text = np.flatnonzero(pd.notna(encoded))
    failed = np.zeros(len(frame), dtype=bool)

    def sketch(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kept, signatures = _encoded_signatures(
            encoded[rows].tolist(), _NUM_PERM, _SHINGLE_SIZE, seed
        )
        return rows[kept], signatures

    try:
        return (*sketch(has_text), failed)
    except Exception:  # MemoryError too: retried per file to find the culprit
        pass
    seq = frame[_SEQ].to_numpy()
    parts = []
    for position in np.unique(seq[has_text]).tolist():
        with _file_guard(results[position]):
            parts.append(sketch(has_text[seq[has_text] == position]))
        if results[position].status != "loaded":
            failed |= seq == position
    rows = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
    sketches = np.concatenate([p[1] for p in parts]) if parts else None
    return rows, sketches, failed


@contextlib.contextmanager
def _file_guard(result: _Result) -> Iterator[None]:
    """Turn a failure while handling one file into that file's report row.

    Running out of memory is not a property of the file alone (the next run, with more
    memory, would read it), so it stops the ingest with the file named instead of
    silently losing it.
    """
    try:
        yield
    except MemoryError as exc:
        raise IngestMemoryError(
            f"{result.source}: out of memory while reading it ({type(exc).__name__}); "
            "give the ingest more memory, lower max_file_bytes to skip such files, or "
            "move the file out of the input"
        ) from None
    except Exception as exc:  # a malformed file must not abort the whole corpus
        result.status, result.reason = _failure(exc)
        result.records, result.notes, result.removed = [], [], Counter()


def _failure(exc: Exception) -> tuple[str, str]:
    """Report status and reason for what went wrong with one file."""
    if isinstance(exc, _Ignored):
        return "ignored", str(exc)
    if isinstance(exc, _Skipped):
        return "skipped", str(exc)
    if isinstance(exc, ReadProblem):
        return "skipped", exc.reason
    if isinstance(exc, OSError):
        return "skipped", f"unreadable: {exc.strerror or exc}"
    message = (str(exc).strip().splitlines() or [""])[0][:200]
    if isinstance(exc, UnicodeError):
        return "skipped", f"undecodable: {message}"
    return "skipped", f"parse error: {type(exc).__name__}: {message}"


def _process_entry(entry: _Entry, cfg: _Config) -> _Result:
    result = _Result(entry.source, "loaded")
    with _file_guard(result):
        data = _entry_bytes(entry, cfg.max_file_bytes)
        result.sha256 = hashlib.sha256(data).hexdigest()
        _read_into(result, entry, data, cfg)
        _sanitize(result)
    return result


def _entry_bytes(entry: _Entry, max_file_bytes: int) -> bytes:
    """The file's bytes; only regular files are opened, and never more than the cap."""
    if entry.data is not None:
        return entry.data
    assert entry.path is not None
    # O_NONBLOCK: a FIFO swapped in after the walk's stat must not block the open.
    fd = os.open(entry.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Skipped(f"not a regular file ({_file_type(info.st_mode)})")
        if info.st_size > max_file_bytes:
            raise _Skipped(f"too large: {info.st_size} bytes (max_file_bytes={max_file_bytes})")
        data = _read_fd(fd, info.st_size + 1)
        if len(data) > info.st_size:  # the file grew since: read on, up to the cap
            data += _read_fd(fd, max_file_bytes + 1 - len(data))
    finally:
        os.close(fd)
    if len(data) > max_file_bytes:
        raise _Skipped(f"too large: more than {max_file_bytes} bytes (max_file_bytes)")
    return data


def _read_fd(fd: int, n: int) -> bytes:
    """Up to ``n`` bytes from ``fd``, fewer only at the end of the file.

    ``os.read`` without a file object: a buffered reader per small file costs about as
    much as the reading itself. Each call allocates what it asks for up front.
    """
    parts = []
    while n > 0 and (part := os.read(fd, n)):
        parts.append(part)
        n -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


# Lone surrogates (half of a cut UTF-16 pair, e.g. "\ud83d") cannot be written as UTF-8;
# NUL characters end strings in C libraries downstream.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


def _sanitize(result: _Result) -> None:
    """Clean lone surrogates (to U+FFFD) and NULs from field names and texts, with a note."""
    for i, record in enumerate(result.records):
        # One scan for the usual clean record (non-string keys take the checks below).
        strings = [*record, *(value for value in record.values() if isinstance(value, str))]
        if all(isinstance(s, str) for s in strings) and _is_storable("".join(strings)):
            continue
        if any(_UNSTORABLE.search(key) for key in record):
            record = result.records[i] = {_storable(k)[0]: v for k, v in record.items()}
            result.notes.append((str(record.get("doc_id", "")), "field names cleaned"))
        for key, value in record.items():
            if isinstance(value, str) and _UNSTORABLE.search(value):
                record[key], what = _storable(value)
                result.notes.append((str(record.get("doc_id", "")), f"{key}: {what}"))


def _is_storable(text: str) -> bool:
    """Whether ``text`` has neither NULs nor lone surrogates (``not _UNSTORABLE.search``).

    Strict UTF-8 encoding refuses exactly the surrogates, at a third of the regex's cost.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _storable(text: str) -> tuple[str, str]:
    """``text`` without NULs and with U+FFFD for lone surrogates, and what was done."""
    n_nul = text.count("\x00")
    fixed = text.replace("\x00", "")
    n_surrogates = len(_UNSTORABLE.findall(fixed))
    what = [f"{n} {kind}" for n, kind in ((n_nul, "NUL character(s) removed"),
            (n_surrogates, "lone surrogate(s) replaced by U+FFFD")) if n]  # fmt: skip
    return _UNSTORABLE.sub("\ufffd", fixed), ", ".join(what)


def _read_into(result: _Result, entry: _Entry, data: bytes, cfg: _Config) -> None:
    name = entry.rel.rsplit("/", 1)[-1]
    if name.startswith("."):
        raise _Ignored("hidden file")
    if not data.strip():
        raise _Skipped("empty")
    kind = cfg.format or table_kind(name, data[:512])
    if kind is None:
        suffix = Path(name).suffix or "no extension"
        raise _Ignored(f"unsupported type ({suffix})")
    if kind == "archive":
        raise _Skipped("unsupported type: archive inside an archive")
    result.reader = kind
    if kind == "article":
        _read_article(result, entry, name, data, cfg)
    elif kind == "html":
        _read_html(result, entry, data, cfg)
    else:
        _read_table(result, entry, kind, data, cfg)


def _read_article(result: _Result, entry: _Entry, name: str, data: bytes, cfg: _Config) -> None:
    if cfg.format is None and not ARTICLE_NAME.match(name):
        raise _Ignored("not an article: file name is not NNN_<16 hex>.txt")
    text, result.encoding = decode_bytes(data, cfg.encoding)
    if not text.strip():
        raise _Skipped("empty")
    # The profile normalises the body; only the header line needs it here (CR first,
    # so that old Mac line ends still split off the header).
    text = clean._newlines(text)
    doc_id = _stem(entry.rel)
    header = parse_article(text)
    if header is None:
        # A file named like an article is one even when its header line was lost.
        header = ArticleHeader(None, None, None, None, text, "no ' date YYYY-MM[-DD]' header line")
    if header.problem is not None:
        result.notes.append((doc_id, f"{header.problem}: date missing"))
    body = _clean_text(header.body, cfg, result)
    if body is None:
        raise _Skipped("no body")
    result.records.append(
        {
            "doc_id": doc_id,
            "source": entry.source,
            "date": header.date,
            "date_precision": header.precision,
            "outlet": cfg.outlet or _folder_outlet(entry.rel),
            "caption": header.caption,
            "credit": header.credit,
            "text": body,
        }
    )


def _read_html(result: _Result, entry: _Entry, data: bytes, cfg: _Config) -> None:
    text, result.encoding = decode_bytes(data, cfg.encoding)
    page = extract_html(text)
    body = _clean_text(page.get("text"), cfg, result)
    if body is None:
        raise _Skipped("no body: no main text found in the page")
    record = {
        "doc_id": _stem(entry.rel),
        "source": entry.source,
        "outlet": cfg.outlet or _folder_outlet(entry.rel) or page.get("sitename"),
        "title": page.get("title"),
        "url": page.get("url"),
        "text": body,
    }
    # One page, one date: only the user's day/month order applies (never a guess).
    order = None if cfg.dayfirst is None else "dmy" if cfg.dayfirst else "mdy"
    _set_date(record, page.get("date"), result, DateRule(order))
    result.records.append(record)


def _read_table(result: _Result, entry: _Entry, kind: str, data: bytes, cfg: _Config) -> None:
    records, result.encoding, builtin, problems = load_records(
        data, kind, cfg.encoding, max_bytes=cfg.max_file_bytes
    )
    result.notes += [("", problem) for problem in problems]
    if kind in ("mediacloud", "gdelt"):
        builtin = kind
    columns = set().union(*(r.keys() for r in records)) if records else set()
    if not records:
        raise _Skipped("empty: no records")
    try:
        mapping, builtin = resolve_mapping(columns, cfg.mapping, builtin)
    except ValueError as exc:
        prefix = _REFUSED_MAPPING if cfg.mapping is not None else _REFUSED_COLUMNS
        raise _Refused(prefix, str(exc)) from None
    if builtin:
        result.reader = f"{kind} ({builtin})"
    rule = _date_rule(records, mapping, cfg, result)
    base_id, folder_outlet = _stem(entry.rel), _folder_outlet(entry.rel)
    for index, raw in enumerate(records):
        doc_id = field_text(raw.get(mapping.get("doc_id", ("",))[0])) or f"{base_id}#{index}"
        record = _map_record(raw, mapping, doc_id, result, rule)
        record["source"] = f"{entry.source}#{index}"
        record["outlet"] = cfg.outlet or record.get("outlet") or folder_outlet
        record["text"] = _clean_text(record.get("text"), cfg, result)
        if record["text"] is None:
            result.notes.append((record["doc_id"], "no text"))
        result.records.append(record)


def _date_rule(
    records: list[dict[str, Any]], mapping: dict[str, tuple[str, ...]], cfg: _Config,
    result: _Result,
) -> DateRule:  # fmt: skip
    """One reading of the whole date column (or the user's), noted in the report."""
    if "date" not in mapping:
        return DateRule()
    column = mapping["date"][0]
    try:
        rule = date_rule(
            (r.get(column) for r in records), date_format=cfg.date_format, dayfirst=cfg.dayfirst
        )
    except DateFormatError as exc:
        raise _Refused(_REFUSED_DATES, f"date column {column!r}: {exc}") from None
    if rule.order is not None or rule.date_format is not None:
        result.notes.append(("", f"date column {column!r}: {rule.describe()}"))
    return rule


def _map_record(
    raw: dict[str, Any], mapping: dict[str, tuple[str, ...]], doc_id: str, result: _Result,
    rule: DateRule,
) -> dict[str, Any]:  # fmt: skip
    used = {name for names in mapping.values() for name in names}
    record: dict[str, Any] = {"doc_id": doc_id}
    for name, value in raw.items():
        if name not in used:
            # An unmapped field named like a schema column must not overwrite it.
            key = f"orig_{name}" if name in CORPUS_COLUMNS else name
            record[key] = extra_value(value)
    for column, names in mapping.items():
        if column == "doc_id":
            continue
        if column == "date":
            _set_date(record, raw.get(names[0]), result, rule)
        elif column == "language":
            record["language"] = declared_language(field_text(raw.get(names[0])))
            record["language_prob"] = 1.0 if record["language"] else float("nan")
        else:
            # Several columns (title + description) are joined line by line.
            parts = [field_text(raw.get(name)) for name in names]
            record[column] = "\n".join(p for p in parts if p and p.strip()) or None
    return record


def _set_date(
    record: dict[str, Any], value: object, result: _Result, rule: DateRule | None = None
) -> None:
    try:
        record["date"], record["date_precision"] = parse_date(value, rule)
    except (ValueError, TypeError, OverflowError) as exc:
        record["date"], record["date_precision"] = None, None
        why = f" ({exc})" if isinstance(exc, DateFormatError) else ""
        result.notes.append((str(record.get("doc_id", "")), f"unparseable date {value!r}{why}"))


def _clean_text(text: str | None, cfg: _Config, result: _Result) -> str | None:
    if text is None or not text.strip():
        return None
    body, removed = cfg.profile.clean(text)
    result.removed.update(removed)
    return body if body.strip() else None


def _stem(rel: str) -> str:
    folder, _, name = rel.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return f"{folder}/{stem}" if folder else stem


def _folder_outlet(rel: str) -> str | None:
    return rel.split("/", 1)[0] if "/" in rel else None


def _identify_languages(
    results: list[_Result], languages: tuple[str, ...], prefer_identified: bool = False
) -> None:
    """Identify every text's language and hash it, batched over a chunk of files.

    Identification runs on declared languages too: a confident disagreement is flagged in
    ``language_conflict`` with a note, and decides the language when ``prefer_identified``.
    """
    todo = [
        (result, rec)
        for result in results
        for rec in result.records
        if rec.get("text") is not None
    ]  # fmt: skip
    texts = [rec["text"] for _, rec in todo]
    codes, probs = identify_languages(texts, languages, max_chars=_LANGID_CHARS)
    for result in results:
        for rec in result.records:
            rec["language_identified"], rec["language_conflict"] = None, False
    for (result, rec), code, prob in zip(todo, codes, probs, strict=True):
        rec["language_identified"] = code
        declared = rec.get("language")
        if not declared:
            rec["language"], rec["language_prob"] = code, prob
        elif _conflicts(declared, code, prob, rec["text"], languages):
            rec["language_conflict"] = True
            if prefer_identified:
                rec["language"], rec["language_prob"] = code, prob
                action = "using the identified one"
            else:
                action = "kept the declared one (prefer_identified_language=True uses the other)"
            result.notes.append(
                (rec["doc_id"], f"declared language {declared!r}, identified {code!r} "
                 f"(p={prob:.2f}); {action}")
            )  # fmt: skip
        # The MinHash input is made here too: the case folding is shared (see _ENCODED).
        rec["content_sha256"], rec[_ENCODED] = _hash_and_encode(rec["text"])


def _conflicts(
    declared: str, code: str | None, prob: float, text: str, languages: tuple[str, ...]
) -> bool:
    """Identification confidently names another language the identifier could answer."""
    return (
        code is not None
        and code != declared
        and declared in languages  # else the identifier could never agree
        and prob >= _CONFLICT_PROB
        and len(text) >= _CONFLICT_CHARS
    )


# ---- running and assembling ---------------------------------------------------------------
def _run(
    items: Iterable[_Entry | _Result], cfg: _Config, n_jobs: int | None, *, progress: bool,
    n_files: int,
) -> Iterator[_Chunk]:  # fmt: skip
    """The chunks read, in input order, as they are read (a few in flight at a time)."""
    jobs = max(1, n_jobs) if n_jobs is not None else (os.cpu_count() or 1)
    chunks = _chunks(items, _CHUNK)
    bar = tqdm(
        total=n_files,
        unit="file",
        file=sys.stderr,
        disable=not progress or n_files < _PROGRESS_MIN_FILES,
    )
    with bar:
        if jobs == 1 or n_files < _PARALLEL_MIN_FILES:
            yield from _counted((_process_chunk(c, cfg) for c in chunks), bar)
            return
        if cfg.sketch_seed is not None:
            # Workers are forked from this process (Linux): importing the MinHash code
            # (datasketch, which imports scipy: about a second) here saves it per worker.
            minhash_signatures([], num_perm=_NUM_PERM, shingle_size=_SHINGLE_SIZE)
        try:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                yield from _counted(_bounded_map(pool, _process_chunk, chunks, cfg, jobs), bar)
        except BrokenProcessPool:
            # The system killed a reader (on Linux the out-of-memory killer, usually).
            raise IngestMemoryError(
                "a reader process was killed by the system (usually for lack of memory); "
                "run again with n_jobs=1 to have the file named, or with more memory"
            ) from None


def _counted(outputs: Iterable[_Chunk], bar: Any) -> Iterator[_Chunk]:
    for chunk in outputs:
        bar.update(sum(1 for r in chunk.results if "!" not in r.source))
        yield chunk


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Work units of at most ``size`` items and about ``_CHUNK_BYTES`` bytes of input."""
    chunk: list[Any] = []
    n_bytes = 0
    for item in items:
        chunk.append(item)
        n_bytes += getattr(item, "size", 0)
        if len(chunk) == size or n_bytes >= _CHUNK_BYTES:
            yield chunk
            chunk, n_bytes = [], 0
    if chunk:
        yield chunk


def _bounded_map(
    pool: Executor, fn: Callable[..., Any], chunks: Iterator[Any], cfg: _Config, jobs: int
) -> Iterator[Any]:
    """Ordered map that keeps only a few chunks in flight (archives stay out of memory)."""
    pending: deque[Future[Any]] = deque()
    for chunk in chunks:
        pending.append(pool.submit(fn, chunk, cfg))
        if len(pending) >= 2 * jobs:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _assemble(
    chunks: Iterable[_Chunk], texts: MemoryTexts | SpooledTexts
) -> tuple[pd.DataFrame, list[_Result], Counter[str], tuple[np.ndarray, np.ndarray] | None]:
    """The corpus without texts, ordered by source path and record index; results in that order.

    Texts go to ``texts`` in arrival order as each chunk comes in, so only the small
    columns of all chunks are held together. The frame keeps the temporary columns
    ``_SEQ`` (the position of each row's file in the returned results), ``_ROW`` (the
    position of its text in ``texts``) and ``_HAS_TEXT``. The signatures computed by the
    workers come back as row positions in that frame and the signature matrix (``None``
    when none were computed). The boilerplate removal counts come back summed.
    """
    results: list[_Result] = []
    removed: Counter[str] = Counter()
    frames, sketch_rows, sketches = [], [], []
    n_rows = 0
    for chunk in chunks:
        if chunk.frame is not None:
            frame = coerce_corpus(chunk.frame)
            frame[_SEQ] += len(results)
            frame[_ROW] = np.arange(n_rows, n_rows + len(frame))
            frame[_HAS_TEXT] = frame["text"].notna().to_numpy()
            texts.add(frame.pop("text"))
            frames.append(frame)
            if chunk.sketches is not None:
                sketch_rows.append(chunk.sketch_rows + n_rows)
                sketches.append(chunk.sketches)
            n_rows += len(frame)
        for result in chunk.results:
            # What the report needs of a file is kept; its counts are summed right away
            # (a counter per file is most of a result's memory).
            removed.update(result.removed)
            result.removed, result.records = None, []
        results += chunk.results
    order = sorted(range(len(results)), key=lambda i: results[i].source)
    ordered = [results[i] for i in order]
    if not frames:
        empty = empty_corpus().drop(columns="text")
        temporaries = {c: pd.Series([], dtype=t) for c, t in _TEMPORARY_DTYPES.items()}
        return empty.assign(**temporaries), ordered, removed, None
    rank = np.empty(len(results), dtype=np.int64)
    rank[order] = np.arange(len(results))
    meta = pd.concat(frames, ignore_index=True)
    meta[_SEQ] = rank[meta[_SEQ].to_numpy()]
    # A stable sort keeps each file's records in their original order. Folders are usually
    # read in path order already; then the sort is skipped.
    rows = np.argsort(meta[_SEQ].to_numpy(), kind="stable")
    if (np.diff(rows) != 1).any():
        meta = meta.take(rows).reset_index(drop=True)
    _unique_ids(meta, ordered)
    for column in meta.columns.difference([*CORPUS_COLUMNS, *_TEMPORARY_DTYPES]):
        meta[column] = _tidy_extra(meta[column])
    signatures = None
    if sketches:
        new_position = np.empty(len(rows), dtype=np.int64)
        new_position[rows] = np.arange(len(rows))
        signatures = new_position[np.concatenate(sketch_rows)], np.concatenate(sketches)
    return meta, ordered, removed, signatures


def _unique_ids(df: pd.DataFrame, results: list[_Result]) -> None:
    """Give repeated ``doc_id`` values a ``~2``, ``~3`` ... suffix, with a note.

    A suffix is never one that is already taken: with ``a`` twice and an ``a~2`` of its
    own, the second ``a`` becomes ``a~3``.
    """
    ids = df["doc_id"].astype("string")
    repeat = ids.groupby(ids, sort=False).cumcount()
    renamed = repeat > 0
    if not renamed.any():
        return
    taken = set(ids.dropna().tolist())
    new = []
    for old, n in zip(ids[renamed], repeat[renamed] + 1, strict=True):
        while f"{old}~{n}" in taken:
            n += 1
        taken.add(f"{old}~{n}")
        new.append(f"{old}~{n}")
    for seq, old, doc_id in zip(df.loc[renamed, _SEQ], ids[renamed], new, strict=True):
        results[seq].notes.append((doc_id, f"doc_id {old!r} repeated; renamed"))
    df.loc[renamed, "doc_id"] = new


def _tidy_extra(column: pd.Series) -> pd.Series:
    """Make an extra column storable in Parquet: mixed values become strings."""
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind in ("string", "empty"):
        return column.astype("string")
    if kind.startswith("mixed"):
        return column.map(lambda v: None if pd.isna(v) else str(v)).astype("string")
    return column


def _report(
    results: list[_Result], df: pd.DataFrame, removed: Counter[str], config: dict[str, Any]
) -> IngestReport:
    # Rows are sorted by file (_assemble), so each file's rows are one slice.
    edges = np.searchsorted(df[_SEQ].to_numpy(), np.arange(len(results) + 1)).tolist()
    doc_ids = df["doc_id"].tolist()
    targets = df["duplicate_of"].tolist()
    is_duplicate = df["duplicate_of"].notna().tolist()
    for seq, result in enumerate(results):
        lo, hi = edges[seq], edges[seq + 1]
        if hi > lo and all(is_duplicate[lo:hi]):
            result.status, result.reason = "duplicate", f"duplicate of {targets[lo]}"
    # Built column by column: a dict per file would cost more than the report itself.
    columns = {
        "path": [r.source for r in results],
        "status": [r.status for r in results],
        "reason": [r.reason for r in results],
        "reader": [r.reader for r in results],
        "encoding": [r.encoding for r in results],
        "sha256": [r.sha256 for r in results],
        "n_records": np.diff(edges).astype("int64"),
        "doc_ids": [doc_ids[lo:hi] for lo, hi in itertools.pairwise(edges)],
    }
    files = pd.DataFrame(columns, columns=_REPORT_COLUMNS)
    notes = pd.DataFrame(
        [(doc_id, r.source, note) for r in results for doc_id, note in r.notes],
        columns=["doc_id", "source", "note"],
    )
    return IngestReport(files, notes, removed, int(df["duplicate_of"].notna().sum()), config)


_REPORT_COLUMNS = ["path", "status", "reason", "reader", "encoding", "sha256", "n_records",
                   "doc_ids"]  # fmt: skip


# ---- option checks ------------------------------------------------------------------------
def _check_languages(languages: Sequence[str]) -> tuple[str, ...]:
    codes = tuple(languages)
    bad = [c for c in codes if not (isinstance(c, str) and len(c) == 2 and c.isalpha())]
    if not codes or bad:
        raise CorpusSourceError(f"languages must be ISO 639-1 codes, got {list(codes)!r}")
    identify_languages([], codes)  # fails here, not in a worker, on unknown codes
    return codes


def _check_mapping(
    mapping: Mapping[str, str | Sequence[str]] | None,
) -> dict[str, tuple[str, ...]] | None:
    """Schema column -> tuple of source columns; only text-like columns may join several."""
    if mapping is None:
        return None
    unknown = sorted(set(mapping) - set(MAPPABLE))
    if unknown:
        raise CorpusSourceError(
            f"mapping keys {unknown} are not corpus columns; use {', '.join(MAPPABLE)}"
        )
    checked = {}
    for key, value in mapping.items():
        names = (value,) if isinstance(value, str) else tuple(value)
        if not names or not all(isinstance(n, str) and n for n in names):
            raise CorpusSourceError(
                f"mapping[{key!r}] must name a column or a list of columns, got {value!r}"
            )
        if len(names) > 1 and key not in JOINABLE:
            raise CorpusSourceError(
                f"mapping[{key!r}] takes one column, got {list(names)}; only "
                f"{', '.join(sorted(JOINABLE))} can join several"
            )
        checked[str(key)] = names
    return checked


def _check_dates(date_format: str | None, dayfirst: bool | None) -> dict[str, Any]:
    if date_format is not None and dayfirst is not None:
        raise CorpusSourceError("give date_format or dayfirst, not both")
    if date_format is not None and date_format not in EPOCH_FORMATS:
        try:  # a format that cannot read back what it writes would lose every date
            sample = datetime.datetime(2023, 9, 13, 10, 30)
            datetime.datetime.strptime(sample.strftime(date_format), date_format)
        except (TypeError, ValueError) as exc:
            raise CorpusSourceError(
                f"date_format {date_format!r} is not a usable strftime format ({exc}); "
                "e.g. '%d/%m/%Y', '%d.%m.%Y %H:%M', 'epoch_ms'"
            ) from None
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise CorpusSourceError(f"dayfirst must be True, False or None, got {dayfirst!r}")
    return {"date_format": date_format, "dayfirst": dayfirst}


def _refuse(results: list[_Result], meta: pd.DataFrame) -> None:
    """Raise for reading options that would give a wrong or empty corpus."""
    for result in results:
        reason = result.reason
        if (
            reason.startswith(_REFUSED_DATES)
            or (reason.startswith(_REFUSED_MAPPING) and not len(meta))
            or (reason.startswith(_REFUSED_COLUMNS) and len(results) == 1)
        ):
            raise CorpusSourceError(f"{result.source}: {reason.split(': ', 1)[1]}")
    tables = [r for r in results if r.status == "loaded" and r.reader not in (None, "archive")]
    # GDELT and Media Cloud story lists carry no text by design: their titles are the data.
    metadata_only = bool(tables) and all(
        r.reader.endswith(("(gdelt)", "(mediacloud)")) for r in tables if r.reader
    )
    if len(meta) and not meta[_HAS_TEXT].any() and not metadata_only:
        extra = sorted(meta.columns.difference([*CORPUS_COLUMNS, *_TEMPORARY_DTYPES]))
        raise CorpusSourceError(
            f"no document has text ({len(meta)} record(s) read); map the text column(s), e.g. "
            "mapping={'text': ['title', 'description']} or --map text=title+description"
            + (f" (unmapped columns: {', '.join(extra[:40])})" if extra else "")
        )


def _mapping_config(mapping: dict[str, tuple[str, ...]] | None) -> dict[str, Any] | None:
    """As the user would write it: one column as a string, several as a list."""
    if mapping is None:
        return None
    return {k: v[0] if len(v) == 1 else list(v) for k, v in mapping.items()}


def _check_format(format: str | None) -> str | None:
    if format is not None and (format not in READER_KINDS or format == "archive"):
        known = ", ".join(sorted(READER_KINDS - {"archive"}))
        raise CorpusSourceError(f"unknown format {format!r}; use one of {known}")
    return format


def _describe(
    cfg: _Config,
    files: list[_Found],
    dedupe: bool,
    threshold: float,
    window_days: int,
    seed: int,
) -> dict[str, Any]:
    return {
        "roots": sorted({found.root.as_posix() for found in files}),
        "mapping": _mapping_config(cfg.mapping),
        "date_format": cfg.date_format,
        "dayfirst": cfg.dayfirst,
        "prefer_identified_language": cfg.prefer_identified_language,
        "format": cfg.format,
        "outlet": cfg.outlet,
        "encoding": cfg.encoding,
        "languages": list(cfg.languages),
        "max_file_bytes": cfg.max_file_bytes,
        "profile": cfg.profile.to_dict(),
        "dedupe": {
            "enabled": dedupe,
            "threshold": threshold,
            "window_days": window_days,
            "seed": seed,
        },
    }


# ---- provenance ---------------------------------------------------------------------------
def manifest_path(path: PathLike) -> Path:
    """The manifest that belongs to a saved corpus: ``<path>.manifest.json``.

    Examples
    --------
    >>> manifest_path("out/corpus.parquet").as_posix()
    'out/corpus.parquet.manifest.json'
    """
    return Path(str(path) + MANIFEST_SUFFIX)


def save_corpus(df: pd.DataFrame, path: PathLike, *, report: IngestReport | None = None) -> Path:
    """Write a corpus as Parquet plus a ``<path>.manifest.json`` provenance manifest.

    The manifest holds the corpus_tools version, the sha256 of the Parquet file, row,
    language and outlet counts, the configuration from ``df.attrs["corpus_tools"]`` and
    every source file with its sha256: from ``report`` when given, otherwise the files
    named in ``df["source"]`` are hashed as they are now on disk.

    Both files are written atomically (a temporary file in the same folder, fsync,
    rename; the manifest last), under a lock on ``<path>.lock``: a write that is killed
    leaves the previous corpus intact, and a concurrent writer is refused.

    Parameters
    ----------
    df : pandas.DataFrame
        A valid corpus.
    path : path
        The ``.parquet`` file to write.
    report : IngestReport, optional
        The report of the ingest that produced ``df``.

    Returns
    -------
    pathlib.Path
        The manifest path.

    Raises
    ------
    CorpusSourceError
        When ``path`` cannot be written (checked before writing).
    OutputLockedError
        When another process is writing ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from corpus_tools.schema import empty_corpus
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.parquet"
    >>> save_corpus(empty_corpus(), out).name
    'c.parquet.manifest.json'
    >>> len(read_corpus(out))
    0
    """
    validate_corpus(df)
    path = Path(path)
    check_output_path(path)
    with output_lock(path):
        return _write_corpus(df, path, report)


def check_output_path(path: PathLike) -> Path:
    """Check that a corpus can be written to ``path``, before any work is done.

    Raises
    ------
    CorpusSourceError
        When the folder does not exist or cannot be written, or ``path`` is a folder.

    Examples
    --------
    >>> try:
    ...     check_output_path("/no/such/folder/c.parquet")
    ... except CorpusSourceError as exc:
    ...     print(exc)
    cannot write /no/such/folder/c.parquet: folder /no/such/folder does not exist
    """
    path = Path(path)
    folder = path.parent
    problem = None
    if not folder.is_dir():
        problem = f"folder {folder} does not exist"
    elif path.is_dir():
        problem = "it is a folder"
    elif not os.access(folder, os.W_OK | os.X_OK):
        problem = f"folder {folder} is not writable"
    if problem:
        raise CorpusSourceError(f"cannot write {path}: {problem}")
    return path


def _write_corpus(df: pd.DataFrame, path: Path, report: IngestReport | None) -> Path:
    """Write the Parquet file, then its manifest, each atomically (caller holds the lock)."""
    config = df.attrs.get("corpus_tools", {}).get("config")
    sha256 = _write_parquet(path, _arrow_schema(df), [df])
    return _write_manifest(path, sha256, df, int(df["text"].notna().sum()), config, report)


def _write_corpus_blocks(
    path: Path, meta: pd.DataFrame, texts: MemoryTexts | SpooledTexts, report: IngestReport
) -> Path:
    """:func:`_write_corpus` for a corpus whose texts are in ``texts`` (see :func:`_read`)."""
    rows = meta[_ROW].to_numpy()
    # The schema as save_corpus would infer it from the whole corpus (types from every row,
    # the attrs ingest sets); the all-missing texts stand in for the spooled ones.
    whole = _with_texts(meta, pd.Series(pd.NA, index=meta.index, dtype="string"))
    whole.attrs["corpus_tools"] = {"version": __version__, "config": report.config}
    schema = _arrow_schema(whole)
    del whole
    blocks = (
        _with_texts(meta.iloc[lo : lo + ROW_GROUP_ROWS], texts.take(rows[lo : lo + ROW_GROUP_ROWS]))
        for lo in range(0, len(meta), ROW_GROUP_ROWS)
    )
    sha256 = _write_parquet(path, schema, blocks)
    n_with_text = int(meta[_HAS_TEXT].sum())
    return _write_manifest(path, sha256, meta, n_with_text, report.config, report)


def _arrow_schema(df: pd.DataFrame) -> Any:
    """The Arrow schema of a corpus frame, types inferred from all its rows."""
    import pyarrow as pa

    schema = pa.Schema.from_pandas(df, preserve_index=False)
    marker = json.dumps({"corpus_tools_version": __version__}).encode()
    return schema.with_metadata({**(schema.metadata or {}), _MARK: marker})


def _write_parquet(path: Path, schema: Any, blocks: Iterable[pd.DataFrame]) -> str:
    """Write ``blocks`` as one Parquet file in row groups of ``ROW_GROUP_ROWS``; its sha256."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    _remove_stale_temporaries(path)

    def write(handle: Any) -> None:
        with pq.ParquetWriter(handle, schema) as writer:
            for block in blocks:
                table = pa.Table.from_pandas(block, schema=schema, preserve_index=False)
                # Pages follow the Arrow chunks: one chunk per row group makes the bytes
                # independent of how the rows were gathered (save_corpus and
                # ingest_to_parquet write the same file).
                for lo in range(0, table.num_rows, ROW_GROUP_ROWS):
                    writer.write_table(table.slice(lo, ROW_GROUP_ROWS).combine_chunks())

    # The hash is of the bytes written, not of whatever is on disk after the rename.
    return write_atomic(path, write)


def _write_manifest(
    path: Path,
    sha256: str,
    df: pd.DataFrame,
    n_with_text: int,
    config: dict[str, Any] | None,
    report: IngestReport | None,
) -> Path:
    """The manifest of the corpus ``df`` (its texts may be left out) written at ``path``."""
    manifest = {
        "manifest_version": 1,
        "corpus_tools_version": __version__,
        "parquet": {"file": path.name, "sha256": sha256},
        "n_rows": len(df),
        "n_with_text": n_with_text,
        "n_duplicates": int(df["duplicate_of"].notna().sum()),
        "languages": _value_counts(df["language"]),
        "outlets": _value_counts(df["outlet"]),
        "config": config,
    }
    out = manifest_path(path)
    write_atomic(
        out, lambda handle: _dump_manifest(manifest, _manifest_sources(df, report), handle)
    )
    return out


def _dump_manifest(
    manifest: dict[str, Any], sources: Iterator[dict[str, Any]], handle: Any
) -> None:
    """``json.dumps({**manifest, "sources": list(sources)}, indent=1, sort_keys=True)``, written
    source by source: the list of a 10^6-file corpus would take gigabytes as one string."""
    head = json.dumps({**manifest, "sources": []}, ensure_ascii=False, indent=1, sort_keys=True)
    assert head.endswith('"sources": []\n}')  # sort_keys puts "sources" last
    handle.write(head[: -len("[]\n}")].encode("utf-8"))
    separator = "[\n"
    for source in sources:
        handle.write((separator + "  " + _indented_entry(source)).encode("utf-8"))
        separator = ",\n"
    handle.write(("[]" if separator == "[\n" else "\n ]").encode("utf-8") + b"\n}\n")


# With indent, json uses its pure-Python encoder: most of writing a 50,000-file manifest.
# A flat entry's indented form is the C encoder's output with a line break in each
# separator, so entries of scalars are encoded that way.
_ENTRY = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",\n   ", ": "))


def _indented_entry(source: dict[str, Any]) -> str:
    """``json.dumps(source, ensure_ascii=False, indent=1, sort_keys=True)``, two spaces in."""
    if not source or any(isinstance(v, dict | list | tuple) for v in source.values()):
        entry = json.dumps(source, ensure_ascii=False, indent=1, sort_keys=True)
        return entry.replace("\n", "\n  ")
    return "{\n   " + _ENTRY.encode(source)[1:-1] + "\n  }"


_MARK = b"corpus_tools"  # Parquet key-value metadata: written by save_corpus


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files of writers killed mid-write (safe: the caller holds the lock)."""
    for written in (path, manifest_path(path)):
        for stale in path.parent.glob(f".{glob.escape(written.name)}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()


def _saved_by_us(path: Path, *, marked_only: bool = False) -> bool:
    """Whether a Parquet file looks like a corpus written by save_corpus.

    Corpora this version writes carry a metadata mark; older ones are recognised by
    having every corpus column (unless ``marked_only``).
    """
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, ValueError):
        return False  # not readable as Parquet: the ingest reports it
    if _MARK in (schema.metadata or {}):
        return True
    return not marked_only and set(CORPUS_COLUMNS) <= set(schema.names)


def read_corpus(path: PathLike) -> pd.DataFrame:
    """Load a corpus saved by :func:`save_corpus`, verifying it against its manifest.

    Raises
    ------
    CorpusManifestError
        When the manifest is missing or unreadable.
    CorpusIntegrityError
        When the Parquet file's sha256 differs from the manifest (changed after saving).

    Examples
    --------
    See :func:`save_corpus`.
    """
    path = Path(path)
    manifest = _read_manifest(path)
    try:
        actual = file_sha256(path)
    except OSError as exc:
        raise CorpusIntegrityError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    expected = manifest["parquet"]["sha256"]
    if actual != expected:
        raise CorpusIntegrityError(
            f"{path}: sha256 {actual[:12]}... does not match its manifest "
            f"({str(expected)[:12]}...); the file changed after it was saved"
        )
    try:
        df = validate_corpus(coerce_corpus(pd.read_parquet(path)))
    except CorpusToolsError:
        raise
    except (OSError, ValueError, TypeError) as exc:  # pyarrow's errors are these
        raise CorpusIntegrityError(f"{path}: cannot read it as a corpus ({exc})") from None
    if len(df) != manifest["n_rows"]:
        raise CorpusIntegrityError(
            f"{path}: {len(df)} rows, but its manifest records {manifest['n_rows']}"
        )
    df.attrs["corpus_tools"] = {
        "version": manifest.get("corpus_tools_version"),
        "config": manifest.get("config"),
        "manifest_sha256": corpus_manifest_hash(path),
    }
    return df


def corpus_manifest_hash(path: PathLike) -> str:
    """sha256 of a saved corpus's manifest file, for downstream results to record.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from corpus_tools.schema import empty_corpus
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.parquet"
    >>> _ = save_corpus(empty_corpus(), out)
    >>> len(corpus_manifest_hash(out))
    64
    """
    manifest = manifest_path(path)
    if not manifest.is_file():
        raise CorpusManifestError(f"{path}: no manifest {manifest.name} next to it")
    return file_sha256(manifest)


def _read_manifest(path: Path) -> dict[str, Any]:
    manifest = manifest_path(path)
    if not path.is_file():
        raise CorpusSourceError(f"{path}: no such file")
    if not manifest.is_file():
        raise CorpusManifestError(
            f"{path}: no manifest {manifest.name}; only corpora written by save_corpus "
            "can be verified (load other Parquet files with load_corpus(..., format='parquet'))"
        )
    try:
        data = _manifest_without_sources(manifest)
    except (OSError, ValueError) as exc:  # JSON and UTF-8 errors are ValueErrors
        raise CorpusManifestError(f"{manifest}: not a valid manifest ({exc})") from None
    problem = _manifest_problem(data)
    if problem:
        raise CorpusManifestError(
            f"{manifest}: not a valid manifest ({problem}); save the corpus again with "
            "save_corpus, or restore the manifest written with it"
        )
    return data


_SOURCES_KEY = b'\n "sources": '
_SOURCES_END = (b"\n ]\n}\n", b"[]\n}\n")


def _manifest_without_sources(manifest: Path) -> Any:
    """A manifest as JSON, its list of sources left empty when it was written last.

    Nothing that reads a corpus needs the sources, and for 10^6 files they are a quarter of
    a gigabyte of JSON (gigabytes as Python objects). :func:`_dump_manifest` writes them
    last (sorted keys); a manifest in any other layout is read whole.
    """
    with manifest.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(handle.tell() - 16, 0))
        if handle.read().endswith(_SOURCES_END):
            handle.seek(0)
            head = b""
            for block in iter(lambda: handle.read(1 << 16), b""):
                head += block
                at = head.find(_SOURCES_KEY)
                if at >= 0:
                    return json.loads(head[: at + len(_SOURCES_KEY)] + b"[]\n}")
        return json.loads(manifest.read_bytes())


def _manifest_problem(data: object) -> str | None:
    """What is wrong with the shape of a manifest, or ``None``."""
    if not isinstance(data, dict):
        return "not a JSON object"
    parquet = data.get("parquet")
    if not isinstance(parquet, dict):
        return "'parquet' must be an object"
    sha = parquet.get("sha256")
    if not (isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha)):
        return "'parquet.sha256' must be 64 hex digits"
    n_rows = data.get("n_rows")
    if not isinstance(n_rows, int) or isinstance(n_rows, bool) or n_rows < 0:
        return "'n_rows' must be a non-negative integer"
    if not isinstance(data.get("config"), dict | None):
        return "'config' must be an object or null"
    if not isinstance(data.get("sources", []), list):
        return "'sources' must be a list"
    return None


def _manifest_sources(df: pd.DataFrame, report: IngestReport | None) -> Iterator[dict[str, Any]]:
    if report is not None:
        columns = ["path", "sha256", "status", "reader", "n_records"]
        values = [report.files[c].tolist() for c in columns]
        for row in zip(*values, strict=True):
            yield {c: None if pd.isna(v) else v for c, v in zip(columns, row, strict=True)}
        return
    # Without a report: the files named in `source` (archive members via their archive).
    paths = sorted(set(df["source"].str.replace(r"[!#].*$", "", regex=True).dropna()))
    for p in paths:
        yield {"path": p, "sha256": file_sha256(Path(p)) if Path(p).is_file() else None}


def _value_counts(column: pd.Series) -> dict[str, int]:
    counts = column.fillna("<NA>").value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items())}
