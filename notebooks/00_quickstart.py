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
# # 00 · Quick start
#
# Load a corpus, fit a topic model, draw one figure: the whole workflow in a dozen lines.
#
# By default this runs on the bundled demo corpus, which is **synthetic**: articles written
# for this project from a table of real, dated events, with planted topics (the summary
# below gives the counts). It validates the method and runs offline; it makes no claim
# about real coverage, and every figure drawn from it is stamped SYNTHETIC DATA. Set
# `corpus_path` to your own corpus (a folder of articles or a saved `.parquet`) to rerun
# the notebook on it, e.g. `papermill 00_quickstart.ipynb out.ipynb -p corpus_path my.parquet`.

# %% tags=["parameters"]
corpus_path = None  # None: the bundled SYNTHETIC demo corpus
figures_dir = None  # set by `corpus-tools reproduce`; None: figures are only shown
language = "pl"  # topic models are monolingual
k = 8
seed = 0

# %%
from IPython.display import Markdown

import corpus_tools as ct
from corpus_tools import plots

synthetic = corpus_path is None  # figures of the demo carry a SYNTHETIC DATA mark
corpus = ct.datasets.load_corpus_or_demo(corpus_path)
fit = ct.fit_corpus(corpus, k=k, language=language, random_state=seed)
print(fit.data.summary())

# %%
fit.model.frex(5).pivot(index="topic", columns="rank", values="term")

# %%
labels = fit.model.labels_
terms = plots.plot_top_terms(fit.model.top_terms(10), labels=labels)
plots.show_figure(terms, "00_top_terms", figures_dir, synthetic=synthetic)

# %%
Markdown(
    f"**Figure.** The 10 most probable terms of each of the {k} LDA topics (seed {seed}), "
    f"fitted to {fit.data.X.shape[0]} {language} documents; panel titles are the FREX "
    "labels. Bar length is the term's probability in the topic (a point estimate; "
    "no interval)."
)
