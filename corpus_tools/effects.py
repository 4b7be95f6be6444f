"""Effects on topic prevalence: over periods, around dated events and of covariates.

* :func:`period_of` and :func:`topic_prevalence` - mean topic share per period (or any
  group) with percentile-bootstrap intervals; periods carry their midpoint and ``n``;
* :func:`event_window` - topic shares before and after an event, aware of each document's
  date precision, optionally bounded by the neighbouring events, in percentage points
  with bootstrap intervals and Holm-adjusted p-values;
* :func:`topic_regression` - topic shares regressed on document covariates (statsmodels
  OLS with a patsy formula), the analogue of stm's ``estimateEffect``: the uncertainty of
  the topic model itself is carried into the intervals by the method of composition.

Document-topic shares come from :mod:`corpus_tools.topics` (``model.doc_topic_`` or
:meth:`~corpus_tools.topics.TopicFit.doc_topics`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import patsy

from .errors import CorpusToolsError

__all__ = [
    "EffectsError",
    "date_intervals",
    "event_window",
    "period_midpoint",
    "period_of",
    "topic_prevalence",
    "topic_regression",
]

#: Length of the date interval a document's ``date_precision`` stands for.
_PRECISION_FREQ = {"day": "D", "month": "M", "year": "Y"}
REGRESSION_COLUMNS = ("topic", "term", "estimate", "ci_lo", "ci_hi")


class EffectsError(CorpusToolsError, ValueError):
    """Bad input to a prevalence, event-window or regression summary (names the problem)."""


# ---- shared input handling -----------------------------------------------------------------
def _doc_topic_matrix(doc_topic: Any) -> tuple[np.ndarray, list[Any]]:
    if isinstance(doc_topic, pd.DataFrame):
        topics = list(doc_topic.columns)
    theta = np.asarray(doc_topic, dtype=np.float64)
    if theta.ndim != 2 or theta.shape[0] == 0:
        raise EffectsError(f"doc_topic must be a non-empty 2-D matrix, got {theta.shape}")
    if not np.isfinite(theta).all():
        raise EffectsError("doc_topic has non-finite values")
    if not isinstance(doc_topic, pd.DataFrame):
        topics = list(range(theta.shape[1]))
    return theta, topics


def _check_ci(n: int, ci: float, what: str = "n_boot") -> float:
    if n < 1 or not 0.0 < ci < 1.0:
        raise EffectsError(f"need {what} >= 1 and 0 < ci < 1, got {n}, {ci}")
    return (1.0 - ci) / 2.0


def _rngs(random_state: int, n: int) -> list[np.random.Generator]:
    """Independent generators, one per group, so a group's draws do not depend on others."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(random_state).spawn(n)]


