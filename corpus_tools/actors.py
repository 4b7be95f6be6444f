"""Actors and places: a multilingual lexicon, mention counts and corpus filters.

The lexicon (``corpus_tools/data/actors.yaml``) lists people, places, countries,
organisations and events with their spelling variants, inflected forms, demonyms and
adjectives in Polish, English, Russian and Korean, and groups of actors that make up a side
of the story (``russia_side``, ``north_korea_side``; :func:`actor_groups`).
:func:`tag_actors` counts mentions per document, :func:`filter_corpus` selects documents by
actor or group, date, language and outlet, and records the filter in ``df.attrs``.
:func:`compile_variants` is the matcher, shared with :mod:`corpus_tools.text`.

Matching rules: case-sensitive; whole words (no letter or digit directly before or
after), except that a variant ending in Hangul may be followed by up to two Korean
particles (평양에서, 김정은은; :data:`KOREAN_PARTICLES`); at each position the longest
variant wins and matches do not overlap. Every variant is matched in every document,
whatever its language.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ._readers import declared_language
from .errors import CorpusToolsError

LEXICON_PATH = Path(__file__).parent / "data" / "actors.yaml"
KINDS = frozenset({"person", "place", "country", "organisation", "event"})
LANGUAGES = frozenset({"pl", "en", "ru", "ko"})
LEXICON_COLUMNS = ("actor_id", "label", "kind", "language", "variant")
TEXT_FIELDS = ("title", "text", "caption")
_ENTRY_KEYS = frozenset({"id", "label", "kind", "variants", "adjectives"})
_GROUP_KEYS = frozenset({"id", "label", "members"})
_HANGUL_END = re.compile(r"[\uac00-\ud7a3]$")
# Korean case particles and postpositions attach to the noun (평양에서, 김정은은), as do a few
# frequent copula endings (김정은이었다); up to two may follow a Hangul variant, anything else
# (조선업, 한국어) makes it a different word. text.py strips the same list from Korean words.
KOREAN_PARTICLES: tuple[str, ...] = (
    *("은", "는", "이", "가", "을", "를", "에", "의", "와", "과", "도", "로", "만", "측"),
    *("에서", "으로", "에게", "께서", "까지", "부터", "한테", "보다", "처럼", "만큼"),
    *("에는", "에도", "와의", "과의", "라고", "이라고", "에서는", "에서도", "으로는"),
    *("으로서", "으로써", "에게서", "이다", "이며", "였다", "이었다"),
)
_KO_END = rf"(?=(?:{'|'.join(sorted(KOREAN_PARTICLES, key=len, reverse=True))}){{0,2}}(?!\w))"


class LexiconError(CorpusToolsError, ValueError):
    """An actor lexicon file is missing or invalid."""


def load_lexicon(path: str | Path | None = None, *, adjectives: bool = False) -> pd.DataFrame:
    """Load an actor lexicon as one row per variant, longest variants first.

    Parameters
    ----------
    path : str, pathlib.Path or None
        A YAML file in the format of ``corpus_tools/data/actors.yaml`` (``version: 1``
        and a list ``actors`` of entries with ``id``, ``label``, ``kind`` and
        ``variants: {language: [forms]}``; optionally a list ``groups`` of entries with
        ``id``, ``label`` and ``members``, a list of actor ids); ``None`` for the shipped
        lexicon. An entry may also list ``adjectives: {language: [forms]}``: demonyms and
        adjectives (``North Korean``, ``rosyjski``) that mention the actor but are not
        its name.
    adjectives : bool
        Include the ``adjectives`` forms as variants. :func:`tag_actors` and
        :func:`filter_corpus` use them with the shipped lexicon; text preparation
        (:mod:`corpus_tools.text`) protects names only, so the default is ``False``.

    Returns
    -------
    pandas.DataFrame
        Columns ``actor_id``, ``label``, ``kind``, ``language``, ``variant`` (string
        dtype), sorted by variant length (longest first), then ``actor_id`` and
        ``variant``, so that names can be protected longest-first. The groups are in
        ``attrs["groups"]`` (group id -> tuple of actor ids; see :func:`actor_groups`).

    Raises
    ------
    LexiconError
        Naming the file and the problem: unknown keys, a non-snake_case id, an unknown
        kind or language, an empty variant, or a variant listed under two actors.

    Examples
    --------
    >>> lex = load_lexicon()
    >>> "Kim Dzong Una" in set(lex.loc[lex["actor_id"] == "kim_jong_un", "variant"])
    True
    >>> full = load_lexicon(adjectives=True)
    >>> "rosyjski" in set(lex["variant"]), "rosyjski" in set(full["variant"])
    (False, True)
    """
    source = Path(path) if path is not None else LEXICON_PATH
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LexiconError(f"{source}: cannot read actor lexicon: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("actors"), list):
        raise LexiconError(f"{source}: an actor lexicon needs a list 'actors'")
    names, adjective_rows = [], []
    for entry in data["actors"]:
        entry_names, entry_adjectives = _entry_rows(source, entry)
        names += entry_names
        adjective_rows += entry_adjectives
    _check_unique(source, names + adjective_rows)
    rows = names + adjective_rows if adjectives else names
    lexicon = pd.DataFrame(rows, columns=list(LEXICON_COLUMNS)).astype("string")
    lexicon["_length"] = lexicon["variant"].str.len()
    lexicon = lexicon.sort_values(
        ["_length", "actor_id", "variant"], ascending=[False, True, True], kind="stable"
    )
    lexicon = lexicon.drop(columns="_length").reset_index(drop=True)
    lexicon.attrs["source"] = "shipped" if path is None else source.as_posix()
    lexicon.attrs["groups"] = _groups(source, data.get("groups") or [], set(lexicon["actor_id"]))
    return lexicon


def _groups(source: Path, entries: Any, actor_ids: set[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(entries, list):
        raise LexiconError(f"{source}: 'groups' must be a list")
    groups: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != _GROUP_KEYS:
            raise LexiconError(f"{source}: each group needs exactly id, label, members: {entry!r}")
        group_id, members = str(entry["id"]), entry["members"]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", group_id):
            raise LexiconError(f"{source}: group id {group_id!r} is not snake_case")
        if group_id in actor_ids or group_id in groups:
            raise LexiconError(f"{source}: group id {group_id!r} is already an actor or group id")
        unknown = sorted(set(members or ()) - actor_ids) if isinstance(members, list) else None
        if not members or unknown:
            raise LexiconError(
                f"{source}: group {group_id!r} needs a list of actor ids"
                + (f"; unknown: {unknown}" if unknown else "")
            )
        groups[group_id] = tuple(members)
    return groups


def actor_groups(lexicon: pd.DataFrame | None = None) -> dict[str, tuple[str, ...]]:
    """Groups of actors that make up one side of the story, by group id.

    A group id can be used wherever :func:`filter_corpus` takes actor ids: the group is
    mentioned when any of its members is.

    Parameters
    ----------
    lexicon : pandas.DataFrame or None
        From :func:`load_lexicon`; ``None`` for the shipped lexicon.

    Returns
    -------
    dict of str to tuple of str
        Group id -> member actor ids.

    Examples
    --------
    >>> groups = actor_groups()
    >>> sorted(groups)
    ['north_korea_side', 'russia_side']
    >>> {"kremlin", "vladimir_putin", "sergei_shoigu"} <= set(groups["russia_side"])
    True
    """
    return dict(_lexicon(lexicon).attrs.get("groups", {}))


_Row = tuple[str, str, str, str, str]


def _entry_rows(source: Path, entry: Any) -> tuple[list[_Row], list[_Row]]:
    """The rows of an entry's names and of its adjectives."""
    if not isinstance(entry, dict) or not {"id", "label", "kind", "variants"} <= set(entry):
        raise LexiconError(f"{source}: each actor needs id, label, kind, variants: {entry!r}")
    actor_id = str(entry["id"])
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise LexiconError(f"{source}: actor {actor_id!r} has unknown key(s) {unknown}")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", actor_id):
        raise LexiconError(f"{source}: actor id {actor_id!r} is not snake_case")
    if entry["kind"] not in KINDS:
        raise LexiconError(
            f"{source}: actor {actor_id!r} has kind {entry['kind']!r}; expected {sorted(KINDS)}"
        )
    if not isinstance(entry["variants"], dict) or not entry["variants"]:
        raise LexiconError(f"{source}: actor {actor_id!r}: 'variants' must map language to list")
    return _forms(source, entry, "variants"), _forms(source, entry, "adjectives")


