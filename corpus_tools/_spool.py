"""Where an ingest keeps the document texts between reading them and writing the corpus.

The ingest reads texts in arrival order, then orders, renames and deduplicates the rows
on everything *but* the text (small), and only then needs the texts again, in the
corpus's row order. :class:`MemoryTexts` keeps them in memory (``ingest``);
:class:`SpooledTexts` writes them to Arrow IPC files in a temporary folder as they come
(``ingest_to_parquet``), so the peak memory of a 10^6-article ingest does not grow with
the bytes of text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

# Texts buffered before a spool file is written: small enough to keep the ingest's memory
# flat, large enough that a corpus of millions of articles makes only a few hundred files.
SPOOL_BYTES = 64 * 2**20


class MemoryTexts:
    """Texts kept in memory, in arrival order."""

    def __init__(self) -> None:
        self._parts: list[pd.Series] = []
        self._all: pd.Series | None = None

    def add(self, texts: pd.Series) -> None:
        """Append the texts of the next rows (a string Series)."""
        self._parts.append(texts.reset_index(drop=True))

    def take(self, rows: np.ndarray) -> pd.Series:
        """The texts of arrival positions ``rows``, in that order."""
        if self._all is None:
            self._all = (
                pd.concat(self._parts, ignore_index=True)
                if self._parts
                else pd.Series([], dtype="string")
            )
            self._parts = []
        if np.array_equal(rows, np.arange(len(self._all))):
            return self._all  # already in order: no copy of every text
        return self._all.take(rows).reset_index(drop=True)


class SpooledTexts:
    """Texts written to Arrow IPC files under ``folder`` (which the caller removes)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._dtype = pd.StringDtype()  # the corpus schema's (what astype("string") gives)
        self._buffer: list[pa.Array] = []
        self._buffered = 0
        self._starts = [0]  # first arrival position of every spool file, then the total
        self._cached: tuple[int, pa.Array] | None = None

    def add(self, texts: pd.Series) -> None:
        """Append the texts of the next rows; write a spool file once enough are buffered."""
        array = pa.array(texts.astype(self._dtype), type=pa.large_string())
        self._buffer.append(array)
        self._buffered += int(array.nbytes)
        if self._buffered >= SPOOL_BYTES:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        array = pa.concat_arrays(self._buffer)
        path = self._file(len(self._starts) - 1)
        table = pa.table({"text": array})
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        self._starts.append(self._starts[-1] + len(array))
        self._buffer, self._buffered = [], 0

    def _file(self, index: int) -> Path:
        return self._folder / f"{index:06d}.arrow"

    def _read(self, index: int) -> pa.Array:
        if self._cached is None or self._cached[0] != index:
            # Memory-mapped: the pages are the file's, read on demand and never copied.
            source = pa.memory_map(str(self._file(index)))
            column = pa.ipc.open_file(source).read_all().column("text")
            self._cached = (index, column.combine_chunks())
        return self._cached[1]

    def take(self, rows: np.ndarray) -> pd.Series:
        """The texts of arrival positions ``rows``, in that order."""
        self._flush()
        starts = np.asarray(self._starts)
        files = np.searchsorted(starts, rows, side="right") - 1
        pieces, positions = [], []
        # Files in order of first use: a corpus read in path order uses each file once.
        for index in dict.fromkeys(files.tolist()):
            here = np.flatnonzero(files == index)
            pieces.append(_take(self._read(index), rows[here] - starts[index]))
            positions.append(here)
        if not pieces:
            return pd.Series([], dtype=self._dtype)
        texts = _take(
            pa.concat_arrays(pieces), np.argsort(np.concatenate(positions), kind="stable")
        )
        return pd.Series(texts.to_pandas(types_mapper={pa.large_string(): self._dtype}.get))


def _take(array: pa.Array, positions: np.ndarray) -> pa.Array:
    """``array.take(positions)``; a run of consecutive positions is a slice, not a copy
    (the usual case: a corpus read in path order takes each spool file's texts in order)."""
    if len(positions) and (np.diff(positions) == 1).all():
        return array.slice(int(positions[0]), len(positions))
    return array.take(pa.array(positions))
