"""Text cleaning: normalisation, boilerplate profiles, language id, duplicates, HTML.

The functions here are what :func:`corpus_tools.io.load_corpus` calls on every document:

* :func:`normalize_text` - Unicode NFC, LF line ends, tidy blank lines;
* :func:`load_profile` / :class:`BoilerplateProfile` - remove portal boilerplate lines
  (audio players, "read more" links, photo captions, ads) by declarative YAML rules;
* :func:`content_hash` - a hash that ignores case and spacing, for exact duplicates;
* :func:`identify_languages` - py3langid restricted to the languages of the study;
* :func:`mark_duplicates` - exact and near duplicates (MinHash LSH) within a date window;
* :func:`extract_html` - main text and metadata of a saved web page (trafilatura).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from .errors import CorpusToolsError
from .schema import DATE_PRECISIONS

PROFILE_DIR = Path(__file__).parent / "data" / "profiles"
RuleKind = Literal["line", "prefix", "regex", "strip_prefix", "replace"]
RULE_KINDS: tuple[str, ...] = ("line", "prefix", "regex", "strip_prefix", "replace")
_RULE_KEYS = frozenset(
    {"id", "kind", "pattern", "description", "max_chars", "ignore_case", "replacement"}
)
_PROFILE_KEYS = frozenset({"name", "description", "extends", "rules", "exclude"})


class ProfileError(CorpusToolsError, ValueError):
    """A boilerplate profile file is missing or invalid."""


# ---- normalisation ------------------------------------------------------------------------
# Stripped from line ends: ASCII blanks, no-break, typographic and ideographic spaces, ZWSP.
_TRAILING_SPACE = " \t\f\v\u00a0" + "".join(map(chr, range(0x2000, 0x200C))) + "\u3000"
_BLANK_RUN = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Return ``text`` in NFC with LF line ends and tidy blank lines.

    Trailing whitespace is stripped from every line, runs of two or more blank lines
    become one blank line (paragraphs stay separated by exactly one blank line), and
    leading/trailing blank lines are removed. Leading indentation is kept.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The normalised text.

    Examples
    --------
    >>> normalize_text("a  \\r\\n\\r\\n\\r\\n\\r\\nb\\r\\n")
    'a\\n\\nb'
    """
    return _join_lines(_split_lines(text))


