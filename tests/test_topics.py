"""Tests for corpus_tools.topics: estimators, FREX, persistence, select_k, prevalence, CLI."""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline

from corpus_tools import cli, topics
from corpus_tools.evaluate import EvaluationError, coherence
from corpus_tools.topics import (
    LDA,
    NMF,
    ModelFileError,
    TopicModelError,
    choose_k,
    frex_scores,
    parse_ks,
    select_k,
)

N_TOPICS, BLOCK, N_DOCS = 3, 8, 150


def planted_corpus(seed: int = 0) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Counts from 3 topics with disjoint 8-word blocks; returns X, terms, true topic."""
    rng = np.random.default_rng(seed)
    n_terms = N_TOPICS * BLOCK
    beta = np.full((N_TOPICS, n_terms), 0.02 / n_terms)
    for k in range(N_TOPICS):
        beta[k, k * BLOCK : (k + 1) * BLOCK] += 0.98 / BLOCK
    truth = np.arange(N_DOCS) % N_TOPICS
    X = np.vstack([rng.multinomial(40, beta[z]) for z in truth])
    terms = [f"t{k}_{j}" for k in range(N_TOPICS) for j in range(BLOCK)]
    return X, terms, truth


def block_of(term: str) -> int:
    return int(term[1 : term.index("_")])


@pytest.fixture(scope="module")
def planted() -> tuple[np.ndarray, list[str], np.ndarray]:
    return planted_corpus()


@pytest.fixture(scope="module", params=["lda", "nmf"])
def fitted(request, planted):
    X, terms, _ = planted
    params = {"max_iter": 30} if request.param == "lda" else {}
    ids = [f"doc{i}" for i in range(len(X))]
    model = topics.make_model(request.param, N_TOPICS, random_state=0, **params)
    return model.fit(X, feature_names=terms, doc_ids=ids)


# ---- FREX against stm's calcfrex, computed by hand --------------------------------------
# beta = [[.5, .3, .15, .05], [.25, .05, .3, .4]]; exclusivity (column shares):
# topic 0: [2/3, 6/7, 1/3, 1/9], topic 1: [1/3, 1/7, 2/3, 8/9].
# Within-topic ECDF ranks (rank / 4): topic 0 frequency [1, .75, .5, .25], exclusivity
# [.75, 1, .5, .25]; topic 1 frequency [.5, .25, .75, 1] = exclusivity.
BETA = np.array([[0.5, 0.3, 0.15, 0.05], [0.25, 0.05, 0.3, 0.4]])


def test_frex_equal_weights_is_harmonic_mean_of_ecdf_ranks():
    scores = frex_scores(BETA, w=0.5)
    # word 0: 2 / (1/1 + 1/.75) = 6/7; word 1 the same; words 2 and 3 agree on both ranks.
    np.testing.assert_allclose(scores[0], [6 / 7, 6 / 7, 0.5, 0.25])
    np.testing.assert_allclose(scores[1], [0.5, 0.25, 0.75, 1.0])


def test_frex_weight_is_on_frequency_as_in_stm():
    scores = frex_scores(BETA, w=0.7)
    # 1 / (.7 / freq + .3 / excl): word 0 -> 1 / (.7 + .4) ; word 1 -> 1 / (.7/.75 + .3)
    np.testing.assert_allclose(scores[0, :2], [1 / 1.1, 1 / (0.7 / 0.75 + 0.3)])


def test_frex_james_stein_shrinkage_by_hand():
    # stm's js.estimate on column 1 (count 2): variance sum 12/49, deviation 25/98,
    # lambda = 24/25 -> shares [.5143, .4857]; column 0 (count 10): lambda 8/9 ->
    # [14/27, 13/27]; column 2 (count 1): uniform; column 3 (count 100): [.1137, .8863].
    # Topic 0 exclusivity ranks become [4, 3, 2, 1]/4 = its frequency ranks; in topic 1
    # they become [1, 2, 3, 4]/4 against frequency ranks [2, 1, 3, 4]/4.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a count of 1 divides by zero inside: no warning
        scores = frex_scores(BETA, w=0.5, wordcounts=np.array([10, 2, 1, 100]))
    np.testing.assert_allclose(scores[0], [1.0, 0.75, 0.5, 0.25])
    np.testing.assert_allclose(scores[1], [1 / 3, 1 / 3, 0.75, 1.0])


def test_frex_ties_get_average_ranks_as_in_stm():
    # stm ranks with data.table::frank, whose default ties.method is "average".
    # beta = [[.5, .2, .2, .1], [.1, .3, .3, .3]]; column sums [.6, .5, .5, .4].
    # Topic 0: frequency ranks [4, 2.5, 2.5, 1]; exclusivity [5/6, .4, .4, .25] gives the
    # same ranks, so FREX = rank / 4 = [1, .625, .625, .25].
    # Topic 1: frequency ranks [1, 3, 3, 3] (three-way tie at 2, 3, 4 -> 3); exclusivity
    # [1/6, .6, .6, .75] ranks [1, 2.5, 2.5, 4]. FREX = 1 / (.5/freq + .5/excl):
    # word 0: .25; words 1, 2: 1 / (2/3 + 4/5) = 15/22; word 3: 1 / (2/3 + 1/2) = 6/7.
    # Ranking ties by their maximum instead would give topic 0 [1, .75, .75, .25].
    beta = np.array([[0.5, 0.2, 0.2, 0.1], [0.1, 0.3, 0.3, 0.3]])
    scores = frex_scores(beta, w=0.5)
    np.testing.assert_allclose(scores[0], [1.0, 0.625, 0.625, 0.25], rtol=1e-12)
    np.testing.assert_allclose(scores[1], [0.25, 15 / 22, 15 / 22, 6 / 7], rtol=1e-12)


def test_frex_weights_zero_and_one_are_the_pure_rankings():
    # w = 1: frequency ranks only; w = 0: exclusivity ranks only (see the rank comment).
    np.testing.assert_allclose(frex_scores(BETA, w=1.0)[0], [1.0, 0.75, 0.5, 0.25])
    np.testing.assert_allclose(frex_scores(BETA, w=0.0)[0], [0.75, 1.0, 0.5, 0.25])


def test_frex_word_absent_from_every_topic_is_uniformly_exclusive():
    # beta = [[.5, .5, 0], [.2, .8, 0]]; column sums [.7, 1.3, 0]: the last word's
    # exclusivity is 1/2 in each topic (uniform), not 0/0.
    # Topic 0: frequency ranks [2.5, 2.5, 1]/3, exclusivity [5/7, 5/13, 1/2] -> [3, 1, 2]/3;
    # FREX = 1/(.6 + .5) = 10/11, 1/(.6 + 1.5) = 10/21, 1/(1.5 + .75) = 4/9.
    # Topic 1: frequency [2, 3, 1]/3, exclusivity [2/7, 8/13, 1/2] -> [1, 3, 2]/3;
    # FREX = 1/(.75 + 1.5) = 4/9, 1, 1/(1.5 + .75) = 4/9.
    beta = [[0.5, 0.5, 0.0], [0.2, 0.8, 0.0]]
    scores = frex_scores(beta)
    np.testing.assert_allclose(scores[0], [10 / 11, 10 / 21, 4 / 9], rtol=1e-12)
    np.testing.assert_allclose(scores[1], [4 / 9, 1.0, 4 / 9], rtol=1e-12)
    # Integer counts are read as numbers, not truncated to integers on the way.
    np.testing.assert_allclose(frex_scores([[5, 5, 0], [2, 8, 0]]), scores, rtol=1e-12)


def test_james_stein_edge_cases_follow_stm():
    # stm's js.estimate per column (word), two topics, uniform = .5:
    # [.6, .4], count 2: lambda = (2 * .24 / 1) / .02 = 24, clipped to 1 -> uniform;
    # [.5, .5], count 10: no deviation from uniform -> unchanged;
    # [.7, .3], count 0 (never counted): at most one count -> uniform;
    # [.9, .1], count 100: lambda = (2 * .09 / 99) / .32 = 1/176 -> .9 - .4/176.
    excl = np.array([[0.6, 0.5, 0.7, 0.9], [0.4, 0.5, 0.3, 0.1]])
    shrunk = topics._js_shrink(excl, np.array([2.0, 10.0, 0.0, 100.0]))
    lam = 1 / 176
    np.testing.assert_allclose(
        shrunk, [[0.5, 0.5, 0.5, 0.9 - 0.4 * lam], [0.5, 0.5, 0.5, 0.1 + 0.4 * lam]], rtol=1e-12
    )


def test_james_stein_word_seen_once_in_one_topic_is_uniform_without_warnings():
    # Exclusivity [1, 0] and a count of 1: stm's rule (count <= 1 -> uniform) applies; the
    # 0/0 variance on the way must not surface as a numpy warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shrunk = topics._js_shrink(np.array([[1.0], [0.0]]), np.array([1.0]))
    np.testing.assert_array_equal(shrunk, [[0.5], [0.5]])


@pytest.mark.parametrize("w", [-0.1, 1.5])
def test_frex_rejects_bad_weight(w):
    message = r"^frex needs a 2-D topic-word matrix and 0 <= w <= 1$"
    with pytest.raises(TopicModelError, match=message):
        frex_scores(BETA, w=w)
    with pytest.raises(TopicModelError, match=message):
        frex_scores(BETA[0])


# ---- estimators -------------------------------------------------------------------------
def test_topics_recover_planted_blocks(fitted):
    blocks = [{block_of(t) for t in terms} for terms in fitted.top_terms_lists(5)]
    assert all(len(b) == 1 for b in blocks), blocks
    assert set().union(*blocks) == set(range(N_TOPICS))


def test_top_terms_is_tidy_and_ordered(fitted):
    table = fitted.top_terms(4)
    assert list(table.columns) == ["topic", "rank", "term", "weight"]
    assert len(table) == N_TOPICS * 4
    assert table.groupby("topic")["rank"].apply(list).tolist() == [[1, 2, 3, 4]] * N_TOPICS
    assert (table.groupby("topic")["weight"].diff().dropna() <= 0).all()
    first = table[table["rank"] == 1]["term"].tolist()
    expected = [fitted.feature_names_[np.argmax(row)] for row in fitted.components_]
    assert first == expected


def test_frex_labels_come_from_the_planted_block(fitted):
    table = fitted.frex(3)
    assert list(table.columns) == ["topic", "rank", "term", "frex"]
    for k, label in enumerate(fitted.labels_):
        terms = label.split(", ")
        assert terms == table[table["topic"] == k]["term"].tolist()
        assert len({block_of(t) for t in terms}) == 1


def test_representative_documents_belong_to_the_topic(fitted, planted):
    _, _, truth = planted
    reps = fitted.representative_documents(5)
    assert list(reps.columns) == ["topic", "rank", "doc_index", "doc_id", "weight"]
    for k, group in reps.groupby("topic"):
        block = block_of(fitted.top_terms_lists(1)[k][0])
        assert (truth[group["doc_index"]] == block).all()
        assert group["doc_id"].tolist() == [f"doc{i}" for i in group["doc_index"]]


def test_representative_documents_without_ids_and_with_argument(planted):
    X, terms, _ = planted
    model = NMF(N_TOPICS, random_state=0).fit(X, feature_names=terms)
    assert model.representative_documents(2)["doc_id"].isna().all()
    ids = [f"x{i}" for i in range(len(X))]
    out = model.representative_documents(2, doc_ids=ids)
    assert out["doc_id"].tolist() == [ids[i] for i in out["doc_index"]]


@pytest.mark.parametrize("method", ["lda", "nmf"])
def test_transform_gives_proportions_and_uniform_for_empty_documents(method, planted):
    X, terms, _ = planted
    model = topics.make_model(method, N_TOPICS, random_state=0).fit(X, feature_names=terms)
    new = np.vstack([X[:3], np.zeros(X.shape[1], dtype=int)])
    theta = model.transform(new)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0)
    np.testing.assert_allclose(theta[-1], 1.0 / N_TOPICS)
    np.testing.assert_allclose(model.doc_topic_, model.transform(X))
    refit = topics.make_model(method, N_TOPICS, random_state=0)
    np.testing.assert_array_equal(refit.fit_transform(X, feature_names=terms), model.doc_topic_)


def test_pipeline_and_clone(planted):
    X, terms, _ = planted
    pipe = Pipeline([("tfidf", TfidfTransformer()), ("nmf", NMF(N_TOPICS, random_state=0))])
    theta = pipe.fit(X, nmf__feature_names=terms).transform(X)
    assert theta.shape == (N_DOCS, N_TOPICS)
    assert all(len({block_of(t) for t in lab.split(", ")}) == 1 for lab in pipe[-1].labels_)
    assert pipe.get_feature_names_out().tolist() == ["nmf0", "nmf1", "nmf2"]
    assert clone(LDA(7, max_iter=3)).get_params()["max_iter"] == 3


def test_dataframe_columns_are_feature_names(planted):
    X, terms, _ = planted
    frame = pd.DataFrame(X, columns=terms)
    model = NMF(N_TOPICS, random_state=0).fit(frame)
    assert model.feature_names_.tolist() == terms
    np.testing.assert_array_equal(model.transform(frame), model.transform(X))
    with pytest.raises(TopicModelError, match="columns"):
        model.transform(frame[terms[::-1]])


def test_bad_inputs_raise_clear_errors(planted):
    X, terms, _ = planted
    with pytest.raises(TopicModelError, match="negative"):
        LDA(2).fit(-X)
    with pytest.raises(TopicModelError, match="feature names"):
        LDA(2).fit(X, feature_names=terms[:-1])
    model = NMF(2, random_state=0).fit(X)
    with pytest.raises(TopicModelError, match="terms"):
        model.transform(X[:, :-1])
    with pytest.raises(TopicModelError, match="at least 2"):
        topics.make_model("lda", 1)
    with pytest.raises(TopicModelError, match="method"):
        topics.make_model("hdp", 5)


# ---- persistence ------------------------------------------------------------------------
def test_save_load_round_trip(fitted, planted, tmp_path):
    X, _, _ = planted
    config = {"vectorizer": {"min_df": 2}}
    topics.save(fitted, tmp_path, config=config, corpus_manifest_hash="abc123")
    again = topics.load(tmp_path)
    assert type(again) is type(fitted)
    assert again.get_params() == fitted.get_params()
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(again.doc_topic_, fitted.doc_topic_)
    assert again.labels_ == fitted.labels_
    assert again.feature_names_.tolist() == fitted.feature_names_.tolist()
    assert again.doc_ids_.tolist() == fitted.doc_ids_.tolist()
    assert again.provenance_["preparation_config"] == config
    assert again.provenance_["corpus_manifest_hash"] == "abc123"
    assert again.frex(3).equals(fitted.frex(3))


@pytest.fixture
def saved(planted, tmp_path) -> Path:
    X, terms, _ = planted
    return topics.save(NMF(2, random_state=0).fit(X, feature_names=terms), tmp_path / "m")


def _rewrite_meta(folder: Path, **changes) -> None:
    meta = json.loads((folder / "model.json").read_text())
    meta.update(changes)
    (folder / "model.json").write_text(json.dumps(meta))


def test_changed_arrays_are_refused(saved):
    arrays = dict(np.load(saved / "arrays.npz"))
    arrays["components_"] = arrays["components_"] * 2
    np.savez(saved / "arrays.npz", **arrays)
    with pytest.raises(ModelFileError, match=r"arrays\.npz.*checksum"):
        topics.load(saved)


class _Exploit:
    """Unpickling this would create a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickled_arrays_are_never_unpickled(saved, tmp_path):
    marker = tmp_path / "pwned"
    for payload in ("npz", "pickle"):
        target = saved / "arrays.npz"
        if payload == "npz":
            np.savez(target, components_=np.array([_Exploit(marker)], dtype=object))
        else:
            target.write_bytes(pickle.dumps(_Exploit(marker)))
        # The attacker also fixes the checksum, so allow_pickle=False is what stops it.
        _rewrite_meta(saved, arrays_sha256=hashlib.sha256(target.read_bytes()).hexdigest())
        with pytest.raises(ModelFileError, match=r"arrays\.npz"):
            topics.load(saved)
        assert not marker.exists()


