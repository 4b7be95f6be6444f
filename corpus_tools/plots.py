"""Publication figures: every figure the notebooks show comes from a function here.

Each ``plot_*`` function takes a tidy :class:`pandas.DataFrame`, returns a
:class:`matplotlib.figure.Figure` built with the object-oriented API (no pyplot, no global
state, never shown) and applies one journal style while it builds the figure:
Okabe–Ito colour-blind-safe colours, DejaVu Sans (bundled with matplotlib, so text renders
the same on every machine), fonts of at least 7 pt and journal column widths
(3.5 in single, 7.2 in double).

:func:`save_figure` writes byte-identical files for identical figures (no dates, no
version strings). :func:`show_figure` prints a figure's one-line digest
(:func:`corpus_tools.fingerprint.figure_fingerprint`) so that ``pytest --nbval`` (which
ignores ``image/png`` outputs) notices a changed figure.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
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

from .errors import CorpusToolsError

__all__ = [
    "DOUBLE_COLUMN_IN",
    "OKABE_ITO",
    "SINGLE_COLUMN_IN",
    "STYLE_RC",
    "PlotInputError",
    "load_events",
    "plot_coverage",
    "plot_event_window",
    "plot_model_selection",
    "plot_outlet_topic_heatmap",
    "plot_prevalence",
    "plot_top_terms",
    "save_figure",
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

_SAVE_METADATA: dict[str, dict[str, None]] = {
    "svg": {"Date": None, "Creator": None},
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}

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
        ``description_en``, sorted by date.

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


def _mark_events(ax: Axes, shown: pd.DataFrame, lo: Any, hi: Any) -> None:
    """A dashed line per event, numbered above the axes (the key explains the numbers).

    Events closer than 6 % of the time span share one label ("6,7") so numbers stay legible.
    """
    min_gap = (pd.Timestamp(hi) - pd.Timestamp(lo)) * 0.06
    groups: list[tuple[pd.Timestamp, list[str]]] = []
    for number, date in enumerate(shown["date"], start=1):
        ax.axvline(date, color=EVENT_COLOR, linestyle="--", linewidth=0.7, zorder=1)
        if groups and date - groups[-1][0] < min_gap:
            groups[-1][1].append(str(number))
        else:
            groups.append((date, [str(number)]))
    for date, numbers in groups:
        ax.annotate(
            ",".join(numbers),
            xy=(date, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 1),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=MIN_FONT_PT,
            color=EVENT_COLOR,
        )


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


def _period_starts(values: pd.Series) -> pd.Series:
    """Periods (or anything datetime-like) as timestamps at the start of the period."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.to_timestamp()
    return pd.to_datetime(values)


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
        Undated documents cannot be placed in time: their number is stated in the x label.
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
    dated = corpus[corpus["date"].notna()]
    if dated.empty:
        raise PlotInputError("plot_coverage: no document has a date")
    periods = pd.to_datetime(dated["date"]).dt.to_period(freq)
    counts = pd.crosstab(periods, dated[by].astype("string").fillna("unknown"))
    full = pd.period_range(counts.index.min(), counts.index.max(), freq=freq)
    counts = counts.reindex(full, fill_value=0)
    x = counts.index.to_timestamp()

    fig = Figure(figsize=(_width_in(width), _width_in(width) * 0.4), layout="constrained")
    ax = fig.subplots()
    for i, name in enumerate(counts.columns):
        ax.plot(x, counts[name].to_numpy(), marker="o", label=str(name), **_series_style(i))
    if events is not None:
        end = counts.index.max().to_timestamp(how="end")
        shown = _events_between(events, lang, x.min(), end)
        _mark_events(ax, shown, x.min(), end)
        _event_key(fig, shown)
    _date_axis(ax)
    unit = _FREQ_LABELS.get(counts.index.freqstr.split("-")[0], "Period")
    n_undated = len(corpus) - len(dated)
    ax.set_xlabel(unit + (f" ({n_undated} undated not shown)" if n_undated else ""))
    ax.set_ylabel("Documents")
    ax.set_ylim(bottom=0)
    fig.legend(loc="outside right upper", title=by.capitalize())
    return fig