def _forms(source: Path, entry: dict[str, Any], key: str) -> list[_Row]:
    actor_id, forms_by_language = str(entry["id"]), entry.get(key) or {}
    if not isinstance(forms_by_language, dict):
        raise LexiconError(f"{source}: actor {actor_id!r}: {key!r} must map language to list")
    rows = []
    for language, forms in forms_by_language.items():
        if language not in LANGUAGES:
            raise LexiconError(f"{source}: actor {actor_id!r}: unknown language {language!r}")
        for form in forms or ():
            if not isinstance(form, str) or not form.strip():
                raise LexiconError(f"{source}: actor {actor_id!r}: empty variant in {language}")
            rows.append((actor_id, str(entry["label"]), entry["kind"], language, form.strip()))
    return rows


def _check_unique(source: Path, rows: Sequence[tuple[str, ...]]) -> None:
    owner: dict[str, str] = {}
    for actor_id, *_, variant in rows:
        if owner.setdefault(variant, actor_id) != actor_id:
            raise LexiconError(
                f"{source}: variant {variant!r} is listed under {owner[variant]!r} and {actor_id!r}"
            )


# ---- matching -----------------------------------------------------------------------------
def compile_variants(variants: Iterable[str], *, any_space: bool = False) -> re.Pattern[str]:
    """Compile name variants into one case-sensitive regex that finds them as whole words.

    A variant matches with no letter, digit or underscore directly before or after it,
    except that a variant ending in Hangul may be followed by up to two
    :data:`KOREAN_PARTICLES` (평양에서, 김정은은). At each position the longest variant wins
    ("Putina" over "Putin"), and ``findall``/``sub`` give non-overlapping matches. The
    variants are compiled as a character trie: the regex engine then branches once per
    character instead of trying every variant at every position (a flat alternation of
    1,000 variants is about 40 times slower).

    Parameters
    ----------
    variants : iterable of str
        Surface forms; duplicates and order do not matter.
    any_space : bool
        ``True``: a space inside a variant matches any run of whitespace (line breaks
        included), so map a match back to its variant with ``" ".join(match.split())``.
        ``False``: it matches one space only.

    Returns
    -------
    re.Pattern
        Compiled once per distinct set of variants (cached).

    Examples
    --------
    >>> pattern = compile_variants(["Putin", "Putina", "Kim Dzong Un", "평양"])
    >>> pattern.findall("Putina i Kim Dzong Un w 평양에서, nie Putinowi")
    ['Putina', 'Kim Dzong Un', '평양']
    >>> compile_variants(["Kim Dzong Un"], any_space=True).findall("Kim\\nDzong Un")
    ['Kim\\nDzong Un']
    """
    return _compile_variants(tuple(sorted(set(variants))), any_space)


