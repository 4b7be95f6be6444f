"""Where parsing Russian word types in 2 processes starts to pay (``PARALLEL_MIN_TYPES``).

For each number of new types (distinct forms of pymorphy3's Russian dictionary, every
other one of twice as many of its first forms), ``_RussianLemmas.prefetch`` runs once in
this process and once with ``n_jobs=2`` from no worker (its start-up is timed); it prints
the wall-clock seconds of both and the CPU seconds of all processes of the second, and
checks that both give the same lemmas.

Usage: ``.venv/bin/python benchmarks/bench_russian_parallel.py [--types 50000 100000 ...]``
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import pymorphy3
from joblib.externals.loky import get_reusable_executor

from corpus_tools import text as text_module
from corpus_tools._russian_parse import parse_russian


def dictionary_forms(n: int) -> list[str]:
    """``n`` distinct forms: every other one of the dictionary's first ``2 n``."""
    forms: dict[str, None] = {}
    for word, *_ in pymorphy3.MorphAnalyzer(lang="ru").dictionary.iter_known_words():
        forms[word] = None
        if len(forms) >= 2 * n:
            break
    return sorted(forms)[::2]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(words: list[str], n_jobs: int) -> tuple[float, float, dict[str, str]]:
    """Wall-clock and CPU seconds (this process and its reaped workers), and the lemmas."""
    get_reusable_executor().shutdown(wait=True)  # no warm worker: start-up is timed
    cpu, children, wall = time.process_time(), children_cpu(), time.perf_counter()
    lemmas = text_module._RussianLemmas(None)
    lemmas.prefetch(words, n_jobs=n_jobs)
    wall = time.perf_counter() - wall
    get_reusable_executor().shutdown(wait=True)
    return wall, time.process_time() - cpu + children_cpu() - children, lemmas.lemmas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", nargs="+", type=int, default=[50_000, 100_000, 150_000])
    args = parser.parse_args()
    forms = dictionary_forms(max(args.types))
    parse_russian(["прогрев"])  # dictionaries loaded, as in a session that parsed before
    text_module._RussianLemmas.PARALLEL_MIN_TYPES = 0
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print()
    print("| new types | one process, s | 2 processes, wall s | 2 processes, CPU s |")
    print("|---:|---:|---:|---:|")
    for n in args.types:
        words = forms[:n]
        one, _, serial = run(words, 1)
        two, cpu, parallel = run(words, 2)
        if parallel != serial:
            raise SystemExit(f"{len(words)} types: 2 processes gave other lemmas than one")
        print(f"| {len(words):,} | {one:.3f} | {two:.3f} | {cpu:.3f} |", flush=True)


if __name__ == "__main__":
    main()
