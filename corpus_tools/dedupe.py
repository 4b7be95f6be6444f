"""Duplicate marking: exact copies by content hash, near copies by MinHash LSH.

:func:`mark_duplicates` fills ``duplicate_of`` within a date window;
:func:`minhash_signatures` and :func:`lsh_candidates` are its sketching and candidate
steps, numpy versions of datasketch's ``MinHash.bulk`` and ``MinHashLSH``.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from .clean import _folded_hash, content_hash
from .errors import CorpusToolsError
from .schema import DATE_PRECISIONS

_REQUIRED_DUP_COLUMNS = ("doc_id", "date", "text", "content_sha256")
_Intervals = tuple[np.ndarray, np.ndarray]  # first and last moments of the same documents' dates


def mark_duplicates(
    df: pd.DataFrame,
    *,
    threshold: float = 0.8,
    window_days: int = 7,
    num_perm: int = 128,
    shingle_size: int = 5,
    seed: int = 1,
    signatures: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.Series:
    """Find exact and near duplicates; return ``duplicate_of`` for every row.

    Rules:

    * Exact duplicates share ``content_sha256`` (computed with :func:`content_hash`
      where missing), whatever their dates.
    * Near duplicates (wire copies with small edits): word ``shingle_size``-grams of the
      case-folded text are sketched with datasketch MinHash (``num_perm``, ``seed``),
      candidates come from MinHash LSH at ``threshold``, and a pair is confirmed when
      the estimated Jaccard similarity is ``>= threshold`` and both dates are known and
      at most ``window_days`` apart. Documents with an unknown date (``NaT``) or fewer
      than ``shingle_size`` words only take part in exact matching. A group of exact
      copies is compared through one copy, and the window is met when any of its dated
      copies is within ``window_days`` of any dated copy of the other group.
    * Dates are intervals: by ``date_precision``, a ``"month"`` date (the 1st) stands for
      every day of its month and a ``"year"`` date for every day of its year; a ``"day"``
      date, a missing precision or a missing column is the timestamp itself. Two dates
      are ``window_days`` apart when the days between their intervals are (0 when the
      intervals overlap), so a month-dated wire copy of 2024-06 and a copy of 2024-06-20
      are within any window, and one of 2024-07-07 is 7 days after it.
    * Confirmed pairs are grouped transitively; in each group the earliest document (by
      interval start, i.e. month dates before the days of their month; unknown dates
      last; ties by ``doc_id``) is canonical and every other member points to it
      directly, never to another duplicate. Nothing is removed.

    Parameters
    ----------
    df : pandas.DataFrame
        A corpus with columns ``doc_id``, ``date``, ``text``, ``content_sha256`` and
        optionally ``date_precision`` (``"day"``, ``"month"``, ``"year"`` or missing).
    threshold : float
        Jaccard similarity of shingle sets at which two texts count as near duplicates.
    window_days : int
        Maximum distance in days between the date intervals of near duplicates.
    num_perm, shingle_size, seed : int
        MinHash parameters; the result is deterministic for a fixed ``seed``.
    signatures : tuple of (numpy.ndarray, numpy.ndarray), optional
        MinHash signatures computed beforehand with :func:`minhash_signatures` and the same
        ``num_perm``, ``shingle_size`` and ``seed``: row positions in ``df`` and their
        signatures. The result is the same as without them; they let a caller sketch the
        texts where they are at hand (``corpus_tools.io`` does it in its reader processes)
        instead of turning every text into a Python string here.

    Returns
    -------
    pandas.Series
        dtype ``"string"``, aligned with ``df.index``: the canonical ``doc_id`` or
        ``<NA>`` for canonical and unique documents.

    Raises
    ------
    CorpusToolsError
        For a missing column, a threshold outside (0, 1] or an unknown ``date_precision``.

    Examples
    --------
    >>> df = pd.DataFrame({"doc_id": ["a", "b"], "date": pd.to_datetime(["2024-06-19"] * 2),
    ...                    "text": ["Kim met Putin.", "KIM  met Putin."],
    ...                    "content_sha256": [None, None]})
    >>> mark_duplicates(df).tolist()
    [<NA>, 'a']
    """
    missing = [c for c in _REQUIRED_DUP_COLUMNS if c not in df.columns]
    if missing:
        raise CorpusToolsError(f"mark_duplicates needs column(s): {', '.join(missing)}")
    return _duplicates_of(
        df,
        df["text"].notna().to_numpy(),
        threshold=threshold,
        window_days=window_days,
        num_perm=num_perm,
        shingle_size=shingle_size,
        seed=seed,
        signatures=signatures,
    )


def _duplicates_of(
    df: pd.DataFrame,
    has_text: np.ndarray,
    *,
    threshold: float = 0.8,
    window_days: int = 7,
    num_perm: int = 128,
    shingle_size: int = 5,
    seed: int = 1,
    signatures: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.Series:
    """:func:`mark_duplicates` for a corpus whose texts are not at hand.

    ``df`` needs ``doc_id``, ``date`` and ``content_sha256`` (``date_precision``
    optional); ``has_text`` says which rows have a text. The texts themselves are read
    only to sketch them or to hash them where ``content_sha256`` is missing, so with
    ``signatures`` given and every hash present (as :func:`corpus_tools.io.ingest_to_parquet`
    has them) ``df`` may leave the ``text`` column out; the result is
    :func:`mark_duplicates`' for the same texts.

    Examples
    --------
    >>> df = pd.DataFrame({"doc_id": ["a", "b"], "date": pd.to_datetime(["2024-06-19"] * 2),
    ...                    "content_sha256": ["h1", "h1"]})
    >>> _duplicates_of(df, np.array([True, True]), signatures=(np.empty(0, int),
    ...                np.empty((0, 128), np.uint32))).tolist()
    [<NA>, 'a']
    """
    if not 0.0 < threshold <= 1.0:
        raise CorpusToolsError(f"threshold must be in (0, 1], got {threshold}")
    n = len(df)
    unhashed = df["content_sha256"].isna().to_numpy() & has_text
    if "text" not in df.columns and (signatures is None or unhashed.any()):
        raise CorpusToolsError(
            "without a 'text' column, give signatures and a content_sha256 for every text"
        )
    ids = df["doc_id"].astype("string").to_numpy(dtype=object, na_value=None)
    starts, ends = _date_intervals(df)
    # Rank 0 = earliest interval start: NaT sorts last, ties broken by doc_id (as text,
    # compared by code point; sorted codes instead of a fixed-width copy of every id).
    id_order = pd.factorize(np.where(pd.isna(ids), "None", ids), sort=True)[0]
    order = np.lexsort((id_order, np.isnat(starts), starts))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    parent = np.arange(n)
    _union_exact(parent, rank, _hash_codes(df, has_text))
    window = _Window(parent.copy(), (starts, ends), window_days)
    # Only one copy per exact-duplicate group needs sketching.
    members = np.flatnonzero((parent == np.arange(n)) & has_text & ~np.isnat(starts))
    if signatures is None:
        texts = df["text"].iloc[members].tolist()
        kept, sketches = minhash_signatures(
            texts, num_perm=num_perm, shingle_size=shingle_size, seed=seed
        )
        kept = members[kept]
    else:
        kept, sketches = _given_signatures(signatures, members, n, num_perm)
    _link_near_copies(parent, rank, kept, sketches, threshold, window)
    canonical = np.array([_find(parent, i) for i in range(n)], dtype=np.int64)
    out = np.where(canonical == np.arange(n), None, ids[canonical])
    return pd.Series(out, index=df.index, dtype="string", name="duplicate_of")


def _hash_codes(df: pd.DataFrame, has_text: np.ndarray) -> np.ndarray:
    """One code per distinct ``content_sha256`` (-1: none), computed with
    :func:`content_hash` where it is missing; codes, not a million hex strings."""
    hashes = df["content_sha256"].astype("string").reset_index(drop=True)
    todo = np.flatnonzero(hashes.isna().to_numpy() & has_text)
    if len(todo):  # selecting rows copies a chunked Arrow column whole, even for no rows
        hashes.iloc[todo] = [content_hash(text) for text in df["text"].iloc[todo]]
    return pd.factorize(hashes, use_na_sentinel=True)[0]


def _given_signatures(
    signatures: tuple[np.ndarray, np.ndarray], members: np.ndarray, n: int, num_perm: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``members`` that have a signature, and those signatures."""
    rows, sketches = (np.asarray(part) for part in signatures)
    if sketches.ndim != 2 or sketches.shape != (len(rows), num_perm):
        raise CorpusToolsError(
            f"signatures must be (rows, array of shape (len(rows), {num_perm})), "
            f"got {len(rows)} rows and shape {sketches.shape}"
        )
    if len(rows) and (rows.min() < 0 or rows.max() >= n):
        raise CorpusToolsError(f"signature rows must be positions in the frame (0-{n - 1})")
    where = np.full(n, -1, dtype=np.int64)
    where[rows] = np.arange(len(rows))
    found = where[members]
    return members[found >= 0], _Picked(sketches, found[found >= 0])


