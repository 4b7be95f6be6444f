# ---
# jupyter:
#   corpus_tools:
#     analysis_version: 1.1.0
#     requires: []
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: corpus_tools
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Topics over time and around the 19 June 2024 treaty
#
# Topic prevalence per quarter, with percentile-bootstrap confidence intervals over
# documents, against the dated events of Russia–North Korea relations. Then an event
# window: did coverage shift after Putin's visit to Pyongyang and the Comprehensive
# Strategic Partnership treaty? And a prevalence regression on the same documents, the
# analogue of stm's `estimateEffect`, which adjusts for the outlet and carries the topic
# model's own uncertainty into the intervals.
#
# Dates known only to the month are stored on the 1st, so every comparison uses the
# corpus's `date_precision`: quarters are exact for month-only dates; in the event window
# a document whose month contains the event cannot be placed before or after it and is
# left out (and counted). The windows stop at the neighbouring events of the events
# table, so another event's coverage does not leak into the comparison, and the p-values
# are Holm-adjusted over the topics.
#
# Default data: the bundled **synthetic** demo corpus, whose planted topics follow the
# event timeline; it makes no claim about real coverage.

# %% tags=["parameters"]
corpus_path = None  # None: the bundled SYNTHETIC demo corpus
figures_dir = None  # set by `corpus-tools reproduce`
language = "pl"
k = 8
seed = 0
event_date = "2024-06-19"
window_days = 180
n_boot = 1000
n_draws = 25

# %%
import pandas as pd
from IPython.display import Markdown, display

import corpus_tools as ct
from corpus_tools import plots

synthetic = corpus_path is None  # figures of the demo carry a SYNTHETIC DATA mark
corpus = ct.datasets.load_corpus_or_demo(corpus_path)
fit = ct.fit_corpus(corpus, k=k, language=language, random_state=seed)
shares = fit.doc_topics()
labels = dict(enumerate(fit.model.labels_))
events = plots.load_events()
print(fit.data.summary())
print(shares["date_precision"].value_counts(dropna=False).to_string())

# %% [markdown]
# ## Prevalence by quarter

# %%
quarters = ct.period_of(shares["date"], "Q", precision=shares["date_precision"])
prevalence = ct.topic_prevalence(fit.model.doc_topic_, quarters, n_boot=n_boot, random_state=seed)
fig = plots.plot_prevalence(prevalence, events=events, labels=labels)
plots.show_figure(fig, "05_prevalence", figures_dir, synthetic=synthetic)

# %%
n_q = prevalence.drop_duplicates("group")["n_docs"]
Markdown(
    f"**Figure.** Mean share of each of the {k} topics per quarter (line, drawn at "
    f"mid-quarter) with its 95 % percentile-bootstrap interval ({n_boot} resamples of the "
    f"quarter's documents; band), {int(n_q.sum())} {language} documents in "
    f"{len(n_q)} quarters (n per quarter: {n_q.min()} to {n_q.max()}, last panel); "
    "dashed lines: the numbered events of the key. Titles: FREX labels."
)

# %% [markdown]
# ## The treaty as an event window

# %%
effects = ct.event_window(
    fit.model.doc_topic_,
    shares["date"],
    event_date,
    precision=shares["date_precision"],
    before=f"{window_days}D",
    after=f"{window_days}D",
    events=events,
    n_boot=n_boot,
    random_state=seed,
)
window = effects.iloc[0]
correction = effects.attrs["correction"].capitalize()
effects.assign(label=effects["topic"].map(labels)).drop(columns=["start", "end"]).round(3)

# %%
Markdown(
    f"Window: {window['start']:%Y-%m-%d} to {window['end']:%Y-%m-%d} (end excluded; at most "
    f"{window_days} days each side, cut at the neighbouring events). "
    f"{window['n_before']} documents before and {window['n_after']} after the event; "
    f"{window['n_excluded']} documents dated only to a month that contains "
    f"{event_date} are left out. p-values: bootstrap, {correction}-adjusted "
    f"over {len(effects)} topics; {int(effects['significant'].sum())} topics change "
    "significantly at the 5 % level after adjustment."
)

# %%
fig = plots.plot_event_window(effects, labels=labels)
plots.show_figure(fig, "05_event_window", figures_dir, synthetic=synthetic)