def test_missing_and_malformed_files(saved, tmp_path):
    with pytest.raises(ModelFileError, match=r"model\.json.*missing"):
        topics.load(tmp_path / "nowhere")
    (saved / "arrays.npz").unlink()
    with pytest.raises(ModelFileError, match=r"arrays\.npz.*missing"):
        topics.load(saved)
    (saved / "model.json").write_text("{not json")
    with pytest.raises(ModelFileError, match=r"model\.json"):
        topics.load(saved)


def test_unknown_class_is_refused(saved):
    _rewrite_meta(saved, **{"class": "os.system"})
    with pytest.raises(ModelFileError, match="unknown model class"):
        topics.load(saved)


def test_future_keys_are_ignored_with_a_warning(saved, planted):
    X, _, _ = planted
    before = topics.load(saved).transform(X)
    meta = json.loads((saved / "model.json").read_text())
    meta["params"]["future_option"] = 1
    _rewrite_meta(saved, params=meta["params"], new_section={"x": 1})
    with pytest.warns(UserWarning) as record:
        again = topics.load(saved)
    messages = " ".join(str(w.message) for w in record)
    assert "new_section" in messages and "future_option" in messages
    np.testing.assert_array_equal(again.transform(X), before)


# ---- select_k ---------------------------------------------------------------------------
def planted_texts(X: np.ndarray, terms: list[str]) -> list[list[str]]:
    return [[t for t, c in zip(terms, row, strict=True) for _ in range(c)] for row in X]


