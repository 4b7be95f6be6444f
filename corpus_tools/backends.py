"""Where the work runs: this process (``backend="local"``) or a Dask cluster (``"dask"``).

The Dask backend runs the same calls on a cluster and gives the same results:

- preparation runs on the workers, one task per chunk of documents or per Parquet row
  group, and so does the counting: in pass 1 each partition counts its token lists over
  its own terms and sends only its term frequencies, token lists and ids (for phrases, its
  word-pair counts first); this process sums the frequencies into the vocabulary by
  :class:`~corpus_tools.text.Vectorizer`'s rules (``min_df``, ``max_df``,
  ``max_features``); in pass 2 each partition maps its counts to that vocabulary and this
  process stacks the sparse blocks in corpus order. The result equals
  :func:`corpus_tools.topics.corpus_matrix`'s, the matrix's layout included;
- a model is fitted on one worker, single-threaded with its seed, so it equals the local
  fit bit for bit;
- :func:`corpus_tools.topics.select_k` hands its (K, seed) fits to joblib's Dask backend,
  one single-threaded fit per task, so its table equals the local one (``fit_seconds``
  aside).

Without ``scheduler`` an embedded :class:`distributed.LocalCluster` starts for the call (2
worker processes, 1 thread each) and stops after it; a ``scheduler`` address
(``tcp://host:8786``) uses an existing cluster, whose workers must be able to import
``corpus_tools`` and read the corpus path. Inside ``with dask_client(...)`` every call
reuses that one client.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import scipy.sparse as sp
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from .errors import CorpusToolsError
from .io import corpus_manifest_hash, load_corpus, manifest_path
from .streaming import (
    DEFAULT_CHUNK_SIZE,
    TOPIC_COLUMNS,
    _count_matrix,
    _verify,
    _vocabulary,
    iter_corpus_chunks,
)
from .text import _merge_phrases, _pair_counts, _select_phrases, make_pipeline, prepare_config
from .topics import TopicInput, TopicModelError, canonical_documents

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

__all__ = ["BACKENDS", "BackendError", "corpus_matrix", "dask_client", "fit_model"]

BACKENDS = ("local", "dask")
#: The embedded cluster: two single-threaded worker processes (a laptop's two cores).
LOCAL_WORKERS = 2
#: How long to wait for a scheduler given by address.
CONNECT_TIMEOUT = "10s"


class BackendError(CorpusToolsError, ValueError):
    """An unknown backend, a missing Dask install or an unreachable scheduler."""


def check_backend(backend: str, scheduler: str | None = None) -> None:
    """Refuse an unknown backend, or a scheduler address without ``backend="dask"``.

    Examples
    --------
    >>> check_backend("local")
    >>> check_backend("spark")
    Traceback (most recent call last):
    ...
    corpus_tools.backends.BackendError: backend must be one of local, dask; got 'spark'
    """
    if backend not in BACKENDS:
        raise BackendError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if scheduler is not None and backend != "dask":
        raise BackendError(f"a scheduler ({scheduler}) needs backend='dask'")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise BackendError(
            "backend='dask' needs dask and distributed: pip install 'corpus_tools[dask]'"
        ) from None
    return distributed


@contextmanager
def dask_client(
    scheduler: str | None = None, *, n_workers: int = LOCAL_WORKERS, processes: bool = True
) -> Iterator[Client]:
    """Connect to a Dask scheduler, or start an embedded LocalCluster, for a ``with`` block.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``). Without it: the client already
        current in this process if there is one, else a new LocalCluster.
    n_workers : int, default 2
        Workers of the embedded LocalCluster (each single-threaded).
    processes : bool, default True
        Worker processes (True) or threads of this process (False) in the LocalCluster.

    Yields
    ------
    distributed.Client

    Raises
    ------
    BackendError
        When distributed is not installed or the scheduler cannot be reached.

    Examples
    --------
    >>> with dask_client(processes=False) as client:  # doctest: +SKIP
    ...     len(client.scheduler_info()["workers"])
    2
    """
    distributed = _distributed()
    if scheduler is None:
        try:
            yield distributed.get_client()
            return
        except ValueError:  # no client yet: start the embedded cluster
            pass
        with (
            distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise BackendError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        yield client


# ---- preparation on the workers -----------------------------------------------------------
def _saved_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet" and manifest_path(path).exists()


@lru_cache(maxsize=4)
def _preprocessor(config_json: str) -> Any:
    """One fitted Preprocessor per worker and config (building one loads the lemmatisers)."""
    return make_pipeline(json.loads(config_json)).named_steps["preprocess"].fit()


def _prepare(chunk: pd.DataFrame, config_json: str, language: str | None) -> dict[str, Any]:
    """Prepare one chunk of a corpus on a worker; the counts of what was left out."""
    docs, n_dup, n_no_text = canonical_documents(chunk, language)
    texts = _preprocessor(config_json).transform(docs) if len(docs) else []
    return {
        "doc_ids": docs["doc_id"].astype(str).tolist(),
        "texts": texts,
        # Documents in the language at all (duplicates and text-less ones included).
        "n_languages": len(docs) + n_dup + n_no_text,
        "n_duplicates": n_dup,
        "n_without_text": n_no_text,
    }


def _prepare_row_group(
    path: str, index: int, config_json: str, language: str | None
) -> dict[str, Any]:
    chunk = pq.ParquetFile(path).read_row_group(index, columns=list(TOPIC_COLUMNS))
    return _prepare(chunk.to_pandas(), config_json, language)


def _partition_pair_counts(part: dict[str, Any]) -> tuple[Counter[str], Counter[Any]]:
    return _pair_counts(part["texts"])


def _partition_counts(part: dict[str, Any], phrases: list[tuple[str, str]]) -> dict[str, Any]:
    """Pass 1 on a worker: a partition's token lists counted over its own terms.

    The terms are in the order the partition first uses them; the matrix stays on the
    worker for pass 2, the rest is what :func:`_partition_summary` sends.
    """
    texts = _merge_phrases(part["texts"], phrases)
    terms = list(Counter(itertools.chain.from_iterable(texts)))  # keys in first-use order
    X = _count_matrix(texts, {term: j for j, term in enumerate(terms)})
    counts = ("doc_ids", "n_languages", "n_duplicates", "n_without_text")
    return {"terms": terms, "X": X, "texts": texts, **{k: part[k] for k in counts}}


def _partition_summary(counted: dict[str, Any]) -> dict[str, Any]:
    """What the client needs of pass 1: term frequencies, token lists, ids, left-out counts."""
    X = counted["X"]
    return {
        "df": np.bincount(X.indices, minlength=X.shape[1]),  # X has one entry per doc and term
        "tf": np.asarray(X.sum(axis=0)).ravel(),
        **{k: v for k, v in counted.items() if k != "X"},
    }


def _partition_matrix(
    counted: dict[str, Any], vocabulary: tuple[dict[str, int], np.ndarray]
) -> sp.csr_matrix:
    """Pass 2 on a worker: a partition's matrix over the corpus's vocabulary.

    Each row's entries in the order the corpus first uses their terms (``rank``): the
    layout ``CountVectorizer.fit_transform`` gives, which a fit that sums a row's entries
    in storage order needs to reproduce its floats.
    """
    index, rank = vocabulary
    X = counted["X"]
    column = np.asarray([index.get(term, -1) for term in counted["terms"]], dtype=np.int64)
    cols = column[X.indices]
    kept = cols >= 0
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[kept]
    cols, data = cols[kept], X.data[kept]
    order = np.lexsort((rank[cols], rows))  # rows stay in order; within a row, by rank
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=X.shape[0]))])
    return sp.csr_matrix((data[order], cols[order], indptr), shape=(X.shape[0], len(index)))


def _sum_counters(counters: Iterable[Counter[Any]]) -> Counter[Any]:
    total: Counter[Any] = Counter()
    for counter in counters:
        total.update(counter)
    return total


def _corpus_phrases(
    client: Client, parts: list[Any], params: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The phrases ``Vectorizer`` learns from the whole corpus, from summed pair counts."""
    if not params["phrases"]:
        return []
    pairs = client.gather([client.submit(_partition_pair_counts, p) for p in parts])
    return _select_phrases(
        _sum_counters(u for u, _ in pairs),
        _sum_counters(b for _, b in pairs),
        params["phrase_threshold"],
        params["phrase_min_count"],
    )


