"""Cleaning quality: boilerplate left and wire copies found in the demo, langid head size.

Loads the SYNTHETIC demo corpus with :func:`corpus_tools.datasets.load_demo`
(``io.load_corpus`` with the default profile ``pl_portal``) and reports, in markdown tables:

* how many loaded ``text`` values still contain each boilerplate line shape the demo
  generator plants (taken from the phrase books ``corpus_tools/demo/lang_*.yaml``);
* precision and recall of the planted wire copies: a ``duplicate_of`` link is correct
  when both documents belong to the same planted ``duplicate_group`` (either direction,
  as in tests/test_demo.py), recall is over the planted copies (non-canonical members);
* the same precision/recall with a day-precision-only window (the ``date_precision``
  column dropped), i.e. the behaviour before the precision-aware window;
* :func:`corpus_tools.langid.identify_languages` with ``max_chars`` 2,000 and 1,000 (and
  500, what ``io.load_corpus`` uses) on the demo texts and on the first ``--news-n`` texts
  of ../shared/corpora/newsarticles/NewsArticles.zip: decisions that differ from the
  2,000-character answer, and CPU seconds of this (single-threaded) process.

Usage::

    .venv/bin/python benchmarks/bench_clean_quality.py --news-n 500
"""

from __future__ import annotations

import argparse
import io
import platform
import re
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd

from corpus_tools.datasets import load_demo
from corpus_tools.dedupe import mark_duplicates
from corpus_tools.langid import identify_languages

NEWS_ZIP = Path(__file__).resolve().parents[2] / "shared/corpora/newsarticles/NewsArticles.zip"
LANGID_CHARS = (2000, 1000, 500)

# (shape, regex on a whole line of the loaded text, its label anywhere in the text) for every
# boilerplate line the demo phrase books plant; io.py parses the header line separately.
SHAPES: tuple[tuple[str, str, str], ...] = (
    ("en: Listen to this article", r"Listen to this article", "Listen to"),
    ("en: Key facts: <sentence>", r"Key facts:.*", "Key facts:"),
    ("en: Read more: <headline>", r"Read more:.*", "Read more:"),
    ("en: Photo: <caption> Source: <credit>", r"Photo:.* Source:.*", "Photo:"),
    ("en: <caption> Source: <credit>", r".* Source: .{1,40}", "Source:"),
    ("pl: Posłuchaj artykułu Dowiedz się więcej", r"Posłuchaj artykułu.*", "Posłuchaj"),
    ("pl: Kluczowe fakty: <sentence>", r"Kluczowe fakty:.*", "Kluczowe fakty:"),
    ("pl: Dowiedz się więcej: <headline>", r"Dowiedz się więcej:.*", "Dowiedz się"),
    ("pl: <caption> Źródło: <credit>", r".*Źródło:.*", "Źródło:"),
    ("ru: Слушать статью", r"Слушать статью", "Слушать"),
    ("ru: Главное: <sentence>", r"Главное:.*", "Главное:"),
    ("ru: Читайте также: <headline>", r"Читайте также:.*", "Читайте"),
    ("ru: Фото: <caption> Источник: <credit>", r"Фото:.*Источник:.*", "Фото:"),
    ("ru: <caption> Источник: <credit>", r".*Источник: .{1,40}", "Источник:"),
    ("ko: <caption> 출처: <credit>", r".*출처:.*", "출처:"),
)


def shape_counts(texts: pd.Series) -> list[tuple[str, int, int]]:
    """Texts with at least one line of each shape, and texts with its label anywhere."""
    out = []
    for name, pattern, label in SHAPES:
        regex = re.compile(rf"^(?:{pattern})$", re.MULTILINE)
        lines = int(texts.map(lambda t, r=regex: bool(r.search(t))).sum())
        out.append((name, lines, int(texts.str.contains(label, regex=False).sum())))
    return out


def wire_copy_scores(demo: pd.DataFrame, duplicate_of: pd.Series) -> tuple[float, float, int, int]:
    """Precision, recall, number of links (as in tests/test_demo.py) and copies that point
    to their planted original."""
    group = demo.set_index("doc_id")["truth_duplicate_group"]
    linked = demo.loc[duplicate_of.notna(), "doc_id"]
    source = group.reindex(linked).reset_index(drop=True)
    target = group.reindex(duplicate_of.dropna()).reset_index(drop=True)
    same = source.eq(target).fillna(False).astype(bool)
    copies = demo["truth_duplicate_group"].notna() & (
        demo["truth_canonical_doc_id"] != demo["doc_id"]
    )
    exact = int((duplicate_of[copies] == demo.loc[copies, "truth_canonical_doc_id"]).sum())
    precision = float(same.mean()) if len(same) else float("nan")
    return precision, float(same.sum() / copies.sum()), len(same), exact


def news_texts(n: int) -> list[str]:
    """The first ``n`` non-empty texts of the NewsArticles corpus (English news)."""
    with zipfile.ZipFile(NEWS_ZIP) as zf:
        frame = pd.read_csv(io.BytesIO(zf.read("NewsArticles.csv")), encoding="utf-8")
    return frame["text"].dropna().astype(str).head(n).tolist()


def langid_rows(name: str, texts: list[str]) -> list[str]:
    """Markdown rows: per ``max_chars``, changed decisions vs 2,000 characters and CPU s."""
    rows, reference = [], None
    identify_languages(["Warm-up: the model is loaded once per process."])
    for max_chars in LANGID_CHARS:
        cpu = time.process_time()
        codes, _ = identify_languages(texts, max_chars=max_chars)
        cpu = time.process_time() - cpu
        reference = codes if reference is None else reference
        changed = sum(a != b for a, b in zip(codes, reference, strict=True))
        counts = pd.Series(codes, dtype="string").value_counts(dropna=False).to_dict()
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str))
        rows.append(f"| {name} | {len(texts)} | {max_chars} | {changed} | {answers} | {cpu:.2f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--news-n", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        demo = load_demo(with_truth=True, data_home=home, n_jobs=1)
    texts = demo["text"].dropna()
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}.")
    print(f"{len(demo)} demo documents loaded with the default profile.\n")
    print("| boilerplate shape | texts with such a line | texts with its label anywhere |")
    print("|---|---:|---:|")
    for name, lines, labels in shape_counts(texts):
        print(f"| {name} | {lines} | {labels} |")
    day_only = mark_duplicates(demo.drop(columns="date_precision"))
    n_copies = int(
        (
            demo["truth_duplicate_group"].notna()
            & (demo["truth_canonical_doc_id"] != demo["doc_id"])
        ).sum()
    )
    print(f"\nPlanted wire copies: {n_copies}.\n")
    print(
        "| window | links | precision | recall | copies -> planted original |"
        "\n|---|---:|---:|---:|---:|"
    )
    for label, links in (
        ("precision-aware (date_precision used)", demo["duplicate_of"]),
        ("day precision only (old behaviour)", day_only),
    ):
        p, r, n, exact = wire_copy_scores(demo, links)
        print(f"| {label} | {n} | {p:.3f} | {r:.3f} | {exact} |")
    print(
        "\n| corpus | docs | max_chars | decisions changed vs 2000 | answers | CPU s |"
        "\n|---|---:|---:|---:|---|---:|"
    )
    for row in langid_rows("demo", texts.tolist()) + langid_rows(
        "NewsArticles", news_texts(args.news_n)
    ):
        print(row)


if __name__ == "__main__":
    main()
