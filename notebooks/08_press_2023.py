# ---
# jupyter:
#   corpus_tools:
#     analysis_version: 1.1.0
#     requires:
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
# # 08 · Real coverage: international and Polish press on North Korea and Russia in 2023
#
# This notebook is about **real** coverage: rss-nk-2023, RSS items (headline plus lead)
# about North Korea that one public crawler collected from about 100 feeds in 2023, English
# and Polish
# ([upstream](https://github.com/rumca-js/RSS-Link-Database-2023), GPL-3.0 repository; the
# texts belong to the outlets). `fetch_rss_nk()` reads the pinned, sha256-checked file from
# `$CORPUS_TOOLS_DATA` or rebuilds it from the upstream monthly zips. What an item is, which
# outlets and months are (not) covered: `corpus_tools/data/datasheets/rss_nk_2023.md`.
#
# Caveats: the outlets are those one person's crawler followed, and a month's volume shows
# the collection as well as the news, so we read **shares** within months and languages.
# Items are ~40 words: the topic model is the one BENCHMARKS.md ("Short texts") chose.

# %% tags=["parameters"]
figures_dir = None  # set by `corpus-tools reproduce`
k_en = 10
k_pl = 6
method = "nmf"
seed = 0
n_boot = 1000
n_draws = 100  # bootstrap resamples of topic_regression (NMF has no posterior to draw from)
min_outlet = 40  # outlets with fewer modelled items are pooled as "other" (prevalence)

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown

import corpus_tools as ct
from corpus_tools import plots

press = ct.fetch_rss_nk()
by_language = press["language"].value_counts()
Markdown(
    f"{len(press):,} items from {press['outlet'].nunique()} outlets, "
    f"{press['date'].min():%Y-%m-%d} to {press['date'].max():%Y-%m-%d}: "
    f"{by_language['en']:,} English and {by_language['pl']:,} Polish; "
    f"{int(press['duplicate_of'].notna().sum())} marked as copies of another item; median "
    f"{press['text'].str.split().str.len().median():.0f} words per item."
)

# %% [markdown]
# ## Coverage volume by language and outlet, with the year's events
#
# Monthly item counts per language; the dashed lines are the dated events of
# `corpus_tools/data/events.csv` (Shoigu in Pyongyang 25–27 July, the Vostochny summit
# 13 September, Lavrov in Pyongyang 18–19 October).

# %%
events = plots.load_events()
events_2023 = events[events["date"].dt.year == 2023]
fig = plots.plot_coverage(press, by="language", freq="W", events=events_2023)
plots.show_figure(fig, "08_coverage_by_language", figures_dir)

# %%
month = ct.period_of(press["date"], "M", precision=press["date_precision"])
top_outlets = press["outlet"].value_counts().head(12).index
outlet_month = (
    pd.crosstab(press["outlet"], month.to_numpy())
    .loc[top_outlets]
    .rename_axis(index="Outlet", columns="Month")
)
outlet_month.columns = outlet_month.columns.strftime("%m")
ct.save_table(outlet_month.reset_index(), "08_outlets_by_month", figures_dir)
fig = plots.plot_outlet_topic_heatmap(outlet_month, fmt=".0f")
fig.axes[1].set_ylabel("Items", fontsize=8.0)  # the colour bar: counts, not topic shares
plots.show_figure(fig, "08_outlets_by_month", figures_dir)

# %%
gaps = (outlet_month == 0).sum(axis=1)
gaps = gaps[gaps > 0]
Markdown(
    "Months without a single item, among the 12 largest outlets: "
    + "; ".join(f"{outlet} {n}" for outlet, n in gaps.items())
    + ". A gap of months is the crawler's feed list changing rather than an outlet falling "
    "silent on North Korea, so compare outlets over time only where each was collected."
)

# %% [markdown]
# ## Russia in the coverage, by month and language
#
# An item mentions Russia when the dataset's keyword flag `mentions_russia` is set
# (Russia, Putin, Kremlin, Moscow, Shoigu, Lavrov and their Polish forms). As a check, the
# shipped actor lexicon's group `russia_side` (`ct.actor_groups()`: Russia and its
# adjectives, the Kremlin, Moscow, Putin and his officials, Kursk, Vladivostok, Vostochny;
# the same definition notebooks 06 and 09 use) should agree on most items.

