"""Reads for ministry analysts: suppressed breakdowns and progress toward 2.3 million.

Every read takes the viewer and refuses anyone but ministry analysts and staff.  Nothing here
returns a person: only counts from the rollup cells, each cell under the threshold suppressed
(`national.suppression`), and numbers derived from published cells only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RoleGroup
from accounts.services import user_has_role
from common.messages import Message
from common.reference import INDUSTRIES, ORGANIZATION_SIZE_BANDS, PREFECTURES
from learners.models import LearnerProfile
from learners.selectors import export_iso
from national.counting import (
    CATEGORY_PREFIX,
    DIMENSIONS,
    DX_CERTIFIED,
    DX_NOT_CERTIFIED,
    LITERACY,
    MAX_DIMENSIONS,
    dimension_value,
    dimensions_of,
    fiscal_year_bounds,
    fiscal_year_of,
    grouping_of,
)
from national.forecast import Forecast, linear_forecast
from national.models import NationalCell, NationalCount
from national.reference import (
    FISCAL_YEAR_MAX,
    FISCAL_YEAR_MIN,
    REPORTED_BY_FISCAL_YEAR,
    REPORTED_SOURCE,
    TARGET_FIRST_FISCAL_YEAR,
    TARGET_LAST_FISCAL_YEAR,
    TARGET_PEOPLE,
)
from national.suppression import PRIMARY, SECONDARY, protect_1d, protect_2d
from skills.models import PersonaType, SkillCategory
from skills.selectors import StandardNotLoaded, standard_version_get

Value = int | str


class BreakdownError(ValueError):
    """A breakdown request that cannot be answered; `field` names the parameter, the message is a Message
    (common/messages.py): `common.messages.message_of(exc)` keeps it translatable."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def national_viewer_allowed(*, user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Ministry analysts and staff; nobody else sees national figures."""
    if user is None or not user.is_authenticated:
        return False
    return bool(getattr(user, "is_staff", False)) or user_has_role(user, RoleGroup.MINISTRY)  # type: ignore[arg-type]


def _require(viewer: Any) -> None:
    if not national_viewer_allowed(user=viewer):
        raise PermissionDenied("National figures are for ministry analysts only.")


def threshold() -> int:
    return int(settings.NATIONAL_MIN_CELL_PEOPLE)


@dataclass(frozen=True)
class Cell:
    values: tuple[Value, ...]  # one per dimension, in the answer's order
    people: int | None  # None when suppressed
    status: str | None  # None, "primary" (under the threshold) or "secondary" (protects another cell)
    threshold: int

    @property
    def display(self) -> str:
        if self.status == PRIMARY:
            return f"<{self.threshold}"
        if self.status == SECONDARY:
            return "x"
        return str(self.people)

    @property
    def suppressed(self) -> bool:
        return self.status is not None


def _cell(values: tuple[Value, ...], people: int, status: str | None, limit: int) -> Cell:
    return Cell(values, None if status else people, status, limit)


# --- dimension values and labels ---------------------------------------------------------------


def _standard_codes() -> tuple[list[str], list[str]]:
    try:
        version = standard_version_get()
    except StandardNotLoaded:
        return [], []
    personas = list(PersonaType.objects.filter(version=version).order_by("position").values_list("code", flat=True))
    categories = list(SkillCategory.objects.filter(version=version).order_by("position").values_list("code", flat=True))
    return personas, categories


def _domain(name: str, observed: set[Value], current_fiscal_year: int) -> list[Value]:
    """Every value a dimension shows, in order: a fixed list (zeros included), so no query changes it."""
    known: list[Value]
    if name == "fiscal_year":
        last = max([current_fiscal_year, *(int(v) for v in observed)])
        return list(range(TARGET_FIRST_FISCAL_YEAR, last + 1))
    if name == "prefecture":
        known = [*PREFECTURES, ""]
    elif name == "industry":
        known = [*INDUSTRIES, ""]
    elif name == "org_size":
        known = [*ORGANIZATION_SIZE_BANDS, ""]
    elif name == "dx_status":
        known = [DX_CERTIFIED, DX_NOT_CERTIFIED, ""]
    else:
        personas, categories = _standard_codes()
        known = [*personas, *(CATEGORY_PREFIX + c for c in categories), LITERACY]
    return known + sorted((v for v in observed if v not in known), key=str)


