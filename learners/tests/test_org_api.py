"""Employers see only their own organization, and only what each learner consented to share."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import Course
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.models import Enrollment, Membership, TrackAssignment
from learners.services import skill_assessments_record
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory
from skills.models import Role, SkillItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_world(standard):
    catalog_import(data=catalog_json([course_record(n) for n in range(1, 4)]), filename="c.json")
    org, other_org = OrganizationFactory.create(), OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    ds_pro = Role.objects.get(code="DS_PRO", version=standard)
    members = []
    for _ in range(3):
        learner = LearnerFactory.create(target_role=ds_pro)
        MembershipFactory.create(user=learner.user, organization=org)
        members.append(learner)
    private = LearnerFactory.create(
        target_role=ds_pro, share_levels=False, share_track_progress=False, share_target_role=False
    )
    MembershipFactory.create(user=private.user, organization=org)
    outsider = LearnerFactory.create(target_role=ds_pro)
    MembershipFactory.create(user=outsider.user, organization=other_org)
    du04 = SkillItem.objects.get(code="DU04", version=standard)
    for n, learner in enumerate([*members, private, outsider]):
        skill_assessments_record(learner=learner, levels={du04: n % 4}, note="secret note")
    client = APIClient()
    client.force_authenticate(admin)
    return {
        "client": client,
        "org": org,
        "other_org": other_org,
        "members": members,
        "private": private,
        "outsider": outsider,
        "courses": list(Course.objects.order_by("code")),
    }


def test_members_are_from_my_organization_only_and_consent_filtered(org_world):
    rows = org_world["client"].get(f"/api/v1/orgs/{org_world['org'].pk}/members").json()
    ids = {r["learner"] for r in rows}
    assert str(org_world["outsider"].public_id) not in ids
    assert str(org_world["members"][0].public_id) in ids
    private = next(r for r in rows if r["learner"] == str(org_world["private"].public_id))
    assert private["levels"] == "not shared" and private["target_role"] == "not shared"
    shared = next(r for r in rows if r["learner"] == str(org_world["members"][1].public_id))
    assert shared["levels"] == {"DU04": 1} and shared["target_role"] == "DS_PRO"
    assert "secret note" not in str(rows)


def test_another_organization_is_404(org_world):
    client = org_world["client"]
    other = org_world["other_org"].pk
    for path in ["members", "dashboard", "tracks/"]:
        assert client.get(f"/api/v1/orgs/{other}/{path}").status_code == 404
    assert [o["id"] for o in client.get("/api/v1/orgs/").json()] == [org_world["org"].pk]


def test_a_plain_learner_administers_nothing(org_world):
    client = APIClient()
    client.force_authenticate(org_world["members"][0].user)
    assert client.get("/api/v1/orgs/").json() == []
    assert client.get(f"/api/v1/orgs/{org_world['org'].pk}/members").status_code == 404


def _create_track(org_world, **extra):
    courses = org_world["courses"]
    body = {
        "name": "データサイエンス基礎",
        "target_role": "DS_PRO",
        "courses": [
            {"course": courses[0].pk, "due_offset_days": 0, "required": True},
            {"course": courses[1].pk, "due_offset_days": 60, "required": False},
        ],
        **extra,
    }
    response = org_world["client"].post(f"/api/v1/orgs/{org_world['org'].pk}/tracks/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_track_create_assign_progress_overdue_and_csv(org_world):
    client, org = org_world["client"], org_world["org"]
    track = _create_track(org_world)
    members = org_world["members"]
    response = client.post(
        f"/api/v1/orgs/{org.pk}/tracks/{track}/assign", {"members": [str(m.public_id) for m in members]}, format="json"
    )
    assert response.json() == {"assigned": 3, "already_assigned": 0}
    again = client.post(f"/api/v1/orgs/{org.pk}/tracks/{track}/assign", {"group": "all"}, format="json").json()
    assert again == {"assigned": 1, "already_assigned": 3}  # the private member joins; nobody twice
    assert TrackAssignment.objects.count() == 4
    # members[0] completed the required course; the others are overdue on it (due offset 0, due yesterday)
    TrackAssignment.objects.update(assigned_on=timezone.localdate() - timedelta(days=1))
    Enrollment.objects.create(
        learner=members[0],
        course=org_world["courses"][0],
        status="completed",
        percent=100,
        enrolled_at=timezone.now(),
        completed_at=timezone.now(),
    )
    detail = client.get(f"/api/v1/orgs/{org.pk}/tracks/{track}/").json()
    by_learner = {p["learner"]: p for p in detail["progress"]}
    assert by_learner[str(members[0].public_id)]["required_done"] == 1
    assert by_learner[str(members[0].public_id)]["overdue"] is False
    assert by_learner[str(members[1].public_id)]["overdue"] is True
    private = by_learner[str(org_world["private"].public_id)]
    assert (private["shared"], private["required_done"], private["overdue"], private["courses"]) == (
        False,
        None,
        None,
        [],
    )
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/api/v1/orgs/{org.pk}/tracks/{track}/progress.csv").content.decode("utf-8-sig"))
        )
    )
    assert rows[0][:3] == ["learner", "username", "course"]
    assert sum(r[6] == "completed" for r in rows[1:]) == 1
    assert any(r[6] == "not shared" for r in rows[1:])
    dashboard = client.get(f"/api/v1/orgs/{org.pk}/dashboard").json()
    assert dashboard["members_per_role"] == {"DS_PRO": 3}
    assert dashboard["tracks"][0]["completed"] == 1  # members[0] finished the one required course
    assert sorted(dashboard["tracks"][0]["overdue"]) == sorted(str(m.public_id) for m in members[1:])
    heat = dashboard["heatmap"][0]
    du04 = next(c for c in heat["cells"] if c["skill"] == "DU04")
    assert (du04["target"], du04["average"]) == (4, 1.0)  # levels 0,1,2 of the three sharing members
    assert len(heat["cells"]) == 49
    mine = APIClient()
    mine.force_authenticate(members[0].user)
    assert [t["id"] for t in mine.get("/api/v1/me/tracks").json()] == [track]


def test_assigning_a_non_member_is_400(org_world):
    track = _create_track(org_world)
    response = org_world["client"].post(
        f"/api/v1/orgs/{org_world['org'].pk}/tracks/{track}/assign",
        {"members": [str(org_world["outsider"].public_id)]},
        format="json",
    )
    assert response.status_code == 400
    assert "members" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "courses": []}, "courses"),
        ({"name": "x", "courses": [{"course": 999999}]}, "courses"),
        ({"name": "x", "target_role": "NOPE", "courses": [{"course": 1}]}, "target_role"),
    ],
)
def test_track_bad_input_names_the_field(org_world, body, field):
    response = org_world["client"].post(f"/api/v1/orgs/{org_world['org'].pk}/tracks/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
