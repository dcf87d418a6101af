"""The plan suite: plans for the blind learner cases in plan_cases.json, measured against what an adviser
expects (docs/recommender.md, "Plan evaluation").  Plain Python: the caller supplies the catalog's course
options and a function from (role, levels, literacy evidence) to the gap report.

Every figure is recomputed here from the plan and the case, not taken from the plan builder's own
bookkeeping: levels are replayed course by course, locations checked against the neighbour table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from recommender.core.gaps import GapReport
from recommender.core.geo import reachable
from recommender.core.plan import (
    CORE_GRADES,
    GENERIC_CATEGORIES,
    IN_PERSON,
    Catalog,
    Constraints,
    CourseOption,
    Plan,
    PlanBuilder,
)
from recommender.evaluation.metrics import must_cover_share, violations

CASES = Path(__file__).resolve().parent / "plan_cases.json"
# The frozen file's hash (recorded when it was copied in; docs/recommender.md): the suite refuses another file.
CASES_SHA256 = "123efd6756f145cddb942b0dbbf61f2183c5385c00c7e5a440296170adc581fa"
TARGETS = {"core_focus": 0.85, "level_jumps": 0, "must_cover": 0.90, "violations": 0, "stability": 0.8}

GapsFor = Callable[[str, Mapping[str, int], bool], GapReport]


@dataclass
class CaseResult:
    id: str
    role: str
    courses: int
    hours: float
    core_hours: float
    specialist_hours: float
    recognised_hours: float
    level_jumps: list[str]
    must_cover: float
    violations: list[str]
    location_violations: list[str]
    kept: int  # after completing the first course: unstarted items kept...
    previous: int  # ... of this many
    same_order: bool
    unmet: list[str]
    uncoverable: list[str] = field(default_factory=list)


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    """The frozen cases; ValueError if the file is not the one frozen (a case must never change)."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if path == CASES and digest != CASES_SHA256:
        raise ValueError(f"{path.name} changed since it was frozen (sha256 {digest}, expected {CASES_SHA256})")
    cases: list[dict[str, Any]] = json.loads(data)
    return cases


def limits_of(case: Mapping[str, Any]) -> Constraints:
    c = case["constraints"]
    return Constraints.from_profile(
        c, weeks=c["weeks"], overrides={"prefecture": case.get("prefecture", ""), "travel": case.get("travel", False)}
    )


def declared_only(courses: Sequence[CourseOption]) -> list[CourseOption]:
    """The catalog with its declared and accepted tags only: the suite measures the planner, whatever the
    tagger has proposed in this database (so the figures are the same on every database)."""
    out = []
    for c in courses:
        if c.inferred:
            c = replace(c, skills={k: v for k, v in c.skills.items() if k not in c.inferred}, inferred={})
        out.append(c)
    return out


def level_jumps(plan: Plan, levels: Mapping[str, int]) -> list[str]:
    """Courses more than one level above the learner's level so far on their main item (levels replayed)."""
    reached = dict(levels)
    out = []
    for item in plan.items:
        main = item.course.main_skill
        if main and item.course.level - reached.get(main, 0) > 1:
            out.append(f"{item.course.code}: level {item.course.level}, {main} at {reached.get(main, 0)}")
        for m in item.moves:
            if m.to_level - max(m.from_level, reached.get(m.code, 0)) > 1 or m.from_level < reached.get(m.code, 0):
                out.append(f"{item.course.code}: {m.code} {m.from_level}→{m.to_level} with {reached.get(m.code, 0)}")
            reached[m.code] = max(reached.get(m.code, 0), m.to_level)
    return out


def location_violations(plan: Plan, limits: Constraints) -> list[str]:
    places = reachable(limits.prefecture, travel=limits.travel)
    out = []
    for item in plan.items:
        c = item.course
        if c.format in IN_PERSON and c.prefecture and c.prefecture not in places:
            out.append(f"{c.code} in {c.prefecture}, learner in {limits.prefecture or 'no prefecture'}")
    return out


def core_hours(plan: Plan, gaps: GapReport, levels: Mapping[str, int]) -> float:
    """Hours on courses that teach an a/b item the learner still lacks when they take it (levels replayed)."""
    core = {g.code: g.target for g in gaps.gaps if g.grade in CORE_GRADES}
    reached = dict(levels)
    hours = 0.0
    for item in plan.items:
        if any(
            m.code in core and reached.get(m.code, 0) < core[m.code] and m.to_level > m.from_level for m in item.moves
        ):
            hours += item.course.hours
        for m in item.moves:
            reached[m.code] = max(reached.get(m.code, 0), m.to_level)
    return hours


def specialist_hours(plan: Plan, gaps: GapReport, levels: Mapping[str, int]) -> float:
    """Hours on courses that raise one of the role's own a/b items the learner lacks, personal skills (common to
    every role) aside: the courses that build the role."""
    specialist = {
        g.code: g.target for g in gaps.gaps if g.grade in CORE_GRADES and g.code[:2] not in GENERIC_CATEGORIES
    }
    reached = dict(levels)
    hours = 0.0
    for item in plan.items:
        if any(m.code in specialist and reached.get(m.code, 0) < specialist[m.code] for m in item.moves):
            hours += item.course.hours
        for m in item.moves:
            reached[m.code] = max(reached.get(m.code, 0), m.to_level)
    return hours


