"""Readers: encodings, tables with mappings, Media Cloud, GDELT, HTML, archives."""

from __future__ import annotations

import datetime
import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_io import EN_BODY, PL_BODY, RU_BODY, status_by_name

from corpus_tools._readers import decode_bytes, parse_date
from corpus_tools.io import CorpusSourceError, ingest, load_corpus

PL_DIACRITICS = (
    "Źródła w Warszawie podają, że ślady rozmów są ważne, a gęś źle się czuła.\n\n"
    "Świadkowie mówią o ziębie, jaźni i łące; Ąę Ćń Óś Źż Ł."
)
ARTICLE = "001_0123456789abcdef.txt"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# ---- encodings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (PL_DIACRITICS, "cp1250"),
        (PL_DIACRITICS, "iso8859_2"),
        (RU_BODY, "cp1251"),
        (RU_BODY, "koi8_r"),
        (PL_DIACRITICS, "utf-8"),
    ],
)
def test_encodings_detected(tmp_path: Path, text: str, codec: str) -> None:
    write(tmp_path / ARTICLE, f" date 2024-06-19 Podpis\n\n{text}".encode(codec))
    df, report = ingest(tmp_path / ARTICLE)
    assert df.loc[0, "text"] == text
    assert report.files.loc[0, "encoding"] == codec


def test_bom_crlf_and_nfc(tmp_path: Path) -> None:
    decomposed = "Zaz\u0307o\u0301ł\u0107"  # "Zażółć" with combining marks, as macOS writes
    raw = f" date 2024-06-19\r\n\r\n{decomposed} {PL_BODY}".replace("\n", "\r\n")
    write(tmp_path / ARTICLE, b"\xef\xbb\xbf" + raw.encode("utf-8"))
    text = load_corpus(tmp_path / ARTICLE).loc[0, "text"]
    assert "\r" not in text
    assert text.startswith("Zażółć ")
    assert text.endswith(PL_BODY.split("\n")[-1])


def test_encoding_override(tmp_path: Path) -> None:
    write(tmp_path / ARTICLE, f" date 2024-06-19\n\n{PL_DIACRITICS}".encode("iso8859_2"))
    assert load_corpus(tmp_path / ARTICLE, encoding="iso-8859-2").loc[0, "text"] == PL_DIACRITICS
    _, report = ingest(tmp_path / ARTICLE, encoding="utf-8")
    assert report.files.loc[0, "status"] == "skipped"
    assert report.files.loc[0, "reason"].startswith("undecodable")


def test_binary_and_empty_files_skipped(tmp_path: Path) -> None:
    write(tmp_path / "001_0123456789abcdef.txt", b"\x00\x01\x02PK\x00" * 50)
    write(tmp_path / "002_0123456789abcdef.txt", b"")
    write(tmp_path / "003_0123456789abcdef.txt", f" date 2024-06-19\n\n{EN_BODY}")
    df, report = ingest(tmp_path)
    assert df["doc_id"].tolist() == ["003_0123456789abcdef"]
    reasons = dict(zip(report.files["path"], report.files["reason"], strict=True))
    assert reasons[(tmp_path / "001_0123456789abcdef.txt").as_posix()] == "binary"
    assert reasons[(tmp_path / "002_0123456789abcdef.txt").as_posix()] == "empty"


def test_decode_prefers_valid_polish_letters() -> None:
    # ś and ą are 0x9C/0xB9 in CP1250 but 0xB6/0xB1 in ISO-8859-2: the other decoding
    # would give "¶" and "±" inside words.
    assert decode_bytes("święta ąę".encode("iso8859_2")) == ("święta ąę", "iso8859_2")
    assert decode_bytes("święta ąę".encode("cp1250")) == ("święta ąę", "cp1250")


