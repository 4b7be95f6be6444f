"""Generate the SYNTHETIC demo corpus with its ground truth.

The corpus imitates the on-disk format of the researchers' scraped news folders
(``<root>/<outlet_slug>/NNN_<16 hex>.txt``; first line `` date YYYY-MM <caption> Źródło:
<credit>``; blank-line separated paragraphs mixed with portal boilerplate). Its articles are
composed from sentences written for this project around real, dated events
(``corpus_tools/data/events.csv``) with a planted topic mixture per document, so a method
can be checked against structure known to be there. It validates the method and makes no
claim about real press coverage.

Run ``python -m corpus_tools.demo.generate --out DIR`` to write ``DIR/corpus/...``,
``DIR/ground_truth.csv`` and ``DIR/topics.csv``; ``--ship`` refreshes the packaged copy in
``corpus_tools/data/demo``. The same seed always gives the same bytes. ``--hard`` writes a
harder variant (``hard`` in ``facts.yaml``): a background vocabulary of thousands of
types in every sentence, topics borrowing each other's words, evenly mixed documents and
off-topic documents; it checks how recovery degrades, and is never shipped.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import io
import itertools
import lzma
import re
import tarfile
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import stopwordsiso
import yaml
from simplemma.strategies.dictionaries import DefaultDictionaryFactory

from ..errors import CorpusToolsError

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE.parent / "data"
SHIPPED_DIR = DATA_DIR / "demo"
ARCHIVE_NAME = "corpus.tar.xz"
TRUTH_NAME = "ground_truth.csv"
TOPICS_NAME = "topics.csv"
LANGUAGES: tuple[str, ...] = ("pl", "en", "ru", "ko")
_SLOT = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"[^\W\d_]+")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class DemoGenerationError(CorpusToolsError):
    """The demo corpus cannot be written where asked."""


# ---- inputs -------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Template:
    """One sentence pattern and the first day it may be used."""

    text: str
    since: dt.date


@dataclasses.dataclass(frozen=True)
class TopicPhrases:
    """What one language says about one topic."""

    captions: tuple[str, ...]
    subheadings: tuple[str, ...]
    slots: Mapping[str, tuple[str, ...]]
    sentences: tuple[Template, ...]


@dataclasses.dataclass(frozen=True)
class PhraseBook:
    """All text of one language: boilerplate, slot fillers, topics and event leads."""

    language: str
    boilerplate: Mapping[str, str]
    credits: tuple[str, ...]
    headlines: tuple[str, ...]
    slots: Mapping[str, tuple[str, ...]]
    topics: Mapping[str, TopicPhrases]
    events: Mapping[str, tuple[str, ...]]


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _template(raw: str | Mapping[str, str], default_since: dt.date) -> Template:
    if isinstance(raw, str):
        return Template(raw, default_since)
    return Template(raw["text"], _day(raw["since"]))


def load_facts() -> dict[str, Any]:
    """Return the generation plan (``facts.yaml``) of the SYNTHETIC demo corpus."""
    return yaml.safe_load((HERE / "facts.yaml").read_text(encoding="utf-8"))


def load_events() -> list[dict[str, str]]:
    """Return the rows of ``corpus_tools/data/events.csv`` (real, dated events)."""
    with (DATA_DIR / "events.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_phrasebook(language: str, first_day: dt.date) -> PhraseBook:
    """Read ``lang_<language>.yaml``: the sentences written for the SYNTHETIC corpus."""
    raw = yaml.safe_load((HERE / f"lang_{language}.yaml").read_text(encoding="utf-8"))
    topics = {
        name: TopicPhrases(
            captions=tuple(t.get("captions", ())),
            subheadings=tuple(t.get("subheadings", ())),
            slots={k: tuple(v) for k, v in t.get("slots", {}).items()},
            sentences=tuple(_template(s, first_day) for s in t["sentences"]),
        )
        for name, t in raw["topics"].items()
    }
    return PhraseBook(
        language=raw["language"],
        boilerplate=raw["boilerplate"],
        credits=tuple(raw["credits"]),
        headlines=tuple(raw["headlines"]),
        slots={k: tuple(v) for k, v in raw["slots"].items()},
        topics=topics,
        events={k: tuple(v) for k, v in raw["events"].items()},
    )


# ---- articles -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Article:
    """The parts of one article, rendered to the on-disk text by :meth:`render`."""

    caption: str
    credit: str
    paragraphs: tuple[str, ...]
    listen: bool = False
    key_fact: str | None = None
    subheading: tuple[int, str] | None = None  # (paragraph index it precedes, text)
    read_more: tuple[int, str] | None = None  # (paragraph index it follows, headline)
    photo: tuple[int, str, str] | None = None  # (paragraph index it follows, caption, credit)

    def render(self, book: PhraseBook, date_text: str) -> str:
        """Return the file text: header line, blank line, blocks separated by blank lines."""
        bp = book.boilerplate
        blocks = [
            " date "
            + date_text
            + " "
            + bp["header"].format(caption=self.caption, credit=self.credit)
        ]
        if self.listen:
            blocks.append(bp["listen"])
        if self.key_fact is not None:
            blocks.append(bp["key_facts"].format(sentence=self.key_fact))
        for i, para in enumerate(self.paragraphs):
            if self.subheading is not None and self.subheading[0] == i:
                blocks.append(self.subheading[1])
            blocks.append(para)
            if self.read_more is not None and self.read_more[0] == i:
                blocks.append(bp["read_more"].format(headline=self.read_more[1]))
            if self.photo is not None and self.photo[0] == i:
                blocks.append(bp["photo"].format(caption=self.photo[1], credit=self.photo[2]))
        return "\n\n".join(blocks)


@dataclasses.dataclass
class Planned:
    """One file to write and its ground truth."""

    outlet: str
    language: str
    day: dt.date | None
    precision: str | None = None
    event_id: str | None = None
    dominant: str | None = None
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    article: Article | None = None
    defect: str = "none"
    encoding: str = "utf-8"
    group: str | None = None
    canonical: Planned | None = None
    hex_id: str = ""
    number: int = 0

    @property
    def doc_id(self) -> str:
        return f"{self.outlet}/{self.number:03d}_{self.hex_id}"

    @property
    def date_text(self) -> str:
        assert self.day is not None
        return self.day.isoformat() if self.precision == "day" else self.day.isoformat()[:7]


class _Composer:
    """Draws sentences, mixtures and article layouts from one seeded generator."""

    def __init__(
        self,
        facts: Mapping[str, Any],
        books: Mapping[str, PhraseBook],
        rng: np.random.Generator,
        background: Mapping[str, Background] | None = None,
    ) -> None:
        self.facts = facts
        self.books = books
        self.rng = rng
        self.background = background or {}
        self.topic_since = {t["name"]: _day(t["since"]) for t in facts["topics"]}
        self.topic_weight = {t["name"]: float(t["weight"]) for t in facts["topics"]}
        self.planted: dict[tuple[str, str], Counter[str]] = {}

    def pick(self, options: Sequence[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def active_topics(self, day: dt.date) -> list[str]:
        return [name for name, since in self.topic_since.items() if since <= day]

    def fill(self, template: str, book: PhraseBook, topic: str) -> str:
        local = book.topics[topic].slots

        def slot(m: re.Match[str]) -> str:
            return self.pick(local.get(m.group(1)) or book.slots[m.group(1)])

        text = _SLOT.sub(slot, template)
        return text[0].upper() + text[1:]

    def mixture(self, dominant: str, day: dt.date, n: int) -> dict[str, int]:
        """Sentence counts per topic: a dominant share plus 1-3 secondary topics."""
        lo, hi = self.facts["dominant_share"]
        share = self.rng.uniform(lo, hi)
        others = [t for t in self.active_topics(day) if t != dominant]
        weights = {dominant: share}
        if others:
            k = int(self.rng.integers(1, min(self.facts["max_secondary_topics"], len(others)) + 1))
            chosen = self.rng.choice(len(others), size=k, replace=False)
            rest = self.rng.dirichlet(np.ones(k)) * (1.0 - share)
            weights.update({others[i]: float(w) for i, w in zip(chosen, rest, strict=True)})
        else:
            weights[dominant] = 1.0
        return _largest_remainder(weights, n)

    def pool(self, book: PhraseBook, topic: str, day: dt.date) -> list[str]:
        """The templates of ``topic`` that may be used on ``day`` (no anachronisms)."""
        return [t.text for t in book.topics[topic].sentences if t.since <= day]

    def sentences(self, book: PhraseBook, topic: str, day: dt.date, n: int) -> list[str]:
        """``n`` different sentences about ``topic`` valid on ``day``."""
        pool = self.pool(book, topic, day)
        out = [self.fill(pool[int(i)], book, topic) for i in self.rng.permutation(len(pool))[:n]]
        if book.language in self.background:
            out = [self.harden(book, topic, day, s) for s in out]
        self.planted.setdefault((book.language, topic), Counter()).update(
            w for s in out for w in _words(s)
        )
        return out

    def harden(self, book: PhraseBook, topic: str, day: dt.date, sentence: str) -> str:
        """Add a neighbouring topic's words and background words to a topic sentence."""
        hard = self.facts["hard"]
        words = sentence.rstrip(".").split()
        neighbour = hard["neighbours"][topic]
        pool = self.pool(book, neighbour, day)
        if pool and self.rng.random() < hard["borrow_probability"]:
            lent = _words(self.fill(pool[int(self.rng.integers(len(pool)))], book, neighbour))
            lo, hi = hard["borrowed_words"]
            k = min(len(lent), int(self.rng.integers(lo, hi + 1)))
            words += [lent[int(i)] for i in self.rng.choice(len(lent), size=k, replace=False)]
        return " ".join(words + self.background_words(book.language)) + "."

    def background_words(self, language: str) -> list[str]:
        lo, hi = self.facts["hard"]["background_words_per_sentence"]
        return self.background[language].draw(self.rng, int(self.rng.integers(lo, hi + 1)))

    def off_topic(self, doc: Planned) -> Article:
        """An article about nothing planted: background sentences only."""
        book = self.books[doc.language]
        lo, hi = self.facts["sentences_per_doc"]
        n = int(self.rng.integers(lo, hi + 1))
        sentences = [" ".join(self.background_words(doc.language)).capitalize() + "."
                     for _ in range(n)]  # fmt: skip
        return Article(
            caption=self.pick(book.headlines),
            credit=self.pick(book.credits),
            paragraphs=self.paragraphs([sentences]),
        )

    def article(self, doc: Planned) -> Article:
        assert doc.day is not None and doc.dominant is not None
        book = self.books[doc.language]
        lo, hi = self.facts["sentences_per_doc"]
        lead: list[str] = []
        if doc.event_id is not None:
            leads = book.events[doc.event_id]
            lead = list(leads[: int(self.rng.integers(1, len(leads) + 1))])
            self.planted.setdefault((book.language, doc.dominant), Counter()).update(
                w for s in lead for w in _words(s)
            )
        wanted = self.mixture(doc.dominant, doc.day, int(self.rng.integers(lo, hi + 1)))
        doc.counts = self.feasible(book, doc, wanted, len(lead))
        blocks = [
            lead + self.sentences(book, doc.dominant, doc.day, doc.counts[doc.dominant] - len(lead))
        ]
        for topic, count in sorted(doc.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if topic != doc.dominant:
                blocks.append(self.sentences(book, topic, doc.day, count))
        return self.decorate(book, doc.dominant, self.paragraphs(blocks))

    def feasible(
        self, book: PhraseBook, doc: Planned, wanted: Mapping[str, int], n_lead: int
    ) -> dict[str, int]:
        """Cap counts at the templates available so no sentence repeats within a document.

        Secondary topics stay below the dominant one, so the planted dominant topic is
        always the largest share.
        """
        assert doc.day is not None and doc.dominant is not None
        top = min(wanted[doc.dominant], n_lead + len(self.pool(book, doc.dominant, doc.day)))
        counts = {doc.dominant: top}
        for topic, n in wanted.items():
            n = min(n, top - 1, len(self.pool(book, topic, doc.day)))
            if topic != doc.dominant and n > 0:
                counts[topic] = n
        return counts

    def paragraphs(self, blocks: list[list[str]]) -> tuple[str, ...]:
        """Split topic blocks of sentences into 3-8 paragraphs that never straddle two topics."""
        sentences = [s for block in blocks for s in block]
        boundaries = set(itertools.accumulate(len(b) for b in blocks[:-1]))
        lo, hi = self.facts["paragraphs_per_doc"]
        k = max(int(self.rng.integers(lo, min(hi, len(sentences)) + 1)), len(boundaries) + 1)
        free = np.array([i for i in range(1, len(sentences)) if i not in boundaries])
        extra = self.rng.choice(free, k - 1 - len(boundaries), replace=False) if len(free) else []
        bounds = [0, *sorted(boundaries | {int(c) for c in extra}), len(sentences)]
        return tuple(" ".join(sentences[a:b]) for a, b in itertools.pairwise(bounds))

    def decorate(self, book: PhraseBook, topic: str, paragraphs: tuple[str, ...]) -> Article:
        """Add the header caption and the portal boilerplate a scraped page carries."""
        phrases = book.topics[topic]
        bp = book.boilerplate
        last = len(paragraphs) - 1
        first_sentence = paragraphs[0].split(". ")[0].rstrip(".") + "."
        return Article(
            caption=self.pick(phrases.captions),
            credit=self.pick(book.credits),
            paragraphs=paragraphs,
            listen="listen" in bp and self.rng.random() < 0.6,
            key_fact=first_sentence if "key_facts" in bp and self.rng.random() < 0.5 else None,
            subheading=(int(self.rng.integers(1, last + 1)), self.pick(phrases.subheadings))
            if phrases.subheadings and self.rng.random() < 0.4
            else None,
            read_more=(int(self.rng.integers(0, last)), self.pick(book.headlines))
            if book.headlines and self.rng.random() < 0.5
            else None,
            photo=(
                int(self.rng.integers(0, last)),
                self.pick(phrases.captions),
                self.pick(book.credits),
            )
            if "photo" in bp and self.rng.random() < 0.4
            else None,
        )

    def wire_copy(self, doc: Planned, outlet: str, day: dt.date, precision: str) -> Planned:
        """A near-duplicate of ``doc`` in another outlet: same body, small edits around it."""
        assert doc.article is not None
        book = self.books[doc.language]
        original = doc.article
        paragraphs = (
            original.paragraphs[0] + book.boilerplate["wire_tag"],
            *original.paragraphs[1:],
        )
        article = dataclasses.replace(
            original,
            paragraphs=paragraphs,
            caption=self.pick(
                book.topics[doc.dominant].captions if doc.dominant else book.headlines
            ),
            credit=self.pick(book.credits),
            listen="listen" in book.boilerplate and self.rng.random() < 0.5,
            read_more=(original.read_more[0], self.pick(book.headlines))
            if original.read_more
            else None,
        )
        return dataclasses.replace(
            doc, outlet=outlet, day=day, precision=precision, article=article, canonical=doc
        )


class Background:
    """A language's background vocabulary with Zipf(-Mandelbrot) word frequencies."""

    def __init__(self, language: str, n_types: int, rng: np.random.Generator) -> None:
        # simplemma's lemma lists are real words of the language, shipped with the
        # dependency, so the vocabulary is realistic without any download.
        lemmas = DefaultDictionaryFactory().get_dictionary(language).values()
        words = sorted(
            {w for w in map(str, lemmas) if w.isalpha() and w.islower() and 4 <= len(w) <= 12}
        )
        self.words = [words[int(i)] for i in rng.choice(len(words), n_types, replace=False)]
        ranks = np.arange(1, n_types + 1)
        weights = 1.0 / (ranks + 2.7)
        self.p = weights / weights.sum()

    def draw(self, rng: np.random.Generator, n: int) -> list[str]:
        return [self.words[int(i)] for i in rng.choice(len(self.words), size=n, p=self.p)]


def _largest_remainder(weights: Mapping[str, float], n: int) -> dict[str, int]:
    """Integer counts summing to ``n`` proportional to ``weights`` (Hamilton's method)."""
    names = list(weights)
    exact = np.array([weights[k] for k in names]) * n
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    return {k: int(c) for k, c in zip(names, counts, strict=True) if c > 0}


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


# ---- the plan -----------------------------------------------------------------------------
def _day_weights(facts: Mapping[str, Any], days: list[dt.date]) -> np.ndarray:
    per_year = {int(k): float(v) for k, v in facts["baseline_per_year"].items()}
    w = np.array([per_year[d.year] for d in days])
    return w / w.sum()


def _spike_day(
    event_day: dt.date, decay: float, last: dt.date, rng: np.random.Generator
) -> dt.date:
    """A day of an event's coverage spike: exponentially fewer articles as days pass."""
    offset = min(int(rng.exponential(decay)), (last - event_day).days)
    return event_day + dt.timedelta(days=offset)


def _plan_originals(facts: Mapping[str, Any], comp: _Composer, n: int) -> list[Planned]:
    rng = comp.rng
    first, last = _day(facts["first_day"]), _day(facts["last_day"])
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    day_p = _day_weights(facts, days)
    events = {e["event_id"]: _day(e["date"]) for e in load_events()}
    spikes = facts["events"]
    components = [None, *spikes]
    comp_p = np.array([facts["baseline_share"]] + [spikes[e]["share"] for e in spikes])
    outlets = facts["outlets"]
    outlet_p = np.array([o["share"] for o in outlets])
    docs = []
    for _ in range(n):
        outlet = outlets[int(rng.choice(len(outlets), p=outlet_p / outlet_p.sum()))]
        event_id = components[int(rng.choice(len(components), p=comp_p / comp_p.sum()))]
        if event_id is None:
            day = days[int(rng.choice(len(days), p=day_p))]
            dominant = _background_topic(comp, outlet, day, facts["lean_weight"])
        else:
            day = _spike_day(events[event_id], spikes[event_id]["decay_days"], last, rng)
            dominant = spikes[event_id]["topic"]
        precision = "day" if rng.random() < facts["day_precision_share"] else "month"
        off_topic = (
            outlet["language"] in comp.background
            and event_id is None
            and rng.random() < facts["hard"]["off_topic_share"]
        )
        doc = Planned(outlet["slug"], outlet["language"], day, precision, event_id, dominant)
        if off_topic:
            doc.dominant = None
            doc.article = comp.off_topic(doc)
        else:
            doc.article = comp.article(doc)
        docs.append(doc)
    return docs


def _background_topic(comp: _Composer, outlet: Mapping[str, Any], day: dt.date, lean: float) -> str:
    active = comp.active_topics(day)
    w = np.array([comp.topic_weight[t] * (lean if t in outlet["leans"] else 1.0) for t in active])
    return active[int(comp.rng.choice(len(active), p=w / w.sum()))]


def _plan_copies(facts: Mapping[str, Any], comp: _Composer, docs: list[Planned]) -> list[Planned]:
    """Wire copies: the same story in 1-2 other outlets of its language, 0-3 days later."""
    rng = comp.rng
    by_lang: dict[str, list[str]] = {}
    for o in facts["outlets"]:
        by_lang.setdefault(o["language"], []).append(o["slug"])
    candidates = [d for d in docs if len(by_lang[d.language]) > 1]
    order = rng.permutation(len(candidates))
    copies: list[Planned] = []
    want = facts["noise"]["wire_copies"]
    for group, idx in enumerate(order):
        if len(copies) >= want:
            break
        doc = candidates[int(idx)]
        doc.group = f"wire-{group + 1:03d}"
        others = [s for s in by_lang[doc.language] if s != doc.outlet]
        k = min(len(others), 2 if rng.random() < 0.25 else 1, want - len(copies))
        for outlet in rng.choice(others, size=k, replace=False):
            copies.append(comp.wire_copy(doc, str(outlet), *_copy_date(doc, rng)))
    return copies


def _copy_date(doc: Planned, rng: np.random.Generator) -> tuple[dt.date, str]:
    """A day 0-3 days after the original, kept in its month so the month never changes.

    A copy of a day-precision original keeps day precision: a month-only date would sort
    before the original and make the copy look like the canonical one.
    """
    assert doc.day is not None
    day = doc.day + dt.timedelta(days=int(rng.integers(0, 4)))
    if day.month != doc.day.month:
        day = doc.day
    precision = "day" if doc.precision == "day" or rng.random() < 0.15 else "month"
    return day, precision


def _plant_defects(facts: Mapping[str, Any], comp: _Composer, docs: list[Planned]) -> list[Planned]:
    """Mark truncated and CP1250 files among plain originals; return the extra broken files."""
    noise = facts["noise"]
    rng = comp.rng
    plain = [i for i, d in enumerate(docs) if d.group is None and d.canonical is None]
    order = [plain[int(i)] for i in rng.permutation(len(plain))]
    kinds = ["truncated_header_only"] * noise["truncated_header_only"] + [
        "truncated_mid_word"
    ] * noise["truncated_mid_word"]
    for kind, i in zip(kinds, order, strict=False):
        docs[i].defect = kind
    polish = [i for i in order[len(kinds) :] if docs[i].language == "pl"]
    for i in polish[: noise["cp1250"]]:
        docs[i].encoding = "cp1250"
    first, last = _day(facts["first_day"]), _day(facts["last_day"])
    span = (last - first).days
    extra = []
    outlets = facts["outlets"]
    for kind in ["empty"] * noise["empty"] + ["binary"] * noise["binary"]:
        outlet = outlets[int(rng.integers(len(outlets)))]
        day = first + dt.timedelta(days=int(rng.integers(span + 1)))
        extra.append(
            Planned(
                outlet["slug"],
                outlet["language"],
                day,
                defect=kind,
                encoding="none" if kind == "empty" else "binary",
            )
        )
    return extra


def _assign_names(docs: list[Planned], rng: np.random.Generator) -> list[Planned]:
    """Give every file an opaque 16-hex id and a running number per outlet, by date."""
    seen: set[str] = set()
    for doc in docs:
        hex_id = rng.bytes(8).hex()
        while hex_id in seen:
            hex_id = rng.bytes(8).hex()
        seen.add(hex_id)
        doc.hex_id = hex_id
    ordered = sorted(docs, key=lambda d: (d.outlet, d.day or dt.date.min, d.hex_id))
    counter: Counter[str] = Counter()
    for doc in ordered:
        doc.number = counter[doc.outlet]
        counter[doc.outlet] += 1
    return ordered


# ---- bytes on disk ------------------------------------------------------------------------
def _file_bytes(doc: Planned, books: Mapping[str, PhraseBook], rng: np.random.Generator) -> bytes:
    if doc.defect == "empty":
        return b""
    if doc.defect == "binary":
        return _PNG_MAGIC + rng.bytes(2040)
    assert doc.article is not None
    text = doc.article.render(books[doc.language], doc.date_text)
    if doc.defect == "truncated_header_only":
        text = text.split("\n", 1)[0]
    elif doc.defect == "truncated_mid_word":
        text = _cut_mid_word(text, rng)
    return text.encode(doc.encoding)


def _cut_mid_word(text: str, rng: np.random.Generator) -> str:
    """Cut ``text`` inside a word (two letters kept) somewhere in the middle of the body."""
    start = int(len(text) * rng.uniform(0.4, 0.7))
    i = next(j for j in range(start, len(text)) if text[j - 2 : j + 1].isalpha())
    return text[:i]


def _truth_row(doc: Planned, topics: Sequence[str]) -> dict[str, Any]:
    has_text = doc.defect in ("none", "truncated_header_only", "truncated_mid_word")
    n = sum(doc.counts.values())
    row: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "file": doc.doc_id + ".txt",
        "synthetic": "true",
        "outlet": doc.outlet,
        "language": doc.language if has_text else "",
        "date": _truth_date(doc) if has_text else "",
        "date_precision": doc.precision if has_text else "",
        "event_id": doc.event_id or "",
        "dominant_topic": doc.dominant or "",
    }
    for t in topics:
        # An off-topic article has text but no planted topic: all its shares are zero.
        zero = "0.0000" if doc.article is not None and has_text else ""
        row[f"topic_{t}"] = f"{doc.counts.get(t, 0) / n:.4f}" if n else zero
    row["n_sentences"] = n or ""
    row["duplicate_group"] = doc.group or ""
    row["canonical_doc_id"] = (
        (doc.canonical.doc_id if doc.canonical else doc.doc_id) if doc.group else ""
    )
    row["encoding"] = doc.encoding
    row["planted_defect"] = doc.defect
    return row


