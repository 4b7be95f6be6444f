"""Bytes to text for corpus files: BOMs, UTF-8, regional code pages, charset-normalizer.

Text from Polish and Russian portals arrives as UTF-8 or in one of four single-byte code
pages (CP1250, ISO-8859-2, CP1251, KOI8-R) that all decode almost any byte string without
error, so a decoder that "succeeds" proves nothing. :func:`decode_bytes` therefore scores
each regional candidate by how plausible its non-ASCII characters are (Polish letters,
lower-case Cyrillic, no control characters or symbols inside words) and only falls back to
charset-normalizer for other encodings.
"""

from __future__ import annotations

import codecs
import datetime
import functools
import io
import json
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import charset_normalizer
import numpy as np
import pandas as pd

from ._archive import ARCHIVE_SUFFIXES
from .errors import CorpusToolsError

# Tried in this order; on equal scores the earlier one wins (the decodings then agree on
# every letter that matters, e.g. Polish text without ś/ą/ź in CP1250 vs ISO-8859-2).
REGIONAL_ENCODINGS: tuple[str, ...] = ("cp1250", "iso8859_2", "cp1251", "koi8_r")
POLISH_LETTERS = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
# C0 control bytes that never occur in text files (tab, LF, VT, FF, CR are fine).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13))
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class ReadProblem(ValueError):
    """A file cannot be read for a reason that is its report reason (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DecodeProblem(ReadProblem):
    """The bytes are not text: ``reason`` is ``"binary"`` or ``"undecodable: ..."``."""


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode file contents to ``str``; return ``(text, encoding_name)``.

    Parameters
    ----------
    data : bytes
        The raw file contents.
    encoding : str, optional
        Force this codec (no detection); the bytes must decode without errors.

    Returns
    -------
    tuple of (str, str)
        The text and the Python codec name used.

    Raises
    ------
    DecodeProblem
        For binary data (NUL or other control bytes) or bytes no candidate decodes.

    Examples
    --------
    >>> decode_bytes("Zażółć gęślą jaźń".encode("cp1250"))
    ('Zażółć gęślą jaźń', 'cp1250')
    """
    if encoding is not None:
        try:
            return data.decode(encoding), codecs.lookup(encoding).name
        except LookupError as exc:
            raise DecodeProblem(f"undecodable: unknown encoding {encoding!r}") from exc
        except UnicodeDecodeError as exc:
            raise DecodeProblem(f"undecodable: not valid {encoding} ({exc.reason})") from exc
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise DecodeProblem(f"undecodable: bad {codec} after BOM") from exc
    if len(data) - len(data.translate(None, _CONTROL_BYTES)) > max(0, len(data) // 1000):
        raise DecodeProblem("binary")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed = _decode_mixed(data)
    return mixed if mixed is not None else _decode_regional(data)


def _decode_mixed(data: bytes) -> tuple[str, str] | None:
    """A UTF-8 first line (e.g. a header a tool added) over a body in a regional code page.

    Decoded as one code page, the header's non-ASCII letters would become mojibake (and
    a credit such as "Źródło:" would no longer be recognised).
    """
    head, newline, body = data.partition(b"\n")
    if not newline or not _HIGH_BYTE.search(head):
        return None
    try:
        header = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text, codec = _decode_regional(body)
    return f"{header}\n{text}", f"utf-8+{codec}"


def _decode_regional(data: bytes) -> tuple[str, str]:
    positions = [m.start() for m in _HIGH_BYTE.finditer(data)]
    scored = []
    for codec in REGIONAL_ENCODINGS:
        text = data.decode(codec, errors="replace")
        scored.append((_plausibility(text, positions), codec, text))
    best = max(scored, key=lambda s: s[0])  # max keeps the first of equal scores
    if best[0] > 0:
        return best[2], best[1]
    match = charset_normalizer.from_bytes(data).best()
    if match is None or match.encoding is None:
        raise DecodeProblem("undecodable: no encoding fits")
    return str(match), match.encoding


def _plausibility(text: str, positions: list[int]) -> float:
    """Score the characters a single-byte codec produced for the high bytes.

    Single-byte codecs map byte ``i`` to character ``i``, so only the high-byte positions
    need looking at: ASCII decodes identically in every candidate.
    """
    score = 0.0
    last = len(text) - 1
    for i in positions:
        char = text[i]
        prev = text[i - 1] if i > 0 else " "
        nxt = text[i + 1] if i < last else " "
        score += _char_score(char, prev, nxt)
    return score


def _char_score(char: str, prev: str, nxt: str) -> float:
    category = unicodedata.category(char)
    if category[0] == "C" or char == "\ufffd":
        return -10.0
    if category[0] != "L":
        # Symbols such as ¶ ± ¦ inside a word are mis-decoded letters.
        return -5.0 if prev.isalpha() and nxt.isalpha() else -0.5
    score = 2.0 if char in POLISH_LETTERS else 1.0 if _is_cyrillic(char) else 0.0
    if char.isupper() and prev.isalpha():
        # Capitals inside words are rare in prose but typical when a code page swaps
        # the cases (KOI8-R vs CP1251) or maps a lower-case letter to a capital.
        score -= 3.0
    if _mixes_scripts(char, prev) or _mixes_scripts(char, nxt):
        score -= 3.0
    return score


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def _mixes_scripts(char: str, other: str) -> bool:
    """Latin and Cyrillic letters touching inside one word."""
    if not other.isalpha():
        return False
    return _is_cyrillic(char) != _is_cyrillic(other)


# ---- the researchers' article text files ------------------------------------------------------
ARTICLE_NAME = re.compile(r"^\d+_[0-9a-fA-F]{16}\.txt$")
_HEADER = re.compile(r"^\s?date\s+(\d{4})-(\d{2})(?:-(\d{2}))?(?:\s+(.*))?$")
# Labels that introduce the photo credit at the end of the header line, one per language of
# the study (Polish portals, and the English, Russian and Korean outlets of the demo corpus).
CREDIT_LABELS: tuple[str, ...] = ("Źródło:", "Source:", "Источник:", "출처:")
# Greedy caption: the last label on the line starts the credit, as in "<caption> Source: AP".
_CREDIT = re.compile(
    "(?P<caption>.*)(?:" + "|".join(map(re.escape, CREDIT_LABELS)) + ")(?P<credit>.*)", re.DOTALL
)


@dataclass(frozen=True)
class ArticleHeader:
    """The first line of an article file plus the raw body below it.

    ``date`` and ``precision`` are ``None`` when the header names an impossible date;
    ``problem`` then says which.
    """

    date: pd.Timestamp | None
    precision: str | None
    caption: str | None
    credit: str | None
    body: str
    problem: str | None = None


def parse_article(text: str) -> ArticleHeader | None:
    """Split an article file (LF line ends) into NFC header fields and the raw body.

    The header is `` date YYYY-MM[-DD] <caption> <label> <credit>``; the credit follows the
    last of the :data:`CREDIT_LABELS` (``Źródło:``, ``Source:``, ``Источник:``, ``출처:``).
    Returns ``None`` when the first line is not such a header. A header with an
    impossible date (``2025-13``) gives ``date=None`` and a ``problem``: the article is
    still an article.

    Examples
    --------
    >>> h = parse_article(" date 2025-06-01 Kim w Moskwie Źródło: PAP\\n\\nTekst.")
    >>> (h.precision, h.caption, h.credit, h.body.strip())
    ('day', 'Kim w Moskwie', 'PAP', 'Tekst.')
    >>> h = parse_article(" date 2024-06 Putin in Pyongyang Source: AP\\n\\nText.")
    >>> (h.precision, h.caption, h.credit)
    ('month', 'Putin in Pyongyang', 'AP')
    >>> parse_article(" date 2024-13 Putin Source: AP\\n\\nText.").problem
    "invalid date in header: 'date 2024-13 Putin Source: AP'"
    """
    first, _, body = text.partition("\n")
    first = unicodedata.normalize("NFC", first)
    match = _HEADER.match(first)
    if match is None:
        return None
    year, month, day, rest = match.groups()
    caption, credit = (rest or "").strip(), None
    if labelled := _CREDIT.fullmatch(caption):
        caption, credit = labelled["caption"].strip(), labelled["credit"].strip()
    try:
        date = _header_date(year, month, day or "1")
    except ValueError:
        problem = f"invalid date in header: {first.strip()[:40]!r}"
        return ArticleHeader(None, None, caption or None, credit or None, body, problem)
    return ArticleHeader(date, "day" if day else "month", caption or None, credit or None, body)


@functools.lru_cache(maxsize=4096)
def _header_date(year: str, month: str, day: str) -> pd.Timestamp:
    """The date of an article header (``ValueError`` for an impossible one).

    Cached: a corpus has few distinct days, and building a nanosecond Timestamp costs
    more than the rest of the header. Errors are not cached.
    """
    return in_range(pd.Timestamp(int(year), int(month), int(day)))


# ---- dates in records -------------------------------------------------------------------------
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_COMPACT = re.compile(r"^(\d{8})(?:T(\d{6})Z?)?$")  # GDELT seendate 20240619T120000Z
# Numeric dates whose day/month order is not written down: 02/01/2023, 13.01.2023 10:00.
# The rest (a time, AM/PM, a zone) is left to pandas once the date is written as ISO.
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})((?:[ T,].*)?)$")
_YEAR_FIRST = re.compile(r"^(\d{4})([/.])(\d{1,2})\2(\d{1,2})((?:[ T,].*)?)$")
# Epoch numbers: 13 digits are milliseconds (2001-2286); 12-digit values are either
# milliseconds of 1973-2001 or seconds beyond 5138 (e.g. 253402300800, the "year 10000"
# sentinel), so they are milliseconds only when the same column has 13-digit values.
_EPOCH_MS = 1e12
EPOCH_FORMATS = ("epoch_s", "epoch_ms")
_ORDERS = {"dmy": "day first (DD/MM/YYYY)", "mdy": "month first (MM/DD/YYYY)"}


