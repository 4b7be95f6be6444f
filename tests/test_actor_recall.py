"""Recall and precision of the shipped lexicon's sides on hand-labelled real RSS items.

``tests/data/actor_labels.csv`` holds only labels keyed by URL (the texts stay in
``../shared``): for 400 items of the RSS corpus (``rss-nk-2023``), whether title plus
description mention any Russia-side actor (the Russian state, people, forces, leaders,
officials, Russian places) and any North-Korea-side actor. They were read and labelled by
hand, stratified by the corpus's keyword flag ``mentions_russia`` (half True, half False).
``tuning`` (300 items) was labelled first and its misses informed the lexicon (one: Kim
Jong Il); ``held_out`` (100 items) was labelled after the lexicon was fixed. Every item of
the corpus mentions North Korea by construction, so North-Korea-side precision cannot be
measured here (no negatives); only its recall is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corpus_tools.actors import actor_groups, filter_corpus, tag_actors

LABELS = Path(__file__).parent / "data" / "actor_labels.csv"
SIDES = ("russia_side", "north_korea_side")
# Floors a little under the measured values (README, "Your own corpus"), so that a lexicon
# change that loses real mentions fails here.
FLOORS = {
    ("tuning", "russia_side"): (0.97, 0.95),
    ("held_out", "russia_side"): (0.95, 0.95),
    ("tuning", "north_korea_side"): (0.97, None),
    ("held_out", "north_korea_side"): (0.97, None),
}


@pytest.fixture(scope="module")
def labelled(rss_nk_csv: Path) -> pd.DataFrame:
    corpus = pd.read_csv(rss_nk_csv, dtype=str, keep_default_na=False)
    labels = pd.read_csv(LABELS)
    assert labels["url"].is_unique and len(labels) == 400
    items = labels.merge(corpus[["url", "title", "description"]], on="url", how="left")
    assert items["title"].notna().all(), "a labelled URL is not in the shared corpus"
    items["text"] = items["title"] + "\n" + items["description"]
    return items


def _scores(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float | None]:
    hits = int((truth & predicted).sum())
    recall = hits / truth.sum()
    precision = hits / predicted.sum() if (~truth).any() else None
    return recall, precision


@pytest.mark.parametrize(("sample", "side"), sorted(FLOORS))
def test_side_recall_and_precision(labelled: pd.DataFrame, sample: str, side: str) -> None:
    items = labelled[labelled["sample"] == sample].reset_index(drop=True)
    found = filter_corpus(items[["text"]], any_of=[side]).index
    predicted = items.index.isin(found)
    recall, precision = _scores(items[side].to_numpy() == 1, predicted)
    min_recall, min_precision = FLOORS[(sample, side)]
    assert recall >= min_recall, f"{sample} {side}: recall {recall:.3f}"
    if min_precision is not None:
        assert precision is not None and precision >= min_precision, (sample, side, precision)


def test_groups_recall_more_than_the_country_ids(labelled: pd.DataFrame) -> None:
    # The case: the country ids alone miss "Kremlin", "Putin", "Pyongyang", ...
    tagged = tag_actors(labelled[["text"]])
    truth = labelled["russia_side"].to_numpy() == 1
    country = tagged["actor_russia"].to_numpy() > 0
    members = [f"actor_{m}" for m in actor_groups()["russia_side"]]
    side = (tagged[members] > 0).any(axis=1).to_numpy()
    assert _scores(truth, side)[0] > _scores(truth, country)[0]