@lru_cache(maxsize=16)
def _compile_variants(variants: tuple[str, ...], any_space: bool) -> re.Pattern[str]:
    trie: dict[str, Any] = {}
    for variant in variants:
        node = trie
        for char in variant:
            node = node.setdefault(char, {})
        node[""] = _KO_END if _HANGUL_END.search(variant) else r"(?!\w)"
    return re.compile(r"(?<!\w)" + _trie_regex(trie, any_space))


def _trie_regex(node: dict[str, Any], any_space: bool) -> str:
    """Regex for a character trie; longer continuations are tried before stopping here."""
    branches = [
        (r"\s+" if any_space and char == " " else re.escape(char)) + _trie_regex(child, any_space)
        for char, child in sorted(node.items())
        if char
    ]
    if "" in node:
        branches.append(node[""])  # the end-of-variant boundary, tried last
    if not branches:
        return "(?!)"  # no variants: a pattern that never matches
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


class _Matcher:
    """The compiled lexicon: one pattern for all variants and the actor of each variant."""

    def __init__(self, lexicon: pd.DataFrame) -> None:
        self.owner = dict(zip(lexicon["variant"], lexicon["actor_id"], strict=True))
        self.pattern = compile_variants(self.owner)

    def count(self, text: str) -> Counter[str]:
        return Counter(self.owner[match] for match in self.pattern.findall(text))


