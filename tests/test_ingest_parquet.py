"""ingest_to_parquet: the bounded-memory ingest writes what save_corpus(ingest()) writes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from test_io import EN_BODY, PL_BODY, RU_BODY, write_article

from corpus_tools import _spool
from corpus_tools.cli import main
from corpus_tools.io import (
    CorpusSourceError,
    ingest,
    ingest_to_parquet,
    manifest_path,
    read_corpus,
    save_corpus,
)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Everything that makes assembling a corpus more than concatenating files."""
    root = tmp_path / "in"
    bodies = [PL_BODY, EN_BODY, RU_BODY]
    for i in range(12):  # near copies a few days apart: duplicates to mark
        body = bodies[i % 3] + ("\n\nAktualizacja." if i >= 3 else "")
        write_article(
            root / f"o{i % 2}", f"{i:03d}_{i:016x}.txt", f" date 2024-06-0{i // 3 + 1}", body
        )
    write_article(root / "o0", "050_00000000000000ee.txt", " date 2024-06", "")  # no text
    # Members stored out of name order: the corpus order (by source) differs from the
    # reading order, so the texts are taken back from the spool out of order.
    with zipfile.ZipFile(root / "wire.zip", "w") as archive:
        for name in ("030_00000000000000cc.txt", "020_00000000000000bb.txt"):
            archive.writestr(name, f" date 2024-06-05\n\n{EN_BODY} {name}")
    # Tables: a repeated doc_id (renamed ~2), and an extra column whose values are numbers
    # in one file and words in the other (one string column in the corpus).
    (root / "t1.csv").write_text(
        "doc_id,text,date,score\nx,Kim met Putin in Pyongyang.,2024-06-19,1\n"
        "x,Putin met Kim again.,2024-06-20,2\n",
        encoding="utf-8",
    )
    (root / "t2.csv").write_text(
        "doc_id,text,date,score\ny,Treaty signed in Pyongyang.,2024-06-19,high\n",
        encoding="utf-8",
    )
    (root / "o1" / "broken.txt").write_bytes(b"\x00\x01\x02 binary")
    return root


