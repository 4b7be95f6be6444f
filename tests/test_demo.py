"""The SYNTHETIC demo corpus: format, planted structure, noise and reproducibility."""

from __future__ import annotations

import csv
import datetime as dt
import io
import lzma
import re
import tarfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import py3langid
import pytest
import stopwordsiso
import yaml

from corpus_tools.demo import generate as gen
from corpus_tools.errors import CorpusToolsError

SHIPPED = Path(gen.__file__).resolve().parents[1] / "data" / "demo"
# The sample article's format (../shared/corpus-samples): " date YYYY-MM[-DD] <caption>
# <credit label>: <credit>"; English, Russian and Korean outlets use their own label.
HEADER = re.compile(r"^ date \d{4}-\d{2}(?:-\d{2})? \S.* (?:Źródło|Source|Источник|출처): \S.*$")
FILE_NAME = re.compile(r"^[a-z0-9-]+/\d{3,}_[0-9a-f]{16}\.txt$")
BOILERPLATE = re.compile(
    r"Posłuchaj artykułu|Dowiedz się więcej:|Listen to this|Read more:|Photo:|Слушать статью"
    r"|Читайте также:|Фото:|.{5,150} (?:Źródło|Source|Источник):"
)
TOPICS = ("summit", "treaty", "arms", "troops", "sanctions", "economy", "space", "ukraine_war")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> gen.DemoFiles:
    return gen.generate_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def truth(demo: gen.DemoFiles) -> pd.DataFrame:
    return pd.read_csv(demo.truth, dtype=str, keep_default_na=False)


def _text(demo: gen.DemoFiles, row: pd.Series) -> str:
    return (demo.corpus / row["file"]).read_bytes().decode(row["encoding"])


def _clean_rows(truth: pd.DataFrame) -> pd.DataFrame:
    return truth[truth["planted_defect"] == "none"]


# ---- reproducibility ----------------------------------------------------------------------
def test_regenerated_corpus_is_byte_identical_to_shipped(demo: gen.DemoFiles) -> None:
    # The tar payload is compared, not the xz stream: the payload is what must not drift,
    # while another liblzma build may legitimately compress the same bytes differently.
    shipped = lzma.decompress((SHIPPED / gen.ARCHIVE_NAME).read_bytes())
    assert lzma.decompress(gen.build_archive(demo.corpus)) == shipped
    assert demo.truth.read_bytes() == (SHIPPED / gen.TRUTH_NAME).read_bytes()
    assert demo.topics.read_bytes() == (SHIPPED / gen.TOPICS_NAME).read_bytes()


def test_archive_members_are_normalised(demo: gen.DemoFiles) -> None:
    with tarfile.open(fileobj=io.BytesIO((SHIPPED / gen.ARCHIVE_NAME).read_bytes())) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert all(m.isfile() and m.mode == 0o644 and m.mtime == 0 for m in members)
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    on_disk = sorted(p.relative_to(demo.corpus).as_posix() for p in demo.corpus.rglob("*.txt"))
    assert names == on_disk
    assert (SHIPPED / gen.ARCHIVE_NAME).stat().st_size < 5 * 2**20


def test_another_seed_gives_another_corpus(demo: gen.DemoFiles, tmp_path: Path) -> None:
    other = gen.generate_demo(tmp_path, seed=7)
    assert other.truth.read_bytes() != demo.truth.read_bytes()


def test_refuses_to_mix_with_existing_files(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "old").mkdir(parents=True)
    with pytest.raises(CorpusToolsError, match="not empty"):
        gen.generate_demo(tmp_path)
    with pytest.raises(SystemExit, match=r"^1$") as exc:
        gen.main(["--out", str(tmp_path)])
    assert exc.value.code == 1


# ---- format -------------------------------------------------------------------------------
def test_header_pattern_describes_the_real_sample(sample_article: Path) -> None:
    first = sample_article.read_text(encoding="utf-8").split("\n", 1)[0]
    assert HEADER.match(first)