def _split_lines(text: str) -> list[str]:
    """The NFC lines of ``text`` (any line ends) without trailing whitespace."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip(_TRAILING_SPACE) for line in text.split("\n")]


def _join_lines(lines: list[str]) -> str:
    """Lines joined with at most one blank line between paragraphs, none around them."""
    text = "\n".join(lines)
    if "\n\n\n" in text:  # the regex scan costs more than the search on clean text
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip("\n")


def content_hash(text: str) -> str:
    """Return the sha256 hex digest of ``text`` ignoring case and whitespace differences.

    The hashed form is NFC, case-folded, with every run of whitespace collapsed to one
    space and no leading/trailing space, so copies that differ only in spacing, line
    breaks or letter case share the hash.

    Examples
    --------
    >>> content_hash("Kim  met\\nPutin.") == content_hash("kim met putin.")
    True
    """
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return hashlib.sha256(" ".join(folded.split()).encode("utf-8")).hexdigest()


# ---- boilerplate profiles -----------------------------------------------------------------
@dataclass(frozen=True)
class BoilerplateRule:
    """One boilerplate rule, applied to each line (compared without surrounding spaces).

    Parameters
    ----------
    id : str
        Identifier used in the removal counts.
    kind : {"line", "prefix", "regex", "strip_prefix", "replace"}
        ``line``: the whole line equals ``pattern``; ``prefix``: the line starts with
        ``pattern`` (the line is removed); ``regex``: the whole line matches the regular
        expression ``pattern``; ``strip_prefix``: the label ``pattern`` at the start of
        the line is removed and the rest of the line is kept; ``replace``: an in-line
        repair, every match of the regular expression ``pattern`` in the line is
        replaced by ``replacement`` and the line is kept.
    pattern : str
        Literal text, or a regular expression for ``kind="regex"`` and ``"replace"``.
    description : str
        Why the rule exists (kept in reports).
    max_chars : int or None
        Only lines up to this many characters match (e.g. captions are short lines).
    ignore_case : bool
        Match regardless of letter case.
    replacement : str
        For ``kind="replace"`` only: the :func:`re.sub` template put in place of each
        match (``""`` deletes it; ``\\1`` refers to a group).

    Examples
    --------
    >>> BoilerplateRule("spacing", "replace", r"(?<=[a-z])(?=Kim Jong Un)", replacement=" "
    ...                 ).substitute("ComradeKim Jong Un")
    ('Comrade Kim Jong Un', 1)
    """

    id: str
    kind: RuleKind
    pattern: str
    description: str = ""
    max_chars: int | None = None
    ignore_case: bool = False
    replacement: str = ""
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise ValueError(f"rule {self.id!r}: unknown kind {self.kind!r}")
        if not self.pattern:
            raise ValueError(f"rule {self.id!r}: empty pattern")
        if self.replacement and self.kind != "replace":
            raise ValueError(f"rule {self.id!r}: 'replacement' needs kind 'replace'")
        regex_kind = self.kind in ("regex", "replace")
        body = self.pattern if regex_kind else re.escape(self.pattern)
        source = {
            "line": f"{body}",
            "prefix": f"{body}.*",
            "regex": f"(?:{body})",
            "strip_prefix": f"{body}\\s*(?P<rest>.*)",
            "replace": body,
        }[self.kind]
        flags = re.IGNORECASE if self.ignore_case else 0
        try:
            object.__setattr__(self, "regex", re.compile(source, flags | re.DOTALL))
        except re.error as exc:
            raise ValueError(f"rule {self.id!r}: invalid regular expression: {exc}") from None
        try:
            self.regex.sub(self.replacement, "")  # compiles the template now, not per line
        except re.error as exc:
            raise ValueError(f"rule {self.id!r}: invalid replacement: {exc}") from None

    def match(self, line: str) -> re.Match[str] | None:
        """Return the match if this rule removes ``line``, else ``None`` (never for ``replace``)."""
        if self.kind == "replace":
            return None
        stripped = line.strip()
        if self.max_chars is not None and len(stripped) > self.max_chars:
            return None
        return self.regex.fullmatch(stripped)

    def substitute(self, line: str) -> tuple[str, int]:
        """Apply a ``replace`` rule to ``line``: the repaired line and the repair count."""
        if self.max_chars is not None and len(line.strip()) > self.max_chars:
            return line, 0
        return self.regex.subn(self.replacement, line)

    def kept(self, match: re.Match[str]) -> str | None:
        """What remains of a matched line: the rest after a stripped label, or nothing."""
        return (match.group("rest") or None) if self.kind == "strip_prefix" else None

    def screen_source(self) -> str | None:
        """This rule as a group-free, self-contained pattern to combine with other rules.

        ``None`` for a regular expression with capture groups of its own: in a combined
        pattern its group numbers (and so its backreferences) would shift.

        Examples
        --------
        >>> BoilerplateRule("ad", "line", "Reklama", ignore_case=True).screen_source()
        '(?si:Reklama)'
        """
        if self.kind == "strip_prefix":
            source = re.escape(self.pattern) + ".*"  # the kept rest can be anything
        elif self.regex.groups:
            return None
        else:
            source = self.regex.pattern
        return f"(?{'si' if self.ignore_case else 's'}:{source})"

    def to_dict(self) -> dict[str, Any]:
        """Return the rule as a plain dict (the profile file format)."""
        out = {k: v for k, v in asdict(self).items() if k != "regex"}
        return {k: v for k, v in out.items() if v not in (None, False, "")}


@dataclass(frozen=True)
class BoilerplateProfile:
    """A named, ordered set of boilerplate rules; the first matching rule wins per line.

    ``replace`` rules are in-line repairs: they rewrite every line first, in profile
    order, and the removal rules then see the repaired line.

    Examples
    --------
    >>> profile = load_profile("pl_portal")
    >>> text, removed = profile.clean("Posłuchaj artykułu Dowiedz się więcej\\n\\nTreść.")
    >>> text, removed["audio_player"]
    ('Treść.', 1)
    """

    name: str
    rules: tuple[BoilerplateRule, ...] = ()
    description: str = ""
    _screen: _RuleScreen = field(init=False, repr=False, compare=False)
    _repairs: tuple[BoilerplateRule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        repairs = tuple(rule for rule in self.rules if rule.kind == "replace")
        removals = tuple(rule for rule in self.rules if rule.kind != "replace")
        object.__setattr__(self, "_repairs", repairs)
        object.__setattr__(self, "_screen", _RuleScreen(removals))

    def clean(self, text: str) -> tuple[str, Counter[str]]:
        """Remove boilerplate lines from ``text``.

        Parameters
        ----------
        text : str
            A document; it is normalised with :func:`normalize_text` first.

        Returns
        -------
        tuple of (str, collections.Counter)
            The cleaned, normalised text and the number of lines removed (or, for
            ``strip_prefix`` rules, labels stripped; for ``replace`` rules, matches
            replaced) per rule id.
        """
        removed: Counter[str] = Counter()
        kept = []
        for line in _split_lines(text):
            if self._repairs:
                line = self._repair(line, removed)
            result: str | None = line
            for rule in self._screen.candidates(line.strip()):
                match = rule.match(line)
                if match is not None:
                    removed[rule.id] += 1
                    result = rule.kept(match)
                    # The rest of a stripped label was compared stripped of all Unicode
                    # spaces; normalize_text strips fewer, and only at the line end.
                    result = result.rstrip(_TRAILING_SPACE) if result else None
                    break
            if result is not None:
                kept.append(result)
        return _join_lines(kept), removed

    def _repair(self, line: str, counts: Counter[str]) -> str:
        for rule in self._repairs:
            line, n = rule.substitute(line)
            if n:
                counts[rule.id] += n
        return line.rstrip(_TRAILING_SPACE)  # a repair may leave spaces at the end

    def to_dict(self) -> dict[str, Any]:
        """Return the resolved profile (no ``extends``) in the profile file format."""
        return {
            "name": self.name,
            "description": self.description,
            "rules": [rule.to_dict() for rule in self.rules],
        }


class _RuleScreen:
    """One combined pattern per line-length band that rules out most lines in one call.

    A line no rule can match (nearly every line of an article) then costs one regular
    expression call instead of one per rule. A line that passes the screen is checked rule
    by rule as before, so which rule wins and the per-rule counts do not change. Bands
    follow the rules' ``max_chars``: a band's pattern holds only the rules that apply to
    lines of its lengths, so a long paragraph is not tried against caption rules.
    """

    def __init__(self, rules: tuple[BoilerplateRule, ...]) -> None:
        self.rules = rules
        self.limits = sorted({rule.max_chars for rule in rules if rule.max_chars is not None})
        self.unscreened = tuple(rule for rule in rules if rule.screen_source() is None)
        self.patterns = [
            self._combine(rule for rule in rules if rule.max_chars is None or rule.max_chars >= low)
            for low in [*self.limits, math.inf]
        ]

    @staticmethod
    def _combine(rules: Iterable[BoilerplateRule]) -> re.Pattern[str] | None:
        sources = [s for s in (rule.screen_source() for rule in rules) if s is not None]
        return re.compile("|".join(sources)) if sources else None

    def candidates(self, stripped: str) -> tuple[BoilerplateRule, ...]:
        """The rules that may match a line (given without surrounding spaces), in order."""
        pattern = self.patterns[bisect.bisect_left(self.limits, len(stripped))]
        if pattern is not None and pattern.fullmatch(stripped):
            return self.rules
        return self.unscreened


def load_profile(name_or_path: str | Path | None) -> BoilerplateProfile:
    """Load a boilerplate profile by name, from a YAML/TOML file, or the empty profile.

    Parameters
    ----------
    name_or_path : str, pathlib.Path or None
        ``None`` for no rules; a bare name such as ``"pl_portal"`` for a profile shipped
        in ``corpus_tools/data/profiles/``; otherwise the path of a ``.yaml``/``.yml`` or
        ``.toml`` file with keys ``name``, ``description``, ``rules`` and optionally
        ``extends`` (a shipped name or a path relative to the file: its rules come first,
        a rule with the same ``id`` replaces the inherited one) and ``exclude`` (ids of
        inherited rules to drop).

    Returns
    -------
    BoilerplateProfile

    Raises
    ------
    ProfileError
        Naming the file and the problem (unknown key, bad regex, unknown rule kind,
        unknown profile name, cyclic ``extends``).

    Examples
    --------
    >>> load_profile(None).clean("Reklama")[0]
    'Reklama'
    >>> "audio_player" in [rule.id for rule in load_profile("pl_portal").rules]
    True
    """
    if name_or_path is None:
        return BoilerplateProfile(name="none")
    return _load_profile_file(_resolve_profile(name_or_path, base=None), seen=())


def _resolve_profile(name_or_path: str | Path, base: Path | None) -> Path:
    text = str(name_or_path)
    if isinstance(name_or_path, str) and re.fullmatch(r"[A-Za-z0-9_\-]+", text):
        path = PROFILE_DIR / f"{text}.yaml"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in PROFILE_DIR.glob("*.yaml")))
            raise ProfileError(f"unknown boilerplate profile {text!r} (shipped: {known})")
        return path
    path = Path(name_or_path).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    if not path.is_file():
        raise ProfileError(f"boilerplate profile file not found: {path}")
    return path


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8")) if path.suffix == ".toml" else yaml.safe_load(raw)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile must be a mapping with a 'rules' list")
    unknown = sorted(set(data) - _PROFILE_KEYS)
    if unknown:
        raise ProfileError(f"{path}: unknown key(s) {unknown}; allowed: {sorted(_PROFILE_KEYS)}")
    return data


def _load_profile_file(path: Path, seen: tuple[Path, ...]) -> BoilerplateProfile:
    resolved = path.resolve()
    if resolved in seen:
        raise ProfileError(f"{path}: cyclic 'extends' chain")
    data = _read_mapping(path)
    rules: dict[str, BoilerplateRule] = {}
    if data.get("extends"):
        parent = _load_profile_file(
            _resolve_profile(data["extends"], base=path.parent), (*seen, resolved)
        )
        rules = {rule.id: rule for rule in parent.rules}
    for rule_id in data.get("exclude") or ():
        if rules.pop(rule_id, None) is None:
            raise ProfileError(f"{path}: 'exclude' names unknown rule {rule_id!r}")
    own = data.get("rules") or []
    if not isinstance(own, list):
        raise ProfileError(f"{path}: 'rules' must be a list")
    own_ids: set[str] = set()
    for entry in own:
        rule = _parse_rule(path, entry)
        if rule.id in own_ids:
            raise ProfileError(f"{path}: rule id {rule.id!r} is defined twice")
        own_ids.add(rule.id)
        rules[rule.id] = rule
    return BoilerplateProfile(
        name=str(data.get("name") or path.stem),
        rules=tuple(rules.values()),
        description=str(data.get("description") or ""),
    )


def _parse_rule(path: Path, entry: Any) -> BoilerplateRule:
    if not isinstance(entry, dict) or not {"id", "kind", "pattern"} <= set(entry):
        raise ProfileError(f"{path}: each rule needs 'id', 'kind' and 'pattern', got {entry!r}")
    unknown = sorted(set(entry) - _RULE_KEYS)
    if unknown:
        raise ProfileError(f"{path}: rule {entry['id']!r} has unknown key(s) {unknown}")
    max_chars = entry.get("max_chars")
    if max_chars is not None and (not isinstance(max_chars, int) or max_chars < 1):
        raise ProfileError(f"{path}: rule {entry['id']!r}: max_chars must be a positive integer")
    try:
        return BoilerplateRule(
            id=str(entry["id"]),
            kind=entry["kind"],
            pattern=str(entry["pattern"]),
            description=str(entry.get("description") or ""),
            max_chars=max_chars,
            ignore_case=bool(entry.get("ignore_case", False)),
            replacement=str(entry.get("replacement") or ""),
        )
    except ValueError as exc:
        raise ProfileError(f"{path}: {exc}") from None


# ---- language identification --------------------------------------------------------------
# 1,000 and 2,000 characters gave the same language for every document of the demo corpus
# and of 500 NewsArticles texts (benchmarks/bench_clean_quality.py) at half the CPU time.
LANGID_MAX_CHARS = 1000
LANGID_MIN_CHARS = 20
_LANGID_BATCH = 256


class _BatchIdentifier:
    """py3langid's classifier with its byte automaton run over many texts at once.

    ``LanguageIdentifier.classify`` walks the automaton that finds the model's byte
    n-gram features in a Python loop, one byte at a time: about two thirds of its cost.
    Here one numpy step advances every text of a batch by one byte. The feature counts,
    their order and the scoring (py3langid's own ``_sparse_score`` and the steps of its
    ``_decide``) are those of ``classify``, so codes and probabilities are bit-identical
    (tests/test_clean.py compares them with ``classify``; py3langid is pinned to 0.4).
    """

    def __init__(self, languages: tuple[str, ...]) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self.model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        try:
            self.model.set_languages(list(languages))
        except ValueError as exc:
            raise CorpusToolsError(f"language identification: {exc}") from None
        self.next_state = np.frombuffer(
            self.model.tk_nextmove, dtype=self.model.tk_nextmove.typecode
        )
        self.row_base = np.asarray(self.model._rowbase, dtype=np.int64)
        self.feature = np.asarray(self.model.tk_output, dtype=np.int64)

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """``(code, probability)`` per text, as ``LanguageIdentifier.classify`` gives."""
        if not texts:
            return []
        model = self.model
        encoded = [model._encode(text) for text in texts]
        empty = np.zeros(len(model.nb_classes), dtype=np.float32)
        scores = np.stack(
            [model._sparse_score(v, model.nb_ptc) if v else empty for v in self._visits(encoded)]
        )
        # py3langid's _decide, one row per text: the same float32 operations element by element.
        scores *= np.array([1.0 / math.sqrt(len(data) or 1) for data in encoded], np.float32)[
            :, None
        ]
        np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        for i, j in model._alias_pairs:
            scores[:, i] += scores[:, j]
            scores[:, j] = 0.0
        best = scores.argmax(axis=1)
        return [
            (model.nb_classes[k], float(row[k]))
            for row, k in zip(scores, best.tolist(), strict=True)
        ]

    def _visits(self, encoded: list[bytes]) -> list[Counter[int]]:
        """Feature counts per text, keys in order of first occurrence (py3langid's order)."""
        if not encoded:
            return []
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        width = int(lengths.max())
        inside = np.arange(width)[:, None] < lengths  # (byte position, text)
        data = np.zeros((width, len(encoded)), dtype=np.int64)
        data.T[inside.T] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        found = np.empty_like(data)
        state = np.zeros(len(encoded), dtype=np.int64)
        for position in range(width):
            state = self.next_state[self.row_base[state] + data[position]]
            found[position] = self.feature[state]
        found[~inside] = -1  # steps past a text's end are padding
        return [Counter(row[row >= 0].tolist()) for row in np.ascontiguousarray(found.T)]


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]) -> _BatchIdentifier:
    return _BatchIdentifier(languages)