def _in_order_as_done(futures: list[Any]) -> list[Any]:
    """The futures' results in their order, each sent here as soon as its task is done."""
    done = {f.key: r for f, r in _distributed().as_completed(futures, with_results=True)}
    return [done[f.key] for f in futures]


def _corpus_vocabulary(
    summaries: list[dict[str, Any]], params: Mapping[str, Any]
) -> tuple[list[str], np.ndarray]:
    """The vocabulary from the partitions' term frequencies, and each term's first use.

    ``tf`` is summed in corpus order, so its keys are in the order the corpus first uses
    the terms: the order ``CountVectorizer`` stores each row's entries in.
    """
    n_docs = sum(len(s["texts"]) for s in summaries)
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    for s in summaries:
        df.update(dict(zip(s["terms"], s["df"].tolist(), strict=True)))
        tf.update(dict(zip(s["terms"], s["tf"].tolist(), strict=True)))
    terms = _vocabulary(df, tf, n_docs, params)
    first_use = {term: i for i, term in enumerate(tf)}
    return terms, np.asarray([first_use[t] for t in terms], dtype=np.int64)


def _prepared_partitions(
    client: Client,
    corpus: str | Path | pd.DataFrame,
    config_json: str,
    language: str | None,
    chunk_size: int,
) -> list[Any]:
    """Futures of the prepared partitions, in corpus order; the token lists stay there."""
    if isinstance(corpus, pd.DataFrame):
        chunks = (corpus.iloc[i : i + chunk_size] for i in range(0, len(corpus), chunk_size))
        return [client.submit(_prepare, c, config_json, language) for c in chunks]
    n_groups = pq.ParquetFile(corpus).num_row_groups
    if n_groups > 1:
        where = str(Path(corpus).resolve())
        return [
            client.submit(_prepare_row_group, where, i, config_json, language)
            for i in range(n_groups)
        ]
    chunks = iter_corpus_chunks(corpus, chunk_size=chunk_size, verify=False)
    return [client.submit(_prepare, c, config_json, language) for c in chunks]