def test_every_file_follows_the_scraped_format(demo: gen.DemoFiles, truth: pd.DataFrame) -> None:
    files = sorted(p.relative_to(demo.corpus).as_posix() for p in demo.corpus.rglob("*"))
    files = [f for f in files if (demo.corpus / f).is_file()]
    assert all(FILE_NAME.match(f) for f in files)
    for _, row in _clean_rows(truth).iterrows():
        text = _text(demo, row)
        header, _, body = text.partition("\n\n")
        assert HEADER.match(header), row["file"]
        stamp = header.split()[1]
        assert stamp == (row["date"] if row["date_precision"] == "day" else row["date"][:7])
        assert "\r" not in text and "\n\n\n" not in text and not text.endswith("\n")
        assert 3 <= len(body.split("\n\n")) <= 16, row["file"]


def test_running_numbers_per_outlet_follow_dates(truth: pd.DataFrame) -> None:
    for outlet, rows in truth.groupby("outlet"):
        numbers = sorted(int(d.split("/")[1].split("_")[0]) for d in rows["doc_id"])
        assert numbers == list(range(len(rows))), outlet
        dated = rows[rows["date"] != ""].sort_values("doc_id")
        assert dated["date"].str[:7].is_monotonic_increasing, outlet


def test_portal_boilerplate_is_planted(demo: gen.DemoFiles, truth: pd.DataFrame) -> None:
    found: Counter[str] = Counter()
    markers = (
        "Posłuchaj artykułu Dowiedz się więcej",
        "Kluczowe fakty: ",
        "Dowiedz się więcej: ",
        "Listen to this article",
        "Key facts: ",
        "Read more: ",
        "Photo: ",
        "Слушать статью",
        "Главное: ",
        "Читайте также: ",
        "Фото: ",
    )
    for _, row in _clean_rows(truth).iterrows():
        for block in _text(demo, row).split("\n\n")[1:]:
            found.update(m for m in markers if block.startswith(m))
            if re.fullmatch(r".{5,120} Źródło: (?:PAP|KCNA|AFP|Reuters)\S*", block):
                found["mid-article caption"] += 1
    assert all(found[m] >= 20 for m in markers), found
    assert found["mid-article caption"] >= 50


# ---- planted structure --------------------------------------------------------------------
def test_ground_truth_has_one_row_per_file(demo: gen.DemoFiles, truth: pd.DataFrame) -> None:
    on_disk = {p.relative_to(demo.corpus).as_posix() for p in demo.corpus.rglob("*.txt")}
    assert len(truth) == len(on_disk) == 1500
    assert set(truth["file"]) == on_disk
    assert (truth["doc_id"] + ".txt").tolist() == truth["file"].tolist()
    assert set(truth["synthetic"]) == {"true"}


def test_language_shares_and_outlets(truth: pd.DataFrame) -> None:
    share = truth["language"].value_counts(normalize=True)
    assert 0.45 <= share["pl"] <= 0.55
    assert 0.30 <= share["en"] <= 0.40
    assert 0.12 <= share["ru"] <= 0.18
    assert 0.01 <= share["ko"] <= 0.025
    assert 8 <= truth["outlet"].nunique() <= 10


def test_languages_agree_with_an_independent_identifier(
    demo: gen.DemoFiles, truth: pd.DataFrame
) -> None:
    rows = _clean_rows(truth)
    guessed = [
        py3langid.classify(" ".join(_text(demo, r).split("\n\n")[1:]))[0]
        for _, r in rows.iterrows()
    ]
    assert np.mean(np.array(guessed) == rows["language"].to_numpy()) >= 0.99


def test_topic_mixtures(truth: pd.DataFrame) -> None:
    rows = _clean_rows(truth)
    shares = rows[[f"topic_{t}" for t in TOPICS]].astype(float)
    assert np.allclose(shares.sum(axis=1), 1.0, atol=1e-3)
    dominant = shares.idxmax(axis=1).str.removeprefix("topic_")
    assert (dominant == rows["dominant_topic"]).all()
    # Korean has only three templates per topic, so its articles are short and flatter.
    top = shares.max(axis=1)[rows["language"] != "ko"]
    assert top.min() >= 0.5 and 0.6 <= top.median() <= 0.9
    per_language = rows.groupby("language")["dominant_topic"].nunique()
    assert (per_language[["pl", "en", "ru"]] == 8).all()


