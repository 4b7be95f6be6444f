# ---
# jupyter:
#   corpus_tools:
#     analysis_version: 1.0.0
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
# Topic prevalence per quarter, with 95 % percentile-bootstrap confidence intervals over
# documents, against the dated events of Russia–North Korea relations. Then an event
# window: did coverage shift after Putin's visit to Pyongyang and the Comprehensive
# Strategic Partnership treaty of 19 June 2024? We compare the 180 days before with the 180
# days after, with bootstrap intervals for the difference and Cohen's d.
#
# Dates known only to the month are placed on the 1st; quarters are therefore exact, and
# the event window counts a June-2024 month-only article as "before".
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
n_boot = 1000

# %%
import corpus_tools as ct
from corpus_tools import plots

corpus = ct.datasets.load_corpus_or_demo(corpus_path)
fit = ct.fit_corpus(corpus, k=k, language=language, random_state=seed)
shares = fit.doc_topics()
labels = dict(enumerate(fit.model.labels_))
print(fit.data.summary())

# %% [markdown]
# ## Prevalence by quarter

# %%
quarters = ct.period_of(shares["date"], "Q")
prevalence = ct.topic_prevalence(fit.model.doc_topic_, quarters, n_boot=n_boot, random_state=seed)
fig = plots.plot_prevalence(prevalence, events=plots.load_events())
plots.show_figure(fig, "05_prevalence", figures_dir)

# %% [markdown]
# ## The treaty as an event window

# %%
effects = ct.event_window(
    fit.model.doc_topic_, shares["date"], event_date, n_boot=n_boot, random_state=seed
)
effects.assign(label=effects["topic"].map(labels)).round(3)

# %%
plots.show_figure(plots.plot_event_window(effects), "05_event_window", figures_dir)

# %% [markdown]
# ## By outlet

# %%
by_outlet = ct.topic_prevalence(
    fit.model.doc_topic_, shares["outlet"], n_boot=n_boot, random_state=seed
)
by_outlet.pivot(index="group", columns="topic", values="mean").round(3)
