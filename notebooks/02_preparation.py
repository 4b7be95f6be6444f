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
# # 02 · Preparation choices and what they do to the vocabulary
#
# Polish and Russian are heavily inflected: without lemmatisation "Pjongjang",
# "Pjongjangu" and "Pjongjangiem" are three terms. Lemmatisers, in turn, mangle names:
# the first section shows, on one sentence and in the locked environment, which name forms
# simplemma leaves split or turns into other words. `corpus_tools` replaces every spelling
# and inflected form in the actor lexicon by one protected token (`kim_jong_un`, `kursk`)
# *before* lemmatising.
#
# Default data: the bundled **synthetic** demo corpus (no claim about real coverage).

# %% tags=["parameters"]
corpus_path = None  # None: the bundled SYNTHETIC demo corpus
figures_dir = None  # set by `corpus-tools reproduce` (this notebook draws no figure)
language = "pl"

# %%
import pandas as pd
from IPython.display import Markdown

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
# Word by word (stopwords kept so that the two lists line up), the name forms and what
# the lemmatiser makes of them without protection:

# %%
words = Preprocessor(language="pl", **settings["tokens only"]).fit_transform([sentence])[0]
lemmas = Preprocessor(language="pl", protect_entities=False, stopwords="none").fit_transform(
    [sentence]
)[0]
assert len(words) == len(lemmas)  # one lemma per token
names = ["kim", "dzong", "un", "una", "pjongjangu", "szojgu", "kursku", "kurskim"]
pairs = pd.DataFrame({"token": words, "lemma": lemmas}).drop_duplicates()
pairs = pairs[pairs["token"].isin(names)].set_index("token")
pairs

# %%
lemma = pairs["lemma"].to_dict()
Markdown(
    f"Without protection, the genitive *Una* stays `{lemma['una']}` while the nominative "
    f"gives `{lemma['un']}`, so *Kim Dzong Un* is split over two terms; the city in "
    f"*w Kursku* becomes `{lemma['kursku']}`, the same term as the adjective *kurskim* "
    f"(`{lemma['kurskim']}`), so the place merges with everything described as Kursk-ish. "
    "With protection both are single tokens, `kim_jong_un` and `kursk`."
)

# %% [markdown]
# ## Effect on the corpus vocabulary
#
# The same canonical documents, prepared four ways; each vocabulary keeps terms in the
# default document-frequency range of the vectoriser (see the recorded configuration
# below).

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
        "una": "una" in terms,
        "kurski": "kurski" in terms,
        "kursk": "kursk" in terms,
        "phrases": len(vec.phrases_) if vec.phrases_ else 0,
    }


prepared = {name: Preprocessor(**kw).fit_transform(docs) for name, kw in settings.items()}
rows = [vocabulary(name, tokens) for name, tokens in prepared.items()]
default = prepared["lemmas + protected names (default)"]  # phrases only change the vectoriser
rows.append(vocabulary("lemmas + protected names + bigram phrases", default, phrases=True))
table = pd.DataFrame(rows).set_index("setting")
table

# %%
unprotected, protected = table.loc["lemmas, no protection"], table.iloc[2]
Markdown(
    f"On the {len(docs)} canonical {language} documents, lemmatising shrinks the vocabulary "
    f"from {table.iloc[0]['vocabulary']} to {unprotected['vocabulary']} terms; protecting "
    f"names gives {protected['vocabulary']}. Without protection the vocabulary "
    f"{'holds' if unprotected['una'] else 'does not hold'} `una` and "
    f"{'holds' if unprotected['kurski'] else 'does not hold'} `kurski`; with it, "
    f"`kim_jong_un` is {'in' if protected['kim_jong_un'] else 'not in'} the vocabulary and "
    f"`kurski` {'remains' if protected['kurski'] else 'is gone'}."
)

# %% [markdown]
# The recorded configuration: this dictionary is saved with every model, so a reader can
# rebuild exactly the preparation behind a result (library versions included).

# %%
config = ct.prepare_config()
{key: config[key] for key in ("preprocessor", "vectorizer")}
