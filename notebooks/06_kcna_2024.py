# ---
# jupyter:
#   corpus_tools:
#     analysis_version: 1.0.0
#     requires:
#     - kcna
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
# # 06 · Real coverage: how North Korean state media covered Russia in 2024
#
# This notebook is about **real** coverage: the English-language archive of the Korean
# Central News Agency (KCNA) for 24 December 2023 – 10 November 2024, 2,111 records,
# collected by the public project
# [stiles/north-korea-news](https://github.com/stiles/north-korea-news) (repository licence
# CC0-1.0; the article texts are KCNA's). `fetch_kcna()` downloads the file pinned to a
# commit, verifies its sha256 and caches it under `$CORPUS_TOOLS_DATA`; without network a
# populated cache works offline.
#
# Caveat for interpretation: the archive is dense from August 2024 and sparse before, so
# monthly *counts* mostly show the collection, not KCNA's output; we therefore report
# *shares* of each month's stories.

# %% tags=["parameters"]
figures_dir = None  # set by `corpus-tools reproduce`
k = 10
seed = 0
n_boot = 1000

# %%
import pandas as pd

import corpus_tools as ct
from corpus_tools import plots

kcna = ct.fetch_kcna()
print(
    f"{len(kcna)} records, {kcna['text'].notna().sum()} with text, "
    f"{kcna['date'].min():%Y-%m-%d} to {kcna['date'].max():%Y-%m-%d}"
)

# %% [markdown]
# ## Russia in KCNA's stories, month by month
#
# Mentions are counted with the shipped actor lexicon (Russia, Putin, Moscow, Lavrov,
# Shoigu, Kursk, …); a story "covers Russia" when it mentions Russia, Moscow or a Russian
# official.

# %%
russian_side = [
    "russia",
    "moscow",
    "vladimir_putin",
    "sergei_lavrov",
    "sergei_shoigu",
    "andrei_belousov",
    "kursk",
    "vladivostok",
]
tagged = ct.tag_actors(kcna)
tagged["covers_russia"] = tagged.index.isin(ct.filter_corpus(tagged, any_of=russian_side).index)
month = tagged["date"].dt.to_period("M")
monthly = tagged.groupby(month).agg(
    stories=("doc_id", "size"), covering_russia=("covers_russia", "sum")
)
monthly["share"] = (monthly["covering_russia"] / monthly["stories"]).round(3)
monthly

# %%
actors = tagged[tagged["covers_russia"]].filter(like="actor_").gt(0).sum()
actors.rename(lambda c: c.removeprefix("actor_")).sort_values(ascending=False).head(10).to_frame(
    "stories covering Russia"
)

# %% [markdown]
# ## Topics of KCNA's 2024 coverage
#
# An LDA model of all stories with text (English), then each topic's prevalence by month,
# with the share of Russia-covering stories as a separate comparison.

# %%
fit = ct.fit_corpus(tagged, k=k, random_state=seed)
print(fit.data.summary())
pd.DataFrame({"FREX label": fit.model.labels_}).rename_axis("topic")

# %%
plots.show_figure(plots.plot_top_terms(fit.model.top_terms(10)), "06_kcna_top_terms", figures_dir)

# %%
shares = fit.doc_topics()
prevalence = ct.topic_prevalence(
    fit.model.doc_topic_, ct.period_of(shares["date"], "M"), n_boot=n_boot, random_state=seed
)
recent = prevalence[prevalence["group"] >= pd.Period("2024-05", "M")]
fig = plots.plot_prevalence(recent, events=plots.load_events())
plots.show_figure(fig, "06_kcna_prevalence", figures_dir)

# %%
covers = tagged.set_index("doc_id").loc[shares["doc_id"], "covers_russia"].to_numpy()
table = shares.groupby(pd.Series(covers, name="covers Russia"))[fit.topic_columns].mean()
plots.show_figure(plots.plot_outlet_topic_heatmap(table), "06_kcna_russia_topics", figures_dir)