class Labels:
    """Display names of dimension values in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = "en" if lang == "en" else "ja"
        self._personas: dict[str, str] | None = None
        self._categories: dict[str, str] | None = None

    def _names(self) -> tuple[dict[str, str], dict[str, str]]:
        if self._personas is None or self._categories is None:
            self._personas, self._categories = {}, {}
            try:
                version = standard_version_get()
            except StandardNotLoaded:
                return self._personas, self._categories
            field_name = f"name_{self.lang}"
            self._personas = dict(PersonaType.objects.filter(version=version).values_list("code", field_name))
            self._categories = dict(SkillCategory.objects.filter(version=version).values_list("code", field_name))
        return self._personas, self._categories

    def dimension(self, name: str) -> str:
        return {
            "fiscal_year": _("Fiscal year"),
            "prefecture": _("Prefecture"),
            "industry": _("Industry"),
            "persona_type": _("Persona type"),
            "org_size": _("Organization size"),
            "dx_status": _("DX certification (DX認定)"),
        }[name]

    def value(self, name: str, value: Value) -> str:
        index = 0 if self.lang == "ja" else 1
        if name == "fiscal_year":
            return _("FY%(year)s") % {"year": value}
        if name == "prefecture":
            return PREFECTURES[str(value)][index] if value in PREFECTURES else _("not given")
        if name == "industry":
            return f"{value} {INDUSTRIES[str(value)][index]}" if value in INDUSTRIES else _("not given")
        if name == "org_size":
            return _("%(band)s employees") % {"band": value} if value else _("no organization")
        if name == "dx_status":
            return {DX_CERTIFIED: _("DX-certified employer"), DX_NOT_CERTIFIED: _("employer not DX-certified")}.get(
                str(value), _("no organization")
            )
        personas, categories = self._names()
        text = str(value)
        if text == LITERACY:
            return _("DX literacy (no target role)")
        if text.startswith(CATEGORY_PREFIX):
            code = text[len(CATEGORY_PREFIX) :]
            return _("%(category)s (no target role: course category)") % {"category": categories.get(code, code)}
        return personas.get(text, text)


# --- tables --------------------------------------------------------------------------------------


@dataclass
class Breakdown:
    """A suppressed one- or two-way table of counted people."""

    dimensions: tuple[str, ...]  # in the order asked for (rows, then columns)
    fiscal_year: int | None  # the filter, if any
    threshold: int
    domains: dict[str, list[Value]]
    cells: list[Cell]  # row-major in `dimensions` order
    total: Cell
    margins: dict[str, list[Cell]] = field(default_factory=dict)  # a two-way table's one-way totals

    def rows(self) -> list[tuple[Value, list[Cell], Cell | None]]:
        """(row value, its cells, its total) for templates; one-way tables have one cell per row."""
        first = self.dimensions[0]
        if len(self.dimensions) == 1:
            return [(c.values[0], [c], None) for c in self.cells]
        width = len(self.domains[self.dimensions[1]])
        totals = {c.values[0]: c for c in self.margins.get(first, [])}
        return [
            (row[0].values[0], row, totals.get(row[0].values[0]))
            for row in (self.cells[i : i + width] for i in range(0, len(self.cells), width))
        ]


def current_fiscal_year(today: date | None = None) -> int:
    return fiscal_year_of(today or timezone.localdate())


def _counts(groupings: Sequence[int]) -> dict[int, dict[tuple[Value, ...], int]]:
    """Stored cells of these groupings: grouping -> (values in canonical dimension order) -> people."""
    out: dict[int, dict[tuple[Value, ...], int]] = {g: {} for g in groupings}
    for row in NationalCell.objects.filter(grouping__in=list(groupings), people__gt=0).values_list(
        "grouping", *DIMENSIONS, "people"
    ):
        key = row[:-1]
        dims = dimensions_of(key[0])
        out[key[0]][tuple(dimension_value(key, d) for d in dims)] = row[-1]
    return out


@dataclass
class _Table:
    """A table in canonical dimension order, with its suppression decided."""

    dims: tuple[str, ...]
    domains: dict[str, list[Value]]
    counts: dict[tuple[Value, ...], int]
    status: dict[tuple[Value, ...], str | None]
    one_way: dict[str, tuple[dict[Value, int], dict[Value, str | None]]]
    total: int
    total_status: str | None


def _table(dims: tuple[str, ...], today: date | None) -> _Table:
    limit = threshold()
    canonical = tuple(d for d in DIMENSIONS if d in dims)
    groupings = [0, *(grouping_of([d]) for d in canonical)]
    if len(canonical) == 2:
        groupings.append(grouping_of(canonical))
    counts = _counts(groupings)
    total = counts[0].get((), 0)
    total_status = PRIMARY if total < limit else None
    cur = current_fiscal_year(today)
    domains: dict[str, list[Value]] = {}
    one_way: dict[str, tuple[dict[Value, int], dict[Value, str | None]]] = {}
    for d in canonical:
        single = {k[0]: v for k, v in counts[grouping_of([d])].items()}
        domains[d] = _domain(d, set(single), cur)
        one_way[d] = (single, protect_1d(single, domains[d], total_hidden=bool(total_status), threshold=limit))
    if len(canonical) == 1:
        d = canonical[0]
        single, status = one_way[d]
        table_counts: dict[tuple[Value, ...], int] = {(v,): single.get(v, 0) for v in domains[d]}
        table_status: dict[tuple[Value, ...], str | None] = {(v,): status[v] for v in domains[d]}
    else:
        a, b = canonical
        pairs = counts[grouping_of(canonical)]
        two = protect_2d(
            {(k[0], k[1]): v for k, v in pairs.items()},
            domains[a],
            domains[b],
            row_hidden=one_way[a][1],
            column_hidden=one_way[b][1],
            threshold=limit,
        )
        table_counts = {(r, c): pairs.get((r, c), 0) for r in domains[a] for c in domains[b]}
        table_status = dict(two.items())
    return _Table(canonical, domains, table_counts, table_status, one_way, total, total_status)


def parse_dimensions(raw: str | Sequence[str]) -> tuple[str, ...]:
    """`prefecture,fiscal_year` -> ("prefecture", "fiscal_year"); raises BreakdownError with the reason."""
    names = [p.strip() for p in (raw.split(",") if isinstance(raw, str) else raw)]
    names = [n for n in names if n]
    if not names:
        raise BreakdownError("by", Message("name one or two dimensions: %(allowed)s", allowed=", ".join(DIMENSIONS)))
    unknown = [n for n in names if n not in DIMENSIONS]
    if unknown:
        raise BreakdownError(
            "by",
            Message(
                "unknown dimension %(name)s; use one or two of %(allowed)s",
                name=repr(unknown[0]),
                allowed=", ".join(DIMENSIONS),
            ),
        )
    if len(set(names)) != len(names):
        raise BreakdownError("by", Message("a dimension appears twice"))
    if len(names) > MAX_DIMENSIONS:
        raise BreakdownError(
            "by",
            Message("at most %(limit)s dimensions at once (got %(count)s)", limit=MAX_DIMENSIONS, count=len(names)),
        )
    return tuple(names)


def check_fiscal_year(value: int) -> int:
    if not FISCAL_YEAR_MIN <= value <= FISCAL_YEAR_MAX:
        raise BreakdownError(
            "fiscal_year",
            Message(
                "fiscal year %(year)s is outside FY%(first)s-FY%(last)s",
                year=value,
                first=FISCAL_YEAR_MIN,
                last=FISCAL_YEAR_MAX,
            ),
        )
    return value


def national_breakdown(
    *, viewer: Any, dimensions: Sequence[str], fiscal_year: int | None = None, today: date | None = None
) -> Breakdown:
    """People counted, by one or two dimensions (optionally within one fiscal year), suppressed.

    Scoped: ministry analysts and staff only (PermissionDenied otherwise)."""
    _require(viewer)
    dims = parse_dimensions(dimensions)
    limit = threshold()
    if fiscal_year is not None:
        check_fiscal_year(fiscal_year)
        if "fiscal_year" not in dims and len(dims) == MAX_DIMENSIONS:
            raise BreakdownError(
                "fiscal_year", Message("a fiscal_year filter works with one dimension, or with fiscal_year among them")
            )
    table_dims = dims if fiscal_year is None or "fiscal_year" in dims else (*dims, "fiscal_year")
    table = _table(table_dims, today)
    domains = {d: table.domains[d] for d in table_dims}
    cells = []
    for values in _product([domains[d] for d in table_dims]):
        canonical_key = tuple(values[table_dims.index(d)] for d in table.dims)
        cells.append(_cell(values, table.counts[canonical_key], table.status[canonical_key], limit))
    total = _cell((), table.total, table.total_status, limit)
    margins: dict[str, list[Cell]] = {}
    if len(table_dims) == MAX_DIMENSIONS:
        for d in table_dims:
            single, status = table.one_way[d]
            margins[d] = [_cell((v,), single.get(v, 0), status[v], limit) for v in domains[d]]
    if fiscal_year is None:
        return Breakdown(dims, None, limit, domains, cells, total, margins)
    # One fiscal year: a slice of the table with fiscal_year, whose total is that year's cell in the
    # one-way fiscal-year table, so the slice hides what the full table hides.
    fy_index = table_dims.index("fiscal_year")
    if fiscal_year in table.domains["fiscal_year"]:
        single, status = table.one_way["fiscal_year"]
        total = _cell((), single.get(fiscal_year, 0), status[fiscal_year], limit)
        sliced = [c for c in cells if c.values[fy_index] == fiscal_year]
    else:  # a fiscal year still to come: nobody in it, and the real table stays as it is
        total = _cell((), 0, PRIMARY, limit)
        others = [d for d in table_dims if d != "fiscal_year"]
        sliced = []
        for values in _product([domains[d] for d in others]):
            full = list(values)
            full.insert(fy_index, fiscal_year)
            sliced.append(Cell(tuple(full), None, PRIMARY, limit))
    if "fiscal_year" in dims:
        domains = {**domains, "fiscal_year": [fiscal_year]}
    else:
        sliced = [Cell(c.values[:fy_index] + c.values[fy_index + 1 :], c.people, c.status, limit) for c in sliced]
        domains = {d: v for d, v in domains.items() if d != "fiscal_year"}
    return Breakdown(dims, fiscal_year, limit, domains, sliced, total, {})


def _product(lists: list[list[Value]]) -> list[tuple[Value, ...]]:
    out: list[tuple[Value, ...]] = [()]
    for values in lists:
        out = [(*prefix, v) for prefix in out for v in values]
    return out


# --- progress toward the target ------------------------------------------------------------------


@dataclass
class YearProgress:
    fiscal_year: int
    measured: Cell | None  # people newly counted in the year (None: a future year)
    cumulative: int | None  # measured cumulative count, when it follows from published cells
    cumulative_suppressed: bool
    partial: bool  # the current fiscal year, still running
    reported: int | None
    reported_cumulative: int | None
    forecast_people: int | None
    forecast_cumulative: int | None


@dataclass
class Progress:
    as_of: date
    current_fiscal_year: int
    threshold: int
    target: int
    first_fiscal_year: int
    last_fiscal_year: int
    total: Cell
    years: list[YearProgress]
    forecast: Forecast | None
    forecast_note: str
    reported_source: str

    @property
    def measured_cumulative(self) -> int | None:
        published = [y.cumulative for y in self.years if y.measured is not None and y.cumulative is not None]
        return published[-1] if published else None


def national_progress(
    *, viewer: Any, today: date | None = None, forecast_to: int = TARGET_LAST_FISCAL_YEAR
) -> Progress:
    """Cumulative people counted per fiscal year against the target, the reported series and a forecast.

    Scoped: ministry analysts and staff only.  Every measured number is a published cell of the
    one-way fiscal-year table or follows from published cells; the forecast uses published cells only."""
    _require(viewer)
    check_fiscal_year(forecast_to)
    today = today or timezone.localdate()
    limit = threshold()
    cur = current_fiscal_year(today)
    table = _table(("fiscal_year",), today)
    years_measured = [int(v) for v in table.domains["fiscal_year"]]
    single, status = table.one_way["fiscal_year"]
    published = {y: not status[y] for y in years_measured}
    total_published = table.total_status is None

    rows: list[YearProgress] = []
    reported_cumulative = 0
    last = max(forecast_to, years_measured[-1], max(REPORTED_BY_FISCAL_YEAR))
    running = 0
    for year in range(TARGET_FIRST_FISCAL_YEAR, last + 1):
        measured = None
        cumulative = None
        hidden = False
        if year in status:
            people = single.get(year, 0)
            measured = _cell((year,), people, status[year], limit)
            running += people
            before = all(published[y] for y in years_measured if y <= year)
            after = total_published and all(published[y] for y in years_measured if y > year)
            if before or after:
                cumulative = running
            else:
                hidden = True
        reported = REPORTED_BY_FISCAL_YEAR.get(year)
        if reported is not None:
            reported_cumulative += reported
        rows.append(
            YearProgress(
                fiscal_year=year,
                measured=measured,
                cumulative=cumulative,
                cumulative_suppressed=hidden,
                partial=year == cur,
                reported=reported,
                reported_cumulative=reported_cumulative if reported is not None else None,
                forecast_people=None,
                forecast_cumulative=None,
            )
        )

    forecast: Forecast | None = None
    note = ""
    if not all(published.values()):
        note = _("No forecast: a fiscal year's count is suppressed (fewer than %(n)s people).") % {"n": limit}
    else:
        start, end = fiscal_year_bounds(cur)
        elapsed = ((today - start).days + 1) / ((end - start).days + 1)
        forecast = linear_forecast(
            annual={y: single.get(y, 0) for y in years_measured},
            first_year=TARGET_FIRST_FISCAL_YEAR,
            current_year=cur,
            elapsed_share=elapsed,
            last_year=forecast_to,
        )
        if forecast is None:
            note = _("No forecast yet: no fiscal year has enough data.")
        else:
            by_year = {y: (p, c) for y, p, c in forecast.years}
            for row in rows:
                if row.fiscal_year in by_year:
                    row.forecast_people, row.forecast_cumulative = by_year[row.fiscal_year]
                elif row.fiscal_year == forecast.start_year:
                    row.forecast_cumulative = forecast.start_cumulative
    return Progress(
        as_of=today,
        current_fiscal_year=cur,
        threshold=limit,
        target=TARGET_PEOPLE,
        first_fiscal_year=TARGET_FIRST_FISCAL_YEAR,
        last_fiscal_year=TARGET_LAST_FISCAL_YEAR,
        total=_cell((), table.total, table.total_status, limit),
        years=rows,
        forecast=forecast,
        forecast_note=note,
        reported_source=REPORTED_SOURCE,
    )


def national_count_export(*, learner: LearnerProfile) -> dict[str, Any] | None:
    """How the learner is counted toward the national target (national/), if at all."""
    row = NationalCount.objects.filter(learner=learner).first()
    if row is None:
        return None
    return {
        "fiscal_year": row.fiscal_year,
        "completed_at": export_iso(row.completed_at),
        "course_id": row.course_id,
        "prefecture": row.prefecture,
        "industry": row.industry,
        "persona_type": row.persona_type,
        "org_size": row.org_size,
    }
