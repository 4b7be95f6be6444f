"""Actors and places: a multilingual lexicon, mention counts and corpus filters.

The lexicon (``corpus_tools/data/actors.yaml``) lists people, places, countries,
organisations and events with their spelling variants and inflected forms in Polish,
English, Russian and Korean. :func:`tag_actors` counts mentions per document,
:func:`filter_corpus` selects documents by actor, date, language and outlet.
:func:`compile_variants` is the matcher, shared with :mod:`corpus_tools.text`.

Matching rules: case-sensitive; whole words (no letter or digit directly before or
after), except that a variant ending in Hangul may be followed by up to two Korean
particles (평양에서, 김정은은; :data:`KOREAN_PARTICLES`); at each position the longest
variant wins and matches do not overlap. Every variant is matched in every document,
whatever its language.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import CorpusToolsError

LEXICON_PATH = Path(__file__).parent / "data" / "actors.yaml"
KINDS = frozenset({"person", "place", "country", "organisation", "event"})
LANGUAGES = frozenset({"pl", "en", "ru", "ko"})
LEXICON_COLUMNS = ("actor_id", "label", "kind", "language", "variant")
TEXT_FIELDS = ("title", "text", "caption")
_ENTRY_KEYS = frozenset({"id", "label", "kind", "variants"})
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


def load_lexicon(path: str | Path | None = None) -> pd.DataFrame:
    """Load an actor lexicon as one row per variant, longest variants first.

    Parameters
    ----------
    path : str, pathlib.Path or None
        A YAML file in the format of ``corpus_tools/data/actors.yaml`` (``version: 1``
        and a list ``actors`` of entries with ``id``, ``label``, ``kind`` and
        ``variants: {language: [forms]}``); ``None`` for the shipped lexicon.

    Returns
    -------
    pandas.DataFrame
        Columns ``actor_id``, ``label``, ``kind``, ``language``, ``variant`` (string
        dtype), sorted by variant length (longest first), then ``actor_id`` and
        ``variant``, so that names can be protected longest-first.

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
    """
    source = Path(path) if path is not None else LEXICON_PATH
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LexiconError(f"{source}: cannot read actor lexicon: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("actors"), list):
        raise LexiconError(f"{source}: an actor lexicon needs a list 'actors'")
    rows = [row for entry in data["actors"] for row in _entry_rows(source, entry)]
    _check_unique(source, rows)
    lexicon = pd.DataFrame(rows, columns=list(LEXICON_COLUMNS)).astype("string")
    lexicon["_length"] = lexicon["variant"].str.len()
    lexicon = lexicon.sort_values(
        ["_length", "actor_id", "variant"], ascending=[False, True, True], kind="stable"
    )
    return lexicon.drop(columns="_length").reset_index(drop=True)


def _entry_rows(source: Path, entry: Any) -> list[tuple[str, str, str, str, str]]:
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
    variants = entry["variants"]
    if not isinstance(variants, dict) or not variants:
        raise LexiconError(f"{source}: actor {actor_id!r}: 'variants' must map language to list")
    rows = []
    for language, forms in variants.items():
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
    return shipped_lexicon() if lexicon is None else lexicon


@lru_cache(maxsize=1)
def shipped_lexicon() -> pd.DataFrame:
    """Return the packaged lexicon, read once per process (treat it as read-only)."""
    return load_lexicon()


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
        From :func:`load_lexicon`; ``None`` for the shipped lexicon.
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
    lexicon = _lexicon(lexicon)
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
    return pd.concat([corpus.drop(columns=list(tags.columns), errors="ignore"), tags], axis=1)


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
        Actor ids that must all be mentioned / of which at least one must be mentioned.
    start, end : str, pandas.Timestamp or None
        Inclusive date bounds; documents without a date are dropped when a bound is set.
    languages, outlets : iterable of str or None
        Keep only these values of ``language`` / ``outlet``.
    include_duplicates : bool
        ``False`` drops rows whose ``duplicate_of`` is set.
    lexicon : pandas.DataFrame or None
        Lexicon for on-the-fly tagging; ``None`` for the shipped one.
    column_prefix : str
        Prefix of the actor columns.

    Returns
    -------
    pandas.DataFrame
        The matching rows (with actor columns), original index kept.

    Raises
    ------
    CorpusToolsError
        For an actor id that is not in the lexicon / not a tagged column.

    Examples
    --------
    >>> corpus = pd.DataFrame({"text": ["Putin in Pyongyang.", "Putin in Moscow."]})
    >>> filter_corpus(corpus, all_of=["vladimir_putin", "pyongyang"])["text"].tolist()
    ['Putin in Pyongyang.']
    """
    all_of, any_of = list(all_of), list(any_of)
    wanted = [f"{column_prefix}{actor}" for actor in all_of + any_of]
    if any(col not in corpus.columns for col in wanted):
        corpus = tag_actors(corpus, lexicon, column_prefix=column_prefix)
    unknown = [a for a in all_of + any_of if f"{column_prefix}{a}" not in corpus.columns]
    if unknown:
        raise CorpusToolsError(f"unknown actor id(s): {', '.join(unknown)}")
    keep = pd.Series(True, index=corpus.index)
    for actor in all_of:
        keep &= corpus[f"{column_prefix}{actor}"] > 0
    if any_of:
        keep &= (corpus[[f"{column_prefix}{a}" for a in any_of]] > 0).any(axis=1)
    if start is not None:
        keep &= (corpus["date"] >= pd.Timestamp(start)).fillna(False)
    if end is not None:
        keep &= (corpus["date"] <= pd.Timestamp(end)).fillna(False)
    if languages is not None:
        keep &= corpus["language"].isin(list(languages)).fillna(False)
    if outlets is not None:
        keep &= corpus["outlet"].isin(list(outlets)).fillna(False)
    if not include_duplicates:
        keep &= corpus["duplicate_of"].isna()
    return corpus[keep.astype(bool)]
