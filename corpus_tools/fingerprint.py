"""A one-line digest of what a matplotlib figure shows, for notebooks to print.

nbval compares a figure output only as ``<Figure size ...>`` and ignores ``image/png``,
so a notebook prints :func:`figure_fingerprint` beside each figure
(:func:`corpus_tools.plots.show_figure` does) and a changed figure changes a stored
text output. The digest has two parts: ``data`` hashes what the artists show (strings,
colours, sizes and data coordinates, rounded), ``pixels`` hashes an Agg rendering.
"""

from __future__ import annotations

import functools
import hashlib
import io
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection, QuadMesh
from matplotlib.colors import to_rgba, to_rgba_array
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Transform

from .plots import style

__all__ = ["FINGERPRINT_DPI", "figure_fingerprint"]

#: Resolution of the Agg rendering hashed by :func:`figure_fingerprint`.
FINGERPRINT_DPI = 72


def figure_fingerprint(fig: Figure, *, decimals: int = 6) -> str:
    """Return a one-line digest of what ``fig`` shows, for notebooks to print.

    ``data`` hashes the plotted content: for every artist its type, visibility, colours,
    line styles, font sizes and strings, and every coordinate given in data units
    (line vertices, bar extents, band polygons, scatter offsets, image arrays, annotated
    positions), plus each axes' limits, scales and tick locations. Numbers are rounded to
    ``decimals`` so the digest is the same on every platform. Positions that the layout
    engine computes in pixels (titles, legends, axis labels) are left out.

    ``pixels`` hashes the RGBA buffer rendered by Agg at :data:`FINGERPRINT_DPI`; it is
    only comparable under the same matplotlib and FreeType (the committed lock).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    decimals : int
        Decimals kept for every number in ``data``.

    Returns
    -------
    str
        ``"fig sha256 data=<16 hex> pixels=<16 hex>"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from corpus_tools.plots import plot_event_window
    >>> fig = plot_event_window(pd.DataFrame({"topic": ["a"], "diff": [0.1],
    ...                                       "diff_lo": [0.0], "diff_hi": [0.2]}))
    >>> figure_fingerprint(fig).startswith("fig sha256 data=")
    True
    """
    # Render twice and hash the second: constrained layout starts from the positions of
    # the previous draw, so a first render (or an earlier save at another dpi) can move
    # things; the second render at the same dpi is settled, whatever happened before.
    buffer = io.BytesIO()
    with style():
        for _ in range(2):
            buffer = io.BytesIO()
            fig.savefig(buffer, format="rgba", dpi=FINGERPRINT_DPI)
    width, height = (round(v * FINGERPRINT_DPI) for v in fig.get_size_inches())
    pixels = hashlib.sha256(f"{width}x{height}:".encode() + buffer.getvalue()).hexdigest()
    digest = _Digest(decimals)
    for artist in fig.findobj(include_self=True):
        digest.add(type(artist).__name__, artist.get_visible())
        digest.add(*_describe(artist))
    return f"fig sha256 data={digest.hexdigest()[:16]} pixels={pixels[:16]}"


class _Digest:
    """sha256 over a typed, length-prefixed stream of strings and rounded numbers."""

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals
        self._hash = hashlib.sha256()

    def add(self, *items: object) -> None:
        for item in items:
            if item is None or isinstance(item, str | bool):
                self._chunk(b"s", repr(item).encode())
            else:
                self._numbers(item)

    def _numbers(self, item: object) -> None:
        values = np.ma.filled(np.ma.asarray(item, dtype=float), np.nan)
        # Rounding plus +0.0 maps -0.0 to 0.0; np.where gives every NaN the same bits.
        values = np.round(values, self.decimals) + 0.0
        values = np.where(np.isnan(values), np.nan, values)
        self._chunk(b"n", repr(values.shape).encode() + values.astype("<f8").tobytes())

    def _chunk(self, kind: bytes, payload: bytes) -> None:
        self._hash.update(kind + len(payload).to_bytes(8, "little") + payload)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _in_data(artist: Any, transform: Transform) -> tuple[bool, bool]:
    """Whether the x and y coordinates under ``transform`` are data coordinates."""
    axes = artist.axes
    if axes is None:
        return (False, False)
    return transform.contains_branch_separately(axes.transData)