def test_select_k_table(planted):
    X, terms, _ = planted
    texts = planted_texts(X, terms)
    table = select_k(
        X, [2, 3], seeds=[0, 1], texts=texts, feature_names=terms, model_params={"max_iter": 5}
    )
    assert list(table.columns) == list(topics.SELECT_COLUMNS)
    assert table[["k", "seed"]].to_numpy().tolist() == [[2, 0], [2, 1], [3, 0], [3, 1]]
    assert (table["method"] == "lda").all()
    assert table.groupby("k")["stability"].nunique().eq(1).all()
    assert table["stability"].between(0, 1).all() and table["perplexity"].gt(1).all()
    assert table["fit_seconds"].gt(0).all()
    # Coherence must be that of a model fitted on the same 90 % split with the same seed.
    train, _ = topics._holdout_split(len(X), 0.1, 0)
    model = LDA(3, random_state=1, max_iter=5).fit(X[train], feature_names=terms)
    expected = coherence(model.top_terms_lists(10), texts, "c_npmi")
    assert table.loc[3, "c_npmi"] == pytest.approx(expected)


def test_select_k_nmf_has_no_perplexity_and_no_texts_no_coherence(planted):
    X, terms, _ = planted
    table = select_k(X, [3], seeds=[0], method="nmf", feature_names=terms)
    assert table["perplexity"].isna().all() and table["c_v"].isna().all()
    assert table["stability"].isna().all()  # one seed: nothing to compare
    # Diversity uses the top 25 terms; with 24 terms every topic lists all of them: 24 / 72.
    assert table["diversity"].iloc[0] == pytest.approx(1 / 3)


