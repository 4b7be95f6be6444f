# ---
# jupyter:
#   corpus_tools:
#     analysis_version: 2.1.0
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
# Central News Agency (KCNA) for 24 December 2023 – 10 November 2024, collected by the
# public project [stiles/north-korea-news](https://github.com/stiles/north-korea-news)
# (repository licence CC0-1.0; the article texts are KCNA's). `fetch_kcna()` downloads the
# file pinned to a commit, verifies its sha256 and caches it under `$CORPUS_TOOLS_DATA`;
# without network a populated cache works offline.
#
# The questions: how often did KCNA's English stories mention Russia, month by month,
# compared with China, the United States, Japan and South Korea; and in which topics and
# sections did Russia appear. The order of the notebook is the order of the argument:
# (1) what a record is and how many unique stories there are, (2) how the archive was
# sampled, (3) the text repairs the archive needs, (4) how "mentions Russia" is measured
# and how well, (5) monthly shares with a baseline, (6) topics, chosen K and sections,
# (7) findings and limitations. Every number in the prose is printed by a code cell.

# %% tags=["parameters"]
figures_dir = None  # set by `corpus-tools reproduce`
seed = 0
n_boot = 1000
# K grid of select_k: 4 K times 3 seeds is 12 fits, about a minute
ks = [8, 12, 16, 20]
k_seeds = [0, 1, 2]
start = "2024-08-01"  # first month of the daily collection (section 2)
n_draws, n_sims = 25, 20  # topic_regression: posterior x coefficient draws
min_section = 30  # smaller sections are pooled as "other" in the regression (section 6)

# %%
import re
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.figure import Figure
from scipy import stats

import corpus_tools as ct
from corpus_tools import plots

records = ct.fetch_kcna()  # texts repaired by the shipped `kcna` profile (section 3)
raw = ct.fetch_kcna(profile=None)  # the texts as archived, for the before/after counts
print(
    f"{len(records)} records, {records['text'].notna().sum()} with text, "
    f"{records['date'].min():%Y-%m-%d} to {records['date'].max():%Y-%m-%d}, "
    f"date precision: {', '.join(records['date_precision'].unique())}"
)

# %% [markdown]
# ## 1 · Records and unique stories
#
# A record of the archive is one *listing*: a story that KCNA shows under several
# sections of its site is one record per section. The section is the record's `topic`
# field (kept as the corpus column `topic`). `fetch_kcna` marks each copy in
# `duplicate_of` with the record it copies; photo and video records have no text. A
# few links were archived twice, on the same date and in the same section but with an
# edited headline and text: KCNA revised the story between two scrapes. The function
# below keeps one row per story (its first version) and lists every section that
# carried it.


