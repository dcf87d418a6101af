"""The counting rule and the rollup: every change ends where a recompute from the raw records ends."""

import random
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError

from courses.models import Course, CourseLiteracy, CourseSkill, ReviewStatus
from courses.services import catalog_version_bump, course_skill_review
from learners.models import Enrollment, EnrollmentStatus, LearnerProfile, Membership
from learners.services import learner_erase, learner_profile_update
from national.counting import ALL, ALL_YEARS, Attributes, cell_keys, fiscal_year_of, persona_value
from national.models import NationalCell, NationalCount
from national.services import (
    national_catalog_sync,
    national_cells_expected,
    national_cells_stored,
    national_learners_recount,
    national_rebuild,
    national_reconcile,
)
from national.tests.factories import (
    completion,
    course,
    inferred_tag,
    ingest,
    jst,
    learner,
    member,
    staff,
)

pytestmark = pytest.mark.django_db


def cell(**dims):
    """Stored people in one cell, e.g. cell(fiscal_year=2024) or cell(prefecture="13", fiscal_year=2024)."""
    grouping = 0
    for bit, name in enumerate(("fiscal_year", "prefecture", "industry", "persona_type", "org_size")):
        if name in dims:
            grouping |= 1 << bit
    row = NationalCell.objects.filter(
        grouping=grouping,
        fiscal_year=dims.get("fiscal_year", ALL_YEARS),
        prefecture=dims.get("prefecture", ALL),
        industry=dims.get("industry", ALL),
        persona_type=dims.get("persona_type", ALL),
        org_size=dims.get("org_size", ALL),
    ).first()
    return row.people if row else 0


def oracle() -> dict:
    """The rule recomputed independently from enrollments, courses and tags, for the current attributes."""
    from django.conf import settings

    firsts: dict = {}
    for e in Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED).select_related(
        "course", "learner__target_role__persona_type", "learner__user"
    ):
        c = e.course
        accepted = list(
            CourseSkill.objects.filter(course=c, review_status=ReviewStatus.ACCEPTED).select_related(
                "skill_item__subcategory__category"
            )
        )
        if c.hours < settings.NATIONAL_MIN_COURSE_HOURS or not (
            accepted or CourseLiteracy.objects.filter(course=c).exists()
        ):
            continue
        best = firsts.get(e.learner_id)
        if best is None or (e.completed_at, e.pk) < (best.completed_at, best.pk):
            firsts[e.learner_id] = e
    cells: Counter = Counter()
    for e in firsts.values():
        p = e.learner
        membership = (
            Membership.objects.filter(user=p.user, left_on__isnull=True)
            .select_related("organization")
            .order_by("-joined_on", "-pk")
            .first()
        )
        org = membership.organization if membership else None
        tags = Counter(
            (t.skill_item.subcategory.category.position, t.skill_item.subcategory.category.code)
            for t in CourseSkill.objects.filter(course=e.course, review_status=ReviewStatus.ACCEPTED).select_related(
                "skill_item__subcategory__category"
            )
        )
        main = min(tags.items(), key=lambda kv: (-kv[1], kv[0]))[0][1] if tags else None
        attrs = Attributes(
            fiscal_year_of(e.completed_at),
            p.prefecture or (org.prefecture if org else ""),
            p.industry or (org.industry if org else ""),
            persona_value(p.target_role.persona_type.code if p.target_role else None, main),
            org.size_band if org else "",
            _dx(org, e.completed_at),
        )
        if attrs.fiscal_year >= 2022:
            for key in cell_keys(attrs):
                cells[key] += 1
    return dict(cells)


def _dx(org, completed_at) -> str:
    """The employer's DX認定 on the completion day in Tokyo, recomputed independently."""
    if org is None:
        return ""
    day = completed_at.astimezone(ZoneInfo("Asia/Tokyo")).date()
    on, until = org.dx_certified_on, org.dx_certified_until
    return "certified" if on and on <= day and (until is None or day <= until) else "not_certified"


