"""The plan builder: courses that close the most weighted gap per hour, within the learner's limits.

Objective: maximise the weighted gap closed, Σ over items of weight(grade) × levels gained (never
beyond the target), subject to total hours ≤ weekly hours × weeks, total price ≤ budget (price 0
only when free_only), allowed formats and language, and leaving out completed and enrolled courses.

Grade weights (a 8, b 4, c 1, d 0.5) and the per-course overhead were chosen on the learner cases in
recommender/evaluation/ (see docs/recommender.md).

Algorithm (greedy by value density, which is the classic approximation for this knapsack-like
cover problem): employer-assigned track courses first, in track order; then repeatedly take the
course with the highest weighted gain per hour, given the levels reached so far (so a gap closed by
an earlier pick earns nothing more), skipping courses that no longer fit; stop when no course adds
gain.  A learner without DX literacy evidence gets the best literacy course first.  The chosen
courses are then ordered by prerequisites, then level, and scheduled week by week.
Deterministic: every tie is broken by course id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from recommender.core.gaps import GapReport

# Each course costs some hours beyond its own (choosing, enrolling, switching): without this the
# greedy choice favours many one-hour courses over the course that really closes a gap.
COURSE_OVERHEAD_HOURS = 4.0


@dataclass(frozen=True)
class CourseOption:
    id: int
    title: str
    level: int
    hours: float
    price_jpy: int
    format: str
    language: str
    skills: Mapping[str, int]  # item code -> level taught
    provider: str = ""
    code: str = ""
    literacy: tuple[str, ...] = ()
    prerequisites: tuple[int, ...] = ()
    title_en: str = ""


@dataclass(frozen=True)
class Constraints:
    weekly_hours: float
    weeks: int
    budget_jpy: int
    free_only: bool = False
    formats: tuple[str, ...] = ()
    language: str = ""

    def __post_init__(self) -> None:
        if self.weekly_hours <= 0:
            raise ValueError("weekly_hours must be greater than 0")
        if self.weeks <= 0:
            raise ValueError("weeks must be greater than 0")
        if self.budget_jpy < 0:
            raise ValueError("budget_jpy must not be negative")

    @property
    def hours(self) -> float:
        return self.weekly_hours * self.weeks


@dataclass(frozen=True)
class SkillMove:
    code: str
    from_level: int
    to_level: int
    weight: float


@dataclass(frozen=True)
class PlanItem:
    course: CourseOption
    moves: tuple[SkillMove, ...]
    gain: float
    gain_per_hour: float
    week: int
    reason: str  # track | literacy | gap
    assigned: bool = False

    @property
    def why(self) -> str:
        parts = [f"{m.code} {m.from_level}→{m.to_level}" for m in self.moves]
        head = {"track": "Assigned by your employer", "literacy": "DX literacy first", "gap": "Closes"}[self.reason]
        return f"{head}: {', '.join(parts)}" if parts else head


@dataclass(frozen=True)
class Plan:
    items: tuple[PlanItem, ...]
    hours: float
    price_jpy: int
    gain: float
    total_gap: float
    weeks_needed: int
    message: str = ""

    @property
    def coverage(self) -> float:
        return 1.0 if self.total_gap == 0 else round(self.gain / self.total_gap, 4)


@dataclass
class PlanBuilder:
    max_items: int = 12
    literacy_sections: tuple[str, ...] = ("WHY", "WHAT", "HOW", "MIND")
    _log: list[str] = field(default_factory=list, repr=False)

    def allowed(self, course: CourseOption, limits: Constraints) -> bool:
        if limits.free_only and course.price_jpy > 0:
            return False
        if limits.formats and course.format not in limits.formats:
            return False
        return not (limits.language and course.language != limits.language)

    def build(
        self,
        *,
        gaps: GapReport,
        courses: Sequence[CourseOption],
        limits: Constraints,
        exclude: frozenset[int] = frozenset(),
        assigned: Sequence[int] = (),
    ) -> Plan:
        by_id = {c.id: c for c in courses}
        targets = {g.code: g.target for g in gaps.gaps}
        weights = {g.code: g.weight for g in gaps.gaps}
        levels = {g.code: g.current for g in gaps.gaps}
        hours_left, budget_left = limits.hours, limits.budget_jpy
        chosen: list[tuple[CourseOption, tuple[SkillMove, ...], float, str, bool]] = []
        taken: set[int] = set(exclude)

        def moves_of(course: CourseOption) -> tuple[tuple[SkillMove, ...], float]:
            moves, gain = [], 0.0
            for code, taught in sorted(course.skills.items()):
                if code in targets:
                    reach = min(taught, targets[code])
                    if reach > levels[code]:
                        moves.append(SkillMove(code, levels[code], reach, weights[code]))
                        gain += (reach - levels[code]) * weights[code]
            return tuple(moves), gain

        def take(course: CourseOption, reason: str, assigned_flag: bool) -> None:
            nonlocal hours_left, budget_left
            moves, gain = moves_of(course)
            for move in moves:
                levels[move.code] = move.to_level
            chosen.append((course, moves, gain, reason, assigned_flag))
            taken.add(course.id)
            hours_left -= course.hours
            if not assigned_flag:
                budget_left -= course.price_jpy

        # 1. The employer's track, in its order (the employer pays; hours still count).
        for course_id in assigned:
            course = by_id.get(course_id)
            if course is not None and course.id not in taken and course.hours <= hours_left:
                take(course, "track", True)

        def fits(course: CourseOption) -> bool:
            return (
                course.id not in taken
                and self.allowed(course, limits)
                and course.hours <= hours_left + 1e-9
                and course.price_jpy <= budget_left
            )

        # 2. DX literacy first for a learner with no literacy evidence.
        if gaps.needs_literacy:
            literacy = [c for c in courses if c.literacy and fits(c)]
            if literacy:
                best = min(
                    literacy,
                    key=lambda c: (-len(set(c.literacy) & set(self.literacy_sections)), c.hours, c.price_jpy, c.id),
                )
                take(best, "literacy", False)

        # 3. Greedy by weighted gain per hour on what remains.  Only courses that teach a gap item
        # and meet the learner's format, language and price rules can ever be chosen: filter once.
        candidates = [
            c for c in courses if self.allowed(c, limits) and c.id not in taken and any(k in targets for k in c.skills)
        ]
        while len(chosen) < self.max_items:
            best_course, best_value = None, 0.0
            for course in candidates:
                if not fits(course):
                    continue
                _moves, gain = moves_of(course)
                if gain <= 0:
                    continue
                value = gain / (course.hours + COURSE_OVERHEAD_HOURS)
                if (
                    best_course is None
                    or value > best_value + 1e-12
                    or (
                        abs(value - best_value) <= 1e-12
                        and (course.price_jpy, course.id) < (best_course.price_jpy, best_course.id)
                    )
                ):
                    best_course, best_value = course, value
            if best_course is None:
                break
            take(best_course, "gap", False)

        ordered = _order(chosen)
        items, week_hours = [], 0.0
        for course, moves, gain, reason, assigned_flag in ordered:
            week = int(week_hours // limits.weekly_hours) + 1
            week_hours += course.hours
            items.append(
                PlanItem(
                    course=course,
                    moves=moves,
                    gain=round(gain, 4),
                    gain_per_hour=round(gain / (course.hours + COURSE_OVERHEAD_HOURS), 4),
                    week=week,
                    reason=reason,
                    assigned=assigned_flag,
                )
            )
        total_hours = sum(c.hours for c, *_ in chosen)
        message = ""
        if not gaps.gaps and not gaps.needs_literacy:
            message = "No gaps: you already meet every target of your role."
        elif not items:
            message = "No course fits your limits; allow more time, budget or formats."
        return Plan(
            items=tuple(items),
            hours=round(total_hours, 1),
            price_jpy=sum(c.price_jpy for c, _m, _g, _r, a in chosen if not a),
            gain=round(sum(g for _c, _m, g, _r, _a in chosen), 4),
            total_gap=round(gaps.total_weighted, 4),
            weeks_needed=math.ceil(total_hours / limits.weekly_hours) if total_hours else 0,
            message=message,
        )


def _order(
    chosen: list[tuple[CourseOption, tuple[SkillMove, ...], float, str, bool]],
) -> list[tuple[CourseOption, tuple[SkillMove, ...], float, str, bool]]:
    """Track courses first; then prerequisites before the courses that need them, lower levels first."""
    ids = {c.id for c, *_ in chosen}
    rank = {"track": 0, "literacy": 1, "gap": 2}
    remaining = sorted(chosen, key=lambda t: (rank[t[3]], t[0].level, t[0].id))
    out: list[tuple[CourseOption, tuple[SkillMove, ...], float, str, bool]] = []
    placed: set[int] = set()
    while remaining:
        for index, entry in enumerate(remaining):
            needs = [p for p in entry[0].prerequisites if p in ids and p not in placed]
            if not needs:
                out.append(entry)
                placed.add(entry[0].id)
                remaining.pop(index)
                break
        else:  # a cycle cannot happen (the catalog refuses them); keep the order rather than loop
            out.extend(remaining)
            break
    return out
