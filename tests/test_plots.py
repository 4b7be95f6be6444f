"""Tests for corpus_tools.plots: semantic content, style, deterministic files, fingerprints.

Each plot test builds a tiny figure, checks what it shows against values worked out by
hand from the input, then compares ``figure_fingerprint`` with the baseline stored in
``tests/baseline/figure_hashes.json``.

Updating the baselines (only after an intended change to a figure)::

    CORPUS_TOOLS_UPDATE_BASELINES=1 .venv/bin/pytest tests/test_plots.py
    CORPUS_TOOLS_SAVE_FIGURES=/tmp/baseline-figures .venv/bin/pytest tests/test_plots.py

The first command fails for every baseline it rewrites (nothing was compared); an
unchanged baseline still passes. The second command writes each baseline figure as
PNG; look at every one before committing the new hashes, then run the tests again.
The ``pixels`` part of a hash holds for the locked matplotlib.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text

from corpus_tools.errors import CorpusToolsError
from corpus_tools.fingerprint import figure_fingerprint
from corpus_tools.plots import (
    DOUBLE_COLUMN_IN,
    OKABE_ITO,
    SINGLE_COLUMN_IN,
    PlotInputError,
    load_events,
    plot_coverage,
    plot_event_window,
    plot_model_selection,
    plot_outlet_topic_heatmap,
    plot_prevalence,
    plot_top_terms,
    save_figure,
    style,
)

BASELINE = Path(__file__).parent / "baseline" / "figure_hashes.json"
UPDATE = os.environ.get("CORPUS_TOOLS_UPDATE_BASELINES") == "1"
SAVE_DIR = os.environ.get("CORPUS_TOOLS_SAVE_FIGURES")


def check_baseline(name: str, fig: Figure) -> None:
    """Compare (or, when updating, record) the fingerprint of a baseline figure."""
    line = figure_fingerprint(fig)
    if SAVE_DIR:
        save_figure(fig, Path(SAVE_DIR) / name, formats=("png",))
    stored = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    if UPDATE and stored.get(name) != line:
        assert not os.environ.get("CI"), "baselines are updated by a person, never under CI"
        old = stored.get(name)
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(
            json.dumps({**stored, name: line}, indent=2, sort_keys=True) + "\n", "utf-8"
        )
        # The run that writes a baseline never passes: it compared nothing. Look at the
        # figure (CORPUS_TOOLS_SAVE_FIGURES), then run again without the variable.
        pytest.fail(f"baseline of {name} updated ({old} -> {line}); re-run to check it")
    assert name in stored, f"no baseline for {name}; see the module docstring"
    assert line == stored[name], f"{name} changed; if intended, update the baseline"


def all_texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]


def drawn_texts(fig: Figure) -> list[Text]:
    """Visible texts, without the tick labels matplotlib keeps beyond the axis limits."""
    hidden = set()
    for ax in fig.axes:
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = min(lo, hi), max(lo, hi)
            for tick in axis.get_major_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    hidden.update({id(tick.label1), id(tick.label2)})
    return [t for t in all_texts(fig) if id(t) not in hidden]


def check_style(fig: Figure, width: float) -> None:
    """Journal width, legible fonts, DejaVu Sans everywhere."""
    assert fig.get_size_inches()[0] == pytest.approx(width)
    for text in all_texts(fig):
        assert text.get_fontsize() >= 7, text.get_text()
        assert text.get_fontfamily() == ["sans-serif"]
        assert Path(mpl.font_manager.findfont(text.get_fontproperties())).name == "DejaVuSans.ttf"


# ---- tiny inputs (values chosen so the expected output is easy to count by hand) ----------
@pytest.fixture
def corpus() -> pd.DataFrame:
    # pap: Jan, Mar; tass: Jan, Apr; one undated document.
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-10", "2024-03-05", "2024-01-20", "2024-04-30", None]),
            "outlet": ["pap", "pap", "tass", "tass", "pap"],
            "language": ["pl", "pl", "ru", "ru", "pl"],
        }
    )


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-02-15", "2019-04-25"]),
            "event_id": ["summit", "too_early"],
            "label_en": ["Summit", "Too early"],
            "label_pl": ["Szczyt", "Za wcześnie"],
        }
    )


@pytest.fixture
def top_terms() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "topic": [0, 0, 0, 1, 1, 1],
            "rank": [2, 1, 3, 1, 2, 3],  # deliberately not sorted
            "term": ["putin", "kim", "treaty", "troops", "kursk", "drones"],
            "weight": [0.2, 0.3, 0.1, 0.4, 0.25, 0.05],
        }
    )


@pytest.fixture
def prevalence() -> pd.DataFrame:
    groups = pd.period_range("2024-01", periods=3, freq="M")
    means = {0: [0.1, 0.2, 0.3], 1: [0.5, 0.4, 0.45]}
    rows = [
        {"group": g, "topic": t, "mean": m, "lo": m - 0.05, "hi": m + 0.1}
        for t, ms in means.items()
        for g, m in zip(groups, ms, strict=True)
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def selection() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": [5, 5, 10, 10],
            "seed": [0, 1, 0, 1],
            "c_npmi": [0.04, 0.08, 0.10, 0.06],
            "c_v": [0.4, 0.5, 0.6, 0.5],
            "u_mass": [-2.0, -3.0, -1.0, -2.0],
            "diversity": [0.9, 0.8, 0.7, 0.7],
            "perplexity": [900.0, 1000.0, 800.0, 850.0],
            "stability": [0.6, 0.6, 0.8, 0.7],
        }
    )


@pytest.fixture
def shares() -> pd.DataFrame:
    return pd.DataFrame(
        {"t0": [0.7, 0.1], "t1": [0.2, 0.6], "t2": [0.1, 0.3]}, index=["pap", "tass"]
    )


@pytest.fixture
def effects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "topic": ["military", "trade", "culture"],
            "diff": [0.05, -0.01, 0.0],
            "diff_lo": [0.02, -0.03, -0.02],
            "diff_hi": [0.08, 0.01, 0.03],
        }
    )


# ---- one test per plot --------------------------------------------------------------------
def test_plot_coverage(corpus: pd.DataFrame, events: pd.DataFrame) -> None:
    fig = plot_coverage(corpus, events=events)
    ax = fig.axes[0]
    series = {line.get_label(): line for line in ax.get_lines() if line.get_label()[0] != "_"}
    # Months Jan..Apr with the zero months filled in, counted by hand from the fixture.
    assert series["pap"].get_ydata().tolist() == [1, 0, 1, 0]
    assert series["tass"].get_ydata().tolist() == [1, 0, 0, 1]
    # Each month at its midpoint (31, 29, 31 and 30 days in 2024).
    mids = ["2024-01-16 12:00", "2024-02-15 12:00", "2024-03-16 12:00", "2024-04-16 00:00"]
    expected_x = mdates.date2num(pd.to_datetime(mids))
    np.testing.assert_allclose(mdates.date2num(series["pap"].get_xdata()), expected_x)
    assert series["pap"].get_color() != series["tass"].get_color()
    # Only the event inside the plotted period is marked, at its date, numbered 1.
    marks = [a for a in ax.texts if isinstance(a, Annotation)]
    assert [a.get_text() for a in marks] == ["1"]
    assert ax.xaxis.convert_units(marks[0].xy[0]) == pytest.approx(mdates.date2num(events.date[0]))
    key = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "1  Summit (2024-02-15)" in key and not any("Too early" in k for k in key)
    assert "1 undated" in ax.get_xlabel()
    check_style(fig, DOUBLE_COLUMN_IN)
    check_baseline("coverage", fig)


def test_plot_coverage_by_language_and_polish_labels(corpus, events) -> None:
    fig = plot_coverage(corpus, by="language", freq="Q", events=events, lang="pl")
    ax = fig.axes[0]
    lines = {ln.get_label(): list(ln.get_ydata()) for ln in ax.get_lines()}
    assert lines["pl"] == [2, 0] and lines["ru"] == [1, 1]  # Q1: Jan+Mar / Jan; Q2: Apr
    assert ax.get_xlabel().startswith("Quarter")
    key = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "1  Szczyt (2024-02-15)" in key


def test_plot_top_terms(top_terms: pd.DataFrame) -> None:
    fig = plot_top_terms(top_terms, n=2, ncols=4)
    assert len(fig.axes) == 2
    for ax, terms, weights in zip(
        fig.axes, [["kim", "putin"], ["troops", "kursk"]], [[0.3, 0.2], [0.4, 0.25]], strict=True
    ):
        bars = ax.patches
        assert [b.get_width() for b in bars] == pytest.approx(weights)
        assert [t.get_text() for t in ax.get_yticklabels()] == terms
        # Rank 1 is drawn on top (the y axis is inverted).
        assert bars[0].get_y() < bars[1].get_y() and ax.yaxis_inverted()
    assert [ax.get_title() for ax in fig.axes] == ["Topic 0", "Topic 1"]
    check_style(fig, DOUBLE_COLUMN_IN)
    check_baseline("top_terms", fig)


def test_plot_top_terms_grid_removes_unused_panels(top_terms) -> None:
    three = pd.concat([top_terms, top_terms.assign(topic=2)])
    fig = plot_top_terms(three, ncols=2)
    assert len(fig.axes) == 3  # 2x2 grid, one cell removed
    # The panel above the removed cell keeps its weight tick labels.
    assert fig.axes[1].xaxis.get_tick_params()["labelbottom"]


def test_plot_prevalence(prevalence: pd.DataFrame, events: pd.DataFrame) -> None:
    fig = plot_prevalence(prevalence, events=events)
    assert len(fig.axes) == 2  # one panel per topic
    expected = {0: [0.1, 0.2, 0.3], 1: [0.5, 0.4, 0.45]}
    for ax, topic in zip(fig.axes, [0, 1], strict=True):
        mean_lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
        assert len(mean_lines) == 1
        np.testing.assert_allclose(mean_lines[0].get_ydata(), expected[topic])
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 1
        band_y = np.unique(np.round(bands[0].get_paths()[0].vertices[:, 1], 9))
        want = np.unique(np.round(np.r_[expected[topic]] + [[-0.05], [0.1]], 9))
        np.testing.assert_allclose(band_y, want)
        event_lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert [mdates.date2num(ln.get_xdata()[0]) for ln in event_lines] == [
            mdates.date2num(pd.Timestamp("2024-02-15"))
        ]
    check_style(fig, DOUBLE_COLUMN_IN)
    check_baseline("prevalence", fig)


def test_plot_prevalence_with_label_groups(prevalence) -> None:
    labelled = prevalence.assign(group=prevalence["group"].astype(str))
    fig = plot_prevalence(labelled)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["2024-01", "2024-02", "2024-03"]
    with pytest.raises(PlotInputError, match="events need"):
        plot_prevalence(labelled, events=pd.DataFrame({"date": [], "label_en": []}))


def test_plot_model_selection(selection: pd.DataFrame) -> None:
    fig = plot_model_selection(selection)
    assert len(fig.axes) == 6
    # Mean over the two seeds per K, by hand.
    expected = {
        "c_npmi": [0.06, 0.08],
        "c_v": [0.45, 0.55],
        "u_mass": [-2.5, -1.5],
        "diversity": [0.85, 0.7],
        "perplexity": [950.0, 825.0],
        "stability": [0.6, 0.75],
    }
    for ax, (metric, means) in zip(fig.axes, expected.items(), strict=True):
        assert metric in ax.get_title().lower()
        (line,) = ax.get_lines()
        np.testing.assert_allclose(line.get_xdata(), [5, 10])
        np.testing.assert_allclose(line.get_ydata(), means)
        band_y = ax.collections[0].get_paths()[0].vertices[:, 1]
        low, high = selection.groupby("k")[metric].min(), selection.groupby("k")[metric].max()
        assert band_y.min() == pytest.approx(low.min()) and band_y.max() == pytest.approx(
            high.max()
        )
    check_style(fig, DOUBLE_COLUMN_IN)
    check_baseline("model_selection", fig)


def test_plot_model_selection_skips_missing_scores(selection) -> None:
    fig = plot_model_selection(selection.drop(columns=["c_v"]).assign(perplexity=np.nan))
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 4 and not any("c_v" in t or "perplexity" in t for t in titles)
    with pytest.raises(PlotInputError, match="no score column"):
        plot_model_selection(selection[["k", "seed"]])


def test_plot_outlet_topic_heatmap(shares: pd.DataFrame) -> None:
    fig = plot_outlet_topic_heatmap(shares)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), shares.to_numpy())
    cells = {(t.get_position(), t.get_text()) for t in ax.texts}
    assert ((0, 0), "0.70") in cells and ((2, 1), "0.30") in cells and len(cells) == 6
    assert [t.get_text() for t in ax.get_yticklabels()] == ["pap", "tass"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["t0", "t1", "t2"]
    # The largest share is bright yellow in viridis: dark text; the smallest: white text.
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert colours["0.70"] == "black" and colours["0.10"] == "white"
    check_style(fig, DOUBLE_COLUMN_IN)
    check_baseline("outlet_topic_heatmap", fig)


def test_plot_event_window(effects: pd.DataFrame) -> None:
    fig = plot_event_window(effects)
    ax = fig.axes[0]
    (container,) = ax.containers
    points = container.lines[0]
    np.testing.assert_allclose(points.get_xdata(), effects["diff"])
    np.testing.assert_allclose(points.get_ydata(), [0, 1, 2])
    segments = container.lines[2][0].get_segments()
    np.testing.assert_allclose([s[:, 0].min() for s in segments], effects["diff_lo"])
    np.testing.assert_allclose([s[:, 0].max() for s in segments], effects["diff_hi"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["military", "trade", "culture"]
    assert any(ln.get_xdata()[0] == 0 for ln in ax.get_lines())  # the zero reference line
    check_style(fig, SINGLE_COLUMN_IN)
    check_baseline("event_window", fig)


# ---- input errors -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("func", "table", "missing"),
    [
        (plot_top_terms, pd.DataFrame({"topic": [0], "term": ["a"]}), "rank, weight"),
        (plot_prevalence, pd.DataFrame({"group": [1], "topic": [0]}), "mean, lo, hi"),
        (plot_event_window, pd.DataFrame({"topic": ["a"], "diff": [0.1]}), "diff_lo, diff_hi"),
        (plot_coverage, pd.DataFrame({"date": [pd.Timestamp("2024-01-01")]}), "outlet"),
        (plot_model_selection, pd.DataFrame({"c_v": [0.1]}), "k, seed"),
    ],
)
def test_missing_columns_are_named(func, table, missing) -> None:
    with pytest.raises(PlotInputError, match=f"missing column\\(s\\) {missing}") as info:
        func(table)
    assert isinstance(info.value, CorpusToolsError)


def test_other_bad_inputs() -> None:
    with pytest.raises(PlotInputError, match="no rows"):
        plot_top_terms(pd.DataFrame(columns=["topic", "rank", "term", "weight"]))
    with pytest.raises(PlotInputError, match="no document has a date"):
        plot_coverage(pd.DataFrame({"date": pd.to_datetime([None]), "outlet": ["a"]}))
    with pytest.raises(PlotInputError, match="outside"):
        plot_event_window(
            pd.DataFrame({"topic": ["a"], "diff": [1.0], "diff_lo": [0], "diff_hi": [0.5]})
        )
    with pytest.raises(PlotInputError, match="width"):
        plot_event_window(
            pd.DataFrame({"topic": ["a"], "diff": [0], "diff_lo": [0], "diff_hi": [0]}), width=-1
        )


def test_bundled_events_table() -> None:
    events = load_events()
    assert events["date"].is_monotonic_increasing
    # The Pyongyang treaty visit is a fixed date in the project's event list.
    treaty = events.loc[events["event_id"] == "pyongyang_treaty", "date"]
    assert treaty.tolist() == [pd.Timestamp("2024-06-19")]


def test_style_does_not_leak() -> None:
    before = dict(mpl.rcParams)
    with style():
        assert mpl.rcParams["svg.hashsalt"] == "corpus_tools"
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"] == list(OKABE_ITO)
    plot_event_window(pd.DataFrame({"topic": ["a"], "diff": [0], "diff_lo": [0], "diff_hi": [0]}))
    assert dict(mpl.rcParams) == before


# ---- save_figure --------------------------------------------------------------------------
def test_save_figure_is_byte_identical_and_undated(tmp_path: Path, effects) -> None:
    first = save_figure(
        plot_event_window(effects), tmp_path / "a" / "fig", formats=("svg", "png", "pdf")
    )
    second = save_figure(
        plot_event_window(effects), tmp_path / "b" / "fig", formats=("svg", "png", "pdf")
    )
    assert [p.name for p in first] == ["fig.svg", "fig.png", "fig.pdf"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    svg = first[0].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and mpl.__version__ not in svg and "Matplotlib v" not in svg
    png = first[1].read_bytes()
    assert (
        png.startswith(b"\x89PNG")
        and b"Matplotlib" not in png
        and mpl.__version__.encode() not in png
    )
    pdf = first[2].read_bytes()
    assert b"/CreationDate" not in pdf and mpl.__version__.encode() not in pdf


def test_save_figure_rejects_unknown_format(tmp_path: Path, effects) -> None:
    with pytest.raises(PlotInputError, match=r"unsupported format.*jpg"):
        save_figure(plot_event_window(effects), tmp_path / "x", formats=("jpg",))


# ---- figure_fingerprint -------------------------------------------------------------------
def _parts(line: str) -> dict[str, str]:
    assert line.startswith("fig sha256 ")
    return dict(item.split("=") for item in line.split()[2:])


def test_fingerprint_identical_figures_and_rerendering(effects, tmp_path: Path) -> None:
    a, b = plot_event_window(effects), plot_event_window(effects)
    first = figure_fingerprint(a)
    assert len(_parts(first)["data"]) == 16 and len(_parts(first)["pixels"]) == 16
    assert figure_fingerprint(b) == first
    # Rendering again, or saving at another dpi in between, changes nothing.
    save_figure(a, tmp_path / "a", formats=("png",), dpi=300)
    assert figure_fingerprint(a) == first


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda fig: fig.axes[0].containers[0].lines[0].set_xdata([0.05, -0.01, 0.01]),
            id="value",
        ),
        pytest.param(
            lambda fig: fig.axes[0].containers[0].lines[0].set_color(OKABE_ITO[3]), id="colour"
        ),
        pytest.param(lambda fig: fig.axes[0].set_xlabel("Another label"), id="label"),
        pytest.param(lambda fig: fig.axes[0].xaxis.label.set_color(OKABE_ITO[3]), id="text-colour"),
        pytest.param(
            lambda fig: fig.axes[0].set_yticks([0, 1, 2], ["army", "trade", "culture"]),
            id="tick-label",
        ),
    ],
)
def test_fingerprint_data_changes_with_content(effects, change) -> None:
    fig = plot_event_window(effects)
    before = _parts(figure_fingerprint(fig))["data"]
    change(fig)
    assert _parts(figure_fingerprint(fig))["data"] != before


def test_fingerprint_sees_input_value_and_event_changes(prevalence, events) -> None:
    base = _parts(figure_fingerprint(plot_prevalence(prevalence, events=events)))["data"]
    nudged = prevalence.assign(mean=prevalence["mean"].where(prevalence.index != 4, 0.41))
    assert _parts(figure_fingerprint(plot_prevalence(nudged, events=events)))["data"] != base
    moved = events.assign(date=events["date"] + pd.Timedelta(days=1))
    assert _parts(figure_fingerprint(plot_prevalence(prevalence, events=moved)))["data"] != base
    # Below the rounding precision, the digest is stable.
    tiny = prevalence.assign(mean=prevalence["mean"] + 1e-12)
    assert _parts(figure_fingerprint(plot_prevalence(tiny, events=events)))["data"] == base


def test_fingerprint_sees_where_an_annotation_points(prevalence, events) -> None:
    fig = plot_prevalence(prevalence, events=events)
    before = _parts(figure_fingerprint(fig))["data"]
    number = next(a for a in fig.findobj(Annotation) if a.get_text() == "1")
    # Only the annotated point of one panel moves (a day); its dashed event line stays put.
    number.xy = (pd.Timestamp("2024-02-16"), number.xy[1])
    assert _parts(figure_fingerprint(fig))["data"] != before


def test_baseline_update_never_passes(monkeypatch, tmp_path: Path, effects) -> None:
    """Updating a changed baseline fails the test; the next plain run then passes."""
    baseline = tmp_path / "figure_hashes.json"
    baseline.write_text(json.dumps({"x": "fig sha256 data=0 pixels=0"}), "utf-8")
    monkeypatch.setitem(globals(), "BASELINE", baseline)
    monkeypatch.setitem(globals(), "UPDATE", True)
    monkeypatch.delenv("CI", raising=False)
    fig = plot_event_window(effects)
    with pytest.raises(pytest.fail.Exception, match=r"baseline of x updated \(fig sha256 data=0"):
        check_baseline("x", fig)
    assert json.loads(baseline.read_text("utf-8"))["x"] == figure_fingerprint(fig)
    check_baseline("x", fig)  # recorded: an update run with nothing to change passes
    monkeypatch.setitem(globals(), "UPDATE", False)
    check_baseline("x", fig)


def test_show_figure_prints_the_fingerprint_and_saves_on_request(tmp_path, capsys) -> None:
    from corpus_tools.plots import show_figure

    effects = pd.DataFrame({"topic": [0, 1], "diff": [0.1, -0.2], "diff_lo": [0.0, -0.3],
                            "diff_hi": [0.2, -0.1]})  # fmt: skip
    fig = plot_event_window(effects)
    assert show_figure(fig, "05_x") is None  # displayed as PNG under IPython, not returned
    assert not list(tmp_path.iterdir())
    printed = capsys.readouterr().out
    # the line is independent of drawing history: a fresh identical figure agrees
    assert printed == f"05_x: {figure_fingerprint(plot_event_window(effects))}\n"
    show_figure(fig, "05_x", tmp_path)
    assert capsys.readouterr().out == printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["05_x.png", "05_x.svg"]


def test_prevalence_shows_labels_midpoints_and_n_per_period(prevalence) -> None:
    fig = plot_prevalence(prevalence.assign(n_docs=[5, 7, 9] * 2), labels={0: "treaty"})
    assert [ax.get_title() for ax in fig.axes] == ["0: treaty", "Topic 1", "Documents per period"]
    bars = fig.axes[2].patches
    assert [b.get_height() for b in bars] == [5, 7, 9]
    line = fig.axes[0].get_lines()[0]
    # January 2024 at its midpoint, 16 January 12:00.
    assert mdates.date2num(line.get_xdata()[0]) == mdates.date2num(pd.Timestamp("2024-01-16 12:00"))


def test_close_event_numbers_never_overprint() -> None:
    prev = pd.DataFrame({"group": pd.period_range("2025-01", periods=6, freq="M"), "topic": 0,
                         "mean": 0.2, "lo": 0.1, "hi": 0.3})  # fmt: skip
    events = pd.DataFrame({"date": pd.to_datetime(["2025-03-21", "2025-04-28", "2025-04-30"]),
                           "label_en": ["a", "b", "c"]})  # fmt: skip
    fig = plot_prevalence(prev, events=events)
    marks = [a for a in fig.axes[0].texts if isinstance(a, Annotation)]
    assert [a.get_text() for a in marks] == ["1", "2", "3"]  # one number per event line
    fig.draw_without_rendering()
    boxes = [a.get_window_extent() for a in marks]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_nothing_is_clipped_at_the_saved_size(prevalence, events) -> None:
    long = {0: "traktat, partnerstwo, strategiczny, kompleksowy", 1: "orbita, satelita"}
    terms = pd.DataFrame({"topic": [0, 1], "rank": [1, 1], "term": ["a", "b"],
                          "weight": [0.1, 0.2]})  # fmt: skip
    figures = [
        plot_prevalence(prevalence.assign(n_docs=3), events=events, labels=long),
        plot_top_terms(terms, labels=long),
        plot_outlet_topic_heatmap(
            pd.DataFrame([[0.1, 0.9]], index=["x"], columns=list(long.values()))
        ),
        plot_event_window(
            pd.DataFrame(
                {"topic": [0, 1], "diff_pp": [1.0, 2.0], "ci_lo": [0.0, 1.0], "ci_hi": [2.0, 3.0]}
            ),
            labels=long,
        ),
    ]
    for fig in figures:
        fig.draw_without_rendering()
        frame = fig.bbox
        for text in drawn_texts(fig):
            box = text.get_window_extent()
            assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, text.get_text()
            assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1, text.get_text()


def test_event_window_in_percentage_points_marks_significance() -> None:
    effects = pd.DataFrame({"topic": [0, 1], "diff_pp": [30.0, -1.0], "ci_lo": [20.0, -4.0],
                            "ci_hi": [40.0, 2.0], "significant": [True, False]})  # fmt: skip
    fig = plot_event_window(effects, labels=["treaty", "trade"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["treaty", "trade"]
    assert "percentage points" in ax.get_xlabel()
    open_dots = [ln for ln in ax.get_lines() if ln.get_markerfacecolor() == "white"]
    assert [list(ln.get_xdata()) for ln in open_dots] == [[-1.0]]
    filled = ax.containers[0].lines[0]
    assert open_dots[0].get_zorder() > filled.get_zorder()  # drawn over the filled dot


def test_plot_topic_regression() -> None:
    from corpus_tools.plots import plot_topic_regression

    effects = pd.DataFrame({"topic": [0, 0, 1, 1], "term": ["Intercept", "after"] * 2,
                            "estimate": [0.2, 0.1, 0.5, -0.02], "ci_lo": [0.1, 0.05, 0.4, -0.05],
                            "ci_hi": [0.3, 0.15, 0.6, 0.01]})  # fmt: skip
    fig = plot_topic_regression(effects, labels={0: "treaty", 1: "trade"})
    (ax,) = fig.axes  # the intercept is left out by default
    assert ax.get_title() == "after"
    outlets = effects.assign(term=effects["term"].replace("after", "outlet[T.tass]"))
    assert plot_topic_regression(outlets).axes[0].get_title() == "outlet = tass"
    np.testing.assert_allclose(ax.containers[0].lines[0].get_xdata(), [10.0, -2.0])
    with pytest.raises(PlotInputError, match="no rows for term"):
        plot_topic_regression(effects, terms=["before"])


def test_synthetic_mark_is_visible_and_shown_once(capsys) -> None:
    from corpus_tools.plots import mark_synthetic, show_figure

    fig = plot_event_window(pd.DataFrame({"topic": ["a"], "diff": [0.1], "diff_lo": [0.0],
                                          "diff_hi": [0.2]}))  # fmt: skip
    plain = figure_fingerprint(fig)
    show_figure(fig, "x", synthetic=True)
    marks = [t for t in fig.findobj(Text) if t.get_text() == "SYNTHETIC DATA"]
    assert len(marks) == 2 and all(t.get_visible() for t in marks)
    assert capsys.readouterr().out != f"x: {plain}\n"  # the mark is part of the figure
    mark_synthetic(fig)
    assert len([t for t in fig.findobj(Text) if t.get_text() == "SYNTHETIC DATA"]) == 2
    # The banner takes part in the layout: it overlaps no other text.
    fig.draw_without_rendering()
    banner = next(m for m in marks if m.get_in_layout()).get_window_extent()
    others = [t for t in drawn_texts(fig) if t.get_text() != "SYNTHETIC DATA"]
    assert not any(banner.overlaps(t.get_window_extent()) for t in others)


def test_heatmap_axes_take_the_table_axis_names() -> None:
    from corpus_tools.plots import plot_outlet_topic_heatmap

    table = pd.DataFrame([[0.7, 0.3], [0.2, 0.8]], index=["a", "b"], columns=[0, 1])
    ax = plot_outlet_topic_heatmap(table).axes[0]
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("Outlet", "Topic")
    named = table.rename_axis(index="Planted topic", columns="Fitted topic")
    ax = plot_outlet_topic_heatmap(named).axes[0]
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("Planted topic", "Fitted topic")
    # pandas.crosstab names an unnamed axis col_0: that is no axis title.
    crossed = table.rename_axis(index="row_0", columns="col_0")
    fig = plot_outlet_topic_heatmap(crossed, colorbar_label="Share of documents")
    assert (fig.axes[0].get_ylabel(), fig.axes[0].get_xlabel()) == ("Outlet", "Topic")
    assert fig.axes[1].get_ylabel().replace("\n", " ") == "Share of documents"


def test_coverage_leaves_out_dates_coarser_than_the_period(corpus) -> None:
    precise = corpus.assign(date_precision=["day", "month", "day", "day", None])
    weekly = plot_coverage(precise, freq="W").axes[0]
    assert sum(sum(ln.get_ydata()) for ln in weekly.get_lines()) == 3  # the March one is out
    assert "1 undated and 1 dated too coarsely not shown" in weekly.get_xlabel()
    monthly = plot_coverage(precise, freq="M").axes[0]
    assert sum(sum(ln.get_ydata()) for ln in monthly.get_lines()) == 4


def test_heatmap_tick_labels_do_not_overprint() -> None:
    labels = ["amunicja, dostarczyć, balistyczny", "handlowy, niewielki, wciąż",
              "komitet, raport, publikować", "oddział, koreańczyk, jednostka",
              "orbita, satelita, vostochny_cosmodrome", "sojusznik, apelować, ukrainiec",
              "traktat, partnerstwo, strategiczny", "zamrozić, wjazd, aktywa"]  # fmt: skip
    table = pd.DataFrame(np.eye(8), index=[f"planted {i}" for i in range(8)], columns=labels)
    fig = plot_outlet_topic_heatmap(table)
    fig.draw_without_rendering()
    boxes = [t.get_window_extent() for t in fig.axes[0].get_xticklabels()]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    frame = fig.bbox
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 for b in boxes)
