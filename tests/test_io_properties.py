"""Property tests: the loader never crashes on file contents and never loses a file."""

from __future__ import annotations

import datetime
import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_tools._readers import decode_bytes, parse_article
from corpus_tools.io import STATUSES, IngestReport, ingest

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PL_WORDS = [
    "żołnierz",
    "świat",
    "pąk",
    "źródło",
    "gęś",
    "Łódź",
    "współpraca",
    "państwo",
    "ćma",
    "ósmy",
    "Kraków",
    "wojsko",
    "rozmowa",
    "się",
    "są",
    "ważne",
    "Ślęża",
]
RU_WORDS = [
    "переговоры",
    "Москва",
    "сотрудничество",
    "армия",
    "ядерный",
    "Пхеньян",
    "встреча",
    "эшелон",
    "объём",
    "ёлка",
    "щит",
    "хорошо",
    "Россия",
]
NAMES = st.one_of(
    st.from_regex(r"\A[0-9]{3}_[0-9a-f]{16}\.txt\Z"),
    st.sampled_from(
        [
            "a.csv",
            "b.json",
            "c.jsonl",
            "d.html",
            "e.parquet",
            "f.xlsx",
            "g.tsv",
            "h.bin",
            ".hidden",
            "noext",
            "i.zip",
            "j.tar.gz",
        ]
    ),
)


def sentences(words: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(words), min_size=3, max_size=40).map(" ".join)


def assert_accounts_for(report: IngestReport, n_inputs: int) -> None:
    files = report.files
    assert len(files) == n_inputs
    assert files["path"].is_unique
    assert set(files["status"]) <= set(STATUSES)
    assert sum(report.counts().values()) == n_inputs
    not_loaded = files[files["status"].isin(["ignored", "skipped"])]
    assert (not_loaded["reason"].str.len() > 0).all()
    assert files.loc[files["status"] == "loaded", "n_records"].ge(0).all()


@SETTINGS
@given(st.dictionaries(NAMES, st.binary(max_size=400), min_size=1, max_size=6))
def test_random_files_never_crash_or_vanish(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        df, report = ingest(tmp, dedupe=False)
    assert_accounts_for(report, len(files))
    assert int(report.files["n_records"].sum()) == len(df)


@SETTINGS
@given(
    st.one_of(
        st.tuples(sentences(PL_WORDS), st.sampled_from(["cp1250", "iso8859_2", "utf-8"])),
        st.tuples(sentences(RU_WORDS), st.sampled_from(["cp1251", "koi8_r", "utf-8"])),
    )
)
def test_random_text_in_random_encoding_is_recovered(case: tuple[str, str]) -> None:
    text, codec = case
    decoded, _ = decode_bytes(text.encode(codec))
    assert decoded == text


@SETTINGS
@given(
    date=st.dates(
        min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2100-12-31").date()
    ),
    with_day=st.booleans(),
    caption=st.one_of(st.none(), sentences(PL_WORDS)),
    credit=st.one_of(st.none(), st.sampled_from(["PAP", "KCNA/Reuters", "PAP/EPA/KCNA"])),
)
def test_header_variants_parse(
    date: datetime.date, with_day: bool, caption: str | None, credit: str | None
) -> None:
    stamp = date.strftime("%Y-%m-%d" if with_day else "%Y-%m")
    parts = [f" date {stamp}", caption, f"Źródło: {credit}" if credit else None]
    header = parse_article(" ".join(p for p in parts if p) + "\n\nTreść artykułu.")
    assert header is not None
    expected = pd.Timestamp(date if with_day else date.replace(day=1))
    assert (header.date, header.precision) == (expected, "day" if with_day else "month")
    assert (header.caption, header.credit) == (caption, credit)


MEMBER_NAMES = st.one_of(
    NAMES,
    st.sampled_from(["../up.txt", "/abs.txt", "C:/win.txt", "a/../../b.txt", "dir/x.csv"]),
    st.from_regex(r"\A[a-z]{1,5}/[0-9]{3}_[0-9a-f]{16}\.txt\Z"),
)
ARTICLE = " date 2024-06-19 Podpis Źródło: PAP\n\nKim Dzong Un spotkał się z Putinem."


@SETTINGS
@given(
    st.lists(
        st.tuples(MEMBER_NAMES, st.one_of(st.binary(max_size=300), st.just(ARTICLE.encode()))),
        min_size=1,
        max_size=6,
        unique_by=lambda m: m[0],
    )
)
def test_random_archives_never_crash_or_vanish(members: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for name, data in members:
                zf.writestr(name, data)
        archive = Path(tmp) / "random.zip"
        archive.write_bytes(buffer.getvalue())
        df, report = ingest(archive, dedupe=False, max_file_bytes=200)
    # The archive itself plus each member.
    assert_accounts_for(report, len(members) + 1)
    unsafe = [n for n, _ in members if n.startswith(("/", "C:")) or ".." in n.split("/")]
    statuses = report.files.set_index("path")["status"]
    for name in unsafe:
        assert statuses[f"{archive.as_posix()}!{name}"] == "skipped"
    assert not any(".." in s or "!/" in s for s in df["source"])
