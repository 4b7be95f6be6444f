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
# # 03 · How many topics? Coherence, stability and perplexity against K
#
# No single number chooses K. We fit LDA for several K and seeds and report, per model:
# NPMI and C_V coherence (matching gensim's definitions, so the numbers compare with the
# literature), UMass, topic diversity (share of unique words among the top 25), held-out
# perplexity, and stability across seeds (mean cosine similarity of matched topic-term
# vectors, Greene et al. 2014). Each model is fitted single-threaded with a fixed seed, so
# the table is identical on every machine and for any `n_jobs`.
#
# The notebook ends with K chosen by one stated rule, implemented once in the library
# (`corpus_tools.topics.choose_k`): among the K whose mean NPMI is within one standard
# error (over seeds) of the best mean, the most stable K; ties go to the smaller K.
#
# Default data: the bundled **synthetic** demo corpus, whose number of planted topics is
# printed below.

# %% tags=["parameters"]
corpus_path = None  # None: the bundled SYNTHETIC demo corpus
figures_dir = None  # set by `corpus-tools reproduce`
language = "pl"
ks = [4, 6, 8, 10, 12]
seeds = [0, 1, 2]
n_jobs = 2  # parallel across models; results do not depend on it

# %%
from IPython.display import Markdown

import corpus_tools as ct
from corpus_tools import plots

synthetic = corpus_path is None  # figures of the demo carry a SYNTHETIC DATA mark
if synthetic:
    print(f"planted topics in the demo: {len(ct.datasets.load_demo_topics())}")
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
fig = plots.plot_model_selection(scores)
plots.show_figure(fig, "03_model_selection", figures_dir, synthetic=synthetic)

# %%
Markdown(
    f"**Figure.** Each score against K for LDA on {data.X.shape[0]} {language} documents: "
    f"line = mean over the {len(seeds)} seeds {seeds}, band = their minimum to maximum (no "
    "confidence interval: the seeds are few). Perplexity is on a held-out 10 % of the "
    "documents; stability is one value per K (mean matched cosine similarity across seeds)."
)

# %% [markdown]
# Read the panels together: coherence and stability should peak or plateau where the
# topics are real; diversity drops once topics start to repeat each other. Held-out
# perplexity is a weak guide on its own (Chang et al. 2009); what it does here:

# %%
by_k = scores.groupby("k")[measures].mean()
steps = by_k["perplexity"].diff().dropna()
rises = [
    f"K={lo}→{hi}"
    for lo, hi, d in zip(by_k.index[:-1], by_k.index[1:], steps, strict=True)
    if d > 0
]
Markdown(
    f"Mean held-out perplexity goes from {by_k['perplexity'].iloc[0]:.1f} at K={by_k.index[0]} "
    f"to {by_k['perplexity'].iloc[-1]:.1f} at K={by_k.index[-1]}, lowest at "
    f"K={by_k['perplexity'].idxmin()} ({by_k['perplexity'].min():.1f}); it "
    + (f"rises at {', '.join(rises)}." if rises else "falls at every step.")
    + f" NPMI is highest at K={by_k['c_npmi'].idxmax()} and stability at "
    f"K={by_k['stability'].idxmax()}."
)

# %% [markdown]
# ## The chosen K

# %%
rule = scores.groupby("k")["c_npmi"].agg(["mean", "sem"]).join(by_k["stability"])
best = rule["mean"].idxmax()
rule["within 1 SE of best"] = rule["mean"] >= rule.loc[best, "mean"] - rule.loc[best, "sem"]
chosen = ct.choose_k(scores)
rule.assign(chosen=rule.index == chosen).round(4)

# %%
Markdown(
    f"**K = {chosen}.** The best mean NPMI is {rule.loc[best, 'mean']:.4f} at K={best} "
    f"(standard error {rule.loc[best, 'sem']:.4f} over {len(seeds)} seeds); the K within one "
    f"standard error are {', '.join(map(str, rule.index[rule['within 1 SE of best']]))}, and "
    f"the most stable of them is K={chosen} (stability {rule.loc[chosen, 'stability']:.3f})."
    + (
        f" K={chosen} is the largest K tried: coherence may still rise beyond it, so the "
        "grid should be extended before this choice is trusted."
        if chosen == max(ks)
        else ""
    )
    + (
        f" The demo plants {len(ct.datasets.load_demo_topics())} topics; 07 shows which of"
        " them each K recovers."
        if synthetic
        else ""
    )
)
