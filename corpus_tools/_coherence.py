"""Topic-coherence pipeline laid out like gensim's ``topic_coherence`` package.

Four stages (Röder, Both & Hinneburg 2015): segmentation -> probability estimation ->
confirmation measure -> aggregation. Words are referred to by their column in a small
"relevant vocabulary" (the topic words), and the windows in which a word is present are
kept as intervals, so counting is a handful of numpy/scipy.sparse array operations over the
topic words' occurrences instead of a Python loop over tokens and windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise, repeat
from typing import Literal

import numpy as np
import scipy.sparse as sp

# Value from Röder et al. (2015), identical to gensim.topic_coherence.direct_confirmation_measure.
EPSILON = 1e-12

Mode = Literal["gensim", "textbook"]


@dataclass(frozen=True)
class Counts:
    """Occurrence statistics over the relevant vocabulary.

    ``co`` is the symmetric co-occurrence matrix whose diagonal holds the occurrence counts;
    ``n`` is the number of documents (boolean document) or windows (sliding window). ``co`` is
    dense: the relevant vocabulary is the topic words (e.g. 2,000 words -> 32 MB).
    """

    co: np.ndarray
    n: float

    def occurrences(self, words: np.ndarray) -> np.ndarray:
        """Number of documents/windows containing each word."""
        return self.co.diagonal()[words]

    def co_occurrences(self, w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
        """Number of documents/windows containing both words of each pair."""
        return self.co[w1, w2]


# --- token ids ---------------------------------------------------------------------------


def token_ids(
    texts: Sequence[Sequence[str]], index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Flatten ``texts`` into relevant-word ids (-1 for any other token) and document lengths."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    tokens = chain.from_iterable(texts)
    ids = np.fromiter(map(index.get, tokens, repeat(-1)), dtype=np.int64, count=lengths.sum())
    return ids, lengths


# --- segmentation ------------------------------------------------------------------------


def segment_one_preceding(topic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S_one^pre: pairs (W', W*) = (w_i, w_j) for j < i, in gensim's order (i, then j)."""
    i, j = np.tril_indices(len(topic), -1)
    return topic[i], topic[j]