# %%
Markdown(
    "**Figure.** Change in each topic's mean share, after minus before the event, in "
    f"percentage points, with 95 % percentile-bootstrap intervals ({n_boot} resamples within "
    f"each window; not adjusted); filled dots: significant after the Holm adjustment. "
    f"n = {window['n_before']} before, {window['n_after']} after."
)

# %% [markdown]
# On the synthetic demo the answer is known: the treaty topic is planted from the day of
# the treaty. The planted topic is matched to the fitted one that holds most of its
# documents (`recovery_table`, as in 07):

# %%
if synthetic:
    truth = ct.load_demo_truth().set_index("doc_id").loc[fit.data.doc_ids]
    planted = ct.datasets.load_demo_topics()
    truth_shares = truth[[f"topic_{name}" for name in planted["name"]]]
    truth_shares = truth_shares.set_axis(list(planted["name"]), axis=1).reset_index(drop=True)
    treaty = int(
        ct.recovery_table(truth_shares, fit.model.doc_topic_)
        .set_index("planted")
        .loc["treaty", "best"]
    )
    row = effects.set_index("topic").loc[treaty]
    verdict = "rises" if row["ci_lo"] > 0 else "does not rise clearly"
    display(
        Markdown(
            f"The planted treaty topic is fitted topic {treaty} (*{labels[treaty]}*). It "
            f"{verdict} after {event_date}: {row['pct_before']:.1f} % → "
            f"{row['pct_after']:.1f} % of coverage, {row['diff_pp']:+.1f} percentage points "
            f"[{row['ci_lo']:.1f}, {row['ci_hi']:.1f}], Holm-adjusted p = "
            f"{row['p_adjusted']:.3f}, Cohen's d = {row['cohens_d']:.2f}."
        )
    )

# %% [markdown]
# ## The same question as a regression (method of composition)
#
# The documents of the window, regressed on whether they come after the event and on
# their outlet. Shares are drawn from each document's variational posterior
# (`n_draws` times), each draw is regressed (OLS), and coefficient draws are pooled, as in
# stm's `estimateEffect`, so the intervals include the topic model's uncertainty.

# %%
start, end = ct.effects.date_intervals(shares["date"], shares["date_precision"])
event = pd.Timestamp(event_date)
before = (start >= window["start"]) & (end <= event)
after = (start >= event) & (end <= window["end"])
in_window = (before | after).to_numpy()
covariates = shares.loc[in_window, ["outlet"]].assign(after=after[in_window].astype(int))
regression = ct.topic_regression(
    fit.model,
    covariates.reset_index(drop=True),
    "~ after + outlet",
    X=fit.data.X[in_window],
    n_draws=n_draws,
    random_state=seed,
)
regression.assign(label=regression["topic"].map(labels)).round(3)

# %%
terms = ["after", *(t for t in regression["term"].unique() if t.startswith("outlet"))]
fig = plots.plot_topic_regression(regression, terms=terms, labels=labels)
plots.show_figure(fig, "05_regression", figures_dir, synthetic=synthetic)

# %%
after_rows = regression[regression["term"] == "after"].set_index("topic")
top = after_rows["estimate"].idxmax()
Markdown(
    f"**Figure.** OLS effects on each topic's share in percentage points, {int(in_window.sum())}"
    f" documents of the window: *after* (the event) and each outlet against "
    f"{sorted(covariates['outlet'].unique())[0]}. 95 % intervals by the method of "
    f"composition ({n_draws} posterior draws × 20 coefficient draws). The largest effect of "
    f"*after* is on topic {top} (*{labels[top]}*): {100 * after_rows.loc[top, 'estimate']:+.1f}"
    f" points [{100 * after_rows.loc[top, 'ci_lo']:.1f}, "
    f"{100 * after_rows.loc[top, 'ci_hi']:.1f}]."
)

# %% [markdown]
# ## By outlet

# %%
by_outlet = ct.topic_prevalence(
    fit.model.doc_topic_, shares["outlet"], n_boot=n_boot, random_state=seed
)
by_outlet.assign(topic=by_outlet["topic"].map(labels)).pivot(
    index="group", columns="topic", values="mean"
).round(3)
