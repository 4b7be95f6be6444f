# ---
# jupyter:
#   corpus_tools:
#     analysis_version: 1.1.0
#     requires:
#     - kcna
#     - rss-nk
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
# # 09 · Real coverage: how KCNA and the press frame Russia
#
# This notebook compares two **real** sources: North Korea's state agency KCNA (English
# archive, 24 December 2023 – 10 November 2024; see notebook 06) and the English-language
# press items of rss-nk-2023 (January – December 2023; see notebook 08).
#
# **The periods differ.** Apart from one week (24–31 December 2023), the KCNA stories are
# from 2024, the year of the Pyongyang treaty (June) and of North Korean troops in Russia
# (October), while the press items are from 2023, the year of the Vostochny summit. A
# difference between the two can therefore come from the source *or* from the year. What
# the comparison allows: to describe the vocabulary and topics each source uses when it
# mentions Russia in its own period. What it does not allow: to say how the press covered
# 2024, how KCNA covered 2023, or that a difference is due to who speaks.
#
# Comparable units: the press items are headline plus lead (~40 words), so each KCNA story
# is cut to its headline plus the first 40 words of its text (after the dateline). Dates
# (month and day names) are stopwords here: they say when, not how. "Mentions Russia" is the same
# rule for both: the shipped actor lexicon's group `russia_side` (Russia and its adjectives,
# the Kremlin, Moscow, Putin and his officials, Kursk, Vladivostok, Vostochny), as in 06.

# %% tags=["parameters"]
figures_dir = None  # set by `corpus-tools reproduce`
k = 8
method = "nmf"
seed = 0
n_boot = 1000
lead_words = 40

# %%
import pandas as pd
from IPython.display import Markdown

import corpus_tools as ct
from corpus_tools import plots


def lead(frame: pd.DataFrame) -> pd.Series:
    """Headline plus the first ``lead_words`` words of the text, without the dateline."""
    # "Pyongyang, July 19 (KCNA) --" opens every story: it would top the keyness list.
    body = frame["text"].fillna("").str.replace(DATELINE, "", regex=True)
    body = body.str.split().str[:lead_words].str.join(" ")
    return (frame["title"].fillna("") + "\n" + body).str.strip()


DATELINE = r"^\s*[^()\n]{0,60}\(KCNA\)\s*-*\s*"
# Dates are written out in both sources; they say when, not how Russia is framed.
CALENDAR = ["january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december", "monday", "tuesday",
            "wednesday", "thursday", "friday", "saturday", "sunday"]  # fmt: skip
config = {"preprocessor": {"extra_stopwords": CALENDAR}}


kcna = ct.fetch_kcna()
kcna = kcna[kcna["text"].notna() & (kcna["language"] == "en")].assign(source_name="KCNA")
kcna["text"] = lead(kcna)
press = ct.fetch_rss_nk()
press = press[press["language"] == "en"].assign(source_name="press")
both = pd.concat([kcna, press], ignore_index=True)
both["n_chars"] = both["text"].str.len()
both = ct.tag_actors(both)
both["mentions_russia"] = both.index.isin(ct.filter_corpus(both, any_of=["russia_side"]).index)
ru = both[both["mentions_russia"] & both["duplicate_of"].isna()]
counts = both.groupby("source_name").agg(
    items=("doc_id", "size"),
    russia=("mentions_russia", "sum"),
    first=("date", "min"),
    last=("date", "max"),
)
counts["share"] = counts["russia"] / counts["items"]
overlap = int((kcna["date"] <= "2023-12-31").sum())
ct.save_table(counts.reset_index(), "09_sources", figures_dir)
Markdown(
    f"KCNA: {counts.loc['KCNA', 'items']:,} English stories with text "
    f"({counts.loc['KCNA', 'first']:%Y-%m-%d} to {counts.loc['KCNA', 'last']:%Y-%m-%d}), "
    f"{counts.loc['KCNA', 'russia']:,} ({counts.loc['KCNA', 'share']:.0%}) mention Russia. "
    f"Press: {counts.loc['press', 'items']:,} English items "
    f"({counts.loc['press', 'first']:%Y-%m-%d} to {counts.loc['press', 'last']:%Y-%m-%d}), "
    f"{counts.loc['press', 'russia']:,} ({counts.loc['press', 'share']:.0%}) mention Russia. "
    f"KCNA stories in 2023, the press year: {overlap}."
)

# %% [markdown]
# ## Keyness: KCNA's Russia vocabulary against the press's
#
# Both sides are prepared identically (lemmas, protected actor names, stopwords), then
# signed G² of KCNA's Russia items (target) against the press's Russia items (reference):
# positive terms are over-used by KCNA, negative by the press.

