"""Server-rendered SVG line charts: the geometry here, the markup in national/_chart.html (no JavaScript,
no network)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

STYLES: dict[str, tuple[str, str, float]] = {  # key -> (colour, dash pattern, stroke width)
    "target": ("#6b7280", "6 4", 1.5),
    "reported": ("#c2410c", "", 2.0),
    "measured": ("#1d4ed8", "", 2.5),
    "forecast": ("#1d4ed8", "5 5", 2.0),
}


@dataclass
class Series:
    key: str  # target | reported | measured | forecast
    label: str
    points: list[tuple[int, float]]  # (fiscal year, value)


@dataclass
class Plotted:
    key: str
    label: str
    colour: str
    dash: str
    width: float
    points: str  # "x,y x,y ..." for <polyline>
    dots: list[tuple[float, float, str]] = field(default_factory=list)  # (x, y, tooltip)


@dataclass
class Chart:
    title: str
    description: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    series: list[Plotted]
    font_size: int = 11
    phone: Chart | None = None  # the same chart laid out for a phone's width (shown instead below 600 px)


def nice_step(maximum: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` steps up to `maximum`."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def line_chart(
    *,
    title: str,
    description: str,
    years: list[int],
    year_label: str,
    series: list[Series],
    width: int = 720,
    height: int = 320,
    font_size: int = 11,
    y_ticks: int = 5,
    max_x_labels: int | None = None,
    tick_label: Callable[[float], str] | None = None,
) -> Chart:
    """Lay out `series` over fiscal years; `year_label` is a format string with %(year)s.

    A phone layout is the same call with a narrow `width`, a larger `font_size` (in viewBox units: a 360-wide
    box drawn 350 px wide keeps them near their size), fewer `y_ticks`, at most `max_x_labels` year labels and
    short `tick_label`s (e.g. 230万, 2.3M)."""
    label = tick_label or (lambda v: f"{v:,.0f}")
    values = [v for s in series for _, v in s.points]
    step = nice_step(max(values, default=0), y_ticks)
    y_max = step * max(1, math.ceil(max(values, default=0) / step))
    widest = max((len(label(i * step)) for i in range(round(y_max / step) + 1)), default=1)
    left = max(48, round(widest * font_size * 0.62) + 14)
    right, top, bottom = width - max(40, 3 * font_size), 16, height - 2 * font_size - 14
    first, last = years[0], years[-1]
    span = max(1, last - first)

    def x(year: int) -> float:
        return round(left + (right - left) * (year - first) / span, 1)

    def y(value: float) -> float:
        return round(bottom - (bottom - top) * value / y_max, 1)

    plotted = []
    for s in series:
        colour, dash, stroke = STYLES[s.key]
        plotted.append(
            Plotted(
                key=s.key,
                label=s.label,
                colour=colour,
                dash=dash,
                width=stroke,
                points=" ".join(f"{x(year)},{y(value)}" for year, value in s.points),
                dots=[
                    (x(year), y(value), f"{s.label}: {year_label % {'year': year}} {value:,.0f}")
                    for year, value in s.points
                ]
                if s.key != "target"
                else [],
            )
        )
    ticks = [i * step for i in range(round(y_max / step) + 1)]
    every = math.ceil(len(years) / max_x_labels) if max_x_labels else 1
    return Chart(
        title=title,
        description=description,
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        x_ticks=[(x(year), year_label % {"year": year}) for year in years[::every]],
        y_ticks=[(y(v), label(v)) for v in ticks],
        series=plotted,
        font_size=font_size,
    )
