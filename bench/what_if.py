#!/usr/bin/env python
"""An employer's what-if for a 1,000-person group on PostgreSQL (docs/what-if.md); every figure is a ratio to a
baseline measured in the same run.

One organization of N members (default 1,000) aiming at DS_PRO, each with four self-assessed levels (varied by
index, as the other benchmarks make them); every tenth member does not share their levels.  A 1,000-course catalog.

1. `what_if` (the selector) for the whole group with one budget, and with two budgets side by side: seconds,
   warm (the catalog index built once before); and its path with every member's plan built separately (no
   sharing between members with equal levels: the cost for a group where everyone differs).
   Baseline: the per-learner planner on the same people with the same limits, one after the other
   (`plan_compute` per member, as a learner's plan is made: its own reads and build).
   Reported as "what-if / per-learner planning" (below 1: faster than planning each member).
2. The endpoint `POST /api/v1/orgs/<id>/what-if` (two budgets, JSON for N members) against the selector alone.

Checked: the what-if's courses equal the per-learner plan's for every member who shares levels, and no plan,
track or assignment row is written.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/what_if.py [--members 1000]
It creates (and afterwards drops) its own database `dxp_bench_whatif`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DB = os.environ.get("BENCH_WHATIF_DB", "dxp_bench_whatif")
WEEKLY_HOURS, WEEKS, BUDGET_A, BUDGET_B = 5.0, 26, 300_000, 50_000


def say(message: str) -> None:
    print(message, flush=True)


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    """Median seconds of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2], result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--courses", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import catalog as catalog_bench

    admin_url = catalog_bench.start_scratch_database(BENCH_DB, "[1/4]")
    import django

    django.setup()
    try:
        run(args, catalog_bench)
    finally:
        from django.db import connections

        connections.close_all()
        catalog_bench.drop_database(admin_url)


