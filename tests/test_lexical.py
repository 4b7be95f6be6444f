"""Lexical tools against hand-computed values and independent references (scipy)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from scipy.stats import chi2_contingency

from corpus_tools.lexical import (
    LexicalError,
    actor_cooccurrence,
    dictionary_by_period,
    dictionary_scores,
    keyness,
    kwic,
    load_dictionary,
    save_table,
)


def _frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["doc_id", "left", "match", "right"], dtype="string")


# ---- kwic --------------------------------------------------------------------------------
def test_kwic_regex_context_by_hand() -> None:
    texts = ["Kim met Putin in Vostochny, on Wednesday.", "No match here.", "Putin spoke."]
    expected = _frame(
        [
            ("0", "Kim met", "Putin", "in Vostochny"),
            ("2", "", "Putin", "spoke"),
        ]
    )
    pdt.assert_frame_equal(kwic(texts, "putin", window=2), expected)
    # Window in words: punctuation inside the span is kept as written.
    got = kwic(texts[:1], "Vostochny", window=3)
    pdt.assert_frame_equal(got, _frame([("0", "met Putin in", "Vostochny", ", on Wednesday")]))


def test_kwic_widens_to_words_and_spans_several_words() -> None:
    got = kwic(["Delegacja z Rosji przyleciała do Rosji."], "Rosj", window=1)
    pdt.assert_frame_equal(
        got, _frame([("0", "z", "Rosji", "przyleciała"), ("0", "do", "Rosji", "")])
    )
    got = kwic(["Then Kim Jong Un left."], r"Kim Jong[ -]?Un", window=1)
    pdt.assert_frame_equal(got, _frame([("0", "Then", "Kim Jong Un", "left")]))
    assert kwic(["putin"], "Putin", ignore_case=False).empty
    # Two matches inside one word give one line; a match in punctuation keeps its context.
    pdt.assert_frame_equal(
        kwic(["a Rosja-Rosja b"], "Ros", 1), _frame([("0", "a", "Rosja-Rosja", "b")])
    )
    pdt.assert_frame_equal(kwic(["Kim: Putin"], ":", 1), _frame([("0", "Kim", ":", "Putin")]))


def test_kwic_on_a_corpus_with_lemmas() -> None:
    corpus = pd.DataFrame(
        {
            "doc_id": ["pl/1", "en/1"],
            "text": ["Rosja i Korea. Delegacja z Rosji przyleciała.", "Russia and Rosji."],
            "language": ["pl", "en"],
        }
    )
    got = kwic(corpus[corpus["language"] == "pl"], "rosja", window=2, lemma=True)
    expected = _frame(
        [("pl/1", "", "Rosja", "i Korea"), ("pl/1", "Delegacja z", "Rosji", "przyleciała")]
    )
    pdt.assert_frame_equal(got, expected)
    series = pd.Series(["Putin i Putina"], index=["doc-a"])
    got = kwic(series, "putin", window=0, lemma=True, language="pl")
    pdt.assert_frame_equal(got, _frame([("doc-a", "", "Putin", ""), ("doc-a", "", "Putina", "")]))


def test_kwic_bad_input() -> None:
    with pytest.raises(LexicalError, match="not a valid regex"):
        kwic(["x"], "(")
    with pytest.raises(LexicalError, match="window must be a non-negative integer"):
        kwic(["x"], "x", window=-1)
    with pytest.raises(LexicalError, match="needs a language"):
        kwic(["Rosja"], "rosja", lemma=True)
    with pytest.raises(LexicalError, match="not a single string"):
        kwic("Rosja", "rosja")


# ---- keyness -------------------------------------------------------------------------------
# Hand-checked 2x2 table for the term "x": 10 of 100 target tokens, 5 of 200 reference tokens.
A, B, N_T, N_R = 10, 5, 100, 200
TARGET = [["x"] * A + ["o"] * (N_T - A)]
REFERENCE = [["x"] * B + ["o"] * (N_R - B)]


def test_keyness_equals_textbook_g2() -> None:
    c, d, n = N_T - A, N_R - B, N_T + N_R
    e = [(A + B) * N_T / n, (A + B) * N_R / n, (c + d) * N_T / n, (c + d) * N_R / n]
    assert e == [5.0, 10.0, 95.0, 190.0]
    # Dunning (1993): G2 = 2 * sum O ln(O / E) over the four cells.
    g2 = 2 * (
        A * math.log(A / 5) + B * math.log(B / 10) + c * math.log(c / 95) + d * math.log(d / 190)
    )
    chi2 = 25 / 5 + 25 / 10 + 25 / 95 + 25 / 190  # sum (O - E)^2 / E, every |O - E| = 5
    row = keyness(TARGET, REFERENCE).set_index("term").loc["x"]
    assert row["g2"] == pytest.approx(g2, abs=1e-9)
    assert row["chi2"] == pytest.approx(chi2, abs=1e-9)
    assert row["log_ratio"] == pytest.approx(2.0, abs=1e-12)  # log2((10/100) / (5/200))
    assert row["p"] == pytest.approx(math.erfc(math.sqrt(g2 / 2)), rel=1e-9)  # chi2, 1 df
    assert (row["n_target"], row["n_reference"]) == (A, B)
    # An independent implementation of both statistics.
    table = np.array([[A, B], [c, d]])
    ref_g2 = chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
    ref_chi2 = chi2_contingency(table, correction=False)[0]
    assert row["g2"] == pytest.approx(ref_g2, abs=1e-9)
    assert row["chi2"] == pytest.approx(ref_chi2, abs=1e-9)


def test_keyness_signs_sorting_and_measure() -> None:
    out = keyness(TARGET, REFERENCE)
    assert out["term"].tolist() == ["x", "o"]  # over-used first
    filler = out.set_index("term").loc["o"]
    assert filler["g2"] < 0 and filler["chi2"] < 0  # under-used in the target
    assert filler["g2"] == pytest.approx(-out.set_index("term").loc["x", "g2"], abs=1e-9)
    by_chi2 = keyness(TARGET, REFERENCE, measure="chi2")
    assert by_chi2.loc[0, "p"] == pytest.approx(math.erfc(math.sqrt(by_chi2.loc[0, "chi2"] / 2)))


def test_keyness_zero_counts_and_strings() -> None:
    out = keyness(["Putin Putin Kim"], ["Kim Kim Biden"]).set_index("term")
    # "putin": a=2, b=0 of 3 and 3 tokens; E=(1, 1, 2, 2); 0 ln 0 = 0.
    expected = 2 * (2 * math.log(2) + 1 * math.log(1 / 2) + 3 * math.log(3 / 2))
    assert out.loc["putin", "g2"] == pytest.approx(expected, abs=1e-9)
    assert out.loc["putin", "log_ratio"] == pytest.approx(math.log2((2 / 3) / (0.5 / 3)))
    assert out.loc["biden", "g2"] < 0


def test_keyness_bad_input() -> None:
    with pytest.raises(LexicalError, match="measure must be one of g2, chi2"):
        keyness(["a"], ["b"], measure="pmi")
    with pytest.raises(LexicalError, match="reference_texts has no tokens"):
        keyness(["a"], [""])


# ---- co-occurrence -------------------------------------------------------------------------
def test_actor_cooccurrence_by_hand() -> None:
    tagged = pd.DataFrame(
        {
            "text": ["", "", "", ""],
            "actor_putin": [2, 1, 0, 1],
            "actor_kim": [1, 0, 3, 1],
            "actor_lavrov": [0, 0, 0, 0],
        }
    )
    got = actor_cooccurrence(tagged)
    labels = pd.Index(["putin", "kim"], name="actor")
    expected = pd.DataFrame([[3, 2], [2, 3]], index=labels, columns=labels.rename(None))
    pdt.assert_frame_equal(got, expected)
    assert actor_cooccurrence(tagged, ["lavrov"]).iloc[0, 0] == 0
    with pytest.raises(LexicalError, match="actor_shoigu"):
        actor_cooccurrence(tagged, ["shoigu"])
    with pytest.raises(LexicalError, match="tag_actors"):
        actor_cooccurrence(pd.DataFrame({"text": ["x"]}))


# ---- dictionaries --------------------------------------------------------------------------
def test_dictionary_scores_and_periods(tmp_path: Path) -> None:
    path = tmp_path / "frames.yaml"
    path.write_text("russia: [ros*, kreml, russia*]\nwar: ['wojn?', war]\n", encoding="utf-8")
    dictionary = load_dictionary(path)
    assert dictionary == {"russia": ["ros*", "kreml", "russia*"], "war": ["wojn?", "war"]}
    texts = ["Rosja i Kreml o wojnie", "Russia's war", "Nothing here at all"]
    scores = dictionary_scores(texts, path)
    expected = pd.DataFrame(
        {
            "doc_id": pd.array(["0", "1", "2"], dtype="string"),
            "n_tokens": pd.array([5, 2, 4], dtype="int64"),
            "russia": [2, 1, 0],
            "war": [0, 1, 0],  # "wojnie" has two letters after "wojn": no match for wojn?
        }
    ).astype({"russia": "int64", "war": "int64"})
    pdt.assert_frame_equal(scores, expected)
    dates = pd.to_datetime(["2023-09-13", "2023-09-20", "2023-10-01"])
    out = dictionary_by_period(scores, dates, groups=["pl", "en", "en"])
    assert out[["period", "group", "n_docs", "n_tokens", "russia"]].astype(str).values.tolist() == [
        ["2023-09", "en", "1", "2", "1"],
        ["2023-09", "pl", "1", "5", "2"],
        ["2023-10", "en", "1", "4", "0"],
    ]
    assert out["russia_share"].tolist() == pytest.approx([0.5, 0.4, 0.0])


def test_dictionary_scores_on_a_corpus_keep_its_ids() -> None:
    corpus = pd.DataFrame({"doc_id": ["pl/7", "en/3"], "text": ["Sankcje i sankcji", None]})
    scores = dictionary_scores(corpus, {"sanctions": ["sankcj*"]})
    assert scores["doc_id"].tolist() == ["pl/7", "en/3"]
    assert scores["sanctions"].tolist() == [2, 0]
    assert scores["n_tokens"].tolist() == [3, 0]  # a missing text has no tokens


def test_dictionary_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("russia: []\n", encoding="utf-8")
    with pytest.raises(LexicalError, match="category 'russia' needs a non-empty list"):
        load_dictionary(bad)
    with pytest.raises(LexicalError, match="cannot read the dictionary"):
        load_dictionary(tmp_path / "missing.yaml")


# ---- tables --------------------------------------------------------------------------------
def test_save_table_writes_csv_and_latex(tmp_path: Path) -> None:
    table = pd.DataFrame({"term": ["kim_jong_un", "rosja"], "g2": [12.3456, -1.0], "n": [3, 1]})
    assert save_table(table, "08_keyness", tmp_path) is table
    assert sorted(p.name for p in tmp_path.iterdir()) == ["08_keyness.csv", "08_keyness.tex"]
    pdt.assert_frame_equal(pd.read_csv(tmp_path / "08_keyness.csv"), table)
    tex = (tmp_path / "08_keyness.tex").read_text(encoding="utf-8")
    assert "\\toprule" in tex and "\\bottomrule" in tex
    assert "kim\\_jong\\_un & 12.346 & 3" in tex  # escaped, 3 decimals
    assert "\\label{tab:08_keyness}" in tex


def test_save_table_interactive_and_bad_names(tmp_path: Path) -> None:
    table = pd.DataFrame({"a": [1]})
    assert save_table(table, "t", None) is table
    with pytest.raises(LexicalError, match=r"table name '\.\./t'"):
        save_table(table, "../t", tmp_path)
    assert list(tmp_path.iterdir()) == []


# ---- network figure ------------------------------------------------------------------------
def test_plot_cooccurrence_draws_the_planted_network() -> None:
    from corpus_tools.plots import PlotInputError, plot_cooccurrence

    tagged = pd.DataFrame(
        {
            "actor_putin": [1, 1, 1, 0, 0],
            "actor_kim": [1, 1, 0, 1, 0],
            "actor_shoigu": [0, 1, 0, 0, 0],
            "actor_biden": [0, 0, 0, 0, 1],
        }
    )
    matrix = actor_cooccurrence(tagged)
    fig = plot_cooccurrence(matrix, min_count=2)
    ax = fig.axes[0]
    # Pairs with >= 2 shared documents: only putin-kim (2); putin-shoigu and kim-shoigu have 1.
    assert len(ax.lines) == 1
    assert len(ax.collections[0].get_offsets()) == 4
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["putin (3)", "kim (3)", "shoigu (1)", "biden (1)"]
    assert len(plot_cooccurrence(matrix).axes[0].lines) == 3
    assert len(plot_cooccurrence(matrix, top_n=2).axes[0].texts) == 2
    with pytest.raises(PlotInputError, match="square"):
        plot_cooccurrence(matrix.iloc[:, :2])
