"""Server-rendered SVG heatmap: the geometry here, the markup in insights/_heatmap.html (no JavaScript, no
network, no Django).  Rows are skill items, columns levels; the colour is a cell's published count, a
suppressed cell is grey with its label ('<10'), and a cell with no course has a dark dashed border."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from national.charts import nice_step

PALETTE = ("#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603")  # light to dark (ColorBrewer Oranges)
DARK_TEXT_UNTIL = 2  # the first colours take dark text, the others white
SUPPRESSED_FILL = "#f3f4f6"
ZERO_FILL = "#ffffff"  # only in the legend's "no course" sample: a published count is at least the threshold


@dataclass(frozen=True)
class HeatCell:
    row: int
    column: int
    value: int | None  # the published count; None when suppressed
    label: str  # what the cell shows: the count or '<10'
    no_supply: bool  # no course at all for this item × level
    tooltip: str


@dataclass(frozen=True)
class Drawn:
    x: float
    y: float
    text_x: float  # the centre of the cell
    text_y: float
    fill: str
    text_fill: str
    label: str
    no_supply: bool
    tooltip: str


@dataclass(frozen=True)
class LegendEntry:
    fill: str
    label: str
    dashed: bool = False


@dataclass
class Heatmap:
    title: str
    description: str
    width: int
    height: int
    left: int
    top: int
    cell_width: int
    cell_height: int
    row_labels: list[tuple[float, str]]  # (y of the text, label)
    column_labels: list[tuple[float, str]]  # (x of the text, label)
    cells: list[Drawn]
    legend: list[LegendEntry] = field(default_factory=list)


def text_width(text: str, font_size: float) -> float:
    """An estimate of rendered width: wide (CJK) characters a full em, others about 0.58 em."""
    return sum(font_size if unicodedata.east_asian_width(ch) in "WF" else font_size * 0.58 for ch in text)


def fit(text: str, width: float, font_size: float) -> str:
    """`text`, cut with an ellipsis so that it fits `width` (the full text stays in the cell's tooltip)."""
    if text_width(text, font_size) <= width:
        return text
    while text and text_width(text + "…", font_size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def bins(maximum: int, threshold: int) -> list[tuple[int, int]]:
    """Up to len(PALETTE) ranges [low, high] of published counts, from the threshold to `maximum`."""
    if maximum < threshold:
        return []
    step = max(1, int(nice_step(maximum - threshold + 1, len(PALETTE))))
    out: list[tuple[int, int]] = []
    low = threshold
    while low <= maximum and len(out) < len(PALETTE):
        high = maximum if len(out) == len(PALETTE) - 1 else min(maximum, low + step - 1)
        out.append((low, high))
        low = high + 1
    return out


def heatmap(
    *,
    title: str,
    description: str,
    rows: list[str],
    columns: list[str],
    cells: list[HeatCell],
    threshold: int,
    suppressed_label: str,
    no_supply_label: str,
    cell_width: int = 64,
    cell_height: int = 18,
    left: int = 320,
) -> Heatmap:
    top = 28
    ranges = bins(max((c.value for c in cells if c.value is not None), default=0), threshold)

    def colour(value: int | None) -> tuple[str, str]:
        if value is None:
            return SUPPRESSED_FILL, "#374151"
        for index, (low, high) in enumerate(ranges):
            if low <= value <= high:
                return PALETTE[index], "#111827" if index < DARK_TEXT_UNTIL else "#ffffff"
        return ZERO_FILL, "#374151"

    drawn = []
    for c in cells:
        fill, text_fill = colour(c.value)
        drawn.append(
            Drawn(
                x=left + c.column * cell_width,
                y=top + c.row * cell_height,
                text_x=left + c.column * cell_width + cell_width / 2,
                text_y=top + c.row * cell_height + cell_height / 2,
                fill=fill,
                text_fill=text_fill,
                label=c.label,
                no_supply=c.no_supply,
                tooltip=c.tooltip,
            )
        )
    legend = [LegendEntry(SUPPRESSED_FILL, suppressed_label)]
    legend += [
        LegendEntry(PALETTE[i], f"{low:,}–{high:,}" if high > low else f"{low:,}")
        for i, (low, high) in enumerate(ranges)
    ]
    legend.append(LegendEntry(ZERO_FILL, no_supply_label, dashed=True))
    return Heatmap(
        title=title,
        description=description,
        width=left + cell_width * len(columns) + 8,
        height=top + cell_height * len(rows) + 8,
        left=left,
        top=top,
        cell_width=cell_width,
        cell_height=cell_height,
        row_labels=[
            (top + i * cell_height + cell_height / 2, fit(label, left - 16, 11)) for i, label in enumerate(rows)
        ],
        column_labels=[(left + j * cell_width + cell_width / 2, label) for j, label in enumerate(columns)],
        cells=drawn,
        legend=legend,
    )