def _truth_date(doc: Planned) -> str:
    assert doc.day is not None
    return doc.day.isoformat() if doc.precision == "day" else doc.day.replace(day=1).isoformat()


def _topics_rows(
    facts: Mapping[str, Any], planted: Mapping[tuple[str, str], Counter[str]], top: int = 12
) -> list[dict[str, Any]]:
    """Per topic and language, the planted words most specific to the topic."""
    rows = []
    for i, t in enumerate(facts["topics"]):
        row: dict[str, Any] = {
            "topic_id": i,
            "name": t["name"],
            "label_en": t["label_en"],
            "since": t["since"],
        }
        for lang in LANGUAGES:
            row[f"top_words_{lang}"] = " ".join(_specific_words(planted, lang, t["name"], top))
        rows.append(row)
    return rows


def _specific_words(
    planted: Mapping[tuple[str, str], Counter[str]], lang: str, topic: str, top: int
) -> list[str]:
    mine = planted.get((lang, topic), Counter())
    total: Counter[str] = Counter()
    for (lg, _), counts in planted.items():
        if lg == lang:
            total.update(counts)
    stop = stopwordsiso.stopwords(lang)
    keep = [
        (-c, w)
        for w, c in mine.items()
        if len(w) > 2 - (lang == "ko") and w not in stop and c >= 0.8 * total[w]
    ]
    return [w for _, w in sorted(keep)[:top]]


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# ---- public API ---------------------------------------------------------------------------
class DemoFiles(NamedTuple):
    """Where :func:`generate_demo` wrote the SYNTHETIC corpus and its ground truth."""

    corpus: Path
    truth: Path
    topics: Path


