"""Hand-computed checks of corpus_tools.evaluate (coherence rules, diversity, matching)."""

from __future__ import annotations

import ast
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from corpus_tools.errors import CorpusToolsError
from corpus_tools.evaluate import (
    CoherenceWarning,
    EvaluationError,
    average_jaccard,
    coherence,
    dominant_topics,
    match_topics,
    recovery_scores,
    recovery_table,
    topic_diversity,
    topic_stability,
)

EPS = 1e-12
# Window size 3. "a" occurs twice in the first window of document 0, which is where gensim's
# sliding accumulator and the textbook rule part ways; document 3 is empty.
TEXTS = [["a", "b", "a", "c", "b"], ["b", "c"], ["a"], []]
TOPIC = ["a", "b", "c"]


def npmi(joint: float, p1: float, p2: float) -> float:
    return math.log((joint + EPS) / (p1 * p2)) / -math.log(joint + EPS)


def pmi(joint: float, p1: float, p2: float) -> float:
    return math.log((joint + EPS) / (p1 * p2))


# Textbook windows (size 3): doc 0 -> [a b a], [b a c], [a c b]; doc 1 (shorter) -> [b c];
# doc 2 -> [a]; the empty doc 3 -> none. N = 5; a in 4, b in 4, c in 3 windows;
# ab in 3, ac in 2, bc in 3.
TEXTBOOK = {"n": 5, "a": 4, "b": 4, "c": 3, "ab": 3, "ac": 2, "bc": 3}
# gensim trace: window 0 of doc 0 is np.unique -> {a, b}; step 1 drops the leaving "a" (the
# other "a" is still inside) and adds "c" -> {b, c}; step 2 drops "b", adds "b" -> {b, c};
# then {b, c}, {a} and one empty window for the empty doc. N = 6; a 2, b 4, c 3; ab 1, ac 0, bc 3.
GENSIM = {"n": 6, "a": 2, "b": 4, "c": 3, "ab": 1, "ac": 0, "bc": 3}


def pair_values(counts: dict[str, int], measure) -> float:
    """Mean over the 3 unordered pairs == mean over the 6 ordered one-one segments."""
    n = counts["n"]
    return float(
        np.mean(
            [
                measure(counts[x + y] / n, counts[x] / n, counts[y] / n)
                for x, y in (("a", "b"), ("a", "c"), ("b", "c"))
            ]
        )
    )


@pytest.mark.parametrize(
    ("mode", "counts"), [("textbook", TEXTBOOK), ("gensim", GENSIM)], ids=["textbook", "gensim"]
)
def test_npmi_and_uci_from_hand_counted_windows(mode: str, counts: dict[str, int]) -> None:
    got_npmi = coherence([TOPIC], TEXTS, "c_npmi", window_size=3, mode=mode)
    got_uci = coherence([TOPIC], TEXTS, "c_uci", window_size=3, mode=mode)
    assert got_npmi == pytest.approx(pair_values(counts, npmi), abs=1e-12)
    assert got_uci == pytest.approx(pair_values(counts, pmi), abs=1e-12)


def test_textbook_npmi_numeric_value() -> None:
    # log(.6/.64)/-log(.6), log(.4/.48)/-log(.4), log(.6/.48)/-log(.6), averaged by hand.
    expected = (-0.126344 - 0.198977 + 0.436829) / 3
    got = coherence([TOPIC], TEXTS, "c_npmi", window_size=3, mode="textbook")
    assert got == pytest.approx(expected, abs=1e-5)


def test_textbook_c_v_from_hand_counts() -> None:
    c = TEXTBOOK
    p = {w: c[w] / c["n"] for w in TOPIC}
    joint = {
        (x, y): c["".join(sorted(x + y))] / c["n"] if x != y else p[x] for x in TOPIC for y in TOPIC
    }
    m = np.array([[npmi(joint[x, y], p[x], p[y]) for y in TOPIC] for x in TOPIC])
    whole = m.sum(axis=0)  # context vector of the whole topic W*
    cos = [m[i] @ whole / (np.linalg.norm(m[i]) * np.linalg.norm(whole)) for i in range(3)]
    got = coherence([TOPIC], TEXTS, "c_v", window_size=3, mode="textbook")
    assert got == pytest.approx(np.mean(cos), abs=1e-12)


