"""Inputs the API fuzzer (scripts/fuzz_api.py, schemathesis) turned into server errors or answers
outside the schema; each is now a clean 4xx in the documented shape."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from courses.models import Provider
from courses.tests.factories import PROVIDER

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_client():
    user = User.objects.create_user("provider", password="a-long-Passw0rd!")
    Provider.objects.create(name_ja=PROVIDER).members.add(user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_nul_character_in_the_query_is_a_400(client, standard):
    response = client.get("/api/v1/standard/skill-items/DU06/?version=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_catalog_records_that_are_not_objects_or_hold_nul_are_reported(provider_client, standard):
    from courses.tests.factories import course_record

    for body in (b"[null]", b"[1, []]", json.dumps([course_record(1, title_ja="講座\u0000")]).encode()):
        response = provider_client.post("/api/v1/catalog/imports/", body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["outcome"] == "rejected"


def test_progress_events_with_nul_are_a_400_naming_the_fields(provider_client, standard):
    # Issue 16: NUL (and lone surrogates) are refused at the input boundary for the whole body, naming
    # each field, before any event is read (they were rejected one by one before).
    event = {
        "idempotency_key": "k\u0000",
        "learner": "6c97ac83-feff-499b-b812-26c5a0f2b083",
        "course": "T\u0000",
        "kind": "enrolled",
        "occurred_at": "2025-01-01T00:00:00+09:00",
        "source": "\u0000",
    }
    response = provider_client.post("/api/v1/progress-events/", {"events": [event]}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"events[0].idempotency_key", "events[0].course", "events[0].source"}
    statement = {
        "id": "s1",
        "actor": {"mbox": "mailto:a\u0000@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/registered"},
        "object": {"id": "https://x\u0000"},
        "timestamp": "2025-01-01T00:00:00+09:00",
    }
    answer = provider_client.post(
        "/api/v1/xapi/statements", statement, format="json", HTTP_X_EXPERIENCE_API_VERSION="1.0.3"
    )
    assert answer.status_code == 400  # the whole statement is refused: NUL characters (and an id that is no UUID)
    assert "actor.mbox" in answer.content.decode() and "object.id" in answer.content.decode()


def test_an_event_kind_that_is_not_text_is_rejected(provider_client, standard):
    event = {
        "idempotency_key": "k1",
        "learner": "6c97ac83-feff-499b-b812-26c5a0f2b083",
        "course": 0,
        "kind": {"not": "a kind"},
        "occurred_at": "2025-01-01T00:00:00+09:00",
    }
    response = provider_client.post("/api/v1/progress-events/", {"events": [event]}, format="json")
    assert response.status_code == 200
    (outcome,) = response.json()["results"]
    assert outcome["status"] == "rejected" and "kind:" in outcome["reason"]


def test_a_budget_beyond_the_column_is_a_400():
    user = User.objects.create_user("hanako", password="a-long-Passw0rd!")
    client = APIClient()
    client.force_authenticate(user)
    response = client.patch("/api/v1/me/profile", {"budget_jpy": 10**12}, format="json")
    assert response.status_code == 400 and "budget_jpy" in response.json()


def test_an_unreadable_form_body_is_a_json_400(provider_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"events=e{n}" for n in range(20))
    response = provider_client.post("/api/v1/progress-events/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_unknown_api_addresses_answer_json_404(client):
    response = client.get("/api/v1/courses/not-a-number/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_the_standard_version_code_may_hold_dots(standard):
    standard.full_clean()  # "dss-1.2" was refused by the former SlugField
    assert standard.code == "dss-1.2"


def test_every_documented_operation_documents_its_errors(client):
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert {"401", "403", "404", "429", "503"} <= set(operation["responses"]), (method, path)
            if "requestBody" in operation:
                assert {"400", "411", "413"} <= set(operation["responses"]), (method, path)
    delete = schema["paths"]["/api/v1/me"]["delete"]
    assert delete["requestBody"]["content"]["application/json"]["schema"]["required"] == ["password"]