# ---- dates ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        # Every supported shape with its value, worked out by hand.
        (1718755200000, "2024-06-19", "day"),  # epoch ms (hand-checked: 1718755200 s)
        (1718755200, "2024-06-19", "day"),  # epoch seconds
        (1718755200.5, "2024-06-19 00:00:00.5", "day"),
        (-86400, "1969-12-31", "day"),  # one day before the epoch
        ("1718755200000", "2024-06-19", "day"),
        ("1718755200", "2024-06-19", "day"),
        (np.int64(1718755200), "2024-06-19", "day"),
        # A four-digit integer is a year, never 2024 seconds after the epoch.
        (2024, "2024-01-01", "year"),
        (2024.0, "2024-01-01", "year"),
        ("2024", "2024-01-01", "year"),
        ("2024-06", "2024-06-01", "month"),
        ("2024/06", "2024-06-01", "month"),
        ("2024-6", "2024-06-01", "month"),
        ("2024/6", "2024-06-01", "month"),
        ("2024-06-19", "2024-06-19", "day"),
        ("2024-06-19 14:30", "2024-06-19 14:30", "day"),
        ("2024-06-19T14:00:00+02:00", "2024-06-19 12:00:00", "day"),  # to UTC, zone dropped
        ("20240619", "2024-06-19", "day"),
        ("20240619T120000Z", "2024-06-19 12:00:00", "day"),
        (datetime.date(2024, 6, 19), "2024-06-19", "day"),
        (datetime.datetime(2024, 6, 19, 23, 0, tzinfo=datetime.UTC), "2024-06-19 23:00", "day"),
        (pd.Timestamp("2024-06-19 01:00", tz="Asia/Pyongyang"), "2024-06-18 16:00", "day"),
        (None, None, None),
        (float("nan"), None, None),
        (pd.NaT, None, None),
        ("", None, None),
        ("  ", None, None),
    ],
)
def test_parse_date(value: object, expected: str | None, precision: str | None) -> None:
    stamp, prec = parse_date(value)
    assert prec == precision
    assert stamp == (pd.Timestamp(expected) if expected else None)
    assert stamp is None or stamp.tzinfo is None


def test_numeric_dates_years_seconds_and_milliseconds_boundaries() -> None:
    # 1000-9999 are years; a year outside datetime64[ns] (1677-2262) is an error, never
    # silently read as seconds. 999 and 10000 are seconds after the epoch.
    assert parse_date(999) == (pd.Timestamp("1970-01-01 00:16:39"), "day")
    assert parse_date(10000) == (pd.Timestamp("1970-01-01 02:46:40"), "day")
    assert parse_date(2262) == (pd.Timestamp("2262-01-01"), "year")
    # Up to 12 digits are seconds (a lone 253402300800 is the year 10000, never 1978 read
    # as milliseconds): beyond datetime64[ns] that is an error naming the millisecond
    # option. 13 digits are milliseconds: 1e12 ms is 1e9 s after the epoch.
    for value in (99_999_999_999, 100_000_000_000, 253_402_300_800):
        with pytest.raises(ValueError, match=rf"epoch s {value} is outside .*'epoch_ms'"):
            parse_date(value)
    assert parse_date(1_000_000_000_000) == (pd.Timestamp("2001-09-09 01:46:40"), "day")
    for year in (1000, 9999):
        with pytest.raises(ValueError, match=f"{year}-01-01"):
            parse_date(year)


def test_parse_date_rejects_junk() -> None:
    with pytest.raises(ValueError, match="unable to parse: not a date"):
        parse_date("not a date")
    with pytest.raises(ValueError, match="9999-12-31"):
        parse_date("9999-12-31")  # outside datetime64[ns]
    with pytest.raises(ValueError, match="not a date: True"):
        parse_date(True)


def test_dotted_dates_in_a_day_first_column_are_day_month_year(tmp_path: Path) -> None:
    # 19.06.2024 can only be day-first, so the column is day-first: 05.06.2024 is 5 June.
    write(tmp_path / "d.csv", f'text,date\n"{EN_BODY}",05.06.2024\n"{PL_BODY}",19.06.2024\n')
    df = load_corpus(tmp_path / "d.csv")
    pd.testing.assert_series_equal(
        df["date"],
        pd.Series(pd.to_datetime(["2024-06-05", "2024-06-19"]), name="date").astype(
            "datetime64[ns]"
        ),
        check_index=False,
    )
    assert df["date_precision"].tolist() == ["day", "day"]