def run_case(
    case: Mapping[str, Any], *, courses: Sequence[CourseOption] | Catalog, gaps_for: GapsFor, builder: PlanBuilder
) -> CaseResult:
    limits = limits_of(case)
    levels = {k: int(v) for k, v in case["levels"].items()}
    gaps = gaps_for(case["role"], levels, bool(case["literacy_evidence"]))
    plan = builder.build(gaps=gaps, courses=courses, limits=limits, current=levels)
    # Stability: the learner completes the first course; the plan is made again from the previous one.
    kept, previous, same_order = 0, 0, True
    if len(plan.items) >= 2:
        first = plan.items[0]
        after = dict(levels)
        for m in first.moves:
            after[m.code] = max(after.get(m.code, 0), m.to_level)
        rest = [i.course.id for i in plan.items[1:]]
        again = builder.build(
            gaps=gaps_for(case["role"], after, True),
            courses=courses,
            limits=limits,
            exclude=frozenset({first.course.id}),
            previous=rest,
            current=after,
        )
        ids = [i.course.id for i in again.items]
        kept_ids = [c for c in rest if c in ids]
        kept, previous = len(kept_ids), len(rest)
        same_order = [c for c in ids if c in set(rest)] == kept_ids
    return CaseResult(
        id=case["id"],
        role=case["role"],
        courses=len(plan.items),
        hours=plan.hours,
        core_hours=core_hours(plan, gaps, levels),
        specialist_hours=specialist_hours(plan, gaps, levels),
        recognised_hours=sum(i.course.hours for i in plan.items if i.course.recognised),
        level_jumps=level_jumps(plan, levels),
        must_cover=must_cover_share(plan, case["must_cover"]),
        violations=violations(plan, limits),
        location_violations=location_violations(plan, limits),
        kept=kept,
        previous=previous,
        same_order=same_order,
        unmet=list(plan.unmet),
        uncoverable=list(case.get("uncoverable", [])),
    )


def summarize(results: Sequence[CaseResult]) -> dict[str, Any]:
    """The suite's figures: pooled over plan hours (core focus) and over cases (must-cover), counts of jumps
    and violations, and the share of unstarted items kept after a completion."""
    hours = sum(r.hours for r in results)
    previous = sum(r.previous for r in results)
    partial = [r for r in results if r.uncoverable]
    named = sum(len(set(r.uncoverable) & set(r.unmet)) for r in partial)
    return {
        "cases": len(results),
        "core_focus": round(sum(r.core_hours for r in results) / hours, 3) if hours else 1.0,
        "specialist_focus": round(sum(r.specialist_hours for r in results) / hours, 3) if hours else 1.0,
        "recognised_share": round(sum(r.recognised_hours for r in results) / hours, 3) if hours else 0.0,
        "core_focus_worst_case": round(min((r.core_hours / r.hours for r in results if r.hours), default=1.0), 3),
        "level_jumps": sum(len(r.level_jumps) for r in results),
        "must_cover": round(sum(r.must_cover for r in results) / len(results), 3) if results else 1.0,
        "must_cover_cases_full": sum(1 for r in results if r.must_cover == 1.0),
        "violations": sum(len(r.violations) for r in results),
        "location_violations": sum(len(r.location_violations) for r in results),
        "stability": round(sum(r.kept for r in results) / previous, 3) if previous else 1.0,
        "stability_same_order": sum(1 for r in results if r.same_order),
        "empty_plans": sum(1 for r in results if not r.courses),
        "uncoverable_named": f"{named}/{sum(len(r.uncoverable) for r in partial)}",
        "courses_per_plan": round(sum(r.courses for r in results) / len(results), 1) if results else 0.0,
        "hours_per_plan": round(hours / len(results), 1) if results else 0.0,
    }


def table(summary: Mapping[str, Any]) -> list[str]:
    rows = [
        ("cases", summary["cases"], ""),
        ("core focus (share of plan hours on a/b items the learner lacks)", summary["core_focus"], "≥ 0.85"),
        ("  lowest single plan", summary["core_focus_worst_case"], ""),
        ("  of which the role's own items (personal skills aside)", summary["specialist_focus"], ""),
        ("share of plan hours on recognised courses (certified or exam preparation)", summary["recognised_share"], ""),
        ("level jumps (course > 1 level above the main item so far)", summary["level_jumps"], "= 0"),
        ("must-cover coverage", summary["must_cover"], "≥ 0.90"),
        ("  cases with every must-cover item", f"{summary['must_cover_cases_full']}/{summary['cases']}", ""),
        ("constraint violations (hours, budget, price, format, language)", summary["violations"], "= 0"),
        ("location violations", summary["location_violations"], "= 0"),
        ("stability (unstarted items kept after completing the first)", summary["stability"], "≥ 0.8"),
        ("  plans whose kept items stay in order", f"{summary['stability_same_order']}/{summary['cases']}", ""),
        ("uncoverable items named in the plan's message (partial cases)", summary["uncoverable_named"], ""),
        ("empty plans", summary["empty_plans"], ""),
        ("courses / hours per plan (mean)", f"{summary['courses_per_plan']} / {summary['hours_per_plan']}", ""),
    ]
    out = ["| figure | value | target |", "|---|---|---|"]
    out += [f"| {name} | {value} | {target} |" for name, value, target in rows]
    return out