def count_mentions(text: str, lexicon: pd.DataFrame | None = None) -> Counter[str]:
    """Count the mentions of each actor in one text.

    Parameters
    ----------
    text : str
        Any text.
    lexicon : pandas.DataFrame or None
        From :func:`load_lexicon`; ``None`` for the shipped lexicon.

    Returns
    -------
    collections.Counter
        Mentions per ``actor_id`` (actors without mentions are absent).

    Examples
    --------
    >>> sorted(count_mentions("Władimira Putina i Kim Dzong Una widziano w Pjongjangu.").items())
    [('kim_jong_un', 1), ('pyongyang', 1), ('vladimir_putin', 1)]
    """
    return _Matcher(_lexicon(lexicon)).count(text)


def _lexicon(lexicon: pd.DataFrame | None) -> pd.DataFrame:
    """The given lexicon, or the shipped one with adjectives (mentions, not just names)."""
    return shipped_lexicon(adjectives=True) if lexicon is None else lexicon


@lru_cache(maxsize=2)
def shipped_lexicon(adjectives: bool = False) -> pd.DataFrame:
    """Return the packaged lexicon, read once per process (treat it as read-only)."""
    return load_lexicon(adjectives=adjectives)


def tag_actors(
    corpus: pd.DataFrame, lexicon: pd.DataFrame | None = None, *, column_prefix: str = "actor_"
) -> pd.DataFrame:
    """Add one mention-count column per actor.

    Mentions are counted in ``title``, ``text`` and ``caption`` (those present; missing
    values count as empty).

    Parameters
    ----------
    corpus : pandas.DataFrame
        A corpus (see :mod:`corpus_tools.schema`).
    lexicon : pandas.DataFrame or None
        From :func:`load_lexicon`; ``None`` for the shipped lexicon with its adjectives
        (``load_lexicon(adjectives=True)``).
    column_prefix : str
        Column names are ``column_prefix + actor_id``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``corpus`` with int64 columns ``actor_<id>`` for every actor in the
        lexicon (existing columns of that name are replaced).

    Examples
    --------
    >>> corpus = pd.DataFrame({"text": ["Putin met Kim Jong Un. Putin smiled."]})
    >>> tag_actors(corpus)[["actor_vladimir_putin", "actor_kim_jong_un"]].iloc[0].tolist()
    [2, 1]
    """
    given, lexicon = lexicon, _lexicon(lexicon)
    fields = [c for c in TEXT_FIELDS if c in corpus.columns]
    if not fields:
        raise CorpusToolsError(f"tag_actors needs at least one of the columns {TEXT_FIELDS}")
    # A newline keeps a title's last word from running into the text's first word.
    parts = [corpus[c].astype("string") for c in fields]
    joined = parts[0].str.cat(parts[1:], sep="\n", na_rep="")
    matcher = _Matcher(lexicon)
    counts = [matcher.count(text) for text in joined]
    actor_ids = sorted(set(lexicon["actor_id"]))
    columns = {f"{column_prefix}{actor}": [c.get(actor, 0) for c in counts] for actor in actor_ids}
    tags = pd.DataFrame(columns, index=corpus.index, dtype="int64")
    tagged = pd.concat([corpus.drop(columns=list(tags.columns), errors="ignore"), tags], axis=1)
    lexicon_name = "shipped" if given is None else str(given.attrs.get("source", "custom"))
    return _with_provenance(tagged, corpus, "tag_actors", {"lexicon": lexicon_name})


