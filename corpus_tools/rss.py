"""The rss-nk-2023 derivation: upstream daily RSS entry files -> the pinned CSV.

The upstream repository (rumca-js/RSS-Link-Database-2023, GPL-3.0; item texts belong to
their outlets) stores every RSS item its crawler saw in 2023 as daily files
``2023/MM/2023-MM-DD/<feed id>_entries.json``, each a JSON list of entries with
``title``, ``description`` (may hold HTML), ``link``, ``source`` (feed URL),
``date_published`` and ``language``. :func:`derive_rows` turns those files into the rows
of ``rss_nk_2023.csv`` exactly as ``../shared/README.md`` documents:

1. every entry of every file, files in sorted path order (a file that is not valid JSON
   is skipped and recorded);
2. entries without a ``link`` dropped, then unique by ``link`` (first seen);
3. kept when ``clean(title) + " \\n " + clean(description)`` matches :data:`NK_PATTERN`
   (``clean`` = :func:`html.unescape`, then every tag replaced by one space);
4. unique by stripped title (first kept).

:func:`write_csv` serialises the rows byte for byte as the pinned file, so its sha256
verifies a rebuild. Deduplication is global (over the whole year), so rows derived from
one day alone are a superset of that day's rows in the CSV.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from ._files import write_atomic
from .errors import CorpusToolsError

# The North Korea filter and the Russia flag, as documented for the pinned CSV.
NK_PATTERN = re.compile(
    r"North Korea|N\. Korea|Pyongyang|Kim Jong[ -]?Un|DPRK|KCNA|Korea Północn|Koreą Północn|"
    r"Korei Północn|KRLD|Phenian|Pjongjang|Kim Dzong|Северн\w* Коре|КНДР|Пхеньян|Ким Чен|"
    r"Nordkorea|Corée du Nord|Corea del Norte|Coreia do Norte",
    re.IGNORECASE,
)
RUSSIA_PATTERN = re.compile(
    r"Russia|Putin|Kremlin|Moscow|Shoigu|Lavrov|Rosj|Kreml|Moskw|Szojgu|Росси|Путин|Кремл|"
    r"Москв|Russie|Rusia|Russland",
    re.IGNORECASE,
)
CSV_COLUMNS: tuple[str, ...] = (
    "date",
    "outlet",
    "feed",
    "language",
    "title",
    "description",
    "url",
    "mentions_russia",
)
_TAG = re.compile(r"<[^>]+>")
_SEPARATOR = " \n "
# 2023/MM/2023-MM-DD/<feed>_entries.json, possibly below a prefix inside a zip.
_DAILY = re.compile(r"(?:^|/)(?P<rel>\d{4}/\d{2}/(?P<day>\d{4}-\d{2}-\d{2})/[^/]+_entries\.json)$")


class RssDerivationError(CorpusToolsError, ValueError):
    """The upstream files cannot be turned into rss-nk-2023 rows."""


@dataclass
class Derivation:
    """Rows derived from upstream entry files, with what was skipped and why.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per kept item, columns :data:`CSV_COLUMNS` (strings, ``mentions_russia``
        boolean), in the order the files were read.
    skipped : list of str
        ``"<path>: <reason>"`` for each file that could not be read.
    n_entries : int
        Entries read from all files.
    """

    rows: pd.DataFrame
    skipped: list[str] = field(default_factory=list)
    n_entries: int = 0

    def summary(self) -> str:
        """One line: entries read, rows kept, files skipped."""
        return (
            f"{self.n_entries} entries read, {len(self.rows)} rows kept, "
            f"{len(self.skipped)} file(s) skipped"
        )


def clean(value: Any) -> str:
    """Unescape HTML entities, then replace every tag by one space.

    Examples
    --------
    >>> clean("<p>Kim &amp; Putin</p>")
    ' Kim & Putin '
    >>> clean(None)
    ''
    """
    return _TAG.sub(" ", html.unescape(value)) if isinstance(value, str) else ""


def outlet_of(feed: str) -> str:
    """Return a feed URL's host without ``http(s)://`` and ``www.``.

    Examples
    --------
    >>> outlet_of("http://www.msn.com/rss/news.aspx")
    'msn.com'
    """
    host = urlsplit(feed).netloc if "://" in feed else feed.split("/", 1)[0]
    return host.removeprefix("www.")


def daily_path(name: str) -> tuple[str, str] | None:
    """Return ``(2023/MM/2023-MM-DD/<feed>_entries.json, day)`` for a daily file, else None.

    Examples
    --------
    >>> daily_path("RSS/2023/09/2023-09-13/x_entries.json")
    ('2023/09/2023-09-13/x_entries.json', '2023-09-13')
    >>> daily_path("2023/09/README.md") is None
    True
    """
    found = _DAILY.search(name.replace("\\", "/"))
    return (found["rel"], found["day"]) if found else None


def iter_tree(root: str | Path) -> Iterable[tuple[str, bytes]]:
    """Yield ``(relative path, bytes)`` of every daily entries file under a folder.

    Examples
    --------
    >>> list(iter_tree("/nonexistent"))
    []
    """
    root = Path(root)
    for path in sorted(root.rglob("*_entries.json")):
        rel = path.relative_to(root).as_posix()
        if daily_path(rel) is not None:
            yield rel, path.read_bytes()


def derive_rows(files: Iterable[tuple[str, bytes]]) -> Derivation:
    """Apply the documented rss-nk-2023 derivation to upstream daily entry files.

    Parameters
    ----------
    files : iterable of (str, bytes)
        Daily files as ``(path, content)``; a path ends in
        ``2023/MM/2023-MM-DD/<feed>_entries.json`` (other names are ignored). They are
        read in sorted order of that relative path, whatever order they come in.

    Returns
    -------
    Derivation
        The rows, the skipped files with reasons and the number of entries read.

    Examples
    --------
    >>> entry = {"title": "Kim Jong Un meets Putin", "description": "<b>In Russia</b>",
    ...          "link": "https://a.example/1", "source": "https://www.a.example/rss",
    ...          "date_published": "2023-09-13T08:00:00+00:00", "language": "en-US"}
    >>> data = json.dumps([entry, entry]).encode()
    >>> result = derive_rows([("2023/09/2023-09-13/a_entries.json", data)])
    >>> result.rows[["date", "outlet", "description", "mentions_russia"]].values.tolist()
    [['2023-09-13', 'a.example', 'In Russia', True]]
    """
    deriver = RssDeriver()
    deriver.add(files)
    return deriver.result()


class RssDeriver:
    """The derivation fed in batches (one month at a time), deduplicating across batches.

    Batches must come in path order (January before February); within a batch the files
    are sorted. ``derive_rows(files)`` is one batch.
    """

    def __init__(self) -> None:
        self.seen_links: set[str] = set()
        self.seen_titles: set[str] = set()
        self.rows: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        self.n_entries = 0
        self.last_path = ""

    def add(self, files: Iterable[tuple[str, bytes]]) -> None:
        """Read one batch of daily files (see :func:`derive_rows`)."""
        daily = sorted(
            (found[0], found[1], data) for name, data in files if (found := daily_path(name))
        )
        if daily and daily[0][0] < self.last_path:
            raise RssDerivationError(
                f"{daily[0][0]} comes before {self.last_path}, already read: batches must "
                "follow path order for first-seen deduplication"
            )
        for rel, day, data in daily:
            self.last_path = rel
            entries = self._entries(rel, data)
            self.n_entries += len(entries)
            for entry in entries:
                self._add_entry(entry, day)

    def _add_entry(self, entry: dict[str, Any], day: str) -> None:
        link = entry.get("link")
        if not link or link in self.seen_links:
            return
        self.seen_links.add(link)
        row = _row(entry, day)
        if row is None or row["title"] in self.seen_titles:
            return
        self.seen_titles.add(row["title"])
        self.rows.append(row)

    def _entries(self, rel: str, data: bytes) -> list[dict[str, Any]]:
        try:
            entries = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.skipped.append(f"{rel}: not valid JSON ({exc})")
            return []
        if not isinstance(entries, list):
            self.skipped.append(f"{rel}: not a JSON list")
            return []
        return [e for e in entries if isinstance(e, dict)]

    def result(self) -> Derivation:
        """The rows derived so far."""
        rows = pd.DataFrame(self.rows, columns=list(CSV_COLUMNS)).astype(
            {c: "string" for c in CSV_COLUMNS if c != "mentions_russia"} | {"mentions_russia": bool}
        )
        return Derivation(rows=rows, skipped=list(self.skipped), n_entries=self.n_entries)


def _row(entry: dict[str, Any], day: str) -> dict[str, Any] | None:
    text = clean(entry.get("title")) + _SEPARATOR + clean(entry.get("description"))
    if not NK_PATTERN.search(text):
        return None
    published = entry.get("date_published")
    feed = entry.get("source") or ""
    return {
        "date": published[:10] if isinstance(published, str) and published else day,
        "outlet": outlet_of(feed),
        "feed": feed,
        "language": entry.get("language"),
        "title": (entry.get("title") or "").strip(),
        "description": text.split(_SEPARATOR, 1)[1].strip(),
        "url": entry["link"],
        "mentions_russia": bool(RUSSIA_PATTERN.search(text)),
    }


def csv_bytes(rows: pd.DataFrame) -> bytes:
    """Serialise derived rows exactly as the pinned ``rss_nk_2023.csv`` (UTF-8, CRLF rows)."""
    return rows[list(CSV_COLUMNS)].to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def write_csv(rows: pd.DataFrame, path: str | Path) -> Path:
    """Write derived rows to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    data = csv_bytes(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda handle: handle.write(data))
    return path
