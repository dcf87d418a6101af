"""An employer's what-if (docs/what-if.md): the plans the planner would give a group of members for a target
role under a budget per person, weekly hours and a deadline; the totals (cost, hours, weeks), the share of core
items at target by the deadline, the part of the cost eligible for public schemes (an estimate) and, with a
second budget, the two side by side.

Read-only (a selector): nothing is stored, no plan, no track, no assignment.  `recommender.services.
what_if_confirm` turns a scenario into a track once the employer confirms.

Consent: a member's levels are read only if they share them with their employer (`share_levels`); the others
are planned as beginners (no level read, no literacy evidence), so the answer shows nothing the employer may
not see.  A role group (`role:<CODE>`) holds the members who share that target role.

Fast for large groups: the role, the catalog index and the builder are prepared once for the group, levels are
read in one query, and members with the same levels share one plan (the builder is deterministic).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from common.limits import WEEKS_MAX, WEEKS_MIN, budget_problem, weekly_hours_problem
from common.messages import Message
from learners.models import LearnerProfile, Organization
from learners.selectors import current_levels_of, members_of
from recommender.core.gaps import analyze_gaps
from recommender.core.plan import Catalog, Constraints, Plan, PlanBuilder
from recommender.engine import course_catalog
from recommender.inputs import RoleProfile, catalog_state, role_profile
from recommender.planning import plan_builder
from skills.models import Role
from skills.selectors import standard_version_get

# The public schemes a course's catalog flag makes it eligible for (the rates: settings.WHATIF_SUBSIDY_RATES).
SCHEMES = (
    # key, name, the CourseOption flag, who receives it
    ("jinzai_kaihatsu", "人材開発支援助成金", "reskill_certified", "employer"),
    ("kyoiku_kunren", "教育訓練給付", "training_benefit_eligible", "learner"),
)


# The proposed track (docs/what-if.md, "The proposed track"): a course of the members' plans is in it when at
# least this share of the group has it in their plan (at least one member), at most TRACK_MAX_COURSES of them.
TRACK_MIN_SHARE = 0.25
TRACK_MAX_COURSES = 8


class WhatIfError(ValueError):
    """A what-if question that cannot be answered; `field` names the input (the API answers 400)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def what_if_role(*, code: str) -> Role:
    """The current standard's role with this code (WhatIfError naming `target_role` otherwise)."""
    role = standard_version_get().roles.filter(code=code).first() if code else None
    if role is None:
        raise WhatIfError("target_role", Message("%(code)r is not a role code", code=code))
    return role


def what_if_members(
    *, organization: Organization, group: str = "", members: Sequence[str] = ()
) -> list[LearnerProfile]:
    """The group: `group` ("all", or "role:<ROLE_CODE>": the members who share that target role) or `members`
    (public ids of active members).  WhatIfError naming `group` or `members` when unknown or empty."""
    everyone = members_of(organization=organization)
    if bool(group) == bool(members):
        raise WhatIfError("group", Message("give either a group or members"))
    if group:
        if group == "all":
            chosen = list(everyone)
        elif group.startswith("role:"):
            if not standard_version_get().roles.filter(code=group[5:]).exists():
                raise WhatIfError("group", Message("%(code)r is not a role code", code=group[5:]))
            chosen = [m for m in everyone if m.share_target_role and m.target_role and m.target_role.code == group[5:]]
        else:
            raise WhatIfError("group", Message("use 'all' or 'role:<ROLE_CODE>'"))
        if not chosen:
            raise WhatIfError("group", Message("the group has no members"))
        return chosen
    wanted = {str(m) for m in members}
    chosen = [m for m in everyone if str(m.public_id) in wanted]
    unknown = sorted(wanted - {str(m.public_id) for m in chosen})
    if unknown:
        raise WhatIfError("members", Message("not members of this organization: %(ids)s", ids=", ".join(unknown)))
    return chosen


def weeks_until(deadline: date, *, today: date) -> int:
    """Whole weeks from today to the deadline, within the plan's bounds (WhatIfError naming `deadline`)."""
    weeks = (deadline - today).days // 7
    if not WEEKS_MIN <= weeks <= WEEKS_MAX:
        raise WhatIfError(
            "deadline",
            Message(
                "must be from %(first)s to %(last)s (%(low)s to %(high)s weeks ahead), got %(value)s",
                first=(today + timedelta(weeks=WEEKS_MIN)).isoformat(),
                last=(today + timedelta(weeks=WEEKS_MAX, days=6)).isoformat(),
                low=WEEKS_MIN,
                high=WEEKS_MAX,
                value=deadline.isoformat(),
            ),
        )
    return weeks