def filter_corpus(
    corpus: pd.DataFrame,
    *,
    all_of: Iterable[str] = (),
    any_of: Iterable[str] = (),
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    languages: Iterable[str] | None = None,
    outlets: Iterable[str] | None = None,
    include_duplicates: bool = True,
    lexicon: pd.DataFrame | None = None,
    column_prefix: str = "actor_",
) -> pd.DataFrame:
    """Select documents by actors mentioned, date range, language and outlet.

    Parameters
    ----------
    corpus : pandas.DataFrame
        A corpus; actor columns are computed with :func:`tag_actors` when missing.
    all_of, any_of : iterable of str
        Actor or group ids (:func:`actor_groups`) that must all be mentioned / of which at
        least one must be mentioned; a group counts as mentioned when any member is.
    start, end : str, pandas.Timestamp or None
        Inclusive date bounds (a bound without a time of day includes that whole day).
        A month- or year-precision date (``date_precision``) is kept when its month or
        year overlaps the range; documents without a date are dropped when a bound is set.
    languages : iterable of str or None
        Keep only these languages; codes are normalised (``en-US`` and ``English`` are
        ``en``) on both sides.
    outlets : iterable of str or None
        Keep only these values of ``outlet``.
    include_duplicates : bool
        ``False`` drops rows whose ``duplicate_of`` is set.
    lexicon : pandas.DataFrame or None
        Lexicon for on-the-fly tagging and groups; ``None`` for the shipped one with its
        adjectives.
    column_prefix : str
        Prefix of the actor columns.

    Returns
    -------
    pandas.DataFrame
        The matching rows (with actor columns), original index kept. ``attrs`` are kept
        and the filter is appended to ``attrs["corpus_tools"]["config"]["steps"]``, so
        that :func:`corpus_tools.io.save_corpus` records how the subset was made.

    Raises
    ------
    CorpusToolsError
        For an unknown actor or group id, ``start`` after ``end`` or a bound that is not a
        date, a language that is not a language code, or languages none of which occurs in
        the corpus.

    Examples
    --------
    >>> corpus = pd.DataFrame({"text": ["Putin in Pyongyang.", "Putin in Moscow.",
    ...                                 "The Kremlin and North Korean media."]})
    >>> filter_corpus(corpus, all_of=["vladimir_putin", "pyongyang"])["text"].tolist()
    ['Putin in Pyongyang.']
    >>> filter_corpus(corpus, all_of=["russia_side", "north_korea_side"]).index.tolist()
    [0, 2]
    """
    all_of, any_of = list(all_of), list(any_of)
    groups = actor_groups(lexicon)
    members = {a: groups.get(a, (a,)) for a in all_of + any_of}
    wanted = {f"{column_prefix}{m}" for names in members.values() for m in names}
    tagged = corpus
    if any(col not in corpus.columns for col in wanted):
        tagged = tag_actors(corpus, lexicon, column_prefix=column_prefix)
    unknown = [a for a, names in members.items()
               if any(f"{column_prefix}{m}" not in tagged.columns for m in names)]  # fmt: skip
    if unknown:
        raise CorpusToolsError(
            f"unknown actor id(s): {', '.join(unknown)}; use an actor id of the lexicon or a "
            f"group id ({', '.join(sorted(groups)) or 'none defined'})"
        )

    def mentioned(actor: str) -> pd.Series:
        return (tagged[[f"{column_prefix}{m}" for m in members[actor]]] > 0).any(axis=1)

    keep = pd.Series(True, index=tagged.index)
    for actor in all_of:
        keep &= mentioned(actor)
    if any_of:
        keep &= pd.concat([mentioned(a) for a in any_of], axis=1).any(axis=1)
    lo, hi = _bound(start, "start"), _bound(end, "end", last=True)
    if lo is not None and hi is not None and lo > hi:
        raise CorpusToolsError(f"start {start} is after end {end}; swap them")
    if lo is not None or hi is not None:
        keep &= _dates_overlap(tagged, lo, hi)
    codes = None
    if languages is not None:
        codes = _language_codes(languages, tagged)
        keep &= tagged["language"].map(declared_language, na_action="ignore").isin(codes)
    if outlets is not None:
        keep &= tagged["outlet"].isin(list(outlets)).fillna(False)
    if not include_duplicates:
        keep &= tagged["duplicate_of"].isna()
    step = {
        "all_of": all_of, "any_of": any_of, "start": _iso(lo), "end": _iso(hi),
        "languages": codes, "outlets": None if outlets is None else list(outlets),
        "include_duplicates": include_duplicates,
    }  # fmt: skip
    out = tagged[keep.astype(bool)]
    return _with_provenance(out, corpus, "filter_corpus", step)


