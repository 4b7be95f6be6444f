"""Topic models: LDA and NMF with labels, persistence and K selection.

:class:`LDA` and :class:`NMF` wrap scikit-learn's estimators and follow its conventions
(``__init__`` only stores parameters, fitted attributes end in ``_``, ``random_state``,
usable in a :class:`~sklearn.pipeline.Pipeline`). Every fit and transform runs
single-threaded (scikit-learn ``n_jobs=1`` and one BLAS thread) because the LDA solution
depends on the number of workers; the same data, parameters and seed therefore give
bitwise-identical ``components_`` and ``doc_topic_``.

Models are saved with :func:`save` to a folder of plain JSON and ``.npz`` arrays (never
pickle) and read back with :func:`load`. :func:`select_k` sweeps the number of topics
over several seeds in parallel and :func:`choose_k` applies a stated rule to its table.
Effects over time and covariates live in :mod:`corpus_tools.effects`.
"""

from __future__ import annotations

import json
import time
import warnings
import zipfile
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
import yaml
from joblib import Parallel, delayed, parallel_config
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.decomposition import NMF as _SkNMF
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits
from tqdm import tqdm  # text bars: tqdm.auto warns in kernels without ipywidgets

from . import __version__
from ._files import file_sha256
from ._readers import declared_language
from .errors import CorpusToolsError
from .evaluate import _EncodedTexts, topic_diversity, topic_stability
from .io import load_corpus
from .provenance import record_model_input
from .text import make_pipeline, prepare_config

__all__ = [
    "LDA",
    "NMF",
    "ModelFileError",
    "TopicInput",
    "TopicModelError",
    "choose_k",
    "corpus_matrix",
    "frex_scores",
    "load",
    "load_topic_input",
    "make_model",
    "parse_ks",
    "save",
    "select_k",
]

MODEL_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"
FORMAT_NAME = "corpus_tools.topic_model"
FORMAT_VERSION = 1
N_LABEL_TERMS = 3
DIVERSITY_TOP_N = 25  # Dieng et al. (2020) define topic diversity on the top 25 words
SELECT_COLUMNS = (
    "k",
    "seed",
    "method",
    "c_npmi",
    "c_v",
    "u_mass",
    "diversity",
    "perplexity",
    "stability",
    "fit_seconds",
)


class TopicModelError(CorpusToolsError, ValueError):
    """Bad input to a topic model or to a topic summary."""


class ModelFileError(CorpusToolsError):
    """A saved model folder is missing, damaged, tampered with or not a model."""


