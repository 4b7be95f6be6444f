"""load_corpus / ingest: the researchers' article files, folders, reports, KCNA."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from corpus_tools._readers import CREDIT_LABELS, parse_article
from corpus_tools.clean import content_hash
from corpus_tools.datasets import load_demo
from corpus_tools.dedupe import mark_duplicates
from corpus_tools.demo import generate as demo_generate
from corpus_tools.io import CorpusSourceError, IngestReport, ingest, load_corpus, save_corpus
from corpus_tools.schema import CORPUS_COLUMNS, validate_corpus

DEMO_DIR = Path(demo_generate.__file__).parent
PL_BODY = (
    "Prezydent Rosji spotkał się w Moskwie z ministrem spraw zagranicznych Korei Północnej.\n\n"
    "Rozmowy dotyczyły współpracy wojskowej oraz gospodarczej obu państw w najbliższych latach."
)
RU_BODY = (
    "Президент России провёл переговоры с министром иностранных дел КНДР в Москве.\n\n"
    "Стороны обсудили военное и экономическое сотрудничество двух стран."
)
EN_BODY = (
    "The Russian president met North Korea's foreign minister in Moscow on Tuesday.\n\n"
    "They discussed military and economic cooperation between the two countries."
)


def write_article(folder: Path, name: str, header: str, body: str, **kw: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(f"{header}\n\n{body}".encode(kw.get("encoding", "utf-8")))
    return path


def status_by_name(report: IngestReport) -> dict[str, str]:
    """File name -> status from a report (names are unique in these tests)."""
    names = report.files["path"].map(lambda p: Path(p).name)
    return dict(zip(names, report.files["status"], strict=True))


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    write_article(
        root / "gazeta", "001_00000000000000a1.txt", " date 2024-06-19 Foto Źródło: PAP", PL_BODY
    )
    write_article(root / "ria", "002_00000000000000b2.txt", " date 2024-06", RU_BODY)
    write_article(root, "003_00000000000000c3.txt", " date 2024-06-20 Tylko podpis", EN_BODY)
    (root / "README.md").write_text("notes about the corpus")
    write_article(root / "gazeta", "004_00000000000000d4.txt", " date 2024-06-21", "")
    (root / "gazeta" / "notes.txt").write_text("no header here")
    return root


# ---- the real sample article ---------------------------------------------------------------
def test_sample_article_fields(sample_article: Path) -> None:
    df = load_corpus(sample_article)
    assert len(df) == 1
    row = df.iloc[0]
    assert row["date"] == pd.Timestamp("2025-06-01")
    assert row["date_precision"] == "month"
    assert row["language"] == "pl"
    assert row["caption"] == "Kim Dzong Un wizytuje zakład czołgów"
    assert row["credit"] == "KCNA/Reuters"
    assert row["doc_id"] == "000_1490167b6b7387be"
    assert pd.isna(row["outlet"])


def test_sample_article_boilerplate_removed(sample_article: Path) -> None:
    raw = sample_article.read_text(encoding="utf-8")
    text = load_corpus(sample_article).loc[0, "text"]
    lines = text.split("\n")
    assert not any(line.startswith("Posłuchaj artykułu") for line in lines)
    assert not any(line.startswith("Kluczowe fakty:") for line in lines)
    assert not any(line.startswith("Dowiedz się więcej") for line in lines)
    assert "Źródło: PAP/EPA/KCNA" not in text
    assert not any(line.startswith("Pjongjang. Kim Dzong Un podczas") for line in lines)
    # The sentence after the "Kluczowe fakty:" label is content and stays, as the first line.
    key_fact = raw.split("Kluczowe fakty:", 1)[1].split("\n", 1)[0].strip()
    assert lines[0] == key_fact
    # Section headings and the last paragraph are content.
    assert "Pomoc dla Rosji. Co w zamian?" in lines
    assert text.endswith(raw.rstrip().rsplit("\n", 1)[-1].strip())


def test_sample_report_counts_boilerplate(sample_article: Path) -> None:
    _, report = ingest(sample_article)
    # Four boilerplate lines in the file: audio player, label, related link, photo caption.
    assert report.boilerplate_removed.total() == 4
    assert report.files.loc[0, "sha256"] == hashlib.sha256(sample_article.read_bytes()).hexdigest()


# ---- folders --------------------------------------------------------------------------------
def test_folder_ids_outlets_and_order(corpus_dir: Path) -> None:
    df = load_corpus(corpus_dir)
    validate_corpus(df)
    assert list(df.columns[: len(CORPUS_COLUMNS)]) == list(CORPUS_COLUMNS)
    assert df["doc_id"].tolist() == [
        "003_00000000000000c3",
        "gazeta/001_00000000000000a1",
        "ria/002_00000000000000b2",
    ]
    assert df["outlet"].tolist()[1:] == ["gazeta", "ria"]
    assert pd.isna(df["outlet"].iloc[0])
    assert df["language"].tolist() == ["en", "pl", "ru"]
    assert df["date_precision"].tolist() == ["day", "day", "month"]
    assert df["date"].iloc[2] == pd.Timestamp("2024-06-01")
    gazeta = df.set_index("doc_id").loc["gazeta/001_00000000000000a1"]
    assert (gazeta["caption"], gazeta["credit"]) == ("Foto", "PAP")
    assert df.set_index("doc_id").loc["003_00000000000000c3", "caption"] == "Tylko podpis"
    assert df["n_chars"].tolist() == [len(EN_BODY), len(PL_BODY), len(RU_BODY)]


def test_folder_report_accounts_for_every_file(corpus_dir: Path) -> None:
    _, report = ingest(corpus_dir)
    files = report.to_frame().set_index("path")
    n_files = sum(1 for p in corpus_dir.rglob("*") if p.is_file())
    assert len(files) == n_files == 6
    assert sum(report.counts().values()) == n_files
    by_name = {Path(p).name: row for p, row in files.iterrows()}
    assert by_name["README.md"]["status"] == "ignored"
    assert by_name["notes.txt"]["status"] == "ignored"
    assert "NNN_<16 hex>" in by_name["notes.txt"]["reason"]
    assert (
        by_name["004_00000000000000d4.txt"]["status"],
        by_name["004_00000000000000d4.txt"]["reason"],
    ) == ("skipped", "no body")
    assert report.counts() == {"loaded": 3, "duplicate": 0, "ignored": 2, "skipped": 1}
    assert "6 input file(s)" in report.summary()


def test_outlet_override_and_path_list(corpus_dir: Path) -> None:
    paths = sorted(corpus_dir.rglob("0*_*.txt"))
    df = load_corpus(paths, outlet="X")
    assert set(df["outlet"]) == {"X"}
    # A file given directly is identified by its stem.
    assert "001_00000000000000a1" in set(df["doc_id"])


def test_header_variants(tmp_path: Path) -> None:
    write_article(tmp_path, "1_000000000000000a.txt", "date 2023-01-05", PL_BODY)  # no space
    write_article(tmp_path, "2_000000000000000b.txt", " date 2023-02 Źródło: AFP", PL_BODY)
    write_article(tmp_path, "3_000000000000000c.txt", " date 2023-13", PL_BODY)  # bad month
    write_article(tmp_path, "4_000000000000000d.txt", " datum 2023-01", PL_BODY)
    df, report = ingest(tmp_path, dedupe=False)
    rows = df.set_index("doc_id")
    assert rows.loc["1_000000000000000a", "date"] == pd.Timestamp("2023-01-05")
    assert pd.isna(rows.loc["2_000000000000000b", "caption"])
    assert rows.loc["2_000000000000000b", "credit"] == "AFP"
    # Nothing lost: a bad month or a lost header line still loads the article, undated.
    assert set(status_by_name(report).values()) == {"loaded"}
    assert pd.isna(rows.loc["3_000000000000000c", "date"])
    assert pd.isna(rows.loc["3_000000000000000c", "date_precision"])
    assert rows.loc["3_000000000000000c", "text"] == PL_BODY
    assert pd.isna(rows.loc["4_000000000000000d", "date"])
    assert rows.loc["4_000000000000000d", "text"].strip().startswith("datum 2023-01")
    notes = report.notes.set_index("doc_id")["note"]
    assert notes["3_000000000000000c"] == "invalid date in header: 'date 2023-13': date missing"
    assert notes["4_000000000000000d"].startswith("no ' date YYYY-MM[-DD]' header line")


# Header lines in the shapes of corpus_tools/demo/lang_*.yaml ("{caption} <label>: {credit}").
@pytest.mark.parametrize(
    ("header", "caption", "credit"),
    [
        (" date 2024-06-19 Kim i Putin Źródło: PAP/EPA/KCNA", "Kim i Putin", "PAP/EPA/KCNA"),
        (" date 2024-06 A freight train at Khasan station Source: AFP via Getty Images",
         "A freight train at Khasan station", "AFP via Getty Images"),
        (" date 2024-06-19 Лидеры двух стран Источник: РИА Новости", "Лидеры двух стран",
         "РИА Новости"),
        (" date 2024-06-19 평양의 서명식 출처: 조선중앙통신", "평양의 서명식", "조선중앙통신"),
        (" date 2024-06-19 Source: Reuters", None, "Reuters"),
        (" date 2024-06-19 Open source code", "Open source code", None),
        # The last label starts the credit; an earlier one belongs to the caption.
        (" date 2024-06-19 Źródło: archiwum Source: AP", "Źródło: archiwum", "AP"),
    ],
)  # fmt: skip
def test_header_credit_in_every_language(
    header: str, caption: str | None, credit: str | None
) -> None:
    parsed = parse_article(header + "\n\nText.")
    assert parsed is not None
    assert (parsed.caption, parsed.credit) == (caption, credit)


def test_demo_headers_all_have_their_credit_split_off() -> None:
    demo = load_demo(with_truth=True)
    labels = "|".join(map(re.escape, CREDIT_LABELS))
    assert not demo["caption"].dropna().str.contains(labels).any()
    clean_docs = demo[demo["truth_planted_defect"] == "none"]
    assert len(clean_docs) > 1400 and clean_docs["credit"].notna().all()
    # Every credit is one the demo generator draws from for the document's language.
    for language, rows in clean_docs.groupby("truth_language"):
        book = yaml.safe_load((DEMO_DIR / f"lang_{language}.yaml").read_text(encoding="utf-8"))
        assert set(rows["credit"]) <= set(book["credits"]), language


def test_duplicates_are_marked_and_reported(tmp_path: Path) -> None:
    write_article(tmp_path / "a", "001_00000000000000a1.txt", " date 2024-06-19", PL_BODY)
    write_article(tmp_path / "b", "002_00000000000000b2.txt", " date 2024-06-20", PL_BODY)
    df, report = ingest(tmp_path)
    assert df["duplicate_of"].tolist()[0] is pd.NA
    assert df["duplicate_of"].tolist()[1] == "a/001_00000000000000a1"
    status = report.files.set_index("path")["status"]
    assert status.tolist() == ["loaded", "duplicate"]
    assert report.n_duplicates == 1
    assert load_corpus(tmp_path, dedupe=False)["duplicate_of"].isna().all()


def test_deterministic(corpus_dir: Path) -> None:
    a, ra = ingest(corpus_dir)
    b, rb = ingest([corpus_dir])
    pd.testing.assert_frame_equal(a, b)
    assert ra.to_json() == rb.to_json()


def test_bad_top_level_input(tmp_path: Path) -> None:
    with pytest.raises(CorpusSourceError, match="no such file"):
        load_corpus(tmp_path / "missing")
    with pytest.raises(CorpusSourceError, match="mapping keys"):
        load_corpus(tmp_path, mapping={"body": "x"})
    with pytest.raises(CorpusSourceError, match="languages"):
        load_corpus(tmp_path, languages=["polish"])
    with pytest.raises(CorpusSourceError, match="format"):
        load_corpus(tmp_path, format="docx")


def test_report_json_roundtrip(corpus_dir: Path, tmp_path: Path) -> None:
    _, report = ingest(corpus_dir)
    out = report.write_json(tmp_path / "report.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["counts"] == report.counts()
    assert len(data["files"]) == 6
    assert data["config"]["profile"]["name"] == "pl_portal"


# ---- the real KCNA archive ------------------------------------------------------------------
def test_kcna_one_call(kcna_json: Path) -> None:
    raw = json.loads(kcna_json.read_text(encoding="utf-8"))
    df, report = ingest(
        kcna_json,
        mapping={"text": "story_text", "title": "headline", "date": "date", "url": "link"},
        outlet="KCNA",
    )
    assert len(df) == len(raw) == 2111
    assert set(df["outlet"]) == {"KCNA"}
    assert df["topic"].tolist() == [r["topic"] for r in raw]
    assert df["title"].tolist() == [r["headline"] for r in raw]
    expected_dates = pd.to_datetime([r["date"] for r in raw], unit="ms")
    assert (df["date"].to_numpy() == expected_dates.to_numpy()).all()
    assert df["date"].min() == pd.Timestamp("2023-12-24")
    no_text = sum(1 for r in raw if not (r.get("story_text") or "").strip())
    assert df["text"].isna().sum() == no_text
    assert (report.notes["note"] == "no text").sum() == no_text
    # Identical story texts in the archive are exact duplicates.
    texts = [r["story_text"].strip() for r in raw if (r.get("story_text") or "").strip()]
    assert df["duplicate_of"].notna().sum() >= len(texts) - len(set(texts))
    assert (df.loc[df["text"].notna(), "language"] == "en").mean() > 0.99


def test_parallel_reading_gives_identical_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(12):
        body = [PL_BODY, EN_BODY, RU_BODY][i % 3] + f"\n\nAkapit numer {i} tego artykułu."
        write_article(
            tmp_path / f"o{i % 2}", f"{i:03d}_{i:016x}.txt", f" date 2024-06-{i + 1:02d}", body
        )
    (tmp_path / "o0" / "junk.bin").write_bytes(b"\x00")
    serial, serial_report = ingest(tmp_path, n_jobs=1)
    monkeypatch.setattr("corpus_tools.io._PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr("corpus_tools.io._CHUNK", 4)
    parallel, parallel_report = ingest(tmp_path, n_jobs=2)
    assert len(serial) == 12
    pd.testing.assert_frame_equal(serial, parallel)
    assert serial_report.to_json() == parallel_report.to_json()


def test_parallel_and_serial_agree_on_a_mixed_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Everything the walk and the workers treat differently: near copies (duplicates), an
    # archive, saved outputs (a corpus with its manifest, a table with a manifest beside
    # it, a lock), a hidden file, a broken link, a FIFO and an unsupported file.
    root = tmp_path / "in"
    bodies = [PL_BODY, EN_BODY, RU_BODY]
    for i in range(9):
        body = bodies[i % 3] + ("\n\nAktualizacja." if i >= 3 else "")
        write_article(
            root / f"o{i % 2}", f"{i:03d}_{i:016x}.txt", f" date 2024-06-0{i // 3 + 1}", body
        )
    with zipfile.ZipFile(root / "wire.zip", "w") as archive:
        archive.writestr("010_00000000000000aa.txt", f" date 2024-06-05\n\n{EN_BODY}")
    saved = root / "saved"
    saved.mkdir()
    save_corpus(load_corpus(root / "o0", n_jobs=1), saved / "corpus.parquet")
    (saved / "table.csv").write_text("doc_id,text\na,Kim\n", encoding="utf-8")
    (saved / "table.csv.manifest.json").write_text("{}", encoding="utf-8")
    (saved / "other.parquet.lock").write_text("", encoding="utf-8")
    (root / "o0" / ".hidden.txt").write_text("x", encoding="utf-8")
    (root / "o0" / "011_00000000000000bb.txt").symlink_to(root / "gone.txt")
    os.mkfifo(root / "o1" / "012_00000000000000cc.txt")
    (root / "o1" / "notes.md").write_text("not corpus input", encoding="utf-8")

    serial, serial_report = ingest(root, n_jobs=1)
    monkeypatch.setattr("corpus_tools.io._PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr("corpus_tools.io._CHUNK", 2)
    parallel, parallel_report = ingest(root, n_jobs=2)

    pd.testing.assert_frame_equal(serial, parallel, check_exact=True)
    assert serial_report.to_json() == parallel_report.to_json()
    found = status_by_name(parallel_report)
    outputs = ["corpus.parquet", "table.csv", "other.parquet.lock", ".hidden.txt", "notes.md"]
    for name in [*outputs, "corpus.parquet.manifest.json", "table.csv.manifest.json"]:
        assert found[name] == "ignored", name
    assert found["011_00000000000000bb.txt"] == found["012_00000000000000cc.txt"] == "skipped"
    assert found["wire.zip!010_00000000000000aa.txt"] == "duplicate"  # of o1/001 (EN_BODY)
    assert len(parallel) == 10
    assert parallel["duplicate_of"].notna().sum() == 7  # 3 originals, the rest copies


def test_signatures_from_the_workers_give_mark_duplicates_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Near copies (one paragraph added) a day apart, plus unrelated texts and a file with
    # too few words for a shingle: the workers' sketches must change nothing.
    bodies = [PL_BODY, EN_BODY, RU_BODY]
    for i in range(9):
        body = bodies[i % 3] + ("\n\nAktualizacja." if i >= 3 else "")
        day = f"2024-06-{i // 3 + 1:02d}"
        write_article(tmp_path / f"o{i % 2}", f"{i:03d}_{i:016x}.txt", f" date {day}", body)
    write_article(tmp_path, "100_00000000000000ff.txt", " date 2024-06-01", "Krótko.")
    monkeypatch.setattr("corpus_tools.io._PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr("corpus_tools.io._CHUNK", 3)
    df = load_corpus(tmp_path, n_jobs=2)
    plain = load_corpus(tmp_path, n_jobs=2, dedupe=False)
    expected = mark_duplicates(plain)
    assert expected.notna().sum() == 6  # copies of the three first texts, hand-counted
    assert df["duplicate_of"].tolist() == expected.tolist()


def test_text_left_out_of_nfc_by_a_repair_is_hashed_and_sketched_as_it_reads(
    tmp_path: Path,
) -> None:
    """A repair can leave a text out of NFC; its hash and its MinHash then fold it apart.

    Deleting "-" puts the accent back on "ᾳ": NFC first (the hash) folds "ᾳ\u0301" to
    "άι", case folding first (MinHash) to "αί", which the second article spells out. Its
    words are those of the first for MinHash only, so it is a near copy but not an exact one.
    """
    profile = tmp_path / "repair.yaml"
    profile.write_text(
        'name: repair\nrules:\n  - {id: dash, kind: replace, pattern: "-(?=\\u0301)"}\n',
        encoding="utf-8",
    )
    root = tmp_path / "corpus"
    first = " ".join(f"ᾳ-\u0301słowo{i}" for i in range(60))
    write_article(root, "001_00000000000000a1.txt", " date 2024-06-19", first)
    second = " ".join(f"\u03b1\u03afsłowo{i}" for i in range(60))
    write_article(root, "002_00000000000000b2.txt", " date 2024-06-20", second)
    df, _ = ingest(root, profile=str(profile))
    text = df["text"].tolist()
    assert not unicodedata.is_normalized("NFC", text[0]) and text[1] == second
    assert df["content_sha256"].tolist() == [content_hash(t) for t in text]
    assert df["content_sha256"].nunique() == 2
    expected = pd.Series([pd.NA, "001_00000000000000a1"], dtype="string", name="duplicate_of")
    pd.testing.assert_series_equal(df["duplicate_of"], expected)
    # mark_duplicates sketches the texts itself, with the public minhash_signatures.
    pd.testing.assert_series_equal(mark_duplicates(df), df["duplicate_of"])
