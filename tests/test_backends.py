"""The Dask backend gives the local results, on a 2-worker LocalCluster (threads)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from distributed import LocalCluster

from corpus_tools import backends
from corpus_tools.cli import main
from corpus_tools.datasets import file_sha256, load_demo
from corpus_tools.io import manifest_path, read_corpus, save_corpus
from corpus_tools.text import PreparationError
from corpus_tools.topics import LDA, NMF, TopicModelError, corpus_matrix, load, select_k


@pytest.fixture(scope="module")
def scheduler():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    demo = load_demo()
    path = tmp_path_factory.mktemp("dask") / "demo.parquet"
    save_corpus(demo, path)
    return path


def _assert_same_input(got, want) -> None:
    assert got.feature_names.tolist() == want.feature_names.tolist()
    assert got.doc_ids.tolist() == want.doc_ids.tolist()
    # The same CSR arrays, entry order within rows included: a fit sums a row's entries in
    # storage order, so another order could change its last bits.
    assert got.X.shape == want.X.shape
    for name in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(got.X, name), getattr(want.X, name), strict=True)
    assert got.texts == want.texts
    assert (got.config, got.n_duplicates, got.n_without_text, got.corpus_manifest_hash) == (
        want.config,
        want.n_duplicates,
        want.n_without_text,
        want.corpus_manifest_hash,
    )


def test_dask_preparation_equals_the_local_one(saved, scheduler):
    corpus = read_corpus(saved)
    want = corpus_matrix(corpus, language="pl")
    got = backends.corpus_matrix(corpus, language="pl", scheduler=scheduler, chunk_size=200)
    _assert_same_input(got, want)
    got = backends.corpus_matrix(saved, language="pl", scheduler=scheduler, chunk_size=300)
    _assert_same_input(got, want)


@pytest.mark.parametrize(
    "vectorizer",
    [
        {"phrases": True},  # phrases learned from pair counts summed over the partitions
        {"min_df": 1, "max_df": 0.5, "max_features": 40},  # ties among the most frequent
        {"min_df": 0.01, "max_df": 25},  # fractions and counts the other way round
    ],
)
def test_dask_vocabulary_rules_equal_the_local_ones(saved, scheduler, vectorizer):
    corpus = read_corpus(saved)
    # Sorted by language, so whole chunks hold no Polish document (nothing to count there).
    corpus = corpus.sort_values("language", kind="stable")
    config = {"vectorizer": vectorizer}
    want = corpus_matrix(corpus, config, language="pl")
    if vectorizer.get("phrases"):
        assert any("_" in t and t not in corpus_matrix(corpus, language="pl").feature_names
                   for t in want.feature_names)  # fmt: skip
    got = backends.corpus_matrix(corpus, config, language="pl", scheduler=scheduler, chunk_size=150)
    _assert_same_input(got, want)


def test_dask_preparation_errors(saved, scheduler):
    corpus = read_corpus(saved)
    with pytest.raises(TopicModelError, match="no document in language 'fr'"):
        backends.corpus_matrix(corpus, language="fr", scheduler=scheduler)
    for vectorizer, message in [
        ({"min_df": 0.99, "max_df": 1.0}, r"no terms remain; lower vectorizer\.min_df"),
        ({"min_df": 10_000}, "max_df corresponds to < documents than min_df"),
    ]:
        config = {"vectorizer": vectorizer}
        with pytest.raises(PreparationError, match=message):
            backends.corpus_matrix(corpus, config, language="en", scheduler=scheduler)
    no_text = corpus.assign(text=None)
    with pytest.raises(TopicModelError, match="no canonical document with text"):
        backends.corpus_matrix(no_text, language="en", scheduler=scheduler)


def test_row_groups_are_read_on_the_workers(saved, scheduler, tmp_path):
    # A corpus written in row groups, as a streaming writer makes them; the manifest
    # is updated to the new bytes so the integrity check still holds.
    path = tmp_path / "groups.parquet"
    pq.write_table(pq.read_table(saved), path, row_group_size=250)
    assert pq.ParquetFile(path).num_row_groups > 2
    manifest = json.loads(manifest_path(saved).read_text(encoding="utf-8"))
    manifest["parquet"] = {"file": path.name, "sha256": file_sha256(path)}
    manifest_path(path).write_text(json.dumps(manifest), encoding="utf-8")
    want = corpus_matrix(read_corpus(path), language="en")
    _assert_same_input(backends.corpus_matrix(path, language="en", scheduler=scheduler), want)


@pytest.mark.parametrize("model", [LDA(5, random_state=1), NMF(5, init="random", random_state=1)])
def test_a_fit_on_a_worker_equals_the_local_fit(saved, scheduler, model):
    data = corpus_matrix(read_corpus(saved), language="en")
    local = backends.fit_model(model, data)
    remote = backends.fit_model(model, data, backend="dask", scheduler=scheduler)
    np.testing.assert_array_equal(remote.components_, local.components_)
    np.testing.assert_array_equal(remote.doc_topic_, local.doc_topic_)
    assert remote.labels_ == local.labels_
    assert not hasattr(model, "components_")  # the given model is left unfitted


def test_select_k_on_dask_equals_the_local_sweep(saved, scheduler):
    data = corpus_matrix(read_corpus(saved), language="en")
    kwargs = {"texts": data.texts, "feature_names": data.feature_names, "seeds": [0, 1]}
    local = select_k(data.X, [3, 4], **kwargs)
    remote = select_k(data.X, [3, 4], backend="dask", scheduler=scheduler, **kwargs)
    pd.testing.assert_frame_equal(
        remote.drop(columns="fit_seconds"), local.drop(columns="fit_seconds"), check_exact=True
    )


def test_cli_topics_fit_dask_equals_local(saved, scheduler, tmp_path, capsys):
    common = ["topics", "fit", str(saved), "--language", "en", "--k", "4"]
    assert main([*common, "--backend", "local", "--out", str(tmp_path / "local")]) == 0
    local_labels = capsys.readouterr().out.splitlines()[:-1]  # the last line: "saved to"
    args = ["--backend", "dask", "--scheduler", scheduler, "--out", str(tmp_path / "dask")]
    assert main([*common, *args]) == 0
    assert capsys.readouterr().out.splitlines()[:-1] == local_labels
    local, remote = load(tmp_path / "local"), load(tmp_path / "dask")
    np.testing.assert_array_equal(remote.components_, local.components_)
    np.testing.assert_array_equal(remote.doc_topic_, local.doc_topic_)


def test_bad_backend_options_are_refused(saved, tmp_path, monkeypatch, capsys):
    with pytest.raises(backends.BackendError, match="backend must be one of local, dask"):
        backends.fit_model(LDA(2), None, backend="spark")
    with pytest.raises(backends.BackendError, match="needs backend='dask'"):
        select_k(np.ones((4, 3)), [2], backend="local", scheduler="tcp://127.0.0.1:1")
    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", "1s")
    unreachable = backends.dask_client("tcp://127.0.0.1:1")
    with pytest.raises(backends.BackendError, match="cannot reach the Dask scheduler"):
        unreachable.__enter__()
    out = ["--out", str(tmp_path / "m")]
    assert main(["topics", "fit", str(saved), "--k", "2", "--scheduler", "tcp://x:1", *out]) == 1
    assert "a scheduler (tcp://x:1) needs backend='dask'" in capsys.readouterr().err


def test_encoded_texts_report_their_size_so_the_dask_backend_scatters_them_once() -> None:
    # joblib's Dask backend scatters an argument once when dask's sizeof exceeds 1 kB;
    # reported at object size (~50 bytes), the term ids went into every task's graph.
    from dask.sizeof import sizeof

    from corpus_tools.evaluate import _EncodedTexts

    texts = [["kim", "putin", "visit"] * 100] * 50
    encoded = _EncodedTexts.encode(texts, ["kim", "putin", "visit"])
    assert sizeof(encoded) >= 15_000 * 8  # 15,000 int64 token ids, at least