# ---- input handling -----------------------------------------------------------------------
def _as_dtm(
    X: Any, feature_names: Sequence[str] | None, n_components: int | None = None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Return ``X`` as a non-negative float CSR matrix and the feature names.

    With ``n_components``, also check that the matrix can hold that many topics.
    """
    if isinstance(X, pd.DataFrame):
        text = [str(c) for c, kind in X.dtypes.items() if not _is_numeric(kind)]
        if text:
            raise TopicModelError(
                f"X is a DataFrame with non-numeric column(s) {', '.join(text[:5])}: pass a "
                "document-term matrix, e.g. data = corpus_matrix(corpus) and then data.X with "
                "feature_names=data.feature_names, texts=data.texts"
            )
        if feature_names is None:
            feature_names = [str(c) for c in X.columns]
        is_sparse = all(isinstance(d, pd.SparseDtype) for d in X.dtypes)
        X = X.sparse.to_coo() if is_sparse else X.to_numpy(dtype=np.float64)
    try:
        X = sp.csr_matrix(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TopicModelError(f"the document-term matrix is not numeric: {exc}") from exc
    if not X.has_canonical_format:
        # scikit-learn sorts indices in place, which fails on the read-only memory maps
        # that joblib hands to worker processes; sort a private copy once here instead.
        X = X.copy()
        X.sum_duplicates()
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise TopicModelError(f"the document-term matrix is empty (shape {X.shape})")
    if not np.isfinite(X.data).all() or (X.data < 0).any():
        raise TopicModelError("the document-term matrix has negative or non-finite values")
    if feature_names is None:
        names = np.asarray([f"x{j}" for j in range(X.shape[1])], dtype=object)
    else:
        names = np.asarray([str(n) for n in feature_names], dtype=object)
    if len(names) != X.shape[1]:
        raise TopicModelError(f"{len(names)} feature names for a matrix with {X.shape[1]} columns")
    if n_components is not None:
        _check_k(n_components, *X.shape)
    return X, names


def _is_numeric(kind: Any) -> bool:
    if isinstance(kind, pd.SparseDtype):
        kind = kind.subtype
    return pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)


def _check_k(k: int, n_docs: int, n_terms: int) -> None:
    """K topics need at least K documents and K terms (NMF's SVD start, LDA's identifiability)."""
    limit = min(n_docs, n_terms)
    if k > limit:
        raise TopicModelError(
            f"K={k} topics is more than the matrix supports: min(n_docs={n_docs}, "
            f"n_terms={n_terms}) = {limit}; choose K <= {limit} or model more documents/terms"
        )


def _as_doc_ids(doc_ids: Iterable[Hashable] | None, n_docs: int) -> np.ndarray | None:
    if doc_ids is None:
        return None
    ids = np.asarray([str(d) for d in doc_ids], dtype=object)
    if len(ids) != n_docs:
        raise TopicModelError(f"{len(ids)} doc_ids for {n_docs} documents")
    return ids


def _row_normalise(W: np.ndarray) -> np.ndarray:
    """Rows as proportions; all-zero rows (empty documents) become uniform."""
    sums = W.sum(axis=1, keepdims=True)
    uniform = np.full_like(W, 1.0 / W.shape[1])
    return np.divide(W, sums, out=uniform, where=sums > 0)


# ---- FREX ---------------------------------------------------------------------------------
def _js_shrink(excl: np.ndarray, wordcounts: np.ndarray) -> np.ndarray:
    """James-Stein shrinkage of each word's topic distribution towards uniform.

    Column-wise port of stm's ``js.estimate`` (Hausser and Strimmer 2009): words seen
    at most once get the uniform distribution, others a convex combination whose weight
    grows with the estimator variance.
    """
    n_topics = excl.shape[0]
    unif = 1.0 / n_topics
    with np.errstate(divide="ignore", invalid="ignore"):
        mlvar = excl * (1.0 - excl) / (wordcounts - 1.0)
        deviation = ((excl - unif) ** 2).sum(axis=0)
        lam = mlvar.sum(axis=0) / deviation
    lam = np.where(np.isnan(lam), 1.0, np.clip(lam, 0.0, 1.0))
    lam = np.where(deviation == 0, 0.0, lam)
    lam = np.where(wordcounts <= 1, 1.0, lam)
    return lam * unif + (1.0 - lam) * excl


def frex_scores(
    topic_word: np.ndarray, *, w: float = 0.5, wordcounts: np.ndarray | None = None
) -> np.ndarray:
    """FREX score of every word in every topic, as in R's stm (``calcfrex``).

    FREX is the weighted harmonic mean of a word's within-topic empirical-CDF rank by
    frequency (its probability in the topic) and by exclusivity (the share of the word's
    probability mass that falls on this topic), following Bischof and Airoldi (2012) and
    stm's implementation (ties get average ranks; ``w`` weighs frequency).

    Parameters
    ----------
    topic_word : ndarray of shape (n_topics, n_words)
        Topic-word probabilities (rows sum to one).
    w : float, default=0.5
        Weight of frequency, between 0 and 1 (stm's ``frexweight``).
    wordcounts : ndarray of shape (n_words,), optional
        Corpus frequency of each word. When given, exclusivity is shrunk towards uniform
        with stm's James-Stein estimator so that rare words do not look exclusive (this
        is what stm's ``labelTopics`` does).

    Returns
    -------
    ndarray of shape (n_topics, n_words)
        FREX scores in (0, 1]; higher is more frequent and exclusive.

    Examples
    --------
    >>> import numpy as np
    >>> beta = np.array([[0.5, 0.3, 0.15, 0.05], [0.25, 0.05, 0.3, 0.4]])
    >>> frex_scores(beta)[1].tolist()
    [0.5, 0.25, 0.75, 1.0]
    """
    beta = np.asarray(topic_word, dtype=np.float64)
    if beta.ndim != 2 or not 0.0 <= w <= 1.0:
        raise TopicModelError("frex needs a 2-D topic-word matrix and 0 <= w <= 1")
    totals = beta.sum(axis=0, keepdims=True)
    # Working with probabilities instead of stm's log-probabilities gives the same ranks.
    excl = np.divide(beta, totals, out=np.full_like(beta, 1.0 / beta.shape[0]), where=totals > 0)
    if wordcounts is not None:
        excl = _js_shrink(excl, np.asarray(wordcounts, dtype=np.float64))
    n_words = beta.shape[1]
    freq_score = rankdata(beta, axis=1) / n_words
    excl_score = rankdata(excl, axis=1) / n_words
    return 1.0 / (w / freq_score + (1.0 - w) / excl_score)


def _top_indices(scores: np.ndarray, n: int) -> np.ndarray:
    """Column indices of the ``n`` highest scores per row; ties keep column order."""
    return np.argsort(-scores, axis=1, kind="stable")[:, :n]


def _tidy_top(
    scores: np.ndarray, names: np.ndarray, n: int, *, name: str, value: str
) -> pd.DataFrame:
    idx = _top_indices(scores, n)
    n_rows, n_top = idx.shape
    return pd.DataFrame(
        {
            "topic": np.repeat(np.arange(n_rows), n_top),
            "rank": np.tile(np.arange(1, n_top + 1), n_rows),
            name: names[idx].ravel(),
            value: np.take_along_axis(scores, idx, axis=1).ravel(),
        }
    )


# ---- estimators ---------------------------------------------------------------------------
class _TopicModel(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared fit/transform/labelling; subclasses say how to build the sklearn model."""

    # sklearn attributes that transform needs: arrays go to arrays.npz, scalars to JSON.
    _ARRAY_STATE: ClassVar[tuple[str, ...]] = ("components_",)
    _SCALAR_STATE: ClassVar[tuple[str, ...]] = ()

    # The scikit-learn class wrapped; our parameters carry its names, plus fixed settings.
    _SKLEARN: ClassVar[type[BaseEstimator]]
    _FIXED: ClassVar[dict[str, Any]] = {}

    def _make_estimator(self) -> BaseEstimator:
        return self._SKLEARN(**self.get_params(), **self._FIXED)

    def fit(
        self,
        X: Any,
        y: None = None,
        feature_names: Sequence[str] | None = None,
        doc_ids: Iterable[Hashable] | None = None,
    ) -> Self:
        """Fit the model to a document-term matrix.

        Parameters
        ----------
        X : sparse matrix, ndarray or DataFrame of shape (n_docs, n_terms)
            Term counts (or weights, for NMF). A DataFrame's columns are the feature names.
        y : None
            Ignored; present for Pipeline compatibility.
        feature_names : sequence of str, optional
            The terms, e.g. ``vectorizer.get_feature_names_out()``. In a Pipeline pass it
            as ``model__feature_names=...``. Defaults to the DataFrame's columns, else
            ``x0, x1, ...``.
        doc_ids : iterable, optional
            Document identifiers for :meth:`representative_documents`.

        Returns
        -------
        self
        """
        X, names = _as_dtm(X, feature_names, self.n_components)
        estimator = self._make_estimator()
        with threadpool_limits(1):
            estimator.fit(X)
        self._set_fitted(
            estimator,
            names,
            term_frequency=np.asarray(X.sum(axis=0)).ravel(),
            doc_ids=_as_doc_ids(doc_ids, X.shape[0]),
        )
        self.doc_topic_ = self.transform(X)
        return self

    def fit_transform(
        self,
        X: Any,
        y: None = None,
        feature_names: Sequence[str] | None = None,
        doc_ids: Iterable[Hashable] | None = None,
    ) -> np.ndarray:
        """Fit the model and return ``doc_topic_`` (see :meth:`fit` and :meth:`transform`).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
        >>> NMF(2, random_state=0).fit_transform(X).shape
        (4, 2)
        """
        return self.fit(X, y, feature_names=feature_names, doc_ids=doc_ids).doc_topic_.copy()

    def _set_fitted(
        self,
        estimator: BaseEstimator,
        names: np.ndarray,
        *,
        term_frequency: np.ndarray,
        doc_ids: np.ndarray | None,
    ) -> None:
        self.estimator_ = estimator
        self.components_ = estimator.components_
        self.topic_word_ = _row_normalise(estimator.components_)
        self.feature_names_ = names
        self.n_features_in_ = len(names)
        self.term_frequency_ = term_frequency
        self.doc_ids_ = doc_ids
        frex = frex_scores(self.topic_word_, wordcounts=term_frequency)
        self.labels_ = [", ".join(row) for row in names[_top_indices(frex, N_LABEL_TERMS)]]

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]

    def transform(self, X: Any) -> np.ndarray:
        """Return the topic proportions of each document (rows sum to one).

        Documents without any known term get the uniform distribution.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
        >>> NMF(2, random_state=0).fit(X).transform([[0, 0, 0]]).tolist()
        [[0.5, 0.5]]
        """
        check_is_fitted(self)
        if isinstance(X, pd.DataFrame) and list(map(str, X.columns)) != list(self.feature_names_):
            raise TopicModelError("the DataFrame's columns are not the model's feature names")
        X, _ = _as_dtm(X, None)
        if X.shape[1] != self.n_features_in_:
            raise TopicModelError(
                f"the matrix has {X.shape[1]} terms; the model was fitted on {self.n_features_in_}"
            )
        with threadpool_limits(1):
            return _row_normalise(self.estimator_.transform(X))

    def top_terms(self, n: int = 10) -> pd.DataFrame:
        """Return the ``n`` most probable terms of each topic.

        Returns
        -------
        pandas.DataFrame
            Tidy: one row per (topic, rank) with columns ``topic``, ``rank`` (1 = most
            probable), ``term`` and ``weight`` (the term's probability in the topic).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
        >>> model = NMF(2, random_state=0).fit(X, feature_names=["war", "trade", "visit"])
        >>> sorted(model.top_terms(1)["term"])
        ['trade', 'war']
        """
        check_is_fitted(self)
        return _tidy_top(self.topic_word_, self.feature_names_, n, name="term", value="weight")

    def top_terms_lists(self, n: int = 10) -> list[list[str]]:
        """Return the ``n`` most probable terms of each topic as lists (for coherence).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
        >>> model = NMF(2, random_state=0).fit(X, feature_names=["war", "trade", "visit"])
        >>> sorted(terms[0] for terms in model.top_terms_lists(2))
        ['trade', 'war']
        """
        check_is_fitted(self)
        return [list(row) for row in self.feature_names_[_top_indices(self.topic_word_, n)]]

    def frex(self, n: int = 10, w: float = 0.5) -> pd.DataFrame:
        """Return each topic's ``n`` highest-FREX terms, as stm's ``labelTopics``.

        Exclusivity is shrunk with the corpus term frequencies seen in ``fit``; see
        :func:`frex_scores`.

        Returns
        -------
        pandas.DataFrame
            Tidy: columns ``topic``, ``rank``, ``term``, ``frex``.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
        >>> model = NMF(2, random_state=0).fit(X, feature_names=["war", "trade", "visit"])
        >>> list(model.frex(2).columns)
        ['topic', 'rank', 'term', 'frex']
        """
        check_is_fitted(self)
        scores = frex_scores(self.topic_word_, w=w, wordcounts=self.term_frequency_)
        return _tidy_top(scores, self.feature_names_, n, name="term", value="frex")

    def representative_documents(
        self, n: int = 3, doc_ids: Iterable[Hashable] | None = None
    ) -> pd.DataFrame:
        """Return the ``n`` training documents with the highest share of each topic.

        Parameters
        ----------
        n : int, default=3
        doc_ids : iterable, optional
            Identifiers of the training documents; defaults to those given to ``fit``.

        Returns
        -------
        pandas.DataFrame
            Tidy: columns ``topic``, ``rank``, ``doc_index`` (row in the training
            matrix), ``doc_id`` (``<NA>`` when no ids are known) and ``weight``.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
        >>> model = NMF(2, random_state=0).fit(X, doc_ids=["a", "b", "c", "d"])
        >>> sorted(model.representative_documents(1)["doc_id"])
        ['c', 'd']
        """
        check_is_fitted(self)
        ids = _as_doc_ids(doc_ids, len(self.doc_topic_))
        ids = self.doc_ids_ if ids is None else ids
        index = np.arange(len(self.doc_topic_), dtype=object)
        out = _tidy_top(self.doc_topic_.T, index, n, name="doc_index", value="weight")
        out["doc_index"] = out["doc_index"].astype("int64")
        doc_id = pd.array([None] * len(out), dtype="string")
        if ids is not None:
            doc_id = pd.array(ids[out["doc_index"].to_numpy()], dtype="string")
        out.insert(3, "doc_id", doc_id)
        return out


class LDA(_TopicModel):
    """Latent Dirichlet allocation (variational Bayes, batch), single-threaded.

    A thin wrapper around :class:`sklearn.decomposition.LatentDirichletAllocation` with
    ``learning_method="batch"`` (online learning finds a different solution) and
    ``n_jobs=1`` (the result depends on the number of workers).

    Parameters
    ----------
    n_components : int, default=10
        Number of topics.
    doc_topic_prior : float, optional
        Dirichlet prior of document-topic proportions (alpha); default ``1 / n_components``.
    topic_word_prior : float, optional
        Dirichlet prior of topic-word distributions (eta); default ``1 / n_components``.
    max_iter : int, default=10
        Passes (EM iterations) over the corpus, as scikit-learn's default; more passes
        (e.g. 50) usually give sharper topics at proportional cost.
    max_doc_update_iter : int, default=100
        Maximum E-step iterations per document and pass.
    mean_change_tol : float, default=1e-3
        E-step stopping tolerance.
    random_state : int, optional
        Seed of the initial topic-word matrix.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_terms)
        Variational topic-word parameters (pseudo-counts), as in scikit-learn.
    topic_word_ : ndarray of shape (n_components, n_terms)
        Topic-word probabilities (rows of ``components_`` normalised).
    doc_topic_ : ndarray of shape (n_docs, n_components)
        Topic proportions of the training documents (``transform`` of the training data).
    feature_names_ : ndarray of str
    term_frequency_ : ndarray of shape (n_terms,)
        Column sums of the training matrix (used by FREX).
    doc_ids_ : ndarray of str or None
    labels_ : list of str
        Automatic topic labels: the top three FREX terms.
    estimator_ : LatentDirichletAllocation
        The fitted scikit-learn model.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
    >>> lda = LDA(2, random_state=0).fit(X, feature_names=["war", "trade", "visit"])
    >>> lda.doc_topic_.shape
    (4, 2)
    """

    _ARRAY_STATE = ("components_", "exp_dirichlet_component_")
    _SCALAR_STATE = ("doc_topic_prior_", "topic_word_prior_", "n_iter_", "n_batch_iter_")

    def __init__(
        self,
        n_components: int = 10,
        *,
        doc_topic_prior: float | None = None,
        topic_word_prior: float | None = None,
        max_iter: int = 10,
        max_doc_update_iter: int = 100,
        mean_change_tol: float = 1e-3,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.max_iter = max_iter
        self.max_doc_update_iter = max_doc_update_iter
        self.mean_change_tol = mean_change_tol
        self.random_state = random_state

    # Batch learning only: online LDA converges to a different solution altogether, and
    # n_jobs=1 because sklearn's LDA gives different results for different n_jobs.
    _SKLEARN = LatentDirichletAllocation
    _FIXED: ClassVar[dict[str, Any]] = {"learning_method": "batch", "n_jobs": 1}

    def perplexity(self, X: Any) -> float:
        """Perplexity of documents ``X`` under the model (lower is better).

        scikit-learn's definition: ``exp(-bound / n_tokens)``, with the documents' topic
        proportions inferred from ``X`` itself.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
        >>> LDA(2, random_state=0).fit(X).perplexity(X) < 3  # 3 equally likely terms: 3
        True
        """
        check_is_fitted(self)
        X, _ = _as_dtm(X, None)
        with threadpool_limits(1):
            return float(self.estimator_.perplexity(X))


class NMF(_TopicModel):
    """Non-negative matrix factorisation topic model, single-threaded.

    A thin wrapper around :class:`sklearn.decomposition.NMF`. Fit it on counts or on
    weighted counts (e.g. TF-IDF); topic-term weights and document-topic weights are
    normalised to proportions in ``topic_word_`` and ``doc_topic_``.

    Parameters
    ----------
    n_components : int, default=10
        Number of topics.
    init : {"nndsvda", "nndsvd", "nndsvdar", "random"}, default="nndsvda"
        Initialisation. NNDSVD is (almost) seed-independent; use ``"random"`` to study
        stability across seeds (Greene et al. 2014).
    solver : {"cd", "mu"}, default="cd"
    beta_loss : {"frobenius", "kullback-leibler"}, default="frobenius"
        ``"kullback-leibler"`` needs ``solver="mu"``.
    alpha_W, alpha_H, l1_ratio : float
        Regularisation, as in scikit-learn.
    max_iter : int, default=400
    tol : float, default=1e-4
    random_state : int, optional

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_terms)
        The factor H, as in scikit-learn.
    topic_word_, doc_topic_, feature_names_, term_frequency_, doc_ids_, labels_, estimator_
        As in :class:`LDA`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
    >>> NMF(2, random_state=0).fit(X).doc_topic_.sum(axis=1).round(6).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """

    _SCALAR_STATE = ("n_components_", "n_iter_", "reconstruction_err_")

    def __init__(
        self,
        n_components: int = 10,
        *,
        init: str = "nndsvda",
        solver: str = "cd",
        beta_loss: str = "frobenius",
        alpha_W: float = 0.0,
        alpha_H: float | str = "same",
        l1_ratio: float = 0.0,
        max_iter: int = 400,
        tol: float = 1e-4,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    _SKLEARN = _SkNMF


_MODELS: dict[str, type[_TopicModel]] = {"lda": LDA, "nmf": NMF}
_CLASSES: dict[str, type[_TopicModel]] = {cls.__name__: cls for cls in _MODELS.values()}


def make_model(method: str, n_components: int, **params: Any) -> LDA | NMF:
    """Return an unfitted :class:`LDA` (``method="lda"``) or :class:`NMF` (``"nmf"``).

    ``"gibbs"`` gives a :class:`corpus_tools.gibbs.GibbsLDA` (tomotopy).

    Examples
    --------
    >>> make_model("nmf", 5, random_state=0)
    NMF(n_components=5, random_state=0)
    """
    if method == "gibbs":  # deferred: corpus_tools.gibbs builds on this module
        from .gibbs import GibbsLDA

        _MODELS.setdefault("gibbs", GibbsLDA)
    if method not in _MODELS:
        raise TopicModelError(f"method must be one of {sorted(_MODELS)}, got {method!r}")
    if isinstance(n_components, bool) or not isinstance(n_components, int | np.integer):
        raise TopicModelError(f"the number of topics must be an integer, got {n_components!r}")
    if n_components < 2:
        raise TopicModelError(f"the number of topics must be at least 2, got {n_components}")
    model = _MODELS[method](n_components=n_components)
    unknown = sorted(set(params) - set(model.get_params()))
    if unknown:
        raise TopicModelError(f"unknown {method} parameter(s): {', '.join(unknown)}")
    return model.set_params(**params)


# ---- persistence --------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers, for JSON."""
    return value.item() if isinstance(value, np.generic) else value


def save(
    model: _TopicModel,
    directory: str | Path,
    *,
    config: Mapping[str, Any] | None = None,
    corpus_manifest_hash: str | None = None,
) -> Path:
    """Save a fitted model to ``directory`` as ``model.json`` + ``arrays.npz``.

    The format holds no pickled objects: JSON for parameters, names and provenance, a
    NumPy ``.npz`` of plain numeric arrays for the fitted matrices, and the sha256 of the
    arrays file so that :func:`load` notices changes.

    Parameters
    ----------
    model : LDA or NMF
        A fitted model.
    directory : str or Path
        Created if needed; existing model files in it are replaced.
    config : mapping, optional
        The JSON-serialisable text preparation config used to build the matrix.
    corpus_manifest_hash : str, optional
        Identifies the corpus the model was fitted on.

    Returns
    -------
    Path
        The folder.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> model = NMF(2, random_state=0).fit(np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0]]))
    >>> folder = save(model, tempfile.mkdtemp())
    >>> sorted(p.name for p in folder.iterdir())
    ['arrays.npz', 'model.json']
    """
    # Online and Gibbs models share _TopicModel but not this format (their state differs).
    if not isinstance(model, _TopicModel) or type(model).__name__ not in _CLASSES:
        raise TopicModelError(f"save expects an LDA or NMF model, got {type(model).__name__}")
    check_is_fitted(model)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    est = model.estimator_
    arrays = {name: np.asarray(getattr(est, name)) for name in model._ARRAY_STATE}
    arrays["doc_topic_"] = model.doc_topic_
    arrays["term_frequency_"] = model.term_frequency_
    np.savez(directory / ARRAYS_FILE, **arrays)
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "class": type(model).__name__,
        "params": model.get_params(),
        "corpus_tools_version": __version__,
        "sklearn_version": sklearn.__version__,
        "preparation_config": config,
        "corpus_manifest_hash": corpus_manifest_hash,
        "feature_names": list(model.feature_names_),
        "doc_ids": None if model.doc_ids_ is None else list(model.doc_ids_),
        "labels": list(model.labels_),
        "estimator_state": {name: _plain(getattr(est, name)) for name in model._SCALAR_STATE},
        "arrays_sha256": file_sha256(directory / ARRAYS_FILE),
    }
    try:
        text = json.dumps(meta, indent=1, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise TopicModelError(f"the preparation config is not JSON-serialisable: {exc}") from exc
    (directory / MODEL_FILE).write_text(text, encoding="utf-8")
    return directory


def _read_meta(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ModelFileError(f"{path}: missing; not a saved topic model folder")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: not a valid model description ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path}: not a corpus_tools topic model description")
    if not isinstance(meta.get("format_version"), int) or meta["format_version"] < 1:
        raise ModelFileError(f"{path}: bad format_version {meta.get('format_version')!r}")
    known = {
        "format", "format_version", "class", "params", "corpus_tools_version",
        "sklearn_version", "preparation_config", "corpus_manifest_hash", "feature_names",
        "doc_ids", "labels", "estimator_state", "arrays_sha256",
    }  # fmt: skip
    unknown = sorted(set(meta) - known)
    if unknown:
        warnings.warn(
            f"{path}: ignoring unknown entries {unknown} (written by a newer corpus_tools?)",
            UserWarning,
            stacklevel=3,
        )
    return meta


_Shape = tuple[int | None, ...]  # expected array shape; None: any length


def _read_arrays(
    path: Path, expected_sha256: Any, shapes: Mapping[str, _Shape]
) -> dict[str, np.ndarray]:
    """Read the arrays named in ``shapes`` (only those) from the model's ``.npz``.

    Each member's ``.npy`` header is checked before anything is allocated: a numeric
    dtype, the expected shape, and a size the member can hold (a header can claim
    terabytes). Float arrays must be finite.
    """
    if not path.is_file():
        raise ModelFileError(f"{path}: missing; the model folder is incomplete")
    if file_sha256(path) != expected_sha256:
        raise ModelFileError(f"{path}: checksum mismatch; the file was changed or damaged")
    arrays = {}
    try:
        with zipfile.ZipFile(path) as npz:
            for name, shape in shapes.items():
                arrays[name] = _read_member(npz, name, shape)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise ModelFileError(f"{path}: cannot read the model arrays ({exc})") from None
    return arrays


def _read_member(npz: zipfile.ZipFile, name: str, shape: _Shape) -> np.ndarray:
    try:
        info = npz.getinfo(f"{name}.npy")
    except KeyError:
        raise ValueError(f"array {name!r} is missing") from None
    with npz.open(info) as handle:
        version = np.lib.format.read_magic(handle)
        header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        found, fortran, dtype = header(handle)
        if dtype.kind not in "fiu":
            raise ValueError(f"array {name!r} is not numeric ({dtype})")
        if len(found) != len(shape) or any(
            want is not None and got != want for got, want in zip(found, shape, strict=True)
        ):
            raise ValueError(f"array {name!r} has shape {found}, expected {shape}")
        n_bytes = int(np.prod(found, dtype=np.float64)) * dtype.itemsize
        if n_bytes > info.file_size:
            raise ValueError(
                f"array {name!r} claims {n_bytes} bytes in a {info.file_size}-byte member"
            )
        data = handle.read(n_bytes)
    if len(data) != n_bytes:
        raise ValueError(f"array {name!r} is truncated")
    array = np.frombuffer(data, dtype=dtype).reshape(found, order="F" if fortran else "C")
    if dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"array {name!r} holds NaN or infinite values")
    return array.copy()  # writeable, and owns its memory


def _expected_shapes(
    cls: type[_TopicModel], model: _TopicModel, meta: dict[str, Any]
) -> dict[str, _Shape]:
    """The shape of every saved array, from model.json (checked before reading them)."""
    names, doc_ids = meta.get("feature_names"), meta.get("doc_ids")
    if not isinstance(names, list):
        raise ValueError("'feature_names' must be a list")
    if doc_ids is not None and not isinstance(doc_ids, list):
        raise ValueError("'doc_ids' must be a list or null")
    k = model.n_components
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"'n_components' must be a positive integer, got {k!r}")
    shapes: dict[str, _Shape] = {name: (k, len(names)) for name in cls._ARRAY_STATE}
    shapes["doc_topic_"] = (None if doc_ids is None else len(doc_ids), k)
    shapes["term_frequency_"] = (len(names),)
    return shapes


def _model_params(cls: type[_TopicModel], params: Any, path: Path) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise ModelFileError(f"{path}: 'params' must be an object")
    allowed = cls().get_params()
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        warnings.warn(f"{path}: ignoring unknown parameters {unknown}", UserWarning, stacklevel=3)
    return {k: v for k, v in params.items() if k in allowed}


def load(directory: str | Path) -> _TopicModel:
    """Load a model saved with :func:`save`.

    Only plain JSON and numeric arrays are read (``allow_pickle=False``); nothing in the
    folder is executed. Entries written by a newer version are ignored with a warning.

    Parameters
    ----------
    directory : str or Path

    Returns
    -------
    LDA or NMF
        The fitted model; ``transform`` gives the same output as before saving. The
        provenance is in ``model.provenance_`` (``preparation_config``,
        ``corpus_manifest_hash``, ``corpus_tools_version``, ``sklearn_version``).

    Raises
    ------
    ModelFileError
        Naming the file when it is missing, malformed, changed since saving or
        inconsistent.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0]])
    >>> model = NMF(2, random_state=0).fit(X)
    >>> again = load(save(model, tempfile.mkdtemp()))
    >>> bool((again.transform(X) == model.transform(X)).all())
    True
    """
    directory = Path(directory)
    meta_path = directory / MODEL_FILE
    meta = _read_meta(meta_path)
    cls = _CLASSES.get(meta.get("class"))  # a fixed allow-list, never an import by name
    if cls is None:
        raise ModelFileError(f"{meta_path}: unknown model class {meta.get('class')!r}")
    model = cls(**_model_params(cls, meta.get("params"), meta_path))
    if meta.get("sklearn_version") != sklearn.__version__:
        warnings.warn(
            f"{meta_path}: saved with scikit-learn {meta.get('sklearn_version')}, running "
            f"{sklearn.__version__}; transform results may differ slightly",
            UserWarning,
            stacklevel=2,
        )
    try:
        shapes = _expected_shapes(cls, model, meta)
    except ValueError as exc:
        raise ModelFileError(f"{meta_path}: {exc}") from None
    arrays = _read_arrays(directory / ARRAYS_FILE, meta.get("arrays_sha256"), shapes)
    try:
        _restore(model, meta, arrays)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{meta_path}: inconsistent with {ARRAYS_FILE} ({exc})") from exc
    return model


def _restore(model: _TopicModel, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    names = np.asarray([str(n) for n in meta["feature_names"]], dtype=object)
    estimator = model._make_estimator()
    for name in model._ARRAY_STATE:
        if arrays[name].shape != (model.n_components, len(names)):
            raise ValueError(f"{name} has shape {arrays[name].shape}")
        setattr(estimator, name, arrays[name])
    state = meta["estimator_state"]
    for name in model._SCALAR_STATE:
        setattr(estimator, name, state[name])
    estimator.n_features_in_ = len(names)
    doc_ids = meta.get("doc_ids")
    doc_topic = arrays["doc_topic_"]
    if doc_topic.ndim != 2 or doc_topic.shape[1] != model.n_components:
        raise ValueError(f"doc_topic_ has shape {doc_topic.shape}")
    model._set_fitted(
        estimator,
        names,
        term_frequency=arrays["term_frequency_"],
        doc_ids=_as_doc_ids(doc_ids, len(doc_topic)),
    )
    model.doc_topic_ = doc_topic
    model.provenance_ = {
        key: meta.get(key)
        for key in (
            "preparation_config",
            "corpus_manifest_hash",
            "corpus_tools_version",
            "sklearn_version",
        )
    }


# ---- from a corpus to a matrix ------------------------------------------------------------
@dataclass(frozen=True)
class TopicInput:
    """A corpus prepared for topic modelling by :func:`corpus_matrix`."""

    X: sp.csr_matrix
    feature_names: np.ndarray
    texts: list[list[str]]
    doc_ids: np.ndarray
    config: dict[str, Any]
    n_duplicates: int
    n_without_text: int
    corpus_manifest_hash: str | None = None

    def summary(self) -> str:
        """One line: documents and terms used, documents left out."""
        return (
            f"{self.X.shape[0]} documents x {self.X.shape[1]} terms; left out "
            f"{self.n_duplicates} duplicates and {self.n_without_text} documents without text"
        )


def _language_codes(corpus: pd.DataFrame) -> pd.Series:
    """Each document's language as a plain ISO 639-1 code (``en-US`` -> ``en``)."""
    if "language" not in corpus.columns:
        return pd.Series(pd.NA, index=corpus.index, dtype=object)
    return corpus["language"].map(declared_language, na_action="ignore")


def canonical_documents(
    corpus: pd.DataFrame, language: str | None = None
) -> tuple[pd.DataFrame, int, int]:
    """The documents a topic model sees, and how many were left out.

    One rule for the in-memory, streaming and Dask paths: documents in ``language`` (codes
    normalised, so ``en-US`` counts as ``en``; the returned ``language`` column holds the
    plain codes), without exact or near duplicates (``duplicate_of`` set) and without
    documents that have no text.

    Returns
    -------
    tuple of (pandas.DataFrame, int, int)
        The documents, the number of duplicates and of documents without text left out.

    Examples
    --------
    >>> corpus = pd.DataFrame({"doc_id": ["a", "b", "c"], "language": ["en-US", "en", "pl"],
    ...                        "text": ["x", "y", "z"], "duplicate_of": [None, "a", None]})
    >>> docs, n_dup, n_no_text = canonical_documents(corpus, "en")
    >>> docs["doc_id"].tolist(), docs["language"].tolist(), n_dup, n_no_text
    (['a'], ['en'], 1, 0)
    """
    codes = _language_codes(corpus)
    if language is not None:
        keep = (codes == declared_language(language)).fillna(False).to_numpy(dtype=bool)
        corpus, codes = corpus[keep], codes[keep]
    is_duplicate = corpus["duplicate_of"].notna().to_numpy()
    no_text = corpus["text"].isna().to_numpy() & ~is_duplicate
    kept = ~is_duplicate & ~no_text
    docs = corpus[kept]
    if "language" in docs.columns:  # the preprocessor chooses stopwords by the plain code
        docs = docs.assign(language=codes[kept])
    return docs, int(is_duplicate.sum()), int(no_text.sum())


def corpus_matrix(
    corpus: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    *,
    language: str | None = None,
) -> TopicInput:
    """Prepare a corpus's canonical documents with :mod:`corpus_tools.text`.

    Exact or near duplicates (``duplicate_of`` set) and documents without text are left
    out; their numbers are in the result.

    Parameters
    ----------
    corpus : pandas.DataFrame
        A corpus (see :mod:`corpus_tools.schema`).
    config : mapping, optional
        A preparation config (:func:`corpus_tools.text.prepare_config`); default settings
        when omitted.
    language : str, optional
        Keep only documents in this language (topic models are monolingual); codes such
        as ``en-US`` are normalised. Without it, documents in several languages give a
        ``UserWarning``.

    Returns
    -------
    TopicInput
        The count matrix, its terms, the token lists (phrases joined, for coherence), the
        ``doc_id`` of each row, the full preparation config, the left-out counts and the
        corpus manifest hash (when the corpus was read by
        :func:`corpus_tools.io.read_corpus`).

    Examples
    --------
    >>> corpus = pd.DataFrame({"doc_id": ["a", "b"], "language": ["en", "en"],
    ...                        "text": ["Missiles were tested.", "A missile test."],
    ...                        "duplicate_of": [None, None]})
    >>> cfg = {"preprocessor": {"protect_entities": False}, "vectorizer": {"max_df": 1.0}}
    >>> corpus_matrix(corpus, cfg).feature_names.tolist()
    ['missile', 'test']
    """
    missing = [c for c in ("doc_id", "text", "duplicate_of") if c not in corpus.columns]
    if missing:
        raise TopicModelError(f"the corpus has no column(s) {', '.join(missing)}")
    docs, n_duplicates, n_without_text = canonical_documents(corpus, language)
    if language is not None and len(docs) + n_duplicates + n_without_text == 0:
        present = ", ".join(sorted(_language_codes(corpus).dropna().unique())) or "none"
        raise TopicModelError(f"no document in language {language!r}; the corpus has: {present}")
    if docs.empty:
        raise TopicModelError("the corpus has no canonical document with text")
    if "language" in docs.columns:
        _warn_mixed_languages(docs["language"])
    pipeline = make_pipeline(config)
    texts = pipeline.named_steps["preprocess"].fit_transform(docs)
    vectorizer = pipeline.named_steps["vectorize"]
    X = vectorizer.fit_transform(texts)
    # Lets `corpus-tools reproduce` report what each notebook modelled (a no-op elsewhere).
    record_model_input(docs["language"] if "language" in docs else [None] * len(docs), X.shape[1])
    return TopicInput(
        X=X,
        feature_names=np.asarray(vectorizer.get_feature_names_out(), dtype=object),
        texts=vectorizer.merge_phrases(texts),
        doc_ids=docs["doc_id"].astype(str).to_numpy(dtype=object),
        config=prepare_config(pipeline),
        n_duplicates=n_duplicates,
        n_without_text=n_without_text,
        corpus_manifest_hash=corpus.attrs.get("corpus_tools", {}).get("manifest_sha256"),
    )


def _warn_mixed_languages(codes: pd.Series) -> None:
    """A topic model of several languages splits topics by language, not by subject."""
    counts = codes.value_counts()
    if len(counts) > 1:
        shares = ", ".join(f"{code} {n}" for code, n in counts.items())
        warnings.warn(
            f"the documents to model span {len(counts)} languages ({shares}); topics will "
            f"split by language: pass language={counts.index[0]!r} (or another) to model one",
            UserWarning,
            stacklevel=3,
        )


@dataclass(frozen=True)
class TopicFit:
    """A topic model fitted to a corpus by :func:`fit_corpus`, with what it was fitted on."""

    model: LDA | NMF
    data: TopicInput
    corpus: pd.DataFrame

    @property
    def topic_columns(self) -> list[str]:
        """Names of the topic-share columns of :meth:`doc_topics`: ``topic_0``, ...."""
        return [f"topic_{k}" for k in range(self.model.components_.shape[0])]

    def doc_topics(self) -> pd.DataFrame:
        """Return one row per modelled document: its metadata and topic shares.

        Rows are in the order of ``model.doc_topic_`` (and ``data.doc_ids``), so the
        table's columns can be passed as groups to :func:`topic_prevalence`.
        """
        meta = [c for c in ("doc_id", "date", "date_precision", "outlet", "language")
                if c in self.corpus.columns]  # fmt: skip
        rows = self.corpus.set_index("doc_id").loc[self.data.doc_ids].reset_index()
        shares = pd.DataFrame(self.model.doc_topic_, columns=self.topic_columns)
        return pd.concat([rows[meta], shares], axis=1)


def fit_corpus(
    corpus: pd.DataFrame,
    k: int,
    *,
    method: str = "lda",
    random_state: int = 0,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
    **params: Any,
) -> TopicFit:
    """Prepare a corpus and fit one topic model to its canonical documents.

    The notebooks' one-liner: :func:`corpus_matrix` followed by :func:`make_model` and
    ``fit`` with the terms and document ids.

    Parameters
    ----------
    corpus : pandas.DataFrame
        A corpus; see ``language`` (topic models are monolingual).
    k : int
        Number of topics.
    method : {"lda", "nmf"}
    random_state : int
    config : mapping, optional
        Preparation config (:func:`corpus_tools.text.prepare_config`).
    language : str, optional
        Model only the documents in this language.
    **params
        More estimator parameters (e.g. ``max_iter``).

    Returns
    -------
    TopicFit

    Examples
    --------
    >>> corpus = pd.DataFrame({"doc_id": list("abcd"), "language": ["en"] * 4,
    ...                        "duplicate_of": [None] * 4,
    ...                        "text": ["missile test launch", "missile launch site",
    ...                                 "trade bridge river", "bridge trade route"]})
    >>> cfg = {"preprocessor": {"protect_entities": False}, "vectorizer": {"max_df": 1.0}}
    >>> fit = fit_corpus(corpus, 2, config=cfg)
    >>> fit.doc_topics().shape
    (4, 4)
    """
    data = corpus_matrix(corpus, config, language=language)
    model = make_model(method, k, random_state=random_state, **params)
    model.fit(data.X, feature_names=data.feature_names, doc_ids=data.doc_ids)
    return TopicFit(model=model, data=data, corpus=corpus)


def load_topic_input(
    corpus_path: str | Path,
    config_path: str | Path | None = None,
    *,
    language: str | None = None,
    backend: str = "local",
) -> TopicInput:
    """Read a corpus and a preparation config file and run :func:`corpus_matrix`.

    Parameters
    ----------
    corpus_path : str or Path
        A corpus file or folder, read with :func:`corpus_tools.io.load_corpus`.
    config_path : str or Path, optional
        A YAML or JSON preparation config (:func:`corpus_tools.text.prepare_config`).
    language : str, optional
        Keep only documents in this language (topic models are monolingual).
    backend : {"local", "dask"}, default="local"
        ``"dask"`` prepares the documents on a Dask cluster
        (:func:`corpus_tools.backends.corpus_matrix`); the result is the same.

    Returns
    -------
    TopicInput
    """
    config = None
    if config_path is not None:
        try:
            config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise TopicModelError(f"{config_path}: cannot read the config ({exc})") from exc
        if not isinstance(config, dict):
            raise TopicModelError(f"{config_path}: the config must be a mapping")
    try:
        if backend != "local":
            from .backends import corpus_matrix as cluster_matrix  # deferred: imports this

            return cluster_matrix(corpus_path, config, language=language, backend=backend)
        return corpus_matrix(load_corpus(corpus_path), config, language=language)
    except TopicModelError as exc:
        raise TopicModelError(f"{corpus_path}: {exc}") from None


def parse_ks(spec: str) -> list[int]:
    """Parse a list of topic numbers: ``"12"``, ``"5:40:5"`` (stop included) or ``"5,10,20"``.

    Examples
    --------
    >>> parse_ks("5:20:5"), parse_ks("4,8"), parse_ks("12")
    ([5, 10, 15, 20], [4, 8], [12])
    """
    try:
        if ":" in spec:
            parts = [int(p) for p in spec.split(":")]
            if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] < 1):
                raise ValueError
            start, stop, step = (*parts, 1) if len(parts) == 2 else parts
            ks = list(range(start, stop + 1, step))
        else:
            ks = [int(p) for p in spec.split(",")]
    except ValueError:
        raise TopicModelError(
            f"bad topic numbers {spec!r}; use e.g. 12, 5:40:5 or 5,10,20"
        ) from None
    if not ks or min(ks) < 2 or len(set(ks)) != len(ks):
        raise TopicModelError(f"bad topic numbers {spec!r}: need distinct integers >= 2")
    return ks


