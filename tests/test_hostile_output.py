"""Outputs: atomic and locked writes, checked paths, manifests that are validated."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from test_io import EN_BODY, PL_BODY

from corpus_tools._files import OutputLockedError, output_lock
from corpus_tools.cli import main
from corpus_tools.io import (
    CorpusIntegrityError,
    CorpusManifestError,
    CorpusSourceError,
    check_output_path,
    ingest,
    load_corpus,
    manifest_path,
    read_corpus,
    save_corpus,
)


@pytest.fixture
def saved(tmp_path: Path) -> tuple[pd.DataFrame, Path]:
    folder = tmp_path / "in" / "gazeta"
    folder.mkdir(parents=True)
    for i, body in enumerate([EN_BODY, PL_BODY]):
        (folder / f"00{i}_000000000000000{i}.txt").write_text(
            f" date 2024-06 Title\n\n{body}", encoding="utf-8"
        )
    df, report = ingest(folder.parent)
    out = tmp_path / "out" / "corpus.parquet"
    out.parent.mkdir()
    save_corpus(df, out, report=report)
    return read_corpus(out), out


def test_kill_during_write_keeps_the_previous_corpus_and_lock_refuses_a_second_writer(
    saved: tuple[pd.DataFrame, Path],
) -> None:
    df, out = saved
    # A writer that stops after writing part of the new file, as if killed mid-write.
    script = textwrap.dedent(
        f"""
        import sys, time
        import pyarrow.parquet as pq
        from corpus_tools.io import read_corpus, save_corpus

        df = read_corpus({str(out)!r}).iloc[:1]

        class Stalled:
            def __init__(self, where, schema, **kwargs):
                where.write(b"PAR1" + b"x" * 4096)
                print("writing", flush=True)
                time.sleep(300)

        pq.ParquetWriter = Stalled
        save_corpus(df, {str(out)!r})
        """
    )
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        with pytest.raises(OutputLockedError, match="being written by another process"):
            save_corpus(df, out)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    # The previous corpus and its manifest are intact and verify.
    pd.testing.assert_frame_equal(read_corpus(out), df)
    # The lock died with its holder; the next writer succeeds and clears the leftovers.
    save_corpus(df.iloc[:1], out)
    assert len(read_corpus(out)) == 1
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "corpus.parquet",
        "corpus.parquet.lock",
        "corpus.parquet.manifest.json",
    ]


def test_manifest_hash_is_of_the_bytes_written(saved: tuple[pd.DataFrame, Path]) -> None:
    _, out = saved
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert manifest["parquet"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_output_path_checked_before_the_ingest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in").mkdir()
    missing = tmp_path / "no" / "such" / "corpus.parquet"
    assert main(["ingest", str(tmp_path / "in"), "--out", str(missing)]) != 0
    err = capsys.readouterr().err
    assert f"cannot write {missing}: folder {missing.parent} does not exist" in err
    with pytest.raises(CorpusSourceError, match="it is a folder"):
        check_output_path(tmp_path / "in")


def test_cli_out_inside_the_input_folder_is_not_reingested(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "000_0000000000000000.txt").write_text(
        f" date 2024-06-19 Title\n\n{EN_BODY}", encoding="utf-8"
    )
    out = folder / "corpus.parquet"
    for _ in range(3):
        report = tmp_path / "r.json"
        assert main(["ingest", str(folder), "--out", str(out), "--report", str(report)]) == 0
        corpus = read_corpus(out)
        assert corpus["doc_id"].tolist() == ["000_0000000000000000"]
        assert corpus["duplicate_of"].isna().all()


def test_saved_corpus_without_manifest_is_an_error(saved: tuple[pd.DataFrame, Path]) -> None:
    df, out = saved
    manifest_path(out).unlink()
    with pytest.raises(
        CorpusManifestError, match=r"manifest corpus\.parquet\.manifest\.json is missing"
    ):
        load_corpus(out)
    # Asked for explicitly, it is read as a plain table.
    table = load_corpus(out, format="parquet")
    assert len(table) == len(df)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: [m], "not a JSON object"),
        (lambda m: {**m, "parquet": "x"}, "'parquet' must be an object"),
        (lambda m: {**m, "parquet": {"sha256": 5}}, "'parquet.sha256' must be 64 hex digits"),
        (lambda m: {**m, "n_rows": "2"}, "'n_rows' must be a non-negative integer"),
        (lambda m: {**m, "config": []}, "'config' must be an object or null"),
    ],
)
def test_malformed_manifest_is_a_manifest_error(
    saved: tuple[pd.DataFrame, Path], change: object, message: str
) -> None:
    _, out = saved
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    manifest_path(out).write_text(json.dumps(change(manifest)), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(CorpusManifestError, match=message):
        read_corpus(out)


def test_unreadable_parquet_with_matching_sha_is_an_integrity_error(
    saved: tuple[pd.DataFrame, Path],
) -> None:
    _, out = saved
    out.write_bytes(b"PAR1 not parquet at all PAR1")
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    manifest["parquet"]["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    manifest_path(out).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CorpusIntegrityError, match="cannot read it as a corpus"):
        read_corpus(out)


def test_row_count_must_match_the_manifest(saved: tuple[pd.DataFrame, Path]) -> None:
    _, out = saved
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    manifest["n_rows"] = 7
    manifest_path(out).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CorpusIntegrityError, match="2 rows, but its manifest records 7"):
        read_corpus(out)


def test_cli_refuses_an_output_another_process_is_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in").mkdir()
    out = tmp_path / "corpus.parquet"
    with output_lock(out):  # a second open file description: as another process's lock
        assert main(["ingest", str(tmp_path / "in"), "--out", str(out)]) == 1
    assert "is being written by another process" in capsys.readouterr().err
    assert not out.exists()


def test_saved_corpus_without_manifest_in_the_input_is_not_an_input(
    saved: tuple[pd.DataFrame, Path],
) -> None:
    _, out = saved
    manifest_path(out).unlink()
    (out.parent / "000_0000000000000000.txt").write_text(
        f" date 2024-06-19 Title\n\n{EN_BODY}", encoding="utf-8"
    )
    corpus, report = ingest(out.parent)
    assert corpus["doc_id"].tolist() == ["000_0000000000000000"]
    names = report.files["path"].map(lambda p: Path(p).name)
    assert dict(zip(names, report.files["status"], strict=True))["corpus.parquet"] == "ignored"