def test_select_k_rejects_bad_arguments(planted):
    X, _, _ = planted
    with pytest.raises(TopicModelError, match=r"ks must be distinct integers >= 2, got \[1, 3\]"):
        select_k(X, [1, 3])
    with pytest.raises(TopicModelError, match=r"seeds must be distinct integers, got \[0, 0\]"):
        select_k(X, [3], seeds=[0, 0])
    with pytest.raises(TopicModelError, match=r"holdout 1.0 must be in \[0, 1\)"):
        select_k(X, [3], holdout=1.0)
    with pytest.raises(TopicModelError, match="texts"):
        select_k(X, [3], texts=[["a"]])
    with pytest.raises(EvaluationError, match=r"texts\[1\] is a string, not a list of tokens"):
        select_k(X, [3], texts=[["a"], "a b", *[["b"]] * (len(X) - 2)])
    with pytest.raises(TopicModelError, match="random_state"):
        select_k(X, [3], model_params={"random_state": 1})
    with pytest.raises(TopicModelError, match="unknown"):
        select_k(X, [3], model_params={"passes": 1})


@pytest.mark.parametrize(
    ("spec", "expected"), [("12", [12]), ("5:40:5", [5, 10, 15, 20, 25, 30, 35, 40]),
                           ("5,10,20", [5, 10, 20]), ("3:5", [3, 4, 5])]
)  # fmt: skip
def test_parse_ks(spec, expected):
    assert parse_ks(spec) == expected


