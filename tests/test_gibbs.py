"""GibbsLDA (tomotopy) in the package's estimator conventions, checked against tomotopy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tomotopy as tp

from corpus_tools.datasets import load_demo
from corpus_tools.evaluate import recovery_scores
from corpus_tools.gibbs import GibbsLDA
from corpus_tools.topics import TopicModelError, corpus_matrix, make_model, save, select_k


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return load_demo(with_truth=True)


@pytest.fixture(scope="module")
def english(demo):
    return corpus_matrix(demo[demo["language"] == "en"])


def test_the_model_is_tomotopys_with_the_same_seed(english):
    model = GibbsLDA(5, iterations=100, random_state=3).fit(
        english.X, feature_names=english.feature_names
    )
    # tomotopy by hand: the same tokens in the same order (each row's column numbers,
    # repeated by count), so the vocabulary ids and the samples are the same.
    ref = tp.LDAModel(k=5, alpha=0.2, eta=0.2, seed=3)
    X = english.X.sorted_indices()
    rows = [row for row in X if row.nnz]  # documents without terms are left out
    for row in rows:
        ref.add_doc(np.repeat(row.indices, row.data.astype(int)).astype(str).tolist())
    ref.train(100, workers=1, parallel=tp.ParallelScheme.NONE)
    columns = [int(w) for w in ref.used_vocabs]
    expected = np.array([ref.get_topic_word_dist(t) for t in range(5)], dtype=np.float64)
    expected /= expected.sum(axis=1, keepdims=True)  # tomotopy's are float32
    np.testing.assert_allclose(model.topic_word_[:, columns], expected, rtol=1e-9)
    theta = np.array([d.get_topic_dist() for d in ref.docs], dtype=np.float64)
    used = np.diff(english.X.indptr) > 0
    np.testing.assert_allclose(model.doc_topic_[used], theta / theta.sum(axis=1, keepdims=True))


def _tomotopy_from_texts(texts, k, seed, iterations):
    """tomotopy given the token lists themselves, as a user of tomotopy alone would."""
    ref = tp.LDAModel(k=k, alpha=1.0 / k, eta=1.0 / k, seed=seed)
    for doc in texts:
        if doc:
            ref.add_doc(doc)
    ref.train(iterations, workers=1)
    return ref


def test_with_the_texts_the_model_is_tomotopys_fitted_on_the_texts(english):
    texts = [[w for w in doc if w in set(english.feature_names)] for doc in english.texts]
    model = GibbsLDA(5, iterations=100, random_state=3).fit(
        english.X, feature_names=english.feature_names, texts=english.texts
    )
    ref = _tomotopy_from_texts(texts, 5, 3, 100)
    words = list(ref.used_vocabs)
    columns = [list(english.feature_names).index(w) for w in words]
    expected = np.array([ref.get_topic_word_dist(t) for t in range(5)], dtype=np.float64)
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.topic_word_[:, columns], expected, rtol=1e-9)
    # Grouped by term (no texts) the sampler starts elsewhere: another sample.
    grouped = GibbsLDA(5, iterations=100, random_state=3).fit(english.X)
    assert not np.allclose(grouped.topic_word_, model.topic_word_)


def test_texts_that_do_not_count_to_x_are_refused(english):
    texts = [list(doc) for doc in english.texts]
    texts[1] = texts[1][1:] or ["zzz"]
    with pytest.raises(TopicModelError, match="texts do not match X"):
        GibbsLDA(3, iterations=5).fit(english.X, feature_names=english.feature_names, texts=texts)


def test_same_seed_same_model_other_seed_other_model(english):
    fit = [make_model("gibbs", 4, iterations=50, random_state=s).fit(english.X) for s in (0, 0, 1)]
    np.testing.assert_array_equal(fit[0].components_, fit[1].components_)
    np.testing.assert_array_equal(fit[0].transform(english.X), fit[1].transform(english.X))
    assert not np.array_equal(fit[0].components_, fit[2].components_)


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ru"])
def test_gibbs_lda_recovers_the_planted_topics(demo, language):
    docs = demo[demo["language"] == language]
    data = corpus_matrix(docs)
    truth = docs.set_index("doc_id").loc[data.doc_ids, "truth_dominant_topic"].to_numpy()
    model = GibbsLDA(8, iterations=300, random_state=0).fit(data.X)
    # Measured under the lock: ARI en 0.990, ru 0.876 (pl 0.792, hence not tested here).
    assert recovery_scores(truth, model.doc_topic_.argmax(axis=1))["adjusted_rand"] >= 0.8


def test_select_k_sweeps_gibbs_models_in_parallel_with_the_same_result(english):
    kwargs = {
        "seeds": [0, 1],
        "method": "gibbs",
        "texts": english.texts,
        "feature_names": english.feature_names,
        "model_params": {"iterations": 50},
    }
    one = select_k(english.X, [3, 4], **kwargs)
    two = select_k(english.X, [3, 4], n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(one.drop(columns="fit_seconds"), two.drop(columns="fit_seconds"))
    assert one["perplexity"].isna().all() and one["stability"].notna().all()


def test_select_k_gibbs_scores_the_models_tomotopy_fits_from_the_texts(english):
    from corpus_tools.evaluate import coherence

    table = select_k(
        english.X,
        [3, 4],
        seeds=[1],
        method="gibbs",
        texts=english.texts,
        feature_names=english.feature_names,
        model_params={"iterations": 60},
    )
    vocab = set(english.feature_names)
    texts = [[w for w in doc if w in vocab] for doc in english.texts]
    for k in (3, 4):
        ref = _tomotopy_from_texts(texts, k, 1, 60)
        top = [[w for w, _ in ref.get_topic_words(t, top_n=10)] for t in range(k)]
        row = table[table["k"] == k].iloc[0]
        assert row["c_npmi"] == pytest.approx(coherence(top, english.texts, "c_npmi"), abs=1e-12)


def test_select_k_gibbs_with_another_reference_corpus_fits_from_the_counts(english):
    from corpus_tools.evaluate import coherence

    reference = [list(reversed(doc)) for doc in english.texts[::-1]]  # not what X counts
    table = select_k(
        english.X,
        [3],
        seeds=[1],
        method="gibbs",
        texts=reference,
        feature_names=english.feature_names,
        model_params={"iterations": 40},
    )
    model = GibbsLDA(3, iterations=40, random_state=1).fit(
        english.X, feature_names=english.feature_names
    )
    expected = coherence(model.top_terms_lists(10), reference, "c_npmi")
    assert table["c_npmi"].iloc[0] == pytest.approx(expected, abs=1e-12)


def test_weights_are_refused_and_empty_documents_get_uniform_shares():
    with pytest.raises(TopicModelError, match="needs integer term counts"):
        GibbsLDA(2).fit(np.array([[0.5, 1.0], [1.0, 0.0]]))
    X = np.array([[3, 0, 1], [0, 0, 0], [0, 4, 1], [2, 0, 0]])
    model = GibbsLDA(2, iterations=20, random_state=0).fit(X)
    np.testing.assert_array_equal(model.doc_topic_[1], [0.5, 0.5])
    np.testing.assert_array_equal(model.transform([[0, 0, 0]]), [[0.5, 0.5]])


def test_saving_is_refused_rather_than_writing_an_unloadable_folder(tmp_path):
    model = GibbsLDA(2, iterations=5, random_state=0).fit(np.array([[1, 2], [2, 1]]))
    with pytest.raises(TopicModelError, match="save expects an LDA or NMF model, got GibbsLDA"):
        save(model, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_cli_select_sweeps_gibbs_models(demo, tmp_path):
    from corpus_tools.cli import main
    from corpus_tools.io import save_corpus

    corpus = tmp_path / "en.parquet"
    save_corpus(
        demo[demo["language"] == "en"].drop(columns=list(demo.filter(like="truth_"))), corpus
    )
    out = tmp_path / "sweep.csv"
    args = ["topics", "select", str(corpus), "--method", "gibbs", "--k", "3,4", "--seeds", "2"]
    assert main([*args, "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table[["k", "seed"]].to_numpy().tolist() == [[3, 0], [3, 1], [4, 0], [4, 1]]
    assert (table["method"] == "gibbs").all() and table["c_npmi"].notna().all()