def segment_one_one(topic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S_one^one: all ordered pairs (w_i, w_j) with i != j, row-major like gensim."""
    i, j = np.nonzero(~np.eye(len(topic), dtype=bool))
    return topic[i], topic[j]


def segment_one_set(topic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S_one^set: pairs (W', W*) = ({w_i}, W), each word against the whole topic.

    Returned as (the W' words, the set W) since W* is the same for every segment.
    """
    return topic, topic


# --- probability estimation --------------------------------------------------------------


def _cooccurrence(
    word: np.ndarray, start: np.ndarray, stop: np.ndarray, n_vocab: int
) -> np.ndarray:
    """Co-occurrence counts from the windows [start, stop) in which each word is present.

    Intervals must be disjoint within a word. Then the number of windows holding both a and b
    is the summed overlap of every a-interval with every b-interval: sorted by start, each
    interval i overlaps exactly the intervals j > i that start before it stops, by
    ``min(stop_i, stop_j) - start_j``. The diagonal is each word's total interval length.
    """
    order = np.argsort(start, kind="stable")
    word, start, stop = word[order], start[order], stop[order]
    idx = np.arange(len(start))
    n_later = np.searchsorted(start, stop) - idx - 1
    co = np.zeros(n_vocab * n_vocab)
    for chunk in _chunks(n_later, _PAIR_CHUNK):
        i = np.repeat(idx[chunk], n_later[chunk])
        j = i + 1 + _ragged_arange(n_later[chunk])
        overlap = np.minimum(stop[i], stop[j]) - start[j]
        co += np.bincount(word[i] * n_vocab + word[j], weights=overlap, minlength=len(co))
    co = co.reshape(n_vocab, n_vocab)
    co += co.T  # float64 sums of integers are exact below 2**53
    co[np.diag_indices(n_vocab)] = np.bincount(word, weights=stop - start, minlength=n_vocab)
    return co.round().astype(np.int64)


# Bounds the temporary pair arrays (~32 bytes per pair).
_PAIR_CHUNK = 8_000_000


def _chunks(sizes: np.ndarray, limit: int) -> list[slice]:
    """Consecutive slices of ``sizes`` whose sums stay near ``limit``."""
    cuts = np.searchsorted(np.cumsum(sizes), np.arange(limit, sizes.sum(), limit))
    edges = np.unique(np.r_[0, cuts, len(sizes)])
    return [slice(lo, hi) for lo, hi in pairwise(edges)]


def _ragged_arange(lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(n)`` for every n in ``lengths``."""
    return np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _occurrences(ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, ...]:
    """Topic-word copies sorted by word, then position: (word, position, document, offset)."""
    doc_start = np.cumsum(lengths) - lengths
    pos = np.flatnonzero(ids >= 0)
    pos = pos[np.argsort(ids[pos], kind="stable")]
    # side="right": an empty document shares its start with the next one and holds no token.
    doc = np.searchsorted(doc_start, pos, side="right") - 1
    return ids[pos], pos, doc, pos - doc_start[doc]


def boolean_document(ids: np.ndarray, lengths: np.ndarray, n_vocab: int) -> Counts:
    """P_bd: probabilities are the fraction of documents containing the word(s)."""
    word, _, doc, _ = _occurrences(ids, lengths)
    # Words x documents incidence matrix X^T (word-major order is CSR order); duplicate
    # (word, document) entries are summed, then clipped to 1: presence, not frequency.
    indptr = np.r_[0, np.cumsum(np.bincount(word, minlength=n_vocab))]
    xt = sp.csr_array((np.ones(len(word)), doc, indptr), shape=(n_vocab, len(lengths)))
    xt.sum_duplicates()
    xt.data[:] = 1.0
    co = (xt @ xt.T).toarray()  # float64 sums of integers are exact below 2**53
    return Counts(co.round().astype(np.int64), float(len(lengths)))


def boolean_sliding_window(
    ids: np.ndarray, lengths: np.ndarray, n_vocab: int, window_size: int, mode: Mode
) -> Counts:
    """P_sw: probabilities are the fraction of sliding windows containing the word(s).

    A document of ``L >= window_size`` tokens has ``L - window_size + 1`` windows (one per step),
    a shorter non-empty document is a single window. Tokens that are not topic words keep
    their position. An empty document counts as one (empty) window in ``"gensim"`` mode and
    as none in ``"textbook"`` mode. See ``_gensim_last_window`` for gensim's presence rule.
    """
    n_win = np.maximum(lengths - window_size + 1, 1)
    if mode == "textbook":
        n_win[lengths == 0] = 0
    win_start = np.cumsum(n_win) - n_win
    word, pos, doc, local = _occurrences(ids, lengths)
    # Window k of a document covers its tokens k .. k + window_size - 1.
    first = np.maximum(local - window_size + 1, 0)
    last = np.minimum(local, n_win[doc] - 1)
    if mode == "gensim":
        last = _gensim_last_window(word, pos, doc, local, first, last)
    keep = last >= first
    start = first[keep] + win_start[doc[keep]]
    word, start, stop = _merge_intervals(word[keep], start, last[keep] + 1 + win_start[doc[keep]])
    return Counts(_cooccurrence(word, start, stop, n_vocab), float(n_win.sum()))


def _gensim_last_window(
    word: np.ndarray,
    pos: np.ndarray,
    doc: np.ndarray,
    local: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
) -> np.ndarray:
    """Last window in which each token copy makes its word present under gensim 4.4.

    ``WordOccurrenceAccumulator._slide_window`` takes the first window of a document with
    ``np.unique``, then at each step marks the token leaving the window absent and only then
    the entering token present. So a word whose copy leaves while another copy is still
    inside is wrongly absent until a further copy enters. Per copy c of word w: c carries w
    from the window where it enters (``first``) until (a) the next copy of w enters, (b) c
    leaves, or (c) an older copy of w, already inside when c entered, leaves (c then stops at
    the window whose first token is that older copy). Copies must be sorted by word, then
    position.
    """
    idx = np.arange(len(word))
    key = word * (pos.max(initial=0) + 1) + pos
    next_same = np.zeros(len(word), dtype=bool)
    next_same[:-1] = (word[1:] == word[:-1]) & (doc[1:] == doc[:-1])
    until_next = np.where(next_same, np.roll(first, -1) - 1, last)
    # Oldest copy of w in c's document at or after the first token of c's entry window.
    oldest = np.searchsorted(key, key - local + first)
    until_older_leaves = np.where(oldest < idx, local[np.minimum(oldest, idx)], last)
    return np.minimum.reduce([last, until_next, until_older_leaves])


def _merge_intervals(
    word: np.ndarray, start: np.ndarray, stop: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union of each word's [start, stop) intervals as disjoint intervals.

    Intervals must come sorted by word, then start, with ``stop`` non-decreasing within a
    word (true for windows of token copies taken in text order).
    """
    new = np.ones(len(word), dtype=bool)
    new[1:] = (word[1:] != word[:-1]) | (start[1:] > stop[:-1])
    is_end = np.ones(len(word), dtype=bool)
    is_end[:-1] = new[1:]
    return word[new], start[new], stop[is_end]


# --- confirmation measures ---------------------------------------------------------------


def log_conditional_probability(
    counts: Counts, w_prime: np.ndarray, w_star: np.ndarray
) -> np.ndarray:
    """m_lc = log((P(W', W*) + eps) / P(W*)), with gensim's order of operations."""
    n = counts.n
    joint = counts.co_occurrences(w_prime, w_star) / n
    return np.log((joint + EPSILON) / (counts.occurrences(w_star) / n))


def log_ratio(counts: Counts, w_prime: np.ndarray, w_star: np.ndarray) -> np.ndarray:
    """m_lr (PMI) = log((P(W', W*) + eps) / (P(W') P(W*)))."""
    n = counts.n
    joint = counts.co_occurrences(w_prime, w_star) / n
    marginal = (counts.occurrences(w_prime) / n) * (counts.occurrences(w_star) / n)
    return np.log((joint + EPSILON) / marginal)


def normalized_log_ratio(counts: Counts, w_prime: np.ndarray, w_star: np.ndarray) -> np.ndarray:
    """m_nlr (NPMI) = m_lr / -log(P(W', W*) + eps)."""
    joint = counts.co_occurrences(w_prime, w_star) / counts.n
    return log_ratio(counts, w_prime, w_star) / -np.log(joint + EPSILON)


def indirect_cosine(counts: Counts, w_prime: np.ndarray, w_star: np.ndarray) -> np.ndarray:
    """m_cos(nlr, gamma=1) for the S_one^set segments ({w'}, W*) of one topic.

    Context vectors live on the words of W* = the topic: that of {w'} is (NPMI(w', w_j))_j,
    that of W* is (sum_{w_i in W*} NPMI(w_i, w_j))_j. As in gensim, a word listed twice in a
    topic occupies one vector entry holding the sum of both contributions.
    """
    rows, cols = np.meshgrid(w_prime, w_star, indexing="ij")
    npmi = normalized_log_ratio(counts, rows.ravel(), cols.ravel()).reshape(rows.shape)
    set_npmi = normalized_log_ratio(counts, *np.meshgrid(w_star, w_star, indexing="ij"))
    uniq, slot = np.unique(w_star, return_inverse=True)
    # merge: (topic position j) -> (vector entry of word w_j)
    merge = np.zeros((len(w_star), len(uniq)))
    merge[np.arange(len(w_star)), slot] = 1.0
    single = npmi @ merge  # row i: context vector of w'_i
    whole = set_npmi.sum(axis=0) @ merge
    with np.errstate(divide="ignore", invalid="ignore"):  # all-zero vectors: nan, as gensim
        return (single @ whole) / (np.linalg.norm(single, axis=1) * np.linalg.norm(whole))


# --- aggregation -------------------------------------------------------------------------


def arithmetic_mean(values: Iterable[float]) -> float:
    """sigma_a: arithmetic mean (nan for no values, as ``np.mean`` in gensim)."""
    values = np.asarray(list(values), dtype=float)
    return float(values.mean()) if len(values) else float("nan")
