"""Publication figures: every figure the notebooks show comes from a function here.

Each ``plot_*`` function takes a tidy :class:`pandas.DataFrame`, returns a
:class:`matplotlib.figure.Figure` built with the object-oriented API (no pyplot, no global
state, never shown) and applies one journal style while it builds the figure:
Okabe–Ito colour-blind-safe colours, DejaVu Sans (bundled with matplotlib, so text renders
the same on every machine), fonts of at least 7 pt and journal column widths
(3.5 in single, 7.2 in double).

:func:`save_figure` writes byte-identical files for identical figures and provenance (no
dates; the provenance record is embedded in the file).
:func:`corpus_tools.fingerprint.figure_fingerprint` returns a one-line digest of what a
figure shows; notebooks print it so that ``pytest --nbval`` (which ignores ``image/png``
outputs) notices a changed figure.
"""

from __future__ import annotations

import functools
import io
import json
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from . import __version__
from .effects import period_midpoint
from .errors import CorpusToolsError
from .provenance import FIGURE_METADATA_KEY, current_provenance

__all__ = [
    "DOUBLE_COLUMN_IN",
    "OKABE_ITO",
    "SINGLE_COLUMN_IN",
    "STYLE_RC",
    "PlotInputError",
    "load_events",
    "mark_synthetic",
    "plot_cooccurrence",
    "plot_coverage",
    "plot_event_window",
    "plot_model_selection",
    "plot_outlet_topic_heatmap",
    "plot_prevalence",
    "plot_top_terms",
    "plot_topic_regression",
    "save_figure",
    "show_figure",
    "style",
]

#: Okabe & Ito (2008) colour-blind-safe palette, ordered so that the first colours
#: contrast most on white (yellow, the weakest on white, comes late).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
# Beyond eight series the colours repeat with a different dash pattern.
_LINESTYLES: tuple[str, ...] = ("-", "--", ":", "-.")
SINGLE_COLUMN_IN = 3.5
DOUBLE_COLUMN_IN = 7.2
MIN_FONT_PT = 7.0
EVENT_COLOR = "#555555"
SYNTHETIC_COLOR = "#B2182B"
#: Characters per line of wrapped titles and tick labels.
WRAP_CHARS = 28

STYLE_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8.0,
    "axes.titlesize": 8.0,
    "axes.labelsize": 8.0,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "figure.titlesize": 9.0,
    "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.0,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.frameon": False,
    "image.cmap": "viridis",
    "figure.dpi": 100,
    "savefig.dpi": 200,
    # Deterministic vector output: fixed ids in SVG, glyphs as paths, embedded TrueType.
    "svg.hashsalt": "corpus_tools",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}

#: Per format: metadata that would vary (dates, matplotlib's version) is left out, the
#: program is named, and the provenance record (JSON) goes under a standard field.
_SAVE_METADATA: dict[str, dict[str, None]] = {
    "svg": {"Date": None},
    "png": {},
    "pdf": {"Producer": None, "CreationDate": None},
}
_CREATOR_FIELD = {"svg": "Creator", "png": "Software", "pdf": "Creator"}
_PROVENANCE_FIELD = {"svg": FIGURE_METADATA_KEY, "png": FIGURE_METADATA_KEY, "pdf": "Subject"}

Width = Literal["single", "double"] | float
_P = ParamSpec("_P")
_R = TypeVar("_R")


class PlotInputError(CorpusToolsError, ValueError):
    """The table given to a plotting function cannot be plotted (names the problem)."""


@contextmanager
def style() -> Iterator[None]:
    """Apply the corpus_tools journal style (:data:`STYLE_RC`) inside a ``with`` block.

    The style starts from matplotlib's defaults, whatever the session's rcParams, and is
    applied only while the block runs; global settings are restored afterwards.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> with style():
    ...     fig = Figure()
    ...     ax = fig.subplots()
    >>> ax.xaxis.label.get_fontsize()
    8.0
    """
    with mpl.rc_context():
        # Start from matplotlib's defaults: a user's matplotlibrc or the notebook backend
        # (matplotlib-inline changes rcParams) must not change a figure's pixels.
        mpl.style.use("default")
        mpl.rcParams.update(STYLE_RC)
        yield