# %%
tagged = ct.tag_actors(press)
by_lexicon = tagged.index.isin(ct.filter_corpus(tagged, any_of=["russia_side"]).index)
agreement = (by_lexicon == press["mentions_russia"].to_numpy()).mean()


def wilson(hits: pd.Series, n: pd.Series, z: float = 1.96) -> tuple[pd.Series, pd.Series]:
    """Wilson score interval of a binomial share (stable for small months)."""
    p = hits / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


share = (
    press.assign(month=month.to_numpy())
    .groupby(["month", "language"])
    .agg(items=("doc_id", "size"), russia=("mentions_russia", "sum"))
    .reset_index()
)
share["share"] = share["russia"] / share["items"]
share["lo"], share["hi"] = wilson(share["russia"], share["items"])
ct.save_table(share, "08_russia_share_by_month", figures_dir)
tidy = share.rename(columns={"month": "group", "language": "topic", "share": "mean"})
fig = plots.plot_prevalence(tidy, events=events_2023, ncols=2)
for ax, language in zip(fig.axes, sorted(share["language"].unique()), strict=True):
    ax.set_title({"en": "English items", "pl": "Polish items"}[language], pad=10, fontsize=8.0)
fig.supylabel("")  # the figure's "Topic prevalence": here the panels are languages
fig.axes[0].set_ylabel("Russia share", fontsize=8.0)
plots.show_figure(fig, "08_russia_share", figures_dir)

# %%
overall = press.groupby("language")["mentions_russia"].agg(["sum", "size", "mean"])
peak = share.loc[share.groupby("language")["share"].idxmax()].set_index("language")
september = share[share["month"] == pd.Period("2023-09", "M")].set_index("language")
Markdown(
    f"{int(press['mentions_russia'].sum())} items mention Russia: "
    f"{overall.loc['en', 'mean']:.1%} of English and {overall.loc['pl', 'mean']:.1%} of "
    f"Polish items. The highest monthly share is {peak.loc['en', 'share']:.0%} in "
    f"{peak.loc['en', 'month']:%B} for English and {peak.loc['pl', 'share']:.0%} in "
    f"{peak.loc['pl', 'month']:%B} for Polish items (September: "
    f"{september.loc['en', 'share']:.0%} and {september.loc['pl', 'share']:.0%}). The "
    f"keyword flag and the actor lexicon agree on {agreement:.1%} of items."
)

# %% [markdown]
# ## Topics of the coverage
#
# Topic models are monolingual: one model for the English items, one for the Polish items,
# fitted to the canonical items (copies left out) with the method BENCHMARKS.md chose for
# ~40-word texts.

# %%
fit_en = ct.fit_corpus(press, k=k_en, method=method, language="en", random_state=seed)
fit_pl = ct.fit_corpus(press, k=k_pl, method=method, language="pl", random_state=seed)
print("en:", fit_en.data.summary())
print("pl:", fit_pl.data.summary())
labels = pd.concat(
    [
        pd.DataFrame({"language": lang, "topic": range(k), "label": f.model.labels_})
        for lang, f, k in (("en", fit_en, k_en), ("pl", fit_pl, k_pl))
    ],
    ignore_index=True,
)
ct.save_table(labels, "08_topic_labels", figures_dir)
# FREX labels name the topics on every axis (the plots wrap them).
names = {lang: dict(enumerate(f.model.labels_)) for lang, f in (("en", fit_en), ("pl", fit_pl))}

# %%
plots.show_figure(
    plots.plot_top_terms(fit_en.model.top_terms(8), n=8, labels=names["en"]),
    "08_top_terms_en",
    figures_dir,
)

# %%
plots.show_figure(
    plots.plot_top_terms(fit_pl.model.top_terms(8), n=8, ncols=3, labels=names["pl"]),
    "08_top_terms_pl",
    figures_dir,
)

# %% [markdown]
# ## Prevalence by outlet and by Russia mention
#
# A prevalence regression (`ct.topic_regression`, the analogue of stm's `estimateEffect`)
# per language: each topic's share on the outlet (outlets with fewer than `min_outlet`
# modelled items pooled as "other"; the largest outlet is the reference) and on whether
# the item mentions Russia, so the Russia effect is net of the outlet mix. NMF gives no
# posterior to draw from, so the intervals are a case bootstrap of the regression. The
# heatmap shows the plain mean share per outlet (descriptive, no model).