def corpus_matrix(
    corpus: str | Path | pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    *,
    language: str | None = None,
    backend: str = "dask",
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> TopicInput:
    """:func:`corpus_tools.topics.corpus_matrix` with the preparation on a Dask cluster.

    Parameters
    ----------
    corpus : str, Path or DataFrame
        A corpus saved by :func:`corpus_tools.io.save_corpus` (a Parquet file with several
        row groups is read on the workers, one task per row group; otherwise it is read
        here in chunks), any other source :func:`corpus_tools.io.load_corpus` reads (read
        here), or a corpus DataFrame.
    config : mapping, optional
        Preparation config, as for :func:`corpus_tools.topics.corpus_matrix`.
    language : str, optional
        Keep only documents in this language.
    backend : {"dask", "local"}, default "dask"
        ``"local"`` runs :func:`corpus_tools.topics.corpus_matrix` here.
    scheduler : str, optional
        Scheduler address; see :func:`dask_client`.
    chunk_size : int, default 10000
        Documents per task when the corpus is split here.

    Returns
    -------
    TopicInput
        Equal to :func:`corpus_tools.topics.corpus_matrix`'s result.

    Examples
    --------
    >>> corpus = pd.DataFrame({"doc_id": ["a", "b"], "language": ["en", "en"],
    ...                        "text": ["Missiles were tested.", "A missile test."],
    ...                        "duplicate_of": [None, None]})
    >>> cfg = {"preprocessor": {"protect_entities": False}, "vectorizer": {"max_df": 1.0}}
    >>> corpus_matrix(corpus, cfg, backend="local").feature_names.tolist()
    ['missile', 'test']
    """
    from . import topics

    check_backend(backend, scheduler)
    if backend == "local":
        frame = corpus if isinstance(corpus, pd.DataFrame) else load_corpus(corpus)
        return topics.corpus_matrix(frame, config, language=language)
    pipeline = make_pipeline(config)
    params = pipeline.named_steps["vectorize"].get_params()
    config_json = json.dumps(dict(config or {}), sort_keys=True)
    if isinstance(corpus, pd.DataFrame):
        manifest_hash = corpus.attrs.get("corpus_tools", {}).get("manifest_sha256")
    elif _saved_parquet(Path(corpus)):
        _verify(Path(corpus))
        manifest_hash = corpus_manifest_hash(corpus)
    else:
        corpus = load_corpus(corpus)
        manifest_hash = corpus.attrs.get("corpus_tools", {}).get("manifest_sha256")
    with dask_client(scheduler) as client:
        parts = _prepared_partitions(client, corpus, config_json, language, chunk_size)
        # Shipped once to every worker, not once per task (a vocabulary can be large).
        [phrases] = client.scatter([_corpus_phrases(client, parts, params)], broadcast=True)
        counted = [client.submit(_partition_counts, p, phrases) for p in parts]
        del parts  # the token lists now live in `counted`
        # Each partition's token lists travel here while other partitions are prepared.
        summaries = _in_order_as_done([client.submit(_partition_summary, c) for c in counted])
        if language is not None and sum(s["n_languages"] for s in summaries) == 0:
            raise TopicModelError(f"no document in language {language!r}")
        if not any(s["texts"] for s in summaries):
            raise TopicModelError("the corpus has no canonical document with text")
        terms, rank = _corpus_vocabulary(summaries, params)
        [vocabulary] = client.scatter([({t: j for j, t in enumerate(terms)}, rank)], broadcast=True)
        blocks = client.gather(
            [
                client.submit(_partition_matrix, c, vocabulary)
                for c, s in zip(counted, summaries, strict=True)
                if s["texts"]
            ]
        )
    return TopicInput(
        X=sp.vstack(blocks, format="csr"),
        feature_names=np.asarray(terms, dtype=object),
        texts=[doc for s in summaries for doc in s["texts"]],
        doc_ids=np.asarray([d for s in summaries for d in s["doc_ids"]], dtype=object),
        config=prepare_config(pipeline),
        n_duplicates=sum(s["n_duplicates"] for s in summaries),
        n_without_text=sum(s["n_without_text"] for s in summaries),
        corpus_manifest_hash=manifest_hash,
    )


# ---- fitting on a worker ------------------------------------------------------------------
def _fit(model: Any, data: TopicInput) -> Any:
    return model.fit(data.X, feature_names=data.feature_names, doc_ids=data.doc_ids)


def fit_model(
    model: Any, data: TopicInput, *, backend: str = "local", scheduler: str | None = None
) -> Any:
    """Fit an unfitted topic model to ``data``, here or on one Dask worker.

    A fit is single-threaded with the model's ``random_state`` wherever it runs, so both
    backends give the same model.

    Parameters
    ----------
    model : LDA or NMF
        Unfitted; it is cloned, not changed.
    data : TopicInput
    backend : {"local", "dask"}, default "local"
    scheduler : str, optional
        See :func:`dask_client`.

    Returns
    -------
    The fitted model.

    Examples
    --------
    >>> from corpus_tools.topics import NMF, corpus_matrix
    >>> corpus = pd.DataFrame({"doc_id": list("abcd"), "language": ["en"] * 4,
    ...                        "duplicate_of": [None] * 4,
    ...                        "text": ["missile test launch", "missile launch site",
    ...                                 "trade bridge river", "bridge trade route"]})
    >>> cfg = {"preprocessor": {"protect_entities": False}, "vectorizer": {"max_df": 1.0}}
    >>> model = fit_model(NMF(2, random_state=0), corpus_matrix(corpus, cfg))
    >>> model.components_.shape  # min_df=2 keeps missile, launch, trade, bridge
    (2, 4)
    """
    check_backend(backend, scheduler)
    model = clone(model)
    if backend == "local":
        return _fit(model, data)
    with dask_client(scheduler) as client, threadpool_limits(1):  # see joblib_parallel
        return client.submit(_fit, model, data, pure=False).result()


@contextmanager
def joblib_parallel(
    backend: str = "local", scheduler: str | None = None, n_jobs: int = 1
) -> Iterator[dict[str, Any]]:
    """Keyword arguments for :class:`joblib.Parallel`: loky processes or the Dask cluster.

    Examples
    --------
    >>> with joblib_parallel("local", n_jobs=2) as kwargs:
    ...     kwargs
    {'n_jobs': 2, 'backend': 'loky'}
    """
    check_backend(backend, scheduler)
    if backend == "local":
        yield {"n_jobs": n_jobs, "backend": "loky"}
        return
    import joblib

    # One BLAS thread for the whole sweep: each fit limits its own thread pools, but with
    # thread-based workers (LocalCluster(processes=False)) one fit's exit would restore
    # the process-wide pools while another fit still runs, and its sums would differ.
    with (
        dask_client(scheduler),
        joblib.parallel_config(backend="dask"),
        threadpool_limits(1),
    ):
        yield {"n_jobs": -1}
