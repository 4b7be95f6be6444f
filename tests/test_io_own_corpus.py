"""A researcher's own table: dates, column mapping and declared languages, never silent."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_io import EN_BODY, PL_BODY, write_article

from corpus_tools._readers import DateFormatError, date_rule, parse_date
from corpus_tools.cli import main
from corpus_tools.io import CorpusSourceError, ingest, load_corpus, read_corpus

STORY = "North Korean troops were reported in the Kursk region by Seoul's intelligence."


def _table(path: Path, dates: list[object], **columns: list[object]) -> Path:
    n = len(dates)
    frame = pd.DataFrame(
        {
            "id": [f"d{i}" for i in range(n)],
            "day": dates,
            "story": [f"{STORY} {i}" for i in range(n)],
        }
        | columns
    )
    frame.to_csv(path, index=False)
    return path


MAPPING = {"doc_id": "id", "date": "day", "text": "story"}


# ---- dates --------------------------------------------------------------------------------
@pytest.mark.parametrize("sep", ["/", ".", "-"])
def test_day_first_csv_is_read_day_first(tmp_path: Path, sep: str) -> None:
    dates = [sep.join(d) for d in (("02", "01", "2023"), ("13", "01", "2023"), ("1", "9", "2023"))]
    df, report = ingest(_table(tmp_path / "t.csv", dates), mapping=MAPPING, dedupe=False)
    expected = pd.to_datetime(["2023-01-02", "2023-01-13", "2023-09-01"])
    pd.testing.assert_series_equal(
        df["date"], pd.Series(expected, name="date").astype("datetime64[ns]")
    )
    assert df["date_precision"].tolist() == ["day"] * 3
    fmt = f"'13{sep}01{sep}2023' has no month 13"
    assert f"date column 'day': dates read day first (DD/MM/YYYY) ({fmt})" in set(
        report.notes["note"]
    )


def test_month_first_csv_is_read_month_first(tmp_path: Path) -> None:
    df, _ = ingest(_table(tmp_path / "t.csv", ["02/01/2023", "01/13/2023 10:30"]), mapping=MAPPING)
    assert df["date"].tolist() == [pd.Timestamp("2023-02-01"), pd.Timestamp("2023-01-13 10:30")]


def test_undecidable_day_month_order_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = _table(tmp_path / "t.csv", ["02/01/2023", "03/01/2023"])
    with pytest.raises(CorpusSourceError, match=r"t\.csv: .*'02/01/2023'.*dayfirst=True.*%d/%m/%Y"):
        ingest(path, mapping=MAPPING)
    df, _ = ingest(path, mapping=MAPPING, dayfirst=True)
    assert df["date"].tolist() == [pd.Timestamp("2023-01-02"), pd.Timestamp("2023-01-03")]
    df, _ = ingest(path, mapping=MAPPING, dayfirst=False)
    assert df["date"].tolist() == [pd.Timestamp("2023-02-01"), pd.Timestamp("2023-03-01")]
    df, _ = ingest(path, mapping=MAPPING, date_format="%d/%m/%Y")
    assert df["date"].tolist() == [pd.Timestamp("2023-01-02"), pd.Timestamp("2023-01-03")]


def test_mixed_format_date_column(tmp_path: Path) -> None:
    # ISO, a month name and numeric day-first dates agree; each row is read right.
    dates = ["2023-09-13", "13 September 2023", "14/09/2023", "02/10/2023", "", "garbage", "2023"]
    df, report = ingest(_table(tmp_path / "t.csv", dates), mapping=MAPPING, dedupe=False)
    expected = ["2023-09-13", "2023-09-13", "2023-09-14", "2023-10-02", None, None, "2023-01-01"]
    pd.testing.assert_series_equal(
        df["date"], pd.Series(pd.to_datetime(expected), name="date").astype("datetime64[ns]")
    )
    assert df["date_precision"].tolist()[-1] == "year"
    assert "unparseable date 'garbage'" in set(report.notes["note"])
    # One value proves day first, another month first: no single format fits.
    path = _table(tmp_path / "u.csv", ["13/01/2023", "01/13/2023"])
    with pytest.raises(CorpusSourceError, match=r"mix day-first \('13/01/2023'\) and month-first"):
        ingest(path, mapping=MAPPING)


def test_given_format_and_values_that_do_not_match_it(tmp_path: Path) -> None:
    path = _table(tmp_path / "t.csv", ["13.09.2023 14:05", "2023-09-14"])
    df, report = ingest(path, mapping=MAPPING, date_format="%d.%m.%Y %H:%M", dedupe=False)
    assert df["date"].iloc[0] == pd.Timestamp("2023-09-13 14:05")
    assert pd.isna(df["date"].iloc[1])
    assert "unparseable date '2023-09-14'" in set(report.notes["note"])
    with pytest.raises(CorpusSourceError, match="not a usable strftime format"):
        ingest(path, mapping=MAPPING, date_format="%Q")
    with pytest.raises(CorpusSourceError, match="date_format or dayfirst, not both"):
        ingest(path, mapping=MAPPING, date_format="%d.%m.%Y", dayfirst=True)


def test_epoch_and_year_numbers(tmp_path: Path) -> None:
    # 253402300800 s is 10000-01-01: out of range, not 1978-01-12 read as milliseconds.
    path = tmp_path / "t.json"
    records = [
        {"id": "a", "day": 253402300800, "story": STORY + " a"},
        {"id": "b", "day": 2023, "story": STORY + " b"},
        {"id": "c", "day": 1694563200, "story": STORY + " c"},
    ]
    path.write_text(json.dumps(records), encoding="utf-8")
    df, report = ingest(path, mapping=MAPPING, dedupe=False)
    assert pd.isna(df["date"].iloc[0])
    assert df["date"].iloc[1:].tolist() == [pd.Timestamp("2023-01-01"), pd.Timestamp("2023-09-13")]
    assert df["date_precision"].iloc[1:].tolist() == ["year", "day"]
    note = report.notes.set_index("doc_id")["note"]["a"]
    assert note.startswith("unparseable date 253402300800 (epoch s 253402300800 is outside")
    assert "date_format='epoch_ms'" in note
    # A 13-digit value in the column makes every value milliseconds.
    assert date_rule([1694563200000, 253402300800]).epoch_unit == "ms"
    assert parse_date(253402300800, date_rule([1694563200000]))[0] == pd.Timestamp(
        253402300800, unit="ms"
    )


# ---- hypothesis: the date rules ------------------------------------------------------------
DATES = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31))
FORMATS = {"dmy": "%d{s}%m{s}%Y", "mdy": "%m{s}%d{s}%Y"}


@settings(max_examples=200, deadline=None)
@given(st.lists(DATES, min_size=1, max_size=20), st.sampled_from(["dmy", "mdy"]),
       st.sampled_from(["/", ".", "-"]))  # fmt: skip
def test_numeric_dates_are_read_right_or_refused(
    dates: list[datetime.date], order: str, sep: str
) -> None:
    fmt = FORMATS[order].format(s=sep)
    values = [d.strftime(fmt) for d in dates]
    settled = any(max(d.day, d.month) > 12 and d.day != d.month for d in dates)
    try:
        rule = date_rule(values)
    except DateFormatError:
        assert not settled  # refused only when no value tells the order
        return
    read = [parse_date(v, rule)[0] for v in values]
    if rule.order == order:
        assert read == [pd.Timestamp(d) for d in dates]
    else:  # the other order fits too only when every date has day == month or both <= 12
        assert not settled


@settings(max_examples=200, deadline=None)
@given(st.lists(DATES, min_size=1, max_size=20), st.booleans())
def test_given_day_first_always_reads_right(dates: list[datetime.date], dayfirst: bool) -> None:
    fmt = "%d/%m/%Y" if dayfirst else "%m/%d/%Y"
    rule = date_rule([d.strftime(fmt) for d in dates], dayfirst=dayfirst)
    assert [parse_date(d.strftime(fmt), rule)[0] for d in dates] == [pd.Timestamp(d) for d in dates]


@settings(max_examples=100, deadline=None)
@given(DATES, st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d %B %Y", "%B %d, %Y"]))
def test_unambiguous_shapes_need_no_rule(date: datetime.date, fmt: str) -> None:
    text = date.strftime(fmt)
    rule = date_rule([text])
    assert rule.order is None
    assert parse_date(text, rule) == (pd.Timestamp(date), "day")


@settings(max_examples=100, deadline=None)
@given(st.integers(1678, 2261))
def test_integer_year_is_a_year_not_epoch_seconds(year: int) -> None:
    assert parse_date(year) == (pd.Timestamp(year, 1, 1), "year")
    assert parse_date(str(year)) == (pd.Timestamp(year, 1, 1), "year")


@settings(max_examples=100, deadline=None)
@given(st.integers(10**11, 10**12 - 1))
def test_twelve_digit_epochs_alone_are_seconds_out_of_range(value: int) -> None:
    # As seconds they lie beyond 5138; read as ms they would be a silent 1973-2001 date.
    with pytest.raises(DateFormatError, match="outside 1677-2262"):
        parse_date(value, date_rule([value]))


# ---- mapping ------------------------------------------------------------------------------
def test_text_from_two_columns(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {
            "title": ["Kim meets Putin", "Title only item", "Stock teaser"],
            "description": ["At the Vostochny cosmodrome.", "", "Read more on our site."],
        }
    )
    rows.to_csv(tmp_path / "rss.csv", index=False)
    df = load_corpus(tmp_path / "rss.csv", mapping={"text": ["title", "description"]})
    assert df["text"].tolist() == [
        "Kim meets Putin\nAt the Vostochny cosmodrome.",
        "Title only item",
        "Stock teaser\nRead more on our site.",
    ]
    assert df["title"].tolist() == rows["title"].tolist()  # same-named column still mapped
    with pytest.raises(CorpusSourceError, match=r"mapping\['date'\] takes one column"):
        load_corpus(tmp_path / "rss.csv", mapping={"date": ["title", "description"]})


def test_no_text_anywhere_is_an_error(tmp_path: Path) -> None:
    pd.DataFrame({"title": ["A", "B"], "description": ["x", "y"]}).to_csv(tmp_path / "r.csv")
    with pytest.raises(
        CorpusSourceError,
        match=r"no document has text \(2 record\(s\).*text=title\+description.*description",
    ):
        ingest(tmp_path / "r.csv")


def test_cli_map_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = pd.DataFrame(
        {"headline": ["Kim meets Putin"], "teaser": [EN_BODY], "day": ["13/09/2023"]}
    )
    rows.to_csv(tmp_path / "r.csv", index=False)
    out = tmp_path / "c.parquet"
    args = ["ingest", str(tmp_path / "r.csv"), "--out", str(out)]
    assert main([*args, "--map", "text=headline+teaser", "--map", "date=day"]) == 0
    df = read_corpus(out)
    assert df["text"].iloc[0] == f"Kim meets Putin\n{EN_BODY}"
    assert df["date"].iloc[0] == pd.Timestamp("2023-09-13")
    capsys.readouterr()
    assert main([*args, "--map", "text=headlin"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "'headlin' not in the data; its columns are: day, headline, teaser" in err
    assert main([*args]) == 1
    assert "no column maps to text, title or url" in capsys.readouterr().err
    assert main([*args, "--map", "body=teaser"]) == 1
    assert "mapping keys ['body'] are not corpus columns" in capsys.readouterr().err
    assert main([*args, "--map", "text=teaser", "--map", "text=headline"]) == 1
    assert "--map text= is given twice; join columns with '+'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--map", "text"])
    assert exit_info.value.code == 2
    assert "expected FIELD=COLUMN[+COLUMN...]" in capsys.readouterr().err
    rows.assign(day="02/09/2023").to_csv(tmp_path / "r.csv", index=False)
    assert main([*args, "--map", "text=teaser", "--map", "date=day"]) == 1
    assert "--dayfirst" in capsys.readouterr().err
    assert main([*args, "--map", "text=teaser", "--map", "date=day", "--dayfirst"]) == 0
    assert read_corpus(out)["date"].iloc[0] == pd.Timestamp("2023-09-02")


# ---- declared languages -------------------------------------------------------------------
def test_declared_language_disagreement_is_flagged(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {"id": ["pl1", "en1", "pl2"], "text": [PL_BODY, EN_BODY, PL_BODY + " Dodatkowe zdanie."],
         "language": ["en-US", "en-GB", "pl-PL"]}
    )  # fmt: skip
    rows.to_csv(tmp_path / "r.csv", index=False)
    mapping = {"doc_id": "id"}
    df, report = ingest(tmp_path / "r.csv", mapping=mapping)
    assert df["language"].tolist() == ["en", "en", "pl"]  # declared, normalised
    assert df["language_identified"].tolist() == ["pl", "en", "pl"]
    assert df["language_conflict"].tolist() == [True, False, False]
    note = report.notes.set_index("doc_id")["note"]["pl1"]
    assert note.startswith("declared language 'en', identified 'pl' (p=")
    assert "kept the declared one" in note
    df, report = ingest(tmp_path / "r.csv", mapping=mapping, prefer_identified_language=True)
    assert df["language"].tolist() == ["pl", "en", "pl"]
    assert df["language_conflict"].tolist() == [True, False, False]


# ---- article files: nothing lost ----------------------------------------------------------
def test_whitespace_file_is_empty_and_headerless_wire_copy_is_a_duplicate(tmp_path: Path) -> None:
    body = "Москва и Пхеньян подписали соглашение о сотрудничестве в области обороны.\n\n" * 3
    (tmp_path / "001_00000000000000a1.txt").write_bytes(body.encode("utf-8"))
    (tmp_path / "002_00000000000000b2.txt").write_bytes(body.encode("cp1251"))
    (tmp_path / "003_00000000000000c3.txt").write_bytes(b"  \n\t\n")
    (tmp_path / "blank.txt").write_bytes(b"\n\n")
    write_article(tmp_path, "004_00000000000000d4.txt", " date 2024-13 Foto Source: AP", EN_BODY)
    df, report = ingest(tmp_path)
    status = report.files.assign(name=report.files["path"].map(lambda p: Path(p).name))
    status = status.set_index("name")[["status", "reason"]]
    assert status.loc["003_00000000000000c3.txt"].tolist() == ["skipped", "empty"]
    assert status.loc["blank.txt"].tolist() == ["skipped", "empty"]
    assert status.loc["002_00000000000000b2.txt", "status"] == "duplicate"
    rows = df.set_index("doc_id")
    assert rows.loc["002_00000000000000b2", "duplicate_of"] == "001_00000000000000a1"
    assert rows.loc["001_00000000000000a1", "language"] == "ru"
    assert pd.isna(rows.loc["001_00000000000000a1", "date"])
    assert rows.loc["004_00000000000000d4", "credit"] == "AP"
    assert pd.isna(rows.loc["004_00000000000000d4", "date"])
    notes = report.notes.set_index("doc_id")["note"]
    assert "header line" in notes["001_00000000000000a1"]
    assert notes["004_00000000000000d4"].startswith("invalid date in header")


# ---- acceptance: the real RSS corpus with day-first dates ----------------------------------
@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%d.%m.%Y"])
def test_real_rss_with_day_first_dates(
    rss_nk_csv: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture
) -> None:
    original = pd.read_csv(rss_nk_csv, dtype=str, keep_default_na=False)
    truth = pd.to_datetime(original["date"], format="%Y-%m-%d")
    path = tmp_path / "rss_day_first.csv"
    original.assign(date=truth.dt.strftime(fmt)).to_csv(path, index=False)
    out = tmp_path / "c.parquet"
    code = main(["ingest", str(path), "--out", str(out), "--map", "text=title+description"])
    assert code == 0, capsys.readouterr().err
    df = read_corpus(out)
    assert len(df) == len(original) == 2936
    assert df["url"].tolist() == original["url"].tolist()
    pd.testing.assert_series_equal(df["date"], truth.rename("date").astype("datetime64[ns]"))
    assert df["text"].notna().all()
    assert set(df["language"]) == {"en", "pl"}  # en-US, pl-PL, ... normalised
    # Polish outlets' items declared English (25 at businessinsider.com.pl) are flagged.
    polish_declared_english = original["outlet"].str.endswith(".pl") & original[
        "language"
    ].str.startswith("en")
    assert polish_declared_english.sum() > 0
    assert df["language_conflict"].tolist() == polish_declared_english.tolist()
    # Only items up to the 12th of their month: the order cannot be told, so it is refused.
    early = original[truth.dt.day <= 12]
    early.assign(date=truth[early.index].dt.strftime(fmt)).to_csv(path, index=False)
    capsys.readouterr()
    code = main(["ingest", str(path), "--out", str(out), "--map", "text=title+description"])
    err = capsys.readouterr().err
    assert code == 1 and "--dayfirst" in err and "date_format=" in err