@pytest.mark.parametrize("spec", ["", "x", "5:40:0", "1", "5,5", "40:5:5", "5:10:2:1"])
def test_parse_ks_rejects(spec):
    with pytest.raises(TopicModelError, match=f"bad topic numbers '{re.escape(spec)}'"):
        parse_ks(spec)


# ---- choosing K ---------------------------------------------------------------------------
def score_table(means: dict[int, tuple[float, float]], stability: dict[int, float]) -> pd.DataFrame:
    """Two seeds per K with the given (mean, half-spread) of c_npmi: SE = half-spread."""
    rows = []
    for k, (mean, half) in means.items():
        for seed, value in enumerate((mean - half, mean + half)):
            rows.append({"k": k, "seed": seed, "c_npmi": value, "stability": stability[k]})
    return pd.DataFrame(rows)


def test_choose_k_takes_the_most_stable_k_within_one_se_of_the_best():
    # Two seeds: SE = sd / sqrt(2) = half-spread (sd = half * sqrt(2)). Best mean 0.12 at
    # K=10 with SE 0.02, so the band is [0.10, 0.12]: K=8 (0.105) and K=10 qualify, K=6
    # (0.09) does not although it is the most stable; K=8 beats K=10 on stability.
    table = score_table(
        {6: (0.09, 0.01), 8: (0.105, 0.01), 10: (0.12, 0.02), 12: (0.05, 0.01)},
        {6: 0.99, 8: 0.90, 10: 0.80, 12: 0.95},
    )
    assert choose_k(table) == 8
    # Ties in stability go to the smaller K.
    tie = score_table({4: (0.11, 0.01), 8: (0.12, 0.02)}, {4: 0.9, 8: 0.9})
    assert choose_k(tie) == 4
    # Another coherence column is used when asked for.
    other = table.assign(c_v=np.where(table["k"] == 12, 0.9, 0.1))
    assert choose_k(other, measure="c_v") == 12


