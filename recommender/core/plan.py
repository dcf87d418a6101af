"""The plan builder: what a career adviser would plan for a learner and their target role.

Written down in docs/recommender.md ("Plans").  In short:

- **Role focus.** The role's a/b items on which the learner is below target are the *core* gaps.  They
  are planned first, in rounds: each round takes, for every core item still below target (largest
  weighted gap first), the best course that raises it one level.  A course counts for the core only
  through its gains on core items.  c/d items only fill time left once no core course fits, and then
  at most SIDE_SHARE of the plan's hours (all of the time when the learner has no core gap).
- **Level progression.** A course of level L raises an item it teaches to at most L (and at most its
  tag's level and the role's target), and only from L-1 or above, the level reached so far in the plan.
  A course is planned only if the learner's level so far on its main item (its first tag) is at least
  L - 1.  Prerequisites must be completed, in progress or earlier in the plan.
- **Location.** Classroom courses, and blended courses with a prefecture, only in the learner's
  prefecture, or also in neighbouring ones when the learner travels; none without a prefecture.
- **Tag confidence.** A gain through an unreviewed inferred tag counts in proportion to its confidence,
  and for nothing below `min_confidence`.
- **Measured effectiveness** (off by default): with `effect_weight` > 0, a course whose completers reached less
  (more) than it claims on an item is worth less (more) when choosing a course for that item.
- **Stability.** Courses in progress stay (first); the previous plan's unstarted courses are kept, in
  their order, while they still fit and still raise something; new courses come after them.

Deterministic: every tie is broken by price, then course id.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recommender.core.gaps import GapReport
from recommender.core.geo import reachable
from skills.grades import STRONG_GRADES

# Each course costs some hours beyond its own (choosing, enrolling, switching): without this the
# choice between courses that raise the same item favours many one-hour courses.
COURSE_OVERHEAD_HOURS = 4.0
CORE_GRADES = frozenset(STRONG_GRADES)
# Side (c/d) courses may take at most this share of a plan's hours while the learner has a core gap.
SIDE_SHARE = 0.15
# Personal skills (PS) are a/b items of nearly every role: they count at this share of their weighted gap
# when choosing which core item to raise next, so a role's own specialist items lead the plan.
GENERIC_CATEGORIES = ("PS",)
GENERIC_FACTOR = 0.5
# The literacy course of a learner without literacy evidence covers at least this many of its four sections.
LITERACY_OVERVIEW = 2
IN_PERSON = frozenset({"classroom", "blended"})


@dataclass(frozen=True)
class CourseOption:
    id: int
    title: str
    level: int
    hours: float
    price_jpy: int
    format: str
    language: str
    skills: Mapping[str, int]  # item code -> level taught; the first is the course's main item
    provider: str = ""
    code: str = ""
    literacy: tuple[str, ...] = ()
    prerequisites: tuple[int, ...] = ()
    title_en: str = ""
    prefecture: str = ""
    # Unreviewed inferred tags: item code -> calibrated confidence (declared and accepted tags are facts).
    inferred: Mapping[str, float] = field(default_factory=dict)
    # A recognised course: certified (Reスキル講座, 教育訓練給付) or preparing for a named qualification.
    recognised: bool = False
    # The catalog's public-scheme flags (docs/catalog-format.md): METI's Reスキル講座, MHLW's 教育訓練給付.
    reskill_certified: bool = False
    training_benefit_eligible: bool = False
    # Measured effectiveness (docs/effectiveness.md): item code -> the level its completers reached (shrunk toward
    # the claim), only for items with enough learners; the plan ranks by it when `PlanBuilder.effect_weight` > 0.
    measured: Mapping[str, float] = field(default_factory=dict)

    @property
    def main_skill(self) -> str:
        return next(iter(self.skills), "")


@dataclass(frozen=True)
class Constraints:
    weekly_hours: float
    weeks: int
    budget_jpy: int
    free_only: bool = False
    formats: tuple[str, ...] = ()
    language: str = ""
    prefecture: str = ""
    travel: bool = False

    def __post_init__(self) -> None:
        if self.weekly_hours <= 0:
            raise ValueError("weekly_hours must be greater than 0")
        if self.weeks <= 0:
            raise ValueError("weeks must be greater than 0")
        if self.budget_jpy < 0:
            raise ValueError("budget_jpy must not be negative")
        if self.prefecture and not (
            len(self.prefecture) == 2 and self.prefecture.isdigit() and 1 <= int(self.prefecture) <= 47
        ):
            raise ValueError(f"prefecture must be a JIS code 01-47, got {self.prefecture!r}")

    @property
    def hours(self) -> float:
        return self.weekly_hours * self.weeks

    @classmethod
    def from_profile(cls, profile: Any, *, weeks: int, overrides: Mapping[str, Any] | None = None) -> Constraints:
        """A learner's limits from their profile: any object or mapping with `weekly_hours`, `budget_jpy`,
        `free_only` and optionally `preferred_formats` (or `formats`), `language`, `prefecture`, `travel`.

        Free only means a budget of 0.  `overrides` replace single fields (None: not given).  A weekly
        hours of 0 is refused like any other invalid value (ValueError naming `weekly_hours`), never
        read as some other pace."""

        def get(name: str, default: Any = None) -> Any:
            value = profile.get(name, default) if isinstance(profile, Mapping) else getattr(profile, name, default)
            return default if value is None else value

        free_only = bool(get("free_only", False))
        values: dict[str, Any] = {
            "weekly_hours": float(get("weekly_hours", 0)),
            "weeks": int(weeks),
            "budget_jpy": 0 if free_only else int(get("budget_jpy", 0)),
            "free_only": free_only,
            "formats": get("preferred_formats") or get("formats") or (),
            "language": get("language", ""),
            "prefecture": get("prefecture", ""),
            "travel": bool(get("travel", False)),
        }
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        values["formats"] = tuple(values["formats"])
        return cls(**values)


def located(course: CourseOption, limits: Constraints) -> bool:
    """Online anywhere; in person only where the learner lives (or next door, when they travel)."""
    if course.format not in IN_PERSON or (course.format == "blended" and not course.prefecture):
        return True
    return course.prefecture in reachable(limits.prefecture, travel=limits.travel)


def allowed(course: CourseOption, limits: Constraints) -> bool:
    """The learner's rules on price, format, language and location (not hours or budget)."""
    if limits.free_only and course.price_jpy > 0:
        return False
    if limits.formats and course.format not in limits.formats:
        return False
    if limits.language and course.language != limits.language:
        return False
    return located(course, limits)


