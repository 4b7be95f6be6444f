"""Fuzzing every reader with random bytes and random text in random encodings.

Whatever the bytes, an ingest returns, accounts for the file in its report, and yields a
corpus that can be saved and read back (no surrogate, NUL or odd type slips through).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_tools.io import STATUSES, CorpusSourceError, ingest, read_corpus, save_corpus

FUZZ = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
READERS = ["article", "csv", "tsv", "jsonl", "json", "parquet", "excel", "html", "mediacloud",
           "gdelt"]  # fmt: skip
CODECS = ["utf-8", "utf-16", "utf-32", "cp1250", "iso8859_2", "cp1251", "koi8_r", "latin-1"]
HEADER = " date 2024-06-19 Podpis Źródło: PAP\n\n"


def encode(text: str, codec: str) -> bytes:
    # "surrogatepass" writes lone surrogates as the invalid UTF-8 a broken exporter emits.
    errors = "surrogatepass" if codec.startswith("utf") else "replace"
    return text.encode(codec, errors=errors)


def check_round_trip(path: Path, reader: str | None) -> None:
    try:
        df, report = ingest(path, format=reader, dedupe=reader is None, profile=None)
    except CorpusSourceError as exc:
        # A documented refusal (issue 11) is a clear outcome too: records without any text,
        # or the one input table without usable columns; it names the problem or the file.
        assert "no document has text" in str(exc) or str(exc).startswith(path.as_posix())
        return
    assert len(report.files) >= 1
    assert set(report.files["status"]) <= set(STATUSES)
    assert int(report.files["n_records"].sum()) == len(df)
    out = path.parent / "out" / "c.parquet"
    out.parent.mkdir(exist_ok=True)
    save_corpus(df, out, report=report)
    pd.testing.assert_frame_equal(read_corpus(out), df, check_like=True)


@pytest.mark.parametrize("reader", READERS)
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_in_every_reader(reader: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.bin"
        path.write_bytes(data)
        check_round_trip(path, reader)


@pytest.mark.parametrize("reader", ["article", "csv", "jsonl", "json", "html"])
@FUZZ
@given(text=st.text(max_size=300), codec=st.sampled_from(CODECS))
def test_random_text_in_random_encodings(reader: str, text: str, codec: str) -> None:
    content = {
        "article": HEADER + text,
        "csv": "doc_id,text\na," + text.replace("\n", " "),
        "jsonl": json.dumps({"doc_id": "a", "text": text}) + "\n" + text,
        "json": json.dumps([{"doc_id": "a", "text": text}], ensure_ascii=False),
        "html": f"<html><body><article><p>{text}</p></article></body></html>",
    }[reader]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "001_0123456789abcdef.txt"
        path.write_bytes(encode(content, codec))
        check_round_trip(path, reader)


RECORD = st.tuples(
    st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=3),
    st.fixed_dictionaries(
        {"doc_id": st.text(max_size=5), "text": st.text(min_size=1), "title": st.text()}
    ),
).map(lambda parts: {**parts[0], **parts[1]})


@FUZZ
@given(st.lists(RECORD, min_size=1, max_size=5))
def test_any_json_strings_make_a_storable_corpus(records: list[dict[str, str]]) -> None:
    # st.text() draws lone surrogates and NULs too, in values and in field names;
    # ensure_ascii escapes them as JSON does.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.json"
        path.write_text(json.dumps(records), encoding="utf-8")
        check_round_trip(path, None)
