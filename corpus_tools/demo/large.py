"""Write large SYNTHETIC corpora (10^4-10^6 articles) in bounded memory.

The articles come from the demo generator (:mod:`corpus_tools.demo.generate`): the same
phrase books, planted topic mixtures, wire copies and broken files, in the researchers'
on-disk format (``<out>/corpus/<outlet_slug>/NNN_<16 hex>.txt``, first line
`` date YYYY-MM[-DD] <caption> Źródło: <credit>``). The corpus is made in chunks of the
demo's size, each drawn from its own generator seeded by ``(seed, chunk index)`` and written
to disk before the next one is planned, so memory stays flat however large ``n`` is, and the
same ``(n, seed)`` always gives the same bytes.

Like the demo corpus it makes no claim about real press coverage; it exists to measure
speed and memory at scale and to check methods against planted structure.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import generate as g

_MASK64 = (1 << 64) - 1


def _opaque_id(index: int, key: int) -> str:
    """A random-looking 16-hex id that is unique per ``index`` (splitmix64 is a bijection)."""
    x = (index + key) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return f"{x ^ (x >> 31):016x}"


def _chunk_facts(facts: Mapping[str, Any], n: int, noise: bool) -> dict[str, Any]:
    """The demo plan with its noise counts scaled from ``n_files`` to a chunk of ``n``."""
    scale = n / facts["n_files"] if noise else 0.0
    scaled = {k: round(v * scale) for k, v in facts["noise"].items()}
    return {**facts, "noise": scaled}


def _chunk(
    facts: Mapping[str, Any],
    books: Mapping[str, g.PhraseBook],
    rng: np.random.Generator,
    n: int,
    planted: dict[tuple[str, str], Counter[str]],
) -> list[g.Planned]:
    """Plan ``n`` files (originals, wire copies, broken files) as the demo does."""
    comp = g._Composer(facts, books, rng)
    noise = facts["noise"]
    originals = max(n - noise["wire_copies"] - noise["empty"] - noise["binary"], 1)
    docs = g._plan_originals(facts, comp, originals)
    copies = g._plan_copies(facts, comp, docs)
    extra = g._plant_defects(facts, comp, docs)
    for key, counts in comp.planted.items():
        planted.setdefault(key, Counter()).update(counts)
    return (docs + copies + extra)[:n]


def _name(docs: list[g.Planned], first_index: int, key: int, counter: Counter[str]) -> None:
    """Give ids unique across the whole corpus and running numbers per outlet.

    Numbers run per outlet in chunk order and by date within a chunk, so they grow with the
    chunk index as in a scrape that is extended batch by batch.
    """
    for i, doc in enumerate(docs):
        doc.hex_id = _opaque_id(first_index + i, key)
    for doc in sorted(docs, key=lambda d: (d.outlet, d.day or g.dt.date.min, d.hex_id)):
        doc.number = counter[doc.outlet]
        counter[doc.outlet] += 1


def _chunk_sizes(n: int, chunk_size: int) -> Iterator[int]:
    """Yield the sizes of the chunks that make up ``n`` articles."""
    for start in range(0, n, chunk_size):
        yield min(chunk_size, n - start)


def make_corpus(
    out: str | Path,
    n: int,
    *,
    seed: int = 0,
    noise: bool = True,
    chunk_size: int | None = None,
) -> g.DemoFiles:
    """Write a SYNTHETIC corpus of ``n`` files and its ground truth into ``out``.

    Parameters
    ----------
    out : str or Path
        Folder to write into; ``out/corpus`` must not exist yet or be empty.
    n : int
        Number of files (articles, plus the planted broken files when ``noise``).
    seed : int, default 0
        Seed; chunk ``i`` is drawn from ``numpy.random.default_rng([seed, i])``.
    noise : bool, default True
        Plant wire copies, truncated, CP1250, empty and binary files at the demo's rates
        (about 5 % wire copies); ``False`` writes only clean UTF-8 originals.
    chunk_size : int, optional
        Files planned and written at a time (default: the demo's ``n_files``, 1500); memory
        grows with it, not with ``n``. Part of the output's identity: keep it to reproduce.

    Returns
    -------
    DemoFiles
        ``out/corpus`` (one folder per fictional outlet), ``out/ground_truth.csv`` (one row
        per file) and ``out/topics.csv`` (planted topics and their words).

    Raises
    ------
    DemoGenerationError
        If ``n`` or ``chunk_size`` is below 1 or ``out/corpus`` already holds files.

    Examples
    --------
    >>> import tempfile
    >>> files = make_corpus(tempfile.mkdtemp(), 30, seed=1)
    >>> sum(1 for _ in files.corpus.rglob("*.txt"))
    30
    """
    facts = g.load_facts()
    chunk_size = facts["n_files"] if chunk_size is None else chunk_size
    if n < 1 or chunk_size < 1:
        raise g.DemoGenerationError(f"n={n}, chunk_size={chunk_size}: both must be at least 1")
    out = Path(out)
    corpus = out / "corpus"
    if corpus.exists() and any(corpus.iterdir()):
        raise g.DemoGenerationError(f"{corpus}: folder is not empty; choose a new --out folder")
    books = {lang: g.load_phrasebook(lang, g._day(facts["first_day"])) for lang in g.LANGUAGES}
    topic_names = [t["name"] for t in facts["topics"]]
    # Written under temporary names and renamed at the end: an interrupted run leaves no
    # corpus that looks complete.
    partial = out / "corpus.partial"
    shutil.rmtree(partial, ignore_errors=True)
    truth_tmp = out / (g.TRUTH_NAME + ".partial")
    planted: dict[tuple[str, str], Counter[str]] = {}
    counter: Counter[str] = Counter()
    key = int(np.random.default_rng([seed, 2**32 - 1]).integers(2**63))
    written = 0
    out.mkdir(parents=True, exist_ok=True)
    with truth_tmp.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter[str] | None = None
        for i, size in enumerate(_chunk_sizes(n, chunk_size)):
            rng = np.random.default_rng([seed, i])
            docs = _chunk(_chunk_facts(facts, size, noise), books, rng, size, planted)
            _name(docs, written, key, counter)
            for doc in docs:
                path = partial / (doc.doc_id + ".txt")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(g._file_bytes(doc, books, rng))
                row = g._truth_row(doc, topic_names)
                if writer is None:
                    writer = csv.DictWriter(fh, fieldnames=list(row), lineterminator="\n")
                    writer.writeheader()
                writer.writerow(row)
            written += len(docs)
    if corpus.exists():
        corpus.rmdir()  # empty (checked above)
    os.replace(partial, corpus)
    result = g.DemoFiles(corpus, out / g.TRUTH_NAME, out / g.TOPICS_NAME)
    os.replace(truth_tmp, result.truth)
    g._write_csv(result.topics, g._topics_rows(facts, planted))
    return result