def assert_exact():
    """Stored cells equal the independent recompute, and reconcile finds nothing."""
    assert national_cells_stored() == oracle()
    report = national_reconcile()
    assert report.ok, (report.person_differences, report.cell_differences)


@pytest.fixture
def lms(standard):
    return staff()


def test_a_person_counts_once_in_the_fiscal_year_of_their_first_qualifying_completion(lms):
    person = learner(prefecture="13", industry="G", role="DS_PRO")
    a, b = course(), course(skills=("TE08",))
    ingest(lms, completion(person, a, jst(2024, 5, 1)), completion(person, b, jst(2025, 6, 1)))
    counted = NationalCount.objects.get()
    assert (counted.fiscal_year, counted.course_id, counted.persona_type) == (2024, a.pk, "DS")
    assert cell() == 1
    assert cell(fiscal_year=2024) == 1
    assert cell(fiscal_year=2025) == 0
    assert cell(prefecture="13", fiscal_year=2024) == 1
    assert cell(industry="G", persona_type="DS") == 1
    assert_exact()


@pytest.mark.parametrize(
    ("when", "fiscal_year"),
    [
        (jst(2024, 3, 31, 23, 59), 2023),
        (jst(2024, 4, 1, 0, 0), 2024),  # 2024-03-31T15:00Z: already FY2024 in Tokyo
        (jst(2025, 1, 15), 2024),
        (jst(2025, 4, 1, 9), 2025),
    ],
)
def test_the_fiscal_year_runs_april_to_march_in_tokyo(lms, when, fiscal_year):
    ingest(lms, completion(learner(), course(), when))
    assert NationalCount.objects.get().fiscal_year == fiscal_year
    assert cell(fiscal_year=fiscal_year) == 1


def test_short_untagged_or_unreviewed_courses_do_not_count(lms):
    person = learner()
    short = course(hours="5.5")
    untagged = course(skills=())
    unreviewed = course(skills=())
    inferred_tag(unreviewed, "DU04")
    ingest(
        lms,
        completion(person, short, jst(2024, 5, 1)),
        completion(person, untagged, jst(2024, 5, 2)),
        completion(person, unreviewed, jst(2024, 5, 3)),
    )
    assert not NationalCount.objects.exists()
    assert cell() == 0
    exactly_six, literacy_only = course(hours=6), course(skills=(), literacy=("L-WHY-1",))
    ingest(lms, completion(learner(), exactly_six, jst(2024, 6, 1)), completion(person, literacy_only, jst(2024, 7, 1)))
    assert cell() == 2
    assert cell(persona_type="literacy") == 0  # both learners have a target role
    assert_exact()


def test_the_minimum_hours_come_from_settings(lms, settings):
    settings.NATIONAL_MIN_COURSE_HOURS = 12
    ingest(lms, completion(learner(), course(hours=10), jst(2024, 5, 1)))
    assert cell() == 0
    ingest(lms, completion(learner(), course(hours=12), jst(2024, 5, 1)))
    assert cell() == 1
    assert_exact()


def test_an_earlier_completion_arriving_later_moves_the_person_to_its_year(lms):
    person = learner(prefecture="27")
    late, early = course(), course(skills=("BT01",))
    ingest(lms, completion(person, late, jst(2025, 6, 1)))
    assert cell(fiscal_year=2025) == 1
    ingest(lms, completion(person, early, jst(2023, 7, 1)))
    counted = NationalCount.objects.get()
    assert (counted.fiscal_year, counted.course_id) == (2023, early.pk)
    assert (cell(fiscal_year=2023), cell(fiscal_year=2025), cell()) == (1, 0, 1)
    assert (cell(prefecture="27", fiscal_year=2023), cell(prefecture="27", fiscal_year=2025)) == (1, 0)
    assert_exact()


def test_an_earlier_completion_of_the_same_course_moves_the_person_too(lms):
    person, on = learner(), course()
    ingest(lms, completion(person, on, jst(2025, 6, 1), key="second"))
    ingest(lms, completion(person, on, jst(2024, 2, 1), key="first"))  # FY2023, reported late
    assert NationalCount.objects.get().fiscal_year == 2023
    assert (cell(fiscal_year=2023), cell(fiscal_year=2025)) == (1, 0)
    assert_exact()


