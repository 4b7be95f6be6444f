"""LDA by collapsed Gibbs sampling (tomotopy), beside scikit-learn's variational LDA.

:class:`GibbsLDA` wraps :class:`tomotopy.LDAModel` in this package's estimator conventions
(see :mod:`corpus_tools.topics`): ``__init__`` stores parameters, fitted attributes end in
``_``, ``random_state`` seeds the sampler, and every fit and inference uses one worker
(``workers=1``, no parallel scheme), so the same data and seed give the same model on any
machine. Parallelism goes across models: ``select_k(..., method="gibbs")`` runs K x seeds
fits in parallel with the package's coherence, diversity and stability around them.

Gibbs sampling is often faster than batch variational Bayes for the same topic quality
(see BENCHMARKS.md). It has no variational bound, so ``select_k`` reports no perplexity
for it. tomotopy is an optional dependency: ``pip install 'corpus_tools[tomotopy]'``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from itertools import pairwise
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from .evaluate import _EncodedTexts
from .topics import TopicModelError, _as_doc_ids, _as_dtm, _row_normalise, _TopicModel

__all__ = ["GibbsLDA"]


def _tomotopy() -> Any:
    try:
        import tomotopy
    except ImportError:
        raise TopicModelError(
            "method 'gibbs' needs tomotopy: pip install 'corpus_tools[tomotopy]'"
        ) from None
    return tomotopy


def _check_counts(X: sp.csr_matrix) -> None:
    if not np.array_equal(X.data.astype(np.int64), X.data):
        raise TopicModelError("Gibbs LDA needs integer term counts (not weights such as TF-IDF)")


def _columns(n_terms: int) -> np.ndarray:
    # One string per column, shared by its tokens: a per-row astype(str) made a new string
    # per token and cost a tenth of a short fit.
    return np.array([str(j) for j in range(n_terms)], dtype=object)


def _split(words: list[str], ends: np.ndarray) -> list[list[str]]:
    """``words`` cut into documents at the cumulative token counts ``ends`` (0 first)."""
    return [words[a:b] for a, b in pairwise(ends.tolist())]


def _words(X: sp.csr_matrix) -> list[list[str]]:
    """Each row as its tokens (column numbers as words, repeated by count, in column order)."""
    _check_counts(X)
    counts = X.data.astype(np.int64)
    words = _columns(X.shape[1])[np.repeat(X.indices, counts)].tolist()
    return _split(words, np.concatenate(([0], np.cumsum(counts)))[X.indptr])


def _words_in_text_order(X: sp.csr_matrix, texts: _EncodedTexts) -> list[list[str]]:
    """Each row as its tokens in the order of its text (column numbers as words).

    The sampler starts by visiting tokens in the order given, so this is the model tomotopy
    fits when given the texts themselves. The texts' term counts must be ``X``.
    """
    _check_counts(X)
    if not texts.counts_equal(X):
        raise TopicModelError(
            "texts do not match X: their counts of the feature names differ from the "
            "matrix; pass the tokens the matrix was counted from"
        )
    known = texts.ids >= 0
    words = _columns(X.shape[1])[texts.ids[known]].tolist()
    text_ends = np.concatenate(([0], np.cumsum(texts.lengths)))
    return _split(words, np.concatenate(([0], np.cumsum(known)))[text_ends])


class _TomotopyLDA(BaseEstimator):
    """scikit-learn-shaped adapter around a tomotopy model (fit, components_, transform)."""

    def __init__(
        self,
        n_components: int = 10,
        *,
        doc_topic_prior: float | None = None,
        topic_word_prior: float | None = None,
        iterations: int = 1000,
        optimize_interval: int = 10,
        infer_iterations: int = 100,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.iterations = iterations
        self.optimize_interval = optimize_interval
        self.infer_iterations = infer_iterations
        self.random_state = random_state

    def fit(self, X: sp.csr_matrix, texts: _EncodedTexts | None = None) -> Self:
        tp = _tomotopy()
        k = self.n_components
        prior = 1.0 / k
        model = tp.LDAModel(
            k=k,
            alpha=prior if self.doc_topic_prior is None else self.doc_topic_prior,
            eta=prior if self.topic_word_prior is None else self.topic_word_prior,
            seed=0 if self.random_state is None else int(self.random_state),
        )
        model.optim_interval = self.optimize_interval
        docs = _words(X) if texts is None else _words_in_text_order(X, texts)
        used = [i for i, words in enumerate(docs) if words]  # tomotopy drops empty documents
        for i in used:
            model.add_doc(docs[i])
        model.train(self.iterations, workers=1, parallel=tp.ParallelScheme.NONE)
        columns = np.asarray([int(w) for w in model.used_vocabs])
        dist = np.array([model.get_topic_word_dist(t) for t in range(k)], dtype=np.float64)
        components = np.zeros((k, X.shape[1]))
        # Pseudo-counts like scikit-learn's components_: topic-word share x words in topic.
        components[:, columns] = dist * model.get_count_by_topics()[:, None]
        theta = np.full((X.shape[0], k), 1.0 / k)
        theta[used] = [d.get_topic_dist() for d in model.docs]
        self.model_, self.components_, self.train_doc_topic_ = model, components, theta
        return self

    def transform(self, X: sp.csr_matrix) -> np.ndarray:
        tp = _tomotopy()
        theta = np.full((X.shape[0], self.n_components), 1.0 / self.n_components)
        docs = _words(X)
        used = [i for i, words in enumerate(docs) if words]
        if used:
            made = [self.model_.make_doc(docs[i]) for i in used]
            dists, _ = self.model_.infer(
                made, iterations=self.infer_iterations, workers=1, parallel=tp.ParallelScheme.NONE
            )
            theta[used] = dists
        return theta


class GibbsLDA(_TopicModel):
    """Latent Dirichlet allocation by collapsed Gibbs sampling (tomotopy), one worker.

    Parameters
    ----------
    n_components : int, default=10
        Number of topics.
    doc_topic_prior : float, optional
        Initial symmetric alpha; default ``1 / n_components``. tomotopy re-estimates it
        every ``optimize_interval`` sweeps (0 keeps it fixed).
    topic_word_prior : float, optional
        eta; default ``1 / n_components``.
    iterations : int, default=1000
        Gibbs sweeps over the corpus.
    optimize_interval : int, default=10
        Sweeps between updates of alpha (tomotopy's default); 0: no update.
    infer_iterations : int, default=100
        Sweeps when inferring topic shares of new documents (:meth:`transform`).
    random_state : int, optional
        Seed of the sampler (default 0).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_terms)
        Topic-word pseudo-counts (topic-word probability x words assigned to the topic).
    topic_word_, feature_names_, term_frequency_, doc_ids_, labels_
        As in :class:`corpus_tools.topics.LDA`.
    doc_topic_ : ndarray of shape (n_docs, n_components)
        Topic shares of the training documents from the final sample (documents without
        any term: uniform).
    estimator_
        The adapter holding the tomotopy model (``estimator_.model_``).

    Examples
    --------
    >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
    >>> lda = GibbsLDA(2, iterations=50, random_state=0)
    >>> lda.fit(X, feature_names=["war", "trade", "visit"]).doc_topic_.shape
    (4, 2)
    """

    _SKLEARN = _TomotopyLDA

    def __init__(
        self,
        n_components: int = 10,
        *,
        doc_topic_prior: float | None = None,
        topic_word_prior: float | None = None,
        iterations: int = 1000,
        optimize_interval: int = 10,
        infer_iterations: int = 100,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.iterations = iterations
        self.optimize_interval = optimize_interval
        self.infer_iterations = infer_iterations
        self.random_state = random_state

    def fit(
        self,
        X: Any,
        y: None = None,
        feature_names: Sequence[str] | None = None,
        doc_ids: Iterable[Hashable] | None = None,
        texts: Sequence[Sequence[str]] | _EncodedTexts | None = None,
    ) -> Self:
        """Fit the model to a count matrix (see :meth:`corpus_tools.topics.LDA.fit`).

        ``doc_topic_`` comes from the final Gibbs sample of the training documents rather
        than from a second inference pass.

        Parameters
        ----------
        X, y, feature_names, doc_ids
            As in :meth:`corpus_tools.topics.LDA.fit`.
        texts : sequence of token lists, optional
            The tokens ``X`` was counted from. The sampler's first sweep assigns topics
            token by token, so the order of the tokens shapes the model: with the texts it
            visits them in text order (the model tomotopy fits given the texts
            themselves), without them grouped by term. Both are valid samples; the texts
            make the model match tomotopy's. Their counts of ``feature_names`` must equal
            ``X``.

        Returns
        -------
        self

        Raises
        ------
        TopicModelError
            For weights that are not counts, or texts whose counts differ from ``X``.
        """
        X, names = _as_dtm(X, feature_names)
        if texts is not None and not isinstance(texts, _EncodedTexts):
            texts = _EncodedTexts.encode(texts, names)
        estimator = self._make_estimator().fit(X, texts)
        self._set_fitted(
            estimator,
            names,
            term_frequency=np.asarray(X.sum(axis=0)).ravel(),
            doc_ids=_as_doc_ids(doc_ids, X.shape[0]),
        )
        self.doc_topic_ = _row_normalise(estimator.train_doc_topic_)
        return self
