"""Supply gaps: what the catalog offers per skill item × level (and in person per prefecture) against what
learners' plans need and cannot get (docs/supply-gaps.md).

Reads only: the catalog through one grouped query per table, the demand through the recommender's
`plan_demand` (one query over the stored plans).  Counts of people are suppressed like the national figures
(`national.suppression.primary`, threshold `NATIONAL_MIN_CELL_PEOPLE`); no total over people is published, so
no sum can pin down a hidden cell; rankings are ordered by published numbers only.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Max, Q, Sum

from accounts.models import RoleGroup
from accounts.services import user_has_role
from common.reference import PREFECTURES
from courses.models import Course, CourseFormat, CourseStatus
from courses.selectors import active_tags, provider_ids_for
from national.selectors import Cell, national_viewer_allowed, threshold
from national.suppression import primary
from recommender.models import LearnerPlan
from recommender.selectors import PlanDemand, plan_demand
from skills.models import SkillItem
from skills.selectors import StandardNotLoaded, standard_version_get

LEVELS = (1, 2, 3, 4)
K = TypeVar("K", bound=Hashable)
IN_PERSON = (CourseFormat.CLASSROOM, CourseFormat.BLENDED)


@dataclass(frozen=True)
class Supply:
    """Published courses: how many, their hours, and how many are free / METI Reskilling-certified."""

    courses: int = 0
    hours: float = 0.0
    free: int = 0
    certified: int = 0

    @property
    def free_share(self) -> float | None:
        return round(self.free / self.courses, 4) if self.courses else None

    @property
    def certified_share(self) -> float | None:
        return round(self.certified / self.courses, 4) if self.courses else None


@dataclass(frozen=True)
class ItemRow:
    code: str
    name: str
    level: int
    position: int
    supply: Supply
    unmet: Cell  # learners whose plan has no course for this item at this level
    gap: Cell  # learners whose core gap includes this item at this level


@dataclass(frozen=True)
class PrefectureRow:
    code: str
    name: str
    supply: Supply  # in-person (classroom, blended) courses held in the prefecture
    unmet: Cell  # learners living there whose plan names at least one core item with no course
    gap: Cell  # learners living there with at least one core gap


@dataclass
class SupplyGaps:
    threshold: int
    plans: Cell
    items: list[ItemRow] = field(default_factory=list)  # every item × level, in the standard's order
    prefectures: list[PrefectureRow] = field(default_factory=list)  # every prefecture, in code order

    @property
    def ranking(self) -> list[ItemRow]:
        """Item × level with published unmet demand, or no course at all and a published gap, largest first."""
        rows = [r for r in self.items if not r.unmet.status or (r.supply.courses == 0 and not r.gap.status)]
        return sorted(rows, key=lambda r: (-_published(r.unmet), -_published(r.gap), r.supply.courses, r.position))

    @property
    def prefecture_ranking(self) -> list[PrefectureRow]:
        rows = [r for r in self.prefectures if not r.unmet.status]
        return sorted(rows, key=lambda r: (-_published(r.unmet), -_published(r.gap), r.supply.courses, r.code))


def _published(cell: Cell) -> int:
    return 0 if cell.status else int(cell.people or 0)


def _cells(counts: Mapping[K, int], keys: list[K], limit: int) -> dict[K, Cell]:
    full = {key: int(counts.get(key, 0)) for key in keys}
    status = primary(full, limit)
    return {key: Cell((), None if status[key] else full[key], status[key], limit) for key in keys}


def _supply(row: Mapping[str, Any]) -> Supply:
    hours = row["hours"] or Decimal(0)
    return Supply(courses=row["courses"], hours=float(hours), free=row["free"], certified=row["certified"])


SUPPLY_AGGREGATES = {
    "hours": Sum("course__hours"),
    "courses": Count("course_id"),
    "free": Count("course_id", filter=Q(course__price_jpy=0)),
    "certified": Count("course_id", filter=Q(course__reskill_certified=True)),
}


def item_supply(*, version_id: int) -> dict[tuple[str, int], Supply]:
    """Per (item, level L): published level-L courses whose (not rejected) tag teaches the item at L or above,
    the courses that can take a learner from L-1 to L in the plan builder.  One grouped query."""
    rows = (
        active_tags()
        .filter(course__status=CourseStatus.PUBLISHED, skill_item__version_id=version_id, level__gte=F("course__level"))
        .values("skill_item__code", "course__level")
        .annotate(**SUPPLY_AGGREGATES)
        .order_by()
    )
    return {(r["skill_item__code"], int(r["course__level"])): _supply(r) for r in rows}


def prefecture_supply() -> dict[str, Supply]:
    """Per prefecture: published in-person courses (classroom, blended) held there.  One grouped query."""
    rows = (
        Course.objects.filter(status=CourseStatus.PUBLISHED, format__in=IN_PERSON)
        .exclude(prefecture="")
        .values("prefecture")
        .annotate(
            hours=Sum("hours"),
            courses=Count("id"),
            free=Count("id", filter=Q(price_jpy=0)),
            certified=Count("id", filter=Q(reskill_certified=True)),
        )
        .order_by()
    )
    return {r["prefecture"]: _supply(r) for r in rows}


DEMAND_CACHE_SECONDS = 3600


def plan_demand_cached() -> PlanDemand:
    """`plan_demand`, cached while the stored plans are unchanged: the key holds their number, the largest id
    and the last recompute time (every re-plan touches `computed_at`, an erasure lowers the number).  Only
    counts are cached, never a person; without Redis it is computed every time (common/cache.py)."""
    state = LearnerPlan.objects.aggregate(n=Count("id"), last=Max("computed_at"), top=Max("id"))
    key = f"insights:plan-demand:{state['n']}:{state['top']}:{state['last'].isoformat() if state['last'] else ''}"
    demand = cache.get(key)
    if not isinstance(demand, PlanDemand):
        demand = plan_demand()
        cache.set(key, demand, DEMAND_CACHE_SECONDS)
    return demand


def supply_gaps_compute(*, lang: str, demand: PlanDemand | None = None) -> SupplyGaps:
    """The whole table, suppressed (no permission check: callers below check it)."""
    limit = threshold()
    demand = demand if demand is not None else plan_demand_cached()
    plans = _cells({"plans": demand.plans}, ["plans"], limit)["plans"]
    out = SupplyGaps(threshold=limit, plans=plans)
    try:
        version = standard_version_get()
    except StandardNotLoaded:
        return out
    items = list(
        SkillItem.objects.filter(version=version).order_by("position", "code").values_list("code", "name_ja", "name_en")
    )
    keys = [(code, level) for code, _ja, _en in items for level in LEVELS]
    unmet = _cells(demand.unmet, keys, limit)
    gap = _cells(demand.gap, keys, limit)
    supply = item_supply(version_id=version.pk)
    for position, (code, name_ja, name_en) in enumerate(items):
        name = (name_en or name_ja) if lang == "en" else (name_ja or name_en)
        for level in LEVELS:
            key = (code, level)
            out.items.append(ItemRow(code, name, level, position, supply.get(key, Supply()), unmet[key], gap[key]))
    prefectures = list(PREFECTURES)
    p_unmet = _cells(demand.prefecture_unmet, prefectures, limit)
    p_gap = _cells(demand.prefecture_gap, prefectures, limit)
    p_supply = prefecture_supply()
    for code, (ja, en) in PREFECTURES.items():
        out.prefectures.append(
            PrefectureRow(code, en if lang == "en" else ja, p_supply.get(code, Supply()), p_unmet[code], p_gap[code])
        )
    return out


def supply_gaps_national(*, viewer: User | AnonymousUser, lang: str) -> SupplyGaps:
    """The ministry's view: every item × level and prefecture with suppressed counts (analysts and staff)."""
    if not national_viewer_allowed(user=viewer):
        raise PermissionDenied("Supply gaps with learner counts are for ministry analysts only.")
    return supply_gaps_compute(lang=lang)