def test_a_later_completion_changes_nothing(lms):
    person = learner()
    ingest(lms, completion(person, course(), jst(2023, 7, 1)))
    before = NationalCount.objects.get()
    ingest(lms, completion(person, course(), jst(2025, 7, 1)))
    after = NationalCount.objects.get()
    assert (after.fiscal_year, after.course_id, after.counted_at) == (2023, before.course_id, before.counted_at)
    assert_exact()


def test_re_delivery_changes_nothing(lms):
    people = [learner() for _ in range(3)]
    on = course()
    batch = [completion(p, on, jst(2024, 5, 1 + n), key=f"redeliver-{n}") for n, p in enumerate(people)]
    ingest(lms, *batch)
    cells, counted = national_cells_stored(), list(NationalCount.objects.values())
    outcomes = ingest(
        lms, *[completion(p, on, jst(2024, 5, 1 + n), key=f"redeliver-{n}") for n, p in enumerate(people)]
    )
    assert {o.status for o in outcomes} == {"duplicate"}
    assert national_cells_stored() == cells
    assert list(NationalCount.objects.values()) == counted
    # Recounting again by hand is a no-op too.
    assert national_learners_recount(learner_ids=[p.pk for p in people]).unchanged == 3
    assert national_cells_stored() == cells
    assert_exact()


def test_persona_comes_from_the_target_role_else_the_course(lms):
    with_role = learner(role="SE_BACKEND")
    no_role = learner(role=None)
    literacy_only = learner(role=None)
    mostly_data = course(skills=("DU04", "DU01", "TE08"))
    ingest(
        lms,
        completion(with_role, mostly_data, jst(2024, 5, 1)),
        completion(no_role, mostly_data, jst(2024, 5, 1)),
        completion(literacy_only, course(skills=(), literacy=("L-WHY-1",)), jst(2024, 5, 1)),
    )
    personas = dict(NationalCount.objects.values_list("learner_id", "persona_type"))
    assert personas == {with_role.pk: "SE", no_role.pk: "category:DU", literacy_only.pk: "literacy"}
    assert_exact()


def test_prefecture_and_industry_fall_back_to_the_organization(lms):
    employee = member(of_size="21-100", prefecture="40", industry="I")
    freelancer = learner(prefecture="", industry="")
    ingest(lms, completion(employee, course(), jst(2024, 5, 1)), completion(freelancer, course(), jst(2024, 5, 1)))
    rows = {r.learner_id: r for r in NationalCount.objects.all()}
    assert (rows[employee.pk].prefecture, rows[employee.pk].industry, rows[employee.pk].org_size) == (
        "40",
        "I",
        "21-100",
    )
    assert (rows[freelancer.pk].prefecture, rows[freelancer.pk].industry, rows[freelancer.pk].org_size) == ("", "", "")
    assert cell(org_size="21-100") == 1
    assert cell(org_size="") == 1
    assert_exact()


def test_attributes_are_a_snapshot_taken_at_completion(lms):
    person = learner(prefecture="13")
    ingest(lms, completion(person, course(), jst(2024, 5, 1)))
    learner_profile_update(profile=person, changes={"prefecture": "47"})
    ingest(lms, completion(person, course(), jst(2025, 5, 1)))  # not their first: nothing moves
    assert NationalCount.objects.get().prefecture == "13"
    assert cell(prefecture="13") == 1
    assert cell(prefecture="47") == 0
    assert national_reconcile().ok


def test_people_first_trained_before_fy2022_are_outside_the_target_period(lms):
    person = learner()
    ingest(lms, completion(person, course(), jst(2021, 10, 1)), completion(person, course(), jst(2023, 10, 1)))
    assert NationalCount.objects.get().fiscal_year == 2021
    assert cell() == 0
    assert_exact()