class DateFormatError(CorpusToolsError, ValueError):
    """A date column's day/month order cannot be told from its values (or contradicts itself)."""


@dataclass(frozen=True)
class DateRule:
    """How the dates of one column are read: one rule for the whole column.

    Attributes
    ----------
    order : str or None
        ``"dmy"`` or ``"mdy"`` for numeric dates such as ``02/01/2023``; ``None`` when the
        column has none (they are then refused, never guessed).
    epoch_unit : str
        ``"s"`` or ``"ms"`` for epoch numbers.
    date_format : str or None
        A strftime format (or ``epoch_s`` / ``epoch_ms``) that every text value must match.
    basis : str
        Why: ``"given"``, or the value that settled the order.
    """

    order: str | None = None
    epoch_unit: str = "s"
    date_format: str | None = None
    basis: str = "given"

    def describe(self) -> str:
        """One line for the ingest report."""
        if self.date_format is not None:
            return f"dates read with date_format={self.date_format!r}"
        if self.order is None:
            return "dates read as ISO/year/month/epoch values (no DD/MM vs MM/DD dates)"
        return f"dates read {_ORDERS[self.order]} ({self.basis})"


def date_rule(
    values: Iterable[object], *, date_format: str | None = None, dayfirst: bool | None = None
) -> DateRule:
    """Choose one way of reading a date column, from all its values or from the user.

    Numeric dates with the day and month in either order (``02/01/2023``, ``13.01.2023``)
    are read in one order for the whole column: the order ``dayfirst`` gives, else the
    one that a value with a number above 12 proves (``13/01/2023`` is day first). A
    column whose values prove both orders, or neither, is refused. Epoch numbers are
    milliseconds when the column holds 13-digit values, else seconds.

    Parameters
    ----------
    values : iterable
        Every value of the column.
    date_format : str, optional
        A strftime format such as ``"%d/%m/%Y"`` (or ``"epoch_s"``, ``"epoch_ms"``).
    dayfirst : bool, optional
        ``True``: numeric dates are DD/MM; ``False``: MM/DD.

    Raises
    ------
    DateFormatError
        When the order of day and month cannot be told, with the options that fix it.

    Examples
    --------
    >>> rule = date_rule(["02/01/2023", "13/01/2023"])
    >>> rule.order, parse_date("02/01/2023", rule)
    ('dmy', (Timestamp('2023-01-02 00:00:00'), 'day'))
    >>> date_rule(["02/01/2023"])
    Traceback (most recent call last):
    ...
    corpus_tools._readers.DateFormatError: dates such as '02/01/2023' could be DD/MM or MM/DD \
and no value settles it; pass dayfirst=True (--dayfirst) or date_format='%d/%m/%Y' \
(--date-format '%d/%m/%Y')
    """
    if date_format is not None and dayfirst is not None:
        raise DateFormatError("give date_format or dayfirst, not both")
    values = list(values)
    epoch_unit = "ms" if any(_epoch_value(v) >= _EPOCH_MS for v in values) else "s"
    if date_format is not None:
        return DateRule(epoch_unit=epoch_unit, date_format=date_format)
    if dayfirst is not None:
        return DateRule("dmy" if dayfirst else "mdy", epoch_unit)
    first: re.Match[str] | None = None
    proof: dict[str, re.Match[str]] = {}
    for value in values:
        match = _NUMERIC.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            continue
        first = first or match
        a, b = int(match[1]), int(match[3])
        if a > 12 >= b:
            proof.setdefault("dmy", match)
        elif b > 12 >= a:
            proof.setdefault("mdy", match)
    if first is None:
        return DateRule(epoch_unit=epoch_unit, basis="")
    if len(proof) == 2:
        raise DateFormatError(
            f"dates mix day-first ({proof['dmy'][0]!r}) and month-first ({proof['mdy'][0]!r}) "
            "values; fix the column or pass date_format= (--date-format) for the format most "
            "rows use"
        )
    if not proof:
        sep = first[2]
        fmt = f"%d{sep}%m{sep}%Y"
        raise DateFormatError(
            f"dates such as {first[0]!r} could be DD/MM or MM/DD and no value settles it; "
            f"pass dayfirst=True (--dayfirst) or date_format={fmt!r} (--date-format {fmt!r})"
        )
    order, example = next(iter(proof.items()))
    month = int(example[1] if order == "dmy" else example[3])
    return DateRule(order, epoch_unit, basis=f"{example[0]!r} has no month {month}")