@dataclass(frozen=True)
class SkillMove:
    code: str
    from_level: int
    to_level: int
    weight: float
    confidence: float = 1.0  # below 1: an unreviewed inferred tag
    core: bool = False

    @property
    def inferred(self) -> bool:
        return self.confidence < 1.0

    @property
    def gain(self) -> float:
        return (self.to_level - self.from_level) * self.weight * self.confidence


@dataclass(frozen=True)
class PlanItem:
    course: CourseOption
    moves: tuple[SkillMove, ...]
    gain: float
    gain_per_hour: float
    week: int
    reason: str  # enrolled | track | literacy | core | side
    assigned: bool = False

    @property
    def core(self) -> bool:
        """Teaches a core (a/b) item the learner still lacks."""
        return any(m.core for m in self.moves)

    @property
    def why(self) -> str:
        parts = [f"{m.code} {m.from_level}→{m.to_level}" for m in self.moves]
        head = {
            "enrolled": "In progress",
            "track": "Assigned by your employer",
            "literacy": "DX literacy first",
            "core": "Raises",
            "side": "Also raises",
        }[self.reason]
        return f"{head}: {', '.join(parts)}" if parts else head


@dataclass(frozen=True)
class ItemProgress:
    """Where one core item stands: now, after the plan, and the role's target."""

    code: str
    grade: str
    current: int
    planned: int
    target: int


@dataclass(frozen=True)
class Plan:
    items: tuple[PlanItem, ...]
    hours: float
    price_jpy: int
    gain: float
    total_gap: float
    weeks_needed: int
    message: str = ""
    core: tuple[ItemProgress, ...] = ()  # the core gaps: now, after the plan, target
    unmet: tuple[str, ...] = ()  # core items below target that no allowed course can raise further
    core_items: int = 0  # the role's a/b items

    @property
    def coverage(self) -> float:
        return 1.0 if self.total_gap == 0 else round(min(1.0, self.gain / self.total_gap), 4)

    @property
    def core_at_target_now(self) -> int:
        """Of the role's a/b items, how many the learner already meets."""
        return self.core_items - sum(1 for p in self.core if p.current < p.target)

    @property
    def core_at_target_after(self) -> int:
        """... and how many after this plan."""
        return self.core_items - sum(1 for p in self.core if p.planned < p.target)


