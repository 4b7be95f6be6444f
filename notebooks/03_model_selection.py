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
# # 03 · How many topics? Coherence, stability and perplexity against K
#
# No single number chooses K. We fit LDA for several K and seeds and report, per model:
# NPMI and C_V coherence (matching gensim's definitions, so the numbers compare with the
# literature), UMass, topic diversity (share of unique words among the top 25), held-out
# perplexity, and stability across seeds (mean cosine similarity of matched topic-term
# vectors, Greene et al. 2014). Each model is fitted single-threaded with a fixed seed, so
# the table is identical on every machine and for any `n_jobs`.
#
# Default data: the bundled **synthetic** demo corpus, with 8 planted topics.

# %% tags=["parameters"]
corpus_path = None  # None: the bundled SYNTHETIC demo corpus
figures_dir = None  # set by `corpus-tools reproduce`
language = "pl"
ks = [4, 6, 8, 10, 12]
seeds = [0, 1, 2]
n_jobs = 2  # parallel across models; results do not depend on it

# %%
import corpus_tools as ct
from corpus_tools import plots

corpus = ct.datasets.load_corpus_or_demo(corpus_path)
data = ct.corpus_matrix(corpus, language=language)
print(data.summary())

# %%
results = ct.select_k(
    data.X, ks, seeds, texts=data.texts, feature_names=data.feature_names, n_jobs=n_jobs
)
scores = results.drop(columns="fit_seconds")  # wall-clock time is the one varying column
measures = ["c_npmi", "c_v", "u_mass", "diversity", "perplexity", "stability"]
scores.groupby("k")[measures].mean().round(4)

# %%
plots.show_figure(plots.plot_model_selection(scores), "03_model_selection", figures_dir)

# %% [markdown]
# Read the panels together: coherence and stability should peak or plateau where the
# topics are real; diversity drops once topics start to repeat each other; perplexity
# keeps falling with K and is a weak guide on its own (Chang et al. 2009).
