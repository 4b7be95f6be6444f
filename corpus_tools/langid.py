"""Language identification: py3langid restricted to the languages of the study.

:func:`identify_languages` classifies the head of every document among a few ISO 639-1
codes; the byte automaton of py3langid runs over a batch of texts at once (numpy), with
results bit-identical to ``LanguageIdentifier.classify``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .errors import CorpusToolsError

# 1,000 and 2,000 characters gave the same language for every document of the demo corpus
# and of 500 NewsArticles texts (benchmarks/bench_clean_quality.py) at half the CPU time.
LANGID_MAX_CHARS = 1000
LANGID_MIN_CHARS = 20
_LANGID_BATCH = 256
_SEGMENT_BYTES = 128  # bytes of a text the automaton runs over per row
# More than the deepest state of py3langid 0.4's automaton (its longest n-gram, 6 bytes);
# every run checks that the rows joined up and runs whole texts if not.
_WARMUP_BYTES = 8


class _BatchIdentifier:
    """py3langid's classifier with its byte automaton run over many texts at once.

    ``LanguageIdentifier.classify`` walks the automaton that finds the model's byte
    n-gram features in a Python loop, one byte at a time: about two thirds of its cost.
    Here one numpy step advances every text of a batch by one byte (in rows of
    ``_SEGMENT_BYTES``, see :class:`_Segments`), and the features of the whole batch are
    counted with one sort. The feature counts, their order (first
    occurrence, which fixes the float32 summation order) and the scoring (the operations
    of py3langid's ``_sparse_score`` and ``_decide``) are those of ``classify``, so codes
    and probabilities are bit-identical (tests/test_clean.py compares them with
    ``classify``; py3langid is pinned to 0.4).
    """

    def __init__(self, languages: tuple[str, ...]) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self.model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        try:
            self.model.set_languages(list(languages))
        except ValueError as exc:
            raise CorpusToolsError(f"language identification: {exc}") from None
        self.next_state = np.frombuffer(
            self.model.tk_nextmove, dtype=self.model.tk_nextmove.typecode
        )
        self.row_base = np.asarray(self.model._rowbase, dtype=np.int64)
        self.feature = np.asarray(self.model.tk_output, dtype=np.int64)

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """``(code, probability)`` per text, as ``LanguageIdentifier.classify`` gives."""
        if not texts:
            return []
        model = self.model
        encoded = [model._encode(text) for text in texts]
        empty = np.zeros(len(model.nb_classes), dtype=np.float32)
        # py3langid's _sparse_score: np.log1p(counts) @ table[features] + nb_pc, with the
        # features in order of first occurrence; no features scores 0 under norm_probs.
        scores = np.stack(
            [
                np.log1p(counts) @ model.nb_ptc[features] + model.nb_pc if len(features) else empty
                for features, counts in self._visits(encoded)
            ]
        )
        # py3langid's _decide, one row per text: the same float32 operations element by element.
        scores *= np.array([1.0 / math.sqrt(len(data) or 1) for data in encoded], np.float32)[
            :, None
        ]
        np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        for i, j in model._alias_pairs:
            scores[:, i] += scores[:, j]
            scores[:, j] = 0.0
        best = scores.argmax(axis=1)
        return [
            (model.nb_classes[k], float(row[k]))
            for row, k in zip(scores, best.tolist(), strict=True)
        ]

    def _visits(self, encoded: list[bytes]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per text: its features in order of first occurrence and their counts (float32)."""
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        rows = _Segments(lengths, _SEGMENT_BYTES)
        states = self._run(encoded, rows)
        if not rows.joined_up(states):  # cannot happen with py3langid 0.4 (see _WARMUP_BYTES)
            rows = _Segments(lengths, max(int(lengths.max()), 1))
            states = self._run(encoded, rows)
        found = self.feature.take(states)
        width = len(states)
        # Steps past a row's end are padding, its warm-up bytes belong to the row before;
        # -1 marks states without a feature.
        hits = np.flatnonzero((rows.kept(width) & (found >= 0)).T)  # text by text, byte order
        text = rows.text[hits // width]
        n_features = len(self.model.nb_ptc)
        keys = text * n_features + found.T.ravel()[hits]
        order = np.argsort(keys)  # any sort: first occurrences come from the minimum below
        ordered = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        counts = np.diff(np.append(starts, len(ordered)))
        first = np.minimum.reduceat(order, starts) if len(starts) else starts
        by_first = np.argsort(first)  # unique values: every sort gives the same order
        first, counts = first[by_first], counts[by_first].astype(np.float32)
        features = keys[first] - text[first] * n_features
        edges = np.searchsorted(text[first], np.arange(len(encoded) + 1)).tolist()
        return [(features[lo:hi], counts[lo:hi]) for lo, hi in itertools.pairwise(edges)]

    def _run(self, encoded: list[bytes], rows: _Segments) -> np.ndarray:
        """The automaton's state after every byte of every row, shape (bytes, rows).

        One numpy step advances all rows by one byte, in place: a step is a few calls on
        short arrays, so fresh arrays per step would cost about as much as the work.
        """
        data = rows.bytes_of(np.frombuffer(b"".join(encoded), dtype=np.uint8))
        states = np.empty(data.shape, dtype=self.next_state.dtype)
        state = np.zeros(data.shape[1], dtype=states.dtype)
        move = np.empty(data.shape[1], dtype=np.int64)
        row_base, next_state = self.row_base, self.next_state
        for position in range(len(data)):
            row_base.take(state, out=move)
            np.add(move, data[position], out=move)
            state = next_state.take(move, out=states[position])
        return states


class _Segments:
    """Texts cut into rows of ``size`` bytes, each led by up to ``_WARMUP_BYTES`` before it.

    The automaton's state after a byte depends only on the bytes since the start of the
    longest model n-gram prefix ending there, so a row that starts ``_WARMUP_BYTES``
    early reaches the state the whole text reaches at the row's first own byte. Short
    rows make few, long numpy steps instead of one step per byte of the longest text.
    """

    def __init__(self, lengths: np.ndarray, size: int) -> None:
        per_text = -(-lengths // size)
        self.text = np.repeat(np.arange(len(lengths)), per_text)  # the text of each row
        first_row = np.cumsum(per_text) - per_text
        # Where the row's own bytes start in its text.
        self.own = (np.arange(len(self.text)) - first_row[self.text]) * size
        self.warmup = np.minimum(self.own, _WARMUP_BYTES)
        self.begin = (np.cumsum(lengths) - lengths)[self.text] + self.own - self.warmup
        self.length = np.minimum(self.own + size, lengths[self.text]) - self.own + self.warmup

    def bytes_of(self, joined: np.ndarray) -> np.ndarray:
        """The rows' bytes (int64, zero-padded), shape (longest row, rows)."""
        width = int(self.length.max()) if len(self.length) else 0
        position = np.arange(width)[:, None]
        inside = position < self.length
        where = np.where(inside, self.begin + position, 0)
        return np.where(inside, joined[where] if len(joined) else 0, 0).astype(np.int64)

    def kept(self, width: int) -> np.ndarray:
        """Which (byte, row) cells are a row's own bytes."""
        position = np.arange(width)[:, None]
        return (position >= self.warmup) & (position < self.length)

    def joined_up(self, states: np.ndarray) -> bool:
        """Whether each row's warm-up reached the state the row before ended in."""
        later = np.flatnonzero(self.own > 0)  # rows that continue a text
        warmup = self.warmup[later]
        # A row starts in state 0: what it reached before its own bytes without a warm-up.
        reached = np.where(warmup > 0, states[np.maximum(warmup - 1, 0), later], 0)
        ended = states[self.length[later - 1] - 1, later - 1]
        return bool(np.array_equal(reached, ended))


def _enough_letters(text: str, min_chars: int) -> bool:
    """Whether ``text`` has at least ``min_chars`` non-space characters.

    A head of a few times ``min_chars`` characters nearly always has them: counting
    there first spares splitting the whole text.
    """
    if len("".join(text[: 4 * min_chars].split())) >= min_chars:
        return True
    return len("".join(text.split())) >= min_chars


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]) -> _BatchIdentifier:
    return _BatchIdentifier(languages)


def identify_languages(
    texts: Sequence[str | None],
    languages: Sequence[str] = ("pl", "en", "ru", "ko"),
    *,
    max_chars: int = LANGID_MAX_CHARS,
    min_chars: int = LANGID_MIN_CHARS,
) -> tuple[list[str | None], list[float]]:
    """Identify the language of each text among ``languages`` with py3langid.

    Parameters
    ----------
    texts : sequence of str or None
        Documents; missing values are allowed.
    languages : sequence of str
        ISO 639-1 codes the identifier may answer with (restricting the set avoids
        confusions with unrelated languages, e.g. Polish vs. Slovak).
    max_chars : int
        Only the first ``max_chars`` characters are classified (speed; a longer head did
        not change any answer on the demo corpus and on 500 English news articles).
    min_chars : int
        Texts with fewer non-space characters get ``(None, nan)``.

    Returns
    -------
    tuple of (list of str or None, list of float)
        Language code and its probability (normalised over ``languages``) per text.

    Examples
    --------
    >>> codes, probs = identify_languages(["Kim Dzong Un spotkał Putina w Pjongjangu.", None])
    >>> codes
    ['pl', None]
    """
    identifier = _identifier(tuple(sorted(set(languages))))
    heads = [text[:max_chars] if isinstance(text, str) else "" for text in texts]
    todo = [i for i, head in enumerate(heads) if _enough_letters(head, min_chars)]
    codes: list[str | None] = [None] * len(heads)
    probs = [math.nan] * len(heads)
    # Batches bound the padded byte matrix when texts are many.
    for start in range(0, len(todo), _LANGID_BATCH):
        batch = todo[start : start + _LANGID_BATCH]
        found = identifier.classify([heads[i] for i in batch])
        for i, (code, prob) in zip(batch, found, strict=True):
            codes[i], probs[i] = code, prob
    return codes, probs