def identify_languages(
    texts: Sequence[str | None],
    languages: Sequence[str] = ("pl", "en", "ru", "ko"),
    *,
    max_chars: int = LANGID_MAX_CHARS,
    min_chars: int = LANGID_MIN_CHARS,
) -> tuple[list[str | None], list[float]]:
    """Identify the language of each text among ``languages`` with py3langid.

    Parameters
    ----------
    texts : sequence of str or None
        Documents; missing values are allowed.
    languages : sequence of str
        ISO 639-1 codes the identifier may answer with (restricting the set avoids
        confusions with unrelated languages, e.g. Polish vs. Slovak).
    max_chars : int
        Only the first ``max_chars`` characters are classified (speed; a longer head did
        not change any answer on the demo corpus and on 500 English news articles).
    min_chars : int
        Texts with fewer non-space characters get ``(None, nan)``.

    Returns
    -------
    tuple of (list of str or None, list of float)
        Language code and its probability (normalised over ``languages``) per text.

    Examples
    --------
    >>> codes, probs = identify_languages(["Kim Dzong Un spotkał Putina w Pjongjangu.", None])
    >>> codes
    ['pl', None]
    """
    identifier = _identifier(tuple(sorted(set(languages))))
    heads = [text[:max_chars] if isinstance(text, str) else "" for text in texts]
    todo = [i for i, head in enumerate(heads) if len("".join(head.split())) >= min_chars]
    codes: list[str | None] = [None] * len(heads)
    probs = [math.nan] * len(heads)
    # Batches bound the padded byte matrix when texts are many.
    for start in range(0, len(todo), _LANGID_BATCH):
        batch = todo[start : start + _LANGID_BATCH]
        found = identifier.classify([heads[i] for i in batch])
        for i, (code, prob) in zip(batch, found, strict=True):
            codes[i], probs[i] = code, prob
    return codes, probs


