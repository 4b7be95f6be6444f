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
# # 04 · The topics: labels, top terms, representative documents
#
# Topics are read three ways: the most probable terms, FREX terms (frequent *and*
# exclusive, as in R's stm, usually the better label), and the documents that carry the
# most of each topic. The outlet × topic table shows which outlet covers what.
#
# Default data: the bundled **synthetic** demo corpus (no claim about real coverage).

# %% tags=["parameters"]
corpus_path = None  # None: the bundled SYNTHETIC demo corpus
figures_dir = None  # set by `corpus-tools reproduce`
language = "pl"
k = 8
seed = 0

# %%
import pandas as pd
from IPython.display import Markdown

import corpus_tools as ct
from corpus_tools import plots

synthetic = corpus_path is None  # figures of the demo carry a SYNTHETIC DATA mark
corpus = ct.datasets.load_corpus_or_demo(corpus_path)
fit = ct.fit_corpus(corpus, k=k, language=language, random_state=seed)
print(fit.data.summary())

# %%
labels = pd.DataFrame(
    {
        "FREX label": fit.model.labels_,
        "top terms": [", ".join(t) for t in fit.model.top_terms_lists(6)],
        "share of corpus": fit.model.doc_topic_.mean(axis=0).round(3),
    }
).rename_axis("topic")
labels

# %%
fig = plots.plot_top_terms(fit.model.top_terms(10), labels=fit.model.labels_)
plots.show_figure(fig, "04_top_terms", figures_dir, synthetic=synthetic)

# %%
Markdown(
    f"**Figure.** The 10 most probable terms of each of the {k} LDA topics (seed {seed}) "
    f"fitted to {fit.data.X.shape[0]} {language} documents; titles are the FREX labels. "
    "Bar length: the term's probability in the topic (point estimate, no interval)."
)

# %% [markdown]
# ## Representative documents
#
# The two documents with the highest share of each topic, with the opening of their text.

# %%
reps = fit.model.representative_documents(2)
texts = corpus.set_index("doc_id")["text"]
reps.assign(opening=[texts[d][:110].replace("\n", " ") for d in reps["doc_id"]])

# %% [markdown]
# ## Which outlet covers what

# %%
shares = fit.doc_topics()
names = dict(zip(fit.topic_columns, fit.model.labels_, strict=True))
table = shares.groupby("outlet")[fit.topic_columns].mean().rename(columns=names)
# Topics as rows: their labels are long, the outlet names short.
fig = plots.plot_outlet_topic_heatmap(table.T, xlabel="Outlet", ylabel="Topic (FREX label)")
plots.show_figure(fig, "04_outlet_topics", figures_dir, synthetic=synthetic)

# %%
n_by_outlet = shares["outlet"].value_counts().sort_index()
Markdown(
    "**Figure.** Mean topic share of the documents of each outlet (columns sum to 1), from "
    "the same model; n per outlet: "
    + ", ".join(f"{outlet} {n}" for outlet, n in n_by_outlet.items())
    + ". Point estimates; 05 gives bootstrap intervals for the same table."
)
