from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import Course, Provider
from courses.services import catalog_import
from courses.tests.factories import PROVIDER, catalog_json, course_record
from learners.models import Enrollment, Membership, ProgressEvent, SkillAssessment
from learners.selectors import learner_current_levels
from learners.services import skill_assessments_record
from learners.tests.factories import LearnerFactory, MembershipFactory, UserFactory
from skills.models import SkillItem

pytestmark = pytest.mark.django_db
URL = "/api/v1/progress-events/"
T0 = timezone.now() - timedelta(days=3)


@pytest.fixture
def world(standard):
    catalog_import(
        data=catalog_json(
            [
                course_record(1, skills=[{"code": "DU04", "level": 3}, {"code": "DU01", "level": 2}]),
                course_record(2, provider="他社", skills=[{"code": "TE08", "level": 2}]),
            ]
        ),
        filename="c.json",
    )
    provider_user = UserFactory.create()
    Provider.objects.get(name_ja=PROVIDER).members.add(provider_user)
    learner = LearnerFactory.create()
    client = APIClient()
    client.force_authenticate(provider_user)
    return {
        "client": client,
        "provider_user": provider_user,
        "learner": learner,
        "mine": Course.objects.get(code="T-001"),
        "theirs": Course.objects.get(code="T-002"),
    }


def event(world, key, kind, minutes, percent=None, course=None, learner=None):
    data = {
        "idempotency_key": key,
        "learner": str((learner or world["learner"]).public_id),
        "course": (course or world["mine"]).pk,
        "kind": kind,
        "occurred_at": (T0 + timedelta(minutes=minutes)).isoformat(),
    }
    if percent is not None:
        data["percent"] = percent
    return data


