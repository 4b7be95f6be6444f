"""Hostile and broken input: one bad file never stops, hangs or corrupts an ingest.

Every case builds its hostile file inside the test. The expected reasons and values are
the documented behaviour (issue 12), not output pasted from the code.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_io import EN_BODY, PL_BODY

from corpus_tools import io as ct_io
from corpus_tools.io import IngestMemoryError, ingest, read_corpus, save_corpus

STORY = "North Korean troops were reported in the Kursk region by Seoul's intelligence service."


def article(body: str = EN_BODY, day: int = 19) -> bytes:
    return f" date 2024-06-{day:02d} Title\n\n{body}".encode()


def rows(report: ct_io.IngestReport) -> dict[str, tuple[str, str]]:
    """File name -> (status, reason)."""
    files = report.files
    names = files["path"].map(lambda p: p.rsplit("/", 1)[-1])
    return dict(zip(names, zip(files["status"], files["reason"], strict=True), strict=True))


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging forever (a FIFO used to block ``open``)."""

    def expired(*_: object) -> None:
        raise TimeoutError(f"ingest still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---- per-file isolation -------------------------------------------------------------------
def test_non_utf8_byte_in_folder_name(tmp_path: Path) -> None:
    folder = os.path.join(os.fsencode(tmp_path), b"gaz\xffeta")
    os.mkdir(folder)
    with open(os.path.join(folder, b"001_0123456789abcdef.txt"), "wb") as fh:
        fh.write(article())
    df, report = ingest(tmp_path)
    assert df["doc_id"].tolist() == ["gaz\\xffeta/001_0123456789abcdef"]
    assert df["outlet"].tolist() == ["gaz\\xffeta"]
    assert report.files["status"].tolist() == ["loaded"]
    save_corpus(df, tmp_path / "out.parquet")  # storable: no surrogates left
    assert read_corpus(tmp_path / "out.parquet")["doc_id"].tolist() == df["doc_id"].tolist()


def test_lone_surrogate_and_nul_are_cleaned_with_a_note(tmp_path: Path) -> None:
    records = [
        {"id": "cut", "title": "Emoji \ud83d cut", "text": STORY + " \ud83d"},
        {"id": "nul", "title": "NUL", "text": "North Korean\x00 troops " + STORY},
        {"id": "fine", "title": "ok", "text": PL_BODY},
    ]
    # json.dumps escapes the lone surrogate as \\ud83d, as a broken exporter writes it.
    (tmp_path / "export.json").write_text(json.dumps(records), encoding="utf-8")
    mapping = {"doc_id": "id", "title": "title", "text": "text"}
    df, report = ingest(tmp_path / "export.json", mapping=mapping, dedupe=False)
    by_id = df.set_index("doc_id")
    assert by_id.loc["cut", "text"] == STORY + " \ufffd"
    assert by_id.loc["cut", "title"] == "Emoji \ufffd cut"
    assert by_id.loc["nul", "text"] == "North Korean troops " + STORY
    notes = report.notes.set_index("doc_id")["note"]
    assert "lone surrogate" in " ".join(notes[["cut"]])
    assert "NUL" in notes["nul"]
    save_corpus(df, tmp_path / "out.parquet")
    pd.testing.assert_frame_equal(read_corpus(tmp_path / "out.parquet"), df, check_like=True)


def test_doc_id_suffixes_never_collide(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(f"doc_id,text\na,{STORY} one\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(
        f"doc_id,text\na,{STORY} two\na~2,{STORY} three\n", encoding="utf-8"
    )
    df, report = ingest(tmp_path, dedupe=False)
    # a (a.csv), then b.csv's a -> a~2 is taken by b.csv's own a~2, so a~3.
    assert df["doc_id"].tolist() == ["a", "a~3", "a~2"]
    assert df["doc_id"].is_unique
    assert report.notes["note"].tolist() == ["doc_id 'a' repeated; renamed"]


def test_a_failing_chunk_step_skips_only_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i, body in enumerate([EN_BODY, "POISON " + EN_BODY, PL_BODY]):
        (tmp_path / f"00{i}_000000000000000{i}.txt").write_bytes(article(body))
    real = ct_io.identify_languages

    def fragile(texts: list[str], *args: object, **kwargs: object) -> object:
        if any(text.startswith("POISON") for text in texts):
            raise ValueError("cannot classify this text")
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(ct_io, "identify_languages", fragile)
    df, report = ingest(tmp_path)
    assert df["doc_id"].tolist() == ["000_0000000000000000", "002_0000000000000002"]
    status, reason = rows(report)["001_0000000000000001.txt"]
    assert status == "skipped"
    assert reason == "parse error: ValueError: cannot classify this text"


def test_out_of_memory_is_fatal_and_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "000_0000000000000000.txt").write_bytes(article())
    (tmp_path / "huge.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")

    def exhausted(*_: object, **__: object) -> object:
        raise MemoryError

    monkeypatch.setattr(ct_io, "load_records", exhausted)
    with pytest.raises(IngestMemoryError, match=r"huge\.jsonl: out of memory"):
        ingest(tmp_path)


def test_out_of_memory_in_a_chunk_step_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i, body in enumerate([EN_BODY, "BIG " + EN_BODY]):
        (tmp_path / f"00{i}_000000000000000{i}.txt").write_bytes(article(body))
    real = ct_io.minhash_signatures

    def exhausted(texts: list[str], **kwargs: object) -> object:
        if any(text.startswith("BIG") for text in texts):
            raise MemoryError
        return real(texts, **kwargs)

    monkeypatch.setattr(ct_io, "minhash_signatures", exhausted)
    with pytest.raises(IngestMemoryError, match=r"001_0000000000000001\.txt: out of memory"):
        ingest(tmp_path)


# ---- only regular files are opened --------------------------------------------------------
def test_fifos_are_reported_not_opened(tmp_path: Path) -> None:
    (tmp_path / "000_0000000000000000.txt").write_bytes(article())
    os.mkfifo(tmp_path / "001_0000000000000001.txt")
    os.mkfifo(tmp_path / ".notes.md")
    with deadline(60):
        df, report = ingest(tmp_path)
    assert len(df) == 1
    found = rows(report)
    assert found["001_0000000000000001.txt"] == ("skipped", "not a regular file (FIFO)")
    assert found[".notes.md"] == ("skipped", "not a regular file (FIFO)")


def test_fifo_given_directly_is_reported(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")
    with deadline(60):
        df, report = ingest(tmp_path / "pipe.csv")
    assert len(df) == 0
    assert rows(report)["pipe.csv"] == ("skipped", "not a regular file (FIFO)")


def test_unreadable_folder_gets_a_report_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "000_0000000000000000.txt").write_bytes(article())
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "001_0000000000000001.txt").write_bytes(article(PL_BODY))
    if os.geteuid() == 0:  # root reads any folder: make listing it fail instead
        real = os.scandir

        def scandir(path: object = ".") -> object:
            if os.fspath(path) == os.fspath(locked):
                raise PermissionError(13, "Permission denied", os.fspath(locked))
            return real(path)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "scandir", scandir)
    else:
        locked.chmod(0)
    try:
        df, report = ingest(tmp_path)
    finally:
        locked.chmod(0o755)
    assert len(df) == 1
    assert rows(report)["locked"] == ("skipped", "unreadable: folder: Permission denied")


def test_folder_links_are_listed_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    (root / "real" / "000_0000000000000000.txt").write_bytes(article())
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    df, report = ingest(root)
    assert df["doc_id"].tolist() == ["real/000_0000000000000000"]
    assert rows(report)["alias"] == ("ignored", "link to a folder (not followed)")


def test_broken_file_link_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "000_0000000000000000.txt").symlink_to(tmp_path / "gone.txt")
    _, report = ingest(tmp_path)
    assert rows(report)["000_0000000000000000.txt"] == (
        "skipped",
        "unreadable: No such file or directory",
    )


def test_saved_outputs_in_the_input_folder_are_not_inputs(tmp_path: Path) -> None:
    (tmp_path / "000_0000000000000000.txt").write_bytes(article())
    first, _ = ingest(tmp_path)
    save_corpus(first, tmp_path / "corpus.parquet")
    second, report = ingest(tmp_path)  # a second run over the same folder
    pd.testing.assert_frame_equal(
        second.drop(columns="duplicate_of"), first.drop(columns="duplicate_of")
    )
    assert second["duplicate_of"].isna().all()
    found = rows(report)
    assert found["corpus.parquet"][0] == "ignored"
    assert found["corpus.parquet.manifest.json"][0] == "ignored"