def test_choose_k_needs_two_seeds_and_the_columns():
    one_seed = pd.DataFrame({"k": [4, 8], "seed": [0, 0], "c_npmi": [0.1, 0.2],
                             "stability": [np.nan, np.nan]})  # fmt: skip
    with pytest.raises(TopicModelError, match="at least two seeds"):
        choose_k(one_seed)
    with pytest.raises(TopicModelError, match="no column"):
        choose_k(one_seed.drop(columns="stability"))


def test_event_window_cohens_d_and_pooled_sd_by_hand():
    # Topic 0 shares: before the event [.1, .3, .5] (mean .3, sum of squares .08),
    # after [.6, .8] (mean .7, sum of squares .02). Pooled SD = sqrt((.08 + .02) / 3),
    # Cohen's d = .4 / sqrt(.1 / 3) = 2.19089... Topic 1 is 1 - topic 0: d = -2.19089.
    import corpus_tools as ct

    first = np.array([0.1, 0.3, 0.5, 0.6, 0.8])
    theta = np.column_stack([first, 1 - first])
    dates = ["2024-06-01", "2024-06-05", "2024-06-10", "2024-06-19", "2024-06-25"]
    out = ct.event_window(theta, dates, "2024-06-19", n_boot=50)
    pooled_sd = np.sqrt(0.1 / 3)
    np.testing.assert_allclose(out["diff_pp"], [40.0, -40.0], rtol=1e-12)
    np.testing.assert_allclose(out["cohens_d"], [0.4 / pooled_sd, -0.4 / pooled_sd], rtol=1e-12)
    np.testing.assert_allclose(out["diff_pp"] / 100 / out["cohens_d"], [pooled_sd] * 2, rtol=1e-12)
    assert out["cohens_d"].iloc[0] == pytest.approx(2.1908902, abs=1e-7)


@pytest.mark.parametrize(
    ("before", "after", "d"),
    [
        # One document before: it adds nothing to the pooled sum of squares, which is
        # 2 * var([.4, .6, .8]) = .08 over 1 + 3 - 2 = 2 degrees of freedom: SD .2, d = .4 / .2.
        ([0.2], [0.4, 0.6, 0.8], 2.0),
        # Two before, one after: SS = (.2 - .3)^2 + (.4 - .3)^2 = .02 over 1 degree of
        # freedom: SD sqrt(.02), d = .6 / sqrt(.02) = 3 sqrt(2).
        ([0.2, 0.4], [0.9], 3 * np.sqrt(2)),
    ],
)
def test_event_window_cohens_d_with_a_one_document_window(before, after, d):
    import corpus_tools as ct

    first = np.array(before + after)
    dates = pd.date_range("2024-06-01", periods=len(before)).append(
        pd.date_range("2024-06-19", periods=len(after))
    )
    out = ct.event_window(np.column_stack([first, 1 - first]), dates, "2024-06-19", n_boot=20)
    np.testing.assert_allclose(out["cohens_d"], [d, -d], rtol=1e-12)


@pytest.mark.parametrize("varied", ["before", "after"])
def test_event_window_interval_resamples_each_window(varied):
    # One window's documents are identical, so all the interval's width comes from
    # resampling the other window: each window must be resampled n_boot times.
    import corpus_tools as ct

    same, spread = [0.5, 0.5, 0.5, 0.5], [0.1, 0.3, 0.7, 0.9]
    first = np.array(spread + same if varied == "before" else same + spread)
    dates = pd.date_range("2024-06-11", periods=4).append(pd.date_range("2024-06-19", periods=4))
    out = ct.event_window(np.column_stack([first, 1 - first]), dates, "2024-06-19", n_boot=400)
    row = out.iloc[0]
    assert row["diff_pp"] == pytest.approx(0.0, abs=1e-10)
    assert row["ci_lo"] < -10 and row["ci_hi"] > 10  # percentage points