def test_erasure_takes_the_person_out_of_every_cell(lms):
    keep, erase = learner(prefecture="13"), learner(prefecture="13")
    on = course()
    ingest(lms, completion(keep, on, jst(2024, 5, 1)), completion(erase, on, jst(2024, 6, 1)))
    assert cell(prefecture="13", fiscal_year=2024) == 2
    learner_erase(learner=erase)
    assert not LearnerProfile.objects.filter(pk=erase.pk).exists()
    assert not User.objects.filter(pk=erase.user_id).exists()
    assert cell(prefecture="13", fiscal_year=2024) == 1
    assert cell() == 1
    assert list(NationalCount.objects.values_list("learner_id", flat=True)) == [keep.pk]
    assert_exact()


def test_deleting_the_user_account_directly_also_updates_the_cells(lms):
    person = learner()
    ingest(lms, completion(person, course(), jst(2024, 5, 1)))
    User.objects.get(pk=person.user_id).delete()  # e.g. from the admin
    assert cell() == 0
    assert not NationalCount.objects.exists()
    assert_exact()


def test_an_enrollment_edited_by_hand_is_recounted(lms):
    person = learner()
    ingest(lms, completion(person, course(), jst(2025, 5, 1)))
    enrollment = Enrollment.objects.get()
    enrollment.completed_at = jst(2023, 5, 1)
    enrollment.save()
    assert NationalCount.objects.get().fiscal_year == 2023
    enrollment.delete()
    assert cell() == 0
    assert_exact()


def test_a_course_that_stops_qualifying_moves_its_people_on(lms, django_capture_on_commit_callbacks):
    person, only = learner(), learner()
    first, second = course(), course(skills=("BT01",))
    ingest(lms, completion(person, first, jst(2023, 5, 1)), completion(person, second, jst(2025, 5, 1)))
    ingest(lms, completion(only, first, jst(2023, 6, 1)))
    national_catalog_sync()
    tag = CourseSkill.objects.get(course=first)
    with django_capture_on_commit_callbacks(execute=True):
        course_skill_review(tag=tag, reviewer=staff(), action="reject")  # the catalog signal runs the sync
    rows = dict(NationalCount.objects.values_list("learner_id", "fiscal_year"))
    assert rows == {person.pk: 2025}
    assert (cell(fiscal_year=2023), cell(fiscal_year=2025)) == (0, 1)
    assert_exact()


def test_a_course_that_starts_qualifying_counts_its_past_completions(lms, django_capture_on_commit_callbacks):
    person = learner()
    short = course(hours=4)
    ingest(lms, completion(person, short, jst(2023, 5, 1)), completion(person, course(), jst(2025, 5, 1)))
    national_catalog_sync()
    assert NationalCount.objects.get().fiscal_year == 2025
    with django_capture_on_commit_callbacks(execute=True):
        Course.objects.filter(pk=short.pk).update(hours=8)  # a bulk change: the service bumps the version
        catalog_version_bump()
    assert NationalCount.objects.get().fiscal_year == 2023
    assert_exact()


def test_without_the_catalog_sync_reconcile_reports_the_pending_change_and_repair_fixes_it(lms):
    person = learner()
    on = course()
    ingest(lms, completion(person, on, jst(2024, 5, 1)))
    national_catalog_sync()
    Course.objects.filter(pk=on.pk).update(hours=2)  # no signal: as if the sync task had not run yet
    report = national_reconcile()
    assert not report.ok
    assert f"course {on.pk}: no longer qualifies, not synced" in report.pending_courses
    assert [d.problem for d in report.person_differences] == ["not counted"]
    repaired = national_reconcile(repair=True)
    assert repaired.ok and repaired.before_repair is not None and not repaired.before_repair.ok
    assert cell() == 0
    assert_exact()


def test_reconcile_finds_a_tampered_cell_and_repair_rewrites_it(lms):
    ingest(lms, completion(learner(), course(), jst(2024, 5, 1)))
    NationalCell.objects.filter(grouping=1, fiscal_year=2024).update(people=5)
    report = national_reconcile()
    assert [(d.stored, d.expected) for d in report.cell_differences] == [(5, 1)]
    assert national_reconcile(repair=True).ok
    assert cell(fiscal_year=2024) == 1