# %%
indexed = press.set_index("doc_id")


def covariates_of(fit: ct.TopicFit) -> pd.DataFrame:
    """Outlet (small ones pooled, largest first) and the Russia flag of the modelled items."""
    items = indexed.loc[fit.data.doc_ids]
    size = items["outlet"].map(items["outlet"].value_counts()).fillna(0)  # NA outlet: "other"
    outlet = items["outlet"].where(size >= min_outlet, "other")
    order = outlet[outlet != "other"].value_counts().index.tolist()
    return pd.DataFrame(
        {
            "outlet": pd.Categorical(outlet, categories=[*order, "other"]),
            "russia": items["mentions_russia"].astype(float).to_numpy(),
        }
    )


covariates = {"en": covariates_of(fit_en), "pl": covariates_of(fit_pl)}
effects = pd.concat(
    [
        ct.topic_regression(
            f, covariates[lang], "~ outlet + russia", n_draws=n_draws, random_state=seed
        ).assign(language=lang)
        for lang, f in (("en", fit_en), ("pl", fit_pl))
    ],
    ignore_index=True,
)
effects = effects.merge(labels, on=["language", "topic"])
ct.save_table(effects, "08_topic_regression", figures_dir)
russia_effect = effects[effects["term"] == "russia"].set_index(["language", "topic"])
russia_effect[["label", "estimate", "ci_lo", "ci_hi"]].round(3)

# %%
fig = plots.plot_topic_regression(
    effects[effects["language"] == "en"], terms=["russia"], labels=names["en"], ncols=1
)
fig.axes[0].set_title("English items: mentions Russia (net of outlet)", fontsize=8.0)
plots.show_figure(fig, "08_russia_effect_en", figures_dir)

# %%
fig = plots.plot_topic_regression(
    effects[effects["language"] == "pl"], terms=["russia"], labels=names["pl"], ncols=1
)
fig.axes[0].set_title("Polish items: mentions Russia (net of outlet)", fontsize=8.0)
plots.show_figure(fig, "08_russia_effect_pl", figures_dir)

# %%
n_items = {lang: len(c) for lang, c in covariates.items()}
n_russia = {lang: int(c["russia"].sum()) for lang, c in covariates.items()}
n_outlets = {lang: c["outlet"].cat.categories.size - 1 for lang, c in covariates.items()}
Markdown(
    "**Figures: Russia effect.** Difference in each topic's share (percentage points) "
    "between items that mention Russia and items that do not, from the same outlet: OLS of "
    "the NMF share on outlet and the Russia flag, per language (English n = "
    f"{n_items['en']:,} items, {n_russia['en']} mentioning Russia, {n_outlets['en']} "
    f'outlets plus "other"; Polish n = {n_items["pl"]:,}, {n_russia["pl"]} mentioning '
    f'Russia, {n_outlets["pl"]} outlets plus "other"). Dots: estimates; lines: 95% '
    f"percentile intervals of a case bootstrap ({n_draws} resamples of items)."
)

# %%
en_items = indexed.loc[fit_en.data.doc_ids]
# Items without an outlet (NA) have no count and go with the small outlets.
big = en_items["outlet"].map(en_items["outlet"].value_counts()).fillna(0).ge(min_outlet)
big = big.to_numpy(dtype=bool)
heat = ct.topic_prevalence(
    fit_en.model.doc_topic_[big],
    en_items.loc[big, "outlet"].to_numpy(),
    n_boot=n_boot,
    random_state=seed,
).pivot(index="group", columns="topic", values="mean")
heat.columns = [names["en"][t] for t in heat.columns]
# Topics as rows: their labels are long and read best horizontally; outlets slanted.
fig = plots.plot_outlet_topic_heatmap(heat.T.rename_axis(index="Topic (en)", columns="Outlet"))
# Domain names read whole when slanted; the plot's wrapping would split them mid-word.
fig.axes[0].set_xticks(
    fig.axes[0].get_xticks(), heat.index, rotation=40, ha="right", rotation_mode="anchor"
)
plots.show_figure(fig, "08_prevalence_by_outlet_en", figures_dir)