# ---- CLI ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory) -> Path:
    from corpus_tools import io
    from corpus_tools.schema import coerce_corpus

    X, terms, _ = planted_corpus(seed=3)
    words = {t: f"{'abc'[block_of(t)]}word{t.split('_')[1]}" for t in terms}
    texts = [" ".join(words[t] for t, c in zip(terms, row, strict=True) for _ in range(c))
             for row in X]  # fmt: skip
    corpus = coerce_corpus(
        pd.DataFrame(
            {
                "doc_id": [f"d{i}" for i in range(len(texts))],
                "source": "synthetic",
                "language": "en",
                "language_prob": 1.0,
                "text": texts,
            }
        )
    )
    path = tmp_path_factory.mktemp("corpus") / "corpus.parquet"
    io.save_corpus(corpus, path)
    return path


def test_cli_topics_fit_saves_model_with_provenance(corpus_file, tmp_path, capsys):
    import yaml

    config = tmp_path / "prep.yaml"
    config.write_text(yaml.safe_dump({"preprocessor": {"protect_entities": False}}))
    out = tmp_path / "model"
    argv = ["topics", "fit", str(corpus_file), "--k", "3", "--method", "nmf"]
    assert cli.main([*argv, "--out", str(out), "--config", str(config)]) == 0
    model = topics.load(out)
    assert len(model.labels_) == 3 and model.doc_ids_[0] == "d0"
    from corpus_tools.io import corpus_manifest_hash

    assert model.provenance_["corpus_manifest_hash"] == corpus_manifest_hash(corpus_file)
    assert model.provenance_["preparation_config"]["preprocessor"]["protect_entities"] is False
    assert "topic 2:" in capsys.readouterr().out


def test_cli_topics_select_writes_csv(corpus_file, tmp_path):
    out = tmp_path / "results.csv"
    argv = ["topics", "select", str(corpus_file), "--k", "2,3", "--seeds", "2"]
    assert cli.main([*argv, "--method", "nmf", "--out", str(out), "--n-jobs", "2"]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == list(topics.SELECT_COLUMNS)
    assert table[["k", "seed"]].to_numpy().tolist() == [[2, 0], [2, 1], [3, 0], [3, 1]]
    assert table["c_npmi"].notna().all()


def test_cli_language_filter(corpus_file, tmp_path, capsys):
    out = tmp_path / "model"
    argv = ["topics", "fit", str(corpus_file), "--k", "2", "--out", str(out)]
    assert cli.main([*argv, "--language", "en"]) == 0
    assert len(topics.load(out).doc_ids_) == pd.read_parquet(corpus_file).shape[0]
    assert cli.main([*argv, "--language", "pl"]) == 1
    assert "no document in language 'pl'" in capsys.readouterr().err


def test_cli_bad_k_is_one_line_error(corpus_file, tmp_path, capsys):
    argv = ["topics", "select", str(corpus_file), "--k", "5:x", "--out", str(tmp_path / "r")]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "5:x" in err


def test_fit_corpus_keeps_documents_and_metadata_aligned() -> None:
    from corpus_tools.topics import fit_corpus

    texts = ["missile launch test site", "missile test launch pad", "bridge trade river route",
             "trade bridge route border", "missile launch pad test"]  # fmt: skip
    corpus = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d", "e"],
            "language": "en",
            "outlet": ["x", "y", "x", "y", "x"],
            "date": pd.to_datetime(["2024-01-01", "2024-02-01", None, "2024-03-01", "2024-04-01"]),
            "text": texts,
            "duplicate_of": [None, None, None, None, "a"],  # "e" is left out as a duplicate
        }
    )
    cfg = {"preprocessor": {"protect_entities": False}, "vectorizer": {"max_df": 1.0}}
    fit = fit_corpus(corpus, 2, config=cfg, random_state=0)
    table = fit.doc_topics()
    assert table["doc_id"].tolist() == ["a", "b", "c", "d"] == list(fit.data.doc_ids)
    assert table["outlet"].tolist() == ["x", "y", "x", "y"]
    assert table["date"].isna().tolist() == [False, False, True, False]
    assert fit.topic_columns == ["topic_0", "topic_1"]
    np.testing.assert_array_equal(table[fit.topic_columns].to_numpy(), fit.model.doc_topic_)
    # the two planted themes end up in different dominant topics
    dominant = fit.model.doc_topic_.argmax(axis=1)
    assert dominant[0] == dominant[1] != dominant[2] == dominant[3]


