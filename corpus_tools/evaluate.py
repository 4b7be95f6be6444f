"""Topic-model evaluation: coherence, diversity, stability and label recovery.

* :func:`coherence` - u_mass, c_uci, c_npmi and c_v coherence of top-word lists against a
  tokenised reference corpus; matches gensim 4.4's ``CoherenceModel`` by default and is
  vectorised with :mod:`scipy.sparse`;
* :func:`topic_diversity` - share of unique words among the topics' top words;
* :func:`match_topics`, :func:`topic_stability`, :func:`average_jaccard` - agreement of topic
  solutions from different runs;
* :func:`recovery_scores`, :func:`dominant_topics` - how well topics recover known labels;
* :func:`recovery_table` - per planted topic: recovered, merged, split or lost.

Held-out perplexity is the topic model's job (:mod:`corpus_tools.topics`).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.pairwise import cosine_similarity

from . import _coherence as _c
from .errors import CorpusToolsError

Measure = Literal["u_mass", "c_uci", "c_npmi", "c_v"]
Mode = _c.Mode
MEASURES: tuple[str, ...] = ("u_mass", "c_uci", "c_npmi", "c_v")
# gensim.models.coherencemodel.SLIDING_WINDOW_SIZES
DEFAULT_WINDOW_SIZES: dict[str, int] = {"c_uci": 10, "c_npmi": 10, "c_v": 110}


class EvaluationError(CorpusToolsError, ValueError):
    """Invalid input to an evaluation function (topics, texts or matrices)."""


class CoherenceWarning(UserWarning):
    """Topic words were dropped or a topic's coherence is undefined."""


# ---- coherence --------------------------------------------------------------------------


def coherence(
    topics: Sequence[Sequence[str]],
    texts: Sequence[Sequence[str]],
    measure: Measure = "c_npmi",
    *,
    top_n: int | None = None,
    window_size: int | None = None,
    mode: Mode = "gensim",
    per_topic: bool = False,
) -> float | np.ndarray:
    """Coherence of topics (top-word lists) against a tokenised reference corpus.

    The pipeline follows Röder, Both & Hinneburg (2015) and gensim's ``topic_coherence``:

    ======== ==================== ========================= ==================================
    measure  segmentation         probability estimation    confirmation measure
    ======== ==================== ========================= ==================================
    u_mass   one-preceding        boolean document          log conditional probability
    c_uci    one-one              boolean sliding window    log ratio (PMI)
    c_npmi   one-one              boolean sliding window    normalised log ratio (NPMI)
    c_v      one-set              boolean sliding window    indirect cosine of NPMI vectors
    ======== ==================== ========================= ==================================

    followed by the arithmetic mean over segments (per topic) and over topics, with
    epsilon = 1e-12 added to joint probabilities.

    Topic words that never occur in ``texts`` are dropped (with a :class:`CoherenceWarning`),
    as gensim does with words missing from its dictionary, and only then is each topic cut
    to ``top_n`` words. A topic left with one word has no u_mass/c_uci/c_npmi segment and
    gets ``nan`` (again as gensim); a topic with no word in ``texts`` is an error.

    Parameters
    ----------
    topics : sequence of sequence of str
        Top words of each topic, best first.
    texts : sequence of sequence of str
        The tokenised reference corpus, one token list per document.
    measure : {"u_mass", "c_uci", "c_npmi", "c_v"}, default "c_npmi"
    top_n : int, optional
        Use only the first ``top_n`` (present) words of each topic; default all. Note that
        gensim's ``CoherenceModel`` defaults to ``topn=20``.
    window_size : int, optional
        Sliding-window length in tokens; default as gensim: 110 for c_v, 10 for c_uci and
        c_npmi. Ignored by u_mass, whose "window" is the whole document.
    mode : {"gensim", "textbook"}, default "gensim"
        How sliding windows are counted (u_mass is the same in both modes). Every document
        of ``L >= window_size`` tokens gives ``L - window_size + 1`` windows (one per token
        step) and a shorter one gives one window holding the whole document; non-topic tokens
        keep their positions.

        ``"textbook"``: a word is present in a window if any copy of it is inside the
        window; empty documents give no window.

        ``"gensim"`` reproduces gensim 4.4's ``WordOccurrenceAccumulator``: when a copy of a
        word slides out of the window while another copy is still inside, the word counts as
        absent until a further copy enters; an empty document counts as one empty window.
        It is the default because gensim's ``CoherenceModel`` is the implementation behind
        most c_v/c_npmi values reported in applied topic-modelling work, so this mode keeps
        our numbers comparable with theirs; ``"textbook"`` follows the definition of
        Röder et al. (2015) literally.
    per_topic : bool, default False
        Return one value per topic instead of their mean.

    Returns
    -------
    float or numpy.ndarray
        The mean coherence over topics, or an array of shape ``(n_topics,)``.

    Raises
    ------
    EvaluationError
        Unknown measure or mode, no topics, a topic without any word in ``texts``, a text
        given as a string instead of a token list, or a window size below 1.

    Examples
    --------
    >>> texts = [["kim", "putin", "summit"], ["kim", "putin", "treaty"], ["rice", "harvest"]]
    >>> round(coherence([["kim", "putin"]], texts, "u_mass"), 6)
    0.0
    >>> coherence([["kim", "putin"], ["rice", "harvest"]], texts, "c_npmi", per_topic=True)
    array([1., 1.])
    """
    if measure not in MEASURES:
        raise EvaluationError(f"unknown coherence measure {measure!r}; use one of {MEASURES}")
    if mode not in ("gensim", "textbook"):
        raise EvaluationError(f"unknown coherence mode {mode!r}; use 'gensim' or 'textbook'")
    _check_texts(texts)
    if len(topics) == 0:
        raise EvaluationError("no topics given")
    if top_n is not None and top_n < 1:
        raise EvaluationError(f"top_n must be at least 1, got {top_n}")
    index = _topic_word_index(topics)
    ids, lengths, present = _token_ids(texts, index)
    values = _coherence_values(
        topics, index, ids, lengths, present, measure, top_n, window_size, mode
    )
    _warn_undefined(values)
    return values if per_topic else _c.arithmetic_mean(values)