def test_topics_never_appear_before_they_exist(truth: pd.DataFrame) -> None:
    facts = yaml.safe_load((Path(gen.__file__).parent / "facts.yaml").read_text(encoding="utf-8"))
    since = {t["name"]: t["since"] for t in facts["topics"]}
    rows = _clean_rows(truth)
    for topic in TOPICS:
        present = rows[rows[f"topic_{topic}"].astype(float) > 0]
        # Month-precision dates are the 1st of the month, so compare months.
        assert (present["date"].str[:7] >= since[topic][:7]).all(), topic


def test_coverage_spikes_follow_the_events(truth: pd.DataFrame) -> None:
    events = pd.read_csv(gen.DATA_DIR / "events.csv", parse_dates=["date"])
    events = events[events["event_id"].isin(gen.load_facts()["events"])]  # planted ones
    rows = truth[truth["event_id"] != ""]
    for event in events.itertuples():
        dates = pd.to_datetime(rows.loc[rows["event_id"] == event.event_id, "date"])
        assert len(dates) >= 10, event.event_id
        # Month-only dates fall on the 1st, up to 30 days before the event day.
        assert (dates >= event.date - pd.Timedelta(days=31)).all(), event.event_id
    months = pd.to_datetime(truth.loc[truth["date"] != "", "date"]).dt.to_period("M")
    volume = months.value_counts()
    in_2024 = volume[[p for p in volume.index if p.year == 2024]]
    assert volume[pd.Period("2024-06", "M")] > 2 * in_2024.median()


def test_events_table() -> None:
    with (gen.DATA_DIR / "events.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        *("date", "event_id", "label_en", "label_pl", "description_en", "end_date", "source")
    ]
    dates = [dt.date.fromisoformat(r["date"]) for r in rows]
    assert dates == sorted(dates)
    by_id = {r["event_id"]: r["date"] for r in rows}
    # Dates stated in the project brief (issue 4), checked against public reporting.
    assert by_id["vladivostok_summit"] == "2019-04-25"
    assert by_id["vostochny_summit"] == "2023-09-13"
    assert by_id["un_panel_veto"] == "2024-03-28"
    assert by_id["pyongyang_treaty"] == "2024-06-19"
    assert by_id["deployment_confirmed"] == "2025-04-28"
    assert by_id["tumen_bridge"] == "2025-04-30"
    # The 2023 visits (issue 13), with their end days and a source reporting each.
    spans = {r["event_id"]: (r["date"], r["end_date"]) for r in rows if r["end_date"]}
    assert spans == {
        "shoigu_visit_2023": ("2023-07-25", "2023-07-27"),
        "lavrov_visit_2023": ("2023-10-18", "2023-10-19"),
    }
    for event_id in ("shoigu_visit_2023", "vostochny_summit", "lavrov_visit_2023"):
        assert next(r for r in rows if r["event_id"] == event_id)["source"].startswith("https://")
    # The SYNTHETIC demo plants coverage spikes for a subset of the real events.
    facts = gen.load_facts()
    assert set(facts["events"]) <= set(by_id)
    for lang in gen.LANGUAGES:
        assert set(gen.load_phrasebook(lang, dates[0]).events) == set(facts["events"]), lang


@pytest.mark.parametrize("lang", ["pl", "en", "ru"])
def test_topic_vocabularies_are_rich_and_distinct(lang: str) -> None:
    book = gen.load_phrasebook(lang, dt.date(2019, 1, 1))
    stop = stopwordsiso.stopwords(lang)
    vocab = {}
    for name, phrases in book.topics.items():
        text = " ".join(
            [t.text for t in phrases.sentences]
            + [f for fillers in phrases.slots.values() for f in fillers]
            + list(phrases.captions)
        )
        vocab[name] = {w for w in re.findall(r"[^\W\d_]{3,}", text.lower()) if w not in stop}
    for name, words in vocab.items():
        own = words - set().union(*(v for k, v in vocab.items() if k != name))
        assert len(own) >= 30, (name, len(own))
    for a in vocab:
        for b in vocab:
            if a < b:
                jaccard = len(vocab[a] & vocab[b]) / len(vocab[a] | vocab[b])
                assert jaccard < 0.1, (a, b, jaccard)


