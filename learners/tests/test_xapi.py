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
    client, learner, course = setup
    by_account = {"account": {"homePage": "https://lms.example.jp", "name": str(learner.public_id)}}
    statements = [
        statement("registered", by_account, course.url, 30),
        statement(
            "progressed",
            {"mbox": "mailto:hanako@example.org"},
            "T-001",
            20,
            result={"extensions": {"https://w3id.org/xapi/cmi5/result/extensions/progress": 60}},
        ),
        statement("experienced", by_account, course.url, 10),
    ]
    body = client.post(URL, statements, format="json").json()
    assert [r["status"] for r in body["results"]] == ["created", "created", "rejected"]
    assert body["results"][2]["reason"].startswith("verb:")
    enrollment = Enrollment.objects.get()
    assert (enrollment.status, enrollment.percent) == ("in_progress", 60)
    again = client.post(URL, statements[:2], format="json").json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    done = client.post(URL, statement("completed", by_account, course.url, 5), format="json").json()
    assert done["created"] == 1
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"