def needed_courses_allowed(*, user: User | AnonymousUser) -> bool:
    """Providers' members, staff and ministry analysts."""
    if not user.is_authenticated:
        return False
    if national_viewer_allowed(user=user) or user_has_role(user, RoleGroup.PROVIDER):
        return True
    allowed = provider_ids_for(user=user)
    return allowed is None or bool(allowed)


@dataclass(frozen=True)
class Need:
    """A course learners need that nobody offers, for providers: no count of people, only a band."""

    code: str
    name: str
    level: int
    unmet_at_least: int  # published unmet demand rounded down to a multiple of the threshold (0: under it)
    gap_at_least: int


@dataclass(frozen=True)
class PlaceNeed:
    code: str
    name: str
    unmet_at_least: int
    gap_at_least: int


def _band(cell: Cell, limit: int) -> int:
    return 0 if cell.status else (int(cell.people or 0) // limit) * limit


def needed_courses(*, viewer: User | AnonymousUser, lang: str) -> tuple[list[Need], list[PlaceNeed]]:
    """The ranking restricted to item × level with no published course (and prefectures with no in-person
    course), demand only as 'at least N' in multiples of the threshold; ranked by that band."""
    if not needed_courses_allowed(user=viewer):
        raise PermissionDenied("This page is for course providers.")
    data = supply_gaps_compute(lang=lang)
    limit = data.threshold
    needs = [
        Need(r.code, r.name, r.level, _band(r.unmet, limit), _band(r.gap, limit))
        for r in data.ranking
        if r.supply.courses == 0
    ]
    needs.sort(key=lambda n: (-n.unmet_at_least, -n.gap_at_least))  # stable: keeps the standard's order in a band
    places = [
        PlaceNeed(r.code, r.name, _band(r.unmet, limit), _band(r.gap, limit))
        for r in data.prefecture_ranking
        if r.supply.courses == 0
    ]
    places.sort(key=lambda p: (-p.unmet_at_least, -p.gap_at_least))
    return needs, places