def _epoch_value(value: object) -> float:
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float) and not math.isnan(value):
        return abs(float(value))
    if isinstance(value, str) and re.fullmatch(r"-?\d{9,}", value.strip()):
        return abs(float(value))
    return 0.0


def parse_date(
    value: object, rule: DateRule | None = None
) -> tuple[pd.Timestamp | None, str | None]:
    """Parse a record's date into ``(timestamp, precision)``; ``(None, None)`` when missing.

    Accepts epoch seconds or milliseconds (numbers or digit strings), ISO strings with
    year, month or day precision (``YYYY``, ``YYYY-MM``, ``YYYY/MM``, ``YYYY-M``), GDELT's
    ``YYYYMMDDTHHMMSSZ``, free-form dates with a month name, datetime objects, and numeric
    day/month dates in the order ``rule`` fixes (:func:`date_rule`). An integer from
    1000 to 9999 is a year, never epoch seconds. Time zones are converted to UTC and dropped.

    Raises
    ------
    ValueError
        For a value that is present but not a date, outside 1677-2262, or a numeric
        day/month date without an order.

    Examples
    --------
    >>> parse_date(1703376000000)
    (Timestamp('2023-12-24 00:00:00'), 'day')
    >>> parse_date("2024-06")
    (Timestamp('2024-06-01 00:00:00'), 'month')
    >>> parse_date(2024)
    (Timestamp('2024-01-01 00:00:00'), 'year')
    """
    rule = rule or DateRule()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None, None
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, int | float):
        return _from_number(float(value), rule)
    if isinstance(value, datetime.date):
        return _naive_utc(pd.Timestamp(value)), "day"
    text = str(value).strip()
    if not text:
        return None, None
    if rule.date_format is not None:
        return _with_format(text, rule)
    if _YEAR.match(text):
        return in_range(pd.Timestamp(int(text), 1, 1)), "year"
    if match := _MONTH.match(text):
        return in_range(pd.Timestamp(int(match[1]), int(match[2]), 1)), "month"
    if match := _COMPACT.match(text):
        return in_range(pd.Timestamp(match[1] + (f"T{match[2]}" if match[2] else ""))), "day"
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _from_number(float(text), rule)
    if match := _YEAR_FIRST.match(text):
        return _ymd(match[1], match[3], match[4], match[5])
    if match := _NUMERIC.match(text):
        return _numeric(match, rule)
    return _naive_utc(pd.Timestamp(text)), "day"