# %%
def unique_stories(records: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """One row per story with text (the first archived version), and each record's role.

    Copies (``duplicate_of`` set) belong to the story they copy; a second version of a
    link belongs to the link's first story. ``sections`` lists every section that
    carried the story, over all its copies and versions.
    """
    has_text = records["text"].notna().to_numpy()
    copy = records["duplicate_of"].notna().to_numpy()
    canonical = records[has_text & ~copy]
    first = canonical.groupby("url", sort=False)["doc_id"].transform("first")
    revision = pd.Series(False, index=records.index)
    revision[canonical.index] = (canonical["doc_id"] != first).to_numpy()
    to_first = pd.Series(first.to_numpy(), index=canonical["doc_id"].to_numpy())
    story = records["duplicate_of"].fillna(records["doc_id"])[has_text].map(to_first)
    sections = records.loc[has_text, "topic"].groupby(story).agg(lambda s: tuple(sorted(set(s))))
    role = np.select(
        [~has_text, copy, revision.to_numpy()],
        ["no text", "cross-listed copy", "revised version"],
        "unique story",
    )
    stories = canonical[~revision[canonical.index].to_numpy()].copy()
    stories["sections"] = stories["doc_id"].map(sections)
    return stories.reset_index(drop=True), pd.Series(role, index=records.index, name="role")


stories, role = unique_stories(records)
copies = records[records["duplicate_of"].notna()]
originals = records.set_index("doc_id").loc[copies["duplicate_of"]]
n_exact = int((copies["content_sha256"].to_numpy() == originals["content_sha256"].to_numpy()).sum())
n_same_day = int((copies["date"].to_numpy() == originals["date"].to_numpy()).sum())
counts = role.value_counts()
n_media = int(records.loc[role.eq("no text"), "topic"].isin(["Photo", "Video"]).sum())
display(
    Markdown(
        f"The archive holds **{len(records):,} records**. "
        f"{counts['no text']} have no text: {n_media} in the Photo and Video "
        "sections, whose pages the scraper lists but never reads, and "
        f"{counts['no text'] - n_media} listings whose text came back empty. "
        f"{counts['cross-listed copy']} are copies of a story cross-listed under another "
        f"section: {n_exact} of them with a text identical to the kept record and "
        f"{n_same_day} on the same date. {counts['revised version']} are a second, edited "
        "version of a link already archived (the first version is kept). That leaves "
        f"**{len(stories):,} unique stories**; every count and model below is computed "
        "on them."
    )
)
pd.crosstab(records["topic"], role, margins=True, margins_name="all")

# %%
n_sections = stories["sections"].map(len)
display(
    Markdown(
        f"{int((n_sections > 1).sum())} of the {len(stories):,} stories appear in more "
        f"than one section (up to {n_sections.max()}); the most common listings:"
    )
)
stories["sections"].map(" + ".join).value_counts().head(8).rename_axis("sections").to_frame(
    "stories"
)

# %% [markdown]
# ## 2 · How the archive was sampled
#
# The upstream collector (`fetch_kcna.py` of stiles/north-korea-news, as run in October
# 2024, and its GitHub Actions workflow) runs **once a day at 01:00 UTC**. It reads the
# section menu of kcna.kp, keeps **the first five articles listed on each section page**
# (photo and video pages likewise), fetches the story text for the text sections only,
# and merges the result into the archive, dropping records whose headline and link are
# already there. Its README states that the archive began in August 2024; the first
# dated archive file is `headlines_2024-08-04.json`. So the archive is not KCNA's output
# but a capped daily sample of it: at most five new listings per section per day, and
# for stories before August only what was still on the slow sections' pages at the first
# runs. The data agree:

# %%
collected = stories[stories["date"] >= pd.Timestamp(start)]
per_day = collected.groupby(collected["date"].dt.normalize()).size()
calendar = pd.date_range(start, records["date"].max(), freq="D")
per_section_day = (
    records[records["date"] >= pd.Timestamp(start)]
    .groupby(["topic", records["date"].dt.normalize()])
    .size()
)
busiest = per_section_day.groupby(level="topic").median().sort_values(ascending=False)
early = stories[stories["date"] < pd.Timestamp(start)]
early_sections = early["topic"].value_counts()
display(
    Markdown(
        f"From {start} to {records['date'].max():%Y-%m-%d}, "
        f"{len(per_day)} of the {len(calendar)} calendar "
        f"days have stories, {len(collected):,} unique stories in all (a median of "
        f"{per_day.median():.0f} a day). "
        f"The two busiest sections, {busiest.index[0]} and {busiest.index[1]}, list a "
        f"median of {busiest.iloc[0]:.0f} and {busiest.iloc[1]:.0f} records per "
        "publication day: the five-per-day cap binds there, so their stories are "
        "under-sampled relative to slower sections. Before August there are only "
        f"{len(early)} stories over {early['date'].dt.to_period('M').nunique()} months, "
        f"{early_sections.head(4).sum()} of them from {', '.join(early_sections.index[:4])}: "
        "the backlog still listed on slow section pages at the first runs. **Monthly "
        f"shares are therefore compared only from {start[:7]} on**, and they are shares of "
        "the sampled stories, not of KCNA's output."
    )
)
month = ct.period_of(stories["date"], "M", precision=stories["date_precision"])
pd.DataFrame(
    {
        "records": records.groupby(ct.period_of(records["date"], "M")).size(),
        "unique stories": stories.groupby(month).size(),
        "days with a story": stories.groupby(month)["date"].agg(
            lambda d: d.dt.normalize().nunique()
        ),
    }
).fillna(0).astype(int).rename_axis("month")

# %% [markdown]
# ## 3 · Text repair and boilerplate: the `kcna` profile
#
# The scraper joins the text pieces of each paragraph without a separator
# (BeautifulSoup's `get_text(strip=True)`). KCNA evidently sets the three leaders' names
# apart in the page (only they are glued; Kim Yo Jong or Kim Tok Hun never are), so the
# spaces around them are lost ("The respected ComradeKim Jong Unvisited ..."). Most
# stories also start with a dateline ("Pyongyang, November 5 (KCNA) -- ") and end with
# the wire mark "-0-". The
# shipped boilerplate profile `kcna` (`corpus_tools/data/profiles/kcna.yaml`) repairs
# the names and removes dateline and end mark with in-line `replace` rules;
# `fetch_kcna()` applies it by default. Its rules, and what they change in the
# unique stories:

# %%
profile = ct.load_profile("kcna")
before = raw.set_index("doc_id").loc[stories["doc_id"], "text"].reset_index(drop=True)
repaired = [profile.clean(text) for text in before]
changes = pd.DataFrame([counts_ for _, counts_ in repaired]).fillna(0).astype(int)
display(
    pd.DataFrame(
        {
            "kind": [rule.kind for rule in profile.rules],
            "changes": [int(changes.get(rule.id, pd.Series(0)).sum()) for rule in profile.rules],
            "stories changed": [
                int(changes.get(rule.id, pd.Series(0)).gt(0).sum()) for rule in profile.rules
            ],
            "description": [rule.description for rule in profile.rules],
        },
        index=pd.Index([rule.id for rule in profile.rules], name="rule"),
    )
)
GLUED = re.compile(r"[A-Za-z]Kim Jong Un|Kim Jong Un[A-Za-z]")
DATELINE = re.compile(r"\A[A-Z][A-Za-z' ]*, [A-Z][a-z]+ \d{1,2} \(KCNA\)")
after = stories["text"]
kju_before, kju_after = before.str.contains("Kim Jong Un"), after.str.contains("Kim Jong Un")
vocabulary = {
    name: set(ct.corpus_matrix(frame.assign(text=texts), language="en").feature_names)
    for name, frame, texts in [("before", stories, before.to_numpy()), ("after", stories, after)]
}
display(
    Markdown(
        f"Before repair, {int(before[kju_before].str.contains(GLUED).sum())} of the "
        f"{int(kju_before.sum())} stories that mention Kim Jong Un have his name glued to a "
        f"neighbouring word; after it, {int(after[kju_after].str.contains(GLUED).sum())} of "
        f"{int(kju_after.sum())}. {int(before.str.contains(DATELINE).sum())} of the "
        f"{len(stories):,} stories begin with a dateline before, "
        f"{int(after.str.contains(DATELINE).sum())} after. In the prepared vocabulary, "
        f"`comradekim` and `unwas` are "
        f"{'present' if {'comradekim', 'unwas'} <= vocabulary['before'] else 'absent'} before "
        f"and {'present' if {'comradekim', 'unwas'} & vocabulary['after'] else 'absent'} "
        f"after the repair ({len(vocabulary['before']):,} → {len(vocabulary['after']):,} "
        "terms)."
    )
)

# %% [markdown]
# ## 4 · Measuring "mentions Russia", and a baseline of four other countries
#
# A story mentions a country when its headline or text names the country, its capital or
# government by metonym, its people or adjective, or its leader. For Russia the shipped
# actor lexicon (`actors.yaml`) now carries all of it: the group `russia_side`
# (`ct.actor_groups()`: Russia, the Kremlin, Moscow, Putin and his officials, Kursk,
# Vladivostok, Vostochny) with the adjectives and demonyms ("Russian(s)") that
# `tag_actors` matches by default. For the baseline countries the lexicon has the country
# names (and for Japan no entry), so **this notebook adds each missing term as an explicit
# case-insensitive, whole-word regular expression** (the dictionary below is the whole
# definition; tests/test_kcna.py reads it from here). The same construction, lexicon
# then regex, is used for every country, so the baseline is measured like Russia.

# %%
COUNTRIES = {
    # country: (actor or group ids of the shipped lexicon, regex for what it lacks)
    # The lexicon group flags exactly the stories that the earlier explicit rule (ten
    # actor ids plus the regex "Russians?|Kremlin") flagged, so the hand-labelled sample,
    # drawn with that rule, still validates this one (tests/test_kcna.py checks it).
    "Russia": (["russia_side"], None),
    "China": (["china"], r"\b(?:Chinese|Beijing|Xi Jinping)\b"),
    "United States": (
        ["united_states"],
        r"(?<!Latin )\b(?:Americans?|Washington|White House|Biden|Blinken)\b",
    ),
    "Japan": ([], r"\b(?:Japan|Japanese|Tokyo|Kishida|Ishiba)\b"),
    "South Korea": (["south_korea"], r"\b(?:South Koreans?|Seoul|Yoon Suk Yeol)\b"),
}


tagged = ct.tag_actors(stories)  # once: filter_corpus reuses the actor columns


def mentions(ids: list[str], pattern: str | None) -> pd.DataFrame:
    """Per story: named by the lexicon ids, by the added regex, and by either."""
    by_lexicon = (
        tagged.index.isin(ct.filter_corpus(tagged, any_of=ids).index)
        if ids
        else (np.zeros(len(tagged), dtype=bool))
    )
    headline_and_text = stories["title"].fillna("") + "\n" + stories["text"]
    by_regex = (
        headline_and_text.str.contains(pattern, flags=re.IGNORECASE).to_numpy()
        if pattern
        else np.zeros(len(stories), dtype=bool)
    )
    return pd.DataFrame({"lexicon": by_lexicon, "regex": by_regex, "either": by_lexicon | by_regex})


flags = {country: mentions(*definition) for country, definition in COUNTRIES.items()}
mentioned = pd.DataFrame({country: f["either"] for country, f in flags.items()})
pd.DataFrame(
    {
        "stories (lexicon)": {c: int(f["lexicon"].sum()) for c, f in flags.items()},
        "added by the regex": {
            c: int((f["regex"] & ~f["lexicon"]).sum()) for c, f in flags.items()
        },
        "stories (either)": mentioned.sum(),
    }
).rename_axis("country")

# %% [markdown]
# ### How well the Russia measure works: a hand-labelled sample
#
# A stratified sample of unique stories was read and labelled by hand (one annotator,
# for this notebook): does the story refer to Russia (the state, its government,
# officials, places, organisations or people) by name? Allusions that do not name
# Russia ("a just strategic axis") and the Soviet Union alone count as no. The labels,
# keyed by the story's link, are in `tests/data/kcna_russia_labels.csv` (no texts are
# stored; `tests/test_kcna.py` reads the texts from the data cache and checks the
# design). Strata: **flagged** (a random sample of the stories the measure flags),
# **cue** (every unflagged story with a term that often comes with Russia: Soviet,
# Ukraine, Belarus, NATO, Europe, Russian first names, ...: a census) and **rest** (a
# random sample of all other stories). Precision comes from the flagged stratum, missed
# stories from the other two; Clopper–Pearson intervals give a conservative lower bound
# on recall.

# %%
labels = pd.read_csv(Path("..") / "tests" / "data" / "kcna_russia_labels.csv")
# What the adjectives and demonyms add: the same group matched by names only.
names_only = ct.filter_corpus(
    ct.tag_actors(stories, lexicon=ct.load_lexicon()),
    any_of=["russia_side"],
    lexicon=ct.load_lexicon(),
)
russia = flags["Russia"].assign(
    link=stories["url"].to_numpy(), names=stories.index.isin(names_only.index)
)
labelled = labels.merge(russia, on="link", how="left", validate="one_to_one")
size = {
    "flagged": int(russia["either"].sum()),
    "cue": int((labels["stratum"] == "cue").sum()),  # a census
}
size["rest"] = len(stories) - size["flagged"] - size["cue"]
by_stratum = labelled.groupby("stratum")["russia"].agg(["size", "sum"])


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    """Exact 95% interval of a binomial proportion."""
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return ci.low, ci.high


precision = by_stratum.loc["flagged", "sum"] / by_stratum.loc["flagged", "size"]
precision_lo, _ = clopper_pearson(*by_stratum.loc["flagged", ["sum", "size"]])
missed = (
    size["cue"] * by_stratum.loc["cue", "sum"] / by_stratum.loc["cue", "size"]
    + size["rest"] * by_stratum.loc["rest", "sum"] / by_stratum.loc["rest", "size"]
)
_, rest_hi = clopper_pearson(*by_stratum.loc["rest", ["sum", "size"]])
missed_hi = by_stratum.loc["cue", "sum"] + size["rest"] * rest_hi
found = size["flagged"] * precision
recall = found / (found + missed)
recall_lo = size["flagged"] * precision_lo / (size["flagged"] * precision_lo + missed_hi)
positives = labelled[labelled["russia"] == 1]
display(
    by_stratum.rename(columns={"size": "labelled", "sum": "about Russia"}).assign(
        **{"stories in stratum": pd.Series(size)}
    )
)
display(
    Markdown(
        f"Precision: {precision:.2f} ({by_stratum.loc['flagged', 'sum']} of "
        f"{by_stratum.loc['flagged', 'size']} flagged stories are about Russia; 95% lower "
        f"bound {precision_lo:.2f}). Missed stories: {by_stratum.loc['cue', 'sum']} in the "
        f"cue census and {by_stratum.loc['rest', 'sum']} of {by_stratum.loc['rest', 'size']} "
        f"in the rest sample, so estimated recall is {recall:.2f}; with the 95% upper "
        f"bound of {missed_hi:.0f} missed stories, recall is at least {recall_lo:.2f}. "
        f"The lexicon's names alone (no adjectives or demonyms) find "
        f"{int(positives['names'].sum())} of the {len(positives)} labelled Russia stories; "
        f"with its adjectives and demonyms it finds "
        f"{int(positives['lexicon'].sum())}."
    )
)

# %% [markdown]
# ## 5 · Russia and the baseline, month by month
#
# The share of the month's unique stories that mention each country, with percentile
# bootstrap 95% intervals (stories resampled within the month, `ct.topic_prevalence` on
# the 0/1 mention indicators). The first table covers every month, including the sparse
# backlog before the daily collection.

# %%
shares = ct.topic_prevalence(
    mentioned.astype(float), month, n_boot=n_boot, random_state=seed
).rename(columns={"topic": "country", "group": "month"})
table = shares.pivot(index="month", columns="country", values="mean").round(3)
table.insert(0, "stories", shares.groupby("month")["n_docs"].first())
table


# %%
def plot_country_shares(shares: pd.DataFrame) -> Figure:
    """One panel per country: monthly share and interval, months at their midpoints.

    Russia is repeated as a grey dashed line in the other panels for comparison; the
    number of stories per month is under each tick.
    """
    months = pd.PeriodIndex(shares["month"].unique(), freq="M").sort_values()
    starts, ends = months.to_timestamp(how="start"), months.to_timestamp(how="end")
    mid = starts + (ends - starts) / 2
    n = shares.groupby("month")["n_docs"].first().loc[months]
    table = shares.set_index(["country", "month"])
    with plots.style():
        fig = Figure(figsize=(plots.DOUBLE_COLUMN_IN, 2.2), layout="constrained")
        axes = fig.subplots(1, len(COUNTRIES), sharey=True)
        for i, (ax, country) in enumerate(zip(axes, COUNTRIES, strict=True)):
            rows = table.loc[country].loc[months]
            colour = plots.OKABE_ITO[i]
            if country != "Russia":
                reference = table.loc["Russia"].loc[months, "mean"]
                ax.plot(mid, reference, color="0.6", linestyle="--", linewidth=0.9)
            ax.fill_between(mid, rows["lo"], rows["hi"], color=colour, alpha=0.3, linewidth=0)
            ax.plot(mid, rows["mean"], marker="o", color=colour)
            ax.set_title(country)
            ax.set_xticks(mid, [f"{m:%b}\n{k}" for m, k in zip(months, n, strict=True)])
        axes[0].set_ylabel("Share of unique stories")
        axes[0].set_ylim(0, None)
    return fig


dense = shares[shares["month"] >= pd.Period(start, "M")]
plots.show_figure(plot_country_shares(dense), "06_kcna_country_shares", figures_dir)

# %%
n_dense = int(dense.groupby("month")["n_docs"].first().sum())
display(
    Markdown(
        f"**Figure 1.** Share of KCNA's unique English stories that mention each country, "
        f"per month of 2024 from {start[:7]}, plotted at mid-month (n = {n_dense:,} "
        "stories; the number per month is under each month; November covers 1–10 "
        "November). Bands: percentile bootstrap 95% intervals, "
        f"{n_boot:,} resamples of stories within each month. Grey dashed line: the Russia "
        "share, repeated for comparison. A story can mention several countries."
    )
)

# %% [markdown]
# For comparison with the first version of this notebook, which counted every record:
# there a cross-listed story counted once per section that listed it.

# %%
record_story = records["duplicate_of"].fillna(records["doc_id"])
story_russia = pd.Series(flags["Russia"]["either"].to_numpy(), index=stories["doc_id"])
per_record = record_story.map(story_russia)  # copies inherit their story's flag
record_month = ct.period_of(records["date"], "M", precision=records["date_precision"])
august = pd.Period("2024-08", "M")
with_text = records["text"].notna()
share_records = per_record[with_text & (record_month == august)].mean()
share_all_records = per_record[record_month == august].fillna(False).astype(bool).mean()
share_stories = mentioned.loc[(month == august).to_numpy(), "Russia"].mean()
listings = (
    stories["sections"].map(len).groupby(np.where(mentioned["Russia"], "Russia", "other")).mean()
)
display(
    Markdown(
        f"August 2024, share mentioning Russia: {share_all_records:.3f} of all records "
        f"(text-less ones counted as no), {share_records:.3f} of records with text "
        f"(copies counted), **{share_stories:.3f} of unique stories**. Over all months, "
        f"a story naming Russia is listed in {listings['Russia']:.2f} sections on "
        f"average, any other story in {listings['other']:.2f}."
    )
)

# %% [markdown]
# ## 6 · Topics: choosing K, then topics by month and by section
#
# `ct.select_k` fits LDA for every K of the grid and three seeds, on 90% of the stories
# (10% held out for perplexity), and scores each fit by NPMI coherence of the top terms
# and by the stability of the topics across seeds. **Rule** (the library's
# `ct.choose_k`, the one rule every notebook uses): among the K whose mean coherence over
# seeds is within one standard error of the best mean, take the most stable; ties go to
# the smaller K.

# %%
data = ct.corpus_matrix(stories, language="en")
selection = ct.select_k(
    data.X, ks, seeds=k_seeds, texts=data.texts, feature_names=data.feature_names
)
plots.show_figure(plots.plot_model_selection(selection), "06_kcna_model_selection", figures_dir)

# %%
k = ct.choose_k(selection)
# The table behind the choice, for the reader (the choice itself is choose_k's).
by_k = selection.groupby("k").agg(
    c_npmi=("c_npmi", "mean"),
    se=("c_npmi", "sem"),
    stability=("stability", "mean"),
    perplexity=("perplexity", "mean"),
)
best_k = by_k["c_npmi"].idxmax()
by_k["eligible"] = by_k["c_npmi"] >= by_k.loc[best_k, "c_npmi"] - by_k.loc[best_k, "se"]
display(by_k.round(3))
display(
    Markdown(
        f"**Figure 2.** Model selection on {data.X.shape[0]:,} unique stories "
        f"({data.X.shape[1]:,} terms), LDA fitted for each K with {len(k_seeds)} seeds on 90% "
        "of the stories: lines are means over seeds, bands the range over seeds; stability "
        f"is one value per K. Best mean coherence at K = {best_k}; "
        f"within one standard error of it: K = "
        f"{', '.join(map(str, by_k.index[by_k['eligible']]))}; the most stable of these, "
        f"**K = {k}**, is used below. Held-out perplexity rises with K over the whole grid "
        f"({by_k['perplexity'].iloc[0]:,.0f} at K = {by_k.index[0]} to "
        f"{by_k['perplexity'].iloc[-1]:,.0f} at K = {by_k.index[-1]}), so it would pick "
        "the smallest K; with about a thousand short stories it is not used for the choice."
    )
)

# %%
fit = ct.fit_corpus(stories, k=k, random_state=seed, language="en")
print(fit.data.summary())
# Short labels (the first two FREX terms) name the topics on every axis and table.
short = [", ".join(label.split(", ")[:2]) for label in fit.model.labels_]
topic_labels = [s if short.count(s) == 1 else f"{s} ({i})" for i, s in enumerate(short)]
pd.DataFrame(
    {
        "label": topic_labels,
        "FREX label": fit.model.labels_,
        "top terms": map(", ".join, fit.model.top_terms_lists(8)),
    }
).rename_axis("topic")

# %%
plots.show_figure(
    plots.plot_top_terms(fit.model.top_terms(10), labels=topic_labels),
    "06_kcna_top_terms",
    figures_dir,
)

# %%
display(
    Markdown(
        f"**Figure 3.** The ten most probable terms of each of the {k} topics "
        f"(LDA, seed {seed}, fitted on all {fit.data.X.shape[0]:,} unique stories)."
    )
)

# %%
theta = pd.DataFrame(fit.model.doc_topic_, columns=topic_labels)
modelled = stories.set_index("doc_id").loc[fit.data.doc_ids].reset_index()
modelled_month = ct.period_of(modelled["date"], "M", precision=modelled["date_precision"])
in_dense = (modelled_month >= pd.Period(start, "M")).to_numpy()
prevalence = ct.topic_prevalence(  # topic numbers, so the panels keep the model's order
    fit.model.doc_topic_[in_dense], modelled_month[in_dense], n_boot=n_boot, random_state=seed
)
plots.show_figure(
    plots.plot_prevalence(prevalence, events=plots.load_events(), labels=topic_labels),
    "06_kcna_prevalence",
    figures_dir,
)

# %%
display(
    Markdown(
        f"**Figure 4.** Mean topic share per month from {start[:7]} "
        f"(n = {int(in_dense.sum()):,} stories), with percentile bootstrap 95% intervals "
        f"({n_boot:,} resamples of stories within each month); vertical lines: dated "
        "events of `corpus_tools/data/events.csv`."
    )
)

# %% [markdown]
# ### Which topics carry Russia, and which sections
#
# First, descriptively: the mean topic shares of the stories that mention Russia and of
# those that do not, each with its bootstrap interval. Then a prevalence regression
# (`ct.topic_regression`, the analogue of stm's `estimateEffect`): each topic's share
# regressed on the story's section and on whether it names Russia, so the Russia effect
# is net of where KCNA filed the story. The section is the one of the story's first
# archived listing; sections with fewer than `min_section` stories are pooled as
# "other", and Home News, KCNA's domestic reporting, is the reference level. The
# intervals propagate the topic model's uncertainty (draws of each story's shares from
# its LDA posterior, the method of composition).

# %%
covers = pd.Series(
    np.where(flags["Russia"]["either"].to_numpy(), "mentions Russia", "does not"),
    index=stories["doc_id"],
).loc[fit.data.doc_ids]
by_russia = ct.topic_prevalence(theta, covers.to_numpy(), n_boot=n_boot, random_state=seed)
means = by_russia.pivot(index="topic", columns="group", values="mean")
contrast = by_russia.assign(
    ci=[f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in by_russia[["mean", "lo", "hi"]].to_numpy()]
).pivot(index="topic", columns="group", values="ci")
contrast["difference"] = (means["mentions Russia"] - means["does not"]).round(3)
contrast = contrast.sort_values("difference", ascending=False)
contrast.columns.name = f"mean share [95% CI]; n = {covers.value_counts().to_dict()}"
contrast

# %%
SHORT_SECTIONS = {
    "WPK General Secretary Kim Jong Un's Revolutionary Activities": "Kim Jong Un's activities",
    "Always in Memory of People": "Always in Memory",
    "Celebrations for New Year": "New Year",
}
section = modelled["topic"].replace(SHORT_SECTIONS)
section = section.where(section.map(section.value_counts()) >= min_section, "other")
levels = ["Home News", *sorted(set(section) - {"Home News"})]  # the first is the reference
covariates = pd.DataFrame(
    {
        "section": pd.Categorical(section, categories=levels),
        "russia": (covers.to_numpy() == "mentions Russia").astype(float),
    }
)
effects = ct.topic_regression(
    fit, covariates, "~ section + russia", n_draws=n_draws, n_sims=n_sims, random_state=seed
)
effects["topic"] = effects["topic"].map(dict(enumerate(topic_labels)))
effects.pivot(index="topic", columns="term", values="estimate").loc[topic_labels].round(3)

# %%
figure = plots.plot_topic_regression(effects, terms=["russia"], labels=topic_labels, ncols=1)
figure.axes[0].set_title("Story names Russia (adjusted for section)", fontsize=8.0)
plots.show_figure(figure, "06_kcna_russia_effect", figures_dir)

# %%
n_regression = len(covariates)
n_russia = int(covariates["russia"].sum())
display(
    Markdown(
        "**Figure 5.** Difference in each topic's share (percentage points) between stories "
        "that name Russia and stories that do not, in the same section: OLS of the share on "
        f"section and the Russia indicator, n = {n_regression:,} modelled stories "
        f"({n_russia} naming Russia). Dots: estimates; lines: 95% intervals by the method "
        f"of composition ({n_draws} draws of every story's topic shares from its LDA "
        f"posterior, {n_sims} coefficient draws each; percentiles)."
    )
)

# %%
section_terms = [f"section[T.{level}]" for level in levels[1:]]
figure = plots.plot_topic_regression(effects, terms=section_terms, labels=topic_labels, ncols=3)
for ax, level in zip(figure.axes, levels[1:], strict=False):  # "section = X" is too wide
    ax.set_title(level, fontsize=8.0)
plots.show_figure(figure, "06_kcna_sections", figures_dir)

# %%
section_n = section.value_counts().loc[levels]
display(
    Markdown(
        "**Figure 6.** Difference in each topic's share (percentage points) between each "
        "section and Home News (the reference), holding the Russia indicator fixed; same "
        f"regression, n = {n_regression:,} and the same 95% intervals as Figure 5. Stories "
        "per section (the first archived listing of each story): "
        + ", ".join(f"{s} {n}" for s, n in section_n.items())
        + f'; "other" pools the sections with fewer than {min_section} stories.'
    )
)

# %% [markdown]
# ## 7 · Findings and limitations

# %%
in_period = (month >= pd.Period(start, "M")).to_numpy()
period = mentioned[in_period].astype(float)
# Paired bootstrap over the same stories: the share of Russia minus each baseline country.
rng = np.random.default_rng(seed)
weights = rng.multinomial(len(period), np.full(len(period), 1 / len(period)), size=n_boot)
boot = weights @ period.to_numpy() / len(period)
share_ci = pd.DataFrame(
    {
        "share": period.mean(),
        "lo": np.quantile(boot, 0.025, axis=0),
        "hi": np.quantile(boot, 0.975, axis=0),
    },
    index=period.columns,
)
differences = boot[:, [0]] - boot[:, 1:]
versus = pd.DataFrame(
    {
        "Russia minus country": period["Russia"].mean() - period.iloc[:, 1:].mean(),
        "lo": np.quantile(differences, 0.025, axis=0),
        "hi": np.quantile(differences, 0.975, axis=0),
    }
)
versus["Russia is"] = np.select(
    [versus["lo"] > 0, versus["hi"] < 0],
    ["named more often", "named less often"],
    "not distinguishable",
)
display(share_ci.round(3), versus.round(3))
by_month = pd.crosstab(month[in_period].astype(str).to_numpy(), period["Russia"].to_numpy() > 0)
chi2, p_months, dof, _ = stats.chi2_contingency(by_month)
russia_dense = dense[dense["country"] == "Russia"].set_index("month")
peak, low = russia_dense["mean"].idxmax(), russia_dense["mean"].idxmin()
baseline = dense[dense["country"] != "Russia"].reset_index(drop=True)
top = baseline.loc[baseline["mean"].idxmax()]
carriers = contrast.index[:2]
verdict = (
    "these differences are within what sampling alone produces"
    if p_months >= 0.05
    else "the share differs between months"
)


def share(row: pd.Series) -> str:
    return f"{row['mean']:.3f} [{row['lo']:.3f}, {row['hi']:.3f}]"


def adjusted(topic: str) -> str:
    row = effects[(effects["topic"] == topic) & (effects["term"] == "russia")].iloc[0]
    return f"{100 * row['estimate']:+.1f} [{100 * row['ci_lo']:+.1f}, {100 * row['ci_hi']:+.1f}]"


def compared(country: str) -> str:
    row = versus.loc[country]
    return (
        f"{country} {share_ci.loc[country, 'share']:.1%} ({row['Russia is']}: "
        f"{row['Russia minus country']:+.3f} [{row['lo']:+.3f}, {row['hi']:+.3f}])"
    )


display(
    Markdown(
        f"""**Findings** (unique stories, {start} – {records["date"].max():%Y-%m-%d},
n = {n_dense:,}; intervals are 95% bootstrap intervals over stories).

1. Russia is named in {share_ci.loc["Russia", "share"]:.1%}
   [{share_ci.loc["Russia", "lo"]:.1%}, {share_ci.loc["Russia", "hi"]:.1%}] of KCNA's sampled
   English stories. Against the baseline (share, and Russia minus it):
   {"; ".join(compared(c) for c in versus.index)}.
2. Month by month the Russia share runs from {russia_dense.loc[low, "mean"]:.3f}
   ({low:%B}) to {russia_dense.loc[peak, "mean"]:.3f} ({peak:%B}, ten days only); a
   χ² test of equal shares over the {len(by_month)} months gives p = {p_months:.2f}, so
   {verdict}.
   The largest monthly share of any baseline country is {top["country"]} in
   {top["month"]:%B %Y}, {share(top)}.
3. Stories that name Russia concentrate in the topics "{carriers[0]}"
   (mean share {means.loc[carriers[0], "mentions Russia"]:.3f} against
   {means.loc[carriers[0], "does not"]:.3f} in the other stories) and "{carriers[1]}"
   ({means.loc[carriers[1], "mentions Russia"]:.3f} against
   {means.loc[carriers[1], "does not"]:.3f}). Net of the section (Figure 5), naming
   Russia changes the share of "{carriers[0]}" by {adjusted(carriers[0])} and of
   "{carriers[1]}" by {adjusted(carriers[1])} percentage points.
4. Counting records instead of stories overstates Russia: in August 2024 the share is
   {share_records:.3f} of the records with text but {share_stories:.3f} of the unique
   stories, because stories naming Russia are cross-listed in more sections
   ({listings["Russia"]:.2f} on average against {listings["other"]:.2f}).
5. The Russia measure has precision {precision:.2f} and estimated recall {recall:.2f}
   (conservative lower bound {recall_lo:.2f}) on the hand-labelled sample; the shipped
   lexicon's names alone find {int(positives["names"].sum())} of the {len(positives)}
   labelled Russia stories; its adjectives and demonyms ("Russian(s)") bring it to
   {int(positives["lexicon"].sum())}.

**Limitations.**
- The archive is a capped daily sample (five listings per section per day) that begins in
  August 2024: shares describe the sampled stories, the busiest sections are
  under-sampled, and months before August (a backlog of slow sections) are not compared.
  November covers ten days.
- "Mentions" means explicit naming in headline or text; KCNA's allusions ("strategic
  axis") are not counted, and a passing mention counts as much as a story about Russia.
- Recall is validated for Russia only, by one annotator; the baseline countries use the
  same construction but their recall was not measured.
- Topics come from one LDA fit (seed {seed}); K was chosen on a {len(ks)}-point grid with
  {len(k_seeds)} seeds. The section covariate is each story's first archived listing,
  although {int((n_sections > 1).sum())} stories were listed in several sections."""
    )
)
