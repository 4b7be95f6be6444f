"""Benchmark: a K-sweep (K x seeds, coherence, stability) with corpus_tools, gensim, tomotopy.

Corpus: ../shared/corpora/newsarticles/NewsArticles.zip (3,824 English articles). One shared
tokenisation for every tool: lowercase, regex ``[a-z]{3,}``, stopwords-iso English removed,
then terms kept when in >= 5 documents and <= 50 % of documents; documents left empty are
dropped for every tool.

Each tool fits one model per (K, seed) and scores it with c_npmi and c_v on the top-10
words (gensim-compatible sliding windows); stability per K is the mean matched cosine
similarity of topic-word vectors over seeds (corpus_tools.evaluate.topic_stability, the
same function for all tools). Models run in a joblib (loky) pool of ``--n-jobs`` processes
for every tool, each model single-threaded, so the parallelism is the same.

(a) corpus_tools ``select_k`` (batch variational LDA, ``max_iter=PASSES``,
    ``max_doc_update_iter=ITER``, ``holdout=0``); it also computes u_mass and diversity.
(b) gensim ``LdaModel`` (batch variational: ``update_every=0``, ``passes=PASSES``,
    ``iterations=ITER``, ``chunksize`` = all documents, ``eval_every=None``) +
    ``CoherenceModel(..., topn=10, processes=1)`` for c_npmi and c_v.
(c) tomotopy ``LDAModel`` (collapsed Gibbs sampling, ``--gibbs`` sweeps, ``workers=1``;
    Gibbs sweeps are not comparable to variational passes) + corpus_tools' coherence
    (tomotopy's own ``Coherence`` uses its own windowing, so the numbers would differ).
(d) corpus_tools ``select_k(method="gibbs")``: tomotopy's Gibbs LDA inside our sweep
    (``GibbsLDA``, ``--gibbs`` sweeps, one worker per fit, the same loky pool), with our
    coherence, diversity and stability around it: the route the package offers for
    Gibbs-speed sweeps; compare its time with (c) to see the sweep's own overhead.
All use symmetric priors alpha = eta = 1/K (the sklearn and gensim defaults); tomotopy,
alone and inside (d), re-estimates alpha every 10 sweeps (its default).

Usage::

    .venv/bin/python benchmarks/bench_sweep.py [--quick] [--n-jobs 2] [--out RESULTS.md]

Prints a markdown report (and writes it to ``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import stopwordsiso
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import CountVectorizer
from threadpoolctl import threadpool_limits

from corpus_tools import __version__
from corpus_tools.evaluate import coherence, topic_stability
from corpus_tools.topics import select_k

ZIP = (
    Path(__file__).resolve().parents[2] / "shared" / "corpora" / "newsarticles" / "NewsArticles.zip"
)
TOKEN = re.compile(r"[a-z]{3,}")
TOP_N = 10


def load_texts(max_docs: int | None) -> tuple[list[list[str]], list[str]]:
    """Shared tokenisation and vocabulary filter; returns token lists and the vocabulary."""
    with zipfile.ZipFile(ZIP) as zf, zf.open("NewsArticles.csv") as fh:
        docs = pd.read_csv(fh)["text"].fillna("").tolist()[:max_docs]
    stop = stopwordsiso.stopwords("en")
    raw = [[t for t in TOKEN.findall(d.lower()) if t not in stop] for d in docs]
    vec = CountVectorizer(analyzer=_identity, min_df=5, max_df=0.5).fit(raw)
    vocab = set(vec.vocabulary_)
    texts = [[t for t in doc if t in vocab] for doc in raw]
    return [t for t in texts if t], sorted(vocab)


def _identity(doc: list[str]) -> list[str]:
    return doc


def _our_sweep(texts, ks, seeds, args, **select_options) -> tuple[pd.DataFrame, float]:
    """Our select_k end to end (vectorising included), timed."""
    start = time.perf_counter()
    vec = CountVectorizer(analyzer=_identity)
    X = vec.fit_transform(texts)
    table = select_k(
        X,
        ks,
        seeds,
        texts=texts,
        feature_names=vec.get_feature_names_out(),
        top_n=TOP_N,
        n_jobs=args.n_jobs,
        **select_options,
    )
    return table[["k", "seed", "c_npmi", "c_v", "stability"]], time.perf_counter() - start


def run_corpus_tools(texts, ks, seeds, args) -> tuple[pd.DataFrame, float]:
    params = {"max_iter": args.passes, "max_doc_update_iter": args.iterations}
    return _our_sweep(texts, ks, seeds, args, holdout=0.0, model_params=params)


def run_corpus_tools_gibbs(texts, ks, seeds, args) -> tuple[pd.DataFrame, float]:
    return _our_sweep(
        texts, ks, seeds, args, method="gibbs", model_params={"iterations": args.gibbs}
    )


def _gensim_one(data, k, seed, passes, iterations) -> tuple[float, float, np.ndarray]:
    from gensim.models import CoherenceModel, LdaModel

    texts, dictionary, bow = data
    with threadpool_limits(1):
        model = LdaModel(
            bow,
            id2word=dictionary,
            num_topics=k,
            passes=passes,
            iterations=iterations,
            update_every=0,
            chunksize=len(bow),
            eval_every=None,
            random_state=seed,
        )
        npmi, cv = (
            CoherenceModel(
                model=model,
                texts=texts,
                dictionary=dictionary,
                coherence=measure,
                topn=TOP_N,
                processes=1,
            ).get_coherence()
            for measure in ("c_npmi", "c_v")
        )
        return npmi, cv, model.get_topics()


def _tomotopy_one(texts, k, seed, gibbs) -> tuple[float, float, np.ndarray]:
    import tomotopy as tp

    model = tp.LDAModel(k=k, alpha=1.0 / k, eta=1.0 / k, seed=seed)
    for doc in texts:
        model.add_doc(doc)
    model.train(gibbs, workers=1)
    top = [[w for w, _ in model.get_topic_words(t, top_n=TOP_N)] for t in range(k)]
    # Same documents in the same order for every seed, so the word columns line up.
    dist = np.array([model.get_topic_word_dist(t) for t in range(k)])
    return coherence(top, texts, "c_npmi"), coherence(top, texts, "c_v"), dist


def run_gensim(texts, ks, seeds, args) -> tuple[pd.DataFrame, float]:
    from gensim.corpora import Dictionary

    start = time.perf_counter()
    dictionary = Dictionary(texts)
    data = (texts, dictionary, [dictionary.doc2bow(t) for t in texts])
    table = _sweep(_gensim_one, data, ks, seeds, args.n_jobs, args.passes, args.iterations)
    return table, time.perf_counter() - start


def run_tomotopy(texts, ks, seeds, args) -> tuple[pd.DataFrame, float]:
    start = time.perf_counter()
    table = _sweep(_tomotopy_one, texts, ks, seeds, args.n_jobs, args.gibbs)
    return table, time.perf_counter() - start


def _sweep(one: Callable, data, ks, seeds, n_jobs: int, *extra) -> pd.DataFrame:
    tasks = [(k, s) for k in ks for s in seeds]
    results = Parallel(n_jobs=n_jobs, backend="loky")(
        delayed(one)(data, k, s, *extra) for k, s in tasks
    )
    table = pd.DataFrame(
        [
            {"k": k, "seed": s, "c_npmi": r[0], "c_v": r[1]}
            for (k, s), r in zip(tasks, results, strict=True)
        ]
    )
    by_k = {
        k: topic_stability([r[2] for (kk, _), r in zip(tasks, results, strict=True) if kk == k])
        for k in ks
    }
    table["stability"] = table["k"].map(by_k)
    return table


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.node()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical CPUs, Python {platform.python_version()}, "
        f"load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}"
    )


def report(texts, vocab, args, ks, seeds, results: dict[str, tuple[pd.DataFrame, float]]) -> str:
    import gensim
    import sklearn
    import tomotopy

    base_tool = "corpus_tools" if "corpus_tools" in results else next(iter(results))
    base = results[base_tool][1]
    lines = [
        f"Command: `{args.command}`",
        f"Machine (start): {args.machine_start}",
        f"Machine (end): {machine()}",
        f"Versions: corpus_tools {__version__}, scikit-learn {sklearn.__version__}, "
        f"gensim {gensim.__version__}, tomotopy {tomotopy.__version__}",
        f"Corpus: {len(texts)} documents, {len(vocab)} terms, "
        f"{sum(map(len, texts))} tokens; K = {ks}, seeds = {seeds}; "
        f"variational passes = {args.passes}, per-document iterations = {args.iterations}, "
        f"Gibbs sweeps (tomotopy, corpus_tools-gibbs) = {args.gibbs}, n_jobs = {args.n_jobs}",
        "",
        f"| tool | wall-clock s | ratio to {base_tool} | mean c_npmi | mean c_v | mean stability |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for tool, (table, seconds) in results.items():
        lines.append(
            f"| {tool} | {seconds:.1f} | {seconds / base:.2f} | {table['c_npmi'].mean():.4f} | "
            f"{table['c_v'].mean():.4f} | {table['stability'].mean():.4f} |"
        )
    lines += ["", "Per K (mean over seeds): c_npmi / c_v / stability", ""]
    lines += ["| K | " + " | ".join(results) + " |", "|---|" + "---|" * len(results)]
    for k in ks:
        cells = []
        for table, _ in results.values():
            sub = table[table["k"] == k]
            cells.append(
                f"{sub['c_npmi'].mean():.3f} / {sub['c_v'].mean():.3f} / "
                f"{sub['stability'].iloc[0]:.3f}"
            )
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run on 400 documents")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--gibbs", type=int, default=200)
    parser.add_argument(
        "--tools",
        nargs="+",
        default=["corpus_tools", "gensim", "tomotopy", "corpus_tools-gibbs"],
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    args.command = "python benchmarks/bench_sweep.py " + " ".join(sys.argv[1:])
    args.machine_start = machine()
    if args.quick:
        args.passes, args.gibbs = 2, 50
    ks = [5, 10] if args.quick else list(range(5, 41, 5))
    seeds = [0, 1] if args.quick else [0, 1, 2]
    texts, vocab = load_texts(400 if args.quick else None)

    runners = {
        "corpus_tools": lambda: run_corpus_tools(texts, ks, seeds, args),
        "gensim": lambda: run_gensim(texts, ks, seeds, args),
        "tomotopy": lambda: run_tomotopy(texts, ks, seeds, args),
        "corpus_tools-gibbs": lambda: run_corpus_tools_gibbs(texts, ks, seeds, args),
    }
    results = {}
    for tool in args.tools:
        results[tool] = runners[tool]()
        print(f"{tool}: {results[tool][1]:.1f} s", flush=True)
    text = report(texts, vocab, args, ks, seeds, results)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