# ---- noise --------------------------------------------------------------------------------
def test_planted_defects_exist(demo: gen.DemoFiles, truth: pd.DataFrame) -> None:
    by_kind = truth.groupby("planted_defect")["file"].apply(list).to_dict()
    assert 3 <= len(by_kind["empty"]) <= 6
    assert all((demo.corpus / f).stat().st_size == 0 for f in by_kind["empty"])
    assert len(by_kind["binary"]) == 1
    binary = (demo.corpus / by_kind["binary"][0]).read_bytes()
    assert binary.startswith(b"\x89PNG") and b"\x00" in binary
    for f in by_kind["truncated_header_only"]:
        text = (demo.corpus / f).read_text(encoding="utf-8")
        assert HEADER.match(text) and "\n" not in text
    for f in by_kind["truncated_mid_word"]:
        text = (demo.corpus / f).read_text(encoding="utf-8")
        assert text[-2:].isalpha() and "\n\n" in text and not text.endswith(".")


def test_cp1250_files_are_polish_and_not_utf8(demo: gen.DemoFiles, truth: pd.DataFrame) -> None:
    rows = truth[truth["encoding"] == "cp1250"]
    assert 5 <= len(rows) <= 10 and set(rows["language"]) == {"pl"}
    for f in rows["file"]:
        data = (demo.corpus / f).read_bytes()
        with pytest.raises(UnicodeDecodeError, match="can't decode byte"):
            data.decode("utf-8")
        assert HEADER.match(data.decode("cp1250").split("\n", 1)[0])
        assert re.search("[ąęłńóśźż]", data.decode("cp1250"))


def _content(text: str) -> str:
    """The body without the planted boilerplate blocks (prefixes from the brief)."""
    blocks = text.split("\n\n")[1:]
    return "\n".join(b for b in blocks if not BOILERPLATE.match(b))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}


def test_wire_copies_are_near_duplicates(demo: gen.DemoFiles, truth: pd.DataFrame) -> None:
    groups = truth[truth["duplicate_group"] != ""]
    copies = groups[groups["doc_id"] != groups["canonical_doc_id"]]
    assert 60 <= len(copies) <= 90  # ~5 % of 1,500
    by_id = truth.set_index("doc_id")
    for _, copy in copies.iterrows():
        original = by_id.loc[copy["canonical_doc_id"]]
        assert copy["language"] == original["language"]
        assert copy["outlet"] != original["outlet"]
        assert copy["date"][:7] == original["date"][:7] and copy["date"] >= original["date"]
        body = [_content(_text(demo, r)) for r in (copy, original)]
        a, b = _shingles(body[0]), _shingles(body[1])
        assert body[0] != body[1] and len(a & b) / len(a | b) >= 0.8


# ---- the methods check the corpus exists for ----------------------------------------------
@pytest.mark.slow
# stopwords-iso's English list holds contraction fragments ("mightn") the tokenizer never makes.
@pytest.mark.filterwarnings("ignore:Your stop_words may be inconsistent:UserWarning")
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_plain_lda_recovers_planted_topics(
    demo: gen.DemoFiles, truth: pd.DataFrame, lang: str
) -> None:
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    rows = _clean_rows(truth)
    rows = rows[rows["language"] == lang]
    texts = [" ".join(_text(demo, r).split("\n\n")[1:]) for _, r in rows.iterrows()]
    counts = CountVectorizer(min_df=5, stop_words=sorted(stopwordsiso.stopwords(lang)))
    lda = LatentDirichletAllocation(n_components=8, random_state=0, learning_method="batch")
    found = lda.fit_transform(counts.fit_transform(texts)).argmax(axis=1)
    assert adjusted_rand_score(rows["dominant_topic"], found) >= 0.8
    assert normalized_mutual_info_score(rows["dominant_topic"], found) >= 0.8


