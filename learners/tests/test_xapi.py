import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import Course, Provider
from courses.services import catalog_import
from courses.tests.factories import PROVIDER, catalog_json, course_record
from learners.models import Enrollment
from learners.tests.factories import LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/xapi/statements"


@pytest.fixture
def setup(standard):
    catalog_import(data=catalog_json([course_record(1)]), filename="c.json")
    user = UserFactory.create()
    Provider.objects.get(name_ja=PROVIDER).members.add(user)
    client = APIClient()
    client.force_authenticate(user)
    learner = LearnerFactory.create(user=UserFactory.create(email="hanako@example.org"))
    return client, learner, Course.objects.get()


def statement(verb, actor, activity, minutes, **extra):
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": activity, "objectType": "Activity"},
        "timestamp": (timezone.now() - timedelta(minutes=minutes)).isoformat(),
        **extra,
    }


def test_statements_map_onto_progress_events(setup):
    """Through the xAPI Statements resource: progress verbs become progress events (issue 4's ingest)."""
    client, learner, course = setup
    client.credentials(HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    by_account = {"account": {"homePage": "https://lms.example.jp", "name": str(learner.public_id)}}
    statements = [
        statement("registered", by_account, course.url, 30),
        statement(
            "progressed",
            {"mbox": "mailto:hanako@example.org"},
            f"http://localhost:8000/courses/{course.pk}/",  # this service's own course IRI
            20,
            result={"extensions": {"https://w3id.org/xapi/cmi5/result/extensions/progress": 60}},
        ),
        statement("experienced", by_account, course.url, 10),  # stored, not a progress event
    ]
    response = client.post(URL, statements, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == [s["id"] for s in statements]
    enrollment = Enrollment.objects.get()
    assert (enrollment.status, enrollment.percent) == ("in_progress", 60)
    from interop.models import XapiStatementIn

    assert sorted(XapiStatementIn.objects.values_list("progress_status", flat=True)) == ["", "created", "created"]
    again = client.post(URL, statements[:2], format="json")
    assert again.status_code == 200 and again.json() == [s["id"] for s in statements[:2]]
    assert Enrollment.objects.get().percent == 60 and XapiStatementIn.objects.count() == 3
    done = client.post(URL, statement("completed", by_account, course.url, 5), format="json")
    assert done.status_code == 200
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"


def test_a_statement_about_an_unknown_learner_is_stored_and_its_rejection_kept(setup):
    client, _learner, course = setup
    client.credentials(HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    stranger = {"account": {"homePage": "https://lms.example.jp", "name": "nobody"}}
    response = client.post(URL, statement("registered", stranger, course.url, 5), format="json")
    assert response.status_code == 200
    from interop.models import XapiStatementIn

    row = XapiStatementIn.objects.get()
    assert row.progress_status == "rejected" and row.progress_reason.startswith("learner:")
    assert not Enrollment.objects.exists()