# %%
outlet_n = en_items.loc[big, "outlet"].value_counts()
Markdown(
    "**Figure: topics by outlet.** Mean NMF topic share (rows, FREX labels) of the "
    f"English items of each outlet with at least {min_outlet} modelled items (columns; n = "
    + ", ".join(f"{o} {n}" for o, n in outlet_n.items())
    + f"). Percentile bootstrap 95% intervals ({n_boot:,} resamples of items within each "
    "outlet) are in `topic_prevalence`'s `lo`/`hi`; the outlet differences with "
    "intervals are the regression above (`08_topic_regression`)."
)

# %%
top_russia = (
    russia_effect.reset_index()
    .sort_values("estimate", ascending=False)
    .groupby("language")
    .head(1)
    .set_index("language")
)
top_russia[["topic", "label", "estimate", "ci_lo", "ci_hi"]].round(3)

# %% [markdown]
# ## Polish vs English coverage of Russia–North Korea items: keyness
#
# Words cannot be compared across languages, but the actors can: the lexicon maps "Putin",
# "Putina", "Путин" to one actor. For the items mentioning Russia, each actor mention is a
# token; keyness (signed G², as quanteda's `textstat_keyness` without correction) shows which
# actors Polish items name more (positive) or less (negative) than English items. Within
# each language, word keyness of Russia items against the other items shows the vocabulary
# that comes with Russia.

# %%
actor_columns = [c for c in tagged.columns if c.startswith("actor_")]


def actor_tokens(frame: pd.DataFrame) -> list[list[str]]:
    counts = frame[actor_columns].to_numpy()
    names = [c.removeprefix("actor_") for c in actor_columns]
    return [[n for n, c in zip(names, row, strict=True) for _ in range(int(c))] for row in counts]


ru = tagged[press["mentions_russia"].to_numpy() & press["duplicate_of"].isna().to_numpy()]
actors_key = ct.keyness(actor_tokens(ru[ru["language"] == "pl"]),
                        actor_tokens(ru[ru["language"] == "en"]))  # fmt: skip
ct.save_table(actors_key, "08_keyness_actors_pl_vs_en", figures_dir)
actors_key.round(3)


# %%
def word_keyness(language: str) -> pd.DataFrame:
    data = ct.corpus_matrix(press, language=language)
    is_russia = indexed.loc[data.doc_ids, "mentions_russia"].to_numpy()
    target = [t for t, r in zip(data.texts, is_russia, strict=True) if r]
    reference = [t for t, r in zip(data.texts, is_russia, strict=True) if not r]
    out = ct.keyness(target, reference)
    return out[out["n_target"] + out["n_reference"] >= 5]


key_en, key_pl = word_keyness("en"), word_keyness("pl")
ct.save_table(key_en.head(25), "08_keyness_russia_items_en", figures_dir)
ct.save_table(key_pl.head(25), "08_keyness_russia_items_pl", figures_dir)
shown = ["term", "g2", "log_ratio"]
pd.concat(
    [
        key_en.head(15)[shown].reset_index(drop=True).add_suffix(" (en)"),
        key_pl.head(15)[shown].reset_index(drop=True).add_suffix(" (pl)"),
    ],
    axis=1,
).round(2)

# %% [markdown]
# ## Russia in context (KWIC)
#
# Every mention of a Russia term in the Polish items of the summit week (11–17 September),
# matched by lemma (Rosja, Rosji, Rosją …) and by pattern (Putin, Kreml, Moskwa).

# %%
summit_week = press[press["date"].between("2023-09-11", "2023-09-17")]
pl_week = summit_week[summit_week["language"] == "pl"]
lines_pl = pd.concat(
    [ct.kwic(pl_week, "rosja", window=6, lemma=True),
     ct.kwic(pl_week, r"Putin\w*|Kreml\w*|Moskw\w*", window=6)],
    ignore_index=True,
).sort_values("doc_id", kind="stable")  # fmt: skip
lines_en = ct.kwic(summit_week[summit_week["language"] == "en"],
                   r"Russia\w*|Putin\w*|Kremlin|Moscow", window=6)  # fmt: skip
ct.save_table(lines_pl, "08_kwic_russia_pl_summit_week", figures_dir)
ct.save_table(lines_en, "08_kwic_russia_en_summit_week", figures_dir)
print(f"{len(lines_pl)} Polish and {len(lines_en)} English lines in the summit week")
lines_pl.head(15)