def _numeric(match: re.Match[str], rule: DateRule) -> tuple[pd.Timestamp, str]:
    if rule.order is None:
        raise DateFormatError("day/month order unknown (pass dayfirst= or date_format=)")
    day, month = (match[1], match[3]) if rule.order == "dmy" else (match[3], match[1])
    year = match[4] if len(match[4]) == 4 else str(datetime.datetime.strptime(match[4], "%y").year)
    return _ymd(year, month, day, match[5])


def _ymd(year: str, month: str, day: str, rest: str) -> tuple[pd.Timestamp, str]:
    pd.Timestamp(int(year), int(month), int(day))  # raises on a day or month out of range
    return _naive_utc(pd.Timestamp(f"{int(year):04d}-{int(month):02d}-{int(day):02d}{rest}")), "day"


def _with_format(text: str, rule: DateRule) -> tuple[pd.Timestamp, str]:
    fmt = rule.date_format
    assert fmt is not None
    if fmt in EPOCH_FORMATS:
        unit = "ms" if fmt == "epoch_ms" else "s"
        return in_range(pd.Timestamp(float(text), unit=unit)), "day"
    parsed = datetime.datetime.strptime(text, fmt)
    has_day = any(code in fmt for code in ("%d", "%j", "%-d", "%x", "%c"))
    has_month = has_day or any(code in fmt for code in ("%m", "%b", "%B", "%-m"))
    return _naive_utc(pd.Timestamp(parsed)), "day" if has_day else "month" if has_month else "year"


