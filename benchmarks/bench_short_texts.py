"""Benchmark: which topic model for short texts (RSS items, ~40 words)?

Compares, on the same prepared documents (corpus_tools' default preparation):

- ``lda``: corpus_tools ``LDA`` (batch variational Bayes, ``max_iter=50``);
- ``nmf``: corpus_tools ``NMF`` (``init="random"`` so that seeds matter, as in Greene
  et al. 2014; with NNDSVD the seeds would give one solution and stability would be 1 by
  construction), on counts;
- ``pt``: tomotopy ``PTModel`` (pseudo-document topic model, Zuo et al. 2016, a model for
  short texts: documents are pooled into ``p = 10 K`` pseudo-documents), collapsed Gibbs,
  ``--gibbs`` sweeps, ``workers=1``. No well-kept Dirichlet-multinomial mixture (GSDMM)
  library exists on PyPI (fast-gsdmm 0.0.1 and pydimm 0.2.0 are single releases), so none
  is compared.

Data sets (each with its own K, ``--seeds`` seeds per method):

- ``demo-full``: the SYNTHETIC demo, Polish documents, full length (control);
- ``demo-short``: the same documents cut to their first ``--words`` words (~RSS length);
  both have planted topics, so *recovery* (ARI and NMI of the dominant fitted topic against
  the planted dominant topic, :func:`corpus_tools.evaluate.recovery_scores`) is measured;
- ``rss-en`` / ``rss-pl``: rss-nk-2023 (real RSS items), canonical English / Polish items.

Scores: c_npmi of the top-10 words against the prepared documents themselves
(:func:`corpus_tools.evaluate.coherence`), topic diversity (top 10), stability (mean
matched cosine of topic-word vectors across seeds, :func:`~corpus_tools.evaluate.
topic_stability`), recovery where planted, and fit seconds (one core).

Usage::

    nice .venv/bin/python benchmarks/bench_short_texts.py [--seeds 3] [--out RESULTS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

import corpus_tools as ct
from corpus_tools.evaluate import coherence, recovery_scores, topic_diversity, topic_stability
from corpus_tools.topics import corpus_matrix

TOP_N = 10


def _datasets(words: int, data_home: str | None) -> dict[str, tuple[pd.DataFrame, str, int]]:
    demo = ct.load_demo(with_truth=True)
    short = demo.copy()
    short["text"] = short["text"].map(
        lambda t: " ".join(t.split()[:words]) if isinstance(t, str) else t
    )
    press = ct.fetch_rss_nk(data_home=data_home)
    return {
        "demo-full": (demo, "pl", 8),
        "demo-short": (short, "pl", 8),
        "rss-en": (press, "en", 10),
        "rss-pl": (press, "pl", 6),
    }


def _fit_sklearn(method: str, X, names, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    params = {"max_iter": 50} if method == "lda" else {"init": "random", "max_iter": 400}
    model = ct.LDA if method == "lda" else ct.NMF
    fitted = model(n_components=k, random_state=seed, **params).fit(X, feature_names=names)
    return fitted.topic_word_, fitted.doc_topic_


def _fit_pt(X, k: int, seed: int, gibbs: int) -> tuple[np.ndarray, np.ndarray]:
    import tomotopy as tp

    model = tp.PTModel(k=k, p=10 * k, alpha=1.0 / k, eta=0.01, seed=seed)
    rows = []
    for i in range(X.shape[0]):
        row = X.getrow(i)
        words = [str(j) for j, n in zip(row.indices, row.data, strict=True) for _ in range(n)]
        if words:
            model.add_doc(words)
            rows.append(i)
    model.train(gibbs, workers=1)
    # Align tomotopy's vocabulary (term indices as strings) with the matrix columns.
    vocab = np.array([int(w) for w in model.used_vocabs])
    topic_word = np.zeros((k, X.shape[1]))
    for t in range(k):
        topic_word[t, vocab] = model.get_topic_word_dist(t)
    doc_topic = np.full((X.shape[0], k), 1.0 / k)
    doc_topic[rows] = np.array([doc.get_topic_dist() for doc in model.docs])
    return topic_word, doc_topic


def run(args: argparse.Namespace) -> pd.DataFrame:
    records = []
    for name, (corpus, language, k) in _datasets(args.words, args.data_home).items():
        data = corpus_matrix(corpus, language=language)
        lengths = np.asarray(data.X.sum(axis=1)).ravel()
        truth = None
        if "truth_dominant_topic" in corpus.columns:
            by_id = corpus.set_index("doc_id")["truth_dominant_topic"]
            truth = by_id.reindex(data.doc_ids).to_numpy()
        for method in args.methods:
            comps, scores = [], []
            for seed in range(args.seeds):
                start = time.perf_counter()
                if method == "pt":
                    topic_word, doc_topic = _fit_pt(data.X, k, seed, args.gibbs)
                else:
                    topic_word, doc_topic = _fit_sklearn(
                        method, data.X, data.feature_names, k, seed
                    )
                seconds = time.perf_counter() - start
                top = [list(data.feature_names[np.argsort(-row)[:TOP_N]]) for row in topic_word]
                row = {
                    "c_npmi": float(coherence(top, data.texts, "c_npmi")),
                    "diversity": topic_diversity(top, TOP_N),
                    "seconds": seconds,
                }
                if truth is not None:
                    known = pd.notna(truth)
                    pred = doc_topic.argmax(axis=1)
                    row.update(recovery_scores(truth[known], pred[known]))
                scores.append(row)
                comps.append(topic_word)
            frame = pd.DataFrame(scores)
            record = {
                "data": name,
                "docs": data.X.shape[0],
                "median_tokens": float(np.median(lengths)),
                "K": k,
                "method": method,
                "stability": topic_stability(comps),
            }
            for col in frame.columns:
                record[col] = frame[col].mean()
                record[f"{col}_sd"] = frame[col].std(ddof=1) if len(frame) > 1 else 0.0
            records.append(record)
            print(pd.DataFrame([record]).round(3).to_string(index=False), flush=True)
    return pd.DataFrame(records)


def report(table: pd.DataFrame, args: argparse.Namespace, load_before: str, load_after: str) -> str:
    import tomotopy

    cols = ["data", "docs", "median_tokens", "K", "method", "c_npmi", "c_npmi_sd", "diversity",
            "stability", "adjusted_rand", "nmi", "seconds"]  # fmt: skip
    shown = table[[c for c in cols if c in table.columns]].round(3)
    lines = [
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        f"(shared); Python {platform.python_version()}, tomotopy {tomotopy.__version__}",
        f"- load average before: {load_before}; after: {load_after}",
        f"- seeds = {args.seeds}, Gibbs sweeps (pt) = {args.gibbs}, demo cut to {args.words} words",
        "",
        _markdown(shown),
    ]
    return "\n".join(lines)


def _markdown(table: pd.DataFrame) -> str:
    """A pipe table (pandas' to_markdown needs tabulate, which is not a dependency)."""
    rows = [list(table.columns), ["---"] * table.shape[1]]
    rows += [[str(v) for v in row] for row in table.itertuples(index=False)]
    return "\n".join("| " + " | ".join(map(str, r)) + " |" for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--gibbs", type=int, default=500)
    parser.add_argument("--words", type=int, default=40)
    parser.add_argument("--methods", nargs="+", default=["lda", "nmf", "pt"])
    parser.add_argument("--data-home", help="dataset cache (default $CORPUS_TOOLS_DATA)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    table = run(args)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = report(table, args, load_before, load_after)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
