"""The capstone rule: when to propose a case-based program (マナビDXクエスト style) after the plan.

Plain Python (no Django).  A learner is ready for a capstone when every **core item** of their target
role (the items the role grades a or b) is at level 2 or more.  A cohort fits when

- its application deadline has not passed (on or after `today`),
- it starts on or after `today` and ends within `horizon_weeks` of today (their dates),
- its hours per week fit within the learner's weekly study hours, and
- it is online, or its region is the learner's prefecture.

Among fitting cohorts the earliest start wins (then fewer hours per week, then the course id), so the
answer is deterministic.  Returns None when the learner is not ready or nothing fits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from skills.grades import STRONG_GRADES

CORE_GRADES = STRONG_GRADES
READY_LEVEL = 2
HORIZON_WEEKS = 26


@dataclass(frozen=True)
class Cohort:
    course_id: int
    cohort_starts_on: date
    cohort_ends_on: date
    application_deadline: date
    hours_per_week: float
    online: bool
    region: str  # prefecture code of the case company ('' when not given)


@dataclass(frozen=True)
class Capstone:
    course_id: int
    reason: str
    core_items: tuple[str, ...]


def core_items(requirements: Mapping[str, str]) -> tuple[str, ...]:
    """The role's core items: graded a or b, in code order."""
    return tuple(sorted(code for code, grade in requirements.items() if grade in CORE_GRADES))


def choose_capstone(
    *,
    requirements: Mapping[str, str],
    current: Mapping[str, int],
    cohorts: Sequence[Cohort],
    today: date,
    prefecture: str,
    weekly_hours: float,
    horizon_weeks: int = HORIZON_WEEKS,
    ready_level: int = READY_LEVEL,
) -> Capstone | None:
    """The case-based program to propose as a capstone, or None (see the module docstring)."""
    core = core_items(requirements)
    if not core or any(current.get(code, 0) < ready_level for code in core):
        return None
    last_day = today + timedelta(weeks=horizon_weeks)
    fitting = [
        c
        for c in cohorts
        if c.application_deadline >= today
        and c.cohort_starts_on >= today
        and c.cohort_ends_on <= last_day
        and c.hours_per_week <= weekly_hours
        and (c.online or (bool(prefecture) and c.region == prefecture))
    ]
    if not fitting:
        return None
    best = min(fitting, key=lambda c: (c.cohort_starts_on, c.hours_per_week, c.course_id))
    where = "online" if best.online else f"in prefecture {best.region}"
    reason = (
        f"Your {len(core)} core skills are at level {ready_level} or more: put them to work on a real company's "
        f"case in a team ({where}, {best.hours_per_week:g} h/week, apply by {best.application_deadline.isoformat()})."
    )
    return Capstone(course_id=best.course_id, reason=reason, core_items=core)