def generate_demo(out: str | Path, *, seed: int | None = None, hard: bool = False) -> DemoFiles:
    """Write the SYNTHETIC demo corpus and its ground truth into ``out``.

    Parameters
    ----------
    out : str or Path
        Folder to write into; ``out/corpus`` must not exist yet or be empty.
    seed : int, optional
        Seed of the random generator; default: the one in ``facts.yaml`` (the shipped corpus).
    hard : bool, default=False
        Write the harder variant (``hard`` in ``facts.yaml``): background vocabulary of
        thousands of types, topics sharing words, evenly mixed and off-topic documents.
        Off-topic documents have an empty ``dominant_topic`` and all topic shares 0.

    Returns
    -------
    DemoFiles
        ``out/corpus`` (one folder per fictional outlet), ``out/ground_truth.csv`` (one row per
        file, broken files included) and ``out/topics.csv`` (planted topics and their words).

    Raises
    ------
    DemoGenerationError
        If ``out/corpus`` already holds files (they would mix with the new ones).

    Examples
    --------
    >>> files = generate_demo(tmp_path)  # doctest: +SKIP
    >>> sorted(p.name for p in files.corpus.iterdir())[:2]  # doctest: +SKIP
    ['daily-example', 'dziennik-testowy']
    """
    out = Path(out)
    corpus = out / "corpus"
    if corpus.exists() and any(corpus.iterdir()):
        raise DemoGenerationError(f"{corpus}: folder is not empty; choose a new --out folder")
    facts = load_facts()
    rng = np.random.default_rng(facts["seed"] if seed is None else seed)
    books = {lang: load_phrasebook(lang, _day(facts["first_day"])) for lang in LANGUAGES}
    background = {}
    if hard:
        facts["dominant_share"] = facts["hard"]["dominant_share"]
        # Korean is not in simplemma; its few documents stay as in the plain demo.
        background = {
            lang: Background(lang, facts["hard"]["background_types"], rng)
            for lang in LANGUAGES
            if lang != "ko"
        }
    comp = _Composer(facts, books, rng, background)
    noise = facts["noise"]
    docs = _plan_originals(
        facts, comp, facts["n_files"] - noise["wire_copies"] - noise["empty"] - noise["binary"]
    )
    copies = _plan_copies(facts, comp, docs)
    extra = _plant_defects(facts, comp, docs)
    files = _assign_names(docs + copies + extra, rng)
    for doc in files:
        path = corpus / (doc.doc_id + ".txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_file_bytes(doc, books, rng))
    topic_names = [t["name"] for t in facts["topics"]]
    result = DemoFiles(corpus, out / TRUTH_NAME, out / TOPICS_NAME)
    _write_csv(result.truth, [_truth_row(d, topic_names) for d in files])
    _write_csv(result.topics, _topics_rows(facts, comp.planted))
    return result


def build_archive(corpus: str | Path) -> bytes:
    """Pack a corpus folder into xz-compressed tar bytes that depend only on the files.

    Members are sorted, with mtime 0, uid/gid 0, empty owner names and mode 0o644, so the
    same files always give the same tar payload.

    Examples
    --------
    >>> data = build_archive(files.corpus)  # doctest: +SKIP
    """
    root = Path(corpus)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        for name in names:
            data = (root / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return lzma.compress(buf.getvalue(), format=lzma.FORMAT_XZ, preset=9)


def write_shipped(dest: str | Path = SHIPPED_DIR, *, seed: int | None = None) -> None:
    """Regenerate the packaged copy: ``corpus.tar.xz``, ``ground_truth.csv``, ``topics.csv``."""
    dest = Path(dest)
    with tempfile.TemporaryDirectory() as tmp:
        files = generate_demo(tmp, seed=seed)
        (dest / ARCHIVE_NAME).write_bytes(build_archive(files.corpus))
        for src in (files.truth, files.topics):
            (dest / src.name).write_bytes(src.read_bytes())


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m corpus_tools.demo.generate --out DIR [--seed N]``."""
    parser = argparse.ArgumentParser(
        prog="python -m corpus_tools.demo.generate",
        description="Write the SYNTHETIC demo corpus (no real coverage) and its ground truth.",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="write DIR/corpus, ground_truth.csv, topics.csv")
    target.add_argument(
        "--ship", action="store_true", help=f"refresh the packaged copy in {SHIPPED_DIR}"
    )
    parser.add_argument("--seed", type=int, default=None, help="default: the seed in facts.yaml")
    parser.add_argument("--hard", action="store_true", help="the harder variant (never shipped)")
    args = parser.parse_args(argv)
    if args.ship and args.hard:
        parser.error("--hard cannot be shipped; use --out")
    try:
        if args.ship:
            write_shipped(seed=args.seed)
        else:
            generate_demo(args.out, seed=args.seed, hard=args.hard)
    except CorpusToolsError as exc:
        parser.exit(1, f"{parser.prog}: error: {exc}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
