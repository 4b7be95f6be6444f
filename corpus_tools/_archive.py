"""Safe, in-memory reading of zip and tar archives (no extraction to disk).

Every member is either returned with its bytes or refused with a reason: absolute paths,
``..`` components and links are unsafe; members are read with a hard cap on the bytes
actually decompressed (headers can lie), so archive bombs cost at most the cap.
"""

from __future__ import annotations

import gzip
import lzma
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ARCHIVE_SUFFIXES: tuple[str, ...] = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz")
# Errors a damaged or hostile archive raises while a member is decompressed.
_READ_ERRORS = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError,
                NotImplementedError, RuntimeError, ValueError)  # fmt: skip


@dataclass(frozen=True)
class Member:
    """One archive member: its name and either its bytes or why it was refused."""

    name: str
    data: bytes | None = None
    problem: str | None = None


class ArchiveError(ValueError):
    """The archive itself cannot be read (not just one member)."""


def is_archive(name: str) -> bool:
    """Whether ``name`` has an archive suffix (``.zip``, ``.tar``, ``.tar.gz`` ...)."""
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def archive_stem(name: str) -> str:
    """``name`` without its archive suffix: ``dump.tar.gz`` -> ``dump``."""
    lower = name.lower()
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def unsafe_reason(name: str) -> str | None:
    """Why a member name could escape an extraction folder, or ``None`` if it is safe.

    Examples
    --------
    >>> unsafe_reason("../etc/passwd"), unsafe_reason("gazeta/001.txt")
    ('unsafe path: .. component', None)
    """
    if not name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "unsafe path: absolute"
    if ".." in re.split(r"[/\\]", name):
        return "unsafe path: .. component"
    return None


def iter_members(path: Path, *, max_member_bytes: int, max_total_bytes: int) -> Iterator[Member]:
    """Yield the file members of a zip or tar archive, read in memory with size caps.

    Parameters
    ----------
    path : pathlib.Path
        The archive.
    max_member_bytes : int
        A member decompressing to more bytes than this is refused as too large.
    max_total_bytes : int
        Once this many bytes were decompressed in total, remaining members are refused.

    A compressed tar stream is read to its end after the last member, so a damaged or
    truncated archive raises :class:`ArchiveError` (its checksum is only checked there)
    after the members read before the damage were yielded.

    Raises
    ------
    ArchiveError
        When the archive cannot be opened, its directory is damaged, or its compressed
        stream is damaged or cut short.

    Examples
    --------
    >>> import io, zipfile, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp()) / "a.zip"
    >>> with zipfile.ZipFile(tmp, "w") as zf:
    ...     zf.writestr("x.txt", "hi")
    >>> [(m.name, m.data) for m in iter_members(tmp, max_member_bytes=10, max_total_bytes=10)]
    [('x.txt', b'hi')]
    """
    budget = _Budget(max_member_bytes, max_total_bytes)
    try:
        if path.name.lower().endswith(".zip"):
            yield from _zip_members(path, budget)
        else:
            yield from _tar_members(path, budget)
    except _DAMAGE as exc:
        raise ArchiveError(f"damaged archive: {exc or type(exc).__name__}") from None


# What a damaged or cut compressed stream raises (bz2 raises a plain OSError).
_DAMAGE = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, gzip.BadGzipFile,
           lzma.LZMAError)  # fmt: skip


class _Budget:
    """Counts decompressed bytes and reads members without exceeding the caps."""

    def __init__(self, per_member: int, total: int) -> None:
        self.per_member = per_member
        self.left = total

    def read(self, name: str, handle: object, declared: int) -> Member:
        """Read a member whose header claims ``declared`` bytes (checked before reading)."""
        if self.left <= 0:
            return Member(name, problem="too large: archive total exceeds max_archive_bytes")
        limit = min(self.per_member, self.left)
        if declared > limit:
            which = "max_file_bytes" if limit == self.per_member else "max_archive_bytes"
            return Member(name, problem=f"too large: {declared} bytes ({which} is {limit})")
        try:
            data = handle.read(limit + 1)  # type: ignore[attr-defined]
        except _READ_ERRORS as exc:
            return Member(name, problem=f"damaged archive member: cannot decompress ({exc})")
        self.left -= len(data)
        if len(data) > limit:
            which = "max_file_bytes" if limit == self.per_member else "max_archive_bytes"
            return Member(name, problem=f"too large: more than {limit} bytes ({which})")
        return Member(name, data=data)


def _zip_members(path: Path, budget: _Budget) -> Iterator[Member]:
    with zipfile.ZipFile(path) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            name = info.filename
            mode = info.external_attr >> 16
            problem = unsafe_reason(name) or ("unsafe path: link" if stat.S_ISLNK(mode) else None)
            if problem:
                yield Member(name, problem=problem)
                continue
            try:
                handle = archive.open(info)
            except _READ_ERRORS as exc:
                yield Member(name, problem=f"damaged archive member: cannot open it ({exc})")
                continue
            with handle:
                yield budget.read(name, handle, info.file_size)


def _tar_members(path: Path, budget: _Budget) -> Iterator[Member]:
    with tarfile.open(path, mode="r:*") as archive:
        for info in archive:  # streaming: the member list is never held in memory
            if info.isdir():
                continue
            problem = unsafe_reason(info.name)
            if problem is None and (info.issym() or info.islnk()):
                problem = "unsafe path: link"
            elif problem is None and not info.isreg():
                problem = "unsupported type: special file"
            if problem:
                yield Member(info.name, problem=problem)
                continue
            handle = archive.extractfile(info)
            if handle is None:
                yield Member(info.name, problem="unsupported type: special file")
                continue
            yield budget.read(info.name, handle, info.size)
        _read_to_end(archive)


def _read_to_end(archive: tarfile.TarFile) -> None:
    """Decompress what follows the last member: a damaged stream fails only at its end.

    tarfile stops at the first header it cannot parse as if the archive ended there, and
    gzip checks its CRC only at the end of the stream.
    """
    stream = archive.fileobj
    try:
        while stream.read(1 << 20):  # type: ignore[union-attr]
            pass
    except OSError as exc:  # bz2 reports damage as a plain OSError
        raise ArchiveError(f"damaged archive: {exc}") from None
