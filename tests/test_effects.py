"""Tests for corpus_tools.effects against planted effects and hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from corpus_tools.effects import (
    EffectsError,
    date_intervals,
    event_window,
    period_midpoint,
    period_of,
    topic_prevalence,
    topic_regression,
)
from corpus_tools.topics import LDA, NMF


def planted_shares(rng: np.random.Generator, share: float, n: int) -> np.ndarray:
    """Documents whose topic-0 share is Beta-distributed around ``share``."""
    first = rng.beta(20 * share, 20 * (1 - share), size=n)
    rest = (1 - first)[:, None] * rng.dirichlet([1.0, 1.0], size=n)
    return np.column_stack([first, rest])


# ---- event windows -------------------------------------------------------------------------
def test_event_window_recovers_a_planted_jump_in_percentage_points():
    rng = np.random.default_rng(1)
    days = pd.date_range("2023-12-22", "2024-12-15", freq="D")
    dates = pd.Series(rng.choice(days, size=800))
    after = (dates >= "2024-06-19").to_numpy()
    theta = np.where(after[:, None], planted_shares(rng, 0.4, 800), planted_shares(rng, 0.1, 800))
    out = event_window(theta, dates, "2024-06-19", n_boot=500)
    row = out.iloc[0]
    assert row["ci_lo"] < 30 < row["ci_hi"] and row["ci_lo"] > 0
    assert row["pct_before"] == pytest.approx(10, abs=2)
    assert row["pct_after"] == pytest.approx(40, abs=2)
    before, later = theta[~after, 0], theta[after, 0]
    assert row["diff_pp"] == pytest.approx(100 * (later.mean() - before.mean()))
    assert row["cohens_d"] > 2
    assert row["n_before"] + row["n_after"] == len(dates) and row["n_excluded"] == 0
    assert row["significant"] and out.attrs["correction"] == "holm"
    assert out.equals(event_window(theta, dates, "2024-06-19", n_boot=500))
    assert not out.equals(event_window(theta, dates, "2024-06-19", n_boot=500, random_state=1))


def test_cohens_d_uses_the_exact_pooled_standard_deviation():
    theta = np.array([[0.1, 0.9], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4], [0.9, 0.1]])
    dates = ["2024-06-01", "2024-06-02", "2024-06-03", "2024-06-20", "2024-06-21"]
    out = event_window(theta, dates, n_boot=20)
    # Hand: before 0.1, 0.3, 0.2 (mean 0.2, ss 0.02); after 0.6, 0.9 (mean 0.75, ss 0.045).
    pooled = np.sqrt((0.02 + 0.045) / 3)
    assert out["cohens_d"].iloc[0] == pytest.approx(0.55 / pooled)
    assert out["diff_pp"].iloc[0] == pytest.approx(55.0)


def test_month_precision_documents_containing_the_event_are_left_out():
    # The failure: treaty coverage of June 2024 with month-only dates sits on
    # 1 June, before the 19 June event, and reverses the planted rise.
    rng = np.random.default_rng(3)
    n = 300
    before_days = pd.Series(rng.choice(pd.date_range("2024-01-01", "2024-05-31"), n))
    after_days = pd.Series(rng.choice(pd.date_range("2024-07-01", "2024-11-30"), n))
    june_month = pd.Series(pd.Timestamp("2024-06-01"), index=range(80))
    dates = pd.concat([before_days, after_days, june_month], ignore_index=True)
    precision = ["day"] * (2 * n) + ["month"] * 80
    theta = np.vstack(
        [planted_shares(rng, 0.1, n), planted_shares(rng, 0.3, n), planted_shares(rng, 0.6, 80)]
    )
    naive = event_window(theta, dates, "2024-06-19", n_boot=300)
    aware = event_window(theta, dates, "2024-06-19", precision=precision, n_boot=300)
    assert naive["n_before"].iloc[0] == n + 80  # the June articles wrongly counted before
    assert aware["n_before"].iloc[0] == n and aware["n_after"].iloc[0] == n
    assert aware["n_excluded"].iloc[0] == 80
    assert aware["diff_pp"].iloc[0] == pytest.approx(
        100 * (theta[n : 2 * n, 0].mean() - theta[:n, 0].mean())
    )
    assert aware["ci_lo"].iloc[0] > 15 and naive["diff_pp"].iloc[0] < aware["diff_pp"].iloc[0]


def test_month_precision_documents_wholly_on_one_side_are_kept():
    theta = np.array([[0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    out = event_window(
        theta, ["2024-05-01", "2024-07-01", "2024-06-01"], "2024-06-01",
        precision=["month", "month", "month"], n_boot=10,
    )  # fmt: skip
    # An event on 1 June: June (month precision) starts on the event day, so it is after.
    assert (out["n_before"].iloc[0], out["n_after"].iloc[0], out["n_excluded"].iloc[0]) == (1, 2, 0)


def test_the_window_ends_at_the_next_event_and_starts_after_the_previous_one():
    events = pd.DataFrame({"date": pd.to_datetime(["2024-03-28", "2024-06-19", "2024-10-18"])})
    dates = pd.to_datetime(
        ["2024-03-28", "2024-03-29", "2024-06-18", "2024-06-19", "2024-10-17", "2024-10-18"]
    )
    theta = np.column_stack([np.arange(6) / 10, 1 - np.arange(6) / 10])
    out = event_window(theta, dates, "2024-06-19", events=events, n_boot=10)
    row = out.iloc[0]
    assert (row["n_before"], row["n_after"]) == (2, 2)  # 03-29, 06-18 | 06-19, 10-17
    assert (row["start"], row["end"]) == (pd.Timestamp("2024-03-29"), pd.Timestamp("2024-10-18"))
    assert row["pct_after"] == pytest.approx(100 * (0.3 + 0.4) / 2)
    unbounded = event_window(theta, dates, "2024-06-19", n_boot=10)
    assert (unbounded["n_before"].iloc[0], unbounded["n_after"].iloc[0]) == (3, 3)


def test_holm_adjustment_matches_the_textbook_step_down():
    rng = np.random.default_rng(5)
    dates = pd.Series(rng.choice(pd.date_range("2024-01-01", "2024-12-31"), 400))
    after = (dates >= "2024-06-19").to_numpy()
    theta = rng.dirichlet(np.ones(6), size=400)
    theta[after, 0] += 0.3
    theta[after, 1] += 0.05
    theta /= theta.sum(axis=1, keepdims=True)
    out = event_window(theta, dates, n_boot=400)
    p = out["p_value"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    holm = np.empty(m)
    holm[order] = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    np.testing.assert_allclose(out["p_adjusted"], holm)
    assert out["significant"].iloc[0]
    raw = event_window(theta, dates, n_boot=400, correction="none")
    np.testing.assert_allclose(raw["p_adjusted"], raw["p_value"])
    assert (out["p_adjusted"] >= raw["p_value"]).all()


def test_event_window_errors_name_the_problem():
    theta = np.array([[0.2, 0.8], [0.6, 0.4]])
    with pytest.raises(EffectsError, match="before"):
        event_window(theta, ["2024-06-19", "2024-06-20"])
    with pytest.raises(EffectsError, match="unknown date_precision value"):
        event_window(theta, ["2024-06-18", "2024-06-20"], precision=["day", "week"])
    with pytest.raises(EffectsError, match="unknown correction 'nope'"):
        event_window(theta, ["2024-06-18", "2024-06-20"], correction="nope", n_boot=10)
    with pytest.raises(EffectsError, match="3 dates for 2 documents"):
        event_window(theta, ["2024-06-18", "2024-06-20", "2024-06-21"])


def test_date_intervals_by_precision():
    start, end = date_intervals(
        ["2024-06-19", "2024-06-01", "2024-01-01", None], ["day", "month", "year", None]
    )
    assert [str(d.date()) for d in start[:3]] == ["2024-06-19", "2024-06-01", "2024-01-01"]
    assert [str(d.date()) for d in end[:3]] == ["2024-06-20", "2024-07-01", "2025-01-01"]
    assert pd.isna(end[3])


# ---- prevalence ----------------------------------------------------------------------------
def test_topic_prevalence_covers_planted_group_means():
    rng = np.random.default_rng(2)
    truth = {"kcna": 0.5, "tass": 0.2, "pap": 0.1}
    groups = np.repeat(list(truth), 300)
    theta = np.vstack([planted_shares(rng, share, 300) for share in truth.values()])
    frame = pd.DataFrame(theta, columns=["treaty", "war", "trade"])
    out = topic_prevalence(frame, groups, n_boot=2000)
    assert list(out.columns) == ["group", "topic", "mean", "lo", "hi", "n_docs"]
    treaty = out[out["topic"] == "treaty"].set_index("group")
    assert treaty.index.tolist() == ["kcna", "pap", "tass"]
    sample = frame.groupby(groups)["treaty"]
    for group, share in truth.items():
        row = treaty.loc[group]
        assert row["mean"] == pytest.approx(sample.mean()[group])
        assert row["n_docs"] == 300
        # The percentile interval should match the normal one, mean +- 1.96 SE, ...
        se = sample.std(ddof=0)[group] / np.sqrt(300)
        assert row["hi"] - row["lo"] == pytest.approx(2 * 1.96 * se, rel=0.15)
        assert row["lo"] < row["mean"] < row["hi"]
        # ... and lie around the planted share (3 SE allows for sampling noise).
        assert abs(row["mean"] - share) < 3 * se
    assert out.equals(topic_prevalence(frame, groups, n_boot=2000))


def test_topic_prevalence_places_periods_at_their_midpoints():
    theta = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    months = period_of(pd.to_datetime(["2024-09-13", "2024-09-30", "2024-02-10"]), "M")
    out = topic_prevalence(theta, months, n_boot=20)
    midpoints = out.assign(g=out["group"].astype(str)).drop_duplicates("g").set_index("g")
    # September has 30 days: its middle is 15 days after 1 September, after the 13th.
    assert midpoints.loc["2024-09", "midpoint"] == pd.Timestamp("2024-09-16")
    assert midpoints.loc["2024-02", "midpoint"] == pd.Timestamp("2024-02-15 12:00")  # 29 days
    assert midpoints.loc["2024-09", "n_docs"] == 2
    q = period_midpoint(pd.period_range("2024Q1", periods=1, freq="Q"))
    assert q.iloc[0] == pd.Timestamp("2024-01-01") + pd.Timedelta(days=91) / 2


def test_topic_prevalence_warns_about_documents_without_group():
    theta = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    with pytest.warns(UserWarning, match="1 documents have no group"):
        out = topic_prevalence(theta, ["a", None, "a"], n_boot=50)
    assert out["n_docs"].tolist() == [2, 2]
    assert out["mean"].tolist() == pytest.approx([0.35, 0.65])


def test_period_of_months_quarters_and_coarse_dates():
    dates = pd.to_datetime(["2024-06-19", "2024-07-01", "2024-01-01", None])
    months = period_of(dates, "M")
    assert months[:3].astype(str).tolist() == ["2024-06", "2024-07", "2024-01"]
    assert months.isna().tolist() == [False, False, False, True]
    assert period_of(dates, "Q")[:2].astype(str).tolist() == ["2024Q2", "2024Q3"]
    with pytest.warns(UserWarning, match="1 dates are known only to the year"):
        out = period_of(dates, "M", precision=["day", "month", "year", None])
    assert out.isna().tolist() == [False, False, True, True]


# ---- regression ----------------------------------------------------------------------------
def planted_regression(seed: int = 0, n: int = 400) -> tuple[np.ndarray, pd.DataFrame]:
    """Topic-0 share = 0.2 + 0.15 * (outlet b) + 0.001 * days + noise; topic 1 the rest."""
    rng = np.random.default_rng(seed)
    cov = pd.DataFrame({"outlet": rng.choice(["a", "b"], n), "days": rng.uniform(0, 100, n)})
    first = 0.2 + 0.15 * (cov["outlet"] == "b") + 0.001 * cov["days"] + rng.normal(0, 0.05, n)
    return np.column_stack([first, 1 - first]), cov


def test_topic_regression_bootstrap_recovers_planted_coefficients():
    theta, cov = planted_regression()
    out = topic_regression(theta, cov, "~ outlet + days", n_draws=200)
    assert list(out.columns) == ["topic", "term", "estimate", "ci_lo", "ci_hi"]
    assert out.attrs["method"] == "bootstrap"
    rows = out.set_index(["topic", "term"])
    # The point estimate is the OLS fit (checked against statsmodels' formula interface).
    reference = smf.ols("y ~ outlet + days", cov.assign(y=theta[:, 0])).fit()
    for term in ("Intercept", "outlet[T.b]", "days"):
        assert rows.loc[(0, term), "estimate"] == pytest.approx(reference.params[term])
    for term, planted in (("outlet[T.b]", 0.15), ("days", 0.001)):
        lo, hi = rows.loc[(0, term), ["ci_lo", "ci_hi"]]
        assert lo < planted < hi
        # Topic 1 is the complement, so its effect is the negative.
        assert rows.loc[(1, term), "estimate"] == pytest.approx(-rows.loc[(0, term), "estimate"])
    ref_lo, ref_hi = reference.conf_int().loc["outlet[T.b]"]
    lo, hi = rows.loc[(0, "outlet[T.b]"), ["ci_lo", "ci_hi"]]
    assert hi - lo == pytest.approx(ref_hi - ref_lo, rel=0.3)  # bootstrap ~ normal theory
    assert out.equals(topic_regression(theta, cov, "~ outlet + days", n_draws=200))


def lda_corpus(seed: int = 0, n: int = 300) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Counts from two topics with disjoint vocabularies; outlet b has 30 points more of 0."""
    rng = np.random.default_rng(seed)
    cov = pd.DataFrame({"outlet": rng.choice(["a", "b"], n)})
    share = np.where(cov["outlet"] == "b", 0.6, 0.3)
    theta = np.column_stack([rng.beta(share, 1 - share), np.zeros(n)])  # many near-pure
    theta[:, 1] = 1 - theta[:, 0]
    beta = np.zeros((2, 20))
    beta[0, :10], beta[1, 10:] = 0.1, 0.1
    X = np.array([rng.multinomial(200, t @ beta) for t in theta])
    return X, cov, theta


