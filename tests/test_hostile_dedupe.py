"""Duplicate marking under load: bounded memory, near-linear clusters, same answers.

The memory acceptance checks run the ingest in a subprocess whose address space is capped
(``RLIMIT_AS``), so a regression fails with MemoryError instead of swapping the machine.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from corpus_tools import dedupe
from corpus_tools.dedupe import lsh_candidates, mark_duplicates, minhash_signatures

CAP_BYTES = 3 * 2**30
WORDS = [f"w{i}" for i in range(5000)]


def _story(rng: random.Random, n_words: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(n_words)]


def _near_copy(rng: random.Random, words: list[str], n_edits: int) -> str:
    copy = list(words)
    for _ in range(n_edits):
        copy[rng.randrange(len(copy))] = rng.choice(WORDS)
    return " ".join(copy)


def _reference(df: pd.DataFrame, threshold: float, window_days: int) -> pd.Series:
    """All pairs of every LSH bucket checked, components by scipy, earliest is canonical."""
    positions, signatures = minhash_signatures(df["text"].tolist())
    pairs = lsh_candidates(signatures, threshold=threshold)
    similar = (signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1) >= threshold
    dates = df["date"].to_numpy()
    rows = positions[pairs[similar]]
    gap = np.abs(dates[rows[:, 0]] - dates[rows[:, 1]])
    rows = rows[gap <= np.timedelta64(window_days, "D")]
    n = len(df)
    graph = coo_matrix((np.ones(len(rows)), (rows[:, 0], rows[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    order = df.sort_values(["date", "doc_id"]).index.to_numpy()
    canonical = {}
    for i in order:
        canonical.setdefault(label[i], df.loc[i, "doc_id"])
    out = [canonical[label[i]] for i in range(n)]
    return pd.Series(
        [None if c == d else c for c, d in zip(out, df["doc_id"], strict=True)],
        index=df.index,
        dtype="string",
        name="duplicate_of",
    )


@pytest.mark.parametrize("window_days", [3, 400])
def test_linking_matches_checking_every_bucket_pair(window_days: int) -> None:
    # Clusters of many near copies spread over weeks: with a short window they form
    # chains (copy 1 ~ copy 2 ~ copy 3 but copy 1 far from copy 3), the case where
    # linking through one representative would go wrong.
    rng = random.Random(7)
    texts, dates = [], []
    for size in (40, 12, 6, 2, 2, 1, 1, 1):
        story = _story(rng, 120)
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=rng.randrange(300))
        for _ in range(size):
            texts.append(_near_copy(rng, story, 1))
            dates.append(start + pd.Timedelta(days=rng.randrange(30)))
    df = pd.DataFrame(
        {
            "doc_id": [f"d{i:03d}" for i in range(len(texts))],
            "date": pd.to_datetime(dates),
            "text": texts,
            "content_sha256": None,
        }
    )
    expected = _reference(df, 0.8, window_days)
    assert expected.notna().sum() > 30  # the planted clusters are found
    pd.testing.assert_series_equal(mark_duplicates(df, window_days=window_days), expected)


# (7, 64, 2): every document alone and in pieces; (600, ...): the short documents share a
# permuted block, the 2000-word one spans four.
@pytest.mark.parametrize("block, sketch_bytes, chunk", [(7, 64, 2), (600, 2**20, 500)])
def test_blockwise_minhash_equals_one_pass(
    monkeypatch: pytest.MonkeyPatch, block: int, sketch_bytes: int, chunk: int
) -> None:
    rng = random.Random(3)
    texts = [" ".join(_story(rng, n)) for n in (3, 50, 400, 2000)] + ["Zażółć, gęślą! " * 300]
    expected = minhash_signatures(texts)
    monkeypatch.setattr(dedupe, "_SHINGLE_BLOCK", block)
    monkeypatch.setattr(dedupe, "_SKETCH_BYTES", sketch_bytes)
    monkeypatch.setattr(dedupe, "_SHINGLE_CHUNK", chunk)
    kept, signatures = minhash_signatures(texts)
    np.testing.assert_array_equal(kept, expected[0])
    np.testing.assert_array_equal(signatures, expected[1])


def _capped_ingest(folder: Path, tmp: Path) -> dict:
    """Ingest ``folder`` in a subprocess under CAP_BYTES of address space; its summary."""
    script = textwrap.dedent(
        f"""
        import json, sys
        from corpus_tools.io import ingest
        df, report = ingest({str(folder)!r}, n_jobs=1)
        json.dump({{"n": len(df), "dup": int(df["duplicate_of"].notna().sum()),
                   "counts": report.counts()}}, sys.stdout)
        """
    )

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))

    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        preexec_fn=cap,
        cwd=tmp,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_20_mb_article_ingests_under_3_gb(tmp_path: Path) -> None:
    rng = random.Random(1)
    folder = tmp_path / "in" / "portal"
    folder.mkdir(parents=True)
    paragraphs = []
    size = 0
    while size < 20 * 2**20:
        paragraph = " ".join(_story(rng, 150)) + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    body = "\n\n".join(paragraphs)
    (folder / "001_0123456789abcdef.txt").write_text(
        " date 2024-06-19 Long\n\n" + body, encoding="utf-8"
    )
    summary = _capped_ingest(folder.parent, tmp_path)
    assert summary["n"] == 1
    assert summary["counts"]["loaded"] == 1


def test_20000_near_copies_ingest_under_3_gb(tmp_path: Path) -> None:
    # 20,000 records: 40% copies of one story, 30% copies of 10 stories, 30% unique.
    rng = random.Random(2)
    one = _story(rng, 150)
    ten = [_story(rng, 150) for _ in range(10)]
    records = []
    for i in range(20_000):
        if i % 10 < 4:
            text = _near_copy(rng, one, 1)
        elif i % 10 < 7:
            text = _near_copy(rng, ten[(i // 10) % 10], 1)
        else:
            text = " ".join(_story(rng, 150))
        records.append({"doc_id": f"r{i}", "date": "2024-06-19", "text": text})
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "copies.jsonl").open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
    summary = _capped_ingest(folder, tmp_path)
    assert summary["n"] == 20_000
    # Every planted copy but the first of each story is marked (unique stories are not).
    assert summary["dup"] >= 0.99 * (20_000 * 0.7 - 11)
    assert summary["dup"] <= 20_000 * 0.7 - 11