# %%
data = ct.corpus_matrix(ru, config, language="en")
source = ru.set_index("doc_id").loc[data.doc_ids, "source_name"].to_numpy()
target = [t for t, s in zip(data.texts, source, strict=True) if s == "KCNA"]
reference = [t for t, s in zip(data.texts, source, strict=True) if s == "press"]
key = ct.keyness(target, reference)
key = key[key["n_target"] + key["n_reference"] >= 5].reset_index(drop=True)
ct.save_table(key.head(30), "09_keyness_kcna_top", figures_dir)
ct.save_table(key.tail(30).iloc[::-1], "09_keyness_press_top", figures_dir)
pd.concat(
    [key.head(15)[["term", "g2", "log_ratio"]].reset_index(drop=True).add_suffix(" (KCNA)"),
     key.tail(15).iloc[::-1][["term", "g2", "log_ratio"]].reset_index(drop=True)
     .add_suffix(" (press)")],
    axis=1,
).round(2)  # fmt: skip

# %% [markdown]
# ## Topics of the Russia items of both sources
#
# One model of the Russia items of both sources (the method BENCHMARKS.md chose for short
# texts), then each topic's mean share per source with bootstrap intervals.

# %%
fit = ct.fit_corpus(ru, k=k, method=method, config=config, language="en", random_state=seed)
print(fit.data.summary())
names = dict(enumerate(fit.model.labels_))  # FREX labels name the topics on every axis
plots.show_figure(
    plots.plot_top_terms(fit.model.top_terms(8), n=8, labels=names), "09_top_terms", figures_dir
)

# %%
Markdown(
    f"**Figure 1.** The eight highest-weighted terms of each of the {k} topics "
    f"({method.upper()}, seed {seed}) of the {fit.data.X.shape[0]:,} Russia items of both "
    "sources (headline plus lead); panel titles are the topics' FREX labels."
)

# %%
shares = fit.doc_topics()
groups = ru.set_index("doc_id").loc[shares["doc_id"], "source_name"].to_numpy()
prev = ct.topic_prevalence(fit.model.doc_topic_, groups, n_boot=n_boot, random_state=seed)
prev["label"] = prev["topic"].map(names)
ct.save_table(prev, "09_prevalence_by_source", figures_dir)
heat = prev.pivot(index="group", columns="topic", values="mean")
heat.columns = [names[c] for c in heat.columns]
plots.show_figure(  # topics as rows: their labels are long and read best horizontally
    plots.plot_outlet_topic_heatmap(heat.T.rename_axis(index="Topic", columns="Source")),
    "09_prevalence_by_source",
    figures_dir,
)

# %%
source_n = pd.Series(groups).value_counts()
Markdown(
    "**Figure 2.** Mean topic share (rows, FREX labels) of the Russia items of each "
    f"source (columns; n = KCNA {source_n.get('KCNA', 0)}, press {source_n.get('press', 0)}). "
    f"Percentile bootstrap 95% intervals ({n_boot:,} resamples of items within each "
    "source) are in the saved table `09_prevalence_by_source` (columns `lo`, `hi`)."
)

# %%
wide = prev.pivot(index=["topic", "label"], columns="group", values="mean").reset_index()
wide["difference"] = wide["KCNA"] - wide["press"]
wide = wide.sort_values("difference", ascending=False).reset_index(drop=True)
wide.round(3)

# %% [markdown]
# ## Russia in KCNA's words (KWIC)

# %%
lines = ct.kwic(ru[ru["source_name"] == "KCNA"], r"Russia\w*", window=6)
ct.save_table(lines, "09_kwic_russia_kcna", figures_dir)
print(f"{len(lines)} lines")
lines.head(12)

# %% [markdown]
# ## Findings and limitations

# %%
kcna_top = ", ".join(key.head(8)["term"])
press_top = ", ".join(key.tail(8).iloc[::-1]["term"])
Markdown(
    f"- **Share.** {counts.loc['KCNA', 'share']:.0%} of KCNA's 2024 stories and "
    f"{counts.loc['press', 'share']:.0%} of the press's 2023 North Korea items mention "
    f"Russia (same lexicon rule, headline plus lead).\n"
    f"- **Vocabulary.** Most over-used by KCNA in its Russia items: {kcna_top}. Most "
    f"over-used by the press: {press_top}.\n"
    f"- **Topics.** The topic most specific to KCNA is '{wide.loc[0, 'label']}' "
    f"({wide.loc[0, 'KCNA']:.2f} vs {wide.loc[0, 'press']:.2f} mean share); the most "
    f"specific to the press is '{wide.iloc[-1]['label']}' ({wide.iloc[-1]['press']:.2f} vs "
    f"{wide.iloc[-1]['KCNA']:.2f}).\n"
    f"- **What this allows.** A description of each source's framing of Russia in its own "
    f"period. Because the periods barely overlap (KCNA stories in 2023: {overlap}), "
    f"differences mix the source with the year (2024: treaty, troops in Kursk; 2023: "
    f"arms talks, Vostochny), and the KCNA archive is dense only from August 2024. A "
    f"like-for-like comparison needs both sources for the same months."
)