def _from_number(number: float, rule: DateRule) -> tuple[pd.Timestamp, str]:
    if 1000 <= number <= 9999 and number.is_integer():
        return in_range(pd.Timestamp(int(number), 1, 1)), "year"
    if rule.date_format in EPOCH_FORMATS:
        unit = "ms" if rule.date_format == "epoch_ms" else "s"
    else:
        unit = "ms" if abs(number) >= _EPOCH_MS or rule.epoch_unit == "ms" else "s"
    try:
        return in_range(pd.Timestamp(number, unit=unit)), "day"
    except (ValueError, OverflowError) as exc:
        raise DateFormatError(
            f"epoch {unit} {number:.0f} is outside 1677-2262"
            + (" (if these are milliseconds, pass date_format='epoch_ms')" if unit == "s" else "")
        ) from exc


def _naive_utc(stamp: pd.Timestamp) -> pd.Timestamp:
    if stamp is pd.NaT:
        raise ValueError("not a date")
    stamp = stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
    return in_range(stamp)


def in_range(stamp: pd.Timestamp) -> pd.Timestamp:
    """``stamp`` if the corpus's ``datetime64[ns]`` column can hold it (1677-2262).

    Raises
    ------
    ValueError
        For dates outside that range (``OutOfBoundsDatetime`` is a ``ValueError``).
    """
    return stamp.as_unit("ns")


