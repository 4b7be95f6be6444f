"""Planted-topic recovery on the SYNTHETIC demo corpus with the project's real preparation.

Each language's documents are prepared with the default :mod:`corpus_tools.text` pipeline
and fitted with an 8-topic LDA (the planted number); every document's dominant fitted topic
must agree with its planted dominant topic (ARI and NMI >= 0.8, the floor of issue 5).
Topic models are monolingual, so languages are fitted separately; the 20 Korean documents
are too few for an 8-topic model and are left out.

A single seed is a fragile witness: variational LDA reaches different local optima, and
any change of the vocabulary (e.g. a lexicon entry that turns "Кремле" into the token
``kremlin``) reorders the columns and moves a seed from one optimum to another. Measured
ARI of seeds 0-4 under the lock: pl 0.879, 0.840, 1.000, 1.000, 0.875; en 0.884, 0.845,
0.810, 0.959, 0.937; ru 0.756, 0.852, 1.000, 0.874, 0.903 (with the previous lexicon,
passed as a file, ru seed 2 gave 0.707 and pl seed 4 0.654). The floor therefore
applies to the median over five seeds.

A global score can hide a lost topic, so :func:`~corpus_tools.evaluate.recovery_table`
is checked too: every planted topic that starts after the corpus does (``since`` in
topics.csv) must rise after its onset in its matched fitted topic, with a
precision-aware event window whose interval lies above zero; too few topics must be
flagged; and the harder generator variant must show its losses.
"""

from __future__ import annotations

import pandas as pd
import pytest

from corpus_tools.datasets import load_demo, load_demo_topics
from corpus_tools.demo.generate import generate_demo
from corpus_tools.effects import event_window
from corpus_tools.evaluate import coherence, recovery_scores, recovery_table
from corpus_tools.io import load_corpus
from corpus_tools.plots import load_events
from corpus_tools.topics import LDA, corpus_matrix, fit_corpus

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return load_demo(with_truth=True)


@pytest.mark.parametrize("language", ["pl", "en", "ru"])
def test_lda_recovers_planted_dominant_topics(demo, language):
    docs = demo[demo["language"] == language]
    data = corpus_matrix(docs)
    truth = docs.set_index("doc_id").loc[data.doc_ids, "truth_dominant_topic"].to_numpy()
    runs = pd.DataFrame(
        [
            recovery_scores(truth, LDA(8, random_state=seed).fit(data.X).doc_topic_.argmax(1))
            for seed in range(5)
        ]
    )
    median = runs.median()
    assert median["adjusted_rand"] >= 0.8, runs
    assert median["nmi"] >= 0.8, runs


def planted_shares(docs: pd.DataFrame, names: list[str], prefix: str) -> pd.DataFrame:
    """The planted topic shares of ``docs`` (rows in order), columns named by topic."""
    columns = [f"{prefix}topic_{n}" for n in names]
    return docs[columns].set_axis(names, axis=1).reset_index(drop=True).astype(float)


@pytest.fixture(scope="module")
def topics() -> pd.DataFrame:
    return load_demo_topics()


@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_planted_onset_is_seen_in_the_matched_topic(demo, topics, language):
    # The model a researcher would keep without knowing the truth: the most coherent of
    # three seeds. (One seed is a fragile witness, see above: Polish seed 0 merges troops
    # into the summit topic, which recovery_table reports as "merged".)
    docs = demo[demo["language"] == language]
    fits = [fit_corpus(docs, 8, random_state=seed) for seed in (0, 1, 2)]
    fit = max(fits, key=lambda f: coherence(f.model.top_terms_lists(10), f.data.texts, "c_npmi"))
    rows = docs.set_index("doc_id").loc[fit.data.doc_ids]
    names = list(topics["name"])
    table = recovery_table(planted_shares(rows, names, "truth_"), fit.model.doc_topic_)
    best = table.set_index("planted")["best"]
    first_day = rows["date"].min()
    onsets = topics[pd.to_datetime(topics["since"]) > first_day]
    assert len(onsets) == 5  # treaty, arms, troops, space, ukraine_war
    for topic in onsets.itertuples():
        effects = event_window(
            fit.model.doc_topic_,
            rows["date"],
            topic.since,
            precision=rows["date_precision"],
            events=load_events(),
        )
        row = effects.iloc[best[topic.name]]
        assert row["ci_lo"] > 0, (topic.name, row.to_dict())
        assert row["significant"], (topic.name, row.to_dict())


def test_too_few_topics_are_flagged(demo, topics):
    docs = demo[demo["language"] == "pl"]
    fit = fit_corpus(docs, 4, random_state=0)
    rows = docs.set_index("doc_id").loc[fit.data.doc_ids]
    table = recovery_table(
        planted_shares(rows, list(topics["name"]), "truth_"), fit.model.doc_topic_
    )
    assert len(table) == 8
    assert (table["status"] != "recovered").sum() >= 4, table


def test_the_harder_variant_degrades_recovery_visibly(tmp_path, topics):
    """Measured under the lock (pl, K=8, seed 0): ARI 0.52 / NMI 0.57 (plain demo 0.82 /
    0.93); 5 of 8 planted topics recovered, summit merged, economy split, ukraine_war
    lost; 3,546 terms; 50 off-topic documents. The thresholds leave room, not more."""
    files = generate_demo(tmp_path, hard=True)
    truth = pd.read_csv(files.truth, dtype=str, keep_default_na=False).set_index("doc_id")
    corpus = load_corpus(files.corpus)
    docs = corpus[corpus["language"] == "pl"]
    fit = fit_corpus(docs, 8, random_state=0)
    rows = truth.loc[fit.data.doc_ids]
    names = list(topics["name"])
    shares = planted_shares(rows, names, "")
    off_topic = shares.sum(axis=1) == 0
    assert off_topic.sum() >= 20 and (rows["dominant_topic"] == "").sum() == off_topic.sum()
    assert fit.data.X.shape[1] >= 3000  # a realistic vocabulary, not a few hundred terms
    on_topic = ~off_topic.to_numpy()
    fitted = fit.model.doc_topic_.argmax(axis=1)
    scores = recovery_scores(rows["dominant_topic"][on_topic], fitted[on_topic])
    assert 0.3 < scores["adjusted_rand"] < 0.75, scores
    table = recovery_table(shares, fit.model.doc_topic_)
    lost = (table["status"] != "recovered").sum()
    assert 1 <= lost <= 5, table
