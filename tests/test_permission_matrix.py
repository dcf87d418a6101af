"""Who may do what, for every API endpoint: the expected status for each kind of actor.

The endpoints come from the URL configuration, so a new endpoint (or a new method on one)
without an entry in MATRIX fails `test_the_matrix_covers_every_api_endpoint`.  Each request
runs with a real API key and is rolled back afterwards, so every actor meets the same world.
Besides the status, the learner A's user name and public id may appear only in answers to
learner A and to the admin of A's organization.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, path
from django.utils import timezone
from rest_framework.test import APIClient

ACTORS = (
    "anonymous",
    "learner_a",
    "learner_b",
    "admin_a",  # organization admin of A's organization
    "admin_other",  # organization admin of another organization
    "provider",
    "provider_other",
    "ministry",
    "staff",
)
METHODS = ("get", "post", "put", "patch", "delete")
PASSWORD = "matrix-Passw0rd!"


def row(*codes: int) -> dict[str, int]:
    assert len(codes) == len(ACTORS)
    return dict(zip(ACTORS, codes, strict=True))


# anonymous, learner A, learner B, admin A, admin other, provider, provider other, ministry, staff
PUBLIC = row(200, 200, 200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = row(401, 200, 200, 200, 200, 200, 200, 200, 200)
ORG_ADMIN_OF_A = row(401, 404, 404, 200, 404, 404, 404, 404, 404)
PROVIDERS_AND_STAFF = row(401, 403, 403, 403, 403, 200, 200, 403, 200)
STAFF_ONLY = row(401, 403, 403, 403, 403, 403, 403, 403, 200)
MINISTRY_AND_STAFF = row(401, 403, 403, 403, 403, 403, 403, 200, 200)  # aggregates only, never a person
REPORTERS = row(401, 403, 403, 200, 200, 200, 200, 403, 200)  # statuses per event tell what was accepted
# xAPI is all or nothing: a statement about someone the account may not report on refuses the request
XAPI_REPORTERS = row(401, 403, 403, 200, 403, 200, 403, 403, 200)

MATRIX: dict[tuple[str, str], dict[str, int]] = {
    # the standard: public, read-only
    ("api/v1/standard/", "get"): PUBLIC,
    ("api/v1/standard/versions/", "get"): PUBLIC,
    ("api/v1/standard/scales/", "get"): PUBLIC,
    ("api/v1/standard/persona-types/", "get"): PUBLIC,
    ("api/v1/standard/persona-types/<str:code>/", "get"): PUBLIC,
    ("api/v1/standard/roles/", "get"): PUBLIC,
    ("api/v1/standard/roles/<str:code>/", "get"): PUBLIC,
    ("api/v1/standard/skills/", "get"): PUBLIC,
    ("api/v1/standard/skill-items/", "get"): PUBLIC,
    ("api/v1/standard/skill-items/<str:code>/", "get"): PUBLIC,
    ("api/v1/standard/literacy/", "get"): PUBLIC,
    ("api/v1/standard/literacy-items/", "get"): PUBLIC,
    ("api/v1/standard/literacy-items/<str:code>/", "get"): PUBLIC,
    ("api/v1/standard/roles/<str:code>/moodle-framework.csv", "get"): PUBLIC,
    # the standard as 1EdTech CASE 1.1: public, read-only
    ("ims/case/v1p1/CFDocuments", "get"): PUBLIC,
    ("ims/case/v1p1/CFDocuments/<str:sourced_id>", "get"): PUBLIC,
    ("ims/case/v1p1/CFPackages/<str:sourced_id>", "get"): PUBLIC,
    ("ims/case/v1p1/CFItems/<str:sourced_id>", "get"): PUBLIC,
    ("ims/case/v1p1/CFItemAssociations/<str:sourced_id>", "get"): PUBLIC,
    ("ims/case/v1p1/CFAssociations/<str:sourced_id>", "get"): PUBLIC,
    ("ims/case/v1p1/CFRubrics/<str:sourced_id>", "get"): PUBLIC,
    ("ims/case/v1p1/CFRubricCriteria/<str:sourced_id>", "get"): PUBLIC,
    ("ims/case/v1p1/CFRubricCriterionLevels/<str:sourced_id>", "get"): PUBLIC,
    ("ims/case/v1p1/CFItemTypes/<str:sourced_id>", "get"): PUBLIC,
    ("ims/case/v1p1/CFDefinitions/<str:sourced_id>", "get"): PUBLIC,
    ("api/v1/case-imports", "post"): row(401, 403, 403, 403, 403, 403, 403, 403, 201),
    # credentials: verification is public; a credential is public only once its learner shares it
    ("api/v1/credentials/verify", "post"): PUBLIC,
    ("api/v1/credentials/<uuid:credential_id>", "get"): row(404, 200, 404, 404, 404, 404, 404, 404, 404),
    ("api/v1/me/credentials/", "get"): SIGNED_IN,
    ("api/v1/me/credentials/<uuid:credential_id>", "get"): row(401, 200, 404, 404, 404, 404, 404, 404, 404),
    ("api/v1/me/credentials/<uuid:credential_id>", "patch"): row(401, 200, 404, 404, 404, 404, 404, 404, 404),
    # the catalog
    ("api/v1/courses/", "get"): PUBLIC,
    ("api/v1/courses/<int:pk>/", "get"): PUBLIC,
    ("api/v1/catalog/export", "get"): PUBLIC,
    ("api/v1/catalog/moodle-courses.csv", "get"): PUBLIC,
    ("api/v1/catalog/imports/", "get"): PROVIDERS_AND_STAFF,
    # the other provider's file names a provider it does not act for: 400, nothing stored
    ("api/v1/catalog/imports/", "post"): row(401, 403, 403, 403, 403, 201, 400, 403, 201),
    ("api/v1/catalog/imports/<int:pk>/", "get"): row(401, 403, 403, 403, 403, 200, 404, 403, 200),
    ("api/v1/catalog/review/", "get"): STAFF_ONLY,
    # national progress: ministry analysts and staff
    ("api/v1/national/progress", "get"): MINISTRY_AND_STAFF,
    ("api/v1/national/progress.csv", "get"): MINISTRY_AND_STAFF,
    ("api/v1/national/breakdown", "get"): MINISTRY_AND_STAFF,
    ("api/v1/national/breakdown.csv", "get"): MINISTRY_AND_STAFF,
    ("api/v1/national/supply-gaps", "get"): MINISTRY_AND_STAFF,
    ("api/v1/national/supply-gaps.csv", "get"): MINISTRY_AND_STAFF,
    ("api/v1/catalog/review/<int:pk>/", "post"): STAFF_ONLY,
    # progress reports: the batch is answered 200 with a status per event (checked below)
    ("api/v1/progress-events/", "post"): REPORTERS,
    ("api/v1/xapi/statements", "post"): XAPI_REPORTERS,
    ("api/v1/xapi/statements", "put"): row(401, 403, 403, 204, 403, 204, 403, 403, 204),
    ("api/v1/xapi/statements", "get"): row(401, 403, 403, 200, 200, 200, 200, 403, 200),  # their own statements
    ("api/v1/xapi/about", "get"): PUBLIC,
    # the signed-in person's own record
    ("api/v1/me", "delete"): row(401, 204, 204, 204, 204, 204, 204, 204, 403),
    ("api/v1/me/export", "get"): SIGNED_IN,
    ("api/v1/me/profile", "get"): SIGNED_IN,
    ("api/v1/me/profile", "patch"): SIGNED_IN,
    ("api/v1/me/assessments", "get"): SIGNED_IN,
    ("api/v1/me/assessments", "post"): SIGNED_IN,
    ("api/v1/me/enrollments/", "get"): SIGNED_IN,
    ("api/v1/me/enrollments/<int:pk>/", "get"): row(401, 200, 404, 404, 404, 404, 404, 404, 404),
    ("api/v1/me/tracks", "get"): SIGNED_IN,
    ("api/v1/me/gaps", "get"): SIGNED_IN,
    ("api/v1/me/plan", "get"): SIGNED_IN,
    ("api/v1/me/plan", "post"): SIGNED_IN,
    # employers: only the admin of the organization; everyone else is told it does not exist
    ("api/v1/orgs/", "get"): SIGNED_IN,
    # exams as evidence (docs/exams.md): the list is public; passes are one's own; imports are the employer's
    ("api/v1/exams/", "get"): PUBLIC,
    ("api/v1/me/exams", "get"): SIGNED_IN,
    ("api/v1/me/exams", "post"): row(401, 201, 201, 201, 201, 201, 201, 201, 201),
    ("api/v1/me/exams/<int:pk>", "delete"): row(401, 204, 404, 404, 404, 404, 404, 404, 404),
    ("api/v1/orgs/<int:org_id>/exam-results", "post"): ORG_ADMIN_OF_A,
    ("api/v1/orgs/<int:org_id>/dx-certification", "get"): row(401, 404, 404, 200, 404, 404, 404, 404, 200),
    ("api/v1/orgs/<int:org_id>/dx-certification", "put"): row(401, 404, 404, 200, 404, 404, 404, 404, 200),
    ("api/v1/orgs/<int:org_id>/members", "get"): ORG_ADMIN_OF_A,
    ("api/v1/orgs/<int:org_id>/dashboard", "get"): ORG_ADMIN_OF_A,
    ("api/v1/orgs/<int:org_id>/tracks/", "get"): ORG_ADMIN_OF_A,
    ("api/v1/orgs/<int:org_id>/tracks/", "post"): row(401, 404, 404, 201, 404, 404, 404, 404, 404),
    ("api/v1/orgs/<int:org_id>/tracks/<int:track_id>/", "get"): ORG_ADMIN_OF_A,
    ("api/v1/orgs/<int:org_id>/tracks/<int:track_id>/assign", "post"): ORG_ADMIN_OF_A,
    ("api/v1/orgs/<int:org_id>/tracks/<int:track_id>/progress.csv", "get"): ORG_ADMIN_OF_A,
    ("api/v1/orgs/<int:org_id>/tracks/<int:track_id>/moodle-template", "get"): ORG_ADMIN_OF_A,
    ("api/v1/orgs/<int:org_id>/members/<str:learner>/plan", "get"): ORG_ADMIN_OF_A,
    ("api/v1/orgs/<int:org_id>/what-if", "post"): ORG_ADMIN_OF_A,  # read-only: plans nothing, assigns nothing
    # the recommender's skill inference: provider accounts and staff
    ("api/v1/recommender/infer-skills", "post"): PROVIDERS_AND_STAFF,
    # meta
    ("api/v1/ping", "get"): PUBLIC,
    ("api/schema/", "get"): PUBLIC,
    ("api/docs/", "get"): PUBLIC,
    ("api/redoc/", "get"): PUBLIC,
}

# Per-event answers of the progress endpoints (the batch holds one event about learner A).
EVENT_STATUS = {
    "admin_a": "created",
    "admin_other": "rejected",
    "provider": "created",
    "provider_other": "rejected",
    "staff": "created",
}
# Who may see learner A's user name or public id in an answer.
MAY_SEE_A = {"learner_a", "admin_a"}


def _walk(patterns: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def api_operations(patterns: Iterable[Any]) -> dict[tuple[str, str], Any]:
    """(route, method) for every method a view under api/ (or the CASE API under ims/) implements."""
    found = {}
    for route, callback in _walk(patterns):
        if not route.startswith(("api/", "ims/")):
            continue
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        assert view is not None, f"{route}: not a class-based view; list its methods here"
        for method in METHODS:
            if hasattr(view, method):
                found[(route, method)] = view
    return found


def _missing_and_stale(patterns: Iterable[Any]) -> tuple[list[str], list[str]]:
    operations = api_operations(patterns)
    missing = sorted(f"{m.upper()} /{r}" for r, m in set(operations) - set(MATRIX))
    stale = sorted(f"{m.upper()} /{r}" for r, m in set(MATRIX) - set(operations))
    return missing, stale


def test_the_matrix_covers_every_api_endpoint():
    missing, stale = _missing_and_stale(get_resolver().url_patterns)
    assert missing == [], "new API endpoints without an entry in tests/test_permission_matrix.py MATRIX"
    assert stale == [], "MATRIX names endpoints that no longer exist"
    assert len(MATRIX) * len(ACTORS) >= 400


def test_a_new_endpoint_without_an_entry_fails():
    from common.views import PingApi

    patterns = [*get_resolver().url_patterns, path("api/v1/secret-report", PingApi.as_view())]
    missing, _stale = _missing_and_stale(patterns)
    assert missing == ["GET /api/v1/secret-report"]


class _RolledBack(Exception):
    pass


@pytest.fixture
def world(db, standard):
    from accounts.models import RoleGroup
    from accounts.services import api_token_issue, user_role_grant
    from courses.models import Course, CourseSkill, ImportRun, Provider, ReviewStatus, TagSource
    from courses.services import catalog_import
    from courses.tests.factories import PROVIDER, catalog_json, course_record
    from interop.services import credentials_award
    from learners.exam_services import exam_pass_add
    from learners.models import Membership
    from learners.services import EventIn, progress_events_ingest, skill_assessments_record, track_assign, track_create
    from learners.tests.factories import LearnerFactory, OrganizationFactory

    def user(name: str, **extra: Any) -> User:
        return User.objects.create_user(name, email=f"{name}@example.org", password=PASSWORD, **extra)

    people = {name: user(name.replace("_", "-")) for name in ACTORS if name != "anonymous"}
    people["staff"].is_staff = True
    people["staff"].save()
    user_role_grant(user=people["ministry"], role=RoleGroup.MINISTRY)
    provider = Provider.objects.create(name_ja=PROVIDER)
    provider.members.add(people["provider"])
    Provider.objects.create(name_ja="株式会社ほかの講座").members.add(people["provider_other"])
    run = catalog_import(
        data=catalog_json([course_record(1), course_record(2, skills=[])]), filename="c.json", actor=people["provider"]
    ).run
    course = Course.objects.get(code="T-001")
    org_a, org_b = OrganizationFactory.create(name="A社"), OrganizationFactory.create(name="B社")
    learner_a = LearnerFactory.create(user=people["learner_a"], target_role=standard.roles.get(code="DS_PRO"))
    learner_b = LearnerFactory.create(user=people["learner_b"])
    for who, org, kind in (
        ("learner_a", org_a, Membership.Kind.EMPLOYEE),
        ("admin_a", org_a, Membership.Kind.ADMIN),
        ("learner_b", org_b, Membership.Kind.EMPLOYEE),
        ("admin_other", org_b, Membership.Kind.ADMIN),
    ):
        Membership.objects.create(user=people[who], organization=org, kind=kind)
    progress_events_ingest(
        submitter=people["provider"],
        events=[EventIn(0, "seed-1", str(learner_a.public_id), course.pk, "enrolled", timezone.now())],
    )
    track = track_create(
        organization=org_a, name="DX basics", courses=[(course, 30, True)], target_role=learner_a.target_role
    )
    track_assign(track=track, learners=[learner_a], due_on=None, assigned_by=people["admin_a"])
    skill_assessments_record(learner=learner_a, levels={standard.skill_items.get(code="BT01"): 2})
    credentials_award(learner_id=learner_a.pk)  # a credential of A's (what awaits the commit does not run here)
    call_command("load_exam_map", stdout=io.StringIO())
    exam_pass = exam_pass_add(learner=learner_a, exam_code="IP", passed_on=date(2022, 4, 17))
    tag = CourseSkill.objects.create(
        course=Course.objects.get(code="T-002"),
        skill_item=standard.skill_items.get(code="DU04"),
        level=2,
        confidence=0.6,
        source=TagSource.INFERRED,
        review_status=ReviewStatus.PENDING,
    )
    keys = {name: api_token_issue(user=u, name="matrix")[1] for name, u in people.items()}
    return {
        "people": people,
        "keys": keys,
        "learner_a": learner_a,
        "learner_b": learner_b,
        "course": course,
        "run": ImportRun.objects.get(pk=run.pk),
        "tag": tag,
        "org_a": org_a,
        "track": track,
        "standard": standard,
        "exam_pass": exam_pass,
    }


def _case_id(route: str, standard: Any) -> str:
    """An identifier of the right kind for each CASE endpoint."""
    from interop.case_format import case_uuid
    from interop.selectors import case_package

    collection = route.split("/")[3]
    if collection in ("CFDocuments", "CFPackages", "CFDefinitions"):
        return case_uuid(standard.code, "document", "")
    if collection in ("CFItems", "CFItemAssociations"):
        return case_uuid(standard.code, "SkillItem", "DU04")
    if collection == "CFRubrics":
        return case_uuid(standard.code, "rubric", "DS_PRO")
    if collection == "CFItemTypes":
        return case_uuid("", "itemtype", "SkillItem")
    if collection == "CFRubricCriteria":
        return case_uuid(standard.code, "criterion", "DS_PRO/DU04")
    if collection == "CFRubricCriterionLevels":
        return case_uuid(standard.code, "criterion-level", "DS_PRO/DU04")
    return str(case_package(version=standard)["CFAssociations"][0]["identifier"])


def _url(route: str, w: dict[str, Any]) -> str:
    standard = w["standard"]
    values = {
        "org_id": w["org_a"].pk,
        "track_id": w["track"].pk,
        "learner": w["learner_a"].public_id,
        "credential_id": w["learner_a"].credentials.get().public_id,
    }
    if route.startswith("ims/"):
        values["sourced_id"] = _case_id(route, standard)
    if "persona-types" in route:
        values["code"] = standard.persona_types.order_by("position").first().code
    elif "roles" in route:
        values["code"] = "DS_PRO"
    elif "skill-items" in route:
        values["code"] = "DU04"
    elif "literacy-items" in route:
        values["code"] = standard.literacy_items.order_by("position").first().code
    if route.startswith("api/v1/courses/"):
        values["pk"] = w["course"].pk
    elif route.startswith("api/v1/me/enrollments/"):
        values["pk"] = w["learner_a"].enrollments.get().pk
    elif route.startswith("api/v1/me/exams/"):
        values["pk"] = w["exam_pass"].pk
    elif route.startswith("api/v1/catalog/imports/"):
        values["pk"] = w["run"].pk
    elif route.startswith("api/v1/catalog/review/"):
        values["pk"] = w["tag"].pk
    url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    if route.startswith("api/v1/national/breakdown"):
        url += "?by=prefecture,fiscal_year"  # a valid question, so that an allowed actor gets its answer
    return url


def _body(route: str, method: str, w: dict[str, Any]) -> tuple[Any, str]:
    """A valid request body, so that an allowed actor succeeds: (data, format or content type)."""
    from courses.tests.factories import catalog_json, course_record

    learner = str(w["learner_a"].public_id)
    when = (timezone.now() - timedelta(minutes=5)).isoformat()
    bodies: dict[tuple[str, str], Any] = {
        ("api/v1/catalog/imports/", "post"): (catalog_json([course_record(3)]), "application/json"),
        ("api/v1/catalog/review/<int:pk>/", "post"): {"action": "accept"},
        ("api/v1/progress-events/", "post"): {
            "events": [
                {
                    "idempotency_key": f"m-{uuid.uuid4()}",
                    "learner": learner,
                    "course": w["course"].pk,
                    "kind": "progress",
                    "percent": 40,
                    "occurred_at": when,
                }
            ]
        },
        ("api/v1/xapi/statements", "put"): {
            "actor": {"account": {"homePage": "https://lms.example.jp", "name": learner}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/registered"},
            "object": {"id": w["course"].url},
            "timestamp": when,
        },
        ("api/v1/xapi/statements", "post"): {
            "id": str(uuid.uuid4()),
            "actor": {"account": {"homePage": "https://lms.example.jp", "name": learner}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/registered"},
            "object": {"id": w["course"].url},
            "timestamp": when,
        },
        ("api/v1/me", "delete"): {"password": PASSWORD},
        ("api/v1/me/profile", "patch"): {"weekly_hours": 5},
        ("api/v1/me/assessments", "post"): {"levels": {"DU04": 2}},
        ("api/v1/me/plan", "post"): {"weeks": 8},
        ("api/v1/orgs/<int:org_id>/tracks/", "post"): {"name": "new", "courses": [{"course": w["course"].pk}]},
        ("api/v1/orgs/<int:org_id>/tracks/<int:track_id>/assign", "post"): {"group": "all"},
        ("api/v1/orgs/<int:org_id>/what-if", "post"): {
            "group": "all",
            "target_role": "DS_PRO",
            "budget_per_person": 200000,
            "budget_b": 50000,
            "weekly_hours": 5,
            "deadline": (timezone.localdate() + timedelta(weeks=26)).isoformat(),
        },
        ("api/v1/recommender/infer-skills", "post"): {"title": "Pythonによるデータ分析入門"},
        ("api/v1/case-imports", "post"): {"version": "dss-matrix", "package": _case_package(w)},
        ("api/v1/credentials/verify", "post"): w["learner_a"].credentials.get().document,
        ("api/v1/me/credentials/<uuid:credential_id>", "patch"): {"shared": False},
        ("api/v1/me/exams", "post"): {"exam": "FE", "passed_on": "2023-10-01"},
        ("api/v1/orgs/<int:org_id>/exam-results", "post"): (
            {"file": SimpleUploadedFile("r.csv", f"member,exam,date\n{learner},AP,2024-04-21\n".encode())},
            "multipart",
        ),
        ("api/v1/orgs/<int:org_id>/dx-certification", "put"): {
            "dx_certified_on": "2023-05-01",
            "dx_certified_until": "2025-04-30",
            "dx_selection_year": None,
        },
    }
    body = bodies.get((route, method))
    if body is None:
        return None, "json"
    return body if isinstance(body, tuple) else (body, "json")


def _case_package(w: dict[str, Any]) -> dict[str, Any]:
    from interop.selectors import case_package

    return case_package(version=w["standard"])


def _request(client: APIClient, method: str, url: str, body: Any, fmt: str) -> Any:
    """One request inside a savepoint that is rolled back: the next actor meets the same world."""
    from django.core.cache import cache

    cache.clear()  # the matrix sends more anonymous requests than a minute's throttle allows (tested elsewhere)
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            extra = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"} if "/xapi/" in url else {}
            if url.endswith("/xapi/statements") and method == "put":
                url += f"?statementId={uuid.uuid4()}"
            if body is None:
                result["response"] = getattr(client, method)(url, **extra)
            elif fmt in ("json", "multipart"):
                result["response"] = getattr(client, method)(url, body, format=fmt, **extra)
            else:
                result["response"] = getattr(client, method)(url, body, content_type=fmt, **extra)
            raise _RolledBack
    except _RolledBack:
        pass
    return result["response"]


def test_permission_matrix(world):
    operations = api_operations(get_resolver().url_patterns)
    a = world["learner_a"]
    secrets_of_a = (a.user.username, str(a.public_id))
    mismatches, leaks, checked = [], [], 0
    for (route, method), expected in sorted(MATRIX.items()):
        assert (route, method) in operations
        url = _url(route, world)
        for actor in ACTORS:
            client = APIClient()
            if actor != "anonymous":
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['keys'][actor]}")
            body, fmt = _body(route, method, world)
            response = _request(client, method, url, body, fmt)
            checked += 1
            if response.status_code != expected[actor]:
                detail = response.content[:200].decode("utf-8", "replace")
                mismatches.append(
                    f"{method.upper()} {url} as {actor}: {response.status_code} != {expected[actor]} {detail}"
                )
                continue
            content = response.content.decode("utf-8", "replace")
            if actor not in MAY_SEE_A and any(s in content for s in secrets_of_a):
                leaks.append(f"{method.upper()} {url} as {actor} shows learner A")
            if route == "api/v1/progress-events/" and response.status_code == 200:
                (outcome,) = response.json()["results"]
                if outcome["status"] != EVENT_STATUS[actor]:
                    mismatches.append(f"{method.upper()} {url} as {actor}: event {outcome}")
    assert mismatches == []
    assert leaks == []
    assert checked == len(MATRIX) * len(ACTORS)
    print(f"permission matrix: {len(MATRIX)} endpoints x {len(ACTORS)} actors = {checked} requests")


def test_methods_an_endpoint_does_not_offer_answer_405(world):
    operations = api_operations(get_resolver().url_patterns)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world['keys']['staff']}")
    routes = sorted({r for r, _m in operations})
    wrong = []
    for route in routes:
        url = _url(route, world)
        for method in METHODS:
            if (route, method) in operations:
                continue
            body = None if method == "get" else json.dumps({})
            response = _request(client, method, url, body, "application/json")
            if response.status_code != 405:
                wrong.append(f"{method.upper()} {url}: {response.status_code}")
    assert wrong == []