# ---- choosing K ---------------------------------------------------------------------------
def _holdout_split(n_docs: int, holdout: float, random_state: int) -> tuple[np.ndarray, ...]:
    """Fixed seeded split of document rows into (train, test), both sorted."""
    order = np.random.default_rng(random_state).permutation(n_docs)
    n_test = _n_test(n_docs, holdout)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _n_test(n_docs: int, holdout: float) -> int:
    return max(1, round(holdout * n_docs))


def _score_one(
    method: str,
    k: int,
    seed: int,
    X_train: sp.csr_matrix,
    X_test: sp.csr_matrix | None,
    names: np.ndarray,
    texts: _EncodedTexts | None,
    top_n: int,
    params: Mapping[str, Any],
    in_text_order: bool,
) -> tuple[dict[str, Any], np.ndarray]:
    """Fit one model and score it; runs inside a joblib worker."""
    # Sequential inside the task: under joblib's Dask backend scikit-learn's inner
    # Parallel(n_jobs=1) would otherwise go through Dask and LDA's perplexity would change.
    with threadpool_limits(1), parallel_config(backend="sequential"):
        model = make_model(method, k, random_state=seed, **params)
        start = time.perf_counter()
        model.fit(X_train, feature_names=names, **({"texts": texts} if in_text_order else {}))
        fit_seconds = time.perf_counter() - start
        topics = model.top_terms_lists(top_n)
        row: dict[str, Any] = {"k": k, "seed": seed, "method": method}
        for measure in ("c_npmi", "c_v", "u_mass"):
            row[measure] = np.nan if texts is None else texts.coherence(topics, measure)
        row["diversity"] = topic_diversity(
            model.top_terms_lists(DIVERSITY_TOP_N), top_n=DIVERSITY_TOP_N
        )
        row["perplexity"] = np.nan if X_test is None else model.perplexity(X_test)
        row["fit_seconds"] = fit_seconds
    return row, model.topic_word_


