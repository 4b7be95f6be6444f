"""Reproducibility: same data + config give bitwise-identical topic models and sweeps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from corpus_tools import topics
from corpus_tools.evaluate import coherence, topic_stability


def corpus(seed: int = 5, n_docs: int = 120, n_terms: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    beta = rng.dirichlet(np.full(n_terms, 0.2), size=4)
    theta = rng.dirichlet(np.full(4, 0.3), size=n_docs)
    return np.vstack([rng.multinomial(60, t @ beta) for t in theta])


@pytest.mark.parametrize(
    ("method", "params"), [("lda", {"max_iter": 8}), ("nmf", {"init": "random"})]
)
def test_repeated_fits_are_bitwise_identical(method, params):
    X = corpus()
    runs = [topics.make_model(method, 4, random_state=3, **params).fit(X) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].components_, runs[1].components_)
    np.testing.assert_array_equal(runs[0].doc_topic_, runs[1].doc_topic_)
    assert runs[0].labels_ == runs[1].labels_
    # A different seed must give a different solution, or the test above proves nothing.
    other = topics.make_model(method, 4, random_state=4, **params).fit(X)
    assert not np.array_equal(other.components_, runs[0].components_)


def test_select_k_same_for_any_n_jobs():
    X = corpus()
    texts = [[f"w{j}" for j, c in enumerate(row) for _ in range(c)] for row in X]
    names = [f"w{j}" for j in range(X.shape[1])]
    kwargs = {"texts": texts, "feature_names": names, "model_params": {"max_iter": 5}}
    serial = topics.select_k(X, [2, 4], seeds=[0, 1], n_jobs=1, **kwargs)
    parallel = topics.select_k(X, [2, 4], seeds=[0, 1], n_jobs=2, **kwargs)
    assert serial["c_npmi"].notna().all() and serial["perplexity"].notna().all()
    pd.testing.assert_frame_equal(
        serial.drop(columns="fit_seconds"), parallel.drop(columns="fit_seconds"), check_exact=True
    )


def test_select_k_rows_and_scores_are_those_of_standalone_fits():
    """Fits run largest K first and texts reach the workers encoded as term ids, yet the
    rows keep the order of ``ks`` and ``seeds`` and each score is the one computed from
    the standalone model against the raw token lists (with tokens that are no term)."""
    X = corpus()
    names = [f"w{j}" for j in range(X.shape[1])]
    texts = [["of", *(f"w{j}" for j, c in enumerate(row) for _ in range(c)), "the"] for row in X]
    ks, seeds, params = [2, 4, 3], [1, 0], {"max_iter": 5}
    table = topics.select_k(
        X, ks, seeds, texts=texts, feature_names=names, holdout=0.0, n_jobs=2,
        model_params=params,
    )  # fmt: skip
    assert table[["k", "seed"]].to_numpy().tolist() == [[k, s] for k in ks for s in seeds]
    for k in ks:
        models = [
            topics.LDA(k, random_state=s, **params).fit(X, feature_names=names) for s in seeds
        ]
        rows = table[table["k"] == k]
        for (_, row), model in zip(rows.iterrows(), models, strict=True):
            for measure in ("c_npmi", "c_v", "u_mass"):
                assert row[measure] == coherence(model.top_terms_lists(10), texts, measure)
        assert rows["stability"].eq(topic_stability([m.topic_word_ for m in models])).all()


def test_select_k_model_equals_a_standalone_fit():
    """A sweep's model is the model the user refits afterwards (same split and seed)."""
    X = corpus()
    table = topics.select_k(X, [3], seeds=[2], holdout=0.0, model_params={"max_iter": 5})
    model = topics.LDA(3, random_state=2, max_iter=5).fit(X)
    expected = topics.topic_diversity(model.top_terms_lists(25), top_n=25)
    assert table["diversity"].iloc[0] == expected


def test_select_k_accepts_read_only_unsorted_matrices():
    """joblib passes big inputs to workers as read-only memory maps; nothing may write."""
    X = sp.csr_matrix(corpus())
    data, indices = X.data.copy(), X.indices.copy()
    for lo, hi in zip(X.indptr[:-1], X.indptr[1:], strict=True):  # reverse within each row
        data[lo:hi], indices[lo:hi] = data[lo:hi][::-1].copy(), indices[lo:hi][::-1].copy()
    shuffled = sp.csr_matrix((data, indices, X.indptr.copy()), shape=X.shape)
    assert (shuffled != X).nnz == 0
    assert not shuffled.has_sorted_indices
    for arr in (shuffled.data, shuffled.indices, shuffled.indptr):
        arr.flags.writeable = False
    table = topics.select_k(shuffled, [3], seeds=[0], model_params={"max_iter": 3})
    expected = topics.select_k(X, [3], seeds=[0], model_params={"max_iter": 3})
    pd.testing.assert_frame_equal(
        table.drop(columns="fit_seconds"), expected.drop(columns="fit_seconds")
    )
