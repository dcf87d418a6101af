"""The demo world for `make run`: organizations, admins, ~60 learners with assessments and
progress, a provider account and a ministry analyst.  Deterministic and idempotent: every
row is looked up by a natural key before it is created, and progress goes through the real
ingest service with fixed idempotency keys (a second run stores nothing new)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts.models import RoleGroup
from accounts.services import user_role_grant
from courses.models import Course, Provider
from learners.models import LearnerProfile, Membership, Organization, SkillAssessment, Track, TrackAssignment
from learners.services import EventIn, progress_events_ingest, skill_assessments_record, track_assign, track_create
from skills.models import Role
from skills.selectors import standard_version_get

ORGANIZATIONS = [
    ("株式会社みらい製作所", "E", "23", "301-1000", ["SE_PHYSICAL", "DS_ENGINEER", "BA_EXIST", "CS_ENGINEER"]),
    (
        "北海道ロジスティクス株式会社",
        "H",
        "01",
        "101-300",
        ["BA_INTERNAL", "DS_STRATEGIST", "SE_CLOUD_SRE", "DES_SERVICE"],
    ),
    ("さくらフィナンシャル株式会社", "J", "13", "1001+", ["DS_PRO", "CS_MANAGER", "SE_BACKEND", "DES_UXUI"]),
]
LEARNERS_PER_ORG = 20
PROVIDER_NAME = "株式会社データサイエンス道場"
# Demo progress happens between this date and about 13 months later (fixed, so reruns match).
ANCHOR = datetime(2025, 10, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@dataclass
class DemoAccounts:
    password: str
    staff: str = "admin"
    org_admins: tuple[str, ...] = ("org1-admin", "org2-admin", "org3-admin")
    learners: tuple[str, ...] = ("learner01", "learner21", "learner41")
    provider: str = "provider"
    ministry: str = "ministry"


_hashes: dict[str, str] = {}


def _user(username: str, password: str, **extra: object) -> User:
    # One real (slow) password hash for all demo accounts: they share the demo password.
    if password not in _hashes:
        _hashes[password] = make_password(password)
    user, _ = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.org", "password": _hashes[password], **extra}
    )
    return user


@transaction.atomic
def demo_world_seed(*, password: str) -> DemoAccounts:
    version = standard_version_get()
    roles = {r.code: r for r in version.roles.all()}
    courses = list(Course.objects.filter(status="published").order_by("provider__name_ja", "code"))

    lms = _user("lms-demo", password, is_staff=False)
    ministry = _user("ministry", password)
    user_role_grant(user=ministry, role=RoleGroup.MINISTRY)
    provider_user = _user("provider", password)
    user_role_grant(user=provider_user, role=RoleGroup.PROVIDER)
    provider = Provider.objects.filter(name_ja=PROVIDER_NAME).first()
    if provider is not None:
        provider.members.add(provider_user)

    t0 = ANCHOR
    number = 0
    for org_index, (name, industry, prefecture, size, role_codes) in enumerate(ORGANIZATIONS, start=1):
        org, _ = Organization.objects.get_or_create(
            name=name, defaults={"industry": industry, "prefecture": prefecture, "size_band": size}
        )
        admin = _user(f"org{org_index}-admin", password)
        user_role_grant(user=admin, role=RoleGroup.ORG_ADMIN)
        Membership.objects.get_or_create(user=admin, organization=org, left_on=None, defaults={"kind": "admin"})
        # The admin also reports its staff's progress from the company LMS.
        Membership.objects.get_or_create(user=lms, organization=org, left_on=None, defaults={"kind": "admin"})
        members: list[LearnerProfile] = []
        for _ in range(LEARNERS_PER_ORG):
            number += 1
            user = _user(f"learner{number:02d}", password)
            user_role_grant(user=user, role=RoleGroup.LEARNER)
            Membership.objects.get_or_create(user=user, organization=org, left_on=None)
            # One generator per learner: the same learner gets the same data on every run.
            rng = random.Random(f"demo-learner-{number}")  # noqa: S311 - demo data, reproducible
            role = roles[role_codes[rng.randrange(len(role_codes))]]
            profile, created = LearnerProfile.objects.get_or_create(
                user=user,
                defaults={
                    "prefecture": prefecture,
                    "industry": industry,
                    "target_role": role,
                    "weekly_hours": rng.choice([2, 3, 4, 5, 6, 8]),
                    "budget_jpy": rng.choice([0, 0, 30000, 50000, 100000, 200000]),
                    "free_only": rng.random() < 0.2,
                    "preferred_formats": rng.sample(["e-learning", "live-online", "classroom", "blended"], 2),
                    "share_levels": rng.random() > 0.1,
                    "share_track_progress": rng.random() > 0.05,
                    "onboarded_at": t0,
                },
            )
            members.append(profile)
            if created and not SkillAssessment.objects.filter(learner=profile).exists():
                items = {r.skill_item: r.grade for r in role.requirements.select_related("skill_item")}
                strong = [item for item, grade in items.items() if grade in ("a", "b")]
                skill_assessments_record(
                    learner=profile, levels={item: rng.choice([0, 1, 1, 2, 2, 3]) for item in strong}
                )
        _seed_progress(lms, org_index, members, courses)
        _seed_track(org, admin, members, courses, roles[role_codes[0]], random.Random(f"demo-track-{org_index}"))  # noqa: S311
    return DemoAccounts(password=password)


def _seed_progress(lms: User, org_index: int, members: list[LearnerProfile], courses: list[Course]) -> None:
    events: list[EventIn] = []
    start = ANCHOR
    for learner in members:
        rng = random.Random(f"demo-progress-{learner.user.username}")  # noqa: S311 - demo data, reproducible
        for n, course in enumerate(rng.sample(courses, rng.randint(1, 4))):
            when = start + timedelta(days=rng.randint(0, 380))
            key = f"demo-{org_index}-{learner.user.username}-{course.pk}"
            events.append(EventIn(len(events), f"{key}-e", str(learner.public_id), course.pk, "enrolled", when))
            fate = rng.random()
            if fate < 0.45:
                events.append(
                    EventIn(
                        len(events),
                        f"{key}-c",
                        str(learner.public_id),
                        course.pk,
                        "completed",
                        when + timedelta(days=14 + n),
                    )
                )
            elif fate < 0.85:
                events.append(
                    EventIn(
                        len(events),
                        f"{key}-p",
                        str(learner.public_id),
                        course.pk,
                        "progress",
                        when + timedelta(days=7),
                        rng.randint(10, 90),
                    )
                )
            else:
                events.append(
                    EventIn(
                        len(events), f"{key}-d", str(learner.public_id), course.pk, "dropped", when + timedelta(days=20)
                    )
                )
    for begin in range(0, len(events), 1000):
        chunk = events[begin : begin + 1000]
        for i, e in enumerate(chunk):
            e.index = i
        progress_events_ingest(submitter=lms, events=chunk)


def _seed_track(
    org: Organization, admin: User, members: list[LearnerProfile], courses: list[Course], role: Role, rng: random.Random
) -> None:
    if Track.objects.filter(organization=org).exists():
        return
    taught = [c for c in courses if c.level <= 2][:40]
    picks = rng.sample(taught, 3)
    track = track_create(
        organization=org,
        name=f"{role.name_ja} 育成トラック",
        description="DX推進人材としての基礎を3講座で身につける社内研修トラック",
        target_role=role,
        courses=[(picks[0], 30, True), (picks[1], 60, True), (picks[2], 90, False)],
        created_by=admin,
    )
    track_assign(track=track, learners=members[:8], due_on=None, assigned_by=admin)
    # Assigned six weeks ago, so the first course (due after 30 days) shows who is overdue.
    TrackAssignment.objects.filter(track=track).update(assigned_on=timezone.localdate() - timedelta(days=42))
