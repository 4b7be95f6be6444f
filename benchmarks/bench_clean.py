"""Duplicate marking and language identification: corpus_tools vs the textbook peer.

Documents are built from the real English text of ../shared/corpora/newsarticles
(NewsArticles.zip): each joins random 30-word passages into ``--words`` words (~3 KB at the
default 450), dated uniformly over 2024. Planted: 5 % exact copies (re-cased, re-spaced)
and 5 % near copies (3 words substituted, dated 0-3 days later) of earlier documents.

Measured in the same run:

* ``mark_duplicates`` (corpus_tools) on ``--n`` documents, and the textbook datasketch
  pipeline (SHA-1 ``MinHash.bulk`` over word-5-gram strings + ``MinHashLSH`` + Jaccard
  check) on ``--peer-n`` documents; recall of the planted copies for both;
* ``identify_languages`` (first 1,000 characters, the default, restricted to pl/en/ru/ko) vs
  ``py3langid.classify`` (full text, all 97 languages) on ``--langid-n`` documents.

Usage::

    .venv/bin/python benchmarks/bench_clean.py --n 100000 --peer-n 10000 --langid-n 5000

Prints a markdown table with wall and CPU seconds: on a machine shared with other jobs
the CPU time of this (single-threaded) process is the better estimate of unloaded speed.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from corpus_tools.clean import content_hash
from corpus_tools.dedupe import mark_duplicates
from corpus_tools.langid import identify_languages

NEWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "newsarticles"


def _words() -> list[str]:
    with zipfile.ZipFile(NEWS / "NewsArticles.zip") as zf:
        name = next(n for n in zf.namelist() if n.endswith(".csv"))
        text = zf.read(name).decode("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return " ".join(row["text"] for row in rows).split()


def make_corpus(n: int, n_words: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the corpus and the planted copies {copy doc_id: original doc_id}."""
    rng = np.random.default_rng(seed)
    words = _words()
    # Each document joins random 30-word passages: real phrasing, but unrelated documents
    # share few 5-word shingles (single long windows of a 2 M-word text would overlap).
    piece = 30
    starts = rng.integers(0, len(words) - piece, (n, n_words // piece))
    texts = [" ".join(" ".join(words[s : s + piece]) for s in row) for row in starts]
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 360, n), "D")
    ids = [f"d{i:07d}" for i in range(n)]
    planted: dict[str, str] = {}
    dates = dates.to_numpy().copy()
    # Ascending, so that a copy of a copy sees its source's final text and date.
    copies = np.sort(rng.choice(np.arange(1, n), size=n // 10, replace=False))
    for k, i in enumerate(copies):
        j = int(rng.integers(0, i))
        if k % 2:
            texts[i] = texts[j].upper().replace(" ", "  ")
        else:
            tokens = texts[j].split()
            for pos in rng.integers(0, len(tokens), 3):
                tokens[pos] = "edited"
            texts[i] = " ".join(tokens)
        # Same day or up to 3 days later; on the same day the lower doc_id (j) wins.
        dates[i] = dates[j] + np.timedelta64(int(k % 4), "D")
        planted[ids[i]] = ids[j]
    df = pd.DataFrame({"doc_id": ids, "date": dates, "text": texts})
    df["content_sha256"] = [content_hash(t) for t in texts]
    return df, planted


def recall(df: pd.DataFrame, flagged: pd.Series, planted: dict[str, str]) -> float:
    got = set(df.loc[flagged.notna().to_numpy(), "doc_id"])
    return len(got & set(planted)) / len(planted)


def peer_dedupe(df: pd.DataFrame, threshold: float = 0.8) -> pd.Series:
    """Textbook datasketch usage: SHA-1 hashed shingle strings, one MinHash per doc."""
    from datasketch import MinHash, MinHashLSH

    shingles = []
    for text in df["text"]:
        tokens = re.findall(r"\w+", text.casefold())
        shingles.append([" ".join(tokens[i : i + 5]).encode() for i in range(len(tokens) - 4)])
    sketches = MinHash.bulk(shingles, num_perm=128, seed=1)
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    for i, m in enumerate(sketches):
        lsh.insert(i, m)
    dates = df["date"].tolist()
    order = np.lexsort((df["doc_id"].to_numpy(), df["date"].to_numpy()))
    out: list[str | None] = [None] * len(df)
    ids = df["doc_id"].tolist()
    for i in order:
        for j in lsh.query(sketches[i]):
            if (
                j != i
                and out[j] is None
                and (dates[j], ids[j]) < (dates[i], ids[i])
                and sketches[i].jaccard(sketches[j]) >= threshold
            ):
                out[i] = ids[j]
                break
    return pd.Series(out, dtype="string")


def timed(func, *args, **kwargs):
    """Return the result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return result, (time.perf_counter() - wall, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--peer-n", type=int, default=10_000)
    parser.add_argument("--langid-n", type=int, default=5_000)
    parser.add_argument("--words", type=int, default=450)
    args = parser.parse_args()

    rows = []
    df, planted = make_corpus(args.n, args.words)
    kb = df["text"].str.len().mean() / 1000
    mark_duplicates(df.head(200))  # imports and compiled regexes are not what we measure
    flagged, seconds = timed(mark_duplicates, df)
    rows.append(("mark_duplicates (corpus_tools)", args.n, seconds, recall(df, flagged, planted)))
    for n in sorted({min(args.peer_n, args.n)}):
        small, planted_small = make_corpus(n, args.words)
        flagged, seconds = timed(mark_duplicates, small)
        rows.append(
            ("mark_duplicates (corpus_tools)", n, seconds, recall(small, flagged, planted_small))
        )
        flagged, seconds = timed(peer_dedupe, small)
        rows.append(
            (
                "datasketch textbook (SHA-1 bulk + LSH)",
                n,
                seconds,
                recall(small, flagged, planted_small),
            )
        )

    texts = df["text"].head(args.langid_n).tolist()
    identify_languages(texts[:10])
    _, seconds = timed(identify_languages, texts)
    rows.append(("identify_languages (1,000 chars, 4 langs)", len(texts), seconds, float("nan")))
    import py3langid

    py3langid.classify("warm up")
    _, seconds = timed(lambda: [py3langid.classify(t) for t in texts])
    rows.append(("py3langid.classify (full text, 97 langs)", len(texts), seconds, float("nan")))

    load = os.getloadavg()
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average {load[0]:.1f} {load[1]:.1f} "
        f"{load[2]:.1f} at the end (shared with colleagues). Mean document {kb:.1f} kB.\n"
    )
    print("| step | docs | wall s | CPU s | docs per CPU s | recall of planted copies |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, (wall, cpu), rec in rows:
        shown = "" if np.isnan(rec) else f"{rec:.3f}"
        print(f"| {name} | {n:,} | {wall:.1f} | {cpu:.1f} | {n / cpu:,.0f} | {shown} |")


if __name__ == "__main__":
    main()
