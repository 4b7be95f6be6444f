"""make-corpus: large SYNTHETIC corpora written chunk by chunk from the demo generator."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest

from corpus_tools.cli import main
from corpus_tools.demo.generate import DemoGenerationError
from corpus_tools.demo.large import make_corpus
from corpus_tools.io import load_corpus

NAME = re.compile(r"^\d{3,}_[0-9a-f]{16}\.txt$")
# The credit label is the outlet language's (as in the demo corpus).
HEADER = re.compile(r"^ date \d{4}-\d{2}(-\d{2})? .+ (Źródło|Source|Источник|출처): .+$")


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _truth(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = make_corpus(tmp_path / "a", 70, seed=5, chunk_size=25)
    b = make_corpus(tmp_path / "b", 70, seed=5, chunk_size=25)
    c = make_corpus(tmp_path / "c", 70, seed=6, chunk_size=25)
    assert _digest(a.corpus.parent) == _digest(b.corpus.parent)
    assert _digest(a.corpus) != _digest(c.corpus)


def test_files_follow_the_researchers_format_and_match_the_truth(tmp_path):
    files = make_corpus(tmp_path, 90, seed=1, noise=False, chunk_size=40)
    paths = sorted(files.corpus.rglob("*.txt"))
    assert len(paths) == 90
    assert all(NAME.match(p.name) for p in paths)
    assert all(HEADER.match(p.read_text(encoding="utf-8").split("\n", 1)[0]) for p in paths)
    truth = _truth(files.truth)
    assert sorted(row["file"] for row in truth) == sorted(
        p.relative_to(files.corpus).as_posix() for p in paths
    )
    # Ids are unique across chunks; numbers run 0..n-1 per outlet with no gap.
    assert len({p.name.split("_")[1] for p in paths}) == 90
    for outlet in files.corpus.iterdir():
        numbers = sorted(int(p.name.split("_")[0]) for p in outlet.iterdir())
        assert numbers == list(range(len(numbers)))


def test_the_reader_loads_every_clean_file_with_its_planted_date_and_language(tmp_path):
    files = make_corpus(tmp_path, 40, seed=2, noise=False, chunk_size=15)
    df = load_corpus(files.corpus, dedupe=False)
    truth = {row["doc_id"]: row for row in _truth(files.truth)}
    assert len(df) == 40
    assert set(df["doc_id"]) == set(truth)
    dates = {d: str(v.date()) for d, v in zip(df["doc_id"], df["date"], strict=True)}
    assert all(dates[d] == truth[d]["date"] for d in truth)
    outlets = dict(zip(df["doc_id"], df["outlet"], strict=True))
    assert all(outlets[d] == truth[d]["outlet"] for d in truth)


def test_noise_plants_wire_copies_and_broken_files_at_the_demo_rates(tmp_path):
    files = make_corpus(tmp_path, 3000, seed=0)  # two demo-sized chunks
    truth = _truth(files.truth)
    assert len(truth) == 3000
    kinds = [row["planted_defect"] for row in truth]
    # facts.yaml plants per 1,500 files: 4 empty, 1 binary, 2 + 2 truncated.
    assert kinds.count("empty") == 8 and kinds.count("binary") == 2
    assert kinds.count("truncated_mid_word") == 4
    copies = [r for r in truth if r["duplicate_group"] and r["canonical_doc_id"] != r["doc_id"]]
    assert len(copies) == 150  # 75 wire copies per chunk
    by_id = {row["doc_id"] for row in truth}
    assert all(row["canonical_doc_id"] in by_id for row in copies)


def test_bad_arguments_and_a_used_folder_are_refused(tmp_path):
    with pytest.raises(DemoGenerationError, match="n=0, chunk_size=1500: both must be"):
        make_corpus(tmp_path, 0)
    make_corpus(tmp_path, 3, seed=0, noise=False)
    with pytest.raises(DemoGenerationError, match="folder is not empty"):
        make_corpus(tmp_path, 3, seed=0)


def test_cli_make_corpus(tmp_path, capsys):
    assert main(["make-corpus", "--n", "12", "--out", str(tmp_path), "--seed", "4"]) == 0
    assert "wrote 12 SYNTHETIC files" in capsys.readouterr().out
    assert len(list((tmp_path / "corpus").rglob("*.txt"))) == 12
    assert main(["make-corpus", "--n", "12", "--out", str(tmp_path)]) == 1
    assert "folder is not empty" in capsys.readouterr().err
