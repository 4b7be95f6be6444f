"""Bounded-memory topic modelling: corpus chunks, a two-pass vocabulary, online models.

The in-memory path (:func:`corpus_tools.topics.corpus_matrix` then ``LDA().fit``) holds
every text, token list and the whole count matrix at once. For corpora of 10^5-10^6
documents this module does the same work chunk by chunk:

1. :func:`iter_corpus_chunks` reads a saved Parquet corpus a chunk of rows at a time
   (row group by row group), only the columns needed, after checking its manifest sha256.
2. :func:`stream_matrix` prepares each chunk once with the configured
   :class:`~corpus_tools.text.Preprocessor`, spills the token lists to a temporary Parquet
   file and counts document frequencies (pass 1); the vocabulary follows the same
   ``min_df`` / ``max_df`` / ``max_features`` rules as the in-memory
   :class:`~corpus_tools.text.Vectorizer`, so it is the same vocabulary. Pass 2
   (:meth:`StreamedCorpus.iter_X`) yields one count matrix per chunk.
3. :class:`OnlineLDA` (scikit-learn's online variational Bayes) and :class:`OnlineNMF`
   (scikit-learn's ``MiniBatchNMF``) learn from those chunks with ``partial_fit``;
   :func:`fit_stream` runs the passes.

Memory is bounded by the chunk size and the vocabulary, not by the number of documents
(the document ids, one short string per document, are kept). Online learning finds a
different optimum than batch learning: use the in-memory path when the corpus fits, and
compare the two on a sample when it does not (the tests state the agreement measured).
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp
from sklearn.decomposition import LatentDirichletAllocation, MiniBatchNMF
from threadpoolctl import threadpool_limits

from .datasets import file_sha256
from .io import CorpusIntegrityError, _read_manifest, corpus_manifest_hash
from .text import PreparationError, make_pipeline, prepare_config
from .topics import TopicInput, TopicModelError, _as_dtm, _TopicModel, canonical_documents

__all__ = [
    "OnlineLDA",
    "OnlineNMF",
    "StreamedCorpus",
    "fit_stream",
    "iter_corpus_chunks",
    "stream_matrix",
]

#: The columns the topic path reads; the rest of a corpus row is never loaded.
TOPIC_COLUMNS = ("doc_id", "language", "text", "duplicate_of")
DEFAULT_CHUNK_SIZE = 10_000


# ---- reading ------------------------------------------------------------------------------
def _verify(path: Path) -> None:
    """Check a saved corpus against its manifest without loading it (as ``read_corpus``)."""
    expected = _read_manifest(path).get("parquet", {}).get("sha256")
    if file_sha256(path) != expected:
        raise CorpusIntegrityError(
            f"{path}: sha256 does not match its manifest; the file changed after it was saved"
        )


def iter_corpus_chunks(
    path: str | Path,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    columns: Sequence[str] = TOPIC_COLUMNS,
    verify: bool = True,
) -> Iterator[pd.DataFrame]:
    """Yield a corpus saved by :func:`corpus_tools.io.save_corpus` in chunks of rows.

    Parameters
    ----------
    path : str or Path
        The ``.parquet`` file (with its manifest when ``verify``).
    chunk_size : int, default 10000
        Rows per chunk (the last may be shorter). Parquet is read row group by row group,
        so memory holds one row group and one chunk.
    columns : sequence of str
        Columns to read.
    verify : bool, default True
        Check the file's sha256 against its manifest first, as
        :func:`corpus_tools.io.read_corpus` does.

    Yields
    ------
    pandas.DataFrame
        The next ``chunk_size`` rows, in file order.

    Raises
    ------
    CorpusIntegrityError
        When the file does not match its manifest.
    TopicModelError
        When ``chunk_size`` is below 1 or a column is missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from corpus_tools.io import save_corpus
    >>> from corpus_tools.schema import coerce_corpus
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.parquet"
    >>> df = coerce_corpus(pd.DataFrame({"doc_id": list("abc"), "text": ["x", "y", "z"]}))
    >>> _ = save_corpus(df, out)
    >>> [len(chunk) for chunk in iter_corpus_chunks(out, chunk_size=2)]
    [2, 1]
    """
    path = Path(path)
    if chunk_size < 1:
        raise TopicModelError(f"chunk_size must be at least 1, got {chunk_size}")
    if verify:
        _verify(path)
    parquet = pq.ParquetFile(path)
    missing = [c for c in columns if c not in parquet.schema_arrow.names]
    if missing:
        raise TopicModelError(f"{path}: the corpus has no column(s) {', '.join(missing)}")
    for batch in parquet.iter_batches(batch_size=chunk_size, columns=list(columns)):
        yield batch.to_pandas()


# ---- preparing and counting ---------------------------------------------------------------
def _doc_count_bound(value: float, n_docs: int) -> float:
    """A ``min_df`` / ``max_df`` as a document count, as scikit-learn reads it."""
    return value if isinstance(value, Integral) else value * n_docs


def _vocabulary(
    df: Counter[str], tf: Counter[str], n_docs: int, params: Mapping[str, Any]
) -> list[str]:
    """The terms :class:`~corpus_tools.text.Vectorizer` keeps, in column (sorted) order.

    The same rules in the same order as scikit-learn's ``CountVectorizer``: drop terms
    outside ``[min_df, max_df]`` documents, then keep the ``max_features`` most frequent,
    choosing among ties with the same ``argsort`` on the same sorted arrays. ``df`` and
    ``tf`` count the token lists as counted (phrases joined, if any).
    """
    high = _doc_count_bound(params["max_df"], n_docs)
    low = _doc_count_bound(params["min_df"], n_docs)
    if high < low:
        raise PreparationError(
            "cannot build the vocabulary: max_df corresponds to < documents than min_df"
        )
    terms = np.asarray(sorted(df), dtype=object)
    dfs = np.fromiter((df[t] for t in terms), dtype=np.int64, count=len(terms))
    keep = (dfs <= high) & (dfs >= low)
    limit = params.get("max_features")
    if limit is not None and keep.sum() > limit:
        tfs = np.fromiter((tf[t] for t in terms), dtype=np.int64, count=len(terms))
        kept = np.flatnonzero(keep)
        keep[:] = False
        keep[kept[(-tfs[kept]).argsort()[:limit]]] = True
    if not keep.any():
        raise PreparationError(
            "cannot build the vocabulary: after pruning, no terms remain; "
            "lower vectorizer.min_df or raise vectorizer.max_df"
        )
    return terms[keep].tolist()


def _term_counts(docs: Iterable[list[str]]) -> tuple[Counter[str], Counter[str]]:
    """Document and token frequency of each term in token lists (summable across chunks)."""
    docs = list(docs)
    return (
        Counter(itertools.chain.from_iterable(map(set, docs))),
        Counter(itertools.chain.from_iterable(docs)),
    )


def _count_matrix(docs: Sequence[list[str]], index: Mapping[str, int]) -> sp.csr_matrix:
    """Count matrix (CSR, int64, sorted indices) of token lists over a term -> column map.

    Equal to ``CountVectorizer.transform`` with that vocabulary: terms outside it are not
    counted.
    """
    indptr, indices = [0], []
    for doc in docs:
        indices.extend(j for j in map(index.get, doc) if j is not None)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.int64)
    X = sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int64), indptr), shape=(len(docs), len(index))
    )
    X.sum_duplicates()  # also sorts the indices, as CountVectorizer's output
    return X


@dataclass
class StreamedCorpus:
    """A corpus prepared by :func:`stream_matrix`: the vocabulary and a spill of token lists.

    Use it as a context manager (or call :meth:`close`) to remove the spill file.
    """

    feature_names: np.ndarray
    doc_ids: np.ndarray
    term_frequency: np.ndarray
    config: dict[str, Any]
    n_duplicates: int
    n_without_text: int
    chunk_size: int
    spill: Path
    corpus_manifest_hash: str | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _n_matrices: int | None = field(default=None, repr=False)  # cached beside the spill

    @property
    def n_docs(self) -> int:
        """Number of modelled documents (rows of the matrix)."""
        return len(self.doc_ids)

    def iter_texts(self) -> Iterator[list[list[str]]]:
        """Yield the prepared token lists chunk by chunk (pass 2 reads only this spill)."""
        for batch in pq.ParquetFile(self.spill).iter_batches(
            batch_size=self.chunk_size, columns=["tokens"]
        ):
            yield batch.column("tokens").to_pylist()

    def iter_X(self) -> Iterator[sp.csr_matrix]:
        """Yield one count matrix (CSR, int64) per chunk, columns in ``feature_names`` order.

        The first complete pass counts the token lists and caches the matrices beside the
        spill file; later passes (an online fit makes several) only read them back.
        """
        if self._n_matrices is not None:
            for i in range(self._n_matrices):
                yield sp.load_npz(self._matrix_file(i))  # our own file; no pickles allowed
            return
        n = 0
        for n, X in enumerate(self._count(), start=1):
            sp.save_npz(self._matrix_file(n - 1), X, compressed=False)
            yield X
        self._n_matrices = n

    def _matrix_file(self, i: int) -> Path:
        return self.spill.with_name(f"X-{i:06d}.npz")

    def _count(self) -> Iterator[sp.csr_matrix]:
        index = {term: j for j, term in enumerate(self.feature_names)}
        for docs in self.iter_texts():
            yield _count_matrix(docs, index)

    def to_topic_input(self) -> TopicInput:
        """The whole corpus in memory, as :func:`~corpus_tools.topics.corpus_matrix` returns it.

        For small corpora and for checking the streaming path against the in-memory one.
        """
        texts = [doc for docs in self.iter_texts() for doc in docs]
        return TopicInput(
            X=sp.vstack(list(self.iter_X()), format="csr"),
            feature_names=self.feature_names,
            texts=texts,
            doc_ids=self.doc_ids,
            config=self.config,
            n_duplicates=self.n_duplicates,
            n_without_text=self.n_without_text,
            corpus_manifest_hash=self.corpus_manifest_hash,
        )

    def close(self) -> None:
        """Remove the spill file (when :func:`stream_matrix` made a temporary one)."""
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stream_matrix(
    corpus: str | Path | Iterable[pd.DataFrame],
    config: Mapping[str, Any] | None = None,
    *,
    language: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    spill_dir: str | Path | None = None,
) -> StreamedCorpus:
    """Prepare a corpus chunk by chunk and build its vocabulary (pass 1 of 2).

    The same documents, preparation and vocabulary as
    :func:`corpus_tools.topics.corpus_matrix`, with memory bounded by ``chunk_size`` and
    the vocabulary: duplicates and documents without text are left out, every chunk is
    prepared once, and its token lists go to a Parquet spill file that
    :meth:`StreamedCorpus.iter_X` reads back.

    Parameters
    ----------
    corpus : str, Path or iterable of DataFrame
        A saved Parquet corpus (read with :func:`iter_corpus_chunks`) or chunks of a
        corpus with the columns ``doc_id``, ``language``, ``text``, ``duplicate_of``.
    config : mapping, optional
        Preparation config (:func:`corpus_tools.text.prepare_config`); the streaming path
        does not learn phrases (``vectorizer.phrases`` must be false).
    language : str, optional
        Keep only documents in this language (topic models are monolingual).
    chunk_size : int, default 10000
        Rows per chunk of a Parquet corpus, and documents per matrix of ``iter_X``.
    spill_dir : str or Path, optional
        Folder for the spill file (default: a temporary folder removed by ``close``).

    Returns
    -------
    StreamedCorpus

    Raises
    ------
    TopicModelError
        When no canonical document with text (in ``language``) is left.
    PreparationError
        When the config asks for phrases or no term survives ``min_df`` / ``max_df``.

    Examples
    --------
    >>> chunk = pd.DataFrame({"doc_id": ["a", "b"], "language": ["en", "en"],
    ...                       "text": ["Missiles were tested.", "A missile test."],
    ...                       "duplicate_of": [None, None]})
    >>> cfg = {"preprocessor": {"protect_entities": False}, "vectorizer": {"max_df": 1.0}}
    >>> with stream_matrix([chunk], cfg) as streamed:
    ...     streamed.feature_names.tolist(), next(streamed.iter_X()).toarray().tolist()
    (['missile', 'test'], [[1, 1], [1, 1]])
    """
    pipeline = make_pipeline(config)
    preprocessor = pipeline.named_steps["preprocess"]
    params = pipeline.named_steps["vectorize"].get_params()
    if params["phrases"]:
        raise PreparationError(
            "the streaming path does not learn phrases; set vectorizer.phrases to false "
            "(or prepare in memory or with the Dask backend)"
        )
    manifest_hash = None
    if isinstance(corpus, str | Path):
        manifest_hash = corpus_manifest_hash(corpus)
        corpus = iter_corpus_chunks(corpus, chunk_size=chunk_size)
    tmp = tempfile.TemporaryDirectory(prefix="corpus-tools-stream-", dir=spill_dir)
    spill = Path(tmp.name) / "tokens.parquet"
    schema = pa.schema([("doc_id", pa.string()), ("tokens", pa.list_(pa.string()))])
    df_counts: Counter[str] = Counter()
    tf_counts: Counter[str] = Counter()
    ids: list[str] = []
    n_dup = n_no_text = 0
    try:
        with pq.ParquetWriter(spill, schema) as writer:
            for chunk in corpus:
                docs, dup, no_text = canonical_documents(chunk, language)
                n_dup, n_no_text = n_dup + dup, n_no_text + no_text
                if docs.empty:
                    continue
                texts = preprocessor.fit_transform(docs)
                df, tf = _term_counts(texts)
                df_counts.update(df)
                tf_counts.update(tf)
                doc_ids = docs["doc_id"].astype(str).tolist()
                ids.extend(doc_ids)
                writer.write_table(pa.table({"doc_id": doc_ids, "tokens": texts}, schema=schema))
        if not ids:
            where = f" in language {language!r}" if language else ""
            raise TopicModelError(f"the corpus has no canonical document with text{where}")
        terms = _vocabulary(df_counts, tf_counts, len(ids), params)
    except BaseException:
        tmp.cleanup()
        raise
    return StreamedCorpus(
        feature_names=np.asarray(terms, dtype=object),
        doc_ids=np.asarray(ids, dtype=object),
        term_frequency=np.asarray([tf_counts[t] for t in terms], dtype=np.int64),
        config=prepare_config(pipeline),
        n_duplicates=n_dup,
        n_without_text=n_no_text,
        chunk_size=chunk_size,
        spill=spill,
        corpus_manifest_hash=manifest_hash,
        _tmp=tmp,
    )


# ---- online models ------------------------------------------------------------------------
class _OnlineModel(_TopicModel):
    """``partial_fit`` on top of the shared fit/transform/labelling of the batch models."""

    def partial_fit(
        self, X: Any, y: None = None, feature_names: Sequence[str] | None = None
    ) -> Self:
        """Update the model with one chunk (mini-batch) of documents.

        The first call fixes the terms; ``doc_topic_`` is not kept (it would grow with
        the corpus): call :meth:`transform` on each chunk instead.

        Parameters
        ----------
        X : sparse matrix or ndarray of shape (n_docs, n_terms)
        y : None
            Ignored.
        feature_names : sequence of str, optional
            The terms; needed on the first call only.

        Returns
        -------
        self
        """
        X, names = _as_dtm(X, feature_names)
        first = not hasattr(self, "estimator_")
        if first:
            estimator = self._make_estimator()
            term_frequency = np.zeros(X.shape[1])
        else:
            estimator, names, term_frequency = (
                self.estimator_,
                self.feature_names_,
                self.term_frequency_,
            )
            if X.shape[1] != len(names):
                raise TopicModelError(
                    f"the chunk has {X.shape[1]} terms; the model was started on {len(names)}"
                )
        with threadpool_limits(1):
            estimator.partial_fit(X)
        term_frequency = term_frequency + np.asarray(X.sum(axis=0)).ravel()
        self._set_fitted(estimator, names, term_frequency=term_frequency, doc_ids=None)
        return self


class OnlineLDA(_OnlineModel):
    """LDA by online variational Bayes (Hoffman et al. 2010), single-threaded.

    Wraps :class:`sklearn.decomposition.LatentDirichletAllocation` with
    ``learning_method="online"`` and ``n_jobs=1``. ``fit`` learns in mini-batches of
    ``batch_size`` over ``max_iter`` passes; ``partial_fit`` (see :func:`fit_stream`) does
    the same updates chunk by chunk, so with chunks that are multiples of ``batch_size``
    and ``total_samples`` equal to the number of documents both give the same model.

    Parameters
    ----------
    n_components : int, default=10
    doc_topic_prior, topic_word_prior : float, optional
        As in :class:`corpus_tools.topics.LDA`.
    learning_decay : float, default=0.7
        Forgetting rate kappa in (0.5, 1].
    learning_offset : float, default=10.0
        Down-weights early iterations (tau_0).
    batch_size : int, default=128
        Documents per update.
    total_samples : int, default=1_000_000
        Number of documents in the corpus (scales the updates); :func:`fit_stream` needs it
        equal to :attr:`StreamedCorpus.n_docs`.
    max_iter : int, default=10
        Passes over the corpus.
    max_doc_update_iter, mean_change_tol, random_state
        As in :class:`corpus_tools.topics.LDA`.

    Attributes
    ----------
    components_, topic_word_, feature_names_, term_frequency_, labels_, estimator_
        As in :class:`corpus_tools.topics.LDA`; ``doc_topic_`` only after :meth:`fit`.

    Examples
    --------
    >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
    >>> lda = OnlineLDA(2, batch_size=2, total_samples=4, random_state=0)
    >>> lda.partial_fit(X[:2], feature_names=["war", "trade", "visit"]).partial_fit(X[2:])
    OnlineLDA(batch_size=2, n_components=2, random_state=0, total_samples=4)
    >>> lda.transform(X).shape
    (4, 2)
    """

    _ARRAY_STATE = ("components_", "exp_dirichlet_component_")
    _SCALAR_STATE = ("doc_topic_prior_", "topic_word_prior_", "n_iter_", "n_batch_iter_")
    _SKLEARN = LatentDirichletAllocation
    _FIXED: ClassVar[dict[str, Any]] = {"learning_method": "online", "n_jobs": 1}

    def __init__(
        self,
        n_components: int = 10,
        *,
        doc_topic_prior: float | None = None,
        topic_word_prior: float | None = None,
        learning_decay: float = 0.7,
        learning_offset: float = 10.0,
        batch_size: int = 128,
        total_samples: int = 1_000_000,
        max_iter: int = 10,
        max_doc_update_iter: int = 100,
        mean_change_tol: float = 1e-3,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.learning_decay = learning_decay
        self.learning_offset = learning_offset
        self.batch_size = batch_size
        self.total_samples = total_samples
        self.max_iter = max_iter
        self.max_doc_update_iter = max_doc_update_iter
        self.mean_change_tol = mean_change_tol
        self.random_state = random_state


class OnlineNMF(_OnlineModel):
    """NMF by mini-batches (Lefèvre et al. 2011; scikit-learn's ``MiniBatchNMF``).

    ``partial_fit`` treats each chunk as one mini-batch; the first chunk initialises the
    topics (``init``), so make it representative (chunks in random order, or a large
    first chunk).

    Parameters
    ----------
    n_components : int, default=10
    init : {"nndsvda", "nndsvd", "nndsvdar", "random"}, default="nndsvda"
    batch_size : int, default=1024
        Documents per update in :meth:`fit`.
    beta_loss : {"frobenius", "kullback-leibler"}, default="frobenius"
    tol : float, default=1e-4
    max_no_improvement : int, default=10
    max_iter : int, default=200
        Passes over the data in :meth:`fit`.
    alpha_W, alpha_H, l1_ratio : float
        Regularisation, as in scikit-learn.
    forget_factor : float, default=0.7
        Weight of past information (1: all batches count equally).
    random_state : int, optional

    Attributes
    ----------
    components_, topic_word_, feature_names_, term_frequency_, labels_, estimator_
        As in :class:`corpus_tools.topics.NMF`; ``doc_topic_`` only after :meth:`fit`.

    Examples
    --------
    >>> X = np.array([[3, 0, 1], [0, 4, 1], [2, 0, 0], [0, 3, 0]])
    >>> nmf = OnlineNMF(2, random_state=0).partial_fit(X[:2]).partial_fit(X[2:])
    >>> nmf.transform(X).sum(axis=1).round(6).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """

    _SCALAR_STATE = ("n_components_", "n_iter_", "n_steps_", "reconstruction_err_")
    _SKLEARN = MiniBatchNMF

    def __init__(
        self,
        n_components: int = 10,
        *,
        init: str = "nndsvda",
        batch_size: int = 1024,
        beta_loss: str = "frobenius",
        tol: float = 1e-4,
        max_no_improvement: int = 10,
        max_iter: int = 200,
        alpha_W: float = 0.0,
        alpha_H: float | str = "same",
        l1_ratio: float = 0.0,
        forget_factor: float = 0.7,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.init = init
        self.batch_size = batch_size
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.max_iter = max_iter
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.forget_factor = forget_factor
        self.random_state = random_state


def fit_stream(
    model: OnlineLDA | OnlineNMF, streamed: StreamedCorpus, *, passes: int | None = None
) -> OnlineLDA | OnlineNMF:
    """Fit an online model with ``partial_fit`` over every chunk of ``streamed``.

    Parameters
    ----------
    model : OnlineLDA or OnlineNMF
        An unfitted model; an :class:`OnlineLDA` needs ``total_samples=streamed.n_docs``.
    streamed : StreamedCorpus
    passes : int, optional
        Passes over the corpus (default: the model's ``max_iter`` for LDA, 1 for NMF).

    Returns
    -------
    The fitted ``model``.

    Examples
    --------
    >>> chunk = pd.DataFrame({"doc_id": list("abcd"), "language": ["en"] * 4,
    ...                       "duplicate_of": [None] * 4,
    ...                       "text": ["missile test launch", "missile launch site",
    ...                                "trade bridge river", "bridge trade route"]})
    >>> cfg = {"preprocessor": {"protect_entities": False}, "vectorizer": {"max_df": 1.0}}
    >>> with stream_matrix([chunk], cfg, chunk_size=2) as streamed:
    ...     lda = OnlineLDA(2, total_samples=streamed.n_docs, random_state=0)
    ...     fit_stream(lda, streamed).components_.shape  # min_df=2: missile, launch, trade, bridge
    (2, 4)
    """
    if hasattr(model, "estimator_"):
        raise TopicModelError("fit_stream needs an unfitted model (it would add to the fit)")
    if isinstance(model, OnlineLDA) and model.total_samples != streamed.n_docs:
        raise TopicModelError(
            f"OnlineLDA(total_samples={model.total_samples}) for {streamed.n_docs} documents; "
            f"pass total_samples={streamed.n_docs}"
        )
    if passes is None:
        passes = model.max_iter if isinstance(model, OnlineLDA) else 1
    for _ in range(passes):
        for X in streamed.iter_X():
            model.partial_fit(X, feature_names=streamed.feature_names)
    # Labels from the corpus's term counts, not the per-pass sums partial_fit accumulated.
    model._set_fitted(
        model.estimator_,
        model.feature_names_,
        term_frequency=streamed.term_frequency.astype(np.float64),
        doc_ids=None,
    )
    return model
