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