# ---- tables and record lists ------------------------------------------------------------------
MAPPABLE = ("doc_id", "text", "title", "date", "url", "outlet", "language", "caption", "credit")
# Schema columns that may join several source columns (with a newline).
JOINABLE = frozenset({"text", "title", "caption", "credit"})
# Media Cloud story lists: v2 API exports name the id ``stories_id``, the current
# search.mediacloud.org CSV export names it ``id``; the other columns are shared.
_MEDIACLOUD_CORE = frozenset({"publish_date", "title", "url", "media_name"})
# GDELT DOC 2.0 ``mode=ArtList&format=json``: {"articles": [{url, url_mobile, title,
# seendate, socialimage, domain, language, sourcecountry}]}; ``language`` is an English name.
GDELT_MAPPING = {"title": "title", "url": "url", "date": "seendate", "outlet": "domain",
                 "language": "language"}  # fmt: skip
LANGUAGE_NAMES = {
    "english": "en", "polish": "pl", "russian": "ru", "korean": "ko", "ukrainian": "uk",
    "german": "de", "french": "fr", "spanish": "es", "chinese": "zh", "japanese": "ja",
    "italian": "it", "portuguese": "pt", "arabic": "ar", "czech": "cs", "belarusian": "be",
}  # fmt: skip


def table_kind(name: str, head: bytes) -> str | None:
    """Choose a reader from the file name, falling back to the first bytes."""
    lower = name.lower()
    for suffixes, kind in _SUFFIX_KINDS:
        if lower.endswith(suffixes):
            return kind
    if head.startswith(b"PAR1"):
        return "parquet"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "html"
    if stripped.startswith((b"[", b"{")):
        return "json"
    if _HEADER.match(head.split(b"\n", 1)[0].decode("utf-8", "replace")):
        return "article"
    return None


_SUFFIX_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    ((".txt",), "article"),
    ((".csv",), "csv"),
    ((".tsv", ".tab"), "tsv"),
    ((".jsonl", ".ndjson"), "jsonl"),
    ((".json",), "json"),
    ((".parquet", ".pq"), "parquet"),
    ((".xlsx",), "excel"),
    ((".html", ".htm"), "html"),
    (ARCHIVE_SUFFIXES, "archive"),
)
READER_KINDS = frozenset(kind for _, kind in _SUFFIX_KINDS) | {"mediacloud", "gdelt"}


_MAX_LINE_NOTES = 20  # bad lines noted one by one per file; the rest are counted


def load_records(
    data: bytes, kind: str, encoding: str | None, *, max_bytes: int | None = None
) -> tuple[list[dict], str | None, str | None, list[str]]:
    """Parse a table or record list; return ``(records, encoding, builtin_format, notes)``.

    ``builtin_format`` is ``"gdelt"`` for a GDELT ArtList document, else ``None``.
    ``notes`` are file-level problems that did not stop the reading: JSON Lines lines
    that are not JSON objects (skipped, by line number) and binary text values that
    are not valid UTF-8. A Parquet file whose data decompress to more than
    ``max_bytes`` (by its metadata, checked before reading) raises :class:`ReadProblem`.
    """
    if kind in ("parquet", "excel"):
        buffer = io.BytesIO(data)
        if kind == "parquet":
            frame = _read_parquet(buffer, max_bytes)
        else:
            _check_declared_size(_xlsx_size(buffer), max_bytes)
            frame = pd.read_excel(buffer, dtype=object)
        records, notes = _frame_records(frame, binary=True)
        return records, None, None, notes
    text, used = decode_bytes(data, encoding)
    if kind in ("csv", "tsv", "mediacloud"):
        sep = "\t" if kind == "tsv" else ","
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
        return _frame_records(frame)[0], used, None, []
    if kind == "jsonl":
        records, notes = _jsonl_records(text)
        return records, used, None, notes
    records, builtin, notes = _json_records(text)
    return records, used, builtin, notes