def test_a_cell_never_goes_below_zero(lms):
    ingest(lms, completion(learner(), course(), jst(2024, 5, 1)))
    NationalCell.objects.filter(grouping=1, fiscal_year=2024).update(people=0)
    with pytest.raises(IntegrityError):
        learner_erase(learner=LearnerProfile.objects.get())


def test_rebuild_from_scratch_gives_the_incremental_result(lms):
    on = [course(), course(skills=("SC01",)), course(skills=(), literacy=("L-HOW-U1",))]
    for n in range(12):
        person = learner(role=None if n % 3 else "BA_NEW", prefecture=("13", "27", "01")[n % 3])
        ingest(lms, completion(person, on[n % 3], jst(2022 + n % 4, 5 + n % 7, 1)))
    incremental = national_cells_stored()
    assert national_rebuild(batch_size=5) == 12
    assert national_cells_stored() == incremental == national_cells_expected()
    assert_exact()


def test_random_orders_batches_and_redeliveries_match_the_recompute(lms):
    rng = random.Random(6)  # noqa: S311 - test data
    people = [
        learner(role=rng.choice([None, "DS_PRO", "BA_NEW"]), prefecture=rng.choice(["13", "27", ""])) for _ in range(8)
    ]
    people += [member(of_size=rng.choice(["1-20", "1001+"])) for _ in range(3)]
    courses = [course(), course(hours=3), course(skills=("TE08", "TE01")), course(skills=(), literacy=("L-WHY-2",))]
    events = []
    for n in range(60):
        when = jst(2021, 10, 1) + timedelta(days=rng.randint(0, 4 * 365))
        events.append(completion(rng.choice(people), rng.choice(courses), when, key=f"rnd-{n}"))
    events += [completion(*_redeliver(e, people, courses)) for e in rng.sample(events, 15)]
    rng.shuffle(events)
    while events:
        size = rng.randint(1, 9)
        batch, events = events[:size], events[size:]
        ingest(lms, *batch)
        assert national_cells_stored() == oracle()
    assert_exact()


def _redeliver(event, people, courses):
    person = next(p for p in people if str(p.public_id) == event.learner)
    on = next(c for c in courses if c.pk == event.course)
    return person, on, event.occurred_at, event.idempotency_key


def test_the_count_is_written_in_the_ingest_transaction_and_a_failed_ingest_counts_nothing(lms):
    """`enrollments_changed` is sent inside the ingest's transaction: whatever fails after the recount
    (here a later receiver) rolls the count back with the events."""
    from learners.signals import enrollments_changed

    person, on = learner(), course()

    def fail(**kwargs):
        assert NationalCount.objects.filter(learner=person).exists()  # counted in the same transaction ...
        raise RuntimeError("the ingest fails after the recount")

    enrollments_changed.connect(fail, dispatch_uid="test-fail-after-recount")
    try:
        with pytest.raises(RuntimeError):
            ingest(lms, completion(person, on, jst(2024, 5, 1), key="once"))
    finally:
        enrollments_changed.disconnect(dispatch_uid="test-fail-after-recount")
    # ... and rolled back with it
    assert not Enrollment.objects.filter(learner=person).exists()
    assert not NationalCount.objects.exists()
    assert not NationalCell.objects.filter(people__gt=0).exists()
    assert_exact()


def test_a_committed_ingest_counts_once_however_often_it_is_delivered(lms):
    from learners.signals import enrollments_changed

    person, on = learner(), course()
    sent: list[list[int]] = []

    def record(learner_ids, **kwargs):
        sent.append(list(learner_ids))

    enrollments_changed.connect(record, dispatch_uid="test-record-recounts")
    try:
        ingest(lms, completion(person, on, jst(2024, 5, 1), key="once"))
        ingest(lms, completion(person, on, jst(2024, 5, 1), key="once"))  # re-delivery: a duplicate
    finally:
        enrollments_changed.disconnect(dispatch_uid="test-record-recounts")
    assert sent == [[person.pk]]
    assert NationalCount.objects.filter(learner=person).count() == 1
    assert_exact()