# %% [markdown]
# ## Who is named together
#
# Items (all languages) in which two actors are both named; edges for pairs named together
# in at least 20 items. North Korea itself is left out: the items were selected for naming
# it.

# %%
pairs = ct.actor_cooccurrence(tagged[tagged["duplicate_of"].isna()])
pairs = pairs.drop(index="north_korea", columns="north_korea")
plots.show_figure(plots.plot_cooccurrence(pairs, min_count=20), "08_cooccurrence", figures_dir)

# %% [markdown]
# ## Frames by dictionary
#
# Words per 1,000 tokens of three frames from the shipped *illustrative* YAML dictionary
# (`corpus_tools/data/dictionaries/russia_nk_frames.yaml`: military, diplomacy, sanctions;
# English and Polish word patterns), by month and language. It shows the tool; it is not a
# validated coding scheme.

# %%
from importlib import resources

frames_yaml = resources.files("corpus_tools") / "data" / "dictionaries" / "russia_nk_frames.yaml"
with resources.as_file(frames_yaml) as frames_path:
    frame_scores = ct.dictionary_scores(press, frames_path)
frames = ct.dictionary_by_period(
    frame_scores, press["date"], precision=press["date_precision"], groups=press["language"]
)
ct.save_table(frames, "08_dictionary_frames_by_month", figures_dir)
per_1000 = frames.set_index(["period", "group"])[
    ["military_share", "diplomacy_share", "sanctions_share"]
].mul(1000)
per_1000.unstack("group").round(1)

# %% [markdown]
# ## Findings and limitations

# %%
dip_peak = per_1000["diplomacy_share"].groupby(level="group").idxmax()
busiest = month.value_counts().head(2)
top_pl_actor = actors_key.iloc[0]
top_en_actor = actors_key.iloc[-1]


def effect(language: str) -> str:
    row = top_russia.loc[language]
    return f"{100 * row['estimate']:+.1f} [{100 * row['ci_lo']:+.1f}, {100 * row['ci_hi']:+.1f}]"


Markdown(
    f"- **Volume.** The busiest months are {busiest.index[0]:%B} ({busiest.iloc[0]} items) "
    f"and {busiest.index[1]:%B} ({busiest.iloc[1]}); the events table dates the Vostochny "
    f"summit to September and Shoigu's visit to July. Polish portals contribute "
    f"{by_language['pl'] / len(press):.0%} of the items.\n"
    f"- **Russia.** {overall.loc['pl', 'mean']:.0%} of Polish and "
    f"{overall.loc['en', 'mean']:.0%} of English items mention Russia; the monthly share "
    f"peaks in {peak.loc['en', 'month']:%B} for English and {peak.loc['pl', 'month']:%B} "
    f"for Polish items.\n"
    f"- **Topics.** Net of the outlet, the English topic most over-represented in Russia "
    f"items is '{top_russia.loc['en', 'label']}' ({effect('en')} percentage points); the "
    f"Polish one is '{top_russia.loc['pl', 'label']}' ({effect('pl')}).\n"
    f"- **Actors.** Among Russia–North Korea items, Polish items name "
    f"'{top_pl_actor['term']}' relatively most (G² = {top_pl_actor['g2']:.1f}, log-ratio "
    f"{top_pl_actor['log_ratio']:.2f}), English items '{top_en_actor['term']}' "
    f"(G² = {top_en_actor['g2']:.1f}).\n"
    f"- **Frames.** Diplomacy words are densest in {dip_peak['en'][0]:%B} in English "
    f"({per_1000.loc[dip_peak['en'], 'diplomacy_share']:.1f} per 1,000 tokens) and in "
    f"{dip_peak['pl'][0]:%B} in Polish "
    f"({per_1000.loc[dip_peak['pl'], 'diplomacy_share']:.1f}; illustrative dictionary).\n"
    f"- **Limitations.** One crawler's feed list (US outlets dominate the English part; ten "
    f"Polish portals); headline and lead only; keyword selection (North Korea named in the "
    f"headline or lead); monolingual topic models, so topics are compared within a language "
    f"and languages through actors and shares; keyness p-values ignore that items cluster by "
    f"outlet and story, so read G² as a ranking, not as a test."
)