# ---- the packaged copy (corpus_tools.datasets) --------------------------------------------
def test_demo_path_extracts_once_and_repairs(tmp_path: Path) -> None:
    from corpus_tools.datasets import demo_path

    root = demo_path(data_home=tmp_path)
    assert root.parent == tmp_path and root.name.startswith("demo-")
    files = sorted(root.rglob("*.txt"))
    assert len(files) == 1500
    victim = files[10]
    original = victim.read_bytes()
    stamp = victim.stat().st_mtime_ns
    assert demo_path(data_home=tmp_path) == root and victim.stat().st_mtime_ns == stamp
    victim.write_bytes(b"edited by hand")
    (root / "stray.txt").write_text("not in the archive", encoding="utf-8")
    assert demo_path(data_home=tmp_path) == root
    assert victim.read_bytes() == original and not (root / "stray.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == [root.name]  # no temporary leftovers


def test_demo_path_names_an_unwritable_cache(tmp_path: Path) -> None:
    from corpus_tools.datasets import DemoDataError, demo_path

    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DemoDataError, match="a-file"):
        demo_path(data_home=blocker / "cache")


def test_truth_and_topics_tables() -> None:
    from corpus_tools.datasets import load_demo_topics, load_demo_truth

    truth = load_demo_truth()
    assert len(truth) == 1500 and truth["synthetic"].all()
    assert truth["date"].dtype == "datetime64[ns]"
    assert truth.loc[truth["planted_defect"] == "empty", "language"].isna().all()
    topics = load_demo_topics()
    assert topics["name"].tolist() == list(TOPICS)
    assert topics["topic_id"].tolist() == list(range(8))
    # The most specific planted words name the topic's subject in each language.
    words = topics.set_index("name")
    assert "traktat" in words.loc["treaty", "top_words_pl"].split()
    assert "cosmodrome" in words.loc["space", "top_words_en"].split()


@pytest.mark.slow
def test_load_demo_recovers_the_planted_truth(tmp_path: Path) -> None:
    from corpus_tools.datasets import load_demo

    demo = load_demo(with_truth=True, data_home=tmp_path, n_jobs=1)
    assert len(demo) > 1400 and demo["truth_synthetic"].all()
    clean = demo[demo["truth_planted_defect"] == "none"]
    assert (clean["language"] == clean["truth_language"]).mean() >= 0.97
    assert (clean["date"].dt.to_period("M") == clean["truth_date"].dt.to_period("M")).all()
    cp1250 = clean[clean["truth_encoding"] == "cp1250"]
    assert len(cp1250) >= 5 and cp1250["text"].str.contains("ł").all()
    # Broken files never reach the corpus as documents.
    assert not demo["truth_planted_defect"].isin(["empty", "binary"]).any()
    # Wire copies: a planted pair counts as found when the reader links it either way
    # (two month-only dates tie, and the reader then picks the canonical copy by doc_id).
    group = demo.set_index("doc_id")["truth_duplicate_group"]
    linked = demo.dropna(subset=["duplicate_of"])
    source = group.reindex(linked["doc_id"]).reset_index(drop=True)
    target = group.reindex(linked["duplicate_of"]).reset_index(drop=True)
    same = source.eq(target).fillna(False).astype(bool)
    copies = demo[
        demo["truth_duplicate_group"].notna() & (demo["truth_canonical_doc_id"] != demo["doc_id"])
    ]
    assert same.mean() >= 0.95  # precision
    assert sum(same) / len(copies) >= 0.9  # recall


def test_load_corpus_or_demo_honours_the_notebook_parameter(tmp_path) -> None:
    from corpus_tools.datasets import load_corpus_or_demo, load_demo

    pd.testing.assert_frame_equal(load_corpus_or_demo(None), load_demo())
    article = tmp_path / "001_0123456789abcdef.txt"
    article.write_text(" date 2024-06 Putin w Pjongjangu Źródło: PAP\n\nTreść artykułu.\n", "utf-8")
    own = load_corpus_or_demo(tmp_path)
    assert own["doc_id"].tolist() == ["001_0123456789abcdef"]
    assert own["text"].tolist() == ["Treść artykułu."]