# ---- from a corpus to a matrix ------------------------------------------------------------
PLAIN = {"preprocessor": {"protect_entities": False}, "vectorizer": {"min_df": 1, "max_df": 1.0}}


def test_corpus_matrix_counts_and_summary() -> None:
    corpus = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d", "e"],
            "language": "en",
            "text": ["missile missile test", "bridge test", "missile test", pd.NA, "trade bridge"],
            "duplicate_of": [None, None, "a", None, None],  # c is a copy of a; d has no text
        }
    )
    data = topics.corpus_matrix(corpus, PLAIN)
    assert data.feature_names.tolist() == ["bridge", "missile", "test", "trade"]
    # rows a, b, e counted by hand
    np.testing.assert_array_equal(data.X.toarray(), [[0, 2, 1, 0], [1, 0, 1, 0], [1, 0, 0, 1]])
    assert data.doc_ids.tolist() == ["a", "b", "e"]
    assert data.texts == [["missile", "missile", "test"], ["bridge", "test"], ["trade", "bridge"]]
    assert (data.n_duplicates, data.n_without_text) == (1, 1)
    assert data.summary() == (
        "3 documents x 4 terms; left out 1 duplicates and 1 documents without text"
    )


def test_fit_corpus_language_models_one_language_of_a_mixed_corpus() -> None:
    corpus = pd.DataFrame(
        {
            "doc_id": ["en1", "pl1", "en2", "pl2", "pl3"],
            "language": ["en", "pl", "en", "pl", "pl"],
            "text": ["missile test launch", "rakieta test start", "bridge trade river",
                     "most handel rzeka", "rakieta start próba"],
            "duplicate_of": None,
        }
    )  # fmt: skip
    fit = topics.fit_corpus(corpus, 2, config=PLAIN, language="pl", random_state=0)
    assert fit.data.doc_ids.tolist() == ["pl1", "pl2", "pl3"]
    assert fit.doc_topics()["doc_id"].tolist() == ["pl1", "pl2", "pl3"]
    assert set(fit.doc_topics()["language"]) == {"pl"}
    terms = set(fit.data.feature_names)
    assert {"most", "handel"} <= terms and not terms & {"missile", "bridge", "trade", "river"}
    assert fit.model.doc_topic_.shape == (3, 2)
    with pytest.raises(TopicModelError, match="no document in language 'de'"):
        topics.fit_corpus(corpus, 2, config=PLAIN, language="de")


@pytest.mark.parametrize(
    ("config_text", "message"),
    [
        (None, "cannot read the config"),  # no such file
        ("preprocessor: [unclosed", "cannot read the config"),  # not YAML
        ("- a list\n- not a mapping\n", "the config must be a mapping"),
        (b"\xff\xfe not utf-8", "cannot read the config"),
    ],
    ids=["missing", "bad-yaml", "not-a-mapping", "not-utf8"],
)
def test_load_topic_input_config_errors_name_the_file(tmp_path, config_text, message) -> None:
    config = tmp_path / "prep.yaml"
    if isinstance(config_text, str):
        config.write_text(config_text, encoding="utf-8")
    elif isinstance(config_text, bytes):
        config.write_bytes(config_text)
    with pytest.raises(TopicModelError, match=f"{re.escape(str(config))}: {message}"):
        topics.load_topic_input(tmp_path / "corpus.csv", config)


def test_load_topic_input_reads_the_corpus_and_config(tmp_path) -> None:
    (tmp_path / "corpus.csv").write_text(
        "doc_id,language,text\na,en,missile missile test\nb,en,bridge test\n", "utf-8"
    )
    (tmp_path / "prep.yaml").write_text(
        "preprocessor: {protect_entities: false}\nvectorizer: {min_df: 1, max_df: 1.0}\n", "utf-8"
    )
    data = topics.load_topic_input(tmp_path / "corpus.csv", tmp_path / "prep.yaml")
    assert data.feature_names.tolist() == ["bridge", "missile", "test"]
    np.testing.assert_array_equal(data.X.toarray(), [[0, 2, 1], [1, 0, 1]])
    with pytest.raises(TopicModelError, match=r"corpus\.csv: no document in language 'ko'"):
        topics.load_topic_input(tmp_path / "corpus.csv", tmp_path / "prep.yaml", language="ko")
