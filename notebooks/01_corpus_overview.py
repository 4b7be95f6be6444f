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
# # 01 · The corpus and its ingest report
#
# What went in, what came out, and why: every input file is accounted for with a status
# (`loaded`, `duplicate`, `ignored`, `skipped`) and a reason. Then the corpus itself:
# languages, outlets, dates and the actors it mentions, and coverage over time against the
# dated events of Russia–North Korea relations.
#
# Default data: the bundled **synthetic** demo corpus, which contains planted defects
# (empty, truncated, binary and CP1250-encoded files, wire copies) so that the report has
# something to report. It makes no claim about real coverage.

# %% tags=["parameters"]
corpus_path = None  # None: the bundled SYNTHETIC demo corpus (a folder of article files)
figures_dir = None  # set by `corpus-tools reproduce`

# %%
import pandas as pd
from IPython.display import Markdown

import corpus_tools as ct
from corpus_tools import plots

synthetic = corpus_path is None  # figures of the demo carry a SYNTHETIC DATA mark
source = ct.demo_path() if corpus_path is None else corpus_path
corpus, report = ct.ingest(source)
print(report.summary())

# %% [markdown]
# ## Every input file, once

# %%
files = report.to_frame()
files.groupby(["status", "reason"], dropna=False).size().rename("files").to_frame()

# %% [markdown]
# Boilerplate lines removed, per rule of the profile (the rules are YAML data files that
# researchers can extend):

# %%
pd.Series(report.boilerplate_removed, name="lines removed").sort_index().to_frame()

# %% [markdown]
# ## Languages, outlets, dates and duplicates

# %%
overview = corpus.assign(duplicate=corpus["duplicate_of"].notna())
pd.crosstab(overview["outlet"], overview["language"], margins=True)

# %%
overview.groupby("language").agg(
    documents=("doc_id", "size"),
    duplicates=("duplicate", "sum"),
    day_precision=("date_precision", lambda p: int((p == "day").sum())),
    month_precision=("date_precision", lambda p: int((p == "month").sum())),
    median_chars=("n_chars", "median"),
    min_language_prob=("language_prob", "min"),
).round(3)

# %% [markdown]
# ## Who and where: the actor lexicon
#
# Mentions are counted with the shipped multilingual lexicon (spelling variants and
# inflected forms in Polish, English, Russian and Korean), on canonical documents only.

# %%
tagged = ct.tag_actors(corpus[corpus["duplicate_of"].isna()])
mentions = tagged.filter(like="actor_").gt(0).sum().sort_values(ascending=False)
mentions.rename(lambda c: c.removeprefix("actor_")).head(12).rename("documents").to_frame()

# %%
relations = ct.filter_corpus(tagged, all_of=["russia", "north_korea"])
print(f"{len(relations)} of {len(tagged)} canonical documents mention both Russia and North Korea")

# %% [markdown]
# ## Coverage over time

# %% [markdown]
# Documents are counted per calendar quarter and drawn at the middle of the quarter. A
# date known only to the month (stored on the 1st) still falls in the right quarter; a
# date known only to the year would not and is left out (the x label says how many).

# %%
events = plots.load_events()
fig = plots.plot_coverage(corpus, by="language", freq="Q", events=events)
plots.show_figure(fig, "01_coverage_by_language", figures_dir, synthetic=synthetic)


# %%
def coverage_caption(by: str) -> Markdown:
    dated = corpus[corpus["date"].notna()]
    shown = events["date"].between(dated["date"].min(), dated["date"].max()).sum()
    return Markdown(
        f"**Figure.** Documents per quarter and {by}, all {len(dated)} dated documents "
        f"(duplicates included: {int(dated['duplicate_of'].notna().sum())}), "
        f"{dated['date'].min():%Y-%m} to {dated['date'].max():%Y-%m}; dashed lines: the "
        f"{shown} dated events of the key. Counts, no intervals."
    )


coverage_caption("language")

# %%
fig = plots.plot_coverage(corpus, by="outlet", freq="Q", events=events)
plots.show_figure(fig, "01_coverage_by_outlet", figures_dir, synthetic=synthetic)

# %%
coverage_caption("outlet")