class _Picked:
    """``base[index]`` without copying it: the signatures of some rows of a large matrix
    (at 10^6 documents a copy is half a gigabyte); indexing it indexes ``base``."""

    def __init__(self, base: np.ndarray, index: np.ndarray) -> None:
        self.base, self.index = base, index
        self.shape = (len(index), base.shape[1])

    def __getitem__(self, key: object) -> np.ndarray:
        if isinstance(key, tuple):
            rows, columns = key
            return self.base[self.index[rows], columns]
        return self.base[self.index[key]]


def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return int(root)


def _union(parent: np.ndarray, rank: np.ndarray, i: int, j: int) -> None:
    """Merge two groups; the root is always the earliest member (lowest rank)."""
    ri, rj = _find(parent, i), _find(parent, j)
    if ri != rj:
        first, second = (ri, rj) if rank[ri] < rank[rj] else (rj, ri)
        parent[second] = first


def _date_intervals(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First and last moment each ``date`` stands for, by ``date_precision`` (see above)."""
    dates = pd.to_datetime(df["date"]).to_numpy(dtype="datetime64[ns]")
    starts, ends = dates.copy(), dates.copy()
    if "date_precision" not in df.columns:
        return starts, ends
    precision = df["date_precision"].astype("string").fillna("day").to_numpy(dtype=object)
    unknown = sorted(set(precision) - DATE_PRECISIONS)
    if unknown:
        raise CorpusToolsError(
            f"column 'date_precision' has {unknown[0]!r}; expected day, month, year or NA"
        )
    for name, unit in (("month", "M"), ("year", "Y")):
        rows = precision == name
        period = dates[rows].astype(f"datetime64[{unit}]")
        starts[rows] = period.astype("datetime64[ns]")
        # The interval's last day, so that a day date counts days from it as day dates do.
        ends[rows] = (period + 1).astype("datetime64[ns]") - np.timedelta64(1, "D")
    return starts, ends


class _Window:
    """Which pairs of exact-copy groups have dated copies at most ``window_days`` apart."""

    def __init__(self, parent: np.ndarray, intervals: _Intervals, window_days: int) -> None:
        self.parent = parent  # the exact-copy groups (near copies are linked elsewhere)
        self.intervals = intervals
        self.window = np.timedelta64(window_days, "D")
        self.by_group = _intervals_by_group(parent, *intervals)

    def __call__(self, pairs: np.ndarray) -> np.ndarray:
        starts, ends = self.intervals
        first, second = pairs[:, 0], pairs[:, 1]
        gaps = np.maximum(starts[second] - ends[first], starts[first] - ends[second])
        ok = gaps <= self.window  # a negative gap is an overlap
        # Only groups with several dated copies can be closer than their first copies are.
        for k in np.flatnonzero(~ok).tolist():
            a, b = pairs[k]
            if a in self.by_group or b in self.by_group:
                own = (starts[[a]], ends[[a]]), (starts[[b]], ends[[b]])
                gap = _closest_gap(self.by_group.get(a, own[0]), self.by_group.get(b, own[1]))
                ok[k] = gap <= self.window
        return ok


def _intervals_by_group(
    parent: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> dict[int, _Intervals]:
    """Date intervals of the groups with several dated copies, keyed by the group's root."""
    dated = np.flatnonzero(~np.isnat(starts))
    roots = np.array([_find(parent, int(i)) for i in dated], dtype=np.int64)
    order = np.argsort(roots, kind="stable")
    roots, dated = roots[order], dated[order]
    edges = np.flatnonzero(np.diff(roots, prepend=-1, append=-1)).tolist()
    return {
        int(roots[lo]): (starts[dated[lo:hi]], ends[dated[lo:hi]])
        for lo, hi in itertools.pairwise(edges)
        if hi - lo > 1
    }


def _closest_gap(first: _Intervals, second: _Intervals) -> np.timedelta64:
    """Smallest gap between an interval of ``first`` and one of ``second`` (0: overlap).

    Each interval of ``second`` lies wholly after an interval of ``first`` (starts after
    its end), wholly before it (ends before its start) or overlaps it, so two binary
    searches per interval of ``first`` find the overlaps and the nearest neighbours.
    """
    first_starts, first_ends = first
    second_starts, second_ends = np.sort(second[0]), np.sort(second[1])
    n = len(second_starts)
    after = np.searchsorted(second_starts, first_ends, side="right")  # first one wholly after
    before = np.searchsorted(second_ends, first_starts, side="left")  # how many wholly before
    if ((n - after) + before < n).any():
        return np.timedelta64(0, "ns")
    has_after, has_before = after < n, before > 0
    return np.concatenate(
        (
            second_starts[after[has_after]] - first_ends[has_after],
            first_starts[has_before] - second_ends[before[has_before] - 1],
        )
    ).min()


def _union_exact(parent: np.ndarray, rank: np.ndarray, codes: np.ndarray) -> None:
    """Join the documents with the same hash code to the earliest of them (by rank)."""
    first_of = np.full(int(codes.max(initial=-1)) + 1, -1, dtype=np.int64)
    for i in np.argsort(rank).tolist():
        code = codes[i]
        if code < 0:
            continue
        if first_of[code] >= 0:
            _union(parent, rank, int(first_of[code]), i)
        else:
            first_of[code] = i


_SHINGLE_CHUNK = 500  # documents tokenised together
# UTF-8 bytes tokenised per numpy pass: tokenising costs about 50 bytes of memory per
# byte of text, so a pass holds about 100 MiB whatever the documents' sizes; a longer
# document is tokenised in pieces cut between words.
_SKETCH_BYTES = 2 * 2**20
# Shingles permuted at once: a (block, num_perm) array, 4 MiB at 128 permutations; the
# signature is the running minimum over the blocks.
_SHINGLE_BLOCK = 4096
_CHECK_BLOCK = 1024  # signatures compared with one document at once when linking buckets
_LSH_WEIGHTS = (0.1, 0.9)  # (false positive, false negative) weights for the band choice
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_FNV_PRIME = np.uint64(0x100000001B3)
_POWERS = np.cumprod(np.full(64, _GOLDEN, dtype=np.uint64))  # wraps mod 2**64 by design
# Word bytes: ASCII letters, digits, "_" and every byte of a multi-byte UTF-8 character.
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[
    np.frombuffer(b"0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8)
] = True
_WORD_BYTE[0x80:] = True


def _encode(text: str) -> bytes:
    """The case-folded NFC text as UTF-8: what words and shingles are computed on."""
    return unicodedata.normalize("NFC", text.casefold()).encode("utf-8")


def _hash_and_encode(text: str) -> tuple[str, bytes]:
    """``content_hash(text)`` and ``_encode(text)``, case-folding ``text`` once if it is NFC.

    The content hash folds ``NFC(text)`` and MinHash folds ``text``: the same string when
    ``text`` is NFC (as every cleaned text is), and then folded only once.
    """
    nfc = unicodedata.normalize("NFC", text)
    folded = unicodedata.normalize("NFC", nfc.casefold())
    return _folded_hash(folded), folded.encode("utf-8") if nfc == text else _encode(text)


def _word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hash every word of ``texts`` at once; return (word hashes, document of each word).

    A word is a run of ASCII letters/digits/underscore and non-ASCII characters of the
    case-folded NFC text, so ASCII punctuation and whitespace separate words. Computed
    on the UTF-8 bytes with numpy because a Python-level tokeniser dominates the run
    time on 10^5 documents.
    """
    return _encoded_word_hashes([_encode(text) for text in texts])


def _encoded_word_hashes(encoded: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    doc_start = np.cumsum([0] + [len(e) + 1 for e in encoded[:-1]])
    data = np.frombuffer(b"\0".join(encoded), dtype=np.uint8)
    # The joining NULs are not word bytes, so a word never runs past its document's end.
    is_word = _WORD_BYTE[data]
    edges = np.flatnonzero(np.diff(is_word, prepend=False, append=False))
    starts, ends = edges[::2], edges[1::2]
    doc = np.searchsorted(doc_start, starts, side="right") - 1
    if not len(starts):
        return np.empty(0, dtype=np.uint64), doc
    lengths = ends - starts
    first = np.cumsum(lengths) - lengths  # where each word begins in word_bytes
    word_bytes = data[is_word].astype(np.uint64) + np.uint64(1)
    # Position of each byte in its word: +1 per byte, back to 0 at each word's first byte.
    position = np.ones(len(word_bytes), dtype=np.int64)
    position[first] = 1 - np.concatenate(([1], lengths[:-1]))
    np.cumsum(position, out=position)
    np.minimum(position, 63, out=position)
    with np.errstate(over="ignore"):
        return np.add.reduceat(word_bytes * _POWERS[position], first), doc


def _long_word_hashes(data: bytes) -> np.ndarray:
    """Word hashes of one long document, tokenised in pieces of about ``_SKETCH_BYTES``.

    Pieces end at a byte that is not part of a word, so no word is cut and the hashes
    are those of one pass (only a single word longer than a piece would be cut).
    """
    parts, start = [], 0
    while start < len(data):
        end = min(start + _SKETCH_BYTES, len(data))
        if end < len(data):
            piece = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
            separators = np.flatnonzero(~_WORD_BYTE[piece])
            if len(separators) and separators[-1] > 0:
                end = start + int(separators[-1])
        parts.append(_encoded_word_hashes([data[start:end]])[0])
        start = end
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)


def _shingles(texts: Sequence[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return 32-bit hashes of all word ``size``-grams and the document of each."""
    return _shingles_of(*_word_hashes(texts), size)


def _shingles_of(hashes: np.ndarray, doc: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    n = max(len(hashes) - size + 1, 0)
    combined = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            combined = combined * _FNV_PRIME + hashes[offset : offset + n]
    inside = doc[:n] == doc[size - 1 : size - 1 + n]  # no shingle spans two documents
    folded = ((combined >> np.uint64(32)) ^ combined).astype(np.uint32)
    return folded[inside], doc[:n][inside]


def _batches(encoded: Iterable[bytes]) -> Iterator[tuple[int, list[bytes]]]:
    """``(first position, encoded texts)``: up to ``_SHINGLE_CHUNK`` texts and about
    ``_SKETCH_BYTES`` bytes per batch; a longer text comes alone."""
    batch: list[bytes] = []
    first = n_bytes = 0
    for position, data in enumerate(encoded):
        if batch and (len(batch) == _SHINGLE_CHUNK or n_bytes + len(data) > _SKETCH_BYTES):
            yield first, batch
            batch, n_bytes = [], 0
        if not batch:
            first = position
        batch.append(data)
        n_bytes += len(data)
    if batch:
        yield first, batch


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finalizer, the pre-mix datasketch's ``affine32`` scheme applies."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def minhash_signatures(
    texts: Sequence[str], *, num_perm: int = 128, shingle_size: int = 5, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures of the word shingles of ``texts`` (datasketch ``affine32``).

    The values equal ``datasketch.MinHash.bulk`` over the same 32-bit shingle hashes with
    ``hashfunc`` the identity (checked in the tests); tokenising and hashing many documents
    per numpy operation makes it several times faster than hashing shingle strings one
    document at a time.

    Parameters
    ----------
    texts : sequence of str
        Documents.
    num_perm, shingle_size, seed : int
        Number of permutations, words per shingle, datasketch permutation seed.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray)
        Positions of the texts with at least ``shingle_size`` words, and their
        signatures, shape ``(len(positions), num_perm)``, dtype uint32.

    Examples
    --------
    >>> kept, sig = minhash_signatures(["one two three four five six", "too short"])
    >>> kept.tolist(), sig.shape
    ([0], (1, 128))
    """
    return _encoded_signatures(map(_encode, texts), num_perm, shingle_size, seed)


def _encoded_signatures(
    texts: Iterable[bytes], num_perm: int, shingle_size: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`minhash_signatures` of texts given as ``_encode(text)`` (``_hash_and_encode``)."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    kept_parts, signature_parts = [], []
    for start, encoded in _batches(texts):
        if len(encoded) == 1 and len(encoded[0]) > _SKETCH_BYTES:
            hashes = _long_word_hashes(encoded[0])
            words: tuple[np.ndarray, np.ndarray] = (hashes, np.zeros(len(hashes), np.int64))
        else:
            words = _encoded_word_hashes(encoded)
        shingles, doc = _shingles_of(*words, shingle_size)
        edges = np.flatnonzero(np.diff(doc, prepend=-1, append=-1))  # shingles grouped by doc
        if len(edges) > 1:
            kept_parts.append(start + doc[edges[:-1]])
            signature_parts.append(_minima(_fmix32(shingles), edges, a, b))
    if not signature_parts:
        return np.empty(0, dtype=np.int64), np.empty((0, num_perm), dtype=np.uint32)
    return np.concatenate(kept_parts), np.concatenate(signature_parts)


def _minima(mixed: np.ndarray, edges: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The permuted minimum of each document's shingles (``mixed[edges[i]:edges[i + 1]]``).

    Whole documents are permuted together, about ``_SHINGLE_BLOCK`` shingles at a time into
    one reused ``(num_perm, block)`` buffer (small enough for the CPU cache, and no fresh
    memory per document), and each document's minimum is a ``minimum.reduceat`` along the
    buffer's contiguous rows. A document longer than a block is done alone, block by block.
    """
    signatures = np.empty((len(edges) - 1, len(a)), dtype=np.uint32)
    buffer = np.empty((len(a), _SHINGLE_BLOCK), dtype=np.uint32)
    column_a, column_b = a[:, None], b[:, None]
    lo = 0
    while lo < len(edges) - 1:
        hi = max(int(np.searchsorted(edges, edges[lo] + _SHINGLE_BLOCK, side="right")) - 1, lo + 1)
        offsets = edges[lo:hi] - edges[lo]
        for first in range(edges[lo], edges[hi], _SHINGLE_BLOCK):  # once, unless one long doc
            block = mixed[first : min(first + _SHINGLE_BLOCK, edges[hi])]
            permuted = buffer[:, : len(block)]
            np.multiply(column_a, block, out=permuted)
            np.add(permuted, column_b, out=permuted)
            minima = np.minimum.reduceat(permuted, offsets, axis=1).T
            if first == edges[lo]:
                signatures[lo:hi] = minima
            else:
                np.minimum(signatures[lo:hi], minima, out=signatures[lo:hi])
        lo = hi
    return signatures


def _link_near_copies(
    parent: np.ndarray,
    rank: np.ndarray,
    rows: np.ndarray,
    signatures: np.ndarray | _Picked,
    threshold: float,
    window: _Window,
) -> None:
    """Join the groups of every LSH candidate pair that is similar and within the window.

    The groups are the connected components of the confirmed candidate pairs, as if
    every pair of every bucket were checked, but a bucket of ``m`` near copies costs
    about ``m`` checks instead of ``m**2 / 2``: each member is compared (in blocks) with
    the members of the bucket's groups it is not yet joined to, and one confirmed pair
    per group is enough.
    """
    if not len(rows):
        return

    def confirmed(i: int, others: np.ndarray) -> np.ndarray:
        """Which of ``others`` (signature positions) form a confirmed pair with ``i``."""
        similar = (signatures[others] == signatures[i]).mean(axis=1) >= threshold
        ok = np.zeros(len(others), dtype=bool)
        if similar.any():
            a, b = rows[others[similar]], np.full(int(similar.sum()), rows[i])
            ok[similar] = window(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1))
        return ok

    pairs, buckets = _bucket_pairs(signatures, threshold)
    if len(pairs):  # buckets of two, the usual case: all at once
        similar = (signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1) >= threshold
        linked = rows[pairs[similar]]
        for a, b in linked[window(linked)].tolist():
            _union(parent, rank, a, b)
    for members in buckets:
        _link_bucket(parent, rank, rows, members[np.argsort(rank[rows[members]])], confirmed)


def _link_bucket(
    parent: np.ndarray,
    rank: np.ndarray,
    rows: np.ndarray,
    members: np.ndarray,
    confirmed: Callable[[int, np.ndarray], np.ndarray],
) -> None:
    """Link the members of one bucket (signature positions, earliest first)."""
    groups: list[list[int]] = []  # earlier members by group; each group is within one component
    for m in members.tolist():
        root = _find(parent, int(rows[m]))
        hits = [
            k
            for k, group in enumerate(groups)
            if _find(parent, int(rows[group[0]])) == root or _any_confirmed(m, group, confirmed)
        ]
        for k in hits:
            _union(parent, rank, int(rows[m]), int(rows[groups[k][0]]))
        if not hits:
            groups.append([m])
            continue
        largest = max(hits, key=lambda k: len(groups[k]))
        for k in hits:
            if k != largest:
                groups[largest].extend(groups[k])
        groups[largest].append(m)
        groups = [g for k, g in enumerate(groups) if k == largest or k not in hits]


def _any_confirmed(
    m: int, group: list[int], confirmed: Callable[[int, np.ndarray], np.ndarray]
) -> bool:
    """Whether ``m`` pairs with any member of ``group``, latest members (nearest dates) first."""
    for hi in range(len(group), 0, -_CHECK_BLOCK):
        block = np.asarray(group[max(0, hi - _CHECK_BLOCK) : hi], dtype=np.int64)
        if confirmed(m, block).any():
            return True
    return False


def _bucket_pairs(
    signatures: np.ndarray | _Picked, threshold: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The LSH buckets: pairs from buckets of two, and the members of larger buckets."""
    pairs, buckets = [np.empty((0, 2), dtype=np.int64)], []
    for order, edges in _bands(signatures, threshold):
        sizes = np.diff(edges)
        first = order[edges[:-1][sizes == 2]]
        second = order[edges[:-1][sizes == 2] + 1]
        pairs.append(np.stack([np.minimum(first, second), np.maximum(first, second)], axis=1))
        large = sizes > 2
        buckets += [
            order[lo:hi] for lo, hi in zip(edges[:-1][large], edges[1:][large], strict=True)
        ]
    return np.unique(np.concatenate(pairs), axis=0), buckets


def _bands(
    signatures: np.ndarray | _Picked, threshold: float
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Per LSH band: documents ordered by band key, and the edges of equal-key runs."""
    from datasketch import MinHashLSH

    n, num_perm = signatures.shape
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=_LSH_WEIGHTS)
    for band in range(lsh.b):
        block = np.ascontiguousarray(signatures[:, band * lsh.r : (band + 1) * lsh.r])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * lsh.r))).ravel()
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        yield order, np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1, [n]))


