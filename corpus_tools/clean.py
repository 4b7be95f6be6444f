"""Text cleaning: normalisation and boilerplate profiles.

The functions here are what :func:`corpus_tools.io.load_corpus` calls on every document:

* :func:`normalize_text` - Unicode NFC, LF line ends, tidy blank lines;
* :func:`load_profile` / :class:`BoilerplateProfile` - remove portal boilerplate lines
  (audio players, "read more" links, photo captions, ads) by declarative YAML rules;
* :func:`content_hash` - a hash that ignores case and spacing, for exact duplicates.

Language identification is in :mod:`corpus_tools.langid`, duplicate marking in
:mod:`corpus_tools.dedupe` and HTML extraction in :mod:`corpus_tools.htmltext`.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import CorpusToolsError

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
    text = _newlines(unicodedata.normalize("NFC", text))
    return [line.rstrip(_TRAILING_SPACE) for line in text.split("\n")]


def _newlines(text: str) -> str:
    """``text`` with Windows (CR LF) and old Mac (CR) line ends as LF."""
    if "\r" in text:  # the search for "\r\n" costs more than this one
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


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
    return _folded_hash(unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold()))


def _folded_hash(folded: str) -> str:
    """:func:`content_hash` of a text given as ``NFC(NFC(text).casefold())``."""
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
    _blank_kept: bool = field(init=False, repr=False, compare=False)  # no rule removes ""

    def __post_init__(self) -> None:
        repairs = tuple(rule for rule in self.rules if rule.kind == "replace")
        removals = tuple(rule for rule in self.rules if rule.kind != "replace")
        object.__setattr__(self, "_repairs", repairs)
        object.__setattr__(self, "_screen", _RuleScreen(removals))
        object.__setattr__(self, "_blank_kept", not any(rule.match("") for rule in removals))

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
            if not line and self._blank_kept:  # half the lines of an article
                kept.append(line)
                continue
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