@_styled
def plot_top_terms(
    top_terms: pd.DataFrame, *, n: int = 10, ncols: int = 4, width: Width = "double"
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
        ax.set_title(f"Topic {topic}")
        ax.tick_params(axis="y", length=0)
    fig.supxlabel("Weight", fontsize=8.0)
    return fig


@_styled
def plot_prevalence(
    prevalence: pd.DataFrame,
    *,
    events: pd.DataFrame | None = None,
    lang: str = "en",
    ncols: int = 4,
    width: Width = "double",
) -> Figure:
    """Plot each topic's prevalence over time with its confidence band.

    Parameters
    ----------
    prevalence : pandas.DataFrame
        Tidy table with columns ``group`` (the period: Period, datetime or any ordered
        label), ``topic``, ``mean``, ``lo``, ``hi``.
    events : pandas.DataFrame, optional
        Dated events (see :func:`plot_coverage`); needs datetime-like groups.
    lang : str
        Language of the event labels.
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
    ...                      "lo": [0.1, 0.2], "hi": [0.3, 0.4]})
    >>> fig = plot_prevalence(prev)
    >>> len(fig.axes[0].get_lines())
    1
    """
    _require(prevalence, ("group", "topic", "mean", "lo", "hi"), "plot_prevalence")
    table = prevalence.sort_values(["topic", "group"], kind="stable")
    timed = isinstance(table["group"].dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_dtype(
        table["group"]
    )
    if events is not None and not timed:
        raise PlotInputError("plot_prevalence: events need Period or datetime groups")
    if timed:
        table = table.assign(x=_period_starts(table["group"]))
    else:
        order = {g: i for i, g in enumerate(pd.unique(prevalence["group"]))}
        table = table.assign(x=table["group"].map(order))
    start, end = table["x"].min(), table["x"].max()
    shown = None if events is None else _events_between(events, lang, start, end)
    topics = table["topic"].unique()
    fig = _grid(len(topics), ncols, width, panel_height=1.3, sharex=True, sharey=True)
    for ax, topic in zip(fig.axes, topics, strict=True):
        rows = table[table["topic"] == topic]
        x = rows["x"].to_numpy()
        lo, hi = rows["lo"].to_numpy(float), rows["hi"].to_numpy(float)
        ax.fill_between(x, lo, hi, color=OKABE_ITO[0], alpha=0.3, linewidth=0)
        ax.plot(x, rows["mean"].to_numpy(float), color=OKABE_ITO[0])
        if shown is None:
            ax.set_title(f"Topic {topic}")
        else:
            ax.set_title(f"Topic {topic}", pad=10)  # room for the event numbers
            _mark_events(ax, shown, start, end)
    if timed:
        _date_axis(fig.axes[0])
    else:
        fig.axes[0].set_xticks(list(order.values()), [str(g) for g in order])
    fig.supylabel("Topic prevalence", fontsize=8.0)
    if shown is not None:
        _event_key(fig, shown)
    return fig


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
    table: pd.DataFrame, *, fmt: str = ".2f", width: Width = "double"
) -> Figure:
    """Plot the mean topic share per outlet as an annotated heatmap.

    Parameters
    ----------
    table : pandas.DataFrame
        Wide table: one row per outlet (the index), one column per topic, values the mean
        document-topic share. Named axes (``table.index.name``, ``table.columns.name``)
        label the plot, so any two groupings can be shown, e.g. planted × fitted topics.
    fmt : str
        Format of the number printed in each cell.
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
    height = min(0.25 * len(table) + 1.0, inches)
    fig = Figure(figsize=(inches, height), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(values, aspect="auto", vmin=0.0, vmax=float(np.nanmax(values)))
    ax.set_xticks(np.arange(values.shape[1]), [str(c) for c in table.columns])
    ax.set_yticks(np.arange(values.shape[0]), [str(i) for i in table.index])
    ax.set_xlabel(table.columns.name or "Topic")
    ax.set_ylabel(table.index.name or "Outlet")
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
    fig.colorbar(image, ax=ax, label="Mean topic share", shrink=0.9)
    return fig


@_styled
def plot_event_window(effects: pd.DataFrame, *, width: Width = "single") -> Figure:
    """Plot per-topic before/after differences with confidence intervals.

    Parameters
    ----------
    effects : pandas.DataFrame
        Columns ``topic``, ``diff`` (after minus before), ``diff_lo``, ``diff_hi``;
        drawn top to bottom in table order.
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
    _require(effects, ("topic", "diff", "diff_lo", "diff_hi"), "plot_event_window")
    diff = effects["diff"].to_numpy(float)
    lo, hi = effects["diff_lo"].to_numpy(float), effects["diff_hi"].to_numpy(float)
    if np.any(lo > diff) or np.any(hi < diff):
        raise PlotInputError("plot_event_window: some diff lies outside [diff_lo, diff_hi]")
    y = np.arange(len(effects))
    fig = Figure(figsize=(_width_in(width), 0.22 * len(effects) + 0.8), layout="constrained")
    ax = fig.subplots()
    ax.axvline(0.0, color=EVENT_COLOR, linewidth=0.7, zorder=1)
    ax.errorbar(diff, y, xerr=[diff - lo, hi - diff], fmt="o", color=OKABE_ITO[0], capsize=2)
    ax.set_yticks(y, effects["topic"].astype(str).tolist())
    ax.set_ylim(len(effects) - 0.5, -0.5)
    ax.set_xlabel("Change in topic prevalence (after − before)")
    return fig


# ---- saving and showing ------------------------------------------------------------------
def save_figure(
    fig: Figure,
    path_without_suffix: str | Path,
    *,
    formats: Sequence[str] = ("svg", "png"),
    dpi: int = 200,
) -> list[Path]:
    """Write ``fig`` in each format with deterministic bytes.

    No creation date and no software version is written, SVG element ids come from a
    fixed salt, so the same figure saved twice (or on another machine with the locked
    matplotlib) gives identical files.

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
    written = []
    with style():
        for fmt in formats:
            path = base.with_name(f"{base.name}.{fmt}")
            fig.savefig(path, format=fmt, dpi=dpi, metadata=_SAVE_METADATA[fmt])
            written.append(path)
    return written


def show_figure(fig: Figure, name: str, figures_dir: str | Path | None = None) -> Figure:
    """Show a notebook figure: print its fingerprint, save it when asked, return it.

    Every figure cell of the notebooks ends with this call, so that nbval compares the
    printed fingerprint (nbval itself ignores ``image/png``) and the cell's stored output
    is the figure, never an object repr.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File name without suffix, e.g. ``"05_prevalence"``.
    figures_dir : str, pathlib.Path or None
        Where :func:`save_figure` writes ``name.svg`` and ``name.png``; ``None`` saves
        nothing (the notebooks' default; ``corpus-tools reproduce`` sets it).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``, for the notebook to display.

    Examples
    --------
    >>> fig = plot_event_window(pd.DataFrame({"topic": [0], "diff": [0.1],
    ...                                       "diff_lo": [0.0], "diff_hi": [0.2]}))
    >>> show_figure(fig, "demo") is fig  # doctest: +ELLIPSIS
    demo: fig sha256 data=... pixels=...
    True
    """
    # The fingerprint renders under this module's style(), so it imports plots: importing
    # it here keeps that dependency one-way.
    from .fingerprint import figure_fingerprint

    # Fingerprint before saving: drawing at the saving dpi first can move a pixel, and the
    # printed line must not depend on whether the notebook saves its figures.
    print(f"{name}: {figure_fingerprint(fig)}")
    if figures_dir is not None:
        save_figure(fig, Path(figures_dir) / name)
    return fig
