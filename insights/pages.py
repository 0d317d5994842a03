"""What /insights/ shows: each report is a chart, the same numbers as a table, and a CSV of that
table. Built from the aggregated rows of insights/selectors.py (one query per report); the loops
here run over weeks, groups and people, never over incidents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, partial
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.template_helpers import duration
from insights import charts, selectors
from insights.charts import Chart, Series
from insights.selectors import InsightFilters

MAX_LINE_GROUPS = 6  # lines per chart beyond which it stops being readable (the table has all)
MAX_PEOPLE = 15
PANEL_WIDTH, PANEL_HEIGHT = 320, 170  # a small chart of a set


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    label: str  # the table header
    kind: str = "count"  # count, text, week, duration, percent


@dataclass
class Table:
    columns: list[Column]
    rows: list[tuple]

    def numeric(self) -> list[bool]:
        """Per column: right-aligned figures (counts, durations, shares)."""
        return [column.kind in ("count", "duration", "percent") for column in self.columns]

    def display_rows(self) -> list[list[str]]:
        """The rows as the page shows them (the CSV has machine values: `csv_rows`). Formatted
        here rather than by a macro per cell: a year of weeks by service is thousands of cells."""
        formats = [_DISPLAY[column.kind] for column in self.columns]
        weeks: dict[date, str] = {}
        out = []
        for row in self.rows:
            cells = []
            for show, value in zip(formats, row, strict=True):
                if value is None:
                    cells.append("—")
                elif show is None:  # a week: formatted once per week
                    if value not in weeks:
                        weeks[value] = dateformat.format(value, "j M Y")
                    cells.append(weeks[value])
                else:
                    cells.append(show(value))
            out.append(cells)
        return out


_DISPLAY: dict[str, Callable[[Any], str] | None] = {
    "count": str,
    "text": str,
    "week": None,
    "duration": duration,
    "percent": lambda value: f"{value} %",
}


@dataclass(frozen=True)
class Panel:
    heading: str  # "" for a report of one chart
    chart: Chart


@dataclass
class Report:
    slug: str  # element id, and the CSV's name: /insights/<slug>.csv
    title: str
    summary: str  # what it shows and how it is counted (also the SVG's <desc>)
    panels: list[Panel]  # one chart, or a small chart per group
    table: Table
    note: str = ""
    legend: list[Series] | None = None  # None: the series of the first chart
    csv_table: Table | None = None  # None: the CSV is `table`; else it has more rows

    @property
    def download(self) -> Table:
        return self.csv_table or self.table


class ReportData:
    """The query results the reports share, each read once and only when a report asks for it
    (the page runs each query once for all its reports; a CSV only the one it needs).

    Results are kept in the cache for FIREBELL_INSIGHTS_CACHE_SECONDS (default 60) per query
    and filters, for everyone who may read the report: a report read again within that time
    (another viewer, a CSV of what is on screen, a reload) costs no query. The figures are at
    most that old; "now" (breaches still running, overdue post-mortems) is the first read's.
    """

    def __init__(self, filters: InsightFilters, now: datetime) -> None:
        self.filters = filters
        self.now = now
        self._read: dict[str, Any] = {}

    def _query(self, name: str, compute: Callable[[], Any]) -> Any:
        if name not in self._read:
            seconds = settings.FIREBELL_INSIGHTS_CACHE_SECONDS
            key = f"insights:{name}:{self.filters.cache_key()}"
            found = cache.get(key) if seconds else None
            if found is None:
                found = compute()
                if seconds:
                    cache.set(key, found, seconds)
            self._read[name] = found
        return self._read[name]

    @cached_property
    def weeks(self) -> list[date]:
        return self.filters.weeks()

    @cached_property
    def severities(self) -> list[tuple[int, str]]:
        """(rank, name) of the severities the filters keep, most severe first."""
        ranks = self.filters.severity_ranks
        return [o for o in selectors.severity_options() if not ranks or o[0] in ranks]

    @property
    def incidents(self) -> list[selectors.WeekIncidents]:
        return self._query(
            "incidents", lambda: selectors.incidents_per_week(self.filters, now=self.now)
        )

    def response_times(self, by: str) -> list[selectors.WeekResponse]:
        return self._query(f"times-{by}", lambda: selectors.response_times(self.filters, by=by))

    @property
    def oncall_load(self) -> list[selectors.PersonLoad]:
        return self._query("oncall", lambda: selectors.oncall_load(self.filters))

    @property
    def postmortems(self) -> list[selectors.WeekPostmortems]:
        return self._query(
            "postmortems", lambda: selectors.postmortems_per_week(self.filters, now=self.now)
        )

    @property
    def action_items(self) -> list[selectors.WeekActionItems]:
        return self._query("action-items", lambda: selectors.action_items_per_week(self.filters))


def _week_label(week: date) -> str:
    return dateformat.format(week, "j M")


def _severity_series(ranks_names: list[tuple[int, str]]) -> list[Series]:
    return [Series(name, name, f"series-sev-{min(rank, 4)}") for rank, name in ranks_names]


def _count_text(series: Series, label: str, value: float) -> str:
    return _("%(series)s, week of %(week)s: %(value)s") % {
        "series": series.label,
        "week": label,
        "value": f"{value:g}",
    }


def incidents_per_week_report(data: ReportData) -> Report:
    weeks = data.weeks
    counts = {(row.week, row.severity_name): row.incidents for row in data.incidents}
    series = _severity_series(data.severities)
    values = {s.key: [counts.get((week, s.key), 0) for week in weeks] for s in series}
    rows = [
        (week, *(values[s.key][i] for s in series), sum(values[s.key][i] for s in series))
        for i, week in enumerate(weeks)
    ]
    table = Table(
        [Column("week", _("Week of"), "week")]
        + [Column(s.key, s.label) for s in series]
        + [Column("total", _("Total"))],
        rows,
    )
    labels = [_week_label(week) for week in weeks]
    return Report(
        "incidents-per-week",
        _("Incidents per week"),
        _("Incidents declared each week, stacked by severity."),
        [Panel("", charts.stacked_bars(labels, series, values, describe=_count_text))],
        table,
    )


def ack_breaches_report(data: ReportData) -> Report:
    weeks = data.weeks
    series = _severity_series(data.severities)
    found = data.incidents
    late = {(row.week, row.severity_name): row.breached for row in found}
    declared: dict[date, int] = {}
    for row in found:
        declared[row.week] = declared.get(row.week, 0) + row.incidents
    values = {s.key: [late.get((week, s.key), 0) for week in weeks] for s in series}
    rows = []
    for i, week in enumerate(weeks):
        breached = sum(values[s.key][i] for s in series)
        total = declared.get(week, 0)
        share = round(100 * breached / total, 1) if total else None
        rows.append((week, *(values[s.key][i] for s in series), breached, total, share))
    table = Table(
        [Column("week", _("Week of"), "week")]
        + [Column(s.key, s.label) for s in series]
        + [
            Column("breached", _("Breached")),
            Column("declared", _("Declared")),
            Column("breached_percent", _("Share"), "percent"),
        ],
        rows,
    )
    labels = [_week_label(week) for week in weeks]
    return Report(
        "ack-breaches",
        _("Acknowledge target breaches per week"),
        _(
            "Incidents declared each week whose acknowledge target (each severity's response "
            "time) was missed, by severity: acknowledged late, resolved late without an "
            "acknowledgement, or still waiting past it."
        ),
        [Panel("", charts.stacked_bars(labels, series, values, describe=_count_text))],
        table,
    )


_L = gettext_lazy
RESPONSE_TITLES = {
    ("acknowledge", "severity"): (
        _L("Time to acknowledge by severity"),
        _L(
            "Median (solid) and 90th percentile (dashed) time from trigger to acknowledgement "
            "of the incidents declared each week, per severity."
        ),
    ),
    ("acknowledge", "service"): (
        _L("Time to acknowledge by service"),
        _L(
            "Median (solid) and 90th percentile (dashed) time from trigger to acknowledgement "
            "of the incidents declared each week, per affected service."
        ),
    ),
    ("resolve", "severity"): (
        _L("Time to resolve by severity"),
        _L(
            "Median (solid) and 90th percentile (dashed) time from trigger to resolution of "
            "the incidents declared each week, per severity."
        ),
    ),
    ("resolve", "service"): (
        _L("Time to resolve by service"),
        _L(
            "Median (solid) and 90th percentile (dashed) time from trigger to resolution of "
            "the incidents declared each week, per affected service."
        ),
    ),
}


RESPONSE_FIELDS = {
    "acknowledge": ("acknowledged", "ack_median", "ack_p90"),
    "resolve": ("resolved", "resolve_median", "resolve_p90"),
}


class TimesRow(NamedTuple):
    week: date
    group: str
    count: int
    median: timedelta | None
    p90: timedelta | None


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _duration_text(value: float) -> str:
    return duration(timedelta(seconds=value))


def response_times_report(data: ReportData, *, metric: str, by: str) -> Report:
    """A small chart per severity or service (median solid, p90 dashed, each on its own scale:
    SEV-1 takes minutes where SEV-4 takes days), the busiest few drawn, the table has all."""
    weeks = data.weeks
    fields = RESPONSE_FIELDS[metric]
    # (week, group, measured, median, p90) of the metric, weeks where it measured something.
    found = [
        TimesRow(row.week, row.group, *(getattr(row, field) for field in fields))
        for row in data.response_times(by)
        if getattr(row, fields[0])
    ]
    measured: dict[str, int] = {}
    for row in found:
        measured[row.group] = measured.get(row.group, 0) + row.count
    ranks = {name: rank for rank, name in data.severities}
    order = (lambda g: (ranks.get(g, 99), g)) if by == "severity" else (lambda g: g)
    groups = sorted(measured, key=order)
    busiest = set(sorted(groups, key=lambda g: -measured[g])[:MAX_LINE_GROUPS])
    drawn = [g for g in groups if g in busiest]
    by_key = {(row.week, row.group): row for row in found}
    labels = [_week_label(week) for week in weeks]

    def describe(s: Series, label: str, value: float) -> str:
        return _("%(series)s, week of %(week)s: %(value)s") % {
            "series": s.label,
            "week": label,
            "value": _duration_text(value),
        }

    panels = []
    for index, group in enumerate(drawn):
        css = (
            f"series-sev-{min(ranks[group], 4)}" if by == "severity" else f"series-{index % 6 + 1}"
        )
        series, values = [], {}
        for key, label, dashed in (("median", _("median"), False), ("p90", _("p90"), True)):
            series.append(Series(key, f"{group} {label}", css, dashed))
            values[key] = [
                _seconds(getattr(by_key[week, group], key)) if (week, group) in by_key else None
                for week in weeks
            ]
        chart = charts.lines(
            labels,
            series,
            values,
            durations=True,
            format_value=_duration_text,
            describe=describe,
            width=PANEL_WIDTH,
            height=PANEL_HEIGHT,
        )
        panels.append(Panel(group, chart))
    legend = [
        Series("median", _("median"), "series-neutral"),
        Series("p90", _("90th percentile"), "series-neutral", dashed=True),
    ]
    group_label = _("Severity") if by == "severity" else _("Service")
    columns = [
        Column("week", _("Week of"), "week"),
        Column(by, group_label, "text"),
        Column("incidents_measured", _("Measured")),
        Column("median_seconds", _("Median"), "duration"),
        Column("p90_seconds", _("p90"), "duration"),
    ]
    rows = [(row.week, row.group, row.count, row.median, row.p90) for row in found]
    title, summary = RESPONSE_TITLES[(metric, by)]
    # The page's table has the numbers of the charts drawn; the CSV every group's.
    table, csv_table, note = Table(columns, rows), None, ""
    if len(drawn) < len(groups):
        shown = set(drawn)
        table, csv_table = Table(columns, [r for r in rows if r[1] in shown]), table
        note = _(
            "The charts and the table show the %(shown)s busiest; the CSV has all %(all)s."
        ) % {"shown": len(drawn), "all": len(groups)}
    if not panels:  # nothing measured: one empty chart says so
        empty = charts.lines(
            labels, [], {}, durations=True, format_value=_duration_text, describe=describe
        )
        panels.append(Panel("", empty))
    slug = f"{'mtta' if metric == 'acknowledge' else 'mttr'}-by-{by}"
    return Report(slug, str(title), str(summary), panels, table, note, legend, csv_table)


def oncall_load_report(data: ReportData) -> Report:
    filters = data.filters
    people = data.oncall_load
    shown = people[:MAX_PEOPLE]
    series = [
        Series("pages", _("Pages"), "series-1"),
        Series("out_of_hours", _("Out of hours"), "series-2"),
        Series("nights", _("Nights woken"), "series-3"),
    ]
    values = {
        "pages": [p.pages for p in shown],
        "out_of_hours": [p.out_of_hours for p in shown],
        "nights": [p.nights for p in shown],
    }

    def describe(s: Series, label: str, value: float) -> str:
        return f"{label}, {s.label}: {value:g}"

    table = Table(
        [
            Column("person", _("Person"), "text"),
            Column("pages", _("Pages")),
            Column("out_of_hours", _("Out of hours")),
            Column("nights_woken", _("Nights woken")),
        ],
        [(p.name, p.pages, p.out_of_hours, p.nights) for p in people],
    )
    note = (
        _("The chart shows the %(shown)s most paged; the table lists all %(all)s.")
        % {"shown": len(shown), "all": len(people)}
        if len(people) > len(shown)
        else ""
    )
    zone = str(filters.zone)
    return Report(
        "oncall-load",
        _("On-call load"),
        _(
            "Pages that reached each person (one per paging step, whatever the channels), those "
            "sent out of hours (before 09:00, from 18:00, or at the weekend) and the nights "
            "(22:00 to 07:00) in which at least one woke them — times in %(zone)s."
        )
        % {"zone": zone},
        [
            Panel(
                "",
                charts.horizontal_bars([p.name for p in shown], series, values, describe=describe),
            )
        ],
        table,
        note,
    )


def postmortems_report(data: ReportData) -> Report:
    weeks = data.weeks
    found = {row.week: row for row in data.postmortems}
    series = [
        Series("on_time", _("On time"), "series-3"),
        Series("late", _("Published late"), "series-5"),
        Series("overdue", _("Overdue"), "series-sev-1"),
        Series("not_yet_due", _("Not yet due"), "series-neutral-soft"),
    ]
    values = {
        s.key: [getattr(found[week], s.key) if week in found else 0 for week in weeks]
        for s in series
    }
    rows = [(week, *(values[s.key][i] for s in series)) for i, week in enumerate(weeks)]
    labels = [_week_label(week) for week in weeks]
    return Report(
        "postmortems",
        _("Post-mortems: on time or overdue"),
        _(
            "Post-mortems by the week they were due: published by the due time, published "
            "after it, overdue (past due and not published), and not yet due."
        ),
        [Panel("", charts.stacked_bars(labels, series, values, describe=_count_text))],
        Table(
            [Column("week", _("Due in week of"), "week")]
            + [Column(s.key, s.label) for s in series],
            rows,
        ),
    )


def action_items_report(data: ReportData) -> Report:
    weeks = data.weeks
    found = {row.week: row for row in data.action_items}
    series = [
        Series("opened", _("Opened"), "series-1"),
        Series("done", _("Done"), "series-3"),
    ]
    values = {
        s.key: [getattr(found[week], s.key) if week in found else 0 for week in weeks]
        for s in series
    }
    rows = [(week, values["opened"][i], values["done"][i]) for i, week in enumerate(weeks)]
    labels = [_week_label(week) for week in weeks]
    chart = charts.stacked_bars(labels, series, values, describe=_count_text, grouped=True)
    return Report(
        "action-items",
        _("Action items: opened and done"),
        _(
            "Action items opened each week beside those done each week (an item done this week "
            "may have been opened long before; won't do is not done)."
        ),
        [Panel("", chart)],
        Table(
            [Column("week", _("Week of"), "week")] + [Column(s.key, s.label) for s in series],
            rows,
        ),
    )


# Read with the post-mortem permission as well (viewers hold it).
POSTMORTEM_REPORTS = {"postmortems", "action-items"}


# Each report by its slug: the page shows them in this order; /insights/<slug>.csv downloads one.
REPORTS: dict[str, Callable[[ReportData], Report]] = {
    "incidents-per-week": incidents_per_week_report,
    "ack-breaches": ack_breaches_report,
    "mtta-by-severity": partial(response_times_report, metric="acknowledge", by="severity"),
    "mtta-by-service": partial(response_times_report, metric="acknowledge", by="service"),
    "mttr-by-severity": partial(response_times_report, metric="resolve", by="severity"),
    "mttr-by-service": partial(response_times_report, metric="resolve", by="service"),
    "oncall-load": oncall_load_report,
    "postmortems": postmortems_report,
    "action-items": action_items_report,
}


def reports_build(filters: InsightFilters, now: datetime, slugs: list[str]) -> list[Report]:
    """The reports `slugs` (keys of REPORTS), sharing their queries."""
    data = ReportData(filters, now)
    return [REPORTS[slug](data) for slug in slugs]


def csv_rows(table: Table) -> list[list[str]]:
    """The table as CSV rows: machine-readable values (ISO dates, whole seconds, plain numbers)."""
    out = [[column.key for column in table.columns]]
    for row in table.rows:
        out.append(
            [_csv_value(column, value) for column, value in zip(table.columns, row, strict=True)]
        )
    return out


def _csv_value(column: Column, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(round(value.total_seconds()))
    return str(value)