def _boot_means(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_boot`` bootstrap resamples of the rows of ``x``, shape (n_boot, k)."""
    n = len(x)
    # Resampling counts instead of index arrays keeps memory at n_boot x n_docs.
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)
    return counts @ x / n


def _naive(dates: Any) -> pd.Series:
    series = pd.Series(pd.to_datetime(dates)).reset_index(drop=True)
    if series.dt.tz is not None:
        series = series.dt.tz_localize(None)
    return series


# ---- periods and prevalence ----------------------------------------------------------------
def period_of(dates: Any, freq: str = "M", *, precision: Any = None) -> pd.Series:
    """Calendar period (month or quarter) of each date, for :func:`topic_prevalence`.

    Parameters
    ----------
    dates : array-like of datetime
        E.g. ``corpus["date"]``.
    freq : {"M", "Q"}, default="M"
    precision : array-like of str, optional
        The corpus ``date_precision`` column. Dates known less precisely than ``freq``
        (a year-precision date for months; a year-precision date for quarters) get
        ``NaT`` instead of a made-up period, with a warning giving the count.

    Returns
    -------
    pandas.Series
        Period dtype, ``NaT`` where the date is unknown.

    Examples
    --------
    >>> period_of(pd.to_datetime(["2024-06-19", "2024-07-02"]), "Q").astype(str).tolist()
    ['2024Q2', '2024Q3']
    """
    if freq not in ("M", "Q"):
        raise EffectsError(f"freq must be 'M' or 'Q', got {freq!r}")
    periods = _naive(dates).dt.to_period(freq)
    if precision is not None:
        too_coarse = pd.Series(precision).reset_index(drop=True).eq("year").fillna(False)
        if too_coarse.any():
            warnings.warn(
                f"{int(too_coarse.sum())} dates are known only to the year; their period "
                "is left empty",
                UserWarning,
                stacklevel=2,
            )
            periods[too_coarse.to_numpy()] = pd.NaT
    return periods


def period_midpoint(periods: Any) -> pd.Series:
    """The middle instant of each period (a month's midpoint is around the 16th, noon).

    Plotting a period at its first day puts, e.g., a September peak before an event of
    13 September; at its midpoint the point sits inside the period it summarises.

    Examples
    --------
    >>> period_midpoint(pd.period_range("2024-09", periods=1, freq="M")).tolist()
    [Timestamp('2024-09-16 00:00:00')]
    """
    periods = pd.Series(periods).reset_index(drop=True)
    if not isinstance(periods.dtype, pd.PeriodDtype):
        raise EffectsError(f"period_midpoint needs Period values, got dtype {periods.dtype}")
    start = periods.dt.start_time
    end = (periods + 1).dt.start_time
    return start + (end - start) / 2


def topic_prevalence(
    doc_topic: Any,
    groups: Any,
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Mean topic share per group with percentile-bootstrap confidence intervals.

    Documents are resampled with replacement within each group. Documents whose group
    is missing are left out, with a warning giving the count.

    Parameters
    ----------
    doc_topic : ndarray or DataFrame of shape (n_docs, n_topics)
        Topic proportions, e.g. ``model.doc_topic_`` (a DataFrame's columns name the
        topics, e.g. ``pd.DataFrame(model.doc_topic_, columns=model.labels_)``).
    groups : array-like of length n_docs
        Group of each document: a period from :func:`period_of`, an outlet, a language.
    n_boot : int, default=1000
    ci : float, default=0.95
    random_state : int, default=0

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per (group, topic), sorted by group, with columns ``group, topic,
        mean, lo, hi, n_docs``; for Period groups also ``midpoint``, the middle of the
        period (:func:`period_midpoint`), where plots place it.

    Examples
    --------
    >>> theta = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8]])
    >>> out = topic_prevalence(theta, ["a", "a", "b"], n_boot=200)
    >>> out[["group", "topic", "mean"]].round(2).to_numpy().tolist()
    [['a', 0, 0.8], ['a', 1, 0.2], ['b', 0, 0.2], ['b', 1, 0.8]]
    """
    theta, topics = _doc_topic_matrix(doc_topic)
    alpha = _check_ci(n_boot, ci)
    groups = pd.Series(groups).reset_index(drop=True)
    if len(groups) != len(theta):
        raise EffectsError(f"{len(groups)} groups for {len(theta)} documents")
    known = groups.notna().to_numpy()
    if not known.all():
        warnings.warn(
            f"{int((~known).sum())} documents have no group and are left out",
            UserWarning,
            stacklevel=2,
        )
    codes, uniques = pd.factorize(groups[known], sort=True)
    theta = theta[known]
    frames = []
    for code, (group, rng) in enumerate(
        zip(uniques, _rngs(random_state, len(uniques)), strict=True)
    ):
        x = theta[codes == code]
        lo, hi = np.quantile(_boot_means(x, n_boot, rng), [alpha, 1.0 - alpha], axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "group": [group] * len(topics),
                    "topic": topics,
                    "mean": x.mean(axis=0),
                    "lo": lo,
                    "hi": hi,
                    "n_docs": len(x),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    if isinstance(out["group"].dtype, pd.PeriodDtype):
        out["midpoint"] = period_midpoint(out["group"])
    return out


# ---- event windows -------------------------------------------------------------------------
def date_intervals(dates: Any, precision: Any = None) -> tuple[pd.Series, pd.Series]:
    """The interval ``[start, end)`` each date stands for, given its precision.

    A day-precision date covers its day, a month-precision date (stored on the 1st) its
    whole month, a year-precision date its year. Without ``precision`` every date is taken
    as exact to the day.

    Examples
    --------
    >>> start, end = date_intervals(["2024-06-01", "2024-06-19"], ["month", "day"])
    >>> [str(d.date()) for d in end]
    ['2024-07-01', '2024-06-20']
    """
    start = _naive(dates)
    if precision is None:
        precision = pd.Series("day", index=start.index)
    precision = pd.Series(precision, dtype="string").reset_index(drop=True)
    if len(precision) != len(start):
        raise EffectsError(f"{len(precision)} date precisions for {len(start)} dates")
    unknown = sorted(set(precision.dropna()) - set(_PRECISION_FREQ))
    if unknown:
        raise EffectsError(
            f"unknown date_precision value(s) {unknown}; use {', '.join(_PRECISION_FREQ)}"
        )
    end = pd.Series(pd.NaT, index=start.index, dtype="datetime64[ns]")
    for name, freq in _PRECISION_FREQ.items():
        rows = (precision == name).fillna(False).to_numpy()
        if rows.any():
            period = start[rows].dt.to_period(freq)
            start[rows] = period.dt.start_time
            end[rows] = (period + 1).dt.start_time
    return start, end


def _neighbour_events(events: pd.DataFrame, event: pd.Timestamp) -> tuple[Any, Any]:
    """Dates of the last event before ``event`` and the first after it (NaT if none)."""
    if "date" not in events.columns:
        raise EffectsError("the events table has no 'date' column (see plots.load_events)")
    days = _naive(events["date"]).dt.normalize()
    earlier, later = days[days < event.normalize()], days[days > event.normalize()]
    return (earlier.max() if len(earlier) else pd.NaT, later.min() if len(later) else pd.NaT)


def _window(
    event: pd.Timestamp, before: Any, after: Any, events: pd.DataFrame | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo, hi = event - pd.Timedelta(before), event + pd.Timedelta(after)
    if events is not None:
        previous, following = _neighbour_events(events, event)
        # Coverage on the previous event's day belongs to that event, so the window opens
        # the day after it; the next event's day is its own "after" and closes the window.
        if pd.notna(previous):
            lo = max(lo, previous + pd.Timedelta(days=1))
        if pd.notna(following):
            hi = min(hi, following)
    return lo, hi


def _bootstrap_p(boot: np.ndarray) -> np.ndarray:
    """Two-sided percentile-bootstrap p-value of 'no difference', per column.

    Twice the smaller share of bootstrap differences on either side of zero, with the
    ``(count + 1) / (n + 1)`` correction so that a p-value is never exactly zero.
    """
    n = len(boot)
    below = ((boot <= 0).sum(axis=0) + 1) / (n + 1)
    above = ((boot >= 0).sum(axis=0) + 1) / (n + 1)
    return np.minimum(1.0, 2.0 * np.minimum(below, above))


def event_window(
    doc_topic: Any,
    dates: Any,
    event_date: Any = "2024-06-19",
    *,
    precision: Any = None,
    before: str | pd.Timedelta = "180D",
    after: str | pd.Timedelta = "180D",
    events: pd.DataFrame | None = None,
    correction: str = "holm",
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Compare topic shares in windows before and after an event, in percentage points.

    The before window is ``[event - before, event)``, the after window
    ``[event, event + after)``; coverage on the day of the event counts as after. Each
    document's date stands for an interval (:func:`date_intervals`): a month-precision
    June date covers all of June. A document counts as before (after) only when its whole
    interval lies in the before (after) window; a document whose interval contains the
    event, e.g. a June-2024 article without a day for an event of 19 June 2024, cannot
    be placed and is left out, and ``n_excluded`` says how many were.

    Parameters
    ----------
    doc_topic : ndarray or DataFrame of shape (n_docs, n_topics)
    dates : array-like of datetime, length n_docs
    event_date : date-like, default="2024-06-19"
        Putin's visit to Pyongyang and the signing of the partnership treaty.
    precision : array-like of {"day", "month", "year"}, optional
        The corpus ``date_precision`` column. Without it every date is taken as exact to
        the day, which misplaces month-precision dates (stored on the 1st).
    before, after : str or Timedelta, default="180D"
        The longest windows.
    events : pandas.DataFrame, optional
        Dated events (e.g. :func:`corpus_tools.plots.load_events`, column ``date``). The
        windows then stop at the neighbouring events: the after window ends on the day of
        the next event, the before window opens the day after the previous one, so the
        comparison is not confounded by other events' coverage.
    correction : str, default="holm"
        Multiple-testing correction over the topics, any ``method`` of
        :func:`statsmodels.stats.multitest.multipletests` ("holm", "bonferroni",
        "fdr_bh", ...), or "none".
    n_boot : int, default=1000
    ci : float, default=0.95
        Confidence level of the intervals; ``1 - ci`` is also the level of the tests.
    random_state : int, default=0

    Returns
    -------
    pandas.DataFrame
        One row per topic: ``topic``; ``pct_before, pct_after`` (mean share in per cent);
        ``diff_pp`` (after minus before, percentage points) with ``ci_lo, ci_hi``
        (percentile bootstrap, documents resampled within each window, not adjusted);
        ``p_value`` (two-sided bootstrap p-value of no difference), ``p_adjusted``
        (``correction`` over the topics) and ``significant`` (``p_adjusted < 1 - ci``);
        ``cohens_d`` (difference of shares over their pooled standard deviation);
        ``n_before, n_after, n_excluded`` and the window ``start, end`` (end excluded).
        ``attrs["correction"]`` names the correction.

    Examples
    --------
    >>> theta = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.2, 0.8], [0.5, 0.5]])
    >>> dates = ["2024-06-01", "2024-06-10", "2024-06-19", "2024-07-01", "2024-06-01"]
    >>> out = event_window(theta, dates, precision=["day"] * 4 + ["month"], n_boot=200)
    >>> out["diff_pp"].round(1).tolist(), int(out["n_excluded"].iloc[0])
    ([-60.0, 60.0], 1)
    """
    theta, topics = _doc_topic_matrix(doc_topic)
    alpha = _check_ci(n_boot, ci)
    start, end = date_intervals(dates, precision)
    if len(start) != len(theta):
        raise EffectsError(f"{len(start)} dates for {len(theta)} documents")
    event = pd.Timestamp(event_date)
    if event.tz is not None:
        event = event.tz_localize(None)
    lo, hi = _window(event, before, after, events)
    is_before = ((start >= lo) & (end <= event)).to_numpy()
    is_after = ((start >= event) & (end <= hi)).to_numpy()
    excluded = ((start < event) & (end > event)).to_numpy()
    x_before, x_after = theta[is_before], theta[is_after]
    if len(x_before) == 0 or len(x_after) == 0:
        side = "before" if len(x_before) == 0 else "after"
        raise EffectsError(
            f"no documents dated in the window {side} {event.date()} "
            f"(window {lo.date()} to {hi.date()}, end excluded)"
        )
    rng_before, rng_after = _rngs(random_state, 2)
    boot = _boot_means(x_after, n_boot, rng_after) - _boot_means(x_before, n_boot, rng_before)
    ci_lo, ci_hi = np.quantile(boot, [alpha, 1.0 - alpha], axis=0)
    mean_before, mean_after = x_before.mean(axis=0), x_after.mean(axis=0)
    diff = mean_after - mean_before
    p_value = _bootstrap_p(boot)
    p_adjusted = p_value if correction == "none" else _adjust(p_value, correction)
    out = pd.DataFrame(
        {
            "topic": topics,
            "pct_before": 100 * mean_before,
            "pct_after": 100 * mean_after,
            "diff_pp": 100 * diff,
            "ci_lo": 100 * ci_lo,
            "ci_hi": 100 * ci_hi,
            "p_value": p_value,
            "p_adjusted": p_adjusted,
            "significant": p_adjusted < 1.0 - ci,
            "cohens_d": diff / _pooled_sd(x_before, x_after),
            "n_before": len(x_before),
            "n_after": len(x_after),
            "n_excluded": int(excluded.sum()),
            "start": lo,
            "end": hi,
        }
    )
    out.attrs["correction"] = correction
    return out


def _adjust(p_value: np.ndarray, method: str) -> np.ndarray:
    # statsmodels is imported when needed: plots imports this module for period midpoints.
    from statsmodels.stats.multitest import multipletests

    try:
        return multipletests(p_value, method=method)[1]
    except ValueError as exc:
        raise EffectsError(
            f"unknown correction {method!r}; use 'holm', 'bonferroni', 'fdr_bh' or 'none'"
        ) from exc


def _pooled_sd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pooled standard deviation per column; NaN when it is undefined or zero."""
    dof = len(a) + len(b) - 2
    if dof <= 0:
        return np.full(a.shape[1], np.nan)
    ss = (len(a) - 1) * a.var(axis=0, ddof=1 if len(a) > 1 else 0)
    ss = ss + (len(b) - 1) * b.var(axis=0, ddof=1 if len(b) > 1 else 0)
    sd = np.sqrt(ss / dof)
    return np.where(sd > 0, sd, np.nan)


# ---- regression on covariates --------------------------------------------------------------
def _posterior_source(doc_topic: Any, X: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Point shares and, for LDA, the variational Dirichlet parameters of each document."""
    # Imported here: topics pulls in the text pipeline, which plots (importing this
    # module for period midpoints) does not need.
    from .topics import LDA, TopicFit, _TopicModel

    if isinstance(doc_topic, TopicFit):
        doc_topic, X = doc_topic.model, doc_topic.data.X
    if isinstance(doc_topic, _TopicModel):
        if not hasattr(doc_topic, "doc_topic_"):
            raise EffectsError("the topic model is not fitted")
        if not isinstance(doc_topic, LDA):
            return doc_topic.doc_topic_, None
        if X is None:
            raise EffectsError(
                "an LDA model needs X, the document-term matrix it was fitted on, to draw "
                "from its posterior; pass X=... or a TopicFit"
            )
        from .topics import _as_dtm

        X, _ = _as_dtm(X, None)
        if X.shape[1] != doc_topic.n_features_in_:
            raise EffectsError(
                f"X has {X.shape[1]} terms; the model was fitted on {doc_topic.n_features_in_}"
            )
        # sklearn's variational parameters gamma (doc_topic_prior + expected counts) of
        # the documents in X: any rows of the matrix, e.g. those in an event window.
        gamma = np.asarray(doc_topic.estimator_._unnormalized_transform(X), dtype=np.float64)
        return gamma / gamma.sum(axis=1, keepdims=True), gamma
    theta, _ = _doc_topic_matrix(doc_topic)
    return theta, None


def _design(covariates: pd.DataFrame, formula: str) -> pd.DataFrame:
    if not isinstance(covariates, pd.DataFrame):
        raise EffectsError(f"covariates must be a DataFrame, got {type(covariates).__name__}")
    rhs = formula.split("~", 1)[-1] if "~" in formula else formula
    if "~" in formula and formula.split("~", 1)[0].strip():
        raise EffectsError(f"formula {formula!r} must have no left-hand side (e.g. '~ outlet')")
    try:
        design = patsy.dmatrix(
            rhs, covariates.reset_index(drop=True), NA_action="raise", return_type="dataframe"
        )
    except patsy.PatsyError as exc:
        raise EffectsError(f"formula {formula!r}: {exc.message}") from None
    return design


def _ols_draws(
    y: np.ndarray, design: pd.DataFrame, n_sims: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """OLS estimates of one response and ``n_sims`` draws from their sampling distribution."""
    import statsmodels.api as sm

    result = sm.OLS(y, design).fit()
    params = result.params.to_numpy()
    cov = result.cov_params().to_numpy()
    return params, rng.multivariate_normal(params, cov, size=n_sims, method="eigh")


def topic_regression(
    doc_topic: Any,
    covariates: pd.DataFrame,
    formula: str,
    *,
    n_draws: int = 25,
    n_sims: int = 20,
    ci: float = 0.95,
    X: Any = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Regress each topic's share on document covariates, with the model's uncertainty.

    The analogue of stm's ``estimateEffect`` (Roberts, Stewart & Tingley 2019): for each
    topic, an OLS regression (statsmodels) of the document shares on the design matrix
    of ``formula`` (patsy syntax: ``"~ outlet + language + bs(days, df=4)"``).

    The shares are estimates, so the intervals carry two uncertainties, as in stm's
    method of composition:

    * a fitted :class:`~corpus_tools.topics.LDA` (or a
      :class:`~corpus_tools.topics.TopicFit` of one): ``n_draws`` times, every
      document's shares are drawn from its variational posterior, a Dirichlet with the
      document's parameters gamma; each draw is regressed, and ``n_sims`` coefficient
      vectors are drawn from the normal sampling distribution of that fit. ``estimate``
      is the mean over all draws, the interval their percentiles.
    * a plain array or DataFrame of shares, or an NMF model (no posterior): documents are
      resampled with replacement ``n_draws`` times (a case bootstrap of the regression);
      ``estimate`` is the OLS fit on all documents, the interval the bootstrap
      percentiles.

    Parameters
    ----------
    doc_topic : LDA, NMF, TopicFit, ndarray or DataFrame of shape (n_docs, n_topics)
        The topic shares, or the model that gives them. A DataFrame's columns name the
        topics.
    covariates : pandas.DataFrame
        One row per document, in the order of ``doc_topic`` (e.g. from
        :meth:`~corpus_tools.topics.TopicFit.doc_topics`), holding the formula's
        variables. Missing values are an error.
    formula : str
        Right-hand side of a patsy formula, e.g. ``"~ outlet + bs(days, df=4)"``;
        categorical variables are treatment-coded against their first level.
    n_draws : int, default=25
        Posterior draws (LDA) or bootstrap resamples (otherwise). stm's default is 25.
    n_sims : int, default=20
        Coefficient draws per posterior draw (LDA only).
    ci : float, default=0.95
    X : sparse matrix, optional
        For an :class:`~corpus_tools.topics.LDA`: the document-term rows of the documents
        to regress (those it was fitted on, or a subset such as an event window, in the
        order of ``covariates``). A :class:`~corpus_tools.topics.TopicFit` carries all of
        its documents.
    random_state : int, default=0

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per (topic, term) with columns ``topic, term, estimate, ci_lo,
        ci_hi``, on the share scale (0-1). ``attrs["method"]`` is ``"composition"`` or
        ``"bootstrap"``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> group = np.repeat(["a", "b"], 50)
    >>> first = np.where(group == "b", 0.6, 0.3) + rng.normal(0, 0.05, 100)
    >>> theta = np.column_stack([first, 1 - first])
    >>> out = topic_regression(theta, pd.DataFrame({"group": group}), "~ group")
    >>> row = out[(out["topic"] == 0) & (out["term"] == "group[T.b]")].iloc[0]
    >>> round(float(row["estimate"]), 1), bool(row["ci_lo"] > 0.25)
    (0.3, True)
    """
    import statsmodels.api as sm

    alpha = _check_ci(n_draws, ci, "n_draws")
    if n_sims < 1:
        raise EffectsError(f"need n_sims >= 1, got {n_sims}")
    topics = list(doc_topic.columns) if isinstance(doc_topic, pd.DataFrame) else None
    theta, gamma = _posterior_source(doc_topic, X)
    topics = topics or list(range(theta.shape[1]))
    design = _design(covariates, formula)
    if len(design) != len(theta):
        raise EffectsError(f"{len(design)} covariate rows for {len(theta)} documents")
    rng = np.random.default_rng(random_state)
    terms = list(design.columns)
    rows = []
    if gamma is not None:
        draws = np.empty((theta.shape[1], n_draws * n_sims, len(terms)))
        for d in range(n_draws):
            shares = _dirichlet_rows(gamma, rng)
            for k in range(theta.shape[1]):
                _, sims = _ols_draws(shares[:, k], design, n_sims, rng)
                draws[k, d * n_sims : (d + 1) * n_sims] = sims
        estimate = draws.mean(axis=1)
    else:
        estimate = np.array(
            [sm.OLS(theta[:, k], design).fit().params.to_numpy() for k in range(theta.shape[1])]
        )
        draws = np.empty((theta.shape[1], n_draws, len(terms)))
        for d in range(n_draws):
            rows_d = rng.integers(0, len(theta), size=len(theta))
            sub = design.iloc[rows_d]
            for k in range(theta.shape[1]):
                draws[k, d] = sm.OLS(theta[rows_d, k], sub).fit().params.to_numpy()
    lo, hi = np.quantile(draws, [alpha, 1.0 - alpha], axis=1)
    for k, topic in enumerate(topics):
        for j, term in enumerate(terms):
            rows.append((topic, term, estimate[k, j], lo[k, j], hi[k, j]))
    out = pd.DataFrame(rows, columns=list(REGRESSION_COLUMNS))
    out.attrs["method"] = "composition" if gamma is not None else "bootstrap"
    return out


def _dirichlet_rows(gamma: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row from Dirichlet(gamma_row), via normalised gamma variates."""
    g = rng.standard_gamma(gamma)
    return g / g.sum(axis=1, keepdims=True)
