"""corpus_tools: reproducible corpus loading, text preparation and topic modelling.

Research software for studying press coverage of Russia–North Korea relations. A corpus is
a pandas DataFrame with one validated schema (:mod:`corpus_tools.schema`); the modules are
named for their concern:

- :mod:`corpus_tools.io` — load any export into that schema, with an ingest report;
  save and verify corpora with a provenance manifest.
- :mod:`corpus_tools.clean` — boilerplate profiles, language identification, duplicates.
- :mod:`corpus_tools.actors` — the multilingual actor and place lexicon.
- :mod:`corpus_tools.text` — tokenisation, lemmatisation with protected names, vectorising.
- :mod:`corpus_tools.topics` — LDA/NMF estimators, model selection, prevalence over time.
- :mod:`corpus_tools.evaluate` — coherence (matching gensim), diversity, stability.
- :mod:`corpus_tools.plots` — every figure of the notebooks, deterministic files.
- :mod:`corpus_tools.datasets` — the bundled synthetic demo corpus and pinned real data.
- :mod:`corpus_tools.streaming` — bounded-memory chunks, two-pass vocabulary, online models.
- :mod:`corpus_tools.backends` — the same calls on a Dask cluster (``backend="dask"``).
- :mod:`corpus_tools.gibbs` — Gibbs-sampling LDA (tomotopy) beside scikit-learn's.

The names below are re-exported lazily, so ``import corpus_tools`` stays fast.

Examples
--------
>>> import corpus_tools as ct
>>> corpus = ct.load_demo()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # corpus
    "validate_corpus": "schema",
    "CorpusSchemaError": "schema",
    "CORPUS_COLUMNS": "schema",
    "load_corpus": "io",
    "ingest": "io",
    "IngestReport": "io",
    "save_corpus": "io",
    "read_corpus": "io",
    "load_profile": "clean",
    "load_lexicon": "actors",
    "tag_actors": "actors",
    "filter_corpus": "actors",
    # data
    "load_demo": "datasets",
    "load_demo_truth": "datasets",
    "demo_path": "datasets",
    "fetch_kcna": "datasets",
    # text and topics
    "Preprocessor": "text",
    "Vectorizer": "text",
    "make_pipeline": "text",
    "prepare_config": "text",
    "LDA": "topics",
    "NMF": "topics",
    "corpus_matrix": "topics",
    "fit_corpus": "topics",
    "TopicFit": "topics",
    "select_k": "topics",
    "topic_prevalence": "topics",
    "event_window": "topics",
    "period_of": "topics",
    "save_model": "topics:save",
    "load_model": "topics:load",
    # evaluation
    "coherence": "evaluate",
    "topic_diversity": "evaluate",
    "topic_stability": "evaluate",
    "recovery_scores": "evaluate",
    # figures
    "save_figure": "plots",
    "figure_fingerprint": "plots",
    "CorpusToolsError": "errors",
    # scale: streaming, Dask, large corpora
    "OnlineLDA": "streaming",
    "OnlineNMF": "streaming",
    "fit_stream": "streaming",
    "iter_corpus_chunks": "streaming",
    "stream_matrix": "streaming",
    "dask_client": "backends",
    "GibbsLDA": "gibbs",
    "make_corpus": "demo.large",
}
__all__ = [
    "CORPUS_COLUMNS",
    "LDA",
    "NMF",
    "CorpusSchemaError",
    "CorpusToolsError",
    "GibbsLDA",
    "IngestReport",
    "OnlineLDA",
    "OnlineNMF",
    "Preprocessor",
    "TopicFit",
    "Vectorizer",
    "__version__",
    "coherence",
    "corpus_matrix",
    "dask_client",
    "demo_path",
    "event_window",
    "fetch_kcna",
    "figure_fingerprint",
    "filter_corpus",
    "fit_corpus",
    "fit_stream",
    "ingest",
    "iter_corpus_chunks",
    "load_corpus",
    "load_demo",
    "load_demo_truth",
    "load_lexicon",
    "load_model",
    "load_profile",
    "make_corpus",
    "make_pipeline",
    "period_of",
    "prepare_config",
    "read_corpus",
    "recovery_scores",
    "save_corpus",
    "save_figure",
    "save_model",
    "select_k",
    "stream_matrix",
    "tag_actors",
    "topic_diversity",
    "topic_prevalence",
    "topic_stability",
    "validate_corpus",
]


_SUBMODULES = frozenset(
    {
        "actors",
        "backends",
        "clean",
        "datasets",
        "evaluate",
        "gibbs",
        "io",
        "plots",
        "schema",
        "streaming",
        "text",
        "topics",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"corpus_tools.{name}")
    try:
        target = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'corpus_tools' has no attribute {name!r}") from None
    module, _, attr = target.partition(":")
    value = getattr(importlib.import_module(f"corpus_tools.{module}"), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .actors import filter_corpus, load_lexicon, tag_actors
    from .backends import dask_client
    from .clean import load_profile
    from .datasets import demo_path, fetch_kcna, load_demo, load_demo_truth
    from .demo.large import make_corpus
    from .errors import CorpusToolsError
    from .evaluate import coherence, recovery_scores, topic_diversity, topic_stability
    from .gibbs import GibbsLDA
    from .io import IngestReport, ingest, load_corpus, read_corpus, save_corpus
    from .plots import figure_fingerprint, save_figure
    from .schema import CORPUS_COLUMNS, CorpusSchemaError, validate_corpus
    from .streaming import OnlineLDA, OnlineNMF, fit_stream, iter_corpus_chunks, stream_matrix
    from .text import Preprocessor, Vectorizer, make_pipeline, prepare_config
    from .topics import (
        LDA,
        NMF,
        TopicFit,
        corpus_matrix,
        event_window,
        fit_corpus,
        period_of,
        select_k,
        topic_prevalence,
    )
    from .topics import load as load_model
    from .topics import save as save_model
