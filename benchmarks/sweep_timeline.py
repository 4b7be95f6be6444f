"""Per-task timeline of a K-sweep: tomotopy alone vs ``select_k(method="gibbs")``.

A diagnostic beside ``bench_sweep.py`` (same corpus, tokenisation and task functions): each
(K, seed) task writes its worker pid, start and end (wall clock) and CPU seconds to a JSON-lines
log; the parent's CPU and, after the loky workers are shut down and reaped, the workers' whole
CPU (start-up and argument unpickling included) are printed per tool. Each tool starts its
own workers. On a shared machine compare CPU seconds and idle gaps, not wall-clock alone.

Usage::

    .venv/bin/python benchmarks/sweep_timeline.py [--gibbs 100] [--seeds 3]
        [--order tomotopy,ours]

The log is appended to ``$SWEEP_TIMELINE_LOG`` (default ``/tmp/sweep_timeline.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from joblib.externals.loky import get_reusable_executor

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_sweep as bs

import corpus_tools.topics as topics

LOG = Path(os.environ.get("SWEEP_TIMELINE_LOG", "/tmp/sweep_timeline.jsonl"))
_tomotopy_one, _score_one = bs._tomotopy_one, topics._score_one


def _log(tool: str, k: int, seed: int, start: float, cpu: float) -> None:
    entry = {"tool": tool, "k": k, "seed": seed, "pid": os.getpid(), "start": start}
    entry |= {"end": time.time(), "cpu": time.process_time() - cpu}
    with LOG.open("a") as fh:
        fh.write(json.dumps(entry) + "\n")


def tomotopy_task(texts, k, seed, gibbs):
    start, cpu = time.time(), time.process_time()
    result = _tomotopy_one(texts, k, seed, gibbs)
    _log("tomotopy", k, seed, start, cpu)
    return result


def our_task(method, k, seed, *args):
    start, cpu = time.time(), time.process_time()
    result = _score_one(method, k, seed, *args)
    _log("ours", k, seed, start, cpu)
    return result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summary(tool: str, t0: float, tasks: list[dict]) -> None:
    by_pid = defaultdict(list)
    for task in tasks:
        by_pid[task["pid"]].append(task)
    for pid, own in by_pid.items():
        own.sort(key=lambda t: t["start"])
        gaps = sum(b["start"] - a["end"] for a, b in pairwise(own))
        print(
            f"  worker {pid}: {len(own)} tasks, task CPU {sum(t['cpu'] for t in own):.1f} s, "
            f"idle between tasks {gaps:.2f} s, last end +{own[-1]['end'] - t0:.1f} s"
        )
        print("    " + " ".join(f"K{t['k']}s{t['seed']}[{t['start'] - t0:.1f}-"
                                 f"{t['end'] - t0:.1f}]" for t in own))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gibbs", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--order", default="tomotopy,ours")
    args = parser.parse_args()
    bs._tomotopy_one, topics._score_one = tomotopy_task, our_task
    texts, _ = bs.load_texts(None)
    ks, seeds = list(range(5, 41, 5)), list(range(args.seeds))
    run_args = argparse.Namespace(n_jobs=2, gibbs=args.gibbs)
    runners = {"tomotopy": bs.run_tomotopy, "ours": bs.run_corpus_tools_gibbs}
    for tool in args.order.split(","):
        get_reusable_executor().shutdown(wait=True)  # each tool starts its own workers
        load, t0 = os.getloadavg()[0], time.time()
        cpu, children = time.process_time(), _children_cpu()
        table, seconds = runners[tool](texts, ks, seeds, run_args)
        cpu = time.process_time() - cpu
        get_reusable_executor().shutdown(wait=True)  # reaped: counted in RUSAGE_CHILDREN
        workers = _children_cpu() - children
        with LOG.open() as fh:
            tasks = [t for t in map(json.loads, fh) if t["tool"] == tool and t["start"] >= t0]
        means = table[["c_npmi", "c_v", "stability"]].mean()
        print(
            f"{tool}: wall {seconds:.1f} s, parent CPU {cpu:.1f} s, workers CPU {workers:.1f} s "
            f"(tasks {sum(t['cpu'] for t in tasks):.1f} s), load {load:.1f} -> "
            f"{os.getloadavg()[0]:.1f}; mean c_npmi {means['c_npmi']:.4f}, c_v "
            f"{means['c_v']:.4f}, stability {means['stability']:.4f}",
            flush=True,
        )
        summary(tool, t0, tasks)


if __name__ == "__main__":
    main()
