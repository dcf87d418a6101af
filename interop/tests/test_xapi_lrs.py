"""The xAPI 1.0.3 Statements resource: headers, auth, all-or-nothing batches, PUT, GET, conflicts, voiding."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from interop.models import XapiStatementIn
from interop.xapi_validate import statement_problems
from learners.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/xapi/statements"
V: dict[str, Any] = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}


def st(**extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"id": "http://example.org/activity/1", "definition": {"name": {"ja-JP": "教材"}}},
        **extra,
    }


@pytest.fixture
def staff() -> Any:
    return UserFactory.create(is_staff=True)


@pytest.fixture
def client(staff: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff)
    return client


def test_the_version_header_is_required_and_echoed(client: APIClient) -> None:
    missing = client.post(URL, st(), format="json")
    assert missing.status_code == 400 and missing["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Version" in missing.json()
    assert client.post(URL, st(), format="json", HTTP_X_EXPERIENCE_API_VERSION="2.0.0").status_code == 400
    ok = client.post(URL, st(), format="json", **V)
    assert ok.status_code == 200 and ok["X-Experience-API-Version"] == "1.0.3"
    assert not XapiStatementIn.objects.exclude(statement_id=ok.json()[0]).exists()


def test_about_answers_without_authentication() -> None:
    about = APIClient().get("/api/v1/xapi/about")
    assert about.status_code == 200 and about.json()["version"] == ["1.0.3"]
    assert about["X-Experience-API-Version"] == "1.0.3"


def test_basic_auth_with_a_project_api_key(staff: Any) -> None:
    _token, key = api_token_issue(user=staff, name="lms")
    dxp, prefix_only, secret = key.split("_", 2)
    prefix = f"{dxp}_{prefix_only}"
    client = APIClient()
    for user, password in ((prefix, secret), (key, "")):
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        response = client.post(URL, st(), format="json", HTTP_AUTHORIZATION=f"Basic {basic}", **V)
        assert response.status_code == 200, response.content
    bad = base64.b64encode(f"{prefix}:wrong".encode()).decode()
    refused = client.post(URL, st(), format="json", HTTP_AUTHORIZATION=f"Basic {bad}", **V)
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Basic")
    assert APIClient().post(URL, st(), format="json", **V).status_code == 401


def test_a_batch_is_all_or_nothing_and_answers_the_ids(client: APIClient) -> None:
    good = [st(), st()]
    bad = st(actor={"mbox": "mailto:a@example.org", "account": {"homePage": "http://lms.example", "name": "a"}})
    refused = client.post(URL, [*good, bad], format="json", **V)
    assert refused.status_code == 400
    assert any("exactly one inverse functional identifier" in p for p in refused.json()["problems"])
    assert not XapiStatementIn.objects.exists()
    accepted = client.post(URL, good, format="json", **V)
    assert accepted.status_code == 200 and accepted.json() == [s["id"] for s in good]
    no_id = st()
    no_id.pop("id")
    (assigned,) = client.post(URL, no_id, format="json", **V).json()
    assert uuid.UUID(assigned)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": "not-a-uuid"}, "id: must be a UUID"),
        ({"extra": 1}, "extra: unknown property"),
        ({"verb": {"id": "experienced"}}, "verb.id: must be an absolute IRI"),
        ({"actor": {"name": "no identifier"}}, "actor: an inverse functional identifier"),
        ({"result": {"score": {"scaled": 1.5}}}, "result.score.scaled: must be between -1 and 1"),
        ({"result": {"duration": "1 hour"}}, "result.duration: must be an ISO 8601 duration"),
        ({"timestamp": "yesterday"}, "timestamp: must be an ISO 8601 timestamp"),
        ({"object": {"objectType": "Agent", "mbox": "mailto:b@example.org"}, "context": {"platform": "LMS"}}, None),
        ({"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}}, "object: a voiding statement's object"),
        ({"context": {"registration": "nope"}}, "context.registration: must be a UUID"),
        ({"verb": {"id": "http://example.org/v", "display": {"not a tag!": "x"}}}, "not an RFC 5646 language tag"),
        ({"actor": {"objectType": "Group", "member": [{"objectType": "Group", "member": []}]}}, "not groups"),
        ({"object": {"id": "http://example.org/a", "definition": {"type": None}}}, "must not be null"),
    ],
)
def test_the_specs_must_rules(change: dict[str, Any], problem: str | None) -> None:
    problems = statement_problems(st(**change))
    if problem is None:  # revision/platform with a non-Activity object
        assert any("only allowed when the object is an Activity" in p for p in problems)
    else:
        assert any(problem in p for p in problems), problems


def test_put_get_and_conflicts(client: APIClient) -> None:
    statement = st()
    statement_id = statement.pop("id")
    put = client.put(f"{URL}?statementId={statement_id}", statement, format="json", **V)
    assert put.status_code == 204
    assert client.put(f"{URL}?statementId={statement_id}", statement, format="json", **V).status_code == 204
    other = {**statement, "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"}}
    assert client.put(f"{URL}?statementId={statement_id}", other, format="json", **V).status_code == 409
    assert client.post(URL, {**other, "id": statement_id}, format="json", **V).status_code == 409
    assert client.post(URL, {**statement, "id": statement_id}, format="json", **V).status_code == 200
    assert client.put(URL, statement, format="json", **V).status_code == 400  # no statementId
    got = client.get(URL, {"statementId": statement_id}, **V)
    assert got.status_code == 200 and got["X-Experience-API-Consistent-Through"]
    body = got.json()
    assert body["id"] == statement_id and body["verb"] == statement["verb"]
    assert body["version"] == "1.0.0" and body["stored"] and body["authority"]["objectType"] == "Agent"
    twice = [st(), st()]
    twice[1]["id"], twice[1]["verb"] = twice[0]["id"], {"id": "http://adlnet.gov/expapi/verbs/attempted"}
    assert client.post(URL, twice, format="json", **V).status_code == 400  # one id, two statements
    assert client.get(URL, {"statementId": str(uuid.uuid4())}, **V).status_code == 404
    assert client.get(URL, {"statementId": statement_id, "verb": "http://x"}, **V).status_code == 400
    assert client.get(URL, {"nonsense": "1"}, **V).status_code == 400
    listing = client.get(URL, {"limit": 1}, **V).json()
    assert len(listing["statements"]) == 1 and listing["more"] == ""


def test_voiding(client: APIClient) -> None:
    target = st()
    client.post(URL, target, format="json", **V)
    voiding = st(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"}, object={"objectType": "StatementRef", "id": target["id"]}
    )
    assert client.post(URL, voiding, format="json", **V).status_code == 200
    assert client.get(URL, {"statementId": target["id"]}, **V).status_code == 404
    voided = client.get(URL, {"voidedStatementId": target["id"]}, **V)
    assert voided.status_code == 200 and voided.json()["id"] == target["id"]
    assert client.get(URL, {"statementId": voiding["id"]}, **V).status_code == 200


def test_statements_are_visible_only_to_their_submitter(client: APIClient) -> None:
    statement = st()
    client.post(URL, statement, format="json", **V)
    from courses.models import Provider

    provider_user = UserFactory.create()
    Provider.objects.create(name_ja="他社", name_en="Other").members.add(provider_user)
    other = APIClient()
    other.force_authenticate(provider_user)
    assert other.get(URL, {"statementId": statement["id"]}, **V).status_code == 404
    learner = APIClient()
    learner.force_authenticate(UserFactory.create())
    assert learner.post(URL, st(), format="json", **V).status_code == 403


def test_hostile_input_is_a_400_on_every_part_of_the_resource(client: APIClient) -> None:
    """The input boundary of issue 16 holds on the Statements resource: deep nesting in the body and in the
    `agent` query parameter, lone surrogates, NUL."""
    deep = "[" * 50_000 + "]" * 50_000
    assert client.generic("POST", URL, deep, content_type="application/json", **V).status_code == 400
    assert client.get(URL, {"agent": deep}, **V).status_code == 400
    assert client.get(URL, {"agent": '{"mbox": "mailto:a@b.c\\ud800"}'}, **V).status_code == 400
    bad = st(object={"id": "http://example.org/activity/\ud800"})
    assert client.generic("POST", URL, _raw(bad), content_type="application/json", **V).status_code == 400
    assert not XapiStatementIn.objects.exists()


def _raw(value: Any) -> str:
    import json

    return json.dumps(value)  # ensure_ascii keeps the lone surrogate as the escape \ud800