class Catalog:
    """The courses, indexed once per catalog version (by id, by item, by (item, level) step, literacy courses):
    a plan scans only the courses that can take one of the learner's gap items one level up, so its cost
    follows those, not the catalog's size."""

    def __init__(self, courses: Sequence[CourseOption]) -> None:
        self.courses = list(courses)
        self.by_id = {c.id: c for c in self.courses}
        by_item: dict[str, list[CourseOption]] = {}
        for c in self.courses:
            for code in c.skills:
                by_item.setdefault(code, []).append(c)
        self.by_item = by_item
        # (item, level L) -> the level-L courses that teach the item at L or above: the courses that can take
        # a learner from L-1 to L on it (a course of level L raises an item to at most L, only from L-1).
        steps: dict[tuple[str, int], list[CourseOption]] = {}
        for c in self.courses:
            for code, taught in c.skills.items():
                if taught >= c.level:
                    steps.setdefault((code, c.level), []).append(c)
        self.steps = steps
        self.literacy = [c for c in self.courses if c.literacy]

    def __len__(self) -> int:
        return len(self.courses)


_Chosen = tuple[CourseOption, tuple[SkillMove, ...], str, bool]
_GainOf = Callable[[tuple[SkillMove, ...]], float]


@dataclass
class PlanBuilder:
    max_items: int = 12
    min_confidence: float = 0.5
    literacy_sections: tuple[str, ...] = ("WHY", "WHAT", "HOW", "MIND")
    # How much a course's measured level on an item, against the level it claims, scales its value when
    # choosing a course for that item: value * max(0, 1 + effect_weight * (measured - claimed)).  0: off.
    effect_weight: float = 0.0

    def allowed(self, course: CourseOption, limits: Constraints) -> bool:
        return allowed(course, limits)

    def confidence(self, course: CourseOption, code: str) -> float:
        """How much a gain through this tag counts: 1 for a fact, the confidence for an inferred tag, 0 below
        the threshold."""
        if code not in course.inferred:
            return 1.0
        value = float(course.inferred[code])
        return 0.0 if value < self.min_confidence else min(1.0, value)

    def effect_factor(self, course: CourseOption, code: str) -> float:
        """How a course's measured effectiveness on `code` scales its value: 1 when off or not measured."""
        if not self.effect_weight or code not in course.measured or code not in course.skills:
            return 1.0
        return max(0.0, 1.0 + self.effect_weight * (float(course.measured[code]) - course.skills[code]))

    def build(
        self,
        *,
        gaps: GapReport,
        courses: Sequence[CourseOption] | Catalog,
        limits: Constraints,
        exclude: frozenset[int] = frozenset(),
        assigned: Sequence[int] = (),
        enrolled: Sequence[int] = (),
        previous: Sequence[int] = (),
        current: Mapping[str, int] | None = None,
    ) -> Plan:
        """The plan.  `exclude`: completed or dropped courses; `enrolled`: courses in progress (they stay, first);
        `assigned`: the employer's track courses; `previous`: the last plan's unstarted courses, in order;
        `current`: the learner's level on every item (default: the gaps' current levels)."""
        catalog = courses if isinstance(courses, Catalog) else Catalog(courses)
        by_id = catalog.by_id
        gap_of = gaps.by_code()
        targets = {g.code: g.target for g in gaps.gaps}
        weights = {g.code: g.weight for g in gaps.gaps}
        core_codes = {g.code for g in gaps.gaps if g.grade in CORE_GRADES}
        levels: dict[str, int] = dict(current or {})
        for g in gaps.gaps:
            levels[g.code] = g.current
        hours_left, budget_left = limits.hours, limits.budget_jpy
        chosen: list[_Chosen] = []
        taken: set[int] = set(exclude)
        done_or_planned: set[int] = set(exclude)

        def moves_of(course: CourseOption) -> tuple[SkillMove, ...]:
            moves = []
            for code, taught in course.skills.items():
                if code not in targets:
                    continue
                # A course of level L raises an item to at most L (and its tag, and the target), only from L-1 up.
                reach = min(taught, course.level, targets[code])
                if reach <= levels.get(code, 0) or levels.get(code, 0) < course.level - 1:
                    continue
                confidence = self.confidence(course, code)
                if confidence <= 0:
                    continue
                moves.append(
                    SkillMove(code, levels.get(code, 0), reach, weights[code], round(confidence, 3), code in core_codes)
                )
            return tuple(sorted(moves, key=lambda m: (not m.core, m.code)))

        def ready(course: CourseOption) -> bool:
            """Level and prerequisites: not above the learner's reach on its main item; prerequisites met."""
            main = course.main_skill
            if main and levels.get(main, 0) < course.level - 1:
                return False
            return all(p in done_or_planned or p not in by_id for p in course.prerequisites)

        def fits(course: CourseOption) -> bool:
            return (
                course.id not in taken
                and allowed(course, limits)
                and course.hours <= hours_left + 1e-9
                and course.price_jpy <= budget_left
                and ready(course)
            )

        def take(course: CourseOption, reason: str, assigned_flag: bool = False) -> None:
            nonlocal hours_left, budget_left
            moves = moves_of(course)
            for move in moves:
                levels[move.code] = move.to_level
            chosen.append((course, moves, reason, assigned_flag))
            taken.add(course.id)
            done_or_planned.add(course.id)
            hours_left -= course.hours
            if not assigned_flag:
                budget_left -= course.price_jpy

        def core_gain(moves: tuple[SkillMove, ...]) -> float:
            return sum(m.gain for m in moves if m.core)

        # 1. Courses in progress stay, first; then the employer's track, in its order.
        for course_id in enrolled:
            course = by_id.get(course_id)
            if course is not None and course.id not in taken:
                take(course, "enrolled")
        for course_id in assigned:
            course = by_id.get(course_id)
            if course is not None and course.id not in taken and course.hours <= hours_left + 1e-9:
                take(course, "track", True)

        # 2. The previous plan's unstarted courses, in their order, while they fit and still raise something.
        for course_id in previous:
            course = by_id.get(course_id)
            if len(chosen) >= self.max_items or course is None or not fits(course):
                continue
            moves = moves_of(course)
            if core_gain(moves) > 0:
                take(course, "core")
            elif course.literacy and gaps.needs_literacy and not any(c.literacy for c, *_ in chosen):
                take(course, "literacy")
            elif any(m.gain > 0 for m in moves):
                take(course, "side")

        # 3. DX literacy first for a learner with no literacy evidence: one course, an overview (at least
        # LITERACY_OVERVIEW of the standard's sections: why, what, how, mind) rather than a side topic, preferring
        # one that also raises a core item, then the one covering more sections, then the shortest.
        if gaps.needs_literacy and not any(c.literacy for c, *_ in chosen):
            literacy = [c for c in catalog.literacy if fits(c)]
            if literacy:
                best = min(
                    literacy,
                    key=lambda c: (
                        len(set(c.literacy) & set(self.literacy_sections)) < LITERACY_OVERVIEW,
                        -core_gain(moves_of(c)),
                        -len(set(c.literacy) & set(self.literacy_sections)),
                        c.hours,
                        c.price_jpy,
                        c.id,
                    ),
                )
                take(best, "literacy")

        def priority(code: str) -> float:
            """How much the next level of `code` matters: its weighted gap left, personal skills at half."""
            factor = GENERIC_FACTOR if code[:2] in GENERIC_CATEGORIES else 1.0
            return (targets[code] - levels.get(code, 0)) * weights[code] * factor

        def best_for(codes: Sequence[str], gain_of: _GainOf, max_hours: float) -> CourseOption | None:
            """The course for the next level of one of `codes` (the items tied for the most pressing gap): one
            whose main item it is first (a course about the item rather than one touching it), then a
            recognised course (certified, or preparing for a named qualification), then the most gain per hour
            (with the overhead; scaled by the measured effectiveness when `effect_weight` is on), price, id."""
            best, best_key = None, None
            for code in codes:
                # Only a course of level L = (level so far + 1) that teaches the item at L or above can raise
                # it one level: the index holds exactly those, so a plan scans a few courses per step.
                for course in catalog.steps.get((code, levels.get(code, 0) + 1), ()):
                    if course.hours > max_hours + 1e-9 or not fits(course):
                        continue
                    moves = moves_of(course)
                    if not any(m.code == code for m in moves):
                        continue
                    value = gain_of(moves) / (course.hours + COURSE_OVERHEAD_HOURS)
                    if self.effect_weight:
                        value *= self.effect_factor(course, code)
                    key = (
                        course.main_skill != code,
                        not course.recognised,
                        -round(value, 9),
                        course.price_jpy,
                        course.id,
                    )
                    if best_key is None or key < best_key:
                        best, best_key = course, key
            return best

        def steps(codes: set[str], reason: str, gain_of: _GainOf, cap: list[float] | None = None) -> None:
            """Raise, one level at a time, the open items with the most pressing gap left (`priority`; ties taken
            together) for which a course fits; `cap`: the hours these steps may use."""
            blocked: set[str] = set()
            while len(chosen) < self.max_items:
                open_codes = [c for c in codes if levels.get(c, 0) < targets[c] and c not in blocked]
                if not open_codes:
                    return
                top = max(priority(c) for c in open_codes)
                tied = sorted(c for c in open_codes if priority(c) >= top - 1e-9)
                course = best_for(tied, gain_of, math.inf if cap is None else cap[0])
                if course is None:
                    blocked.update(tied)
                    continue
                if cap is not None:
                    cap[0] -= course.hours
                take(course, reason)
                blocked.clear()  # a level reached can make a course ready for an item that had none

        # 4. Core steps: the core item with the largest weighted gap left, one level at a time.
        steps(core_codes, "core", core_gain)

        # 5. c/d items fill the time left, within SIDE_SHARE of the plan while a core gap remains.
        side_codes = set(targets) - core_codes
        if side_codes:
            core_hours = sum(c.hours for c, ms, _r, _a in chosen if any(m.core for m in ms))
            side_hours = sum(c.hours for c, ms, _r, _a in chosen if not any(m.core for m in ms))
            if core_hours or self._core_open(levels, targets, core_codes):
                cap = [max(0.0, core_hours * SIDE_SHARE / (1 - SIDE_SHARE) - side_hours)]
            else:
                cap = [hours_left]
            steps(side_codes, "side", lambda moves: sum(m.gain for m in moves), cap)

        # Items with no course: core items below target that no allowed course could raise one level more.
        unmet = []
        for code in sorted(core_codes, key=lambda c: (-(targets[c] - levels.get(c, 0)) * weights[c], c)):
            level = levels.get(code, 0)
            if level >= targets[code]:
                continue
            if not any(
                c.id not in taken and self.confidence(c, code) > 0 and allowed(c, limits)
                for c in catalog.steps.get((code, level + 1), ())
            ):
                unmet.append(code)

        items, week_hours = [], 0.0
        for course, moves, reason, assigned_flag in _foundations_first(chosen):
            week = int(week_hours // limits.weekly_hours) + 1
            week_hours += course.hours
            gain = sum(m.gain for m in moves)
            items.append(
                PlanItem(
                    course=course,
                    moves=moves,
                    gain=round(gain, 4),
                    gain_per_hour=round(gain / course.hours, 4) if course.hours else 0.0,
                    week=week,
                    reason=reason,
                    assigned=assigned_flag,
                )
            )
        total_hours = sum(c.hours for c, *_ in chosen)
        progress = tuple(
            ItemProgress(g.code, g.grade, g.current, levels.get(g.code, g.current), g.target)
            for g in sorted(gap_of.values(), key=lambda g: (-g.weighted, g.code))
            if g.grade in CORE_GRADES
        )
        message = ""
        if not gaps.gaps and not gaps.needs_literacy:
            message = "No gaps: you already meet every target of your role."
        elif not items:
            message = "No course fits your limits; allow more time, budget or formats."
        return Plan(
            items=tuple(items),
            hours=round(total_hours, 1),
            price_jpy=sum(c.price_jpy for c, _m, _r, a in chosen if not a),
            gain=round(sum(i.gain for i in items), 4),
            total_gap=round(gaps.total_weighted, 4),
            weeks_needed=math.ceil(total_hours / limits.weekly_hours) if total_hours else 0,
            message=message,
            core=progress,
            unmet=tuple(unmet),
            core_items=max(gaps.core_items, len(progress)),
        )

    @staticmethod
    def _core_open(levels: Mapping[str, int], targets: Mapping[str, int], core_codes: set[str]) -> bool:
        return any(levels.get(c, 0) < targets[c] for c in core_codes)


def _foundations_first(chosen: list[_Chosen]) -> list[_Chosen]:
    """Courses in progress, the employer's track and the literacy course stay first, in their order; the rest
    by course level (a stable sort, so kept courses keep their order), prerequisites before what needs them.

    Always a valid ladder: a course of level L moves an item from L-1 to L, so the course that took an item to
    L-1 has level L-1 and comes before any level-L course that needs it."""
    fixed = [c for c in chosen if c[2] in ("enrolled", "track", "literacy")]
    rest = [c for c in chosen if c[2] not in ("enrolled", "track", "literacy")]
    ids = {c[0].id for c in rest}
    pending = sorted(rest, key=lambda c: c[0].level)  # stable: selection order within a level
    out: list[_Chosen] = []
    placed: set[int] = set()
    while pending:
        for index, entry in enumerate(pending):
            if all(p in placed or p not in ids for p in entry[0].prerequisites):
                out.append(entry)
                placed.add(entry[0].id)
                pending.pop(index)
                break
        else:  # a cycle cannot happen (the catalog refuses them); keep the order rather than loop
            out.extend(pending)
            break
    return fixed + out