@dataclass(frozen=True)
class Person:
    """A member as the what-if sees them: their levels on the role's items only if they share them."""

    learner: LearnerProfile
    shared: bool
    current: dict[str, int]

    @property
    def literacy_evidence(self) -> bool:
        return bool(self.current)


def people_of(*, members: Sequence[LearnerProfile], profile: RoleProfile) -> list[Person]:
    """The members with the levels they share (one query for all)."""
    sharing = [m.pk for m in members if m.share_levels]
    levels = current_levels_of(learner_ids=sharing) if sharing else {}
    codes = profile.codes
    out = []
    for m in members:
        if m.share_levels:
            current = {codes[k]: v.level for k, v in levels.get(m.pk, {}).items() if k in codes}
            out.append(Person(m, True, current))
        else:
            out.append(Person(m, False, {}))
    return out


def _plans(
    people: Sequence[Person], *, profile: RoleProfile, catalog: Catalog, builder: PlanBuilder, limits: Constraints
) -> list[Plan]:
    """Each person's plan, as the per-learner planner makes it from the same levels; equal levels share one."""
    memo: dict[tuple[tuple[str, int], ...], Plan] = {}
    out = []
    for person in people:
        key = tuple(sorted(person.current.items()))
        plan = memo.get(key)
        if plan is None:
            gaps = analyze_gaps(
                requirements=profile.requirements,
                grade_targets=profile.targets,
                current=person.current,
                literacy_evidence=person.literacy_evidence,
            )
            plan = memo[key] = builder.build(gaps=gaps, courses=catalog, limits=limits, current=person.current)
        out.append(plan)
    return out


def subsidy_estimate(plans: Sequence[Plan], *, rates: dict[str, float] | None = None) -> dict[str, Any]:
    """The part of the plans' cost eligible for each scheme (by the courses' flags) and the ESTIMATED support at
    the configured rates.  A course eligible for both counts once in the total, at the higher rate."""
    rates = dict(settings.WHATIF_SUBSIDY_RATES if rates is None else rates)
    eligible = dict.fromkeys(rates, 0)
    any_eligible, estimated = 0, 0.0
    for plan in plans:
        for item in plan.items:
            if item.assigned:
                continue
            course, price = item.course, item.course.price_jpy
            applicable = [key for key, _n, flag, _w in SCHEMES if getattr(course, flag) and key in rates]
            for key in applicable:
                eligible[key] += price
            if applicable:
                any_eligible += price
                estimated += price * max(rates[key] for key in applicable)
    return {
        "estimate": True,
        "schemes": [
            {
                "key": key,
                "name": name,
                "flag": flag,
                "paid_to": paid_to,
                "rate": rates.get(key, 0.0),
                "eligible_jpy": eligible.get(key, 0),
                "estimated_jpy": round(eligible.get(key, 0) * rates.get(key, 0.0)),
            }
            for key, name, flag, paid_to in SCHEMES
        ],
        "eligible_jpy": any_eligible,
        "estimated_jpy": round(estimated),
    }


def track_proposal(
    plans: Sequence[Plan], *, min_share: float = TRACK_MIN_SHARE, max_courses: int = TRACK_MAX_COURSES
) -> dict[str, Any]:
    """The track to propose for the group (docs/what-if.md): the courses that serve the most members' plans.

    A course serves a member when it is in the member's plan.  Courses are ranked by the members they serve
    (most first), then by their mean position in those plans (earlier first), level and id; a course is kept
    when it serves at least `min_share` of the members (and at least one), and at most `max_courses` are kept.
    The kept courses are listed in study order (mean position in the plans, then level, then id), each with the
    members it serves; `rule` says the threshold and how many of the plans' courses were left out."""
    served: dict[int, int] = {}
    positions: dict[int, int] = {}
    courses = {}
    for plan in plans:
        for position, item in enumerate(plan.items, start=1):
            cid = item.course.id
            courses[cid] = item.course
            served[cid] = served.get(cid, 0) + 1
            positions[cid] = positions.get(cid, 0) + position
    mean_position = {cid: positions[cid] / served[cid] for cid in served}
    min_members = max(1, math.ceil(min_share * len(plans) - 1e-9))
    ranked = sorted(served, key=lambda cid: (-served[cid], mean_position[cid], courses[cid].level, cid))
    kept = [cid for cid in ranked if served[cid] >= min_members][:max_courses]
    kept.sort(key=lambda cid: (mean_position[cid], courses[cid].level, cid))
    return {
        "courses": [
            {
                "course": cid,
                "title": courses[cid].title,
                "title_en": courses[cid].title_en,
                "level": courses[cid].level,
                "hours": courses[cid].hours,
                "price_jpy": courses[cid].price_jpy,
                "members": served[cid],
                "share": round(served[cid] / len(plans), 4) if plans else 0.0,
            }
            for cid in kept
        ],
        "rule": {
            "min_share": min_share,
            "min_members": min_members,
            "max_courses": max_courses,
            "plan_courses": len(served),
            "left_out": len(served) - len(kept),
        },
    }