@pytest.mark.parametrize("mode", ["gensim", "textbook"])
def test_u_mass_from_hand_counted_documents(mode: str) -> None:
    # 4 documents: a in 2, b in 2, c in 2; ab in 1, ac in 1, bc in 2 (doc 0 and doc 1).
    # One-preceding pairs: (b | a), (c | a), (c | b).
    expected = np.mean(
        [
            math.log((1 / 4 + EPS) / (2 / 4)),
            math.log((1 / 4 + EPS) / (2 / 4)),
            math.log((2 / 4 + EPS) / (2 / 4)),
        ]
    )
    assert coherence([TOPIC], TEXTS, "u_mass", mode=mode) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("mode", ["gensim", "textbook"])
def test_u_mass_divides_by_the_preceding_word(mode: str) -> None:
    # Unequal marginals over 4 documents: a in 3, b in 2, c in 2; ab, ac, bc in 1 each.
    # u_mass conditions each word on a word ranked above it (W*):
    # (b | a) and (c | a) divide by P(a) = 3/4, (c | b) by P(b) = 2/4.
    texts = [["a", "b"], ["a", "c"], ["a"], ["b", "c"]]
    expected = np.mean(
        [
            math.log((1 / 4 + EPS) / (3 / 4)),
            math.log((1 / 4 + EPS) / (3 / 4)),
            math.log((1 / 4 + EPS) / (2 / 4)),
        ]
    )
    assert coherence([TOPIC], texts, "u_mass", mode=mode) == pytest.approx(expected, abs=1e-12)
    # Ranked the other way round, b and c are conditioned on each other and a on both.
    reverse = np.mean(
        [
            math.log((1 / 4 + EPS) / (2 / 4)),
            math.log((1 / 4 + EPS) / (2 / 4)),
            math.log((1 / 4 + EPS) / (2 / 4)),
        ]
    )
    got = coherence([TOPIC[::-1]], texts, "u_mass", mode=mode)
    assert got == pytest.approx(reverse, abs=1e-12)


def test_modes_agree_without_repeats_or_empty_documents() -> None:
    texts = [["a", "b", "c", "d", "e"], ["c", "a"], ["b"]]
    for measure in ("c_uci", "c_npmi", "c_v"):
        g = coherence([TOPIC], texts, measure, window_size=3, mode="gensim")
        t = coherence([TOPIC], texts, measure, window_size=3, mode="textbook")
        assert g == pytest.approx(t, abs=1e-15)


def test_empty_document_changes_only_gensim_window_count() -> None:
    texts = [["a", "b", "c", "d", "e"], ["c", "a"], ["b"]]
    before = {
        m: coherence([TOPIC], texts, "c_npmi", window_size=3, mode=m)
        for m in ("gensim", "textbook")
    }
    after = {
        m: coherence([TOPIC], [*texts, []], "c_npmi", window_size=3, mode=m)
        for m in ("gensim", "textbook")
    }
    assert after["textbook"] == before["textbook"]
    assert after["gensim"] != pytest.approx(before["gensim"], abs=1e-6)


def test_per_topic_and_mean() -> None:
    topics = [TOPIC, ["b", "c"]]
    values = coherence(topics, TEXTS, "c_npmi", window_size=3, mode="textbook", per_topic=True)
    assert values.shape == (2,)
    # b and c: bc in 3 of 5 windows, b in 4, c in 3.
    assert values[1] == pytest.approx(npmi(3 / 5, 4 / 5, 3 / 5), abs=1e-12)
    assert coherence(topics, TEXTS, "c_npmi", window_size=3, mode="textbook") == pytest.approx(
        values.mean()
    )


def test_same_values_under_any_string_hash_seed() -> None:
    # Word ids must not follow set or dict order of strings, which changes with
    # PYTHONHASHSEED between interpreter runs: run the same call in another interpreter.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from test_evaluate import *; "
        "print(repr(coherence([TOPIC, ['c', 'a']], TEXTS * 3, 'c_v', per_topic=True).tolist()))"
    )
    here = np.asarray(coherence([TOPIC, ["c", "a"]], TEXTS * 3, "c_v", per_topic=True))
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"  # not this process's
    run = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent)],
        capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed},
        timeout=120, check=True,
    )  # fmt: skip
    np.testing.assert_array_equal(np.array(ast.literal_eval(run.stdout)), here)


def test_absent_topic_word_is_dropped_with_warning() -> None:
    with pytest.warns(CoherenceWarning, match=r"topic 0: dropped 1 word.*'zzz'") as record:
        got = coherence([["a", "zzz", "b", "c"]], TEXTS, "c_npmi", window_size=3)
    assert got == coherence([TOPIC], TEXTS, "c_npmi", window_size=3)
    assert record[0].filename == __file__  # points at the caller, not at corpus_tools


