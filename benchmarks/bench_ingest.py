"""Ingest throughput: plain file reading vs ``load_corpus`` end to end.

Generates ``--n`` article files in the researchers' format (~3 KB each; Polish, English and
Russian text from word lists, portal boilerplate, 5 % near-duplicates) in a temporary
folder, then measures in the same run, each in a fresh subprocess so peak RSS is its own:

* ``read``: open + read bytes + UTF-8 decode of every file (the floor any loader pays);
* ``ingest``: ``ingest(folder)`` with the default profile, language identification
  and duplicate marking, on all cores (``n_jobs=None``) and in one process (``n_jobs=1``);
* ``parts``: CPU time per document of each step of the per-file work on the first
  ``--parts-n`` files (one process), with py3langid's own ``classify`` as the peer of the
  batched language identification.

Peak RSS is the main process's and its largest worker's; their sum bounds the ingest's
peak memory from above. The load average (1 / 5 min) is printed before and after every
phase: the machine these numbers come from is shared, and a ratio to plain reading
measured under load is worse than on an idle machine. Prints markdown tables (files/s,
ratio, peak RSS; ms per document). Usage::

    .venv/bin/python benchmarks/bench_ingest.py --n 100000
    .venv/bin/python benchmarks/bench_ingest.py --n 50000 --dir /tmp/c50k  # keep the files
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WORDS = {
    "pl": [
        "Korea", "Północna", "Rosja", "prezydent", "minister", "spotkanie", "współpraca",
        "wojskowa", "gospodarcza", "państwo", "rząd", "agencja", "według", "źródeł", "rozmowy",
        "Pjongjang", "Moskwa", "delegacja", "traktat", "obrona", "sankcje", "żołnierze",
        "amunicja", "technologia", "rakietowy", "nuklearny", "wizyta", "wschód", "granica",
        "kolej", "port", "handel", "energia", "żywność", "pomoc", "umowa", "podpisać",
        "zapowiedzieć", "ogłosić", "potwierdzić", "zaprzeczyć", "sekretarz", "rada",
        "bezpieczeństwa", "wywiad", "Seul", "Waszyngton", "analitycy", "ekspert", "region",
        "konflikt", "wojna", "Ukraina", "obwód", "kurski", "przemysł", "zakład", "czołg", "się",
        "jest", "był", "została", "także", "oraz", "który", "która", "że", "na", "w", "z", "do",
        "o", "po", "przez", "dla", "przed",
    ],
    "en": [
        "North", "Korea", "Russia", "president", "minister", "meeting", "cooperation", "military",
        "economic", "state", "government", "agency", "according", "sources", "talks", "Pyongyang",
        "Moscow", "delegation", "treaty", "defence", "sanctions", "soldiers", "ammunition",
        "technology", "missile", "nuclear", "visit", "east", "border", "railway", "port", "trade",
        "energy", "food", "aid", "agreement", "sign", "announce", "confirm", "deny", "secretary",
        "council", "security", "intelligence", "Seoul", "Washington", "analysts", "expert",
        "region", "conflict", "war", "Ukraine", "Kursk", "industry", "plant", "tank", "the", "a",
        "of", "to", "in", "and", "that", "was", "is", "for", "on", "with", "by", "as",
    ],
    "ru": [
        "Северная", "Корея", "Россия", "президент", "министр", "встреча", "сотрудничество",
        "военное", "экономическое", "государство", "правительство", "агентство", "по", "данным",
        "источников", "переговоры", "Пхеньян", "Москва", "делегация", "договор", "оборона",
        "санкции", "солдаты", "боеприпасы", "технологии", "ракетный", "ядерный", "визит", "восток",
        "граница", "железная", "дорога", "порт", "торговля", "энергия", "продовольствие", "помощь",
        "соглашение", "подписать", "объявить", "подтвердить", "опровергнуть", "секретарь", "совет",
        "безопасности", "разведка", "Сеул", "Вашингтон", "аналитики", "эксперт", "регион",
        "конфликт", "война", "Украина", "Курская", "промышленность", "завод", "танк", "и", "в",
        "на", "с", "что", "по", "это", "был", "была", "также", "который",
    ],
}  # fmt: skip
BOILERPLATE = ["Posłuchaj artykułu Dowiedz się więcej", "Dowiedz się więcej: Kim i Putin w Moskwie"]
TARGET_BYTES = 3000


def _paragraphs(rng: random.Random, language: str) -> list[str]:
    words, paragraphs, size = WORDS[language], [], 0
    while size < TARGET_BYTES:
        sentence_count = rng.randint(2, 5)
        sentences = []
        for _ in range(sentence_count):
            sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 18)))
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        paragraphs.append(" ".join(sentences))
        size += len(paragraphs[-1].encode("utf-8")) + 2
    return paragraphs


def generate(folder: Path, n: int, seed: int = 0) -> int:
    """Write ``n`` article files under ``folder/<outlet>/``; return how many are near-dups."""
    rng = random.Random(seed)
    n_near = 0
    earlier: list[tuple[list[str], int]] = []
    for i in range(n):
        language = rng.choices(["pl", "en", "ru"], weights=[6, 2, 2])[0]
        day_of_year = rng.randint(0, 360)
        if earlier and rng.random() < 0.05:
            # A near-duplicate: an earlier text with a small edit, a few days later.
            paragraphs, original_day = rng.choice(earlier)
            paragraphs = [paragraphs[0] + " Aktualizacja.", *paragraphs[1:]]
            day_of_year = min(original_day + rng.randint(0, 3), 364)
            n_near += 1
        else:
            paragraphs = _paragraphs(rng, language)
            if language == "pl":
                paragraphs = [BOILERPLATE[0], *paragraphs, BOILERPLATE[1]]
        earlier = [*earlier[-499:], (paragraphs, day_of_year)]
        date = datetime.date(2024, 1, 1) + datetime.timedelta(days=day_of_year)
        header = f" date {date.isoformat()} Podpis zdjęcia Źródło: PAP"
        outlet = folder / f"outlet_{i % 10}"
        outlet.mkdir(parents=True, exist_ok=True)
        text = header + "\n\n" + "\n\n".join(paragraphs)
        (outlet / f"{i:06d}_{rng.getrandbits(64):016x}.txt").write_text(text, encoding="utf-8")
    return n_near


def _usage() -> dict[str, float]:
    """Peak RSS of this process and its largest child (MB), CPU seconds of both."""
    # VmHWM, unlike ru_maxrss, is not inherited from the parent across fork+exec.
    status = Path("/proc/self/status").read_text()
    own_kb = int(status.split("VmHWM:")[1].split()[0])
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "rss_mb": own_kb / 1024,
        "rss_children_mb": kids.ru_maxrss / 1024,
        "cpu_seconds": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
    }


def phase_read(folder: Path) -> dict[str, float]:
    start = time.perf_counter()
    n = 0
    for root, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                handle.read().decode("utf-8")
            n += 1
    return {"seconds": time.perf_counter() - start, "files": n, **_usage()}


def phase_ingest(folder: Path, n_jobs: int | None = None) -> dict[str, float]:
    from corpus_tools.io import ingest

    start = time.perf_counter()
    df, report = ingest(folder, n_jobs=n_jobs)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "files": len(report.files),
        "documents": len(df),
        "duplicates": report.n_duplicates,
        **_usage(),
    }


def phase_parts(folder: Path, n: int) -> dict[str, float]:
    """CPU ms per document of the steps ``ingest`` runs on every article file."""
    from corpus_tools import clean, dedupe, langid
    from corpus_tools._readers import parse_article
    from corpus_tools.io import _LANGID_CHARS

    paths = sorted(Path(folder).rglob("*.txt"))[:n]
    raw = [p.read_text(encoding="utf-8") for p in paths]
    profile = clean.load_profile("pl_portal")
    texts = [profile.clean(parse_article(text).body)[0] for text in raw]
    heads = [text[:_LANGID_CHARS] for text in texts]
    reference = langid._identifier(("en", "ko", "pl", "ru")).model  # py3langid, same model
    dedupe.minhash_signatures(texts[:10])  # imports are not what we measure
    steps = {
        "header + boilerplate profile (clean)": lambda: [
            profile.clean(parse_article(t).body) for t in raw
        ],
        "language id, batched (identify_languages)": lambda: langid.identify_languages(
            heads, max_chars=_LANGID_CHARS
        ),
        "language id, py3langid classify per text (peer)": lambda: [
            reference.classify(h) for h in heads
        ],
        "content_hash": lambda: [clean.content_hash(t) for t in texts],
        "minhash_signatures": lambda: dedupe.minhash_signatures(texts),
    }
    out = {}
    for name, step in steps.items():
        start = time.process_time()
        step()
        out[name] = (time.process_time() - start) / len(texts) * 1e3
    return out


def run_phase(phase: str, folder: Path, *extra: str) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--phase", phase, "--dir", str(folder), *extra]
    before = os.getloadavg()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return {**row, "load_before": before[:2], "load_after": os.getloadavg()[:2]}


def _load(row: dict[str, Any]) -> str:
    (b1, b5), (a1, a5) = row["load_before"], row["load_after"]
    return f"{b1:.1f} / {b5:.1f} → {a1:.1f} / {a5:.1f}"


def _marker(folder: Path, n: int) -> Path:
    """Beside the folder, not in it: a file inside would be ingested (as a hidden file)."""
    return folder.with_name(f"{folder.name}.bench_ingest_{n}")


def _prepare(folder: Path | None, n: int, stack: contextlib.ExitStack) -> tuple[Path, str]:
    """The folder of ``n`` generated files: made in a temporary folder, or kept in ``folder``."""
    if folder is None:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench_ingest_"))
        folder = Path(tmp, "corpus")
    if _marker(folder, n).exists():
        return folder, f"reused from {folder}"
    if folder.exists() and any(folder.iterdir()):
        raise SystemExit(f"{folder} is not empty and not a folder this benchmark generated")
    start = time.perf_counter()
    n_near = generate(folder, n)
    _marker(folder, n).write_text(str(n_near))
    return folder, f"generated in {time.perf_counter() - start:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of article files")
    parser.add_argument("--parts-n", type=int, default=5000, help="files for the step table")
    parser.add_argument("--dir", type=Path, help="keep the generated files here (reused)")
    parser.add_argument("--no-serial", action="store_true", help="skip the n_jobs=1 run")
    parser.add_argument("--phase", choices=["read", "ingest", "parts"], help=argparse.SUPPRESS)
    parser.add_argument("--n-jobs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        if args.phase == "parts":
            print(json.dumps(phase_parts(args.dir, args.parts_n)))
        elif args.phase == "ingest":
            print(json.dumps(phase_ingest(args.dir, args.n_jobs)))
        else:
            print(json.dumps(phase_read(args.dir)))
        return
    with contextlib.ExitStack() as stack:
        folder, made = _prepare(args.dir, args.n, stack)
        n_near = int(_marker(folder, args.n).read_text())
        # Plain reading before and after: the ratio uses their mean, so a change of the
        # machine's load during the run shows as a difference between the two.
        rows = {"plain read (open+read+decode), before": run_phase("read", folder)}
        rows["ingest, all cores (n_jobs=None)"] = full = run_phase("ingest", folder)
        if not args.no_serial:
            rows["ingest, one process (n_jobs=1)"] = run_phase("ingest", folder, "--n-jobs", "1")
        rows["plain read (open+read+decode), after"] = run_phase("read", folder)
        parts = run_phase("parts", folder, "--parts-n", str(args.parts_n))
    read_seconds = (rows["plain read (open+read+decode), before"]["seconds"]
                    + rows["plain read (open+read+decode), after"]["seconds"]) / 2  # fmt: skip
    print(f"# Ingest benchmark: {args.n} files (~3 KB), {made}\n")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average (1 / 5 min) before → after each "
          "phase in the table\n")  # fmt: skip
    print("| step | files | wall s | files/s | ratio to plain read | CPU s | files per CPU s "
          "| peak RSS MB (self / largest worker) | load |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['files']} | {row['seconds']:.2f} | "
            f"{row['files'] / row['seconds']:,.0f} | {row['seconds'] / read_seconds:.1f}x | "
            f"{row['cpu_seconds']:.1f} | {row['files'] / row['cpu_seconds']:,.0f} | "
            f"{row['rss_mb']:.0f} / {row['rss_children_mb']:.0f} | {_load(row)} |"
        )
    ratio = full["seconds"] / read_seconds
    print(
        f"\ningest takes {ratio:.1f}x the time of plain reading (mean of the two plain "
        f"reads, {read_seconds:.2f} s); {full['documents']} documents, "
        f"{full['duplicates']} marked as duplicates ({n_near} near-duplicates generated)."
    )
    print(
        f"\nCPU per document of the per-file steps ({args.parts_n} files, one process, "
        f"load {_load(parts)}):\n"
    )
    print("| step | CPU ms/doc |\n|---|---:|")
    for name, ms in parts.items():
        if name.startswith("load_"):
            continue
        print(f"| {name} | {ms:.3f} |")


if __name__ == "__main__":
    main()