def run(args: argparse.Namespace, catalog_bench: Any) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone
    from rest_framework.test import APIClient

    from learners.models import LearnerProfile, Membership, Organization, Track, TrackAssignment
    from recommender.engine import course_catalog
    from recommender.models import LearnerPlan
    from recommender.services import plan_compute
    from recommender.whatif import what_if

    say(f"[2/4] standard, {args.courses}-course catalog, {args.members} members")
    version = catalog_bench.standard_and_catalog(args.courses, "whatif.json")
    role = version.roles.get(code="DS_PRO")
    items = [r.skill_item for r in role.requirements.select_related("skill_item").order_by("skill_item__position")]
    profiles, _levels = catalog_bench.create_learners(args.members, [role], items, prefix="w")
    LearnerProfile.objects.filter(pk__in=[p.pk for n, p in enumerate(profiles) if n % 10 == 9]).update(
        share_levels=False
    )
    org = Organization.objects.create(name="株式会社ベンチ", industry="E", prefecture="13", size_band="101-300")
    admin = User.objects.create_user("bench-admin")
    Membership.objects.bulk_create(
        [Membership(user_id=p.user_id, organization=org) for p in profiles]
        + [Membership(user=admin, organization=org, kind=Membership.Kind.ADMIN)],
        batch_size=2000,
    )
    members = list(LearnerProfile.objects.filter(pk__in=[p.pk for p in profiles]).select_related("user"))
    deadline = timezone.localdate() + timedelta(weeks=WEEKS, days=1)
    course_catalog(version=version)  # both paths share the per-process catalog index: build it once, outside

    say("[3/4] per-learner planning (baseline) and the what-if")
    overrides = {
        "weekly_hours": WEEKLY_HOURS,
        "weeks": WEEKS,
        "budget_jpy": BUDGET_A,
        "formats": [],
        "prefecture": org.prefecture,
        "travel": True,
    }

    def per_learner() -> dict[int, list[int]]:
        return {
            m.pk: [i["course"]["id"] for i in plan_compute(learner=m, overrides=overrides)["items"]] for m in members
        }

    def ask(budget_b: int | None) -> dict[str, Any]:
        return what_if(
            organization=org,
            members=members,
            target_role=role,
            budget_per_person=BUDGET_A,
            budget_b=budget_b,
            weekly_hours=WEEKLY_HOURS,
            deadline=deadline,
        )

    def every_member_built() -> int:
        """The what-if's path without sharing plans between equal levels: a group where every member differs."""
        from recommender.core.gaps import analyze_gaps
        from recommender.core.plan import Constraints
        from recommender.inputs import role_profile
        from recommender.planning import plan_builder
        from recommender.whatif import people_of

        profile, catalog, builder = role_profile(role=role), course_catalog(version=version), plan_builder()
        limits = Constraints(WEEKLY_HOURS, WEEKS, BUDGET_A, prefecture=org.prefecture, travel=True)
        built = 0
        for person in people_of(members=members, profile=profile):
            gaps = analyze_gaps(
                requirements=profile.requirements,
                grade_targets=profile.targets,
                current=person.current,
                literacy_evidence=person.literacy_evidence,
            )
            built += len(builder.build(gaps=gaps, courses=catalog, limits=limits, current=person.current).items)
        return built

    baseline_s, baseline = timed(per_learner, 1)
    each_s, _built = timed(every_member_built, 1)
    one_s, one = timed(lambda: ask(None), args.repeat)
    two_s, _two = timed(lambda: ask(BUDGET_B), args.repeat)
    sharing = {m.pk for m in members if m.share_levels}
    by_id = {str(m.public_id): m.pk for m in members}
    agree = sum(
        1
        for row in one["scenarios"]["a"]["members"]
        if by_id[row["learner"]] in sharing and baseline[by_id[row["learner"]]] == row["courses"]
    )
    distinct = len({tuple(r["courses"]) for r in one["scenarios"]["a"]["members"]})

    say("[4/4] the endpoint")
    client = APIClient()
    client.force_authenticate(admin)
    body = {
        "group": "all",
        "target_role": "DS_PRO",
        "budget_per_person": BUDGET_A,
        "budget_b": BUDGET_B,
        "weekly_hours": WEEKLY_HOURS,
        "deadline": deadline.isoformat(),
    }

    def call() -> Any:
        response = client.post(f"/api/v1/orgs/{org.pk}/what-if", body, format="json")
        assert response.status_code == 200, response.content[:300]
        return response

    api_s, response = timed(call, args.repeat)
    writes = LearnerPlan.objects.count() + Track.objects.count() + TrackAssignment.objects.count()
    totals = one["scenarios"]["a"]["totals"]
    say("")
    say(f"members: {args.members} ({len(sharing)} sharing levels), catalog: {args.courses} courses")
    say(f"per-learner planning of the group (baseline): {baseline_s:.2f} s ({args.members / baseline_s:.0f} plans/s)")
    say(f"what-if, one budget: {one_s:.3f} s = {one_s / baseline_s:.3f}x the baseline ({distinct} distinct plans)")
    say(f"what-if path with every member built separately (one budget): {each_s:.2f} s = {each_s / baseline_s:.3f}x")
    say(f"what-if, two budgets side by side: {two_s:.3f} s = {two_s / baseline_s:.3f}x the baseline")
    say(f"POST /api/v1/orgs/<id>/what-if (two budgets): {api_s:.3f} s = {api_s / two_s:.2f}x the selector alone")
    say(f"response: {len(response.content) / 1024:.0f} KiB; totals (budget A): {totals}")
    say(f"check: courses equal to the per-learner plan for {agree}/{len(sharing)} sharing members")
    say(f"check: plan, track and assignment rows written: {writes}")
    if agree != len(sharing) or writes:
        sys.exit("what-if disagrees with the per-learner planner, or wrote rows")


if __name__ == "__main__":
    main()