def _read_parquet(buffer: io.BytesIO, max_bytes: int | None) -> pd.DataFrame:
    """Read a Parquet file, refusing one whose metadata say it decompresses past the cap."""
    import pyarrow.parquet as pq

    source = pq.ParquetFile(buffer)
    meta = source.metadata
    _check_declared_size(
        sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)), max_bytes
    )
    # Running out of memory here stays an error (the ingest names the file): the data
    # were declared within the cap, so either memory is short or the metadata lie.
    table = source.read()
    _check_declared_size(table.nbytes, max_bytes)  # the metadata may understate it
    return table.to_pandas()


def _xlsx_size(buffer: io.BytesIO) -> int:
    """Decompressed size of a workbook (a zip) by its directory; zipfile enforces it."""
    with zipfile.ZipFile(buffer) as workbook:
        size = sum(info.file_size for info in workbook.infolist())
    buffer.seek(0)
    return size


def _check_declared_size(declared: int, max_bytes: int | None) -> None:
    if max_bytes is not None and declared > max_bytes:
        raise ReadProblem(
            f"too large: decompresses to {declared} bytes (max_file_bytes={max_bytes})"
        )


def _frame_records(frame: pd.DataFrame, *, binary: bool = False) -> tuple[list[dict], list[str]]:
    """Records of a table; with ``binary``, bytes values are decoded as UTF-8 (noted if not)."""
    frame = frame.astype(object).where(frame.notna(), None)
    frame.columns = [str(c) for c in frame.columns]  # Excel headers can be numbers
    notes = []
    if binary:
        for column in frame.columns:
            values = frame[column]
            is_bytes = values.map(lambda v: isinstance(v, bytes | bytearray)).to_numpy(bool)
            if is_bytes.any():
                decoded, n_bad = _decode_values(values[is_bytes].tolist())
                frame.loc[is_bytes, column] = pd.Series(decoded, index=frame.index[is_bytes])
                if n_bad:
                    notes.append(
                        f"column {column!r}: {n_bad} binary value(s) not valid UTF-8, "
                        "decoded with U+FFFD for the bad bytes"
                    )
    return frame.to_dict("records"), notes


