"""A learner reads and writes only their own record."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.models import Enrollment, SkillAssessment
from learners.tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_learners(standard):
    catalog_import(data=catalog_json([course_record(1)]), filename="c.json")
    from courses.models import Course

    course = Course.objects.get()
    a, b = LearnerFactory.create(), LearnerFactory.create()
    now = timezone.now() - timedelta(days=1)
    ea = Enrollment.objects.create(learner=a, course=course, enrolled_at=now)
    eb = Enrollment.objects.create(learner=b, course=course, enrolled_at=now)
    client = APIClient()
    client.force_authenticate(a.user)
    return {"client": client, "a": a, "b": b, "ea": ea, "eb": eb}


def test_anonymous_is_refused(standard):
    assert APIClient().get("/api/v1/me/profile").status_code == 401


def test_profile_read_and_update(two_learners):
    client = two_learners["client"]
    assert client.get("/api/v1/me/profile").json()["public_id"] == str(two_learners["a"].public_id)
    response = client.patch(
        "/api/v1/me/profile",
        {"target_role": "DS_PRO", "weekly_hours": "5.5", "free_only": True, "preferred_formats": ["e-learning"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["target_role"] == "DS_PRO"
    two_learners["a"].refresh_from_db()
    assert two_learners["a"].target_role.code == "DS_PRO"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target_role": "NOPE"}, "target_role"),
        ({"weekly_hours": "120"}, "weekly_hours"),
        ({"budget_jpy": -1}, "budget_jpy"),
        ({"preferred_formats": ["vr"]}, "preferred_formats"),
        ({"prefecture": "99"}, "prefecture"),
    ],
)
def test_profile_bad_input_names_the_field(two_learners, body, field):
    response = two_learners["client"].patch("/api/v1/me/profile", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_self_assessment_and_current_levels(two_learners):
    client = two_learners["client"]
    response = client.post("/api/v1/me/assessments", {"levels": {"DU04": 2, "BT01": 1}}, format="json")
    assert response.status_code == 200
    assert {r["skill"]: r["level"] for r in response.json()} == {"BT01": 1, "DU04": 2}
    assert SkillAssessment.objects.filter(learner=two_learners["b"]).count() == 0


@pytest.mark.parametrize(
    ("levels", "fragment"), [({"DU04": 5}, "levels"), ({"DU04": -1}, "levels"), ({"XX99": 2}, "XX99")]
)
def test_bad_levels_are_400(two_learners, levels, fragment):
    response = two_learners["client"].post("/api/v1/me/assessments", {"levels": levels}, format="json")
    assert response.status_code == 400
    assert fragment in str(response.json())
    assert not SkillAssessment.objects.exists()


def test_another_learners_enrollment_is_404(two_learners):
    client = two_learners["client"]
    assert [e["id"] for e in client.get("/api/v1/me/enrollments/").json()] == [two_learners["ea"].pk]
    assert client.get(f"/api/v1/me/enrollments/{two_learners['ea'].pk}/").status_code == 200
    assert client.get(f"/api/v1/me/enrollments/{two_learners['eb'].pk}/").status_code == 404
