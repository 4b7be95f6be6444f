"""Where an output came from: package version, source commit, lock, parameters and data.

Every figure and table collected by :func:`corpus_tools.reproduce.reproduce` is listed in
``MANIFEST.json`` with this provenance, and :func:`corpus_tools.plots.save_figure` embeds
the same record in the files themselves (the PNG ``Description`` text chunk, the SVG's
Dublin Core ``<dc:description>``), so a figure found on its own still says what made it:
:func:`read_figure_provenance` reads it back.

The record is deterministic (no dates, host names or absolute paths), so the same commit,
data and parameters give the same figure bytes. Because the commit is part of it, the
file sha256 changes with every commit; :func:`content_sha256` hashes what a file *shows*
(the PNG's decoded pixel stream, the SVG without its metadata), which is what a reference
comparison should compare.

A notebook kernel started by ``reproduce`` receives two environment variables:
:data:`PROVENANCE_ENV` holds the notebook's record (JSON) that ``save_figure`` embeds, and
:data:`MODEL_LOG_ENV` names a file to which :func:`corpus_tools.topics.corpus_matrix`
appends one JSON line per model matrix it builds (:func:`record_model_input`), so that
``reproduce`` reports which language and how many documents each notebook modelled
without relying on the notebook to say so.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import re
import struct
import subprocess
import sys
import zlib
from collections import Counter
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .errors import CorpusToolsError

__all__ = [
    "MODEL_LOG_ENV",
    "PROVENANCE_ENV",
    "ProvenanceError",
    "content_sha256",
    "current_provenance",
    "environment_versions",
    "package_provenance",
    "read_figure_provenance",
    "read_model_log",
    "record_model_input",
]

#: JSON provenance of the notebook being executed, set by ``reproduce`` for the kernel.
PROVENANCE_ENV = "CORPUS_TOOLS_PROVENANCE"
#: File to which :func:`record_model_input` appends, set by ``reproduce`` for the kernel.
MODEL_LOG_ENV = "CORPUS_TOOLS_MODEL_LOG"
#: PNG text keyword / SVG Dublin Core element that holds the JSON record.
FIGURE_METADATA_KEY = "Description"

#: The hashed lock each platform installs from (``requirements/`` of a source checkout).
_LOCKS = {"darwin-arm64": "lock-macos-arm64.txt", "win32-amd64": "lock-windows-x86_64.txt"}
_DEFAULT_LOCK = "lock.txt"
#: Packages whose versions decide the numbers and the pixels.
_NUMERIC_PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "matplotlib", "gensim")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = frozenset({b"tEXt", b"iTXt", b"zTXt"})
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SVG_TITLE = re.compile(r"<title>.*?</title>\s*", re.DOTALL)
_SVG_DESCRIPTION = re.compile(r"<dc:description>(.*?)</dc:description>", re.DOTALL)


class ProvenanceError(CorpusToolsError):
    """A provenance record is missing or unreadable (names the file or variable)."""


def source_root() -> Path | None:
    """The source checkout this package runs from, or None for an installed package.

    A checkout is recognised by ``pyproject.toml`` and ``.git`` next to the package
    folder, so a package installed into some other project's git repository is not
    mistaken for one.
    """
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / ".git").exists():
        return root
    return None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):  # no git installed, or a hung filesystem
        return None
    return done.stdout if done.returncode == 0 else None


def _lock_file(root: Path) -> Path:
    key = f"{sys.platform}-{platform.machine().lower()}"
    return root / "requirements" / _LOCKS.get(key, _DEFAULT_LOCK)


def package_provenance() -> dict[str, Any]:
    """The code that runs: package version, git commit and dirty flag, lock file sha256.

    ``git_commit``, ``git_dirty``, ``lock`` and ``lock_sha256`` are None outside a source
    checkout (an installed wheel has no commit and no lock). ``git_dirty`` is True when
    tracked files differ from the commit (untracked files such as outputs do not count).

    Returns
    -------
    dict
        Keys ``corpus_tools_version``, ``git_commit``, ``git_dirty``, ``lock``,
        ``lock_sha256``.

    Examples
    --------
    >>> sorted(package_provenance())
    ['corpus_tools_version', 'git_commit', 'git_dirty', 'lock', 'lock_sha256']
    """
    record: dict[str, Any] = {
        "corpus_tools_version": __version__,
        "git_commit": None,
        "git_dirty": None,
        "lock": None,
        "lock_sha256": None,
    }
    root = source_root()
    if root is None:
        return record
    commit = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    if commit is not None:
        record["git_commit"] = commit.strip()
        record["git_dirty"] = None if status is None else bool(status.strip())
    lock = _lock_file(root)
    if lock.is_file():
        record["lock"] = lock.relative_to(root).as_posix()
        record["lock_sha256"] = hashlib.sha256(lock.read_bytes()).hexdigest()
    return record


def current_provenance() -> dict[str, Any]:
    """The provenance to embed in an output written now.

    Inside a notebook run by ``reproduce`` this is the notebook's full record (from
    :data:`PROVENANCE_ENV`: notebook, analysis version, parameters, data and the package
    provenance); elsewhere it is :func:`package_provenance`.

    Raises
    ------
    ProvenanceError
        When :data:`PROVENANCE_ENV` is set but does not hold a JSON object.

    Examples
    --------
    >>> current_provenance()["corpus_tools_version"] == __version__
    True
    """
    raw = os.environ.get(PROVENANCE_ENV)
    if raw is None:
        return package_provenance()
    try:
        record = json.loads(raw)
    except ValueError as exc:
        raise ProvenanceError(f"${PROVENANCE_ENV} is not JSON ({exc}); unset it") from None
    if not isinstance(record, dict):
        raise ProvenanceError(f"${PROVENANCE_ENV} must hold a JSON object; unset it")
    return record


def environment_versions() -> dict[str, Any]:
    """Python, platform and the versions of the packages that decide numbers and pixels.

    Examples
    --------
    >>> environment_versions()["packages"]["numpy"] == __import__("numpy").__version__
    True
    """
    packages = {}
    for name in _NUMERIC_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "python": platform.python_version(),
        "platform": f"{sys.platform}-{platform.machine().lower()}",
        "packages": packages,
    }


def record_model_input(languages: Iterable[object], n_terms: int) -> None:
    """Append what a model is fitted on to the run's model log, if one is set.

    Called by :func:`corpus_tools.topics.corpus_matrix` with the language of every
    document it keeps. Does nothing unless :data:`MODEL_LOG_ENV` names a file.

    Parameters
    ----------
    languages : iterable
        The language code of each modelled document (None or NaN for unknown).
    n_terms : int
        Number of terms (columns) of the matrix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from unittest import mock
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "models.jsonl"
    >>> with mock.patch.dict(os.environ, {MODEL_LOG_ENV: str(log)}):
    ...     record_model_input(["en", "en", "pl"], n_terms=40)
    >>> read_model_log(log)
    [{'languages': {'en': 2, 'pl': 1}, 'n_documents': 3, 'n_terms': 40}]
    """
    target = os.environ.get(MODEL_LOG_ENV)
    if not target:
        return
    counts = Counter(code if isinstance(code, str) else "unknown" for code in languages)
    line = {
        "languages": dict(sorted(counts.items())),
        "n_documents": sum(counts.values()),
        "n_terms": int(n_terms),
    }
    # One short append per matrix; O_APPEND keeps lines whole if workers write too.
    with open(target, "a", encoding="utf-8") as log:
        log.write(json.dumps(line, sort_keys=True) + "\n")


def read_model_log(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records :func:`record_model_input` appended to ``path`` (empty if none).

    Examples
    --------
    See :func:`record_model_input`.
    """
    path = Path(path)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def read_figure_provenance(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the provenance record :func:`~corpus_tools.plots.save_figure` embedded.

    Parameters
    ----------
    path : str or path
        A PNG or SVG file written by ``save_figure``.

    Returns
    -------
    dict
        The record: figure name, fingerprint, package version, git commit and dirty flag,
        lock sha256 and, for figures made by ``corpus-tools reproduce``, the notebook,
        analysis version, parameters and data.

    Raises
    ------
    ProvenanceError
        When the file is not a PNG or SVG or carries no corpus_tools record.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from corpus_tools import plots
    >>> import pandas as pd
    >>> fig = plots.plot_event_window(pd.DataFrame({"topic": ["a"], "diff": [0.1],
    ...                                             "diff_lo": [0.0], "diff_hi": [0.2]}))
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "01_effects"
    >>> png, svg = plots.save_figure(fig, out)
    >>> record = read_figure_provenance(png)
    >>> record["figure"], record == read_figure_provenance(svg)
    ('01_effects', True)
    """
    path = Path(path)
    data = path.read_bytes()
    if data.startswith(_PNG_SIGNATURE):
        raw = _png_text(data).get(FIGURE_METADATA_KEY)
    elif path.suffix.lower() == ".svg":
        found = _SVG_DESCRIPTION.search(data.decode("utf-8"))
        raw = html.unescape(found.group(1)) if found else None
    else:
        raise ProvenanceError(f"{path}: not a PNG or SVG file")
    try:
        record = json.loads(raw) if raw is not None else None
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise ProvenanceError(
            f"{path}: carries no corpus_tools provenance (not saved by save_figure)"
        )
    return record


def content_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of what a file shows, leaving out its embedded provenance.

    PNG: the image header, palette and the *decompressed* pixel stream (text chunks
    left out, and independent of the zlib build that compressed it). SVG: the text
    without ``<title>`` and ``<metadata>``. Any other file (tables; also PDF, whose
    embedded record cannot be cut out): its bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> table = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = table.write_bytes(b"a,b\\n1,2\\n")
    >>> content_sha256(table) == hashlib.sha256(b"a,b\\n1,2\\n").hexdigest()
    True
    """
    path = Path(path)
    data = path.read_bytes()
    if data.startswith(_PNG_SIGNATURE):
        return _png_content_sha256(path, data)
    if path.suffix.lower() == ".svg":
        text = data.decode("utf-8")
        text = _SVG_TITLE.sub("", _SVG_METADATA.sub("", text, count=1), count=1)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return hashlib.sha256(data).hexdigest()


def _png_chunks(data: bytes) -> Iterable[tuple[bytes, bytes]]:
    offset = len(_PNG_SIGNATURE)
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        yield kind, data[offset + 8 : offset + 8 + length]
        offset += 12 + length  # length, type, data, crc


def _png_text(data: bytes) -> dict[str, str]:
    text = {}
    for kind, body in _png_chunks(data):
        keyword, _, rest = body.partition(b"\0")
        if kind == b"tEXt":
            text[keyword.decode("latin-1")] = rest.decode("latin-1")
        elif kind == b"iTXt" and rest[:1] == b"\0":  # uncompressed international text
            _lang, _, rest = rest[2:].partition(b"\0")
            _translated, _, value = rest.partition(b"\0")
            text[keyword.decode("latin-1")] = value.decode("utf-8")
    return text


def _png_content_sha256(path: Path, data: bytes) -> str:
    digest = hashlib.sha256()
    pixels = zlib.decompressobj()
    try:
        for kind, body in _png_chunks(data):
            if kind == b"IDAT":
                digest.update(pixels.decompress(body))
            elif kind not in _PNG_TEXT_CHUNKS:
                digest.update(kind + len(body).to_bytes(8, "little") + body)
        digest.update(pixels.flush())
    except zlib.error as exc:
        raise ProvenanceError(f"{path}: corrupt PNG image data ({exc})") from None
    return digest.hexdigest()
