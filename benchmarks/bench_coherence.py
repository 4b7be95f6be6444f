"""Benchmark: corpus_tools.evaluate.coherence vs gensim 4.4 CoherenceModel (same run).

Corpus: all 3,824 articles of ../shared/corpora/newsarticles/NewsArticles.zip, lowercased,
tokenised with the regex ``[a-z]+``, a small English stopword list removed. Topics: 20
topics x 10 words from an sklearn NMF (nndsvd init, deterministic) of the term counts.
For each measure, gensim gets ``dictionary=Dictionary(texts)`` (built once, not timed)
and ``processes=1``; both sides are timed best of ``--repeat`` runs (gensim once by default).

Usage::

    .venv/bin/python benchmarks/bench_coherence.py [--measures c_npmi c_uci c_v u_mass] [--repeat 3]

Prints a markdown table.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import re
import time
import warnings
import zipfile
from pathlib import Path

import gensim
import numpy as np
import pandas as pd
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import CountVectorizer

from corpus_tools.evaluate import coherence

ZIP = (
    Path(__file__).resolve().parents[2] / "shared" / "corpora" / "newsarticles" / "NewsArticles.zip"
)
_STOPWORD_TEXT = """
a an and are as at be been but by for from had has have he her his i in is it its not of on or
she that the their there they this to was we were which who will with would you said also after
more than one two new about up out over into could
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
TOKEN = re.compile(r"[a-z]+")
TOLERANCE = {"u_mass": 1e-6, "c_uci": 1e-6, "c_npmi": 1e-6, "c_v": 1e-3}


def load_texts() -> list[list[str]]:
    with zipfile.ZipFile(ZIP) as zf, zf.open("NewsArticles.csv") as fh:
        docs = pd.read_csv(fh)["text"].fillna("")
    return [[t for t in TOKEN.findall(doc.lower()) if t not in STOPWORDS] for doc in docs]


def nmf_topics(texts: list[list[str]], n_topics: int = 20, n_words: int = 10) -> list[list[str]]:
    vec = CountVectorizer(analyzer=lambda doc: doc, min_df=5, max_df=0.5)
    dtm = vec.fit_transform(texts)
    model = NMF(n_topics, init="nndsvd", max_iter=400, random_state=0).fit(dtm)
    terms = vec.get_feature_names_out()
    return [terms[np.argsort(-row, kind="stable")[:n_words]].tolist() for row in model.components_]


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def best_time(fn, repeat: int) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", nargs="+", default=["c_npmi", "c_uci", "c_v", "u_mass"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gensim-repeat", type=int, default=1)
    args = parser.parse_args()

    texts = load_texts()
    topics = nmf_topics(texts)
    dictionary = Dictionary(texts)
    n_tokens = sum(map(len, texts))
    print(f"machine: {_cpu_model()}, {os.cpu_count()} logical CPUs, load {os.getloadavg()}")
    print(
        f"python {platform.python_version()}, gensim {gensim.__version__}, numpy {np.__version__}"
    )
    print(f"corpus: {len(texts)} docs, {n_tokens} tokens; {len(topics)} topics x 10 words\n")
    print(
        "| measure | corpus_tools (s) | gensim (s) | speed-up | corpus_tools value "
        "| gensim value | max abs diff per topic | equal within tolerance |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for measure in args.measures:
        ours_t, ours = best_time(
            functools.partial(coherence, topics, texts, measure, per_topic=True), args.repeat
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gen_t, gen = best_time(
                lambda measure=measure: CoherenceModel(
                    topics=topics,
                    texts=texts,
                    dictionary=dictionary,
                    coherence=measure,
                    processes=1,
                    topn=10,
                ).get_coherence_per_topic(),
                args.gensim_repeat,
            )
        diff = np.max(np.abs(np.asarray(ours) - np.asarray(gen)))
        equal = "yes" if diff <= TOLERANCE[measure] else "NO"
        print(
            f"| {measure} | {ours_t:.3f} | {gen_t:.2f} | {gen_t / ours_t:.0f}x "
            f"| {np.mean(ours):.9f} | {np.mean(gen):.9f} | {diff:.1e} | {equal} |"
        )
    print(f"\nload average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
