"""The input boundary (issue 16): NUL and lone surrogates, nesting depth, numbers, dates.

Each bad input answers 4xx naming the field, never 500, and stores nothing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from common.input_checks import InputError, bad_text, json_depth, json_loads
from courses.models import Course, ImportRun, Provider
from courses.services import catalog_import
from courses.tests.factories import PROVIDER, catalog_json, course_record
from learners.models import Enrollment, Membership, ProgressEvent
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.test_permission_matrix import api_operations

ROOT = Path(__file__).resolve().parents[1]
NESTED = ("[" * 50_000 + "]" * 50_000).encode()


# --- the plain-Python checks --------------------------------------------------------------------


def test_json_loads_refuses_deep_nesting_before_parsing():
    with pytest.raises(InputError, match="nests 50000 levels"):
        json_loads(NESTED)
    assert json_depth('{"a": "[[[[", "b": [[1]]}') == 3  # brackets inside strings do not count


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("1" * 5000, "5000 digits"),
        ('{"price_jpy": ' + "9" * 30 + "}", "30 digits"),
        ('{"scaled": 1e400}', "out of range"),
        ('{"x": NaN}', "not a JSON number"),
        ('{"x": -Infinity}', "not a JSON number"),
    ],
)
def test_json_loads_refuses_numbers_out_of_every_range(document, message):
    with pytest.raises(InputError, match=message):
        json_loads(document)


def test_bad_text_names_keys_and_values_at_any_depth():
    found = bad_text({"a": ["ok", "\ud800"], "b\x00": 1, "c": {"d": "x\x00"}})
    assert found == [
        ("a[1]", "contains a lone surrogate (text that is not valid Unicode)"),
        ("b\\x00", "the key contains a NUL character"),
        ("c.d", "contains a NUL character"),
    ]


# --- every JSON endpoint ----------------------------------------------------------------------


@pytest.fixture
def staff_client(db):
    user = User.objects.create_user("staff", password="a-long-Passw0rd!", is_staff=True, is_superuser=True)
    Provider.objects.create(name_ja=PROVIDER).members.add(user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def _writable_routes() -> list[tuple[str, str]]:
    ops = api_operations(get_resolver().url_patterns)
    routes = []
    for route, method in sorted(ops):
        if method not in ("post", "put", "patch"):
            continue
        concrete = re.sub(r"<uuid:[^>]+>", str(uuid.uuid4()), route)
        concrete = re.sub(r"<int:[^>]+>", "1", concrete)
        concrete = re.sub(r"<str:[^>]+>", "X", concrete)
        routes.append(("/" + concrete, method))
    return routes


WRITABLE = _writable_routes()


def test_the_writable_routes_include_the_anonymous_verifier():
    assert ("/api/v1/credentials/verify", "post") in WRITABLE
    assert ("/api/v1/progress-events/", "post") in WRITABLE


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), WRITABLE)
def test_50000_nested_brackets_never_reach_the_parser(staff_client, standard, path, method):
    response = getattr(staff_client, method)(path, NESTED, content_type="application/json")
    assert response.status_code < 500, response.content[:300]
    assert response.status_code in (400, 403, 404, 405), response.status_code


@pytest.mark.django_db
def test_the_anonymous_credential_verifier_refuses_deep_nesting():
    response = APIClient().post("/api/v1/credentials/verify", NESTED, content_type="application/json")
    assert response.status_code == 400
    assert "nests 50000 levels" in response.json()["detail"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), WRITABLE)
def test_lone_surrogates_and_nul_in_keys_and_values_are_a_400_naming_the_field(staff_client, standard, path, method):
    body = '{"name": "\\ud800", "events": [{"k\\u0000": 1}], "levels": {"\\udfff": 2}}'
    xapi = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"} if "/xapi/" in path else {}  # an LRS checks the version first
    if xapi and method == "put":
        path += f"?statementId={uuid.uuid4()}"
    response = getattr(staff_client, method)(path, body, content_type="application/json", **xapi)
    assert response.status_code < 500
    if response.status_code == 400 and not path.startswith("/api/v1/catalog/imports/"):
        assert set(response.json()) == {"name", "events[0].k\\x00", "levels.\\udfff"}


# --- progress events: dates and values -----------------------------------------------------------


@pytest.fixture
def ingest_world(standard):
    catalog_import(data=catalog_json([course_record(1)]), filename="c.json")
    provider_user = UserFactory.create()
    Provider.objects.get(name_ja=PROVIDER).members.add(provider_user)
    client = APIClient()
    client.force_authenticate(provider_user)
    return {"client": client, "learner": LearnerFactory.create(), "course": Course.objects.get()}


def _event(world, key, occurred_at, kind="enrolled"):
    return {
        "idempotency_key": key,
        "learner": str(world["learner"].public_id),
        "course": world["course"].pk,
        "kind": kind,
        "occurred_at": occurred_at,
    }


@pytest.mark.parametrize(
    "occurred_at",
    [
        "0001-01-01T00:00:00+14:00",  # stored as 1 BC by PostgreSQL (issue 16)
        "0001-01-01T00:00:00Z",
        "1900-01-01T00:00:00+09:00",
        "1999-12-31T23:59:59Z",
        "9999-12-31T23:59:59Z",
    ],
)
def test_event_times_outside_the_window_are_rejected(ingest_world, occurred_at):
    response = ingest_world["client"].post(
        "/api/v1/progress-events/", {"events": [_event(ingest_world, "k1", occurred_at)]}, format="json"
    )
    assert response.status_code == 200
    (outcome,) = response.json()["results"]
    assert outcome["status"] == "rejected" and outcome["reason"].startswith("occurred_at:")
    assert not ProgressEvent.objects.exists() and not Enrollment.objects.exists()


def test_event_times_inside_the_window_are_accepted(ingest_world):
    events = [
        _event(ingest_world, "k1", "2000-01-01T00:00:00Z"),
        _event(ingest_world, "k2", (timezone.now() + timedelta(minutes=4)).isoformat(), kind="progress"),
    ]
    events[1]["percent"] = 10
    response = ingest_world["client"].post("/api/v1/progress-events/", {"events": events}, format="json")
    assert response.json()["created"] == 2


@pytest.mark.parametrize("scaled", [1e308, -1e308, 1.5, "0.5"])
def test_xapi_scaled_scores_outside_minus_1_to_1_are_rejected(ingest_world, scaled):
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": "https://x", "name": str(ingest_world["learner"].public_id)}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/progressed"},
        "object": {"id": "T-001"},
        "result": {"score": {"scaled": scaled}},
        "timestamp": timezone.now().isoformat(),
    }
    response = ingest_world["client"].post(
        "/api/v1/xapi/statements", statement, format="json", HTTP_X_EXPERIENCE_API_VERSION="1.0.3"
    )
    # an LRS refuses the whole request (issue 22), naming the field
    assert response.status_code == 400 and "scaled" in response.content.decode()


@pytest.mark.django_db
def test_xapi_scaled_score_of_1e308_in_raw_json_is_not_a_500(ingest_world):
    body = (
        '{{"id": "{}", "actor": {{"account": {{"homePage": "https://x", "name": "{}"}}}}, '
        '"verb": {{"id": "http://adlnet.gov/expapi/verbs/progressed"}}, "object": {{"id": "T-001"}}, '
        '"result": {{"score": {{"scaled": 1e308}}}}, "timestamp": "{}"}}'
    ).format(uuid.uuid4(), ingest_world["learner"].public_id, timezone.now().isoformat())
    response = ingest_world["client"].post(
        "/api/v1/xapi/statements", body, content_type="application/json", HTTP_X_EXPERIENCE_API_VERSION="1.0.3"
    )
    assert response.status_code == 400 and "scaled" in response.content.decode()


# --- catalog: API, partial, the upload page, the command ----------------------------------------


@pytest.fixture
def provider_client(standard):
    user = User.objects.create_user("provider", password="a-long-Passw0rd!")
    Provider.objects.create(name_ja=PROVIDER).members.add(user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def _record_with(**changes):
    record = course_record(1)
    record.update(changes)
    return record


@pytest.mark.parametrize("partial", ["", "?partial=1"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('[{"title_ja": "\\ud800"}]', "title_ja"),
        ('[{"co\\ud800de": "x"}]', "co\\ud800de"),
        ('[{"skills": [{"code": "\\udfff", "level": 1}]}]', "skills[0].code"),
        ('[{"code\\u0000": "x"}]', "code\\x00"),
    ],
)
def test_catalog_json_with_surrogates_or_nul_names_row_and_field(provider_client, partial, body, field):
    record = course_record(1)
    bad = json.loads(body)[0]
    merged = json.dumps([{**record, **bad}], ensure_ascii=True)
    response = provider_client.post("/api/v1/catalog/imports/" + partial, merged, content_type="application/json")
    assert response.status_code == (201 if partial else 400)
    assert response.json()["rejected"] == 1
    errors = response.json()["problems"]
    assert any(e["row"] == 1 and e["field"] == field for e in errors), errors
    assert not Course.objects.exists()
    ImportRun.objects.get()  # the run with its errors was stored (jsonb holds only printable text)


def test_catalog_price_and_digits_out_of_range(provider_client):
    for price in (10**12, -1):
        body = catalog_json([_record_with(price_jpy=price)])
        response = provider_client.post("/api/v1/catalog/imports/", body, content_type="application/json")
        assert response.status_code == 400
        assert [e["field"] for e in response.json()["problems"]] == ["price_jpy"]
    huge = json.dumps([_record_with(price_jpy=0)]).replace('"price_jpy": 0', '"price_jpy": ' + "9" * 5000)
    response = provider_client.post("/api/v1/catalog/imports/", huge, content_type="application/json")
    assert response.status_code == 400 and "5000 digits" in json.dumps(response.json())
    assert not Course.objects.exists()


def test_catalog_csv_with_nul_in_the_header(provider_client):
    from courses.catalog_format import ALL_COLUMNS

    header = ",".join(ALL_COLUMNS).replace("title_en", "title\x00en")
    body = (header + "\r\n").encode()
    response = provider_client.post("/api/v1/catalog/imports/", body, content_type="text/csv")
    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == "title\\x00en"


def test_catalog_upload_page_with_a_lone_surrogate(client, standard, django_capture_on_commit_callbacks):
    """The web upload is an import job: the job's page names the field, and nothing is stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from courses.models import Course

    user = User.objects.create_user("provider1", password="pw-for-tests-1234")
    Provider.objects.create(name_ja=PROVIDER).members.add(user)
    client.force_login(user)
    body = json.dumps([_record_with(title_ja="\ud800")]).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/courses/upload/?lang=en", {"file": SimpleUploadedFile("c.json", body)})
    assert response.status_code == 303
    page = client.get(response["Location"], {"lang": "en"}).content.decode()
    assert "Nothing was stored" in page and "<code>title_ja</code>" in page
    assert not Course.objects.exists()


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.django_db
def test_import_catalog_names_file_row_and_field_for_a_surrogate(standard, tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([_record_with(title_ja="\ud800")]), encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import_catalog", str(path))
    err = capsys.readouterr().err
    assert f"{path}: row 1" in err and "title_ja" in err and "lone surrogate" in err
    nested = tmp_path / "nested.json"
    nested.write_bytes(NESTED)
    with pytest.raises(CommandError):
        call_command("import_catalog", str(nested))
    assert "nests 50000 levels" in capsys.readouterr().err


@pytest.mark.django_db
def test_infer_skills_names_file_item_and_field_for_a_surrogate(standard, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "texts.json"
    path.write_text(json.dumps([{"id": 1, "title": "データ\ud800", "description": "分析"}]), encoding="utf-8")
    with pytest.raises(CommandError, match=r"item 0, field 'title': contains a lone surrogate"):
        call_command("infer_skills", str(path))
    nested = tmp_path / "nested.json"
    nested.write_bytes(NESTED)
    with pytest.raises(CommandError, match="nests 50000 levels"):
        call_command("infer_skills", str(nested))


# --- numbers and dates elsewhere ------------------------------------------------------------------


@pytest.mark.django_db
def test_search_numbers_out_of_range_are_a_400(client, standard):
    for query in ("max_price=" + "9" * 900, "max_price=1000000000000", "provider=" + "9" * 30, "page=" + "9" * 30):
        response = client.get("/api/v1/courses/?" + query)
        assert response.status_code == 400, query


@pytest.mark.django_db
def test_due_dates_beyond_5_years_are_a_400(standard):
    catalog_import(data=catalog_json([course_record(1)]), filename="c.json")
    org = OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    MembershipFactory.create(user=LearnerFactory.create().user, organization=org)
    client = APIClient()
    client.force_authenticate(admin)
    track = client.post(
        f"/api/v1/orgs/{org.pk}/tracks/",
        {"name": "t", "courses": [{"course": Course.objects.get().pk}]},
        format="json",
    ).json()["id"]
    response = client.post(
        f"/api/v1/orgs/{org.pk}/tracks/{track}/assign", {"group": "all", "due_on": "9999-12-31"}, format="json"
    )
    assert response.status_code == 400 and "due_on" in response.json()
    ok = (timezone.localdate() + timedelta(days=365 * 4)).isoformat()
    response = client.post(
        f"/api/v1/orgs/{org.pk}/tracks/{track}/assign", {"group": "all", "due_on": ok}, format="json"
    )
    assert response.status_code == 200