def _bound(
    value: str | pd.Timestamp | None, name: str, *, last: bool = False
) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value).as_unit("ns")  # "June" is 0001-06-01: out of range
    except (ValueError, TypeError, OverflowError):
        raise CorpusToolsError(f"{name}={value!r} is not a date; use e.g. '2023-09-13'") from None
    if stamp is pd.NaT:
        raise CorpusToolsError(f"{name}={value!r} is not a date; use e.g. '2023-09-13'")
    stamp = stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
    if last and stamp == stamp.normalize():  # a day given as the end includes that day
        stamp += pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return stamp


def _dates_overlap(
    corpus: pd.DataFrame, lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> pd.Series:
    """Rows whose date interval (by ``date_precision``) overlaps ``[lo, hi]``."""
    first = pd.to_datetime(corpus["date"])
    last = first.copy()
    if "date_precision" in corpus.columns:
        precision = corpus["date_precision"].astype("string")
        for name, freq in (("month", "M"), ("year", "Y")):
            rows = (precision == name).fillna(False).to_numpy(dtype=bool)
            if rows.any():
                last[rows] = first[rows].dt.to_period(freq).dt.end_time
    keep = first.notna()
    if lo is not None:
        keep &= last >= lo
    if hi is not None:
        keep &= first <= hi
    return keep.fillna(False)


def _language_codes(languages: Iterable[str], corpus: pd.DataFrame) -> list[str]:
    """ISO 639-1 codes for ``languages``; an error when none occurs in the corpus."""
    given = [languages] if isinstance(languages, str) else list(languages)
    codes = [declared_language(code) for code in given]
    bad = [g for g, c in zip(given, codes, strict=True) if c is None]
    if bad:
        raise CorpusToolsError(f"languages {bad} are not language codes; use e.g. ['en', 'pl']")
    present = set(corpus["language"].map(declared_language, na_action="ignore").dropna())
    if codes and not present & set(codes):
        raise CorpusToolsError(
            f"no document in language(s) {sorted(set(codes))}; the corpus has "
            f"{', '.join(sorted(present)) or 'no language values'}"
        )
    return sorted(set(codes))


def _iso(stamp: pd.Timestamp | None) -> str | None:
    return None if stamp is None else stamp.isoformat()


def _with_provenance(
    out: pd.DataFrame, parent: pd.DataFrame, function: str, params: dict[str, Any]
) -> pd.DataFrame:
    """``out`` with ``parent``'s attrs plus this step in ``config["steps"]``.

    The steps live in the config, which :func:`corpus_tools.io.save_corpus` writes to the
    manifest and :func:`corpus_tools.io.read_corpus` reads back. A step that drops rows
    moves the saved corpus's ``manifest_sha256`` into the step: results computed on the
    subset must not claim to come from the whole saved corpus.
    """
    attrs = copy.deepcopy(parent.attrs)
    meta = attrs.setdefault("corpus_tools", {})
    config = meta.get("config")
    config = dict(config) if isinstance(config, dict) else {}
    step = {"function": function, **params, "n_rows_in": len(parent), "n_rows_out": len(out)}
    if len(out) != len(parent) and "manifest_sha256" in meta:
        step["from_manifest_sha256"] = meta.pop("manifest_sha256")
    config["steps"] = [*config.get("steps", []), step]
    meta["config"] = config
    out.attrs = attrs
    return out