def _small_pieces(monkeypatch: pytest.MonkeyPatch, n_jobs: int) -> None:
    """Many chunks, spool files and row groups on a small corpus."""
    monkeypatch.setattr("corpus_tools.io._CHUNK", 2)
    monkeypatch.setattr("corpus_tools.io.ROW_GROUP_ROWS", 3)
    monkeypatch.setattr(_spool, "SPOOL_BYTES", 300)
    if n_jobs > 1:
        monkeypatch.setattr("corpus_tools.io._PARALLEL_MIN_FILES", 0)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_same_file_as_save_corpus_of_ingest(
    mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n_jobs: int
) -> None:
    _small_pieces(monkeypatch, n_jobs)
    df, report = ingest(mixed, n_jobs=n_jobs)
    assert df["duplicate_of"].notna().sum() >= 6 and "x~2" in set(df["doc_id"])
    assert set(df["score"].dropna()) == {"1", "2", "high"}  # mixed types: one string column
    expected = tmp_path / "expected.parquet"
    save_corpus(df, expected, report=report)

    out = tmp_path / "streamed.parquet"
    streamed_report = ingest_to_parquet(mixed, out, n_jobs=n_jobs)

    assert out.read_bytes() == expected.read_bytes()
    assert pq.ParquetFile(out).metadata.num_row_groups == -(-len(df) // 3)
    assert streamed_report.to_json() == report.to_json()
    pd.testing.assert_frame_equal(read_corpus(out), read_corpus(expected), check_exact=True)
    manifests = [json.loads(manifest_path(p).read_text("utf-8")) for p in (out, expected)]
    for manifest in manifests:
        manifest["parquet"].pop("file")
    assert manifests[0] == manifests[1]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_failed_run_keeps_the_earlier_corpus_and_leaves_nothing_behind(
    mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "c.parquet"
    ingest_to_parquet(mixed, out)
    before = out.read_bytes(), manifest_path(out).read_bytes()
    _small_pieces(monkeypatch, 1)
    calls = []

    def fail_on_second_block(self: _spool.SpooledTexts, rows: object) -> pd.Series:
        calls.append(rows)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original(self, rows)

    original = _spool.SpooledTexts.take
    monkeypatch.setattr(_spool.SpooledTexts, "take", fail_on_second_block)
    with pytest.raises(OSError, match="No space left on device"):
        ingest_to_parquet(mixed, out)
    assert (out.read_bytes(), manifest_path(out).read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "c.parquet",
        "c.parquet.lock",
        "c.parquet.manifest.json",
        "in",
    ]


def test_options_are_ingests_and_the_output_is_checked_first(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    with pytest.raises(TypeError, match="dedup"):
        ingest_to_parquet(tmp_path / "in", tmp_path / "c.parquet", dedup=False)
    with pytest.raises(CorpusSourceError, match=r"folder .* does not exist"):
        ingest_to_parquet(tmp_path / "in", tmp_path / "no" / "c.parquet")


def test_cli_ingest_writes_the_streamed_corpus(mixed: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.parquet"
    assert main(["ingest", str(mixed), "--out", str(out)]) == 0
    df, _ = ingest(mixed)
    pd.testing.assert_frame_equal(read_corpus(out), df, check_exact=True)


def test_spool_returns_texts_in_any_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_spool, "SPOOL_BYTES", 10)  # a file every few texts
    texts = pd.Series([f"text {i}" if i % 4 else None for i in range(50)], dtype="string")
    spool = _spool.SpooledTexts(tmp_path)
    for lo in range(0, 50, 7):
        spool.add(texts.iloc[lo : lo + 7])
    assert len(list(tmp_path.iterdir())) > 3
    # Out of order, repeated, consecutive across spool files, one, none.
    for rows in ([49, 0, 13, 13, 27, 2], list(range(3, 41)), [5, 6, 7, 1], [8], []):
        taken = spool.take(np.array(rows, dtype=np.int64))
        pd.testing.assert_series_equal(taken, texts.iloc[rows].reset_index(drop=True))


def test_reading_a_corpus_skips_the_manifests_list_of_sources(mixed: Path, tmp_path: Path) -> None:
    from corpus_tools.io import CorpusManifestError, _manifest_without_sources

    out = tmp_path / "c.parquet"
    ingest_to_parquet(mixed, out)
    manifest = manifest_path(out)
    whole = json.loads(manifest.read_text("utf-8"))
    assert len(whole["sources"]) > 10
    assert _manifest_without_sources(manifest) == {**whole, "sources": []}
    # Another layout (sources not last) is read whole.
    reordered = {"sources": whole["sources"], **{k: v for k, v in whole.items() if k != "sources"}}
    manifest.write_text(json.dumps(reordered, indent=1), encoding="utf-8")
    assert _manifest_without_sources(manifest) == whole
    # A manifest cut short inside its sources is not a manifest.
    manifest.write_text(json.dumps(whole, indent=1, sort_keys=True)[:-200], encoding="utf-8")
    with pytest.raises(CorpusManifestError, match="not a valid manifest"):
        read_corpus(out)


def test_the_streamed_manifest_is_json_dumps_indented(tmp_path: Path) -> None:
    import io as stdio

    from corpus_tools.io import _dump_manifest

    manifest = {"n_rows": 3, "config": {"b": [1, 2], "a": None}, "languages": {"pl": 2}}
    sources = [
        {"path": 'in/"q"\\ż.txt', "sha256": None, "status": "loaded", "n_records": 2},
        {"path": "b\nc", "sha256": "ab", "status": "skipped", "reader": None, "n_records": None},
        {"path": "nested", "notes": ["x", {"y": 1.5}], "empty": {}},
        {},
    ]
    for listed in (sources, []):
        handle = stdio.BytesIO()
        _dump_manifest(manifest, iter(listed), handle)
        whole = {**manifest, "sources": listed}
        expected = json.dumps(whole, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        assert handle.getvalue().decode("utf-8") == expected
