"""save_corpus / read_corpus manifests, and the ``corpus-tools ingest`` command."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_io import EN_BODY, PL_BODY, write_article

from corpus_tools import __version__
from corpus_tools.cli import main
from corpus_tools.errors import CorpusToolsError
from corpus_tools.io import (
    CorpusIntegrityError,
    CorpusManifestError,
    corpus_manifest_hash,
    ingest,
    load_corpus,
    manifest_path,
    read_corpus,
    save_corpus,
)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    write_article(root / "gazeta", "001_00000000000000a1.txt", " date 2024-06-19", PL_BODY)
    write_article(root / "wire", "002_00000000000000b2.txt", " date 2024-06", EN_BODY)
    (root / "skip.bin").write_bytes(b"\x00" * 10)
    return root


def test_save_and_read_roundtrip(small_corpus: Path, tmp_path: Path) -> None:
    df, report = ingest(small_corpus)
    out = tmp_path / "corpus.parquet"
    manifest_file = save_corpus(df, out, report=report)
    assert manifest_file == manifest_path(out) == tmp_path / "corpus.parquet.manifest.json"
    manifest = json.loads(manifest_file.read_text())
    assert manifest["corpus_tools_version"] == __version__
    assert manifest["parquet"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["n_rows"] == 2
    assert manifest["languages"] == {"en": 1, "pl": 1}
    assert manifest["outlets"] == {"gazeta": 1, "wire": 1}
    assert manifest["config"]["profile"]["name"] == "pl_portal"
    sources = {Path(s["path"]).name: s for s in manifest["sources"]}
    assert set(sources) == {"001_00000000000000a1.txt", "002_00000000000000b2.txt", "skip.bin"}
    first = small_corpus / "gazeta" / "001_00000000000000a1.txt"
    assert sources[first.name]["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()

    back = read_corpus(out)
    pd.testing.assert_frame_equal(back, df)
    assert back.attrs["corpus_tools"]["manifest_sha256"] == corpus_manifest_hash(out)
    assert corpus_manifest_hash(out) == hashlib.sha256(manifest_file.read_bytes()).hexdigest()
    # load_corpus on a saved corpus goes through read_corpus.
    pd.testing.assert_frame_equal(load_corpus(out), df)


def test_save_is_deterministic(small_corpus: Path, tmp_path: Path) -> None:
    hashes = []
    for name in ("a", "b"):
        df, report = ingest(small_corpus)
        out = tmp_path / name / "corpus.parquet"
        out.parent.mkdir()
        save_corpus(df, out, report=report)
        hashes.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert hashes[0] == hashes[1]


def test_manifest_without_report_hashes_sources(small_corpus: Path, tmp_path: Path) -> None:
    df = load_corpus(small_corpus)
    out = tmp_path / "c.parquet"
    save_corpus(df, out)
    sources = json.loads(manifest_path(out).read_text())["sources"]
    assert len(sources) == 2
    for entry in sources:
        assert entry["sha256"] == hashlib.sha256(Path(entry["path"]).read_bytes()).hexdigest()


def test_tampering_and_missing_manifest(small_corpus: Path, tmp_path: Path) -> None:
    df = load_corpus(small_corpus)
    out = tmp_path / "c.parquet"
    save_corpus(df, out)
    df.iloc[:1].to_parquet(out)  # someone edits the corpus after saving
    with pytest.raises(CorpusIntegrityError, match=r"c\.parquet"):
        read_corpus(out)
    manifest_path(out).unlink()
    with pytest.raises(CorpusManifestError, match="no manifest"):
        read_corpus(out)
    manifest_path(out).write_text("{not json")
    with pytest.raises(CorpusManifestError, match="not a valid manifest"):
        read_corpus(out)


def test_save_rejects_invalid_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusToolsError, match="missing column"):
        save_corpus(pd.DataFrame({"text": ["x"]}), tmp_path / "bad.parquet")


# ---- command line ---------------------------------------------------------------------------
def test_cli_ingest(small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, report = tmp_path / "c.parquet", tmp_path / "report.json"
    code = main(["ingest", str(small_corpus), "--out", str(out), "--report", str(report)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "3 input file(s): 2 loaded, 0 duplicate, 1 ignored, 0 skipped" in printed
    assert len(read_corpus(out)) == 2
    assert json.loads(report.read_text())["counts"]["ignored"] == 1


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "x.txt").write_text("x")
    code = main(
        ["ingest", str(tmp_path), "--out", str(tmp_path / "c.parquet"), "--languages", "polish"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "languages must be ISO 639-1 codes" in err


def test_cli_subprocess(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.parquet"
    args = [
        sys.executable,
        "-m",
        "corpus_tools.cli",
        "ingest",
        str(small_corpus),
        "--out",
        str(out),
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "2 document(s)" in done.stdout
    bad = subprocess.run(
        [*args[:4], str(tmp_path / "missing"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert bad.returncode == 2 and "no such file or folder" in bad.stderr
    assert "Traceback" not in bad.stderr
