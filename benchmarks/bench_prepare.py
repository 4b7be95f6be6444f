"""Throughput of the full text preparation (protect + tokenise + lemmatise + stopwords).

Corpora: the 3,824 English NewsArticles (read from ../shared, never copied) and synthetic
Polish and Russian corpora drawn (Zipf-distributed, seeded) from the word forms of
simplemma's Polish and pymorphy3's Russian dictionaries. Each row is one pass on one core
(the process is pinned to one CPU); tokens are the regex word tokens of the input. Rates
are per CPU second of the process (what one core delivers even when colleagues share the
machine) and per wall-clock second.

Peers, in the same run:
- ``CountVectorizer analyzer``: scikit-learn's default analyser (lowercase + regex split, no
  lemmas, no stopwords) — a lower bound on the work.
- ``simplemma text_lemmatizer``: simplemma's own tokenise + lemmatise.
- ``pymorphy3 per token``: our tokens, ``MorphAnalyzer.parse(w)[0].normal_form`` per token.

Russian lemmas persist across sessions (``<data_home>/lemmas``): the run uses a fresh empty
data home, so "cold" means no persisted lemma; "persisted lemma cache" is a new session (new
Preprocessor, the process's lemma cache dropped) that reads the lemmas the cold run saved.
Parallel parsing of new types starts only above ``_RussianLemmas.PARALLEL_MIN_TYPES`` new
types per batch, and the process is pinned to one CPU, so these rows measure one core, except
the Russian row "cold lemma cache, 2 processes": it unpins the process, starts with no worker
process (their start-up is timed), parses the batch's new types in two processes whatever
their number (the threshold set to 0 for that row), reports wall-clock tokens/s and the CPU of
the process plus its workers, and checks that the tokens equal the one-core cold run's.

Usage: ``.venv/bin/python benchmarks/bench_prepare.py [--tokens-per-language 500000]
[--languages en pl ru]``
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pymorphy3
import simplemma
from joblib.externals.loky import get_reusable_executor
from simplemma.strategies.dictionaries import DefaultDictionaryFactory
from sklearn.feature_extraction.text import CountVectorizer

from corpus_tools import text as text_module
from corpus_tools.text import Preprocessor

SHARED = Path(os.environ.get("CORPUS_TOOLS_SHARED", Path(__file__).resolve().parents[2] / "shared"))
NEWS = SHARED / "corpora" / "newsarticles" / "NewsArticles.zip"
WORDS = re.compile(r"[^\W\d_]+")
DOC_LENGTH = 400


def english_texts() -> list[str]:
    frame = pd.read_csv(NEWS, compression="zip", usecols=["text"], dtype="string")
    return frame["text"].fillna("").tolist()


def synthetic_texts(forms: Sequence[str], n_tokens: int, seed: int) -> list[str]:
    """Documents of Zipf-distributed word forms (realistic type/token ratio)."""
    rng = np.random.default_rng(seed)
    vocab = np.array(sorted(forms))[rng.permutation(len(forms))[:50_000]]
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    draws = rng.choice(vocab, size=n_tokens, p=weights / weights.sum())
    return [" ".join(draws[i : i + DOC_LENGTH]) for i in range(0, n_tokens, DOC_LENGTH)]


def polish_forms() -> list[str]:
    return [w for w in DefaultDictionaryFactory().get_dictionary("pl") if WORDS.fullmatch(w)]


def russian_forms() -> list[str]:
    known = pymorphy3.MorphAnalyzer(lang="ru").dictionary.iter_known_words()
    forms = set()
    for word, *_ in known:
        forms.add(word)
        if len(forms) >= 200_000:
            break
    return [w for w in forms if WORDS.fullmatch(w)]


def rate(
    run: Callable[[list[str]], object], texts: list[str], n_tokens: int
) -> tuple[float, float]:
    """Tokens per CPU second of this process (robust to a shared machine) and per wall second."""
    cpu, wall = time.process_time(), time.perf_counter()
    run(texts)
    return n_tokens / (time.process_time() - cpu), n_tokens / (time.perf_counter() - wall)


def count_tokens(texts: list[str]) -> int:
    return sum(len(WORDS.findall(t)) for t in texts)


def peer_runs(language: str) -> dict[str, Callable[[list[str]], object]]:
    analyzer = CountVectorizer().build_analyzer()
    runs: dict[str, Callable[[list[str]], object]] = {
        "CountVectorizer analyzer": lambda texts: [analyzer(t) for t in texts]
    }
    if language == "ru":
        morph = pymorphy3.MorphAnalyzer(lang="ru")

        def per_token(texts: list[str]) -> list[list[str]]:
            return [
                [morph.parse(w)[0].normal_form for w in WORDS.findall(t.lower())] for t in texts
            ]

        runs["pymorphy3 per token"] = per_token
    else:
        runs["simplemma text_lemmatizer"] = lambda texts: [
            simplemma.text_lemmatizer(t, lang=language) for t in texts
        ]
    return runs


def measure(language: str, texts: list[str]) -> list[tuple[str, str, int, tuple[float, float]]]:
    """Rows (language, method, tokens, rates); slow peers run on a tenth of the texts."""
    n_tokens = count_tokens(texts)
    prep = Preprocessor(language=language).fit()
    prep.transform(["warm up the lemmatiser dictionaries"])
    rows = [
        (
            language,
            "Preprocessor (cold lemma cache)",
            n_tokens,
            rate(prep.transform, texts, n_tokens),
        ),
        (
            language,
            "Preprocessor (warm lemma cache)",
            n_tokens,
            rate(prep.transform, texts, n_tokens),
        ),
    ]
    if language == "ru":
        text_module._russian_lemmas.cache_clear()  # a new session: only the file is left

        def new_session(texts: list[str]) -> object:  # timed with reading the lemma file
            return Preprocessor(language=language).fit().transform(texts)

        rows.append(
            (
                language,
                "Preprocessor (persisted lemma cache, new session)",
                n_tokens,
                rate(new_session, texts, n_tokens),
            )
        )
    if language == "ru":
        rows.append((language, *parallel_cold(texts, n_tokens, prep.transform(texts))))
    subset = texts[: max(1, len(texts) // 10)]
    n_subset = count_tokens(subset)
    for name, run in peer_runs(language).items():
        part, n = (subset, n_subset) if "per token" in name else (texts, n_tokens)
        rows.append((language, name, n, rate(run, part, n)))
    return rows


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def parallel_cold(
    texts: list[str], n_tokens: int, expected: list[list[str]]
) -> tuple[str, int, tuple[float, float]]:
    """Russian with a cold cache, new types parsed in two processes (see the docstring)."""
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, range(os.cpu_count() or 1))  # workers inherit the affinity
    get_reusable_executor().shutdown(wait=True)  # no warm worker: start-up is timed
    text_module._russian_lemmas.cache_clear()
    text_module._russian_lemmas().path.unlink(missing_ok=True)  # nothing persisted: cold
    text_module._russian_lemmas.cache_clear()
    prep = Preprocessor(language="ru").fit()
    prep.transform(["прогрев словарей"])  # as the one-core cold row: dictionaries loaded
    threshold = text_module._RussianLemmas.PARALLEL_MIN_TYPES
    text_module._RussianLemmas.PARALLEL_MIN_TYPES = 0
    try:
        cpu, children, wall = time.process_time(), _children_cpu(), time.perf_counter()
        got = prep.transform(texts)
        wall = time.perf_counter() - wall
        # The prefetch's workers (one per core but this process's); reaped when shut down,
        # they count in RUSAGE_CHILDREN.
        get_reusable_executor(max_workers=max(1, len(os.sched_getaffinity(0)) - 1)).shutdown(
            wait=True
        )
        cpu = time.process_time() - cpu + _children_cpu() - children
    finally:
        text_module._RussianLemmas.PARALLEL_MIN_TYPES = threshold
        os.sched_setaffinity(0, pinned)
    if got != expected:
        raise SystemExit("the 2-process cold run gave other tokens than the one-core run")
    return (
        "Preprocessor (cold lemma cache, 2 processes; CPU of all processes)",
        n_tokens,
        (
            n_tokens / cpu,
            n_tokens / wall,
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens-per-language", type=int, default=500_000)
    parser.add_argument(
        "--languages", nargs="+", choices=["en", "pl", "ru"], default=["en", "pl", "ru"]
    )
    args = parser.parse_args()
    os.environ["CORPUS_TOOLS_DATA"] = tempfile.mkdtemp(prefix="bench-prepare-")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    make = {
        "en": english_texts,
        "pl": lambda: synthetic_texts(polish_forms(), args.tokens_per_language, seed=1),
        "ru": lambda: synthetic_texts(russian_forms(), args.tokens_per_language, seed=2),
    }
    corpora = {language: make[language]() for language in args.languages}
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, "
        f"python {platform.python_version()}"
    )
    print()
    print("| language | tokens | method | tokens/CPU-s | tokens/wall-s |")
    print("|---|---:|---|---:|---:|")
    for language, texts in corpora.items():
        for lang, method, n, (cpu, wall) in measure(language, texts):
            print(f"| {lang} | {n:,} | {method} | {cpu:,.0f} | {wall:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
