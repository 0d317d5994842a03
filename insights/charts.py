"""Chart geometry: numbers in, coordinates out. No markup here — templates/jinja2/insights/
macros.html draws the SVG from these values; colours are CSS classes (static/css/insights.css),
so the charts need no script, no inline style and no style attribute (CSP-ready).

Every chart is drawn in a 640 x 260 viewBox and scaled by CSS.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 36  # margins around the plot area
MAX_X_LABELS = 12


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    css: str  # e.g. "series-sev-1", "series-2"
    dashed: bool = False


@dataclass(frozen=True)
class Tick:
    at: float  # y for the value axis, x for the category axis
    label: str


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str  # the hover text (an SVG <title>)


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    css: str
    title: str


@dataclass(frozen=True)
class Line:
    points: str  # "x,y x,y …" for <polyline>
    css: str
    dashed: bool


@dataclass
class Chart:
    kind: str  # "bars", "lines" or "hbars"
    series: list[Series]
    value_ticks: list[Tick] = field(default_factory=list)
    category_ticks: list[Tick] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: float = LEFT
    plot_right: float = WIDTH - RIGHT
    plot_top: float = TOP
    plot_bottom: float = HEIGHT - BOTTOM
    empty: bool = False


COUNT_STEPS = [1, 2, 5]
# Durations: axis steps people read at a glance (seconds).
DURATION_STEPS = [
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
    86400,
    172800,
    604800,
]


def nice_scale(largest: float, *, durations: bool = False, ticks: int = 4) -> list[float]:
    """Axis values from 0 up to at least `largest`, in round steps (about `ticks` of them)."""
    if largest <= 0:
        return [0, 1] if not durations else [0, 60]
    if durations:
        step = next((s for s in DURATION_STEPS if largest / s <= ticks), DURATION_STEPS[-1])
        step = max(step, largest / ticks) if largest / step > ticks else step
    else:
        magnitude = 10 ** math.floor(math.log10(largest / ticks)) if largest >= ticks else 1
        step = next(
            (m * magnitude for m in COUNT_STEPS if largest / (m * magnitude) <= ticks),
            10 * magnitude,
        )
    count = math.ceil(largest / step)
    return [step * n for n in range(count + 1)]


def _category_ticks(
    labels: Sequence[str], centres: Sequence[float], most: int = MAX_X_LABELS
) -> list[Tick]:
    every = max(1, math.ceil(len(labels) / most))
    return [Tick(centres[i], labels[i]) for i in range(0, len(labels), every)]


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    values: dict[str, Sequence[float]],
    *,
    describe: Callable[[Series, str, float], str],
    grouped: bool = False,
) -> Chart:
    """One bar per label (a week), stacked by series; `values[series.key][i]` per label.
    `grouped`: the series' bars side by side instead (for quantities that do not add up, such
    as items opened and items done)."""
    chart = Chart("bars", list(series))
    if grouped:
        totals = [max((values[s.key][i] for s in series), default=0) for i in range(len(labels))]
    else:
        totals = [sum(values[s.key][i] for s in series) for i in range(len(labels))]
    scale = nice_scale(max(totals, default=0))
    top = scale[-1]
    plot_height = chart.plot_bottom - chart.plot_top
    slot = (chart.plot_right - chart.plot_left) / max(len(labels), 1)
    bar = slot * 0.7

    def y_of(value: float) -> float:
        return round(chart.plot_bottom - value / top * plot_height, 2)

    chart.value_ticks = [Tick(y_of(value), f"{value:g}") for value in scale]
    centres = [round(chart.plot_left + slot * (i + 0.5), 2) for i in range(len(labels))]
    chart.category_ticks = _category_ticks(labels, centres)
    width = bar / len(series) if grouped and series else bar
    for i, label in enumerate(labels):
        base = 0.0
        for j, s in enumerate(series):
            value = values[s.key][i]
            left = centres[i] - bar / 2 + (j * width if grouped else 0)
            if value:
                chart.rects.append(
                    Rect(
                        round(left, 2),
                        y_of(base + value),
                        round(width, 2),
                        round(y_of(base) - y_of(base + value), 2),
                        s.css,
                        describe(s, label, value),
                    )
                )
            if not grouped:
                base += value
    chart.empty = not any(totals)
    return chart


def lines(
    labels: Sequence[str],
    series: Sequence[Series],
    values: dict[str, Sequence[float | None]],
    *,
    durations: bool,
    format_value: Callable[[float], str],
    describe: Callable[[Series, str, float], str],
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """One line per series over the labels; a gap (None) breaks the line. A smaller `width`
    and `height` make one of a set of small charts (a panel per group)."""
    chart = Chart(
        "lines",
        list(series),
        width=width,
        height=height,
        plot_right=width - RIGHT,
        plot_bottom=height - BOTTOM,
    )
    present = [v for s in series for v in values[s.key] if v is not None]
    scale = nice_scale(max(present, default=0), durations=durations)
    top = scale[-1]
    plot_height = chart.plot_bottom - chart.plot_top
    slot = (chart.plot_right - chart.plot_left) / max(len(labels), 1)
    centres = [round(chart.plot_left + slot * (i + 0.5), 2) for i in range(len(labels))]

    def y_of(value: float) -> float:
        return round(chart.plot_bottom - value / top * plot_height, 2)

    chart.value_ticks = [Tick(y_of(value), format_value(value)) for value in scale]
    chart.category_ticks = _category_ticks(
        labels, centres, max(2, MAX_X_LABELS * width // WIDTH // 2)
    )
    for s in series:
        run: list[str] = []
        for i, value in enumerate(values[s.key]):
            if value is None:
                if len(run) > 1:
                    chart.lines.append(Line(" ".join(run), s.css, s.dashed))
                run = []
                continue
            run.append(f"{centres[i]},{y_of(value)}")
            chart.dots.append(Dot(centres[i], y_of(value), s.css, describe(s, labels[i], value)))
        if len(run) > 1:
            chart.lines.append(Line(" ".join(run), s.css, s.dashed))
    chart.empty = not present
    return chart


def horizontal_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    values: dict[str, Sequence[float]],
    *,
    describe: Callable[[Series, str, float], str],
) -> Chart:
    """A group of horizontal bars per label (a person), one bar per series."""
    row_height = 10 * len(series) + 12
    height = int(TOP + BOTTOM + row_height * max(len(labels), 1))
    chart = Chart("hbars", list(series), height=height, plot_left=140, plot_bottom=height - BOTTOM)
    largest = max((v for s in series for v in values[s.key]), default=0)
    scale = nice_scale(largest)
    top = scale[-1]
    plot_width = chart.plot_right - chart.plot_left

    def x_of(value: float) -> float:
        return round(chart.plot_left + value / top * plot_width, 2)

    chart.value_ticks = [Tick(x_of(value), f"{value:g}") for value in scale]
    for i, label in enumerate(labels):
        row_top = chart.plot_top + row_height * i + 6
        chart.category_ticks.append(Tick(round(row_top + row_height / 2 - 6, 2), label))
        for j, s in enumerate(series):
            value = values[s.key][i]
            chart.rects.append(
                Rect(
                    chart.plot_left,
                    round(row_top + 10 * j, 2),
                    round(x_of(value) - chart.plot_left, 2),
                    8,
                    s.css,
                    describe(s, label, value),
                )
            )
    chart.empty = not largest
    return chart
