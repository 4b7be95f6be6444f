"""rss-nk-2023: the derivation on real upstream files, the offline cache and the zip path.

The expected rows come from the pinned CSV in ../shared (derived upstream of this package,
sha256 pinned), never from the code under test.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
from test_datasets_fetch import _Server

from corpus_tools import cli, datasets, rss
from corpus_tools.datasets import DownloadError, fetch_file, fetch_rss_nk
from corpus_tools.schema import validate_corpus

RSS_NK = datasets.REGISTRY["rss-nk"]
DAY = "2023-09-13"
N_ITEMS, N_POLISH, N_RUSSIA = 2936, 559, 702  # from ../shared/README.md


@pytest.fixture(scope="module")
def rss_dir(shared_dir: Path) -> Path:
    path = shared_dir / "corpora" / "rss-nk-2023"
    if not (path / "rss_nk_2023.csv").is_file():
        pytest.skip(f"reference data not available: {path}")
    return path


@pytest.fixture(scope="module")
def csv_raw(rss_dir: Path) -> bytes:
    return (rss_dir / "rss_nk_2023.csv").read_bytes()


@pytest.fixture(scope="module")
def csv_rows(rss_dir: Path) -> pd.DataFrame:
    rows = pd.read_csv(rss_dir / "rss_nk_2023.csv", dtype="string", keep_default_na=False)
    return rows.assign(mentions_russia=rows["mentions_russia"] == "True")


def _records(raw: bytes) -> list[bytes]:
    # Rows end in CRLF; descriptions hold bare LFs only, so CRLF splits records exactly.
    return raw.split(b"\r\n")[:-1]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# ---- derivation ------------------------------------------------------------------------
def test_derivation_on_the_summit_day_equals_the_csv(rss_dir: Path, csv_rows: pd.DataFrame) -> None:
    derived = rss.derive_rows(rss.iter_tree(rss_dir / "upstream-sample"))
    assert derived.skipped == []
    expected = csv_rows[csv_rows["date"] == DAY].reset_index(drop=True)
    # Deduplication is over the whole year: an item whose link or title the CSV already
    # holds from an earlier day belongs to that day, not to this one.
    earlier = csv_rows[csv_rows["date"] < DAY]
    claimed = derived.rows["url"].isin(earlier["url"]) | derived.rows["title"].isin(
        earlier["title"]
    )
    assert claimed.sum() == 1  # one Polish headline repeated from February
    got = derived.rows[~claimed.to_numpy()].reset_index(drop=True)
    pdt.assert_frame_equal(got.astype(str), expected.astype(str))


def test_derivation_rules_on_hand_made_entries() -> None:
    def entry(title: str, description: str | None, link: str, **extra: str) -> dict:
        return {"title": title, "description": description, "link": link,
                "source": "https://www.example.pl/rss", "language": "pl-PL", **extra}  # fmt: skip

    entries = [
        entry(
            "Kim Jong Un &amp; Putin",
            "<p>Spotkanie w <b>Rosji</b></p>",
            "https://e/1",
            date_published="2023-09-12T23:00:00+00:00",
        ),
        entry("Kim Jong Un & Putin", "copy, same link", "https://e/1"),
        entry("Pogoda", "bez Korei", "https://e/2"),
        entry(" Kim Jong Un &amp; Putin ", "same title", "https://e/3"),
        entry("KRLD strzela", None, "https://e/4"),
        entry("Phenian", "no link", ""),
    ]
    files = [
        ("2023/09/2023-09-13/b_entries.json", json.dumps(entries[4:]).encode()),
        ("2023/09/2023-09-13/a_entries.json", json.dumps(entries[:4]).encode()),
        ("2023/09/2023-09-13/broken_entries.json", b"[{"),
    ]
    derived = rss.derive_rows(files)
    assert derived.n_entries == 6
    assert derived.skipped[0].startswith("2023/09/2023-09-13/broken_entries.json: not valid JSON")
    rows = derived.rows
    assert rows["url"].tolist() == ["https://e/1", "https://e/4"]
    assert rows["title"].tolist() == ["Kim Jong Un &amp; Putin", "KRLD strzela"]  # raw, stripped
    assert rows["description"].tolist() == ["Spotkanie w  Rosji", ""]
    assert rows["date"].tolist() == ["2023-09-12", DAY]  # else the folder day
    assert rows["outlet"].tolist() == ["example.pl", "example.pl"]
    assert rows["mentions_russia"].tolist() == [True, False]


def test_batches_out_of_order_are_refused() -> None:
    deriver = rss.RssDeriver()
    deriver.add([("2023/09/2023-09-13/a_entries.json", b"[]")])
    with pytest.raises(rss.RssDerivationError, match="path order"):
        deriver.add([("2023/02/2023-02-01/a_entries.json", b"[]")])


def test_serialisation_reproduces_the_pinned_file(csv_rows: pd.DataFrame) -> None:
    assert hashlib.sha256(rss.csv_bytes(csv_rows)).hexdigest() == RSS_NK.sha256


# ---- the corpus ------------------------------------------------------------------------
def test_fetch_offline_from_the_shared_cache(
    rss_dir: Path, csv_rows: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORPUS_TOOLS_DATA", str(rss_dir.parent))
    corpus = fetch_rss_nk(url="http://127.0.0.1:9/unreachable")
    validate_corpus(corpus)
    assert len(corpus) == N_ITEMS
    assert (corpus["language"] == "pl").sum() == N_POLISH
    assert set(corpus["language"]) == {"en", "pl"}
    assert int(corpus["mentions_russia"].sum()) == N_RUSSIA
    first = csv_rows.iloc[0]
    assert corpus.loc[0, "text"] == f"{first['title']}\n{first['description']}"
    assert corpus.loc[0, "language_declared"] == "en-US"
    pdt.assert_series_equal(corpus["url"], csv_rows["url"].astype("string"), check_names=False)
    assert (corpus["date_precision"] == "day").all()
    # Syndicated copies are marked, not dropped; each points to an earlier kept row.
    marked = corpus[corpus["duplicate_of"].notna()]
    assert len(marked) > 0
    assert marked["duplicate_of"].isin(corpus["doc_id"]).all()


def test_cli_fetch_rss_nk(rss_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fetch", "rss-nk", "--data-home", str(rss_dir.parent)]) == 0
    out = capsys.readouterr().out
    assert str(rss_dir / "rss_nk_2023.csv") in out
    assert f"{N_ITEMS} documents" in out


# ---- rebuilding from upstream zips -------------------------------------------------------
@pytest.fixture
def upstream(
    rss_dir: Path, csv_raw: bytes, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[_Server, bytes]]:
    """Two monthly zips in the upstream layout and the CSV records they must give."""
    sample = rss_dir / "upstream-sample"
    september = {p.relative_to(sample).as_posix(): p.read_bytes() for p in sample.rglob("*.json")}
    header, *records = _records(csv_raw)
    rows = pd.read_csv(io.BytesIO(csv_raw), dtype=str, keep_default_na=False)
    # February: the one earlier item the summit day repeats (same title), rebuilt as an
    # upstream entry from its CSV row, so that the global title dedup is exercised.
    feb = rows.index[rows["title"] == "Korea Północna wystrzeliła dwa pociski balistyczne"][0]
    row = rows.loc[feb]
    entry = {"title": row["title"], "description": row["description"], "link": row["url"],
             "source": row["feed"], "date_published": f"{row['date']}T12:00:00+00:00",
             "language": row["language"]}  # fmt: skip
    february = {f"2023/02/{row['date']}/feed_entries.json": json.dumps([entry]).encode()}
    zips = {"02": _zip(february), "09": _zip(september)}
    expected = [records[feb]] + [r for i, r in enumerate(records) if rows.loc[i, "date"] == DAY]
    expected_bytes = b"\r\n".join([header, *expected]) + b"\r\n"
    monkeypatch.setattr(datasets, "RSS_NK_ZIPS", {m: _blob_id(z) for m, z in zips.items()})
    pinned = replace(RSS_NK, sha256=hashlib.sha256(expected_bytes).hexdigest())
    monkeypatch.setitem(datasets.REGISTRY, "rss-nk", pinned)
    server = _Server({f"/repo/2023/{m}.zip": z for m, z in zips.items()})
    yield server, expected_bytes
    server.stop()


def test_rebuild_from_verified_zips(upstream: tuple[_Server, bytes], tmp_path: Path) -> None:
    server, expected = upstream
    path = fetch_file("rss-nk", data_home=tmp_path, url=f"{server.base}/repo")
    assert path == tmp_path / "rss-nk-2023" / "rss_nk_2023.csv"
    assert path.read_bytes() == expected
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["rss_nk_2023.csv"]


def test_corrupted_zip_is_refused(
    upstream: tuple[_Server, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = upstream
    monkeypatch.setitem(datasets.RSS_NK_ZIPS, "09", "0" * 40)
    with pytest.raises(DownloadError, match=r"09\.zip has git blob id .* expected 0{40}"):
        fetch_file("rss-nk", data_home=tmp_path, url=f"{server.base}/repo")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_changed_upstream_is_a_clear_error(
    upstream: tuple[_Server, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = upstream
    monkeypatch.setitem(datasets.REGISTRY, "rss-nk", replace(RSS_NK, sha256="f" * 64))
    with pytest.raises(DownloadError, match="upstream changed or the derivation differs"):
        fetch_file("rss-nk", data_home=tmp_path, url=f"{server.base}/repo")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_unreachable_upstream_names_the_way_out(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"CORPUS_TOOLS_DATA.*corpus-tools fetch rss-nk"):
        fetch_file("rss-nk", data_home=tmp_path, url="http://127.0.0.1:9/repo", timeout=5)


def test_unreadable_members_are_named_in_the_error(
    rss_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = rss_dir / "upstream-sample"
    files = {p.relative_to(sample).as_posix(): p.read_bytes() for p in sample.rglob("*.json")}
    files["../2023/09/2023-09-14/escape_entries.json"] = b"[]"  # refused: unsafe path
    zipped = _zip(files)
    monkeypatch.setattr(datasets, "RSS_NK_ZIPS", {"09": _blob_id(zipped)})
    monkeypatch.setitem(datasets.REGISTRY, "rss-nk", replace(RSS_NK, sha256="0" * 64))
    server = _Server({"/repo/2023/09.zip": zipped})
    try:
        with pytest.raises(DownloadError, match=r"1 file\(s\) skipped"):
            fetch_file("rss-nk", data_home=tmp_path, url=f"{server.base}/repo")
    finally:
        server.stop()