def _scenario(
    people: Sequence[Person],
    *,
    profile: RoleProfile,
    catalog: Catalog,
    builder: PlanBuilder,
    limits: Constraints,
) -> dict[str, Any]:
    plans = _plans(people, profile=profile, catalog=catalog, builder=builder, limits=limits)
    core_items = sum(p.core_items for p in plans)
    at_target = sum(p.core_at_target_after for p in plans)
    at_target_now = sum(p.core_at_target_now for p in plans)
    cost = sum(p.price_jpy for p in plans)
    weeks = [p.weeks_needed for p in plans]
    track = track_proposal(plans)
    subsidy = subsidy_estimate(plans)
    return {
        "budget_per_person": limits.budget_jpy,
        "totals": {
            "members": len(plans),
            "cost_jpy": cost,
            "hours": round(sum(p.hours for p in plans), 1),
            "weeks_max": max(weeks, default=0),
            "weeks_mean": round(sum(weeks) / len(weeks), 1) if weeks else 0.0,
            "core_items": core_items,
            "core_at_target_now": at_target_now,
            "core_at_target_by_deadline": at_target,
            "core_share_by_deadline": round(at_target / core_items, 4) if core_items else 1.0,
            "members_all_core_at_target": sum(1 for p in plans if p.core_at_target_after == p.core_items),
            "net_cost_jpy": cost - subsidy["estimated_jpy"],
        },
        "subsidy": subsidy,
        "track": track["courses"],
        "track_rule": track["rule"],
        "members": [
            {
                "learner": str(person.learner.public_id),
                "username": person.learner.user.get_username(),
                "levels_shared": person.shared,
                "courses": [item.course.id for item in plan.items],
                "cost_jpy": plan.price_jpy,
                "hours": plan.hours,
                "weeks": plan.weeks_needed,
                "core_items": plan.core_items,
                "core_at_target_now": plan.core_at_target_now,
                "core_at_target_by_deadline": plan.core_at_target_after,
                "no_course": list(plan.unmet),
            }
            for person, plan in zip(people, plans, strict=True)
        ],
    }


def what_if(
    *,
    organization: Organization,
    members: Sequence[LearnerProfile],
    target_role: Role,
    budget_per_person: int,
    weekly_hours: float,
    deadline: date,
    budget_b: int | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The plans for `members` toward `target_role` with `budget_per_person` yen each, `weekly_hours` and until
    `deadline` (scenario "a"), and with `budget_b` as well when given (scenario "b").  Writes nothing."""
    if not members:
        raise WhatIfError("group", Message("the group has no members"))
    for field, problem in (
        ("budget_per_person", budget_problem(budget_per_person)),
        ("budget_b", "" if budget_b is None else budget_problem(budget_b)),
        ("weekly_hours", weekly_hours_problem(weekly_hours)),
    ):
        if problem:
            raise WhatIfError(field, problem)
    today = today or timezone.localdate()
    weeks = weeks_until(deadline, today=today)
    profile = role_profile(role=target_role)
    catalog = course_catalog(version=target_role.version, state=catalog_state())
    builder = plan_builder()
    people = people_of(members=members, profile=profile)

    def limits(budget: int) -> Constraints:
        return Constraints(
            weekly_hours=float(weekly_hours),
            weeks=weeks,
            budget_jpy=budget,
            prefecture=organization.prefecture,
            travel=True,
        )

    scenarios = {
        "a": _scenario(people, profile=profile, catalog=catalog, builder=builder, limits=limits(budget_per_person))
    }
    if budget_b is not None:
        scenarios["b"] = _scenario(people, profile=profile, catalog=catalog, builder=builder, limits=limits(budget_b))
    return {
        "organization": organization.pk,
        "target_role": target_role.code,
        "weekly_hours": float(weekly_hours),
        "deadline": deadline.isoformat(),
        "weeks": weeks,
        "members": len(members),
        "levels_shared": sum(1 for p in people if p.shared),
        "scenarios": scenarios,
        "comparison": _comparison(scenarios) if "b" in scenarios else None,
    }


COMPARED = ("cost_jpy", "net_cost_jpy", "hours", "weeks_max", "core_at_target_by_deadline", "core_share_by_deadline")


def _comparison(scenarios: dict[str, Any]) -> list[dict[str, Any]]:
    """Budget A and budget B side by side: each total, and B minus A."""
    a, b = scenarios["a"]["totals"], scenarios["b"]["totals"]
    return [{"total": key, "a": a[key], "b": b[key], "difference": round(b[key] - a[key], 4)} for key in COMPARED]
