"""How planted-topic recovery degrades on the harder demo variant (no timings).

The plain demo (shipped) and the harder variant (``generate_demo(..., hard=True)``: a
background vocabulary of thousands of real lemmas in every sentence, topics borrowing
their neighbours' words, evenly mixed and off-topic documents) are fitted with the
default preparation and an LDA of ``--k`` topics (seed 0) per language. For each, the
table gives the vocabulary size, ARI and NMI between planted and fitted dominant topics
(documents with a planted topic only) and the count of each ``recovery_table`` status.

Usage::

    .venv/bin/python benchmarks/bench_recovery_hard.py --languages pl en --k 8

Prints a markdown table (for BENCHMARKS.md). Deterministic: the same lock gives the
same numbers.
"""

from __future__ import annotations

import argparse
import tempfile

import pandas as pd

from corpus_tools.datasets import load_demo, load_demo_topics, load_demo_truth
from corpus_tools.demo.generate import generate_demo
from corpus_tools.evaluate import recovery_scores, recovery_table
from corpus_tools.io import load_corpus
from corpus_tools.topics import fit_corpus


def measure(corpus: pd.DataFrame, truth: pd.DataFrame, language: str, k: int) -> dict:
    names = list(load_demo_topics()["name"])
    fit = fit_corpus(corpus[corpus["language"] == language], k, random_state=0)
    rows = truth.loc[fit.data.doc_ids]
    shares = rows[[f"topic_{n}" for n in names]].astype(float).set_axis(names, axis=1)
    on_topic = (shares.sum(axis=1) > 0).to_numpy()
    scores = recovery_scores(
        rows["dominant_topic"].to_numpy()[on_topic], fit.model.doc_topic_.argmax(axis=1)[on_topic]
    )
    table = recovery_table(shares.reset_index(drop=True), fit.model.doc_topic_)
    fates = {
        status: ", ".join(table.loc[table["status"] == status, "planted"]) or "-"
        for status in ("merged", "split", "lost")
    }
    return {
        "language": language,
        "documents": len(rows),
        "off-topic": int((~on_topic).sum()),
        "terms": fit.data.X.shape[1],
        "ARI": round(scores["adjusted_rand"], 3),
        "NMI": round(scores["nmi"], 3),
        "recovered": int((table["status"] == "recovered").sum()),
        **fates,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", nargs="+", default=["pl", "en"])
    parser.add_argument("--k", type=int, default=8)
    args = parser.parse_args()
    plain_truth = load_demo_truth().set_index("doc_id")
    plain_truth["dominant_topic"] = plain_truth["dominant_topic"].fillna("")
    rows = [
        {"variant": "plain", **measure(load_demo(), plain_truth, lang, args.k)}
        for lang in args.languages
    ]
    with tempfile.TemporaryDirectory() as tmp:
        files = generate_demo(tmp, hard=True)
        truth = pd.read_csv(files.truth, dtype=str, keep_default_na=False).set_index("doc_id")
        corpus = load_corpus(files.corpus)
        rows += [
            {"variant": "hard", **measure(corpus, truth, lang, args.k)} for lang in args.languages
        ]
    table = pd.DataFrame(rows).astype(str)
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
