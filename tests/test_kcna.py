"""The KCNA 2024 archive: the `kcna` profile on the real texts, and the Russia labels.

The counts asserted here were measured independently of the code under test (the issue
that asked for the profile: 2,111 records, 803 cross-listed copies, 249 without text,
1,001 of 1,059 texts opening with a dateline, 379 of the 407 texts naming Kim Jong Un
glued to a neighbour). The hand labels in data/kcna_russia_labels.csv were made by
reading each story; only the link, the stratum and the label are stored, the texts come
from the data cache. Notebook 06 defines the Russia measure; this module reads that
definition from the notebook, so the measure validated here is the one the notebook uses.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from corpus_tools import clean, filter_corpus, tag_actors
from corpus_tools.datasets import fetch_kcna

HERE = Path(__file__).resolve().parent
LABELS = HERE / "data" / "kcna_russia_labels.csv"
NOTEBOOK = HERE.parent / "notebooks" / "06_kcna_2024.py"
GLUED = re.compile(r"[A-Za-z]Kim Jong Un|Kim Jong Un[A-Za-z]")
DATELINE = re.compile(r"\APyongyang, [A-Z][a-z]+ \d{1,2} \(KCNA\) *[-\u2013]+ *")
END_MARK = re.compile(r" *-0-\Z")
# The cue stratum of the labelled sample (a census): unflagged stories with a term that
# often comes with Russia. Written before labelling; it is part of the sampling design.
CUE = re.compile(
    r"Soviet|USSR|Medvedev|Volodin|Matviyenko|Mishustin|Kozlov|Peskov|Zakharova|Naryshkin|"
    r"Primorsk|Primorye|Khabarovsk|Tatarstan|Siberia|Sakha|Petersburg|Novosibirsk|Rosatom|"
    r"Roscosmos|Crimea|Donbass|Donetsk|Luhansk|Ukrain|Kiev|Kyiv|Zelensk|Belarus|Lukashenko|"
    r"Amur|Khasan|Tumen|NATO|Europe|BRICS|Shanghai Cooperation|multi-polar|Red Army|"
    r"Far East|Maritime Territory|Hitler|anti-fascist|Great Patriotic War|Eurasia|"
    r"Central Asia|CIS\b|Vladimirovich|Sergei|Dmitri|Alexand|Mikhail|Nikolai|Andrei|Yuri|"
    r"Oleg|Igor|Viktor"
)


@pytest.fixture(scope="module")
def archived_texts(kcna_json: Path) -> pd.Series:
    """The unique story texts as archived (exact copies dropped), straight from the JSON."""
    records = json.loads(kcna_json.read_text(encoding="utf-8"))
    texts = pd.Series([r.get("story_text") or "" for r in records])
    return texts[texts.str.strip() != ""].drop_duplicates().reset_index(drop=True)


@pytest.fixture(scope="module")
def kcna() -> pd.DataFrame:
    return fetch_kcna()


@pytest.fixture(scope="module")
def stories(kcna: pd.DataFrame) -> pd.DataFrame:
    """Canonical records with text, one per link (the first archived version)."""
    canonical = kcna[kcna["text"].notna() & kcna["duplicate_of"].isna()]
    return canonical.drop_duplicates("url").reset_index(drop=True)


def test_archive_counts(kcna: pd.DataFrame) -> None:
    assert len(kcna) == 2111
    assert int(kcna["text"].isna().sum()) == 249
    assert int(kcna["duplicate_of"].notna().sum()) == 803
    assert int(kcna["topic"].isin(["Photo", "Video"]).sum()) == 240


def test_profile_repairs_glued_names_and_datelines(archived_texts: pd.Series) -> None:
    assert len(archived_texts) == 1059
    naming = archived_texts[archived_texts.str.contains("Kim Jong Un")]
    assert (len(naming), int(naming.str.contains(GLUED).sum())) == (407, 379)
    assert int(archived_texts.str.contains(DATELINE).sum()) == 1001
    profile = clean.load_profile("kcna")
    repaired = pd.Series([profile.clean(text)[0] for text in archived_texts])
    assert not repaired.str.contains(GLUED).any()
    assert not repaired.str.contains(r"\(KCNA\) --|-0-").any()
    assert int(repaired.str.contains("Kim Jong Un").sum()) == 407


def test_profile_only_inserts_spaces_besides_dateline_and_end_mark(
    archived_texts: pd.Series,
) -> None:
    """What a repair may change: the dateline and end mark go, spaces come; nothing else."""
    profile = clean.load_profile("kcna")
    for text in archived_texts:
        expected = END_MARK.sub("", DATELINE.sub("", clean.normalize_text(text)))
        repaired, _ = profile.clean(text)
        assert "".join(repaired.split()) == "".join(expected.split())


def test_fetch_kcna_applies_the_profile(kcna: pd.DataFrame) -> None:
    texts = kcna["text"].dropna()
    assert not texts.str.contains("ComradeKim|Unwas").any()
    raw = fetch_kcna(profile=None)["text"].dropna()
    assert raw.str.contains("ComradeKim").sum() > 0 and raw.str.contains("Unwas").sum() > 0


def _notebook_constant(name: str) -> object:
    """A literal assigned at the top level of notebook 06 (its single definition)."""
    tree = ast.parse(NOTEBOOK.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{NOTEBOOK.name} assigns no {name}")


def _russia_flags(stories: pd.DataFrame) -> pd.Series:
    """The notebook's Russia measure: lexicon actor or group ids, then an optional regex."""
    ids, pattern = _notebook_constant("COUNTRIES")["Russia"]
    tagged = tag_actors(stories)
    by_lexicon = tagged.index.isin(filter_corpus(tagged, any_of=ids).index)
    by_regex = False
    if pattern:
        headline_and_text = stories["title"].fillna("") + "\n" + stories["text"]
        by_regex = headline_and_text.str.contains(pattern, flags=re.IGNORECASE).to_numpy()
    return pd.Series(by_lexicon | by_regex, index=stories["url"].to_numpy())


def test_labels_follow_the_sampling_design(stories: pd.DataFrame) -> None:
    labels = pd.read_csv(LABELS)
    assert list(labels.columns) == ["link", "stratum", "russia", "note"]
    assert labels["link"].is_unique
    assert set(labels["stratum"]) == {"flagged", "cue", "rest"}
    assert set(labels["russia"]) <= {0, 1}
    assert labels["link"].isin(stories["url"]).all(), "every label is a unique story"
    flagged = _russia_flags(stories)
    stratum = labels.set_index("link")["stratum"]
    assert flagged[stratum.index].eq(stratum.eq("flagged")).all()
    text = (stories["title"].fillna("") + "\n" + stories["text"]).to_numpy()
    cue = pd.Series([bool(CUE.search(t)) for t in text], index=stories["url"].to_numpy()) & ~flagged
    assert set(stratum.index[stratum.eq("cue")]) == set(cue.index[cue]), (
        "the cue stratum is a census"
    )


def test_russia_measure_reproduces_the_hand_labels(stories: pd.DataFrame) -> None:
    labels = pd.read_csv(LABELS)
    flagged = _russia_flags(stories)[labels["link"]].to_numpy()
    truth = labels["russia"].to_numpy() == 1
    assert truth.sum() >= 30
    precision = (truth & flagged).sum() / flagged.sum()
    recall = (truth & flagged).sum() / truth.sum()
    assert precision >= 0.9 and recall >= 0.9