def test_top_n_counts_present_words_only() -> None:
    with pytest.warns(CoherenceWarning):
        got = coherence([["zzz", "b", "c", "a"]], TEXTS, "c_uci", window_size=3, top_n=2)
    assert got == coherence([["b", "c"]], TEXTS, "c_uci", window_size=3)


@pytest.mark.filterwarnings("ignore:topic 1. dropped")
def test_single_word_topic_is_nan_with_warning() -> None:
    with pytest.warns(CoherenceWarning, match=r"undefined \(nan\) for topic\(s\) \[1\]"):
        values = coherence([TOPIC, ["a", "zzz"]], TEXTS, "c_npmi", per_topic=True)
    assert np.isnan(values[1]) and not np.isnan(values[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measure": "c_w2v"}, "unknown coherence measure"),
        ({"mode": "palmetto"}, "unknown coherence mode"),
        ({"window_size": 0}, "window_size must be at least 1"),
        ({"top_n": 0}, "top_n must be at least 1"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        coherence([TOPIC], TEXTS, **kwargs)


def test_bad_topics_and_texts() -> None:
    with pytest.raises(CorpusToolsError, match="no topics"):
        coherence([], TEXTS)
    with pytest.raises(EvaluationError, match=r"topic 1 has no word that occurs in the texts"):
        coherence([TOPIC, ["xx", "yy"]], TEXTS)
    with pytest.raises(EvaluationError, match=r"texts\[1\] is a string"):
        coherence([TOPIC], [["a"], "b c a"])


def test_no_warning_for_clean_input() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coherence([TOPIC], TEXTS, "c_v")


# ---- diversity ----------------------------------------------------------------------------


def test_topic_diversity_hand_computed() -> None:
    topics = [["a", "b", "c", "d"], ["a", "e", "b", "f"], ["g", "h", "a", "x"]]
    # Top 3: {a b c}, {a e b}, {g h a} -> 9 words, 6 unique.
    assert topic_diversity(topics, top_n=3) == pytest.approx(6 / 9)
    assert topic_diversity(topics, top_n=1) == pytest.approx(2 / 3)  # a, a, g
    assert topic_diversity([["a", "b"], ["c"]], top_n=25) == 1.0
    with pytest.raises(EvaluationError, match="no topic words given"):
        topic_diversity([], top_n=3)


# ---- matching and stability -------------------------------------------------------------


def test_match_topics_recovers_permutation() -> None:
    rng = np.random.default_rng(0)
    a = rng.random((6, 40))
    perm = np.array([3, 0, 5, 1, 4, 2])
    b = np.empty_like(a)
    b[perm] = a * 2.5  # scaled copies: cosine is scale-free
    got_perm, sim = match_topics(a, b)
    np.testing.assert_array_equal(got_perm, perm)
    np.testing.assert_allclose(sim, 1.0)


def test_match_topics_is_optimal_not_greedy() -> None:
    # Unit vectors at angles: a0 45°, a1 0°; b0 40°, b1 90°. Greedy takes a0-b0 (cos 5°) and
    # leaves a1-b1 (cos 90° = 0); the best total pairs a0-b1 (cos 45°) and a1-b0 (cos 40°).
    def unit(deg: float) -> list[float]:
        return [math.cos(math.radians(deg)), math.sin(math.radians(deg))]

    perm, sim = match_topics(np.array([unit(45), unit(0)]), np.array([unit(40), unit(90)]))
    assert perm.tolist() == [1, 0]
    np.testing.assert_allclose(sim, [math.cos(math.radians(45)), math.cos(math.radians(40))])


def test_match_topics_rectangular_and_errors() -> None:
    a = np.array([[0.0, 1.0, 0.0]])
    b = np.array([[1.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0]])
    perm, sim = match_topics(a, b)
    assert perm.tolist() == [1] and sim.tolist() == pytest.approx([1.0])
    with pytest.raises(EvaluationError, match="more topics"):
        match_topics(b, a)
    with pytest.raises(EvaluationError, match="numbers of terms"):
        match_topics(a, b[:, :2])
    with pytest.raises(EvaluationError, match="NaN"):
        match_topics(a * np.nan, b)


def test_topic_stability_known_values() -> None:
    a = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert topic_stability([a, a[::-1], 3 * a]) == pytest.approx(1.0)
    # b: one topic identical to a's first, one at 45° to a's second -> agreement (1 + cos 45°)/2.
    b = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    agreement = (1 + math.sqrt(0.5)) / 2
    assert topic_stability([a, b]) == pytest.approx(agreement)
    # Pairs (a, b), (a, a), (b, a).
    assert topic_stability([a, b, a]) == pytest.approx((2 * agreement + 1) / 3)
    with pytest.raises(EvaluationError, match="at least two runs"):
        topic_stability([a])
    with pytest.raises(EvaluationError, match="same shape"):
        topic_stability([a, a[:1]])


def test_average_jaccard_greene_example() -> None:
    # Greene, O'Callaghan & Cunningham (2014), worked example: AJ = 0.154.
    r1 = ["album", "music", "best", "award", "win"]
    r2 = ["sport", "best", "win", "medal", "award"]
    assert average_jaccard(r1, r2, 5) == pytest.approx((0 + 0 + 1 / 5 + 1 / 7 + 3 / 7) / 5)
    assert round(average_jaccard(r1, r2, 5), 3) == 0.154
    assert average_jaccard(r1, r1, 5) == 1.0
    with pytest.raises(EvaluationError, match="at least top_n"):
        average_jaccard(r1, r2[:3], 5)


# ---- label recovery ---------------------------------------------------------------------


def test_recovery_scores_hand_computed() -> None:
    assert recovery_scores(["x", "x", "y", "y"], [5, 5, 2, 2]) == {"adjusted_rand": 1.0, "nmi": 1.0}
    # Contingency table of ones: sum C(n_ij, 2) = 0, expected index 2 * 2 / C(4, 2) = 2/3,
    # max index 2 -> ARI = (0 - 2/3) / (2 - 2/3) = -0.5; the labels share no information.
    got = recovery_scores([0, 0, 1, 1], [0, 1, 0, 1])
    assert got["adjusted_rand"] == pytest.approx(-0.5)
    assert got["nmi"] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(EvaluationError, match="differ in length"):
        recovery_scores([0, 1], [0])


def test_dominant_topics() -> None:
    doc_topic = np.array([[0.1, 0.7, 0.2], [0.4, 0.2, 0.4], [0.0, 0.0, 0.0]])
    assert dominant_topics(doc_topic).tolist() == [1, 0, -1]
    with pytest.raises(EvaluationError, match="non-negative"):
        dominant_topics(np.array([[0.5, -0.1]]))
    with pytest.raises(EvaluationError, match="2-D"):
        dominant_topics(np.array([0.5, 0.5]))


# ---- recovery table -----------------------------------------------------------------------
def test_recovery_table_names_each_fate() -> None:
    # Planted a: 10 docs all in fitted 0 (alone there): recovered.
    # Planted b, c: 10 docs each, all in fitted 1: merged (both).
    # Planted d: 10 docs, 5 in fitted 2 and 5 in fitted 3: split.
    # Planted e: 10 docs over fitted 4..8 (2 each, 20 %), with fitted 4..8 otherwise empty,
    #   and min_share 0.25: no fitted topic holds a clear part: lost.
    # One off-topic document (all-zero planted shares) is left out.
    planted = [0] * 10 + [1] * 10 + [2] * 10 + [3] * 10 + [4] * 10
    fitted = [0] * 10 + [1] * 20 + [2] * 5 + [3] * 5 + [4, 4, 5, 5, 6, 6, 7, 7, 8, 8]
    truth = pd.DataFrame(np.eye(5)[planted], columns=list("abcde"))
    truth.loc[len(truth)] = 0.0
    doc_topic = np.eye(9)[[*fitted, 0]]
    out = recovery_table(truth, doc_topic, min_share=0.25)
    expected = pd.DataFrame(
        {
            "planted": list("abcde"),
            "n_docs": [10] * 5,
            "fitted": [(0,), (1,), (1,), (2, 3), ()],
            "best": [0, 1, 1, 2, 4],
            "recall": [1.0, 1.0, 1.0, 0.5, 0.2],
            "precision": [1.0, 0.5, 0.5, 1.0, 1.0],
            "status": ["recovered", "merged", "merged", "split", "lost"],
        }
    )
    assert_frame_equal(out, expected)


def test_recovery_table_checks_its_input() -> None:
    with pytest.raises(EvaluationError, match="3 documents and doc_topic 2"):
        recovery_table(np.eye(3), np.eye(2))
    with pytest.raises(EvaluationError, match="min_share"):
        recovery_table(np.eye(2), np.eye(2), min_share=0.7)


def test_one_word_topic_is_nan_without_a_numpy_warning() -> None:
    # No segment, so no mean: nan, reported by a CoherenceWarning, never numpy's
    # "Mean of empty slice" RuntimeWarning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", CoherenceWarning)
        values = coherence([["a"], ["a", "b"]], TEXTS, "u_mass", per_topic=True)
    assert np.isnan(values[0]) and np.isfinite(values[1])
