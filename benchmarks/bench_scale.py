"""Benchmark: end to end at scale (make-corpus, ingest, prepare + fit K=20), three paths.

For each size N (default 10,000; the issue's table wants 10^4, 10^5 and 10^6) the script:

1. writes N SYNTHETIC articles with ``corpus_tools.demo.large.make_corpus`` (seed 0);
2. reads every file once (plain reading: the peer the ingest target is stated against);
3. ingests the folder to Parquet (``corpus-tools ingest``: language id and dedupe included);
4. prepares the Polish documents and fits a K=20 LDA, three ways:
   - ``in-memory``: ``topics.load_topic_input`` + ``LDA(20).fit`` (batch variational Bayes);
   - ``streaming``: ``streaming.stream_matrix`` (chunks of 10,000) + ``OnlineLDA`` with
     ``fit_stream`` (mini-batches of 1,000, the same number of passes);
   - ``dask``: ``backends.corpus_matrix`` + ``backends.fit_model`` on the embedded
     LocalCluster (2 single-threaded worker processes; start-up included).

Also, for the speed-up of 2 workers over one: the ingest as a library call
(``ingest_to_parquet``) in one process (``n_jobs=1``) and with 2 reader processes, the
Dask preparation alone with 1 and with 2 workers (the step's wall time, and apart: the
LocalCluster's start-up and the ``corpus_matrix`` call), and a K-sweep on the Dask cluster
(``select_k(backend="dask")``, K = 5, 10, 15, 20 x 2 seeds, timed without the start-up)
with 1 and with 2 workers.

Every step runs in its own child process; its wall time and peak resident memory
(``ru_maxrss`` of that child and, for dask and ingest, of the largest of its own children)
are recorded, and the peak proportional set size (PSS) of the child and all its
descendants, sampled every half second: pages a forked worker shares with its parent count
once there, so it is the step's real footprint (RSS would count them in every process).
The load average before and after is recorded, since the machine may be shared.

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10000,100000,1000000]
        [--k 20] [--passes 10] [--work DIR] [--out RESULTS.md]

Intermediate corpora go to ``--work`` (default: a temporary folder, removed at the end):
10^6 articles need about 4 GB of disk for the files and 1.5 GB for the Parquet file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LANGUAGE = "pl"
PSS_INTERVAL = 0.5  # seconds between samples of the step's memory
CHUNK = 10_000
SWEEP_KS, SWEEP_SEEDS = (5, 10, 15, 20), (0, 1)  # 8 fits for the K-sweep steps
BATCH = 1_000


# ---- steps (each runs in a child process: `bench_scale.py --step NAME ...`) ------------------
def step_make(n: int, work: Path, **_: object) -> dict[str, object]:
    from corpus_tools.demo.large import make_corpus

    files = make_corpus(work / "files", n, seed=0)
    return {"files": sum(1 for _ in files.corpus.rglob("*.txt"))}


def step_read(work: Path, **_: object) -> dict[str, object]:
    """Open, read and decode every file: the floor any loader pays (as bench_ingest.py)."""
    total = 0
    for root, _, names in os.walk(work / "files" / "corpus"):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                total += len(handle.read().decode("utf-8", errors="replace"))
    return {"chars": total}


def step_ingest(work: Path, **_: object) -> dict[str, object]:
    from corpus_tools.cli import main

    status = main(["ingest", str(work / "files" / "corpus"), "--out", str(work / "c.parquet")])
    return {"status": status}


def _ingest_library(work: Path, n_jobs: int) -> dict[str, object]:
    from corpus_tools.io import ingest_to_parquet

    out = work / f"c{n_jobs}.parquet"
    report = ingest_to_parquet(work / "files" / "corpus", out, n_jobs=n_jobs)
    return {"docs": int(report.files["n_records"].sum())}


def step_ingest_serial(work: Path, **_: object) -> dict[str, object]:
    return _ingest_library(work, 1)


def step_ingest_two(work: Path, **_: object) -> dict[str, object]:
    return _ingest_library(work, 2)


def _dask_prepare(work: Path, n_workers: int) -> dict[str, object]:
    """The preparation on the cluster; its start-up and the call timed apart as well."""
    from corpus_tools import backends

    start = time.perf_counter()
    with backends.dask_client(n_workers=n_workers):
        started = time.perf_counter()
        data = backends.corpus_matrix(work / "c.parquet", language=LANGUAGE, chunk_size=CHUNK)
        prepare_s = time.perf_counter() - started
    return {"startup_s": started - start, "prepare_s": prepare_s,
            "docs": data.X.shape[0], "terms": data.X.shape[1]}  # fmt: skip


def _dask_sweep(work: Path, n_workers: int, passes: int) -> dict[str, object]:
    """A K-sweep on the Dask cluster: the (K, seed) fits are its parallel work."""
    from corpus_tools import backends
    from corpus_tools.streaming import stream_matrix
    from corpus_tools.topics import select_k

    with stream_matrix(work / "c.parquet", language=LANGUAGE, chunk_size=CHUNK) as streamed:
        data = streamed.to_topic_input()
    with backends.dask_client(n_workers=n_workers):
        start = time.perf_counter()
        select_k(data.X, SWEEP_KS, SWEEP_SEEDS, feature_names=data.feature_names,
                 texts=data.texts, model_params={"max_iter": passes}, backend="dask")  # fmt: skip
        return {"sweep_s": time.perf_counter() - start, "docs": data.X.shape[0]}


def step_dask_sweep_1(work: Path, passes: int, **_: object) -> dict[str, object]:
    return _dask_sweep(work, 1, passes)


def step_dask_sweep_2(work: Path, passes: int, **_: object) -> dict[str, object]:
    return _dask_sweep(work, 2, passes)


def step_dask_prepare_1(work: Path, **_: object) -> dict[str, object]:
    return _dask_prepare(work, 1)


def step_dask_prepare_2(work: Path, **_: object) -> dict[str, object]:
    return _dask_prepare(work, 2)


def step_memory(work: Path, k: int, passes: int, **_: object) -> dict[str, object]:
    from corpus_tools.topics import LDA, load_topic_input

    data = load_topic_input(work / "c.parquet", language=LANGUAGE)
    LDA(k, max_iter=passes, random_state=0).fit(data.X, feature_names=data.feature_names)
    return {"docs": data.X.shape[0], "terms": data.X.shape[1]}


def step_streaming(work: Path, k: int, passes: int, **_: object) -> dict[str, object]:
    from corpus_tools.streaming import OnlineLDA, fit_stream, stream_matrix

    with stream_matrix(work / "c.parquet", language=LANGUAGE, chunk_size=CHUNK) as streamed:
        model = OnlineLDA(
            k, batch_size=BATCH, total_samples=streamed.n_docs, max_iter=passes, random_state=0
        )
        fit_stream(model, streamed)
        return {"docs": streamed.n_docs, "terms": len(streamed.feature_names)}


def step_dask(work: Path, k: int, passes: int, **_: object) -> dict[str, object]:
    from corpus_tools import backends
    from corpus_tools.topics import LDA

    with backends.dask_client():
        data = backends.corpus_matrix(work / "c.parquet", language=LANGUAGE, chunk_size=CHUNK)
        backends.fit_model(LDA(k, max_iter=passes, random_state=0), data, backend="dask")
    return {"docs": data.X.shape[0], "terms": data.X.shape[1]}


STEPS = {
    "make-corpus": step_make,
    "plain read": step_read,
    "ingest": step_ingest,
    "ingest (1 process)": step_ingest_serial,
    "ingest (2 processes)": step_ingest_two,
    "in-memory prepare+fit": step_memory,
    "streaming prepare+fit": step_streaming,
    "dask prepare+fit": step_dask,
    "dask prepare (1 worker)": step_dask_prepare_1,
    "dask prepare (2 workers)": step_dask_prepare_2,
    "dask K-sweep (1 worker)": step_dask_sweep_1,
    "dask K-sweep (2 workers)": step_dask_sweep_2,
}


# ---- the parent: run each step in a child, measure it -----------------------------------------
def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _tree_pss(pid: int) -> int:
    """Proportional set size of a process and all its descendants, in bytes.

    Pages shared by a forked worker and its parent are counted once in the sum (RSS would
    count them in both), so this is what the step costs the machine.
    """
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):  # ended between listing and reading
            total += proc.memory_full_info().pss
    return total


def run_step(name: str, n: int, work: Path, args: argparse.Namespace) -> dict[str, object]:
    load = _load()
    cmd = [sys.executable, __file__, "--step", name, "--n", str(n), "--work", str(work),
           "--k", str(args.k), "--passes", str(args.passes)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak_pss = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak_pss = max(peak_pss, _tree_pss(proc.pid))
        time.sleep(PSS_INTERVAL)
    seconds = time.perf_counter() - start
    printed = proc.stdout.read().strip().splitlines() if proc.stdout else []
    out = json.loads(printed[-1]) if printed and status == 0 else {}  # a step's last line
    return {
        "step": name,
        "n": n,
        "seconds": seconds,
        "peak_gb": usage.ru_maxrss / 2**20,
        "peak_pss_gb": peak_pss / 2**30,
        "exit": os.waitstatus_to_exitcode(status),
        "load_before": load,
        "load_after": _load(),
        **out,
    }


def report(rows: list[dict[str, object]], args: argparse.Namespace) -> str:
    lines = [
        f"Command: `python benchmarks/bench_scale.py {' '.join(args.argv)}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"Python {platform.python_version()}; load average (1/5/15 min) per step below",
        "",
        "| N | step | wall s | N/s | peak RSS GB (step / worker) | peak PSS GB (all processes) "
        "| exit | load before → after |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        n, secs = int(r["n"]), float(r["seconds"])
        peak = f"{float(r['peak_gb']):.2f} / {float(r.get('worker_peak_gb', 0.0)):.2f}"
        lines.append(
            f"| {n:,} | {r['step']} | {secs:.1f} | {n / secs:,.0f} | {peak} | "
            f"{float(r['peak_pss_gb']):.2f} | {r['exit']} | "
            f"{r['load_before']} → {r['load_after']} |"
        )
    by = {(r["n"], r["step"]): float(r["seconds"]) for r in rows}
    lines.append("")
    for n in sorted({int(r["n"]) for r in rows}):
        if (n, "ingest") in by and (n, "plain read") in by:
            ratio = by[(n, "ingest")] / by[(n, "plain read")]
            lines.append(f"N = {n:,}: ingest / plain reading = {ratio:.1f}x")
        for one, two in (("ingest (1 process)", "ingest (2 processes)"),
                         ("dask prepare (1 worker)", "dask prepare (2 workers)")):  # fmt: skip
            if (n, one) in by and (n, two) in by:
                lines.append(f"N = {n:,}: {two} vs {one}: {by[(n, one)] / by[(n, two)]:.2f}x")
        calls = {r["step"]: r for r in rows if r["n"] == n and "prepare_s" in r}
        one, two = calls.get("dask prepare (1 worker)"), calls.get("dask prepare (2 workers)")
        if one and two:
            lines.append(
                f"N = {n:,}: dask prepare, cluster start-up: 1 worker {one['startup_s']:.1f} s, "
                f"2 workers {two['startup_s']:.1f} s; the corpus_matrix call alone: 1 worker "
                f"{one['prepare_s']:.1f} s, 2 workers {two['prepare_s']:.1f} s: "
                f"{one['prepare_s'] / two['prepare_s']:.2f}x"
            )
        sweeps = {r["step"]: float(r["sweep_s"]) for r in rows if r["n"] == n and "sweep_s" in r}
        one, two = sweeps.get("dask K-sweep (1 worker)"), sweeps.get("dask K-sweep (2 workers)")
        if one and two:
            lines.append(
                f"N = {n:,}: dask K-sweep, the sweep alone: 1 worker {one:.1f} s, "
                f"2 workers {two:.1f} s: {one / two:.2f}x"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated corpus sizes")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--work", type=Path, help="folder for the corpora (default: temporary)")
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--steps", default=",".join(STEPS), help="comma-separated subset (default: all, in order)"
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)  # internal: run one step
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        result = STEPS[args.step](n=args.n, work=args.work, k=args.k, passes=args.passes)
        # The largest worker process this step started and waited for (loky, Dask).
        result["worker_peak_gb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
        print(json.dumps(result))
        return
    args.argv = sys.argv[1:]
    unknown = [name for name in args.steps.split(",") if name not in STEPS]
    if unknown:
        parser.error(f"unknown step(s) {unknown}; known: {', '.join(STEPS)}")
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        work = (args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))) / f"n{n}"
        if "make-corpus" in args.steps.split(","):  # else: reuse the corpus made before
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        for name in args.steps.split(","):
            rows.append(run_step(name, n, work, args))
            print(json.dumps(rows[-1]), flush=True)
        if args.work is None:
            shutil.rmtree(work.parent, ignore_errors=True)
    text = report(rows, args)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
