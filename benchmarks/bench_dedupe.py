"""Duplicate marking at scale: time and peak memory for pairs and clusters of near copies.

Three corpora of synthetic 150-word documents (words drawn from a 5,000-word vocabulary,
so unrelated documents share no 5-word shingles), all dated within one week so that every
near copy is within the window:

* ``pairs`` - every story has exactly one near copy (one word changed);
* ``clusters10`` - 30 % of the documents are near copies of 10 stories, the rest unique;
* ``cluster1`` - 30 % are near copies of a single story, the rest unique.

Each case runs :func:`corpus_tools.dedupe.mark_duplicates` in a fresh subprocess, whose
peak resident memory (``ru_maxrss``) is reported beside the peak before the call (the
corpus itself and the imports). ``--before REV`` also runs the ``dedupe.py`` of a git
revision (e.g. the commit before the near-linear linking) under an address-space cap, so
its failures show as MemoryError instead of swapping a shared machine.

``--ingest-files N`` instead ingests N article files of the ``clusters10`` corpus (one
folder per 1,000 files) with :func:`corpus_tools.io.ingest` (``n_jobs=1``) under the cap, the
acceptance check of issue 12 for many files.

Usage::

    nice .venv/bin/python benchmarks/bench_dedupe.py --sizes 5000 10000 20000 --before e5cbc34
    nice .venv/bin/python benchmarks/bench_dedupe.py --ingest-files 20000 --cap-gib 3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = ("pairs", "clusters10", "cluster1")


def make_corpus(scenario: str, n: int, seed: int = 0) -> pd.DataFrame:
    """The corpus of one scenario; ``truth`` holds the story each document copies."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}" for i in range(5000)])

    def story() -> np.ndarray:
        return rng.choice(vocabulary, 150)

    def near_copy(words: np.ndarray) -> str:
        copy = words.copy()
        copy[rng.integers(len(copy))] = rng.choice(vocabulary)
        return " ".join(copy)

    if scenario == "pairs":
        stories = [story() for _ in range(n // 2)]
        texts = [near_copy(stories[i // 2]) for i in range(n)]
    else:
        n_stories = 10 if scenario == "clusters10" else 1
        stories = [story() for _ in range(n_stories)]
        n_copies = int(0.3 * n)
        texts = [near_copy(stories[i % n_stories]) for i in range(n_copies)]
        texts += [" ".join(story()) for _ in range(n - n_copies)]
    dates = pd.Timestamp("2024-06-17") + pd.to_timedelta(rng.integers(0, 5, n), "D")
    return pd.DataFrame(
        {
            "doc_id": [f"d{i:06d}" for i in range(n)],
            "date": dates,
            "text": texts,
            "content_sha256": None,
        }
    )


def _dedupe_module(before: str | None) -> object:
    if before is None:
        from corpus_tools import dedupe

        return dedupe
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{before}:corpus_tools/dedupe.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "dedupe_before.py"
    path.write_text(source, encoding="utf-8")
    import corpus_tools  # noqa: F401 - the parent package of the relative imports

    spec = importlib.util.spec_from_file_location("corpus_tools._dedupe_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_case(scenario: str, n: int, before: str | None) -> dict[str, object]:
    """One measurement, in this process (called in a fresh subprocess)."""
    dedupe = _dedupe_module(before)
    df = make_corpus(scenario, n)
    dedupe.mark_duplicates(df.iloc[:50])  # imports and first calls are not measured
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        marked = dedupe.mark_duplicates(df)
        outcome = f"{int(marked.notna().sum())} marked"
    except MemoryError:
        outcome = "MemoryError"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "scenario": scenario,
        "n": n,
        "code": before or "this branch",
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "peak_mib": round(peak / 1024),
        "before_call_mib": round(base / 1024),
        "outcome": outcome,
    }


def run_ingest(folder: Path) -> dict[str, object]:
    """Ingest a folder in this process (called in a capped subprocess)."""
    from corpus_tools.io import ingest

    wall, cpu = time.perf_counter(), time.process_time()
    df, report = ingest(folder, n_jobs=1)
    return {
        "files": len(report.files),
        "documents": len(df),
        "marked": int(df["duplicate_of"].notna().sum()),
        "wall_s": round(time.perf_counter() - wall, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def write_files(n: int, folder: Path) -> None:
    corpus = make_corpus("clusters10", n)
    for i, (text, date) in enumerate(zip(corpus["text"], corpus["date"], strict=True)):
        sub = folder / f"outlet{i // 1000:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        header = f" date {date:%Y-%m-%d} Story {i}\n\n"
        (sub / f"{i:06d}_{i:016x}.txt").write_text(header + text, encoding="utf-8")


def _capped(args: list[str], cap_gib: float) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        limit = int(cap_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(args, capture_output=True, text=True, preexec_fn=cap, check=False)


def _subprocess(scenario: str, n: int, before: str | None, cap_gib: float) -> dict[str, object]:
    args = [sys.executable, __file__, "--case", scenario, str(n)]
    if before:
        args += ["--before", before]
    done = _capped(args, cap_gib)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"scenario": scenario, "n": n, "code": before or "this branch", "outcome": last}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000])
    parser.add_argument("--before", help="also run corpus_tools/dedupe.py of this git revision")
    parser.add_argument("--cap-gib", type=float, default=4.0, help="address-space cap per case")
    parser.add_argument("--ingest-files", type=int, help="ingest this many article files")
    parser.add_argument("--case", nargs=2, metavar=("SCENARIO", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--ingest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case[0], int(args.case[1]), args.before)))
        return
    if args.ingest:
        print(json.dumps(run_ingest(args.ingest)))
        return
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, load: {os.getloadavg()}")
    if args.ingest_files:
        with tempfile.TemporaryDirectory() as tmp:
            write_files(args.ingest_files, Path(tmp))
            done = _capped([sys.executable, __file__, "--ingest", tmp], args.cap_gib)
        print(done.stdout.strip() or done.stderr.strip().splitlines()[-1])
        print(f"# cap {args.cap_gib} GiB; load after: {os.getloadavg()}")
        return
    rows = []
    for scenario in SCENARIOS:
        for n in args.sizes:
            for before in [None, args.before] if args.before else [None]:
                rows.append(_subprocess(scenario, n, before, args.cap_gib))
                print(json.dumps(rows[-1]), file=sys.stderr)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    print(f"# load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