def _check_select_args(
    ks: Iterable[int],
    seeds: Iterable[int],
    method: str,
    params: Mapping[str, Any],
    holdout: float,
    n_docs: int,
) -> tuple[list[int], list[int]]:
    ks, seeds = [int(k) for k in ks], [int(s) for s in seeds]
    if not ks or min(ks) < 2 or len(set(ks)) != len(ks):
        raise TopicModelError(f"ks must be distinct integers >= 2, got {ks}")
    if not seeds or len(set(seeds)) != len(seeds):
        raise TopicModelError(f"seeds must be distinct integers, got {seeds}")
    fixed = sorted({"n_components", "random_state"} & set(params))
    if fixed:
        raise TopicModelError(f"model_params cannot set {fixed}; they come from ks and seeds")
    make_model(method, 2, **params)  # checks the method and parameters before any work
    if not 0.0 <= holdout < 1.0 or (holdout > 0 and _n_test(n_docs, holdout) >= n_docs):
        raise TopicModelError(f"holdout {holdout} must be in [0, 1) and leave documents to fit")
    return ks, seeds


def select_k(
    X: Any,
    ks: Iterable[int],
    seeds: Iterable[int] = (0, 1, 2),
    *,
    method: str = "lda",
    texts: Sequence[Sequence[str]] | None = None,
    feature_names: Sequence[str] | None = None,
    top_n: int = 10,
    holdout: float = 0.1,
    n_jobs: int = 1,
    progress: bool = False,
    random_state: int = 0,
    model_params: Mapping[str, Any] | None = None,
    backend: str = "local",
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Fit a model for every (K, seed) and score it, to help choose the number of topics.

    Models run in parallel (joblib, loky processes), each single-threaded, so the result
    is the same for any ``n_jobs``.

    Parameters
    ----------
    X : sparse matrix, ndarray or DataFrame of shape (n_docs, n_terms)
        The document-term matrix.
    ks : iterable of int
        Numbers of topics to try.
    seeds : iterable of int, default=(0, 1, 2)
        ``random_state`` of the models; one model per K and seed.
    method : {"lda", "nmf", "gibbs"}, default="lda"
        ``"gibbs"``: :class:`corpus_tools.gibbs.GibbsLDA` (tomotopy), no perplexity; when
        ``texts`` are the tokens ``X`` counts, its sampler visits them in text order (see
        :meth:`GibbsLDA.fit <corpus_tools.gibbs.GibbsLDA.fit>`).
    texts : sequence of token lists, optional
        The prepared documents (the reference corpus for coherence). Without them the
        coherence columns are NaN.
    feature_names : sequence of str, optional
        The terms of ``X``; needed for coherence unless ``X`` is a DataFrame.
    top_n : int, default=10
        Top terms per topic used for coherence. Diversity always uses the top 25.
    holdout : float, default=0.1
        For LDA, the share of documents held out (a fixed split seeded by
        ``random_state``): models are fitted on the rest and ``perplexity`` is computed on
        the held-out documents. 0 fits on everything and gives NaN perplexity. Ignored
        for NMF, which always fits on all documents.
    n_jobs : int, default=1
        Parallel worker processes.
    progress : bool, default=False
        Show a tqdm progress bar.
    random_state : int, default=0
        Seed of the held-out split.
    model_params : mapping, optional
        Further parameters of :class:`LDA` or :class:`NMF` (e.g. ``{"max_iter": 20}``).
    backend : {"local", "dask"}, default="local"
        ``"dask"`` runs the fits as tasks of a Dask cluster (joblib's Dask backend; see
        :mod:`corpus_tools.backends`); ``n_jobs`` is then the cluster's. Same table.
    scheduler : str, optional
        Address of a running Dask scheduler; default: an embedded LocalCluster.

    Returns
    -------
    pandas.DataFrame
        One row per (k, seed), sorted by k then seed, with columns ``k, seed, method,
        c_npmi, c_v, u_mass, diversity, perplexity, stability, fit_seconds``.
        ``stability`` is per K (the same on each row of that K): the mean best-match
        similarity of topic-term vectors across seeds after Hungarian matching (Greene et
        al. 2014); NaN with a single seed. For NMF with several seeds the models start
        from a seeded random initialisation (``init="random"``) unless ``model_params``
        sets ``init``; a deterministic ``init`` (NNDSVD) gives NaN stability and a
        warning, since its models hardly depend on the seed. ``fit_seconds`` is
        wall-clock time and the only column that varies between identical runs.

    Raises
    ------
    TopicModelError
        For a DataFrame that is not a document-term matrix (e.g. a corpus) and for a K
        above min(n_docs, n_terms) of the (training) matrix, with the fix.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).poisson(1.0, size=(40, 12))
    >>> table = select_k(X, [2, 3], seeds=[0, 1], holdout=0.2)
    >>> table[["k", "seed"]].to_numpy().tolist()
    [[2, 0], [2, 1], [3, 0], [3, 1]]
    """
    X, names = _as_dtm(X, feature_names)
    params = dict(model_params or {})
    ks, seeds = _check_select_args(ks, seeds, method, params, holdout, X.shape[0])
    if texts is not None and len(texts) != X.shape[0]:
        raise TopicModelError(f"{len(texts)} texts for {X.shape[0]} documents")
    # Encoded once here: as arrays the texts reach the workers memory-mapped instead of
    # being pickled again for every task.
    encoded = None if texts is None else _EncodedTexts.encode(texts, names)
    X_train, X_test = X, None
    if method == "lda" and holdout > 0:
        train, test = _holdout_split(X.shape[0], holdout, random_state)
        X_train, X_test = X[train], X[test]
    _check_k(max(ks), *X_train.shape)
    stable = _seeded_nmf(method, params, len(seeds))
    # Largest K first (a fit's time grows with K), so that the last tasks are short ones and
    # no worker waits long for the others; the table keeps the (k, seed) order.
    tasks = sorted(((k, seed) for k in ks for seed in seeds), key=lambda task: -task[0])
    # Gibbs LDA visits the tokens in text order when the texts are what X counts (the model
    # tomotopy fits from the texts); LDA and NMF see only the counts.
    ordered = method == "gibbs" and encoded is not None and encoded.counts_equal(X)
    jobs = (
        delayed(_score_one)(
            method, k, seed, X_train, X_test, names, encoded, top_n, params, ordered
        )
        for k, seed in tasks
    )
    from .backends import joblib_parallel  # deferred: backends imports this module

    with joblib_parallel(backend, scheduler, n_jobs) as parallel:
        results = Parallel(**parallel, return_as="generator")(jobs)
        results = list(tqdm(results, total=len(tasks), desc="topic models", disable=not progress))
    results.sort(key=lambda result: (ks.index(result[0]["k"]), seeds.index(result[0]["seed"])))
    by_k: dict[int, list[np.ndarray]] = {}
    for row, topic_word in results:
        by_k.setdefault(row["k"], []).append(topic_word)
    stability = {
        k: topic_stability(models) if len(models) > 1 and stable else np.nan
        for k, models in by_k.items()
    }
    rows = [{**row, "stability": stability[row["k"]]} for row, _ in results]
    return pd.DataFrame(rows, columns=list(SELECT_COLUMNS))


def _seeded_nmf(method: str, params: dict[str, Any], n_seeds: int) -> bool:
    """Whether seeds change the models, so that stability across seeds means something.

    NMF's default start (NNDSVDa) hardly depends on the seed: with several seeds and no ``init``
    given, ``init="random"`` is used. An explicit deterministic ``init`` gives NaN.
    """
    if method != "nmf" or n_seeds < 2:
        return True
    if "init" not in params:
        params["init"] = "random"
    if params["init"] in ("nndsvd", "nndsvda"):
        warnings.warn(
            f"NMF with init={params['init']!r} hardly depends on the seed, so stability "
            "across seeds is not applicable (NaN); use init='random' to measure it",
            UserWarning,
            stacklevel=3,
        )
        return False
    return True


def choose_k(scores: pd.DataFrame, *, measure: str = "c_npmi", stability: str = "stability") -> int:
    """Choose K from a :func:`select_k` table: the most stable K near the best coherence.

    The rule, stated once here so notebooks and papers cite the same thing (a one-
    standard-error rule in the spirit of Breiman et al. 1984): average ``measure`` over
    the seeds of each K; the candidates are the K whose mean is within one standard error
    (over seeds) of the best mean; among them the K with the highest ``stability`` wins,
    and a tie goes to the smaller K.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per (k, seed), as returned by :func:`select_k`, at least two seeds per K.
    measure : str, default="c_npmi"
        The coherence column (higher is better).
    stability : str, default="stability"
        The stability column (higher is better; the same on every row of a K).

    Returns
    -------
    int
        The chosen number of topics.

    Examples
    --------
    >>> table = pd.DataFrame({"k": [4, 4, 8, 8, 12, 12], "seed": [0, 1] * 3,
    ...                       "c_npmi": [0.10, 0.12, 0.11, 0.13, 0.02, 0.04],
    ...                       "stability": [0.7, 0.7, 0.9, 0.9, 0.95, 0.95]})
    >>> choose_k(table)
    8
    """
    missing = [c for c in ("k", measure, stability) if c not in scores.columns]
    if missing:
        raise TopicModelError(f"the score table has no column(s) {', '.join(missing)}")
    by_k = scores.groupby("k").agg(
        mean=(measure, "mean"), se=(measure, "sem"), n=(measure, "count"),
        stability=(stability, "mean"),
    )  # fmt: skip
    if (
        by_k.empty
        or (by_k["n"] < 2).any()
        or by_k[["mean", "se", "stability"]].isna().to_numpy().any()
    ):
        raise TopicModelError(
            f"choose_k needs {measure} and {stability} from at least two seeds for every K; "
            "run select_k with seeds=(0, 1, 2)"
        )
    best = by_k["mean"].idxmax()
    candidates = by_k[by_k["mean"] >= by_k.loc[best, "mean"] - by_k.loc[best, "se"]]
    top = candidates[candidates["stability"] == candidates["stability"].max()]
    return int(top.index.min())
