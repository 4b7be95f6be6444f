"""corpus_tools: reproducible corpus loading, text preparation and topic modelling.

Research software for studying press coverage of Russia–North Korea relations. A corpus is
a pandas DataFrame with one validated schema (:mod:`corpus_tools.schema`); the modules are
named for their concern:

- :mod:`corpus_tools.io` — load any export into that schema, with an ingest report;
  save and verify corpora with a provenance manifest.
- :mod:`corpus_tools.clean` — text normalisation and boilerplate profiles.
- :mod:`corpus_tools.langid` — language identification.
- :mod:`corpus_tools.dedupe` — exact and near-duplicate marking.
- :mod:`corpus_tools.htmltext` — main text of saved web pages.
- :mod:`corpus_tools.actors` — the multilingual actor and place lexicon.
- :mod:`corpus_tools.text` — tokenisation, lemmatisation with protected names, vectorising.
- :mod:`corpus_tools.topics` — LDA/NMF estimators, model selection (choosing K).
- :mod:`corpus_tools.effects` — prevalence over time, event windows, covariate regression.
- :mod:`corpus_tools.evaluate` — coherence (matching gensim), diversity, stability.
- :mod:`corpus_tools.lexical` — KWIC, keyness, actor co-occurrence, dictionaries, tables.
- :mod:`corpus_tools.plots` — every figure of the notebooks, deterministic files.
- :mod:`corpus_tools.fingerprint` — the printed digest that lets nbval check a figure.
- :mod:`corpus_tools.datasets` — the bundled synthetic demo corpus and pinned real data
  (:mod:`corpus_tools.rss` derives the rss-nk-2023 press corpus from its upstream).
- :mod:`corpus_tools.provenance` — which code, lock, parameters and data made an output.
- :mod:`corpus_tools.numerics` — pinned numeric kernels, the same bits on every x86_64 CPU.
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
import pkgutil
from typing import Any

__version__ = "0.2.0"

_EXPORTS: dict[str, str] = {
    # corpus
    "validate_corpus": "schema",
    "CorpusSchemaError": "schema",
    "CORPUS_COLUMNS": "schema",
    "load_corpus": "io",
    "ingest": "io",
    "ingest_to_parquet": "io",
    "IngestReport": "io",
    "save_corpus": "io",
    "read_corpus": "io",
    "IngestMemoryError": "io",
    "OutputLockedError": "io",
    "load_profile": "clean",
    "load_lexicon": "actors",
    "tag_actors": "actors",
    "filter_corpus": "actors",
    "actor_groups": "actors",
    # data
    "load_demo": "datasets",
    "load_demo_truth": "datasets",
    "demo_path": "datasets",
    "fetch_kcna": "datasets",
    "fetch_rss_nk": "datasets",
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
    "choose_k": "topics",
    "topic_prevalence": "effects",
    "event_window": "effects",
    "period_of": "effects",
    "topic_regression": "effects",
    "save_model": "topics:save",
    "load_model": "topics:load",
    # evaluation
    "coherence": "evaluate",
    "topic_diversity": "evaluate",
    "topic_stability": "evaluate",
    "recovery_scores": "evaluate",
    "recovery_table": "evaluate",
    # figures
    "save_figure": "plots",
    "figure_fingerprint": "fingerprint",
    "read_figure_provenance": "provenance",
    # lexical tools
    "kwic": "lexical",
    "keyness": "lexical",
    "actor_cooccurrence": "lexical",
    "load_dictionary": "lexical",
    "dictionary_scores": "lexical",
    "dictionary_by_period": "lexical",
    "save_table": "lexical",
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
# The one list of public names: ``__all__`` is derived from it, and the type checkers'
# view (``__init__.pyi``) is generated from it by ``scripts/generate_init_stub.py``
# (tests/test_packaging.py checks that the stub is current).
__all__ = ["__version__", *_EXPORTS]


# Public submodules load on first attribute access too (``corpus_tools.topics``).
_SUBMODULES = frozenset(
    module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_")
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
