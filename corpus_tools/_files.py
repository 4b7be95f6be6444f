"""File helpers shared by the modules that read and write files: hashing, atomic writes, locks.

Kept apart from :mod:`corpus_tools.io` and :mod:`corpus_tools.datasets` so that neither
has to import the other for them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import CorpusToolsError

_CHUNK = 1 << 20
LOCK_SUFFIX = ".lock"


class OutputLockedError(CorpusToolsError):
    """Another process is writing the same output file."""


def file_sha256(path: Path) -> str:
    """Return the sha256 hex digest of a file, read in chunks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> file_sha256(path)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class _HashingWriter:
    """A binary file object that hashes every byte on its way to the file."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        view = memoryview(data).cast("B")
        self.digest.update(view)
        return self.handle.write(view)

    def flush(self) -> None:
        self.handle.flush()

    def tell(self) -> int:
        return self.handle.tell()

    @property
    def closed(self) -> bool:
        return self.handle.closed

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


def write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> str:
    """Write ``path`` through ``write(handle)`` atomically; return the sha256 of the bytes.

    The bytes go to a temporary file in the same folder and are hashed as they are
    written (so the hash is of what was written, not of whatever is on disk afterwards);
    the file is fsynced and then renamed over ``path``. A crash or an error leaves the
    previous ``path`` intact and no temporary file behind (except after SIGKILL, which
    leaves a hidden ``.<name>.*.tmp`` file and never a partial ``path``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> write_atomic(path, lambda fh: fh.write(b"abc"))[:12], path.read_bytes()
    ('ba7816bf8f01', b'abc')
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer = _HashingWriter(handle)
            write(writer)  # type: ignore[arg-type]
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_folder(path.parent)
    return writer.digest.hexdigest()


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable; some file systems cannot open folders, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def lock_path(path: Path) -> Path:
    """The lock file that guards writes to ``path``: ``<path>.lock``."""
    return Path(str(path) + LOCK_SUFFIX)


@contextlib.contextmanager
def output_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for writing; refuse when another writer holds it.

    The lock is an ``flock`` on ``<path>.lock``, released by the kernel when the holder
    exits, even by SIGKILL, so a crashed writer never blocks the next one.

    Raises
    ------
    OutputLockedError
        When another process holds the lock.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.parquet"
    >>> with output_lock(out):
    ...     lock_path(out).exists()
    True
    """
    import fcntl

    lock = lock_path(path)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputLockedError(
                f"{path} is being written by another process (lock {lock.name} is held); "
                "wait for it to finish or choose another output path"
            ) from None
        yield
    finally:
        os.close(fd)
