"""The counting rule's plain-Python parts: fiscal years, the persona value, rollup cell keys.

No Django here: services, selectors, the benchmark and the tests share these definitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")

# The dimensions a breakdown can use, in their canonical order (also the bit order of a grouping).
DIMENSIONS: tuple[str, ...] = ("fiscal_year", "prefecture", "industry", "persona_type", "org_size", "dx_status")
MAX_DIMENSIONS = 2
BIT: dict[str, int] = {name: 1 << i for i, name in enumerate(DIMENSIONS)}
# Every grouping of at most two dimensions: the total (0), 6 singles and 15 pairs.
GROUPINGS: tuple[int, ...] = tuple(m for m in range(1 << len(DIMENSIONS)) if m.bit_count() <= MAX_DIMENSIONS)

# A rolled-up dimension in a cell key ("all fiscal years", "all prefectures", ...).
ALL_YEARS = 0
ALL = "*"

# Persona values that are not persona types (the learner had no target role at completion).
CATEGORY_PREFIX = "category:"
LITERACY = "literacy"


class Attributes(NamedTuple):
    """What a counted person contributes to the cells (a snapshot taken when they are counted)."""

    fiscal_year: int
    prefecture: str
    industry: str
    persona_type: str
    org_size: str
    dx_status: str = ""  # the employer's DX認定 on the completion day: certified | not_certified; "" no employer


# (grouping, fiscal_year, prefecture, industry, persona_type, org_size, dx_status)
CellKey = tuple[int, int, str, str, str, str, str]


DX_CERTIFIED, DX_NOT_CERTIFIED = "certified", "not_certified"


def dx_status_value(has_employer: bool, certified_on: date | None, valid_until: date | None, moment: datetime) -> str:
    """The employer's DX認定 on the day of `moment` (Asia/Tokyo): certified, not_certified, or "" without one."""
    if not has_employer:
        return ""
    day = moment.astimezone(TOKYO).date()
    if certified_on is not None and certified_on <= day and (valid_until is None or day <= valid_until):
        return DX_CERTIFIED
    return DX_NOT_CERTIFIED


def fiscal_year_of(moment: datetime | date) -> int:
    """Japan's fiscal year (April to March) of a moment, read in Asia/Tokyo."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("fiscal_year_of needs a timezone-aware datetime")
        moment = moment.astimezone(TOKYO).date()
    return moment.year if moment.month >= 4 else moment.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    """First and last day of a fiscal year."""
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


def persona_value(role_persona: str | None, course_main_category: str | None) -> str:
    """The persona type of the learner's target role; else the course's main skill category; else DX literacy."""
    if role_persona:
        return role_persona
    if course_main_category:
        return CATEGORY_PREFIX + course_main_category
    return LITERACY


def grouping_of(dimensions: Iterable[str]) -> int:
    mask = 0
    for name in dimensions:
        mask |= BIT[name]
    return mask


def dimensions_of(grouping: int) -> tuple[str, ...]:
    return tuple(name for name in DIMENSIONS if grouping & BIT[name])


def cell_key(grouping: int, attrs: Attributes) -> CellKey:
    """The key of the cell `attrs` falls in for one grouping; the other dimensions are rolled up."""
    return (
        grouping,
        attrs.fiscal_year if grouping & BIT["fiscal_year"] else ALL_YEARS,
        attrs.prefecture if grouping & BIT["prefecture"] else ALL,
        attrs.industry if grouping & BIT["industry"] else ALL,
        attrs.persona_type if grouping & BIT["persona_type"] else ALL,
        attrs.org_size if grouping & BIT["org_size"] else ALL,
        attrs.dx_status if grouping & BIT["dx_status"] else ALL,
    )


def cell_keys(attrs: Attributes) -> Iterator[CellKey]:
    """The 22 cells one counted person adds 1 to."""
    for grouping in GROUPINGS:
        yield cell_key(grouping, attrs)


def dimension_value(key: CellKey, name: str) -> int | str:
    return key[1 + DIMENSIONS.index(name)]