# ---- tables and record lists ----------------------------------------------------------------
RECORDS = [
    {"headline": "A", "story_text": EN_BODY, "published": 1718755200000, "link": "u1", "k": 1},
    {"headline": "B", "story_text": PL_BODY, "published": "2024-06", "link": "u2", "k": 2},
    {"headline": "C", "story_text": "", "published": "garbage", "link": "u3", "k": 3},
]
MAPPING = {"text": "story_text", "title": "headline", "date": "published", "url": "link"}


def _csv(path: Path, sep: str = ",") -> None:
    pd.DataFrame(RECORDS).astype(str).to_csv(path, index=False, sep=sep)


WRITERS = {
    "data.csv": _csv,
    "data.tsv": lambda p: _csv(p, sep="\t"),
    "data.jsonl": lambda p: p.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n"),
    "data.json": lambda p: p.write_text(json.dumps(RECORDS)),
    "data.parquet": lambda p: pd.DataFrame(RECORDS).astype({"published": str}).to_parquet(p),
    "data.xlsx": lambda p: (
        pd.DataFrame(RECORDS).astype({"published": str}).to_excel(p, index=False)
    ),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_tables_with_mapping(tmp_path: Path, name: str) -> None:
    WRITERS[name](tmp_path / name)
    df, report = ingest(tmp_path / name, mapping=MAPPING, outlet="Wire")
    assert df["doc_id"].tolist() == ["data#0", "data#1", "data#2"]
    assert df["source"].iloc[1] == f"{(tmp_path / name).as_posix()}#1"
    assert df["title"].tolist() == ["A", "B", "C"]
    assert df["url"].tolist() == ["u1", "u2", "u3"]
    assert df["date"].iloc[0] == pd.Timestamp("2024-06-19")
    assert df["date_precision"].iloc[:2].tolist() == ["day", "month"]
    assert pd.isna(df["date"].iloc[2])
    assert df["text"].iloc[:2].tolist() == [EN_BODY, PL_BODY]
    assert pd.isna(df["text"].iloc[2]) and df["n_chars"].iloc[2] == 0
    assert df["language"].iloc[:2].tolist() == ["en", "pl"]
    assert set(df["outlet"]) == {"Wire"}
    assert [str(v) for v in df["k"]] == ["1", "2", "3"]  # extra field kept
    notes = set(report.notes["note"])
    assert "no text" in notes and "unparseable date 'garbage'" in notes
    assert report.counts()["loaded"] == 1


def test_mapping_field_missing_is_an_error(tmp_path: Path) -> None:
    _csv(tmp_path / "data.csv")
    columns = "headline, k, link, published, story_text"
    message = f"data.csv: mapped column\\(s\\) 'body' not in the data; its columns are: {columns}"
    with pytest.raises(CorpusSourceError, match=message):
        ingest(tmp_path / "data.csv", mapping={"text": "body"})
    with pytest.raises(CorpusSourceError, match="'body' not in the data"):
        load_corpus(tmp_path / "data.csv", mapping={"text": ["story_text", "body"]})


def test_mapping_field_missing_in_one_file_of_a_folder_is_reported(tmp_path: Path) -> None:
    _csv(tmp_path / "data.csv")
    write(tmp_path / "other.csv", "id,body\na,text\n")
    df, report = ingest(tmp_path, mapping={"text": "story_text", "title": "headline"})
    status = report.files.set_index("path")["status"]
    assert status[(tmp_path / "other.csv").as_posix()] == "skipped"
    assert "'headline', 'story_text' not in the data" in report.files.loc[1, "reason"]
    assert len(df) == 3


def test_table_without_mapping_uses_schema_names(tmp_path: Path) -> None:
    write(tmp_path / "t.csv", f'doc_id,text,date,source\nx1,"{EN_BODY}",2024-06-19,scraper\n')
    df = load_corpus(tmp_path / "t.csv")
    assert df["doc_id"].tolist() == ["x1"]
    assert df["orig_source"].tolist() == ["scraper"]  # never overwrites the schema column
    write(tmp_path / "u.csv", "a,b\n1,2\n")
    with pytest.raises(CorpusSourceError, match=r"u\.csv: no column maps to .*pass mapping="):
        ingest(tmp_path / "u.csv")
    # In a folder with other input it is one skipped file among others.
    _, report = ingest(tmp_path)
    assert (
        "pass mapping="
        in report.files.set_index("path").loc[(tmp_path / "u.csv").as_posix(), "reason"]
    )


def test_media_cloud_csv(tmp_path: Path) -> None:
    # Column names of a Media Cloud (API v2) story list export.
    rows = pd.DataFrame(
        {
            "stories_id": ["2891", "2892"],
            "publish_date": ["2024-06-19 08:15:00", "2024-06-20 10:00:00"],
            "title": ["Putin in Pyongyang", "Путин в Пхеньяне"],
            "url": ["https://a.example/1", "https://b.example/2"],
            "media_name": ["a.example", "b.example"],
            "media_url": ["https://a.example", "https://b.example"],
            "language": ["en", "ru"],
        }
    )
    rows.to_csv(tmp_path / "mc.csv", index=False)
    df, report = ingest(tmp_path / "mc.csv")
    assert report.files.loc[0, "reader"] == "csv (mediacloud)"
    assert df["doc_id"].tolist() == ["2891", "2892"]
    assert df["outlet"].tolist() == ["a.example", "b.example"]
    assert df["language"].tolist() == ["en", "ru"]
    assert df["language_prob"].tolist() == [1.0, 1.0]
    assert df["date"].iloc[0] == pd.Timestamp("2024-06-19 08:15")
    assert df["text"].isna().all()
    assert df["media_url"].tolist() == rows["media_url"].tolist()


def test_gdelt_artlist_json(tmp_path: Path) -> None:
    article = {
        "url": "https://news.example/kim",
        "url_mobile": "",
        "title": "Kim meets Putin",
        "seendate": "20240619T120000Z",
        "socialimage": "",
        "domain": "news.example",
        "language": "English",
        "sourcecountry": "United States",
    }
    write(tmp_path / "gdelt.json", json.dumps({"articles": [article]}))
    df, report = ingest(tmp_path / "gdelt.json")
    assert report.files.loc[0, "reader"] == "json (gdelt)"
    row = df.iloc[0]
    assert row["date"] == pd.Timestamp("2024-06-19 12:00")
    assert (row["language"], row["outlet"], row["title"]) == (
        "en",
        "news.example",
        "Kim meets Putin",
    )
    assert row["sourcecountry"] == "United States"
    assert pd.isna(row["text"])


def test_html_page(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in PL_BODY.split("\n\n"))
    page = (
        "<html><head><title>Putin i Kim</title></head><body><nav>Menu Start Kontakt</nav>"
        f"<article><h1>Putin i Kim</h1>{paragraphs}</article></body></html>"
    )
    write(tmp_path / "portal" / "page.html", page)
    df = load_corpus(tmp_path)
    assert df["doc_id"].tolist() == ["portal/page"]
    assert df["outlet"].tolist() == ["portal"]
    assert "współpracy wojskowej" in df.loc[0, "text"]
    assert "Menu Start Kontakt" not in df.loc[0, "text"]
    assert df.loc[0, "language"] == "pl"


# ---- archives -------------------------------------------------------------------------------
def _article_bytes(body: str, day: int = 19) -> bytes:
    return f" date 2024-06-{day:02d} Podpis Źródło: PAP\n\n{body}".encode()


def test_zip_archive_members_and_attacks(tmp_path: Path) -> None:
    archive = tmp_path / "dump.zip"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:
        nested.writestr("x.txt", "nested")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("gazeta/001_00000000000000a1.txt", _article_bytes(PL_BODY))
        zf.writestr("002_00000000000000b2.txt", _article_bytes(EN_BODY, 20))
        zf.writestr("../evil.txt", "escape")
        zf.writestr("/etc/cron.txt", "absolute")
        zf.writestr("bomb.txt", b"0" * 3_000_000)  # ~3 KB compressed
        zf.writestr("inner.zip", inner.getvalue())
        zf.writestr("gazeta/", "")  # a directory entry is not an input
    df, report = ingest(archive, max_file_bytes=1_000_000)
    assert df["doc_id"].tolist() == ["002_00000000000000b2", "gazeta/001_00000000000000a1"]
    assert df["outlet"].tolist()[1] == "gazeta"
    assert df["source"].tolist()[1] == f"{archive.as_posix()}!gazeta/001_00000000000000a1.txt"
    files = report.files.set_index("path")
    reason = files["reason"]
    prefix = archive.as_posix() + "!"
    assert reason[prefix + "../evil.txt"] == "unsafe path: .. component"
    assert reason[prefix + "/etc/cron.txt"] == "unsafe path: absolute"
    assert reason[prefix + "bomb.txt"].startswith("too large")
    assert reason[prefix + "inner.zip"].startswith("unsupported type")
    # archive itself + 6 file members; statuses add up
    assert len(files) == 7 and sum(report.counts().values()) == 7
    assert report.counts() == {"loaded": 3, "duplicate": 0, "ignored": 0, "skipped": 4}


def test_zip_total_budget(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(5):
            zf.writestr(f"{i:03d}_00000000000000a{i}.txt", b" date 2024-06-19\n\n" + b"a " * 500)
    _, report = ingest(archive, max_archive_bytes=2500)
    reasons = report.files["reason"].tolist()
    # Each member is ~1 KB: two fit in 2.5 KB, the third hits the cap, the rest are refused.
    assert sum(r.startswith("too large") for r in reasons) == 3


def test_tar_gz_with_links_and_folder_archive(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    archive = root / "ria.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for name, data in [
            ("001_00000000000000a1.txt", _article_bytes(RU_BODY)),
            ("../../up.txt", b"escape"),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("link.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    df, report = ingest(root)
    # Inside a folder an archive acts as a subfolder named after it.
    assert df["doc_id"].tolist() == ["ria/001_00000000000000a1"]
    assert df["outlet"].tolist() == ["ria"]
    assert df["language"].tolist() == ["ru"]
    statuses = report.files.set_index("path")["status"]
    prefix = archive.as_posix() + "!"
    assert statuses[prefix + "../../up.txt"] == "skipped"
    assert statuses[prefix + "link.txt"] == "skipped"
    assert report.files["reason"].str.contains("unsafe path: link").any()
    assert len(report.files) == 4


def test_damaged_archive_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "broken.zip", b"PK\x03\x04 this is not really a zip")
    write(tmp_path / "001_0123456789abcdef.txt", _article_bytes(EN_BODY))
    df, report = ingest(tmp_path)
    assert len(df) == 1
    assert status_by_name(report)["broken.zip"] == "skipped"


def test_out_of_range_compact_date_is_a_note_not_a_crash(tmp_path: Path) -> None:
    # datetime64[ns] ends in 2262: 9999-12-31 cannot be held, in any date format.
    with pytest.raises(ValueError, match="9999-12-31"):
        parse_date("99991231")
    path = tmp_path / "export.csv"
    story = "North Korean troops were reported in the Kursk region by Seoul's intelligence."
    path.write_text(f"id,day,story\na,99991231,{story}\nb,20240619,{story}\n", "utf-8")
    mapping = {"doc_id": "id", "date": "day", "text": "story"}
    df, report = ingest(path, mapping=mapping, dedupe=False)
    assert df["date"].isna().tolist() == [True, False]
    assert report.notes["note"].tolist() == ["unparseable date '99991231'"]
