"""A learner records their own progress in the web app: enroll, progress, complete; idempotent per form."""

import pytest

from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.models import Enrollment, EnrollmentStatus, ProgressEvent, SkillAssessment
from learners.tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(standard, client, settings):
    settings.RECOMMENDER_DENSE = False
    catalog_import(data=catalog_json([course_record(1, skills=[{"code": "DU04", "level": 3}])]), filename="c.json")
    from courses.models import Course

    course = Course.objects.get(code="T-001")
    learner = LearnerFactory.create(target_role=standard.roles.get(code="DS_PRO"))
    client.force_login(learner.user)
    return learner, course, client


def _post(client, course, **data):
    return client.post(f"/me/courses/{course.pk}/progress/", {"key": "k1", "next": "/me/plan/", **data})


def test_enroll_progress_complete_from_the_web(setup):
    learner, course, client = setup
    html = client.get(f"/courses/{course.pk}/").content.decode()
    assert 'value="enrolled"' in html and "csrfmiddlewaretoken" in html
    response = _post(client, course, action="enrolled")
    assert response.status_code == 302 and response["Location"] == "/me/plan/"
    assert Enrollment.objects.get(learner=learner, course=course).status == EnrollmentStatus.ENROLLED
    assert _post(client, course, action="enrolled").status_code == 302  # the same form twice
    assert ProgressEvent.objects.filter(learner=learner).count() == 1
    _post(client, course, action="progress", percent="40", key="k2")
    assert Enrollment.objects.get(learner=learner, course=course).percent == 40
    _post(client, course, action="completed", key="k3")
    enrollment = Enrollment.objects.get(learner=learner, course=course)
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.percent == 100
    assert SkillAssessment.objects.filter(learner=learner, source="course", level=3).exists()
    html = client.get(f"/courses/{course.pk}/").content.decode()
    assert 'class="badge done"' in html


def test_bad_reports_are_refused_with_a_message(setup):
    learner, course, client = setup
    response = client.post(
        f"/me/courses/{course.pk}/progress/", {"key": "k1", "action": "progress", "percent": "140"}, follow=True
    )
    assert response.status_code == 200
    assert "100" in response.content.decode()  # the percent's limit is named
    assert not Enrollment.objects.filter(learner=learner).exists()
    assert client.get(f"/me/courses/{course.pk}/progress/").status_code == 405
    assert _post(client, course, action="enrolled", next="https://evil.example/").headers["Location"] == "/me/plan/"


def test_a_learner_reports_only_on_themselves(setup, client):
    _, course, _ = setup
    client.logout()
    assert client.post(f"/me/courses/{course.pk}/progress/", {"key": "x", "action": "enrolled"}).status_code == 302
    assert not Enrollment.objects.exists()  # anonymous: sent to the login page


def test_a_learner_who_reported_their_own_progress_can_be_erased(setup):
    from django.contrib.auth.models import User

    from learners.services import learner_erase

    learner, course, client = setup
    _post(client, course, action="completed")
    assert ProgressEvent.objects.filter(submitted_by=learner.user).count() == 1
    learner_erase(learner=learner)
    assert not User.objects.filter(pk=learner.user_id).exists()
    assert not ProgressEvent.objects.exists() and not Enrollment.objects.exists()
