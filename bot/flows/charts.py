"""PNG drawings for facilitators: the community map and outcomes per month.

Slack-free and store-free: plain data in, PNG bytes out. matplotlib is an optional
extra (``civic-match[map]``) and is imported only when a picture is drawn, so the
default install runs without it; :class:`ChartsUnavailable` says how to install it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from matplotlib.figure import Figure

INSTALL_HINT = "pip install 'civic-match[map]'"

# Slack's preview shows an image about 360-500 px wide: 12 × 9 inches at 100 dpi
# (1200 × 900 px) with large type stays legible when scaled down that far.
SIZE_IN = (12.0, 9.0)
DPI = 100
FONT = 15
OTHER = "#b4b4b4"


class ChartsUnavailable(RuntimeError):
    """The plotting extra is not installed."""

    def __init__(self) -> None:
        super().__init__(f"the plotting extra is not installed: {INSTALL_HINT}")


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ChartsUnavailable() from exc
    # No display in a bot process or CI; Agg draws into memory only.
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


@dataclass
class MapPicture:
    """Everything the map shows, already laid out and translated.

    ``category`` is each point's index into ``categories`` (-1: other / none);
    ``lines`` join point indices, ``met`` marks lines drawn solid (the pair met).
    """

    coords: NDArray[np.float64]
    category: NDArray[np.intp]
    categories: list[str]
    loner: NDArray[np.bool_]
    lines: list[tuple[int, int]] = field(default_factory=list)
    met: list[bool] = field(default_factory=list)
    cluster_labels: list[tuple[float, float, str]] = field(default_factory=list)
    point_labels: list[str] | None = None
    title: str = ""
    other_label: str = ""
    connect_label: str = ""
    met_label: str = ""
    loner_label: str = ""


def _palette(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def map_png(p: MapPicture) -> bytes:
    """The community map as PNG (1200 × 900 px)."""
    plt = _pyplot()
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    n = len(p.coords)
    # Small points for big communities, or 10,000 dots become one blot.
    size = float(np.clip(8000 / max(n, 1), 6, 160))
    fig, ax = plt.subplots(figsize=SIZE_IN, layout="constrained")
    try:
        ax.set_axis_off()
        ax.set_title(p.title, fontsize=FONT + 5, loc="left")
        xy = p.coords
        handles: list[Any] = []
        if p.lines:
            segs = [(xy[i], xy[j]) for i, j in p.lines]
            met = p.met if len(p.met) == len(p.lines) else [False] * len(p.lines)
            styles = ["solid" if m else (0, (4, 3)) for m in met]
            # Many lines become a web that hides the points: thinner and fainter then.
            many = len(segs) > 60
            ax.add_collection(
                LineCollection(
                    segs,
                    colors="#555555",
                    linewidths=0.7 if many else 1.6,
                    alpha=0.35 if many else 0.9,
                    linestyles=styles,
                    zorder=1,
                )
            )
            handles.append(Line2D([], [], color="#555555", ls=(0, (4, 3)), label=p.connect_label))
            if any(met):
                handles.append(Line2D([], [], color="#555555", ls="solid", label=p.met_label))
        colours = _palette(len(p.categories))
        for c in [-1, *range(len(p.categories))]:
            mask = (p.category == c) & ~p.loner
            if not mask.any() and c != -1:
                continue
            colour = OTHER if c == -1 else colours[c]
            label = p.other_label if c == -1 else p.categories[c]
            ax.scatter(xy[mask, 0], xy[mask, 1], s=size, color=colour, alpha=0.85, zorder=2)
            if c != -1 or mask.any():
                handles.append(Line2D([], [], marker="o", ls="", color=colour, ms=11, label=label))
        if p.loner.any():
            lone = p.loner
            cols = [OTHER if c < 0 else colours[c] for c in p.category[lone]]
            ax.scatter(
                xy[lone, 0],
                xy[lone, 1],
                s=size * 2.2,
                facecolors="white",
                edgecolors=cols,
                linewidths=2.2,
                marker="D",
                zorder=3,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="D",
                    ls="",
                    mfc="white",
                    mec="#333333",
                    ms=11,
                    label=p.loner_label,
                )
            )
        for x, y, text in p.cluster_labels:
            ax.annotate(
                text,
                (x, y),
                ha="center",
                va="center",
                fontsize=FONT,
                weight="bold",
                # On top, on a translucent patch: in a dense map a label under the
                # points is lost, and the points it covers still show through.
                zorder=5,
                bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "none", "alpha": 0.7},
            )
        if p.point_labels is not None:
            for (x, y), text in zip(xy, p.point_labels, strict=True):
                ax.annotate(
                    text, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=FONT - 5
                )
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=FONT - 2,
            frameon=False,
        )
        ax.margins(0.06)
        return _png(fig)
    finally:
        plt.close(fig)


def monthly_png(
    months: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], title: str
) -> bytes:
    """Grouped bars per month, one colour per series (PNG, 1200 × 900 px)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=SIZE_IN, layout="constrained")
    try:
        x = np.arange(len(months))
        width = 0.8 / max(len(series), 1)
        colours = _palette(len(series))
        for k, (label, values) in enumerate(series):
            ax.bar(
                x + (k - (len(series) - 1) / 2) * width,
                values,
                width,
                label=label,
                color=colours[k],
            )
        ax.set_xticks(x, list(months), fontsize=FONT - 2, rotation=45 if len(months) > 8 else 0)
        ax.tick_params(axis="y", labelsize=FONT - 2)
        ax.set_title(title, fontsize=FONT + 5, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(fontsize=FONT - 1, frameon=False)
        return _png(fig)
    finally:
        plt.close(fig)
