"""Planted-topic recovery on the SYNTHETIC demo corpus with the project's real preparation.

Each language's documents are prepared with the default :mod:`corpus_tools.text` pipeline
and fitted with an 8-topic LDA (the planted number); every document's dominant fitted topic
must agree with its planted dominant topic (ARI and NMI >= 0.8, the floor of issue 5).
Topic models are monolingual, so languages are fitted separately; the 20 Korean documents
are too few for an 8-topic model and are left out. Measured under the lock (the fits are
deterministic): pl ARI 0.817 / NMI 0.928, en 0.995 / 0.995, ru 1.000 / 1.000.
"""

from __future__ import annotations

import pandas as pd
import pytest

from corpus_tools.datasets import load_demo
from corpus_tools.evaluate import recovery_scores
from corpus_tools.topics import LDA, corpus_matrix

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return load_demo(with_truth=True)


@pytest.mark.parametrize("language", ["pl", "en", "ru"])
def test_lda_recovers_planted_dominant_topics(demo, language):
    docs = demo[demo["language"] == language]
    data = corpus_matrix(docs)
    model = LDA(8, random_state=0).fit(data.X, feature_names=data.feature_names)
    truth = docs.set_index("doc_id").loc[data.doc_ids, "truth_dominant_topic"].to_numpy()
    scores = recovery_scores(truth, model.doc_topic_.argmax(axis=1))
    assert scores["adjusted_rand"] >= 0.8, scores
    assert scores["nmi"] >= 0.8, scores
