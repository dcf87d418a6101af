"""The audit log: append-only, written for every employer read, export, import and permission change."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from accounts.models import RoleGroup
from accounts.services import api_token_issue, api_token_revoke, user_role_grant
from audit.models import AuditAction, AuditEntry, AuditIdentity, AuditLogImmutable
from audit.selectors import audit_people
from audit.services import audit_record, audit_ref_for
from courses.models import Provider
from learners.models import Membership
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _entries(event: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=event).order_by("pk"))


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = audit_record(action=AuditAction.READ, event="test.read", actor=None)
    entry.event = "changed"
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(event="changed")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditLogImmutable), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["event"])
    assert AuditEntry.objects.get(pk=entry.pk).event == "test.read"


def test_the_database_refuses_an_update_behind_the_orms_back():
    entry = audit_record(action=AuditAction.READ, event="test.read", actor=None)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET event = 'forged' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).event == "test.read"


def test_people_appear_only_as_pseudonyms():
    user = UserFactory.create(username="hanako-yamada", email="hanako@example.org")
    entry = audit_record(action=AuditAction.READ, event="test.read", actor=user, subject=user, detail={"n": 1})
    ref = audit_ref_for(user=user)
    assert entry.actor_ref == entry.subject_ref == ref
    assert ref != str(user.pk) and len(ref) == 16
    stored = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert "hanako" not in stored
    assert audit_people(refs=[ref]) == {ref: "hanako-yamada"}


def _world(standard):
    from courses.models import Course
    from courses.services import catalog_import
    from courses.tests.factories import catalog_json, course_record
    from learners.services import track_assign, track_create

    catalog_import(data=catalog_json([course_record(1)]), filename="c.json")
    org = OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    member = LearnerFactory.create(target_role=standard.roles.get(code="DS_PRO"))
    MembershipFactory.create(user=member.user, organization=org)
    track = track_create(organization=org, name="t", courses=[(Course.objects.get(), 10, True)])
    track_assign(track=track, learners=[member], due_on=None, assigned_by=admin)
    return org, admin, member, track


def test_every_employer_read_of_learner_data_is_recorded(client, standard):
    org, admin, member, track = _world(standard)
    api = APIClient()
    api.force_authenticate(admin)
    base = f"/api/v1/orgs/{org.pk}"
    assert api.get(f"{base}/members").status_code == 200
    assert api.get(f"{base}/dashboard").status_code == 200
    assert api.get(f"{base}/tracks/{track.pk}/").status_code == 200
    assert api.get(f"{base}/tracks/{track.pk}/progress.csv").status_code == 200
    assert api.get(f"{base}/members/{member.public_id}/plan").status_code == 200
    client.force_login(admin)
    assert client.get(f"/team/{org.pk}/").status_code == 200
    admin_ref = audit_ref_for(user=admin)
    expected = {
        "orgs.members": AuditAction.READ,
        "orgs.dashboard": AuditAction.READ,
        "orgs.track.progress": AuditAction.READ,
        "orgs.track.progress_csv": AuditAction.EXPORT,
        "orgs.member.plan": AuditAction.READ,
        "team.page": AuditAction.READ,
    }
    for event, action in expected.items():
        (entry,) = _entries(event)
        assert (entry.action, entry.actor_kind, entry.actor_ref, entry.organization_id) == (
            action,
            "user",
            admin_ref,
            org.pk,
        ), event
    assert _entries("orgs.member.plan")[0].subject_ref == audit_ref_for(user=member.user)
    assert _entries("orgs.members")[0].detail == {"people": 1}  # the admin has no learner profile
    # a refused read (another organization's admin) records nothing
    stranger = MembershipFactory.create(kind=Membership.Kind.ADMIN).user
    api.force_authenticate(stranger)
    assert api.get(f"{base}/members").status_code == 404
    assert len(_entries("orgs.members")) == 1


def test_imports_and_exports_are_recorded(standard):
    from courses.tests.factories import PROVIDER, catalog_json, course_record

    provider_user = UserFactory.create()
    provider = Provider.objects.create(name_ja=PROVIDER)
    provider.members.add(provider_user)
    api = APIClient()
    api.force_authenticate(provider_user)
    body = catalog_json([course_record(1)])
    assert api.post("/api/v1/catalog/imports/", body, content_type="application/json").status_code == 201
    assert api.post("/api/v1/catalog/imports/", b"[{", content_type="application/json").status_code == 400
    stored, rejected = _entries("catalog.import")
    assert (stored.actor_ref, stored.detail["outcome"], stored.detail["created"]) == (
        audit_ref_for(user=provider_user),
        "stored",
        1,
    )
    assert rejected.detail["outcome"] == "rejected"
    anonymous = APIClient()
    assert anonymous.get("/api/v1/catalog/export?format=csv").status_code == 200
    (export,) = _entries("catalog.export")
    assert (export.action, export.actor_kind, export.detail["rows"]) == (AuditAction.EXPORT, "anonymous", 1)
    learner = LearnerFactory.create()
    events = [
        {
            "idempotency_key": "k1",
            "learner": str(learner.public_id),
            "course": "T-001",
            "kind": "completed",
            "occurred_at": "2025-01-01T00:00:00+09:00",
        }
    ]
    assert api.post("/api/v1/progress-events/", {"events": events}, format="json").status_code == 200
    (ingest,) = _entries("progress.ingest")
    assert ingest.action == AuditAction.IMPORT and ingest.detail["created"] == 1
    assert _entries("standard.load")[0].action == AuditAction.IMPORT  # the `standard` fixture loaded it


def test_permission_changes_are_recorded():
    user = UserFactory.create()
    ref = audit_ref_for(user=user)
    user_role_grant(user=user, role=RoleGroup.ORG_ADMIN)
    (added,) = _entries("user.groups.added")
    assert (added.action, added.subject_ref, added.detail) == (
        AuditAction.PERMISSION,
        ref,
        {"groups": ["organization_admin"]},
    )
    Group.objects.get(name="organization_admin").user_set.remove(user)
    assert _entries("user.groups.removed")[0].subject_ref == ref
    user.is_staff = True
    user.save()
    (flags,) = _entries("user.flags.changed")
    assert flags.detail == {"changed": {"is_staff": [False, True]}}
    user.save()  # nothing changed: nothing recorded
    assert len(_entries("user.flags.changed")) == 1
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    assert _entries("user.permissions.added")[0].detail == {"permissions": ["audit.view_auditentry"]}
    membership = MembershipFactory.create(user=user)
    membership.kind = Membership.Kind.ADMIN
    membership.save()
    membership.delete()
    events = [e.event for e in AuditEntry.objects.filter(object_type="learners.membership").order_by("pk")]
    assert events == ["membership.created", "membership.changed", "membership.deleted"]
    provider = Provider.objects.create(name_ja="提供者")
    provider.members.add(user)
    assert _entries("provider.members.added")[0].object_id == str(provider.pk)
    token, _key = api_token_issue(user=user, name="lms")
    api_token_revoke(token=token)
    assert [e.event for e in AuditEntry.objects.filter(object_type="accounts.apitoken").order_by("pk")] == [
        "api_token.issued",
        "api_token.revoked",
    ]


def test_admin_actions_name_the_staff_member_who_acted(client):
    staff = User.objects.create_user("auditor", password="x-long-Passw0rd!", is_staff=True, is_superuser=True)
    target = UserFactory.create()
    client.force_login(staff)
    group, _ = Group.objects.get_or_create(name="ministry_analyst")
    response = client.post(
        f"/admin/auth/user/{target.pk}/change/",
        {
            "username": target.username,
            "email": target.email,
            "is_active": "on",
            "groups": [group.pk],
            "date_joined_0": "2025-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2025-01-01",
            "initial-date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (entry,) = _entries("user.groups.added")
    assert entry.actor_ref == audit_ref_for(user=staff)
    assert entry.subject_ref == audit_ref_for(user=target)


def test_staff_see_the_log_read_only_in_the_admin(client):
    entry = audit_record(action=AuditAction.READ, event="test.read", actor=None)
    staff = User.objects.create_user("viewer", password="x-long-Passw0rd!", is_staff=True)  # no permissions
    client.force_login(staff)
    listing = client.get("/admin/audit/auditentry/")
    assert listing.status_code == 200
    assert "test.read" in listing.content.decode()
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"event": "x"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).event == "test.read"
    learner = UserFactory.create()
    client.force_login(learner)
    assert client.get("/admin/audit/auditentry/").status_code == 302  # to the admin login


def test_the_erased_persons_entries_stay_without_a_link_to_them():
    user = UserFactory.create()
    audit_record(action=AuditAction.READ, event="test.read", actor=user, subject=user)
    ref = audit_ref_for(user=user)
    user.delete()
    assert not AuditIdentity.objects.filter(ref=ref).exists()
    entry = AuditEntry.objects.get(event="test.read")
    assert entry.subject_ref == ref and audit_people(refs=[ref]) == {}
    assert AuditEntry.objects.filter(event="user.deleted", subject_ref=ref).exists()