def test_topic_regression_composes_the_lda_posterior():
    X, cov, theta = lda_corpus()
    model = LDA(2, random_state=0).fit(X)
    first = int(np.argmax(model.components_[:, :10].sum(axis=1)))  # the topic of words 0-9
    out = topic_regression(model, cov, "~ outlet", X=X, n_draws=20, n_sims=20)
    assert out.attrs["method"] == "composition"
    row = out.set_index(["topic", "term"]).loc[(first, "outlet[T.b]")]
    planted = theta[cov["outlet"] == "b", 0].mean() - theta[cov["outlet"] == "a", 0].mean()
    assert row["ci_lo"] < planted < row["ci_hi"]
    assert row["estimate"] == pytest.approx(planted, abs=0.05)
    # Composition widens the interval of a regression on the point estimates alone.
    point = topic_regression(model.doc_topic_, cov, "~ outlet", n_draws=200)
    point_row = point.set_index(["topic", "term"]).loc[(first, "outlet[T.b]")]
    assert row["ci_hi"] - row["ci_lo"] > point_row["ci_hi"] - point_row["ci_lo"]


def test_topic_regression_nmf_is_bootstrapped_and_lda_needs_its_matrix():
    X, cov, _ = lda_corpus(n=60)
    out = topic_regression(NMF(2, random_state=0).fit(X), cov, "~ outlet", n_draws=10)
    assert out.attrs["method"] == "bootstrap"
    with pytest.raises(EffectsError, match="needs X"):
        topic_regression(LDA(2, random_state=0).fit(X), cov, "~ outlet")


def test_topic_regression_errors_name_the_problem():
    theta, cov = planted_regression(n=50)
    with pytest.raises(EffectsError, match="no left-hand side"):
        topic_regression(theta, cov, "y ~ outlet")
    with pytest.raises(EffectsError, match="formula '~ region'"):
        topic_regression(theta, cov, "~ region")
    with pytest.raises(EffectsError, match="missing"):
        topic_regression(theta, cov.assign(days=np.nan), "~ days")
    with pytest.raises(EffectsError, match="49 covariate rows for 50 documents"):
        topic_regression(theta, cov.iloc[:49], "~ outlet")