def _styled(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a figure-building function inside :func:`style`."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with style():
            return func(*args, **kwargs)

    return wrapper


# ---- input checks and layout helpers -------------------------------------------------------
def _require(
    table: pd.DataFrame, columns: Sequence[str], what: str, *, allow_empty: bool = False
) -> None:
    if not isinstance(table, pd.DataFrame):
        raise PlotInputError(f"{what} needs a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise PlotInputError(
            f"{what}: missing column(s) {', '.join(missing)} "
            f"(has: {', '.join(map(str, table.columns))})"
        )
    if table.empty and not allow_empty:
        raise PlotInputError(f"{what}: the table has no rows")


def _width_in(width: Width) -> float:
    if width == "single":
        return SINGLE_COLUMN_IN
    if width == "double":
        return DOUBLE_COLUMN_IN
    if isinstance(width, int | float) and width > 0:
        return float(width)
    raise PlotInputError(f"width must be 'single', 'double' or inches > 0, got {width!r}")


def _grid(n_panels: int, ncols: int, width: Width, panel_height: float, **kw: Any) -> Figure:
    """A constrained-layout figure with ``n_panels`` axes on a grid, unused cells removed."""
    if ncols < 1:
        raise PlotInputError(f"ncols must be at least 1, got {ncols}")
    ncols = min(ncols, n_panels)
    nrows = -(-n_panels // ncols)
    fig = Figure(figsize=(_width_in(width), panel_height * nrows + 0.3), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw).ravel()
    for ax in axes[n_panels:]:
        ax.remove()
    # Shared x axes label only the bottom row; the last panel of each column needs them.
    for ax in axes[max(n_panels - ncols, 0) : n_panels]:
        ax.xaxis.set_tick_params(labelbottom=True)
    return fig


def _series_style(i: int) -> dict[str, str]:
    return {
        "color": OKABE_ITO[i % len(OKABE_ITO)],
        "linestyle": _LINESTYLES[(i // len(OKABE_ITO)) % len(_LINESTYLES)],
    }


# ---- events ------------------------------------------------------------------------------
def load_events() -> pd.DataFrame:
    """Return the dated events table bundled with corpus_tools.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` (datetime64), ``event_id``, ``label_en``, ``label_pl``,
        ``description_en``, ``end_date`` (last day of a multi-day event, else empty) and
        ``source`` (a report of the event), sorted by date.

    Examples
    --------
    >>> events = load_events()
    >>> {"date", "event_id", "label_en"} <= set(events.columns)
    True
    """
    source = resources.files("corpus_tools") / "data" / "events.csv"
    with resources.as_file(source) as path:
        if not path.exists():
            raise PlotInputError(f"the events table is missing from the installation: {path}")
        events = pd.read_csv(path, dtype="string", keep_default_na=False)
    _require(events, ("date", "event_id", "label_en"), str(path))
    events["date"] = pd.to_datetime(events["date"], format="ISO8601")
    return events.sort_values(["date", "event_id"], kind="stable").reset_index(drop=True)


def _events_between(events: pd.DataFrame, lang: str, lo: Any, hi: Any) -> pd.DataFrame:
    """The events dated between ``lo`` and ``hi``, by date, with ``date`` and ``label``."""
    label = f"label_{lang}"
    _require(events, ("date", label), "events", allow_empty=True)
    table = pd.DataFrame({"date": pd.to_datetime(events["date"]), "label": events[label]})
    shown = table[(table["date"] >= lo) & (table["date"] <= hi)]
    return shown.sort_values("date", kind="stable").reset_index(drop=True)


def _mark_events(ax: Axes, shown: pd.DataFrame, lo: Any, hi: Any, *, numbered: bool = True) -> int:
    """A dashed line per event, numbered above the axes (the key explains the numbers).

    Every number sits above its own line. A number closer than 5 % of the time span to
    the previous number of its row moves up a row, so numbers never overprint. Returns
    the number of rows used (for the title padding); 0 when ``numbered`` is false (lines
    only).
    """
    min_gap = (pd.Timestamp(hi) - pd.Timestamp(lo)) * 0.05
    last_in_row: list[pd.Timestamp] = []
    for number, date in enumerate(shown["date"], start=1):
        ax.axvline(date, color=EVENT_COLOR, linestyle="--", linewidth=0.7, zorder=1)
        if not numbered:
            continue
        row = next((i for i, d in enumerate(last_in_row) if date - d >= min_gap), None)
        if row is None:
            row = len(last_in_row)
            last_in_row.append(date)
        last_in_row[row] = date
        ax.annotate(
            str(number),
            xy=(date, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 1 + 8 * row),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=MIN_FONT_PT,
            color=EVENT_COLOR,
        )
    return len(last_in_row)


def _event_pad(n_rows: int) -> float:
    """Title padding (points) above ``n_rows`` rows of event numbers."""
    return 4.0 + 8.0 * n_rows


def _event_key(fig: Figure, shown: pd.DataFrame) -> None:
    """A key below the figure: event number, label and date."""
    if shown.empty:
        return
    labels = [
        f"{number}  {row.label} ({row.date:%Y-%m-%d})"
        for number, row in enumerate(shown.itertuples(index=False), start=1)
    ]
    blank = [Line2D([], [], linestyle="none")] * len(labels)
    fig.legend(blank, labels, loc="outside lower left", ncols=2, handlelength=0, handletextpad=0)


def _date_axis(ax: Axes) -> None:
    """Compact date ticks that do not overlap in narrow panels."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _period_x(values: pd.Series) -> pd.Series:
    """Where a period is drawn: its midpoint (datetimes are drawn where they are)."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return period_midpoint(values).set_axis(values.index)
    return pd.to_datetime(values)


def _wrap(text: str, width: int = WRAP_CHARS) -> str:
    """Break a long title or tick label over lines so nothing is clipped.

    Words are kept whole unless one is much longer than a line (``ukraine_war`` in a
    10-character column stays whole, ``vostochny_cosmodrome`` is cut).
    """
    text = str(text)
    longest = max((len(word) for word in text.split()), default=0)
    return "\n".join(textwrap.wrap(text, width, break_long_words=longest > width + 4)) or text


def _label_map(labels: Mapping[Any, str] | Sequence[str] | None) -> dict[Any, str]:
    if labels is None:
        return {}
    if isinstance(labels, Mapping):
        return {k: str(v) for k, v in labels.items()}
    return {i: str(v) for i, v in enumerate(labels)}


def _topic_name(topic: Any, labels: Mapping[Any, str] | Sequence[str] | None) -> str:
    """A topic's label when known (``labels`` maps topic -> label), else ``Topic <id>``."""
    return _label_map(labels).get(topic, f"Topic {topic}")


def _panel_title(topic: Any, labels: Mapping[Any, str] | Sequence[str] | None, ax: Axes) -> str:
    """``"<id>: <label>"`` wrapped to the panel's width, or ``Topic <id>`` without labels."""
    known = _label_map(labels)
    if topic not in known:
        return f"Topic {topic}"
    return _wrap(f"{topic}: {known[topic]}", _chars_across(ax))


def _chars_across(ax: Axes) -> int:
    """How many title characters fit across the axes (8 pt DejaVu Sans: ~5 pt a glyph)."""
    fig = ax.get_figure()
    width_pt = ax.get_position().width * fig.get_size_inches()[0] * 72
    return max(10, int(width_pt / 5.0))


def _coarser_than(corpus: pd.DataFrame, freq: str) -> pd.Series:
    """Documents whose ``date_precision`` is coarser than the period ``freq``.

    A month-precision date (stored on the 1st) fits a month, quarter or year but not a
    day or week; a year-precision date fits only a year.
    """
    if "date_precision" not in corpus.columns:
        return pd.Series(False, index=corpus.index)
    unit = freq.split("-")[0]
    too_coarse = {"D": {"month", "year"}, "W": {"month", "year"}, "M": {"year"}, "Q": {"year"}}
    return corpus["date_precision"].isin(too_coarse.get(unit, set())).fillna(False)


# ---- plots -------------------------------------------------------------------------------
_FREQ_LABELS = {"D": "Day", "W": "Week", "M": "Month", "Q": "Quarter", "Y": "Year"}


@_styled
def plot_coverage(
    corpus: pd.DataFrame,
    *,
    by: Literal["outlet", "language"] = "outlet",
    freq: str = "M",
    events: pd.DataFrame | None = None,
    lang: str = "en",
    width: Width = "double",
) -> Figure:
    """Plot document counts per period, one line per outlet or language.

    Parameters
    ----------
    corpus : pandas.DataFrame
        A corpus (see :mod:`corpus_tools.schema`); needs ``date`` and the ``by`` column.
        Undated documents, and documents whose ``date_precision`` is coarser than
        ``freq`` (a month-only date for weeks), cannot be placed: their numbers are
        stated in the x label. Periods are drawn at their midpoints.
    by : {"outlet", "language"}
        One line per value of this column (missing values are shown as ``"unknown"``).
    freq : str
        pandas period alias: ``"D"``, ``"W"``, ``"M"``, ``"Q"`` or ``"Y"``. Periods
        without documents count as zero.
    events : pandas.DataFrame, optional
        Dated events (e.g. :func:`load_events`) with ``date`` and ``label_<lang>``;
        events outside the plotted period are not drawn.
    lang : str
        Language of the event labels (``"en"`` or ``"pl"``).
    width : {"single", "double"} or float
        Journal column width, or the width in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> corpus = pd.DataFrame({"date": pd.to_datetime(["2024-06-01", "2024-08-01"]),
    ...                        "outlet": ["a", "b"]})
    >>> fig = plot_coverage(corpus)
    >>> len(fig.axes[0].get_lines())
    2
    """
    if by not in ("outlet", "language"):
        raise PlotInputError(f"plot_coverage: by must be 'outlet' or 'language', got {by!r}")
    _require(corpus, ("date", by), "plot_coverage")
    coarse = _coarser_than(corpus, freq)
    dated = corpus[corpus["date"].notna() & ~coarse]
    if dated.empty:
        raise PlotInputError("plot_coverage: no document has a date")
    periods = pd.to_datetime(dated["date"]).dt.to_period(freq)
    counts = pd.crosstab(periods, dated[by].astype("string").fillna("unknown"))
    full = pd.period_range(counts.index.min(), counts.index.max(), freq=freq)
    counts = counts.reindex(full, fill_value=0)
    x = pd.DatetimeIndex(_period_x(pd.Series(counts.index)))

    fig = Figure(figsize=(_width_in(width), _width_in(width) * 0.4), layout="constrained")
    ax = fig.subplots()
    for i, name in enumerate(counts.columns):
        ax.plot(x, counts[name].to_numpy(), marker="o", label=str(name), **_series_style(i))
    if events is not None:
        start = counts.index.min().start_time
        end = counts.index.max().end_time
        shown = _events_between(events, lang, start, end)
        _mark_events(ax, shown, start, end)
        _event_key(fig, shown)
    _date_axis(ax)
    unit = _FREQ_LABELS.get(counts.index.freqstr.split("-")[0], "Period")
    n_undated = int(corpus["date"].isna().sum())
    notes = [f"{n_undated} undated" if n_undated else "", f"{coarse.sum()} dated too coarsely"]
    left_out = " and ".join(n for n in notes if n and not n.startswith("0 "))
    ax.set_xlabel(
        unit + " (points at mid-period)" + (f"; {left_out} not shown" if left_out else "")
    )
    ax.set_ylabel("Documents")
    ax.set_ylim(bottom=0)
    fig.legend(loc="outside right upper", title=by.capitalize())
    return fig


@_styled
def plot_top_terms(
    top_terms: pd.DataFrame,
    *,
    n: int = 10,
    ncols: int = 4,
    labels: Mapping[Any, str] | Sequence[str] | None = None,
    width: Width = "double",
) -> Figure:
    """Plot each topic's top terms as horizontal bars, one small panel per topic.

    Parameters
    ----------
    top_terms : pandas.DataFrame
        Tidy table with columns ``topic``, ``rank``, ``term``, ``weight``, as returned by
        the topic models' ``top_terms()``. Lower ``rank`` is drawn higher.
    n : int
        Terms shown per topic.
    ncols : int
        Panels per row.
    labels : mapping or sequence of str, optional
        Topic labels (e.g. the model's ``labels_``), shown in each panel's title as
        ``"3: label"``; without them the title is ``Topic 3``.
    width : {"single", "double"} or float
        Journal column width, or the width in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Panels share the weight axis so topics can be compared.

    Examples
    --------
    >>> terms = pd.DataFrame({"topic": [0, 0, 1, 1], "rank": [0, 1, 0, 1],
    ...                       "term": ["kim", "putin", "grain", "port"],
    ...                       "weight": [0.3, 0.2, 0.4, 0.1]})
    >>> fig = plot_top_terms(terms)
    >>> len(fig.axes)
    2
    """
    _require(top_terms, ("topic", "rank", "term", "weight"), "plot_top_terms")
    if n < 1:
        raise PlotInputError(f"plot_top_terms: n must be at least 1, got {n}")
    table = top_terms.sort_values(["topic", "rank"], kind="stable")
    topics = table["topic"].unique()
    fig = _grid(len(topics), ncols, width, panel_height=0.16 * n + 0.45, sharex=True)
    for ax, topic in zip(fig.axes, topics, strict=True):
        rows = table[table["topic"] == topic].head(n)
        y = np.arange(len(rows))
        ax.barh(y, rows["weight"].to_numpy(dtype=float), color=OKABE_ITO[0], height=0.7)
        ax.set_yticks(y, rows["term"].astype(str).tolist())
        ax.set_ylim(n - 0.5, -0.5)  # rank 1 on top, equal bar height in every panel
        ax.set_title(_panel_title(topic, labels, ax))
        ax.tick_params(axis="y", length=0)
    fig.supxlabel("Weight", fontsize=8.0)
    return fig


@_styled
def plot_prevalence(
    prevalence: pd.DataFrame,
    *,
    events: pd.DataFrame | None = None,
    lang: str = "en",
    labels: Mapping[Any, str] | Sequence[str] | None = None,
    ncols: int = 4,
    width: Width = "double",
) -> Figure:
    """Plot each topic's prevalence over time with its confidence band, and n per period.

    Parameters
    ----------
    prevalence : pandas.DataFrame
        Tidy table with columns ``group`` (the period: Period, datetime or any ordered
        label), ``topic``, ``mean``, ``lo``, ``hi`` and optionally ``n_docs``, as returned
        by :func:`corpus_tools.effects.topic_prevalence`. Periods are drawn at their
        midpoint. With ``n_docs`` a last panel shows the documents per period.
    events : pandas.DataFrame, optional
        Dated events (see :func:`plot_coverage`); needs datetime-like groups.
    lang : str
        Language of the event labels.
    labels : mapping or sequence of str, optional
        Topic labels for the panel titles (see :func:`plot_top_terms`).
    ncols : int
        Panels per row; one panel per topic, all on the same scales.
    width : {"single", "double"} or float
        Journal column width, or the width in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> prev = pd.DataFrame({"group": pd.period_range("2024-01", periods=2, freq="M"),
    ...                      "topic": [0, 0], "mean": [0.2, 0.3],
    ...                      "lo": [0.1, 0.2], "hi": [0.3, 0.4], "n_docs": [10, 12]})
    >>> fig = plot_prevalence(prev, labels={0: "treaty"})
    >>> fig.axes[0].get_title(), len(fig.axes)
    ('0: treaty', 2)
    """
    _require(prevalence, ("group", "topic", "mean", "lo", "hi"), "plot_prevalence")
    table = prevalence.sort_values(["topic", "group"], kind="stable")
    timed = isinstance(table["group"].dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_dtype(
        table["group"]
    )
    if events is not None and not timed:
        raise PlotInputError("plot_prevalence: events need Period or datetime groups")
    if timed:
        table = table.assign(x=_period_x(table["group"]))
    else:
        order = {g: i for i, g in enumerate(pd.unique(prevalence["group"]))}
        table = table.assign(x=table["group"].map(order))
    start, end = _time_span(table["group"]) if timed else (None, None)
    shown = None if events is None else _events_between(events, lang, start, end)
    topics = table["topic"].unique()
    with_n = "n_docs" in table.columns
    fig = _grid(len(topics) + with_n, ncols, width, panel_height=1.5, sharex=True)
    first = fig.axes[0]
    for ax, topic in zip(fig.axes, topics, strict=False):
        if ax is not first:
            ax.sharey(first)
        rows = table[table["topic"] == topic]
        x = rows["x"].to_numpy()
        lo, hi = rows["lo"].to_numpy(float), rows["hi"].to_numpy(float)
        ax.fill_between(x, lo, hi, color=OKABE_ITO[0], alpha=0.3, linewidth=0)
        ax.plot(x, rows["mean"].to_numpy(float), color=OKABE_ITO[0])
        pad = 4.0
        if shown is not None:
            # Numbers on the top row only: the key explains them, and the lines below
            # line up with the numbered ones.
            rows = _mark_events(ax, shown, start, end, numbered=ax.get_subplotspec().is_first_row())
            pad = _event_pad(rows)
        ax.set_title(_panel_title(topic, labels, ax), pad=pad)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("Topic prevalence")
    if with_n:
        ax = fig.axes[len(topics)]
        per_period = table.drop_duplicates("group")
        width_bar = _bar_width(per_period["x"]) if timed else 0.8
        ax.bar(per_period["x"], per_period["n_docs"].to_numpy(float), width=width_bar,
               color=EVENT_COLOR, alpha=0.6)  # fmt: skip
        ax.set_title("Documents per period", pad=6.0)
        ax.set_ylabel("n")
    if timed:
        _date_axis(first)
    else:
        first.set_xticks(list(order.values()), [str(g) for g in order])
    if shown is not None:
        _event_key(fig, shown)
    return fig


def _time_span(groups: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last instant covered by Period (or datetime) groups."""
    if isinstance(groups.dtype, pd.PeriodDtype):
        return groups.min().start_time, groups.max().end_time
    dates = pd.to_datetime(groups)
    return dates.min(), dates.max()


def _bar_width(x: pd.Series) -> Any:
    """Bars 80 % as wide as the smallest gap between period midpoints."""
    gaps = pd.Series(pd.to_datetime(x).sort_values().unique()).diff().dropna()
    return (gaps.min() if len(gaps) else pd.Timedelta(days=20)) * 0.8


_METRICS: tuple[tuple[str, str], ...] = (
    ("c_npmi", "Coherence c_npmi (↑)"),
    ("c_v", "Coherence c_v (↑)"),
    ("u_mass", "Coherence u_mass (↑)"),
    ("diversity", "Topic diversity (↑)"),
    ("perplexity", "Held-out perplexity (↓)"),
    ("stability", "Stability across seeds (↑)"),
)


@_styled
def plot_model_selection(results: pd.DataFrame, *, width: Width = "double") -> Figure:
    """Plot each model-selection score against K: mean over seeds and min–max band.

    Parameters
    ----------
    results : pandas.DataFrame
        Tidy table, one row per fitted model, with columns ``k``, ``seed`` and the scores
        ``c_npmi``, ``c_v``, ``u_mass``, ``diversity``, ``perplexity``, ``stability``.
        A score column that is absent or entirely missing (e.g. perplexity for NMF) gets
        no panel; at least one score is needed.
    width : {"single", "double"} or float
        Journal column width, or the width in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per score; the arrow in each title says which direction is better.

    Examples
    --------
    >>> res = pd.DataFrame({"k": [5, 5, 10, 10], "seed": [0, 1, 0, 1],
    ...                     "c_npmi": [0.05, 0.07, 0.09, 0.08]})
    >>> fig = plot_model_selection(res)
    >>> fig.axes[0].get_lines()[0].get_ydata().round(3).tolist()
    [0.06, 0.085]
    """
    _require(results, ("k", "seed"), "plot_model_selection")
    metrics = [(c, t) for c, t in _METRICS if c in results and results[c].notna().any()]
    if not metrics:
        names = ", ".join(c for c, _ in _METRICS)
        raise PlotInputError(f"plot_model_selection: no score column with values ({names})")
    stats = results.groupby("k")[[c for c, _ in metrics]].agg(["mean", "min", "max"])
    k = stats.index.to_numpy()
    fig = _grid(len(metrics), 3, width, panel_height=1.6, sharex=True)
    for ax, (col, title) in zip(fig.axes, metrics, strict=True):
        band = (stats[(col, "min")].to_numpy(), stats[(col, "max")].to_numpy())
        ax.fill_between(k, *band, color=OKABE_ITO[0], alpha=0.3, linewidth=0)
        ax.plot(k, stats[(col, "mean")].to_numpy(), marker="o", color=OKABE_ITO[0])
        ax.set_title(title)
        ax.set_xticks(k)
    fig.supxlabel("Number of topics K", fontsize=8.0)
    return fig


@_styled
def plot_outlet_topic_heatmap(
    table: pd.DataFrame,
    *,
    fmt: str = ".2f",
    xlabel: str | None = None,
    ylabel: str | None = None,
    colorbar_label: str = "Mean topic share",
    width: Width = "double",
) -> Figure:
    """Plot a table of shares as an annotated heatmap (e.g. mean topic share per outlet).

    Parameters
    ----------
    table : pandas.DataFrame
        Wide table: one row per outlet (the index), one column per topic, values the mean
        document-topic share. Named axes (``table.index.name``, ``table.columns.name``)
        label the plot, so any two groupings can be shown, e.g. planted × fitted topics.
        Long column labels are wrapped to the width of their column.
    fmt : str
        Format of the number printed in each cell.
    xlabel, ylabel : str, optional
        Axis titles; default the table's axis names, else "Topic" and "Outlet".
    colorbar_label : str
        What the colour (and the printed numbers) mean.
    width : {"single", "double"} or float
        Journal column width, or the width in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> shares = pd.DataFrame({"t0": [0.7, 0.2], "t1": [0.3, 0.8]}, index=["pap", "tass"])
    >>> fig = plot_outlet_topic_heatmap(shares)
    >>> fig.axes[0].images[0].get_array().shape
    (2, 2)
    """
    if isinstance(table, pd.DataFrame) and table.shape[1] == 0:
        raise PlotInputError("plot_outlet_topic_heatmap: the table has no topic columns")
    _require(table, (), "plot_outlet_topic_heatmap")
    values = table.to_numpy(dtype=float)
    inches = _width_in(width)
    # Horizontal labels wrapped to their column (about 75 % of the width is the heat map;
    # a 7-pt glyph is up to 4.5 pt wide): rotated multi-line labels overprint each other.
    # Long labels read best as rows: pass the table transposed.
    per_column = max(6, int(inches * 0.75 * 72 / values.shape[1] / 4.5))
    columns = [_wrap(c, per_column) for c in table.columns]
    label_lines = max(c.count("\n") + 1 for c in columns)
    height = min(0.25 * len(table) + 1.0 + 0.12 * label_lines, inches)
    fig = Figure(figsize=(inches, height), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(values, aspect="auto", vmin=0.0, vmax=float(np.nanmax(values)))
    ax.set_xticks(np.arange(values.shape[1]), columns)
    ax.set_yticks(np.arange(values.shape[0]), [_wrap(i, 24) for i in table.index])
    ax.set_xlabel(xlabel or _axis_name(table.columns.name) or "Topic")
    ax.set_ylabel(ylabel or _axis_name(table.index.name) or "Outlet")
    ax.spines[:].set_visible(False)
    ax.tick_params(length=0)
    # Dark text on the light end of viridis, light text on the dark end.
    rgba = image.cmap(image.norm(values))
    luminance = rgba[..., :3] @ np.array([0.299, 0.587, 0.114])
    for (row, col), value in np.ndenumerate(values):
        ax.text(
            col,
            row,
            format(value, fmt),
            ha="center",
            va="center",
            fontsize=MIN_FONT_PT,
            color="black" if luminance[row, col] > 0.5 else "white",
        )
    fig.colorbar(image, ax=ax, label=_wrap(colorbar_label, 14), shrink=0.9)
    return fig


def _axis_name(name: Any) -> str | None:
    """A table axis name worth showing: not None and not pandas' ``row_0``/``col_0``."""
    if name is None or str(name) in ("row_0", "col_0"):
        return None
    return str(name)


@_styled
def plot_event_window(
    effects: pd.DataFrame,
    *,
    labels: Mapping[Any, str] | Sequence[str] | None = None,
    width: Width = "single",
) -> Figure:
    """Plot per-topic before/after differences with confidence intervals.

    Parameters
    ----------
    effects : pandas.DataFrame
        The table of :func:`corpus_tools.effects.event_window`: ``topic``, ``diff_pp``,
        ``ci_lo``, ``ci_hi`` (percentage points) and optionally ``significant`` (after
        the multiple-testing correction: filled dots; open dots otherwise). A table with
        ``diff``, ``diff_lo``, ``diff_hi`` (shares) is drawn on the share scale. Drawn
        top to bottom in table order.
    labels : mapping or sequence of str, optional
        Topic labels for the y axis (default: the ``topic`` values).
    width : {"single", "double"} or float
        Journal column width, or the width in inches.

    Returns
    -------
    matplotlib.figure.Figure
        A dot-and-whisker plot with a reference line at zero.

    Examples
    --------
    >>> eff = pd.DataFrame({"topic": ["military", "trade"], "diff": [0.05, -0.01],
    ...                     "diff_lo": [0.02, -0.03], "diff_hi": [0.08, 0.01]})
    >>> fig = plot_event_window(eff)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['military', 'trade']
    """
    in_pp = isinstance(effects, pd.DataFrame) and "diff_pp" in effects.columns
    columns = ("diff_pp", "ci_lo", "ci_hi") if in_pp else ("diff", "diff_lo", "diff_hi")
    _require(effects, ("topic", *columns), "plot_event_window")
    diff, lo, hi = (effects[c].to_numpy(float) for c in columns)
    if np.any(lo > diff) or np.any(hi < diff):
        raise PlotInputError(
            f"plot_event_window: some {columns[0]} lies outside [{columns[1]}, {columns[2]}]"
        )
    names = [_wrap(n, 28) for n in _tick_names(effects["topic"], labels)]
    fig = _dot_whisker(diff, lo, hi, names, width, effects.get("significant"))
    ax = fig.axes[0]
    if in_pp:
        ax.set_xlabel("Change, after − before\n(percentage points)")
    else:
        ax.set_xlabel("Change in topic prevalence (after − before)")
    return fig


def _tick_names(topics: pd.Series, labels: Mapping[Any, str] | Sequence[str] | None) -> list[str]:
    known = _label_map(labels)
    return [known.get(t, str(t)) for t in topics]


def _dot_whisker(
    est: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    names: list[str],
    width: Width,
    significant: pd.Series | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Estimates with interval whiskers, one row per name, a reference line at zero.

    With ``significant``, the estimates that are not significant get open dots.
    """
    if ax is None:
        extra_lines = sum(n.count("\n") for n in names)
        height = 0.22 * len(names) + 0.14 * extra_lines + 0.8
        ax = Figure(figsize=(_width_in(width), height), layout="constrained").subplots()
    y = np.arange(len(names))
    ax.axvline(0.0, color=EVENT_COLOR, linewidth=0.7, zorder=1)
    # Open and filled dots must be told apart at screen resolution: larger markers then.
    size = {} if significant is None else {"markersize": 5.0}
    ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", color=OKABE_ITO[0], capsize=2, **size)
    if significant is not None:
        faint = ~significant.to_numpy(bool)
        # errorbar draws its markers at zorder 2.1, above its bars; the open dots go on top.
        ax.plot(est[faint], y[faint], "o", color=OKABE_ITO[0], markerfacecolor="white",
                zorder=3, **size)  # fmt: skip
    ax.set_yticks(y, names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    return ax.figure


def _term_title(term: str) -> str:
    """patsy's ``outlet[T.pap]`` as ``outlet = pap``; other terms as they are."""
    match = re.fullmatch(r"(.+)\[T\.(.+)\]", term)
    return f"{match[1]} = {match[2]}" if match else term


@_styled
def plot_topic_regression(
    effects: pd.DataFrame,
    *,
    terms: Sequence[str] | None = None,
    labels: Mapping[Any, str] | Sequence[str] | None = None,
    ncols: int = 2,
    width: Width = "double",
) -> Figure:
    """Plot covariate effects on topic prevalence: one panel per term, one row per topic.

    Parameters
    ----------
    effects : pandas.DataFrame
        The table of :func:`corpus_tools.effects.topic_regression`: ``topic, term,
        estimate, ci_lo, ci_hi`` (shares); drawn in percentage points.
    terms : sequence of str, optional
        The terms to show, in this order; default every term but the intercept.
    labels : mapping or sequence of str, optional
        Topic labels for the y axes.
    ncols : int
        Panels per row.
    width : {"single", "double"} or float

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> eff = pd.DataFrame({"topic": [0, 1], "term": ["after", "after"],
    ...                     "estimate": [0.1, -0.02], "ci_lo": [0.05, -0.05],
    ...                     "ci_hi": [0.15, 0.01]})
    >>> fig = plot_topic_regression(eff, labels=["treaty", "trade"])
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['treaty', 'trade']
    """
    _require(effects, ("topic", "term", "estimate", "ci_lo", "ci_hi"), "plot_topic_regression")
    if terms is None:
        terms = [t for t in pd.unique(effects["term"]) if t != "Intercept"]
    missing = [t for t in terms if t not in set(effects["term"])]
    if missing or not terms:
        raise PlotInputError(f"plot_topic_regression: no rows for term(s) {missing or terms}")
    topics = pd.unique(effects["topic"])
    names = [_wrap(n, 30) for n in _tick_names(pd.Series(topics), labels)]
    lines = sum(n.count("\n") + 1 for n in names)
    fig = _grid(len(terms), ncols, width, panel_height=0.16 * lines + 0.1 * len(names) + 0.6,
                sharey=True)  # fmt: skip
    for ax, term in zip(fig.axes, terms, strict=True):
        rows = effects[effects["term"] == term].set_index("topic").loc[topics]
        est, lo, hi = (100 * rows[c].to_numpy(float) for c in ("estimate", "ci_lo", "ci_hi"))
        _dot_whisker(est, lo, hi, names, width, ax=ax)
        ax.set_title(_wrap(_term_title(term), 40))
    fig.supxlabel("Effect on topic prevalence, percentage points", fontsize=8.0)
    return fig


# ---- saving and showing ------------------------------------------------------------------
def save_figure(
    fig: Figure,
    path_without_suffix: str | Path,
    *,
    formats: Sequence[str] = ("svg", "png"),
    dpi: int = 200,
) -> list[Path]:
    """Write ``fig`` in each format with deterministic bytes and its provenance.

    Every file carries its name (``Title``), ``corpus_tools <version>`` as its creator and
    a JSON provenance record (PNG text chunk and SVG ``dc:description``: ``Description``;
    PDF: ``Subject``): the figure name, its
    :func:`~corpus_tools.fingerprint.figure_fingerprint`, the package
    version, git commit and dirty flag, the lock file's sha256 and, inside
    ``corpus-tools reproduce``, the notebook, analysis version, parameters and data (see
    :mod:`corpus_tools.provenance`, whose ``read_figure_provenance`` reads it back).
    No dates and no matplotlib version are written and SVG element ids come from a fixed
    salt, so the same figure with the same provenance gives identical files.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_without_suffix : str or pathlib.Path
        Target path; ``.<format>`` is appended. Missing folders are created.
    formats : sequence of {"svg", "png", "pdf"}
    dpi : int
        Resolution of raster formats.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.

    Examples
    --------
    >>> import tempfile
    >>> fig = plot_event_window(pd.DataFrame({"topic": ["a"], "diff": [0.1],
    ...                                       "diff_lo": [0.0], "diff_hi": [0.2]}))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in save_figure(fig, Path(tmp) / "01_effects")]
    ['01_effects.svg', '01_effects.png']
    """
    unknown = [f for f in formats if f not in _SAVE_METADATA]
    if unknown:
        raise PlotInputError(
            f"save_figure: unsupported format(s) {', '.join(unknown)}; "
            f"use {', '.join(_SAVE_METADATA)}"
        )
    base = Path(path_without_suffix)
    base.parent.mkdir(parents=True, exist_ok=True)
    from .fingerprint import figure_fingerprint  # it imports this module (see show_figure)

    record = {**current_provenance(), "figure": base.name, "fingerprint": figure_fingerprint(fig)}
    described = json.dumps(record, sort_keys=True, separators=(",", ":"))  # ASCII: PNG tEXt
    written = []
    with style():
        for fmt in formats:
            path = base.with_name(f"{base.name}.{fmt}")
            metadata = {
                **_SAVE_METADATA[fmt],
                "Title": base.name,
                _CREATOR_FIELD[fmt]: f"corpus_tools {__version__}",
                _PROVENANCE_FIELD[fmt]: described,
            }
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata)
            written.append(path)
    return written


def mark_synthetic(fig: Figure, text: str = "SYNTHETIC DATA") -> Figure:
    """Stamp ``fig`` visibly as drawn from synthetic data (the demo corpus).

    A large, light diagonal watermark across the figure plus a solid line of text above
    it (the figure's suptitle, so the layout makes room for it), so the mark survives
    cropping and greyscale printing. Marking twice adds nothing.

    Examples
    --------
    >>> fig = plot_event_window(pd.DataFrame({"topic": ["a"], "diff": [0.1],
    ...                                       "diff_lo": [0.0], "diff_hi": [0.2]}))
    >>> from matplotlib.text import Text
    >>> sum(t.get_text() == "SYNTHETIC DATA" for t in mark_synthetic(fig).findobj(Text))
    2
    """
    if any(t.get_gid() == "synthetic-mark" for t in fig.texts):
        return fig
    if fig._suptitle is not None and fig._suptitle.get_text():
        raise PlotInputError("mark_synthetic: the figure already has a suptitle")
    with style():
        watermark = fig.text(0.5, 0.5, text, ha="center", va="center", rotation=20,
                             fontsize=28, fontweight="bold", color=SYNTHETIC_COLOR, alpha=0.13,
                             zorder=10)  # fmt: skip
        watermark.set_in_layout(False)
        banner = fig.suptitle(
            text, x=0.005, ha="left", fontsize=MIN_FONT_PT, fontweight="bold",
            color=SYNTHETIC_COLOR,
        )  # fmt: skip
    for mark in (watermark, banner):
        mark.set_gid("synthetic-mark")
    return fig


def show_figure(
    fig: Figure, name: str, figures_dir: str | Path | None = None, *, synthetic: bool = False
) -> None:
    """Show a notebook figure: print its fingerprint, display it as PNG, save when asked.

    Every figure cell of the notebooks ends with this call. nbval compares the printed
    fingerprint line (it ignores ``image/png`` outputs); readers on GitHub or in Jupyter
    see the figure, stored in the notebook as an ``image/png`` output. Outside IPython
    (a script, a doctest) nothing is displayed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File name without suffix, e.g. ``"05_prevalence"``.
    figures_dir : str, pathlib.Path or None
        Where :func:`save_figure` writes ``name.svg`` and ``name.png``; ``None`` saves
        nothing (the notebooks' default; ``corpus-tools reproduce`` sets it).
    synthetic : bool, default=False
        Stamp the figure with :func:`mark_synthetic` first (figures of the demo corpus).

    Examples
    --------
    >>> fig = plot_event_window(pd.DataFrame({"topic": [0], "diff": [0.1],
    ...                                       "diff_lo": [0.0], "diff_hi": [0.2]}))
    >>> show_figure(fig, "demo")  # doctest: +ELLIPSIS
    demo: fig sha256 data=... pixels=...
    """
    # The fingerprint renders under this module's style(), so it imports plots: importing
    # it here keeps that dependency one-way.
    from .fingerprint import figure_fingerprint

    if synthetic:
        mark_synthetic(fig)
    # Fingerprint before saving: drawing at the saving dpi first can move a pixel, and the
    # printed line must not depend on whether the notebook saves its figures.
    print(f"{name}: {figure_fingerprint(fig)}")
    if figures_dir is not None:
        save_figure(fig, Path(figures_dir) / name)
    _display_png(fig)


def _display_png(fig: Figure) -> None:
    """Display ``fig`` as an ``image/png`` output when running under IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # IPython comes with ipykernel; plain Python has nothing to show on
        return
    if get_ipython() is None:
        return
    buffer = io.BytesIO()
    with style():
        fig.savefig(buffer, format="png", dpi=110, metadata=_SAVE_METADATA["png"])
    display(Image(data=buffer.getvalue(), format="png"))


# ---- actor co-occurrence network (corpus_tools.lexical.actor_cooccurrence) ---------------
@_styled
def plot_cooccurrence(
    matrix: pd.DataFrame, *, min_count: int = 1, top_n: int = 15, width: Width = "double"
) -> Figure:
    """Plot actor co-occurrence as a network on a circle.

    Nodes are actors, sized by the documents mentioning them; an edge joins two actors
    mentioned together in at least ``min_count`` documents, its width proportional to
    that count. The layout is a fixed circle (most-mentioned actor at the top, then
    clockwise by mentions), so the figure is deterministic.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Square co-occurrence matrix from :func:`corpus_tools.lexical.actor_cooccurrence`
        (documents per pair off the diagonal, per actor on it).
    min_count : int, default=1
        Edges with fewer shared documents are not drawn.
    top_n : int, default=15
        Show the ``top_n`` most-mentioned actors.
    width : {"single", "double"} or float
        Journal column width, or the width in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> m = pd.DataFrame([[3, 2], [2, 4]], index=["putin", "kim"], columns=["putin", "kim"])
    >>> fig = plot_cooccurrence(m)
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['kim (4)', 'putin (3)']
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.shape[0] != matrix.shape[1]:
        raise PlotInputError("plot_cooccurrence: expected a square actor x actor DataFrame")
    if matrix.empty:
        raise PlotInputError("plot_cooccurrence: the matrix is empty (no actor mentioned)")
    if list(matrix.index) != list(matrix.columns):
        raise PlotInputError("plot_cooccurrence: rows and columns must name the same actors")
    values = matrix.to_numpy(dtype=float)
    mentions = pd.Series(np.diag(values), index=[str(i) for i in matrix.index])
    order = mentions.sort_values(ascending=False, kind="stable").index[:top_n]
    sub = pd.DataFrame(values, index=mentions.index, columns=mentions.index).loc[order, order]
    angles = np.pi / 2 - 2 * np.pi * np.arange(len(order)) / max(len(order), 1)
    x, y = np.cos(angles), np.sin(angles)
    inches = _width_in(width)
    # Wider than tall: the labels left and right of the circle need the room.
    fig = Figure(figsize=(inches, 0.55 * inches), layout="constrained")
    ax = fig.subplots()
    pair_max = max(float(np.triu(sub.to_numpy(), 1).max()), 1.0)
    for i in range(len(order)):
        for j in range(i + 1, len(order)):
            shared = sub.iat[i, j]
            if shared >= min_count and shared > 0:
                ax.plot(
                    [x[i], x[j]],
                    [y[i], y[j]],
                    color=EVENT_COLOR,
                    linewidth=0.4 + 3.0 * shared / pair_max,
                    alpha=0.6,
                    zorder=1,
                )
    sizes = 20 + 180 * sub.to_numpy().diagonal() / max(float(sub.to_numpy().max()), 1.0)
    ax.scatter(x, y, s=sizes, color=OKABE_ITO[0], zorder=2)
    for xi, yi, name in zip(x, y, order, strict=True):
        # Labels sit outside the circle, pointing away from its centre, so they do not
        # cover the edges or each other.
        label = ax.annotate(
            f"{name} ({int(mentions[name])})",
            (xi, yi),
            xytext=(9 * xi, 9 * yi),
            textcoords="offset points",
            ha="left" if xi > 0.2 else "right" if xi < -0.2 else "center",
            va="bottom" if yi > 0.2 else "top" if yi < -0.2 else "center",
            fontsize=MIN_FONT_PT,
        )
        label.set_in_layout(False)  # the limits below leave room for the labels
    ax.set_xlim(-2.2, 2.2)
    ax.set_ylim(-1.25, 1.25)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"Actors named together (edges: ≥ {min_count} documents)")
    return fig