# ---- duplicates ---------------------------------------------------------------------------
_REQUIRED_DUP_COLUMNS = ("doc_id", "date", "text", "content_sha256")
_Intervals = tuple[np.ndarray, np.ndarray]  # first and last moments of the same documents' dates


def mark_duplicates(
    df: pd.DataFrame,
    *,
    threshold: float = 0.8,
    window_days: int = 7,
    num_perm: int = 128,
    shingle_size: int = 5,
    seed: int = 1,
    signatures: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.Series:
    """Find exact and near duplicates; return ``duplicate_of`` for every row.

    Rules:

    * Exact duplicates share ``content_sha256`` (computed with :func:`content_hash`
      where missing), whatever their dates.
    * Near duplicates (wire copies with small edits): word ``shingle_size``-grams of the
      case-folded text are sketched with datasketch MinHash (``num_perm``, ``seed``),
      candidates come from MinHash LSH at ``threshold``, and a pair is confirmed when
      the estimated Jaccard similarity is ``>= threshold`` and both dates are known and
      at most ``window_days`` apart. Documents with an unknown date (``NaT``) or fewer
      than ``shingle_size`` words only take part in exact matching. A group of exact
      copies is compared through one copy, and the window is met when any of its dated
      copies is within ``window_days`` of any dated copy of the other group.
    * Dates are intervals: by ``date_precision``, a ``"month"`` date (the 1st) stands for
      every day of its month and a ``"year"`` date for every day of its year; a ``"day"``
      date, a missing precision or a missing column is the timestamp itself. Two dates
      are ``window_days`` apart when the days between their intervals are (0 when the
      intervals overlap), so a month-dated wire copy of 2024-06 and a copy of 2024-06-20
      are within any window, and one of 2024-07-07 is 7 days after it.
    * Confirmed pairs are grouped transitively; in each group the earliest document (by
      interval start, i.e. month dates before the days of their month; unknown dates
      last; ties by ``doc_id``) is canonical and every other member points to it
      directly, never to another duplicate. Nothing is removed.

    Parameters
    ----------
    df : pandas.DataFrame
        A corpus with columns ``doc_id``, ``date``, ``text``, ``content_sha256`` and
        optionally ``date_precision`` (``"day"``, ``"month"``, ``"year"`` or missing).
    threshold : float
        Jaccard similarity of shingle sets at which two texts count as near duplicates.
    window_days : int
        Maximum distance in days between the date intervals of near duplicates.
    num_perm, shingle_size, seed : int
        MinHash parameters; the result is deterministic for a fixed ``seed``.
    signatures : tuple of (numpy.ndarray, numpy.ndarray), optional
        MinHash signatures computed beforehand with :func:`minhash_signatures` and the same
        ``num_perm``, ``shingle_size`` and ``seed``: row positions in ``df`` and their
        signatures. The result is the same as without them; they let a caller sketch the
        texts where they are at hand (``corpus_tools.io`` does it in its reader processes)
        instead of turning every text into a Python string here.

    Returns
    -------
    pandas.Series
        dtype ``"string"``, aligned with ``df.index``: the canonical ``doc_id`` or
        ``<NA>`` for canonical and unique documents.

    Raises
    ------
    CorpusToolsError
        For a missing column, a threshold outside (0, 1] or an unknown ``date_precision``.

    Examples
    --------
    >>> df = pd.DataFrame({"doc_id": ["a", "b"], "date": pd.to_datetime(["2024-06-19"] * 2),
    ...                    "text": ["Kim met Putin.", "KIM  met Putin."],
    ...                    "content_sha256": [None, None]})
    >>> mark_duplicates(df).tolist()
    [<NA>, 'a']
    """
    missing = [c for c in _REQUIRED_DUP_COLUMNS if c not in df.columns]
    if missing:
        raise CorpusToolsError(f"mark_duplicates needs column(s): {', '.join(missing)}")
    if not 0.0 < threshold <= 1.0:
        raise CorpusToolsError(f"threshold must be in (0, 1], got {threshold}")
    n = len(df)
    ids = df["doc_id"].astype("string").to_numpy(dtype=object, na_value=None)
    starts, ends = _date_intervals(df)
    # Rank 0 = earliest interval start: NaT sorts last, ties broken by doc_id.
    order = np.lexsort((ids.astype(str), np.isnat(starts), starts))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    parent = np.arange(n)
    _union_exact(parent, rank, _hashes(df))
    # Only one copy per exact-duplicate group needs sketching.
    members = np.flatnonzero(
        (parent == np.arange(n)) & df["text"].notna().to_numpy() & ~np.isnat(starts)
    )
    if signatures is None:
        texts = df["text"].iloc[members].tolist()
        kept, sketches = minhash_signatures(
            texts, num_perm=num_perm, shingle_size=shingle_size, seed=seed
        )
        kept = members[kept]
    else:
        kept, sketches = _given_signatures(signatures, members, n, num_perm)
    pairs = kept[_similar_pairs(sketches, threshold=threshold)]
    for a, b in pairs[_within_window(pairs, parent, (starts, ends), window_days)].tolist():
        _union(parent, rank, a, b)
    canonical = np.array([_find(parent, i) for i in range(n)], dtype=np.int64)
    out = np.where(canonical == np.arange(n), None, ids[canonical])
    return pd.Series(out, index=df.index, dtype="string", name="duplicate_of")


def _hashes(df: pd.DataFrame) -> list[str | None]:
    """``content_sha256``, computed with :func:`content_hash` where it is missing."""
    hashes = df["content_sha256"].astype("string").to_numpy(dtype=object, na_value=None)
    todo = np.flatnonzero(df["content_sha256"].isna().to_numpy() & df["text"].notna().to_numpy())
    if len(todo):  # selecting rows copies a chunked Arrow column whole, even for no rows
        for i, text in zip(todo.tolist(), df["text"].iloc[todo], strict=True):
            hashes[i] = content_hash(text)
    return hashes.tolist()


def _given_signatures(
    signatures: tuple[np.ndarray, np.ndarray], members: np.ndarray, n: int, num_perm: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``members`` that have a signature, and those signatures."""
    rows, sketches = (np.asarray(part) for part in signatures)
    if sketches.ndim != 2 or sketches.shape != (len(rows), num_perm):
        raise CorpusToolsError(
            f"signatures must be (rows, array of shape (len(rows), {num_perm})), "
            f"got {len(rows)} rows and shape {sketches.shape}"
        )
    if len(rows) and (rows.min() < 0 or rows.max() >= n):
        raise CorpusToolsError(f"signature rows must be positions in the frame (0-{n - 1})")
    where = np.full(n, -1, dtype=np.int64)
    where[rows] = np.arange(len(rows))
    found = where[members]
    return members[found >= 0], sketches[found[found >= 0]]


def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return int(root)


def _union(parent: np.ndarray, rank: np.ndarray, i: int, j: int) -> None:
    """Merge two groups; the root is always the earliest member (lowest rank)."""
    ri, rj = _find(parent, i), _find(parent, j)
    if ri != rj:
        first, second = (ri, rj) if rank[ri] < rank[rj] else (rj, ri)
        parent[second] = first


def _date_intervals(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First and last moment each ``date`` stands for, by ``date_precision`` (see above)."""
    dates = pd.to_datetime(df["date"]).to_numpy(dtype="datetime64[ns]")
    starts, ends = dates.copy(), dates.copy()
    if "date_precision" not in df.columns:
        return starts, ends
    precision = df["date_precision"].astype("string").fillna("day").to_numpy(dtype=object)
    unknown = sorted(set(precision) - DATE_PRECISIONS)
    if unknown:
        raise CorpusToolsError(
            f"column 'date_precision' has {unknown[0]!r}; expected day, month, year or NA"
        )
    for name, unit in (("month", "M"), ("year", "Y")):
        rows = precision == name
        period = dates[rows].astype(f"datetime64[{unit}]")
        starts[rows] = period.astype("datetime64[ns]")
        # The interval's last day, so that a day date counts days from it as day dates do.
        ends[rows] = (period + 1).astype("datetime64[ns]") - np.timedelta64(1, "D")
    return starts, ends


def _within_window(
    pairs: np.ndarray, parent: np.ndarray, intervals: _Intervals, window_days: int
) -> np.ndarray:
    """Which pairs of exact-copy groups have dated copies at most ``window_days`` apart."""
    window = np.timedelta64(window_days, "D")
    starts, ends = intervals
    first, second = pairs[:, 0], pairs[:, 1]
    gaps = np.maximum(starts[second] - ends[first], starts[first] - ends[second])
    ok = gaps <= window  # a negative gap is an overlap
    by_group = _intervals_by_group(parent, starts, ends)
    # Only groups with several dated copies can be closer than their first copies are.
    for k in np.flatnonzero(~ok).tolist():
        a, b = pairs[k]
        if a in by_group or b in by_group:
            own = (starts[[a]], ends[[a]]), (starts[[b]], ends[[b]])
            ok[k] = _closest_gap(by_group.get(a, own[0]), by_group.get(b, own[1])) <= window
    return ok


def _intervals_by_group(
    parent: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> dict[int, _Intervals]:
    """Date intervals of the groups with several dated copies, keyed by the group's root."""
    dated = np.flatnonzero(~np.isnat(starts))
    roots = np.array([_find(parent, int(i)) for i in dated], dtype=np.int64)
    order = np.argsort(roots, kind="stable")
    roots, dated = roots[order], dated[order]
    edges = np.flatnonzero(np.diff(roots, prepend=-1, append=-1)).tolist()
    return {
        int(roots[lo]): (starts[dated[lo:hi]], ends[dated[lo:hi]])
        for lo, hi in itertools.pairwise(edges)
        if hi - lo > 1
    }


def _closest_gap(first: _Intervals, second: _Intervals) -> np.timedelta64:
    """Smallest gap between an interval of ``first`` and one of ``second`` (0: overlap).

    Each interval of ``second`` lies wholly after an interval of ``first`` (starts after
    its end), wholly before it (ends before its start) or overlaps it, so two binary
    searches per interval of ``first`` find the overlaps and the nearest neighbours.
    """
    first_starts, first_ends = first
    second_starts, second_ends = np.sort(second[0]), np.sort(second[1])
    n = len(second_starts)
    after = np.searchsorted(second_starts, first_ends, side="right")  # first one wholly after
    before = np.searchsorted(second_ends, first_starts, side="left")  # how many wholly before
    if ((n - after) + before < n).any():
        return np.timedelta64(0, "ns")
    has_after, has_before = after < n, before > 0
    return np.concatenate(
        (
            second_starts[after[has_after]] - first_ends[has_after],
            first_starts[has_before] - second_ends[before[has_before] - 1],
        )
    ).min()


def _union_exact(parent: np.ndarray, rank: np.ndarray, hashes: list[str | None]) -> None:
    first_of: dict[str, int] = {}
    for i in np.argsort(rank):
        h = hashes[i]
        if h is None:
            continue
        if h in first_of:
            _union(parent, rank, first_of[h], int(i))
        else:
            first_of[h] = int(i)


_SHINGLE_CHUNK = 500  # documents tokenised together (bounds memory)
_LSH_WEIGHTS = (0.1, 0.9)  # (false positive, false negative) weights for the band choice
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_FNV_PRIME = np.uint64(0x100000001B3)
_POWERS = np.cumprod(np.full(64, _GOLDEN, dtype=np.uint64))  # wraps mod 2**64 by design
# Word bytes: ASCII letters, digits, "_" and every byte of a multi-byte UTF-8 character.
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[
    np.frombuffer(b"0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8)
] = True
_WORD_BYTE[0x80:] = True


def _word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hash every word of ``texts`` at once; return (word hashes, document of each word).

    A word is a run of ASCII letters/digits/underscore and non-ASCII characters of the
    case-folded NFC text, so ASCII punctuation and whitespace separate words. Computed
    on the UTF-8 bytes with numpy because a Python-level tokeniser dominates the run
    time on 10^5 documents.
    """
    encoded = [unicodedata.normalize("NFC", text.casefold()).encode("utf-8") for text in texts]
    doc_start = np.cumsum([0] + [len(e) + 1 for e in encoded[:-1]])
    data = np.frombuffer(b"\0".join(encoded), dtype=np.uint8)
    is_word = _WORD_BYTE[data]
    starts = np.flatnonzero(is_word & ~np.concatenate(([False], is_word[:-1])))
    doc = np.searchsorted(doc_start, starts, side="right") - 1
    if not len(starts):
        return np.empty(0, dtype=np.uint64), doc
    word_bytes = data[is_word].astype(np.uint64) + np.uint64(1)
    first = np.cumsum(is_word)[starts] - 1  # where each word begins in word_bytes
    lengths = np.diff(np.append(first, len(word_bytes)))
    position = np.minimum(np.arange(len(word_bytes)) - np.repeat(first, lengths), 63)
    with np.errstate(over="ignore"):
        return np.add.reduceat(word_bytes * _POWERS[position], first), doc


def _shingles(texts: Sequence[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return 32-bit hashes of all word ``size``-grams and the document of each."""
    hashes, doc = _word_hashes(texts)
    n = max(len(hashes) - size + 1, 0)
    combined = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            combined = combined * _FNV_PRIME + hashes[offset : offset + n]
    inside = doc[:n] == doc[size - 1 : size - 1 + n]  # no shingle spans two documents
    folded = ((combined >> np.uint64(32)) ^ combined).astype(np.uint32)
    return folded[inside], doc[:n][inside]


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finalizer, the pre-mix datasketch's ``affine32`` scheme applies."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def minhash_signatures(
    texts: Sequence[str], *, num_perm: int = 128, shingle_size: int = 5, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures of the word shingles of ``texts`` (datasketch ``affine32``).

    The values equal ``datasketch.MinHash.bulk`` over the same 32-bit shingle hashes with
    ``hashfunc`` the identity (checked in the tests); tokenising and hashing many documents
    per numpy operation makes it several times faster than hashing shingle strings one
    document at a time.

    Parameters
    ----------
    texts : sequence of str
        Documents.
    num_perm, shingle_size, seed : int
        Number of permutations, words per shingle, datasketch permutation seed.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray)
        Positions of the texts with at least ``shingle_size`` words, and their
        signatures, shape ``(len(positions), num_perm)``, dtype uint32.

    Examples
    --------
    >>> kept, sig = minhash_signatures(["one two three four five six", "too short"])
    >>> kept.tolist(), sig.shape
    ([0], (1, 128))
    """
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    kept_parts, signature_parts = [], []
    for start in range(0, len(texts), _SHINGLE_CHUNK):
        shingles, doc = _shingles(texts[start : start + _SHINGLE_CHUNK], shingle_size)
        mixed = _fmix32(shingles)[:, None]
        edges = np.flatnonzero(np.diff(doc, prepend=-1, append=-1))  # shingles grouped by doc
        kept_parts.append(start + doc[edges[:-1]])
        # One document at a time keeps the permuted block small enough for the CPU cache
        # (numpy's minimum.reduceat over axis 0 is several times slower).
        signature_parts.extend(
            (mixed[lo:hi] * a + b).min(axis=0) for lo, hi in itertools.pairwise(edges)
        )
    if not signature_parts:
        return np.empty(0, dtype=np.int64), np.empty((0, num_perm), dtype=np.uint32)
    return np.concatenate(kept_parts), np.stack(signature_parts)


def _similar_pairs(signatures: np.ndarray, *, threshold: float) -> np.ndarray:
    """Return ``(i, j)`` rows (i < j) whose estimated Jaccard is ``>= threshold``."""
    pairs = lsh_candidates(signatures, threshold=threshold)
    similarity = (signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1)
    return pairs[similarity >= threshold]


def lsh_candidates(signatures: np.ndarray, *, threshold: float) -> np.ndarray:
    """Candidate pairs of MinHash LSH banding, the same as ``datasketch.MinHashLSH``.

    The band count and width are datasketch's choice for ``threshold``; the bucketing is
    done with one numpy sort per band instead of a Python call per document (the
    per-document ``insert``/``query`` of ``MinHashLSH`` took about half of the run time
    on 10^5 documents). Every candidate must still be confirmed on its signatures, so
    the bands are tuned for recall: a pair at Jaccard 0.9 becomes a candidate with
    probability 0.999 (0.93 with datasketch's default weights at threshold 0.8).

    Parameters
    ----------
    signatures : numpy.ndarray
        Shape ``(n_documents, num_perm)``, from :func:`minhash_signatures`.
    threshold : float
        Jaccard similarity the bands are tuned for.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_pairs, 2)``, sorted rows ``(i, j)`` with ``i < j``.

    Examples
    --------
    >>> _, sig = minhash_signatures(["a b c d e f g", "a b c d e f g", "h i j k l m n"])
    >>> lsh_candidates(sig, threshold=0.8).tolist()
    [[0, 1]]
    """
    from datasketch import MinHashLSH

    n, num_perm = signatures.shape
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=_LSH_WEIGHTS)
    codes = [np.empty(0, dtype=np.int64)]
    for band in range(lsh.b):
        block = np.ascontiguousarray(signatures[:, band * lsh.r : (band + 1) * lsh.r])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * lsh.r))).ravel()
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        edges = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1, [n]))
        sizes = np.diff(edges)
        # Buckets of two (the usual case) in one step, larger ones one at a time.
        first, second = order[edges[:-1][sizes == 2]], order[edges[:-1][sizes == 2] + 1]
        codes.append(np.minimum(first, second) * n + np.maximum(first, second))
        for lo, hi in zip(edges[:-1][sizes > 2], edges[1:][sizes > 2], strict=True):
            members = np.sort(order[lo:hi])
            i, j = np.triu_indices(len(members), k=1)
            codes.append(members[i] * n + members[j])
    unique = np.unique(np.concatenate(codes))
    return np.stack([unique // n, unique % n], axis=1)


# ---- HTML ---------------------------------------------------------------------------------
_HTML_KEYS = ("text", "title", "date", "author", "url", "sitename")


def extract_html(html: str, url: str | None = None) -> dict[str, str | None]:
    """Extract the main text and metadata of a web page with trafilatura.

    Parameters
    ----------
    html : str
        The page source.
    url : str or None
        The page address (helps trafilatura; used when the page does not state it).

    Returns
    -------
    dict
        Keys ``text``, ``title``, ``date`` (``YYYY-MM-DD``), ``author``, ``url``,
        ``sitename``; ``None`` where the page has no such information.

    Examples
    --------
    >>> page = "<html><body><article><p>" + "Kim met Putin in Pyongyang. " * 20
    >>> extract_html(page + "</p></article></body></html>")["text"][:27]
    'Kim met Putin in Pyongyang.'
    """
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    values = doc.as_dict() if doc is not None else {}
    out: dict[str, str | None] = {key: values.get(key) or None for key in _HTML_KEYS}
    if out["text"] is not None:
        out["text"] = normalize_text(out["text"])
    if out["url"] is None:
        out["url"] = url
    return out
