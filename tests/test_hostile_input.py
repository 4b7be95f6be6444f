"""Hostile and broken input: one bad file never stops, hangs or corrupts an ingest.

Every case builds its hostile file inside the test. The expected reasons and values are
the documented behaviour (issue 12), not output pasted from the code.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import resource
import signal
import string
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
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
    real = ct_io._encoded_signatures  # the sketching step: texts case-folded, as UTF-8

    def exhausted(texts: list[bytes], *args: int) -> object:
        if any(text.startswith(b"big") for text in texts):
            raise MemoryError
        return real(texts, *args)

    monkeypatch.setattr(ct_io, "_encoded_signatures", exhausted)
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


# ---- archives and compressed streams --------------------------------------------------------
def _tar_gz(path: Path, n_members: int) -> None:
    # Members of random letters: gzip cannot shrink them much, so damage in the middle of
    # the file is damage in the middle of the member data.
    rng = random.Random(0)
    with tarfile.open(path, "w:gz") as tf:
        for i in range(n_members):
            words = " ".join("".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(60))
            data = article(f"{words}.", day=1 + i % 28)
            info = tarfile.TarInfo(f"{i:03d}_{i:016x}.txt")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def test_tar_gz_damaged_in_the_middle_is_reported_damaged(tmp_path: Path) -> None:
    archive = tmp_path / "dump.tar.gz"
    _tar_gz(archive, 200)
    data = bytearray(archive.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zeroed: what a bad disk sector leaves
    archive.write_bytes(bytes(data))
    df, report = ingest(archive, dedupe=False)
    status, reason = rows(report)["dump.tar.gz"]
    assert status == "skipped"
    assert reason.startswith("damaged archive:")
    # The members before the damage are still listed and read.
    members = report.files[report.files["path"].str.contains("!")]
    assert 0 < len(members) < 200
    assert len(df) > 0


def test_truncated_tar_gz_is_reported_damaged(tmp_path: Path) -> None:
    archive = tmp_path / "cut.tar.gz"
    _tar_gz(archive, 50)
    data = archive.read_bytes()
    archive.write_bytes(data[: int(len(data) * 0.6)])
    _, report = ingest(archive, dedupe=False)
    status, reason = rows(report)["cut.tar.gz"]
    assert (status, reason.split(":")[0]) == ("skipped", "damaged archive")
    assert 0 < report.files["path"].str.contains("!").sum() < 50


def test_intact_tar_gz_is_loaded(tmp_path: Path) -> None:
    archive = tmp_path / "ok.tar.gz"
    _tar_gz(archive, 20)
    df, report = ingest(archive, dedupe=False)
    assert rows(report)["ok.tar.gz"] == ("loaded", "archive with 20 member(s)")
    assert len(df) == 20


def test_zip_member_refused_by_its_declared_size(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("000_0000000000000000.txt", article(EN_BODY + " a" * 600_000))
    _, report = ingest(archive, max_file_bytes=100_000)
    status, reason = rows(report)["big.zip!000_0000000000000000.txt"]
    size = len(article(EN_BODY + " a" * 600_000))
    assert (status, reason) == ("skipped", f"too large: {size} bytes (max_file_bytes is 100000)")


# ---- record files ---------------------------------------------------------------------------
def test_jsonl_bad_lines_are_skipped_with_their_line_numbers(tmp_path: Path) -> None:
    lines = [
        json.dumps({"doc_id": "a", "text": STORY}),
        json.dumps({"doc_id": "b", "text": "Line\u2028separator inside a string. " + STORY}),
        "",
        '{"doc_id": "c", "text": "cut off',
        json.dumps(["not", "an", "object"]),
        json.dumps({"doc_id": "d", "text": PL_BODY}),
    ]
    (tmp_path / "export.jsonl").write_text("\r\n".join(lines) + "\n", encoding="utf-8")
    df, report = ingest(tmp_path / "export.jsonl", dedupe=False)
    assert df["doc_id"].tolist() == ["a", "b", "d"]
    assert df["text"].iloc[1].startswith("Line\u2028separator")
    notes = report.notes["note"].tolist()
    assert (
        notes[0] == "line 4: not valid JSON (Unterminated string starting at, column 25); skipped"
    )
    assert notes[1] == "line 5: not a JSON object; skipped"
    assert rows(report)["export.jsonl"][0] == "loaded"


def test_jsonl_without_any_good_line_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text("nope\n[1]\n", encoding="utf-8")
    _, report = ingest(tmp_path / "bad.jsonl")
    status, reason = rows(report)["bad.jsonl"]
    assert status == "skipped"
    assert "line 1: not valid JSON" in reason


def test_binary_parquet_text_column_is_decoded(tmp_path: Path) -> None:
    table = pa.table(
        {
            "doc_id": ["a", "b"],
            "text": pa.array(
                ["Tekst ż o Korei. ".encode() * 5, b"Bad \xff byte. " + STORY.encode()],
                type=pa.binary(),
            ),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    df, report = ingest(tmp_path / "t.parquet", dedupe=False)
    assert df["text"].iloc[0] == ("Tekst ż o Korei. " * 5).strip()
    assert df["text"].iloc[1] == "Bad \ufffd byte. " + STORY
    assert report.notes["note"].tolist() == [
        "column 'text': 1 binary value(s) not valid UTF-8, decoded with U+FFFD for the bad bytes"
    ]


def test_parquet_decompression_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    # ~40 MB of one repeated story compresses to a few KB.
    table = pa.table({"doc_id": ["a"] * 400, "text": [STORY * 1200] * 400})
    pq.write_table(table, tmp_path / "bomb.parquet", compression="zstd", use_dictionary=False)
    assert (tmp_path / "bomb.parquet").stat().st_size < 1_000_000
    df, report = ingest(tmp_path / "bomb.parquet", max_file_bytes=1_000_000)
    status, reason = rows(report)["bomb.parquet"]
    assert status == "skipped"
    assert re.fullmatch(r"too large: decompresses to \d+ bytes \(max_file_bytes=1000000\)", reason)
    assert len(df) == 0


def test_utf8_header_over_cp1250_body(tmp_path: Path) -> None:
    header = " date 2024-06-19 Kim i Putin w Pjongjangu Źródło: PAP\n\n".encode()
    body = "Przywódcy rozmawiali o współpracy wojskowej i gospodarczej.".encode("cp1250")
    (tmp_path / "001_0123456789abcdef.txt").write_bytes(header + body)
    df, report = ingest(tmp_path, dedupe=False)
    assert df["credit"].tolist() == ["PAP"]
    assert df["caption"].tolist() == ["Kim i Putin w Pjongjangu"]
    assert df["text"].tolist() == ["Przywódcy rozmawiali o współpracy wojskowej i gospodarczej."]
    assert report.files["encoding"].tolist() == ["utf-8+cp1250"]


def test_real_out_of_memory_fails_the_run_naming_the_member(tmp_path: Path) -> None:
    # A 700 KB zip whose member decompresses to 240 MB (under max_file_bytes), ingested by
    # the command line with 1.5 GB of address space: it used to be skipped as a "parse
    # error" with exit status 0 and an empty corpus.
    archive = tmp_path / "dump.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("000_0000000000000000.txt", article("slowo " * 40_000_000))
    (tmp_path / "out").mkdir()

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))

    done = subprocess.run(
        [sys.executable, "-m", "corpus_tools.cli", "ingest", str(archive), "--out",
         str(tmp_path / "out" / "c.parquet")],
        preexec_fn=cap, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert f"{archive.as_posix()}!000_0000000000000000.txt: out of memory" in done.stderr
    assert not (tmp_path / "out" / "c.parquet").exists()


def test_a_killed_reader_process_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the kernel's out-of-memory killer does to a worker of the process pool.
    for i in range(4):
        (tmp_path / f"{i:03d}_{i:016x}.txt").write_bytes(article())
    monkeypatch.setattr(ct_io, "_PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(ct_io, "_CHUNK", 1)
    monkeypatch.setattr(ct_io, "_process_chunk", _die)
    with pytest.raises(IngestMemoryError, match="reader process was killed by the system"):
        ingest(tmp_path, n_jobs=2)


def _die(items: object, cfg: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_excel_decompression_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    frame = pd.DataFrame({"doc_id": [f"d{i}" for i in range(3000)], "text": [STORY * 10] * 3000})
    frame.to_excel(tmp_path / "big.xlsx", index=False)
    with zipfile.ZipFile(tmp_path / "big.xlsx") as workbook:
        declared = sum(info.file_size for info in workbook.infolist())
    assert declared > 2_000_000 > (tmp_path / "big.xlsx").stat().st_size
    _, report = ingest(tmp_path / "big.xlsx", max_file_bytes=2_000_000)
    assert rows(report)["big.xlsx"] == (
        "skipped",
        f"too large: decompresses to {declared} bytes (max_file_bytes=2000000)",
    )