def _data_xy(artist: Any, transform: Transform, xy: Any) -> list[Any]:
    """The components of the points ``xy`` that are in data coordinates."""
    xy = np.ma.asarray(xy, dtype=float).reshape(-1, 2)
    in_x, in_y = _in_data(artist, transform)
    return [xy[:, 0] if in_x else None, xy[:, 1] if in_y else None]


@functools.singledispatch
def _describe(artist: Any) -> list[Any]:
    """What an artist shows, as strings and numbers (nothing for containers)."""
    return []


@_describe.register
def _(artist: Figure) -> list[Any]:
    return [artist.get_size_inches(), to_rgba(artist.get_facecolor())]


@_describe.register
def _(artist: Axes) -> list[Any]:
    spec = artist.get_subplotspec()
    geometry = spec.get_geometry() if spec is not None else None
    return [
        artist.get_xlim(),
        artist.get_ylim(),
        artist.get_xscale(),
        artist.get_yscale(),
        artist.xaxis.get_majorticklocs(),
        artist.yaxis.get_majorticklocs(),
        geometry,
    ]


@_describe.register
def _(artist: Text) -> list[Any]:
    return [
        artist.get_text(),
        to_rgba(artist.get_color()),
        artist.get_fontsize(),
        str(artist.get_fontweight()),
        artist.get_fontstyle(),
        artist.get_rotation(),
        artist.get_horizontalalignment(),
        artist.get_verticalalignment(),
        *_data_xy(artist, artist.get_transform(), artist.get_position()),
    ]


@_describe.register
def _(artist: Annotation) -> list[Any]:
    # Text position of an annotation is usually an offset; the annotated point carries data.
    coords = artist.xycoords if isinstance(artist.xycoords, tuple) else (artist.xycoords,) * 2
    axes = artist.axes
    point = [
        axis.convert_units(v) if c == "data" and axes is not None else None
        for v, c, axis in zip(artist.xy, coords, (axes.xaxis, axes.yaxis), strict=True)
    ]
    return [*_describe.dispatch(Text)(artist), *point]


@_describe.register
def _(artist: Line2D) -> list[Any]:
    return [
        to_rgba(artist.get_color()),
        artist.get_linestyle(),
        artist.get_linewidth(),
        str(artist.get_marker()),
        artist.get_markersize(),
        to_rgba(artist.get_markerfacecolor()),
        *_data_xy(artist, artist.get_transform(), artist.get_xydata()),
    ]


@_describe.register
def _(artist: Patch) -> list[Any]:
    vertices = artist.get_patch_transform().transform(artist.get_path().vertices)
    return [
        to_rgba(artist.get_facecolor()),
        to_rgba(artist.get_edgecolor()),
        artist.get_linewidth(),
        artist.get_hatch(),
        *_data_xy(artist, artist.get_data_transform(), vertices),
    ]


@_describe.register
def _(artist: Collection) -> list[Any]:
    items: list[Any] = [
        to_rgba_array(artist.get_facecolor()),
        to_rgba_array(artist.get_edgecolor()),
        artist.get_linewidths(),
        artist.get_array(),
        *_data_xy(artist, artist.get_offset_transform(), artist.get_offsets()),
    ]
    if isinstance(artist, QuadMesh):
        items += _data_xy(artist, artist.get_transform(), artist.get_coordinates())
    else:
        for path in artist.get_paths():
            items += _data_xy(artist, artist.get_transform(), path.vertices)
    if hasattr(artist, "get_sizes"):
        items.append(artist.get_sizes())
    return items


@_describe.register
def _(artist: AxesImage) -> list[Any]:
    return [
        artist.get_array(),
        artist.get_cmap().name,
        artist.norm.vmin,
        artist.norm.vmax,
        artist.get_extent(),
        artist.get_alpha(),
    ]