def _token_ids(
    texts: Sequence[Sequence[str]], index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every token's id in ``index`` (-1: not in it), each text's length, which ids occur."""
    ids, lengths = _c.token_ids(texts, index)
    return ids, lengths, np.bincount(ids[ids >= 0], minlength=len(index)) > 0


def _topic_word_index(topics: Sequence[Sequence[str]]) -> dict[str, int]:
    """The relevant vocabulary: every topic word, numbered in order of first appearance."""
    return {w: i for i, w in enumerate(dict.fromkeys(w for topic in topics for w in topic))}


def _coherence_values(
    topics: Sequence[Sequence[str]],
    index: dict[str, int],
    ids: np.ndarray,
    lengths: np.ndarray,
    present: np.ndarray,
    measure: str,
    top_n: int | None,
    window_size: int | None,
    mode: str,
) -> np.ndarray:
    """Per-topic coherence from the texts as relevant-word ids (``_c.token_ids``)."""
    topic_ids = []
    for k, topic in enumerate(topics):  # a loop, not a comprehension, keeps warning stacklevels
        topic_ids.append(_present_topic_ids(k, topic, index, present, top_n))
    if measure == "u_mass":
        counts = _c.boolean_document(ids, lengths, len(index))
    else:
        size = DEFAULT_WINDOW_SIZES[measure] if window_size is None else window_size
        if size < 1:
            raise EvaluationError(f"window_size must be at least 1, got {size}")
        counts = _c.boolean_sliding_window(ids, lengths, len(index), size, mode)
    return np.array([_topic_coherence(counts, t, measure) for t in topic_ids])


@dataclass(frozen=True)
class _EncodedTexts:
    """A reference corpus encoded once as term ids, for many coherence calls.

    :func:`corpus_tools.topics.select_k` scores every model against the same texts. Sent
    to its worker processes as token lists they are pickled again for every task; as
    integer arrays joblib memory-maps them once. Scoring from the ids gives the values
    :func:`coherence` gives for the same texts (the relevant-word ids are the same).
    """

    #: Term -> id; topic words must be terms (select_k's topics come from feature names).
    index: dict[str, int]
    #: Every token's term id (-1 for other tokens) and each document's length in tokens.
    ids: np.ndarray
    lengths: np.ndarray
    #: Whether each term occurs in the texts.
    present: np.ndarray

    @classmethod
    def encode(cls, texts: Sequence[Sequence[str]], terms: Sequence[str]) -> _EncodedTexts:
        _check_texts(texts)
        index = {w: i for i, w in enumerate(terms)}
        return cls(index, *_token_ids(texts, index))

    def __sizeof__(self) -> int:
        # joblib's Dask backend scatters an argument once when dask's sizeof (which falls
        # back to this) says it is large; at the default ~50 bytes the arrays went inside
        # every task's graph (distributed warned of a 31 MiB graph in a 10^5-document sweep).
        arrays = self.ids.nbytes + self.lengths.nbytes + self.present.nbytes
        return object.__sizeof__(self) + arrays + sys.getsizeof(self.index)

    def counts_equal(self, X: sp.spmatrix) -> bool:
        """Whether the texts' term counts per document are the matrix ``X``."""
        rows = np.repeat(np.arange(len(self.lengths)), self.lengths)
        known = self.ids >= 0
        counts = sp.csr_matrix(
            (np.ones(known.sum(), dtype=np.int64), (rows[known], self.ids[known])),
            shape=(len(self.lengths), len(self.index)),
        )
        return counts.shape == X.shape and (counts != X).nnz == 0

    def coherence(self, topics: Sequence[Sequence[str]], measure: Measure) -> float:
        """As ``coherence(topics, texts, measure)`` for the encoded texts."""
        if measure not in MEASURES:
            raise EvaluationError(f"unknown coherence measure {measure!r}; use one of {MEASURES}")
        index = _topic_word_index(topics)
        terms = np.array([self.index[w] for w in index], dtype=np.int64)
        # Term id -> relevant-word id; the extra last entry maps -1 (other tokens) to -1.
        lookup = np.full(len(self.index) + 1, -1, dtype=np.int64)
        lookup[terms] = np.arange(len(index))
        values = _coherence_values(
            topics, index, lookup[self.ids], self.lengths, self.present[terms], measure,
            None, None, "gensim",
        )  # fmt: skip
        _warn_undefined(values)
        return _c.arithmetic_mean(values)


def _topic_coherence(counts: _c.Counts, topic: np.ndarray, measure: str) -> float:
    if measure == "c_v":
        return _c.arithmetic_mean(_c.indirect_cosine(counts, *_c.segment_one_set(topic)))
    if measure == "u_mass":
        return _c.arithmetic_mean(
            _c.log_conditional_probability(counts, *_c.segment_one_preceding(topic))
        )
    confirm = _c.log_ratio if measure == "c_uci" else _c.normalized_log_ratio
    return _c.arithmetic_mean(confirm(counts, *_c.segment_one_one(topic)))


def _check_texts(texts: Sequence[Sequence[str]]) -> None:
    for i, text in enumerate(texts):
        if isinstance(text, str):
            raise EvaluationError(
                f"texts[{i}] is a string, not a list of tokens; tokenise the documents first"
            )


def _present_topic_ids(
    k: int, topic: Sequence[str], index: dict[str, int], present: np.ndarray, top_n: int | None
) -> np.ndarray:
    """Ids of topic ``k``'s words that occur in the texts, cut to ``top_n``."""
    ids = np.array([index[w] for w in topic], dtype=np.int64)
    missing = [w for w, i in zip(topic, ids, strict=True) if not present[i]]
    if len(missing) == len(ids):
        raise EvaluationError(f"topic {k} has no word that occurs in the texts: {list(topic)}")
    if missing:
        warnings.warn(
            f"topic {k}: dropped {len(missing)} word(s) absent from the texts: {missing}",
            CoherenceWarning,
            stacklevel=4,  # the caller of coherence()
        )
    return ids[present[ids]][:top_n]


def _warn_undefined(values: np.ndarray) -> None:
    undefined = np.flatnonzero(np.isnan(values))
    if len(undefined):
        warnings.warn(
            f"coherence undefined (nan) for topic(s) {undefined.tolist()}: fewer than two of "
            "their words occur in the texts",
            CoherenceWarning,
            stacklevel=3,
        )


# ---- diversity --------------------------------------------------------------------------


def topic_diversity(topics: Sequence[Sequence[str]], top_n: int = 25) -> float:
    """Proportion of unique words among the top ``top_n`` words of all topics.

    Topic diversity of Dieng, Ruiz & Blei (2020): near 0 for redundant topics, 1 when no
    word is shared. A topic with fewer than ``top_n`` words contributes all its words, and
    the denominator is the number of words considered.

    Parameters
    ----------
    topics : sequence of sequence of str
        Top words of each topic, best first.
    top_n : int, default 25

    Returns
    -------
    float

    Examples
    --------
    >>> topic_diversity([["kim", "putin", "summit"], ["kim", "rice", "harvest"]], top_n=3)
    0.8333333333333334
    """
    if top_n < 1:
        raise EvaluationError(f"top_n must be at least 1, got {top_n}")
    words = [w for topic in topics for w in list(topic)[:top_n]]
    if not words:
        raise EvaluationError("no topic words given")
    return len(set(words)) / len(words)


# ---- matching and stability -------------------------------------------------------------


def match_topics(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair the topics of two topic-term matrices one-to-one by cosine similarity.

    The Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment`) picks the pairing
    with the largest total cosine similarity between topic-term rows. An all-zero row has
    similarity 0 with every topic.

    Parameters
    ----------
    a, b : numpy.ndarray
        Topic-term matrices of shapes ``(k_a, n_terms)`` and ``(k_b, n_terms)``, with
        ``k_a <= k_b`` and the same term order (e.g. two runs' ``components_``).

    Returns
    -------
    permutation : numpy.ndarray of int, shape (k_a,)
        Topic ``i`` of ``a`` is matched with topic ``permutation[i]`` of ``b``, so
        ``b[permutation]`` is ``b`` reordered like ``a``.
    similarity : numpy.ndarray of float, shape (k_a,)
        Cosine similarity of each matched pair.

    Examples
    --------
    >>> a = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    >>> perm, sim = match_topics(a, a[::-1])
    >>> perm.tolist(), sim.round(6).tolist()
    ([1, 0], [1.0, 1.0])
    """
    a, b = _as_topic_matrix(a, "a"), _as_topic_matrix(b, "b")
    if a.shape[1] != b.shape[1]:
        raise EvaluationError(
            f"a and b have different numbers of terms: {a.shape[1]} vs {b.shape[1]}"
        )
    if a.shape[0] > b.shape[0]:
        raise EvaluationError(f"a has more topics than b ({a.shape[0]} > {b.shape[0]}); swap them")
    sim = cosine_similarity(a, b)
    rows, cols = linear_sum_assignment(sim, maximize=True)
    return cols[np.argsort(rows)], sim[rows, cols][np.argsort(rows)]


def _as_topic_matrix(m: np.ndarray, name: str) -> np.ndarray:
    m = np.asarray(m, dtype=float)
    if m.ndim != 2 or 0 in m.shape:
        raise EvaluationError(
            f"{name} must be a non-empty 2-D topic-term matrix, got shape {m.shape}"
        )
    if not np.isfinite(m).all():
        raise EvaluationError(f"{name} contains NaN or infinite values")
    return m


def topic_stability(components: Sequence[np.ndarray]) -> float:
    """Stability of a topic model over runs: mean matched cosine similarity over run pairs.

    Adapts Greene, O'Callaghan & Cunningham (2014) to topic-term vectors: for every pair of
    runs (r, s), r < s, the topics are matched one-to-one with :func:`match_topics` and the
    agreement of the pair is the mean cosine similarity of the matched topics; the
    stability is the mean agreement over all ``R (R - 1) / 2`` pairs. It is 1 when every run
    finds the same topics (in any order) and falls as runs disagree. Greene et al. instead
    compare each run with a reference run by the average Jaccard of top terms (see
    :func:`average_jaccard`).

    Parameters
    ----------
    components : sequence of numpy.ndarray
        At least two topic-term matrices ``(n_topics, n_terms)`` with the same shape.

    Returns
    -------
    float

    Examples
    --------
    >>> a = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> topic_stability([a, a[::-1], a])
    1.0
    """
    if len(components) < 2:
        raise EvaluationError(f"topic_stability needs at least two runs, got {len(components)}")
    shapes = {np.shape(c) for c in components}
    if len(shapes) != 1:
        raise EvaluationError(f"all runs must have the same shape, got {sorted(shapes)}")
    agreements = [match_topics(a, b)[1].mean() for a, b in combinations(components, 2)]
    return float(np.mean(agreements))


def average_jaccard(top_terms_a: Sequence[str], top_terms_b: Sequence[str], top_n: int) -> float:
    """Average Jaccard similarity of two ranked term lists (Greene et al. 2014).

    ``AJ = (1 / top_n) * sum_{d=1}^{top_n} J(a[:d], b[:d])`` with ``J`` the Jaccard index of the
    two depth-``d`` prefixes taken as sets; agreement near the top of the lists weighs most.

    Parameters
    ----------
    top_terms_a, top_terms_b : sequence of str
        Ranked terms (best first) with at least ``top_n`` terms each.
    top_n : int
        Depth of the comparison.

    Returns
    -------
    float

    Examples
    --------
    >>> average_jaccard(["kim", "putin"], ["putin", "kim"], 2)
    0.5
    """
    if top_n < 1:
        raise EvaluationError(f"top_n must be at least 1, got {top_n}")
    if min(len(top_terms_a), len(top_terms_b)) < top_n:
        raise EvaluationError(f"both term lists need at least top_n={top_n} terms")
    scores = []
    for d in range(1, top_n + 1):
        sa, sb = set(top_terms_a[:d]), set(top_terms_b[:d])
        scores.append(len(sa & sb) / len(sa | sb))
    return float(np.mean(scores))


# ---- label recovery ---------------------------------------------------------------------


def recovery_scores(true_labels: Sequence, pred_labels: Sequence) -> dict[str, float]:
    """Agreement between known document labels and (e.g. dominant-topic) assignments.

    Parameters
    ----------
    true_labels, pred_labels : sequence
        One label per document.

    Returns
    -------
    dict
        ``{"adjusted_rand": ..., "nmi": ...}``: adjusted Rand index and normalised mutual
        information (arithmetic normalisation) from :mod:`sklearn.metrics`.

    Examples
    --------
    >>> recovery_scores(["a", "a", "b", "b"], [1, 1, 0, 0])
    {'adjusted_rand': 1.0, 'nmi': 1.0}
    """
    if len(true_labels) != len(pred_labels):
        raise EvaluationError(
            f"label lists differ in length: {len(true_labels)} vs {len(pred_labels)}"
        )
    return {
        "adjusted_rand": float(adjusted_rand_score(true_labels, pred_labels)),
        "nmi": float(normalized_mutual_info_score(true_labels, pred_labels)),
    }


def dominant_topics(doc_topic: np.ndarray) -> np.ndarray:
    """Index of the largest topic share of each document.

    Ties go to the lowest topic index; a document whose row is all zeros (e.g. an empty
    document under NMF) has no dominant topic and gets -1.

    Parameters
    ----------
    doc_topic : numpy.ndarray
        Document-topic matrix ``(n_docs, n_topics)`` of non-negative shares.

    Returns
    -------
    numpy.ndarray of int, shape (n_docs,)

    Examples
    --------
    >>> dominant_topics(np.array([[0.2, 0.8], [0.5, 0.5], [0.0, 0.0]])).tolist()
    [1, 0, -1]
    """
    m = np.asarray(doc_topic, dtype=float)
    if m.ndim != 2 or m.shape[1] == 0:
        raise EvaluationError(f"doc_topic must be a 2-D matrix with topics, got shape {m.shape}")
    if not np.isfinite(m).all() or (m < 0).any():
        raise EvaluationError("doc_topic must hold finite, non-negative shares")
    return np.where(m.any(axis=1), m.argmax(axis=1), -1)


RECOVERY_STATUSES: tuple[str, ...] = ("recovered", "merged", "split", "lost")


def recovery_table(
    truth_shares: pd.DataFrame | np.ndarray,
    doc_topic: pd.DataFrame | np.ndarray,
    *,
    min_share: float = 0.2,
    min_recall: float = 0.5,
) -> pd.DataFrame:
    """Which planted topics a model recovers, merges, splits or loses.

    A global score (ARI, NMI) can be high while one planted topic disappears into another;
    this table names each planted topic's fate. Every document is assigned its dominant
    planted topic (largest share in ``truth_shares``) and its dominant fitted topic
    (:func:`dominant_topics`); documents without one (all-zero rows, e.g. off-topic
    documents) are left out. For planted topic ``p`` with documents ``D_p`` and fitted
    topic ``f`` with documents ``F_f``:

    * ``fitted``: the fitted topics holding at least ``min_share`` of ``D_p``, largest first;
    * ``recall = |D_p & F_f| / |D_p|`` and ``precision = |D_p & F_f| / |F_f|`` for the fitted
      topic holding most of ``D_p``;
    * ``status``: ``merged`` when the fitted topic holding most of ``D_p`` also holds
      ``min_share`` of another planted topic's documents; else ``split`` when two or more
      fitted topics each hold ``min_share`` of ``D_p``; else ``recovered`` when
      ``recall >= min_recall``; ``lost`` otherwise (no fitted topic holds a clear part).

    Parameters
    ----------
    truth_shares : DataFrame or ndarray of shape (n_docs, n_planted)
        Planted topic shares of each document (columns name the planted topics).
    doc_topic : DataFrame or ndarray of shape (n_docs, n_fitted)
        Fitted topic shares of the same documents in the same order (columns, e.g. the
        FREX labels, name the fitted topics; otherwise their index is used).
    min_share : float, default=0.2
    min_recall : float, default=0.5

    Returns
    -------
    pandas.DataFrame
        One row per planted topic that dominates at least one document, in column order:
        ``planted, n_docs, fitted`` (tuple), ``best`` (the fitted topic holding most of
        it), ``recall, precision, status``.

    Examples
    --------
    >>> truth = pd.DataFrame(np.eye(3)[[0, 0, 1, 1, 2, 2]], columns=["a", "b", "c"])
    >>> fitted = np.eye(2)[[0, 0, 1, 1, 1, 1]]
    >>> recovery_table(truth, fitted)[["planted", "status"]].to_numpy().tolist()
    [['a', 'recovered'], ['b', 'merged'], ['c', 'merged']]
    """
    if not 0.0 < min_share <= 0.5 or not 0.0 < min_recall <= 1.0:
        raise EvaluationError(
            f"need 0 < min_share <= 0.5 and 0 < min_recall <= 1, got {min_share}, {min_recall}"
        )
    planted_names = _names(truth_shares)
    fitted_names = _names(doc_topic)
    truth = dominant_topics(np.asarray(truth_shares, dtype=float))
    fitted = dominant_topics(np.asarray(doc_topic, dtype=float))
    if len(truth) != len(fitted):
        raise EvaluationError(
            f"truth_shares has {len(truth)} documents and doc_topic {len(fitted)}; "
            "pass the same documents in the same order"
        )
    known = (truth >= 0) & (fitted >= 0)
    counts = pd.crosstab(truth[known], fitted[known])
    counts = counts.reindex(columns=range(len(fitted_names)), fill_value=0)
    share_of_planted = counts.div(counts.sum(axis=1), axis=0)
    holds = share_of_planted >= min_share
    rows = []
    for p, share in share_of_planted.iterrows():
        held = share[holds.loc[p]].sort_values(ascending=False, kind="stable")
        best = int(share.to_numpy().argmax())
        recall = float(share.iloc[best])
        precision = float(counts.loc[p, best] / counts[best].sum())
        if holds.loc[p, best] and holds[best].sum() >= 2:
            status = "merged"
        elif len(held) >= 2:
            status = "split"
        elif len(held) == 1 and recall >= min_recall:
            status = "recovered"
        else:
            status = "lost"
        rows.append(
            {
                "planted": planted_names[p],
                "n_docs": int(counts.loc[p].sum()),
                "fitted": tuple(fitted_names[f] for f in held.index),
                "best": fitted_names[best],
                "recall": recall,
                "precision": precision,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def _names(shares: pd.DataFrame | np.ndarray) -> list:
    if isinstance(shares, pd.DataFrame):
        return list(shares.columns)
    return list(range(np.shape(shares)[1]))
