"""The demo world for `make run`: organizations, admins, ~60 learners with assessments and
progress, a provider account and a ministry analyst.  Deterministic and idempotent: every
row is looked up by a natural key before it is created, and progress goes through the real
ingest service with fixed idempotency keys (a second run stores nothing new).

For the ministry dashboard there are also 600 synthetic people across Japan who completed courses
from FY2022 on (`_seed_national`): written in bulk (events and enrollments as the ingest stores
them, without plans or levels), then counted by the same national service the ingest calls.  Some of them
also finished one of two demo courses and were assessed afterwards (`effect_demo.py`), so measured course
effectiveness has something to show."""

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
from learners.models import (
    Enrollment,
    EnrollmentStatus,
    EventKind,
    LearnerProfile,
    Membership,
    Organization,
    ProgressEvent,
    SkillAssessment,
    Track,
    TrackAssignment,
)
from learners.services import (
    EventIn,
    _payload_hash,
    progress_events_ingest,
    skill_assessments_record,
    track_assign,
    track_create,
)
from learners.services.rollups import org_rollups_refresh
from national.services import national_learners_recount, qualifying_courses
from portal.effect_demo import effect_demo_assessments, effect_demo_completions, effect_demo_courses
from portal.exam_demo import demo_dx_certify
from recommender.services import course_effects_recompute
from skills.grades import STRONG_GRADES
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
# One beginner per persona type, each with a prefecture: no experience, no assessment yet, the plan starts from
# DX literacy and the first level of the role's core skills.  (username, role, prefecture, weekly hours, budget,
# free only, may travel to neighbouring prefectures)
BEGINNERS = [
    ("beginner-ba", "BA_NEW", "23", 5, 50_000, False, False),
    ("beginner-des", "DES_UXUI", "27", 4, 30_000, False, True),
    ("beginner-ds", "DS_PRO", "13", 5, 50_000, False, False),
    ("beginner-se", "SE_BACKEND", "40", 6, 0, True, False),
    ("beginner-cs", "CS_MANAGER", "01", 3, 100_000, False, False),
]
PROVIDER_NAME = "株式会社データサイエンス道場"
# Demo progress happens between this date and about 13 months later (fixed, so reruns match).
ANCHOR = datetime(2025, 10, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@dataclass
class DemoAccounts:
    password: str
    staff: str = "admin"
    org_admins: tuple[str, ...] = ("org1-admin", "org2-admin", "org3-admin")
    learners: tuple[str, ...] = ("learner01", "learner21", "learner41")
    beginners: tuple[str, ...] = tuple(b[0] for b in BEGINNERS)
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
                strong = [item for item, grade in items.items() if grade in STRONG_GRADES]
                skill_assessments_record(
                    learner=profile, levels={item: rng.choice([0, 1, 1, 2, 2, 3]) for item in strong}
                )
        _seed_progress(lms, org_index, members, courses)
        _seed_track(org, admin, members, courses, roles[role_codes[0]], random.Random(f"demo-track-{org_index}"))  # noqa: S311
    for username, role_code, prefecture, hours, budget, free_only, travel in BEGINNERS:
        user = _user(username, password)
        user_role_grant(user=user, role=RoleGroup.LEARNER)
        LearnerProfile.objects.get_or_create(
            user=user,
            defaults={
                "prefecture": prefecture,
                "travel": travel,
                "target_role": roles[role_code],
                "weekly_hours": hours,
                "budget_jpy": budget,
                "free_only": free_only,
                "onboarded_at": t0,
            },
        )
    _seed_national(lms, provider_user, provider, list(roles.values()))
    course_effects_recompute()  # the measured levels of the demo's completions (docs/effectiveness.md)
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


# --- synthetic people across Japan for the ministry dashboard -------------------------------

NATIONAL_PEOPLE = 600
REGIONAL_ORGANIZATIONS = [  # (name, industry, prefecture, size band)
    ("東京デジタル商事株式会社", "I", "13", "1001+"),
    ("なにわ精密工業株式会社", "E", "27", "301-1000"),
    ("中部モビリティ部品株式会社", "E", "23", "1001+"),
    ("横浜ポートシステムズ株式会社", "G", "14", "101-300"),
    ("博多フードサービス株式会社", "M", "40", "21-100"),
    ("札幌ケア・ネット株式会社", "P", "01", "101-300"),
    ("みやぎ建設株式会社", "D", "04", "21-100"),
    ("瀬戸内物流株式会社", "H", "34", "301-1000"),
    ("京都観光ホールディングス株式会社", "M", "26", "1-20"),
    ("信州アグリテック株式会社", "A", "20", "1-20"),
]
# Where people live: the large prefectures weigh more; every prefecture has some.
PREFECTURE_WEIGHTS = {"13": 24, "27": 11, "23": 9, "14": 9, "40": 6, "01": 5, "11": 6, "12": 5, "28": 5, "04": 3}
INDUSTRY_WEIGHTS = {"G": 8, "E": 7, "I": 5, "J": 4, "L": 3, "P": 3, "H": 2, "D": 2, "M": 2, "O": 1, "R": 2, "S": 1}
# More people each year; FY2026 (from April) up to the end of October only.
FISCAL_YEAR_WEIGHTS = {2022: 10, 2023: 17, 2024: 24, 2025: 29, 2026: 20}
NATIONAL_LAST_DAY = datetime(2026, 10, 31, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def _weighted(rng: random.Random, weights: dict[str, int], others: list[str], other_weight: int = 1) -> str:
    choices = list(weights) + [o for o in others if o not in weights]
    return rng.choices(choices, [weights.get(c, other_weight) for c in choices])[0]


def _seed_national(lms: User, provider_user: User, provider: Provider | None, roles: list[Role]) -> None:
    from common.reference import INDUSTRIES, PREFECTURES

    hashed = make_password(None)
    organizations = []
    for name, industry, prefecture, size in REGIONAL_ORGANIZATIONS:
        regional, _ = Organization.objects.get_or_create(
            name=name, defaults={"industry": industry, "prefecture": prefecture, "size_band": size}
        )
        Membership.objects.get_or_create(user=lms, organization=regional, left_on=None, defaults={"kind": "admin"})
        organizations.append(regional)
    demo_dx_certify(organizations)  # issue 23: DX認定 employers for the ministry's breakdown
    usernames = [f"national{n:04d}" for n in range(1, NATIONAL_PEOPLE + 1)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=u, email=f"{u}@example.org", password=hashed) for u in usernames if u not in existing]
    )
    users = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    with_profile = set(LearnerProfile.objects.filter(user_id__in=users.values()).values_list("user_id", flat=True))
    qualifying = list(qualifying_courses().order_by("pk").values_list("pk", "provider_id"))
    if not qualifying:
        return
    own_courses = [pk for pk, provider_id in qualifying if provider and provider_id == provider.pk]
    profiles: list[LearnerProfile] = []
    memberships: list[Membership] = []
    plans: dict[str, tuple[Organization | None, list[tuple[int, datetime]]]] = {}
    for username in usernames:
        rng = random.Random(f"demo-national-{username}")  # noqa: S311 - demo data, reproducible
        org = rng.choice(organizations) if rng.random() < 0.7 or not own_courses else None
        prefecture = _weighted(rng, PREFECTURE_WEIGHTS, list(PREFECTURES))
        industry = _weighted(rng, INDUSTRY_WEIGHTS, list(INDUSTRIES), 0)
        if org and rng.random() < 0.4:
            prefecture, industry = "", ""  # not given: counted under the employer's
        year = int(_weighted(rng, {str(y): w for y, w in FISCAL_YEAR_WEIGHTS.items()}, []))
        start = datetime(year, 4, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        end = min(datetime(year + 1, 3, 31, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo")), NATIONAL_LAST_DAY)
        first = start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))
        pool = [pk for pk, _ in qualifying] if org else own_courses
        picked = rng.sample(pool, rng.choice([1, 1, 2, 3]))
        plans[username] = (org, [(c, first + timedelta(days=90 * n)) for n, c in enumerate(picked)])
        if users[username] not in with_profile:
            profiles.append(
                LearnerProfile(
                    user_id=users[username],
                    prefecture=prefecture,
                    industry=industry,
                    target_role=rng.choice(roles) if rng.random() < 0.8 else None,
                    onboarded_at=start,
                )
            )
            if org:
                memberships.append(Membership(user_id=users[username], organization=org))
    effect_courses = effect_demo_courses(
        course_ids=[pk for pk, _ in qualifying], provider_id=provider.pk if provider else None
    )
    effect_demo_completions(plans, courses=effect_courses)  # issue 24: measured course effectiveness
    LearnerProfile.objects.bulk_create(profiles)
    Membership.objects.bulk_create(memberships)
    learners = dict(LearnerProfile.objects.filter(user_id__in=users.values()).values_list("user_id", "pk"))
    org_rollups_refresh(learner_ids=learners.values())  # bulk_create sends no model signal
    public = dict(LearnerProfile.objects.filter(pk__in=learners.values()).values_list("pk", "public_id"))
    events: list[ProgressEvent] = []
    enrollments: list[Enrollment] = []
    now = timezone.now()
    for username, (employer, completions) in plans.items():
        learner_id = learners[users[username]]
        submitter = lms if employer else provider_user
        for course_id, done in completions:
            if done > now:
                continue
            began = done - timedelta(days=21)
            key = f"demo-national-{username}-{course_id}"
            for suffix, kind, when in (("e", EventKind.ENROLLED, began), ("c", EventKind.COMPLETED, done)):
                event = EventIn(0, f"{key}-{suffix}", str(public[learner_id]), course_id, kind, when, source="demo")
                events.append(
                    ProgressEvent(
                        idempotency_key=event.idempotency_key,
                        submitted_by=submitter,
                        learner_id=learner_id,
                        course_id=course_id,
                        kind=kind,
                        occurred_at=when,
                        source="demo",
                        payload_hash=_payload_hash(event, learner_id, course_id),
                    )
                )
            enrollments.append(
                Enrollment(
                    learner_id=learner_id,
                    course_id=course_id,
                    status=EnrollmentStatus.COMPLETED,
                    percent=100,
                    enrolled_at=began,
                    completed_at=done,
                    last_event_at=done,
                )
            )
    ProgressEvent.objects.bulk_create(events, batch_size=1000, ignore_conflicts=True)
    Enrollment.objects.bulk_create(enrollments, batch_size=1000, ignore_conflicts=True)
    effect_demo_assessments(courses=effect_courses)
    # Everyone with a completion, not only these people: a demo database seeded before the national
    # rollup existed gets its earlier completions counted too (idempotent).
    ids = sorted(set(Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED).values_list("learner_id", flat=True)))
    for begin in range(0, len(ids), 1000):
        national_learners_recount(learner_ids=ids[begin : begin + 1000])