def lsh_candidates(signatures: np.ndarray, *, threshold: float) -> np.ndarray:
    """Candidate pairs of MinHash LSH banding, the same as ``datasketch.MinHashLSH``.

    The band count and width are datasketch's choice for ``threshold``; the bucketing is
    done with one numpy sort per band instead of a Python call per document (the
    per-document ``insert``/``query`` of ``MinHashLSH`` took about half of the run time
    on 10^5 documents). Every candidate must still be confirmed on its signatures, so
    the bands are tuned for recall: a pair at Jaccard 0.9 becomes a candidate with
    probability 0.999 (0.93 with datasketch's default weights at threshold 0.8).

    Parameters
    ----------
    signatures : numpy.ndarray
        Shape ``(n_documents, num_perm)``, from :func:`minhash_signatures`.
    threshold : float
        Jaccard similarity the bands are tuned for.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_pairs, 2)``, sorted rows ``(i, j)`` with ``i < j``.

    Examples
    --------
    >>> _, sig = minhash_signatures(["a b c d e f g", "a b c d e f g", "h i j k l m n"])
    >>> lsh_candidates(sig, threshold=0.8).tolist()
    [[0, 1]]
    """
    n = len(signatures)
    codes = [np.empty(0, dtype=np.int64)]
    for order, edges in _bands(signatures, threshold):
        sizes = np.diff(edges)
        # Buckets of two (the usual case) in one step, larger ones one at a time.
        first, second = order[edges[:-1][sizes == 2]], order[edges[:-1][sizes == 2] + 1]
        codes.append(np.minimum(first, second) * n + np.maximum(first, second))
        for lo, hi in zip(edges[:-1][sizes > 2], edges[1:][sizes > 2], strict=True):
            members = np.sort(order[lo:hi])
            i, j = np.triu_indices(len(members), k=1)
            codes.append(members[i] * n + members[j])
    unique = np.unique(np.concatenate(codes))
    return np.stack([unique // n, unique % n], axis=1)