def _decode_values(values: list[bytes]) -> tuple[list[str], int]:
    decoded, n_bad = [], 0
    for value in values:
        try:
            decoded.append(bytes(value).decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append(bytes(value).decode("utf-8", errors="replace"))
            n_bad += 1
    return decoded, n_bad


def _jsonl_records(text: str) -> tuple[list[dict], list[str]]:
    """Records of JSON Lines, line by line: bad lines are skipped with a note.

    Lines end at LF only: U+2028 and other Unicode line breaks may occur inside JSON
    strings.
    """
    records, notes, n_bad = [], [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            problem = None if isinstance(record, dict) else "not a JSON object"
        except json.JSONDecodeError as exc:
            problem = f"not valid JSON ({exc.msg}, column {exc.colno})"
        if problem is None:
            records.append(record)
            continue
        n_bad += 1
        if n_bad <= _MAX_LINE_NOTES:
            notes.append(f"line {number}: {problem}; skipped")
    if n_bad > _MAX_LINE_NOTES:
        notes.append(f"{n_bad - _MAX_LINE_NOTES} more bad line(s) skipped")
    if n_bad and not records:
        raise ValueError(f"no line is a JSON object ({notes[0]})")
    return records, notes


def _json_records(text: str) -> tuple[list[dict], str | None, list[str]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if not exc.msg.startswith("Extra data"):
            raise
        records, notes = _jsonl_records(text)  # JSON Lines saved with a .json suffix
        return records, None, notes
    builtin = None
    if isinstance(document, dict) and isinstance(document.get("articles"), list):
        document, builtin = document["articles"], "gdelt"
    if not isinstance(document, list):
        raise ValueError("expected a JSON list of records or a GDELT {'articles': [...]} object")
    if not all(isinstance(record, dict) for record in document):
        raise ValueError("the JSON list holds values that are not objects")
    return document, builtin, []


def resolve_mapping(
    columns: set[str], mapping: Mapping[str, Sequence[str]] | None, builtin: str | None
) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """Return the schema-to-columns mapping for a table and the built-in format it used.

    Each schema column maps to one source column or, for ``text``, ``title``, ``caption``
    and ``credit``, to several whose values are joined with a newline. Schema columns the
    user's mapping leaves out are taken from fields of the same name.

    Raises
    ------
    ValueError
        Naming the mapped columns the data does not have and listing the ones it has, or
        when nothing maps to text, title or url.

    Examples
    --------
    >>> resolve_mapping({"title", "description"}, {"text": ["title", "description"]}, None)
    ({'title': ('title',), 'text': ('title', 'description')}, None)
    >>> resolve_mapping({"title", "description"}, {"text": ["titel"]}, None)
    Traceback (most recent call last):
    ...
    ValueError: mapped column(s) 'titel' not in the data; its columns are: description, title
    """
    if mapping is not None:
        wanted = {k: tuple([v] if isinstance(v, str) else v) for k, v in mapping.items()}
        missing = sorted({c for names in wanted.values() for c in names} - columns)
        if missing:
            raise ValueError(
                f"mapped column(s) {', '.join(map(repr, missing))} not in the data; "
                f"its columns are: {_column_list(columns)}"
            )
        same_name = {name: (name,) for name in MAPPABLE if name in columns}
        return {**same_name, **wanted}, None
    if builtin == "gdelt" or (builtin is None and {"seendate", "domain", "url"} <= columns):
        return {k: (v,) for k, v in GDELT_MAPPING.items() if v in columns}, "gdelt"
    if builtin == "mediacloud" or _is_mediacloud(columns):
        return {k: (v,) for k, v in _mediacloud_mapping(columns).items()}, "mediacloud"
    found = {name: (name,) for name in MAPPABLE if name in columns}
    if not {"text", "title", "url"} & found.keys():
        raise ValueError(
            "no column maps to text, title or url; pass mapping={'text': ..., ...} "
            f"(--map text=COLUMN); its columns are: {_column_list(columns)}"
        )
    return found, None


def _column_list(columns: set[str], limit: int = 40) -> str:
    names = sorted(columns)
    more = f" ... ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _is_mediacloud(columns: set[str]) -> bool:
    return columns >= _MEDIACLOUD_CORE and bool({"stories_id", "id"} & columns)


def _mediacloud_mapping(columns: set[str]) -> dict[str, str]:
    mapping = {"date": "publish_date", "title": "title", "url": "url", "outlet": "media_name"}
    mapping["doc_id"] = "stories_id" if "stories_id" in columns else "id"
    for name in ("language", "text"):
        if name in columns:
            mapping[name] = name
    return mapping


def declared_language(value: object) -> str | None:
    """Normalise a language declared by the source to ISO 639-1, ``None`` if unknown.

    Examples
    --------
    >>> declared_language("English"), declared_language("pl-PL"), declared_language("?")
    ('en', 'pl', None)
    """
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[text]
    code = re.split(r"[-_]", text, maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def field_text(value: object) -> str | None:
    """A record field as text for a string column; nested values as JSON."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = extra_value(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def extra_value(value: object) -> object:
    """A field kept as an extra column: containers become JSON text (Parquet-safe)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value