def post(world, events):
    response = world["client"].post(URL, {"events": events}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_events_create_an_enrollment_and_complete_it(world):
    body = post(
        world,
        [
            event(world, "e1", "enrolled", 0),
            event(world, "e2", "progress", 10, percent=40),
            event(world, "e3", "completed", 20),
        ],
    )
    assert (body["created"], body["duplicate"], body["rejected"]) == (3, 0, 0)
    enrollment = Enrollment.objects.get()
    assert (enrollment.status, enrollment.percent) == ("completed", 100)
    levels = learner_current_levels(learner=world["learner"])
    du04 = SkillItem.objects.get(code="DU04", version__is_current=True)
    assert levels[du04.pk].level == 3
    assert levels[du04.pk].source == "course"


def test_replaying_a_batch_changes_nothing_and_answers_the_same(world):
    batch = [event(world, "e1", "enrolled", 0), event(world, "e2", "completed", 5)]
    post(world, batch)
    state = list(Enrollment.objects.values_list("status", "percent", "completed_at", "last_event_at"))
    assessments = SkillAssessment.objects.count()
    again = post(world, batch)
    third = post(world, batch)
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert again == third
    assert ProgressEvent.objects.count() == 2
    assert SkillAssessment.objects.count() == assessments == 2
    assert list(Enrollment.objects.values_list("status", "percent", "completed_at", "last_event_at")) == state


def test_a_late_progress_never_undoes_a_completion(world):
    post(world, [event(world, "done", "completed", 60)])
    post(world, [event(world, "late", "progress", 30, percent=40), event(world, "drop", "dropped", 40)])
    enrollment = Enrollment.objects.get()
    assert (enrollment.status, enrollment.percent) == ("completed", 100)
    assert enrollment.enrolled_at == T0 + timedelta(minutes=30)


def test_out_of_order_within_a_batch_is_applied_by_time(world):
    post(world, [event(world, "b", "dropped", 50), event(world, "a", "progress", 10, percent=30)])
    enrollment = Enrollment.objects.get()
    assert (enrollment.status, enrollment.percent) == ("dropped", 30)


def test_bad_events_are_rejected_with_reasons_and_the_rest_processed(world):
    stranger = UserFactory.create()
    body = post(
        world,
        [
            event(world, "ok", "progress", 1, percent=10),
            {**event(world, "pct", "progress", 2), "percent": 140},
            {**event(world, "kind", "paused", 3)},
            {
                **event(world, "future", "progress", 0, percent=5),
                "occurred_at": (timezone.now() + timedelta(minutes=9)).isoformat(),
            },
            {**event(world, "who", "progress", 4, percent=5), "learner": "00000000-0000-0000-0000-000000000000"},
            {**event(world, "what", "progress", 5, percent=5), "course": 999999},
            event(world, "theirs", "progress", 6, percent=5, course=world["theirs"]),
            {"idempotency_key": "shape"},
            event(world, "nopct", "progress", 7),
        ],
    )
    reasons = {r["idempotency_key"]: (r["status"], r.get("reason", "")) for r in body["results"]}
    assert reasons["ok"] == ("created", "")
    assert reasons["pct"][0] == "rejected" and reasons["pct"][1].startswith("percent:")
    assert reasons["kind"][0] == "rejected" and reasons["kind"][1].startswith("kind:")
    assert reasons["future"] == ("rejected", "occurred_at: more than 5 minutes in the future")
    assert reasons["who"] == ("rejected", "learner: no learner with this id")
    assert reasons["what"] == ("rejected", "course: no course 999999")
    assert reasons["theirs"] == ("rejected", "course: not a course of a provider your account acts for")
    assert reasons["shape"][0] == "rejected" and "learner" in reasons["shape"][1]
    assert reasons["nopct"] == ("rejected", "percent: required for a progress event")
    assert ProgressEvent.objects.count() == 1
    assert stranger.pk


def test_a_key_reused_for_another_event_is_rejected(world):
    post(world, [event(world, "k", "progress", 1, percent=10)])
    body = post(world, [event(world, "k", "progress", 1, percent=90)])
    assert body["results"][0]["status"] == "rejected"
    assert "already used" in body["results"][0]["reason"]
    assert Enrollment.objects.get().percent == 10


def test_the_same_key_twice_in_one_batch_is_stored_once(world):
    body = post(world, [event(world, "k", "progress", 1, percent=10), event(world, "k", "progress", 1, percent=10)])
    assert [r["status"] for r in body["results"]] == ["created", "duplicate"]
    assert ProgressEvent.objects.count() == 1


def test_course_codes_resolve_within_the_providers_own_courses(world):
    body = post(world, [{**event(world, "c", "progress", 1, percent=10), "course": "T-001"}])
    assert body["results"][0]["status"] == "created"
    body = post(world, [{**event(world, "d", "progress", 1, percent=10), "course": "T-002"}])
    assert body["results"][0] == {
        "index": 0,
        "idempotency_key": "d",
        "status": "rejected",
        "reason": "course: no course 'T-002'",
    }


def test_a_batch_over_1000_is_refused_whole(world):
    events = [event(world, f"k{n}", "progress", 1, percent=1) for n in range(1001)]
    response = world["client"].post(URL, {"events": events}, format="json")
    assert response.status_code == 413
    assert not ProgressEvent.objects.exists()


def test_only_providers_org_admins_and_staff_may_submit(world):
    client = APIClient()
    assert client.post(URL, {"events": []}, format="json").status_code in (401, 403)
    client.force_authenticate(UserFactory.create())
    assert client.post(URL, {"events": []}, format="json").status_code == 403


def test_an_org_admin_reports_for_its_own_members_only(world):
    admin_membership = MembershipFactory.create(kind=Membership.Kind.ADMIN)
    MembershipFactory.create(user=world["learner"].user, organization=admin_membership.organization)
    outsider = LearnerFactory.create()
    client = APIClient()
    client.force_authenticate(admin_membership.user)
    body = client.post(
        URL,
        {
            "events": [
                event(world, "m", "progress", 1, percent=20),
                event(world, "o", "progress", 1, percent=20, learner=outsider),
            ]
        },
        format="json",
    ).json()
    assert [r["status"] for r in body["results"]] == ["created", "rejected"]
    assert body["results"][1]["reason"] == "learner: not an active member of an organization you administer"


def test_current_level_rule(world):
    learner = world["learner"]
    du04 = SkillItem.objects.get(code="DU04", version__is_current=True)
    skill_assessments_record(learner=learner, levels={du04: 4})
    assert learner_current_levels(learner=learner)[du04.pk].level == 4
    skill_assessments_record(learner=learner, levels={du04: 1})  # the learner revises down
    assert learner_current_levels(learner=learner)[du04.pk].level == 1
    post(world, [event(world, "done", "completed", 1)])  # the course teaches DU04 at 3
    current = learner_current_levels(learner=learner)[du04.pk]
    assert (current.level, current.source) == (3, "course")
    skill_assessments_record(learner=learner, levels={du04: 3})  # equal: stronger evidence is named
    assert learner_current_levels(learner=learner)[du04.pk].source == "course"


def test_rejection_reasons_are_shown_in_the_page_language(world):
    """The web progress form shows the ingest's reason translated (the API keeps the English text)."""
    from django.utils.translation import override

    from common.i18n import translate
    from learners.services import EventIn, progress_events_ingest

    def one(**changes):
        base = {
            "index": 0,
            "idempotency_key": "k",
            "learner": str(world["learner"].public_id),
            "course": world["mine"].pk,
            "kind": "progress",
            "occurred_at": T0,
            "percent": 5,
        }
        return progress_events_ingest(submitter=world["provider_user"], events=[EventIn(**{**base, **changes})])[0]

    who = one(learner="00000000-0000-0000-0000-000000000000").reason
    future = one(occurred_at=timezone.now() + timedelta(minutes=9)).reason
    theirs = one(course=world["theirs"].pk).reason
    assert who == "learner: no learner with this id"  # English where no page shows it
    with override("ja"):
        assert translate(who) == "learner：このIDの学習者はいません"
        assert translate(future).startswith("occurred_at：") and "future" not in translate(future)
        assert translate(theirs) == "course：このアカウントが担当する提供者の講座ではありません"
    assert ProgressEvent.objects.count() == 0
