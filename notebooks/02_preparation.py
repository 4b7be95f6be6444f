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
# # 02 · Preparation choices and what they do to the vocabulary
#
# Polish and Russian are heavily inflected: without lemmatisation "Pjongjang",
# "Pjongjangu" and "Pjongjangiem" are three terms. Lemmatisers, in turn, mangle names:
# simplemma turns Polish "Kim" into "kto" (a stopword, so Kim Jong Un vanishes) and
# "Kursku" into "Kursko". `corpus_tools` replaces every spelling and inflected form in the
# actor lexicon by one protected token (`kim_jong_un`, `kursk`) *before* lemmatising.
#
# Default data: the bundled **synthetic** demo corpus (no claim about real coverage).

# %% tags=["parameters"]
corpus_path = None  # None: the bundled SYNTHETIC demo corpus
figures_dir = None  # set by `corpus-tools reproduce` (this notebook draws no figure)
language = "pl"

# %%
import pandas as pd

import corpus_tools as ct
from corpus_tools.text import Preprocessor, Vectorizer

# %% [markdown]
# ## The pitfall, on one sentence (written for this notebook)

# %%
sentence = (
    "Kim Dzong Un przyjął w Pjongjangu Siergieja Szojgu. Rozmowy Kim Dzong Una z "
    "Szojgu dotyczyły żołnierzy walczących w Kursku i w obwodzie kurskim."
)
settings = {
    "tokens only": dict(lemmatize=False, protect_entities=False, stopwords="none"),
    "lemmas, no protection": dict(protect_entities=False),
    "lemmas + protected names (default)": dict(),
}
pd.Series(
    {
        name: " ".join(Preprocessor(language="pl", **kw).fit_transform([sentence])[0])
        for name, kw in settings.items()
    },
    name="tokens",
).to_frame()

# %% [markdown]
# ## Effect on the corpus vocabulary
#
# The same canonical documents, prepared four ways; each vocabulary keeps terms in at least
# two documents and at most 90 % of them (the defaults).

# %%
corpus = ct.datasets.load_corpus_or_demo(corpus_path)
docs = corpus[(corpus["language"] == language) & corpus["duplicate_of"].isna()]
docs = docs[docs["text"].notna()]


def vocabulary(name: str, tokens: list[list[str]], phrases: bool = False) -> dict:
    vec = Vectorizer(phrases=phrases).fit(tokens)
    terms = set(vec.get_feature_names_out())
    return {
        "setting": name,
        "tokens": sum(map(len, tokens)),
        "vocabulary": len(terms),
        "kim_jong_un": "kim_jong_un" in terms,
        "kto": "kto" in terms,
        "kursko": "kursko" in terms,
        "phrases": len(vec.phrases_) if vec.phrases_ else 0,
    }


prepared = {name: Preprocessor(**kw).fit_transform(docs) for name, kw in settings.items()}
rows = [vocabulary(name, tokens) for name, tokens in prepared.items()]
default = prepared["lemmas + protected names (default)"]  # phrases only change the vectoriser
rows.append(vocabulary("lemmas + protected names + bigram phrases", default, phrases=True))
pd.DataFrame(rows).set_index("setting")

# %% [markdown]
# The recorded configuration: this dictionary is saved with every model, so a reader can
# rebuild exactly the preparation behind a result (library versions included).

# %%
config = ct.prepare_config()
{key: config[key] for key in ("preprocessor", "vectorizer")}
