"""Data-subject rights (APPI): a learner downloads everything about them and deletes their account."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, RoleGroup
from accounts.services import api_token_issue, user_role_grant
from audit.models import AuditEntry, AuditIdentity
from audit.services import audit_ref_for
from courses.models import Course, Provider
from learners.models import (
    Enrollment,
    LearnerProfile,
    Membership,
    ProgressEvent,
    SkillAssessment,
    Track,
    TrackAssignment,
)
from learners.privacy import ACTING_FOR_OTHERS, PERSONAL_DATA
from learners.services import (
    EventIn,
    learner_account_delete,
    progress_events_ingest,
    skill_assessments_record,
    track_assign,
    track_create,
)
from learners.signals import learner_erasing
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-Passw0rd!"


def test_every_reference_to_a_person_is_handled_by_export_and_erasure():
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model in (User, LearnerProfile):
                found.add((model._meta.label_lower, field.name))
    listed = set(PERSONAL_DATA) | set(ACTING_FOR_OTHERS)
    assert found - listed == set(), "add these to learners/privacy.py and to the export and erasure"
    assert listed - found == set(), "learners/privacy.py lists fields that no longer exist"


def _rich_learner(standard, name="hanako"):
    """A learner with something in every table that holds personal data."""
    from courses.services import catalog_import
    from courses.tests.factories import PROVIDER, catalog_json, course_record
    from recommender.services import plan_refresh

    if not Course.objects.exists():
        catalog_import(data=catalog_json([course_record(1), course_record(2)]), filename="c.json")
    user = User.objects.create_user(name, email=f"{name}@example.org", password=PASSWORD)
    user_role_grant(user=user, role=RoleGroup.LEARNER)
    learner = LearnerFactory.create(user=user, target_role=standard.roles.get(code="DS_PRO"))
    org = OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    MembershipFactory.create(user=user, organization=org)
    skill_assessments_record(learner=learner, levels={standard.skill_items.get(code="DU04"): 2}, recorded_by=user)
    submitter = UserFactory.create()
    Provider.objects.get(name_ja=PROVIDER).members.add(submitter)
    course = Course.objects.get(code="T-001")
    progress_events_ingest(
        submitter=submitter,
        events=[
            EventIn(0, f"{name}-1", str(learner.public_id), course.pk, "completed", timezone.now() - timedelta(hours=1))
        ],
    )
    track = track_create(organization=org, name="DX basics", courses=[(course, 30, True)], created_by=admin)
    track_assign(track=track, learners=[learner], due_on=None, assigned_by=admin)
    plan_refresh(learner_id=learner.pk)
    api_token_issue(user=user, name="my script")
    return learner, org, admin, track


def test_a_learner_downloads_everything_stored_about_them(standard):
    learner, org, _admin, _track = _rich_learner(standard)
    other, *_ = _rich_learner(standard, name="taro")
    client = APIClient()
    client.force_authenticate(learner.user)
    response = client.get("/api/v1/me/export")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert data["format"] == "dxpathways-learner-export/1"
    assert data["account"]["username"] == "hanako" and data["account"]["email"] == "hanako@example.org"
    assert data["account"]["groups"] == ["learner"]
    assert data["profile"]["public_id"] == str(learner.public_id)
    assert data["profile"]["target_role"] == "DS_PRO"
    assert [m["organization"] for m in data["memberships"]] == [org.name]
    sources = sorted(a["source"] for a in data["assessments"])
    assert sources == ["course", "self"]
    assert [(e["course_code"], e["status"]) for e in data["enrollments"]] == [("T-001", "completed")]
    assert [e["idempotency_key"] for e in data["progress_events"]] == ["hanako-1"]
    assert [a["track"] for a in data["track_assignments"]] == ["DX basics"]
    assert data["plan"] is not None and "items" in data["plan"]["payload"]
    assert [t["name"] for t in data["api_tokens"]] == ["my script"]
    assert all("key" not in t and "key_hash" not in t for t in data["api_tokens"])
    assert any(e["event"] == "user.groups.added" and e["about_me"] for e in data["audit_log"])
    body = response.content.decode()
    assert "taro" not in body and str(other.public_id) not in body
    assert AuditEntry.objects.filter(event="me.export", subject_ref=audit_ref_for(user=learner.user)).count() == 1


def test_the_my_learning_page_offers_the_download_and_the_deletion(client, standard):
    learner, *_ = _rich_learner(standard)
    LearnerProfile.objects.filter(pk=learner.pk).update(onboarded_at=timezone.now())
    client.force_login(learner.user)
    html = client.get("/me/").content.decode()
    assert 'href="/me/export/"' in html and 'href="/me/delete/"' in html
    response = client.get("/me/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["account"]["username"] == "hanako"


def _personal_rows(learner: LearnerProfile) -> dict[str, int]:
    user_id = learner.user_id
    return {
        "user": User.objects.filter(pk=user_id).count(),
        "profile": LearnerProfile.objects.filter(pk=learner.pk).count(),
        "assessments": SkillAssessment.objects.filter(learner_id=learner.pk).count(),
        "enrollments": Enrollment.objects.filter(learner_id=learner.pk).count(),
        "events": ProgressEvent.objects.filter(learner_id=learner.pk).count(),
        "assignments": TrackAssignment.objects.filter(learner_id=learner.pk).count(),
        "memberships": Membership.objects.filter(user_id=user_id).count(),
        "tokens": ApiToken.objects.filter(user_id=user_id).count(),
        "pseudonym": AuditIdentity.objects.filter(user_id=user_id).count(),
    }


def test_a_learner_deletes_their_account_and_everything_about_them(standard):
    from recommender.models import LearnerPlan

    learner, _org, _admin, track = _rich_learner(standard)
    other, *_ = _rich_learner(standard, name="taro")
    other_before = _personal_rows(other)
    ref = audit_ref_for(user=learner.user)
    entries_before = AuditEntry.objects.count()
    client = APIClient()
    client.force_authenticate(learner.user)
    wrong = client.delete("/api/v1/me", {"password": "not-my-password"}, format="json")
    assert wrong.status_code == 400 and "password" in wrong.json()
    assert client.delete("/api/v1/me", {}, format="json").status_code == 400
    assert all(_personal_rows(learner).values())
    response = client.delete("/api/v1/me", {"password": PASSWORD}, format="json")
    assert response.status_code == 204
    assert set(_personal_rows(learner).values()) == {0}
    assert not LearnerPlan.objects.filter(learner_id=learner.pk).exists()
    assert _personal_rows(other) == other_before
    assert Track.objects.filter(pk=track.pk).exists()  # the employer's track stays
    # the audit log kept every entry, plus the erasure, and none of them leads to the person
    assert AuditEntry.objects.count() > entries_before
    erased = AuditEntry.objects.get(event="learner.erased")
    assert erased.subject_ref == ref and erased.detail["enrollments"] == 1
    assert AuditEntry.objects.filter(subject_ref=ref).count() > 1
    assert not AuditIdentity.objects.filter(ref=ref).exists()
    assert "hanako" not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_the_erasing_signal_comes_first_inside_the_transaction(standard):
    learner, *_ = _rich_learner(standard)
    seen = []

    def rollup(sender, learner, **kwargs):
        seen.append(
            (
                sender,
                connection.in_atomic_block,
                Enrollment.objects.filter(learner=learner, status="completed").count(),
                learner.user.username,
            )
        )

    learner_erasing.connect(rollup)
    try:
        learner_account_delete(learner=learner)
    finally:
        learner_erasing.disconnect(rollup)
    assert seen == [(LearnerProfile, True, 1, "hanako")]


def test_a_failing_subscriber_aborts_the_erasure(standard):
    learner, *_ = _rich_learner(standard)
    before = _personal_rows(learner)

    def broken(sender, learner, **kwargs):
        raise RuntimeError("rollup store unavailable")

    learner_erasing.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            learner_account_delete(learner=learner)
    finally:
        learner_erasing.disconnect(broken)
    assert _personal_rows(learner) == before
    assert not AuditEntry.objects.filter(event="learner.erased").exists()


def test_an_account_that_reported_events_about_others_is_anonymised(standard):
    from courses.models import Course

    learner, _org, admin, _track = _rich_learner(standard)
    admin_learner = LearnerFactory.create(user=admin)
    admin.set_password(PASSWORD)
    admin.save()
    course = Course.objects.get(code="T-002")
    progress_events_ingest(
        submitter=admin,
        events=[EventIn(0, "by-admin", str(learner.public_id), course.pk, "enrolled", timezone.now())],
    )
    result = learner_account_delete(learner=admin_learner)
    assert result.account_deleted is False
    admin.refresh_from_db()
    assert admin.username.startswith("erased-") and admin.email == ""
    assert not admin.is_active and not admin.has_usable_password()
    assert not Membership.objects.filter(user=admin).exists()
    assert ProgressEvent.objects.filter(submitted_by=admin, learner=learner).count() == 1  # someone else's record
    assert not AuditIdentity.objects.filter(user=admin).exists()


def test_staff_cannot_delete_themselves_through_the_api(standard):
    staff = User.objects.create_user("boss", password=PASSWORD, is_staff=True)
    client = APIClient()
    client.force_authenticate(staff)
    assert client.delete("/api/v1/me", {"password": PASSWORD}, format="json").status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()


def test_wrong_passwords_at_deletion_lock_it(standard):
    learner, *_ = _rich_learner(standard)
    client = APIClient()
    client.force_authenticate(learner.user)
    for _ in range(5):
        assert client.delete("/api/v1/me", {"password": "guess"}, format="json").status_code == 400
    locked = client.delete("/api/v1/me", {"password": PASSWORD}, format="json")
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert User.objects.filter(pk=learner.user_id).exists()


def test_the_confirm_page_deletes_and_signs_out(client, standard):
    learner, *_ = _rich_learner(standard)
    client.force_login(learner.user)
    page = client.get("/me/delete/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    assert client.post("/me/delete/", {"password": "wrong"}).status_code == 400
    assert User.objects.filter(pk=learner.user_id).exists()
    done = client.post("/me/delete/", {"password": PASSWORD})
    assert done.status_code == 200
    assert not User.objects.filter(pk=learner.user_id).exists()
    assert client.get("/me/")["Location"].startswith("/accounts/login/")


def test_support_staff_can_erase_a_learner_on_request(standard):
    from io import StringIO

    from django.core.management import call_command

    learner, *_ = _rich_learner(standard)
    out = StringIO()
    call_command("erase_learner", "hanako", stdout=out)
    assert "Would erase" in out.getvalue() and User.objects.filter(pk=learner.user_id).exists()
    call_command("erase_learner", "hanako", "--yes", stdout=out)
    assert set(_personal_rows(learner).values()) == {0}
    erased = AuditEntry.objects.get(event="learner.erased")
    assert erased.actor_kind == "system"
