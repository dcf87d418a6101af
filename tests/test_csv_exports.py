"""Every CSV the service writes neutralises formula-like cells (OWASP CSV injection; issue 16)."""

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from common.csv_safe import csv_safe, csv_unescape
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record

pytestmark = pytest.mark.django_db
FORMULAS = ["=cmd|' /C calc'!A0", '+HYPERLINK("http://evil")', "-2+3", "@SUM(A1)", "\tx", "\rx"]


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize("value", [*FORMULAS, "plain", "", "'=already"])
def test_csv_safe_and_unescape_round_trip(value):
    safe = csv_safe(value)
    assert not str(safe).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert csv_unescape(safe) == value
    assert csv_safe(-5) == -5  # numbers are numbers


def test_catalog_export_csv_quotes_formulas_and_imports_back(standard):
    records = [
        course_record(1, title_ja=FORMULAS[0], description_ja=FORMULAS[1]),
        course_record(2, title_ja="@SUM(A1)", description_ja="-危険な説明"),
    ]
    catalog_import(data=catalog_json(records), filename="c.json")
    response = APIClient().get("/api/v1/catalog/export?format=csv")
    assert response.status_code == 200
    rows = _rows(response.content)
    _no_formula(rows)
    titles = {r[rows[0].index("code")]: r[rows[0].index("title_ja")] for r in rows[1:]}
    assert "'" + FORMULAS[0] in titles.values()
    # importing the export again changes nothing: the quote is read back as the original text
    again = catalog_import(data=response.content, filename="export.csv")
    assert (again.run.created, again.run.updated, again.run.rejected) == (0, 0, 0)


def test_track_progress_csv_quotes_usernames_and_titles(standard):
    from learners.models import Membership
    from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory

    catalog_import(data=catalog_json([course_record(1, title_ja="=1+1")]), filename="c.json")
    from courses.models import Course

    course = Course.objects.get()
    org = OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    learner = LearnerFactory.create(user__username="+1+1")
    MembershipFactory.create(user=learner.user, organization=org)
    client = APIClient()
    client.force_authenticate(admin)
    track = client.post(
        f"/api/v1/orgs/{org.pk}/tracks/",
        {"name": "@track", "courses": [{"course": course.pk, "due_offset_days": 10, "required": True}]},
        format="json",
    )
    assert track.status_code == 201, track.content
    track_id = track.json()["id"]
    client.post(f"/api/v1/orgs/{org.pk}/tracks/{track_id}/assign", {"group": "all"}, format="json")
    response = client.get(f"/api/v1/orgs/{org.pk}/tracks/{track_id}/progress.csv")
    rows = _rows(response.content)
    _no_formula(rows)
    assert any("'+1+1" in r for r in rows) and any("'=1+1" in r for r in rows)


def test_national_csvs_quote_formula_labels(monkeypatch):
    from national import api as national_api
    from national.tests.factories import counted, ministry_analyst

    counted((2024, "13", "G", "DS", "1-20", 30), (2024, "27", "G", "DS", "1-20", 25))
    monkeypatch.setattr(national_api.Labels, "value", lambda self, name, value: "=HYPERLINK(1)")
    client = APIClient()
    client.force_authenticate(ministry_analyst())
    for url in ("/api/v1/national/breakdown.csv?by=prefecture", "/api/v1/national/progress.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        _no_formula(_rows(response.content))
    breakdown = _rows(client.get("/api/v1/national/breakdown.csv?by=prefecture").content)
    assert any("'=HYPERLINK(1)" in r for r in breakdown)


def test_moodle_framework_csv_quotes_formulas():
    from interop.moodle import Competency, Framework, framework_csv

    framework = Framework(
        idnumber="F1",
        shortname="=framework",
        description="+desc",
        scale=["0", "1"],
        taxonomies=["competency"],
        competencies=[Competency(idnumber="C1", shortname="@comp", description="-x", proficient_from=1)],
    )
    rows = _rows(framework_csv(framework).encode())
    _no_formula(rows)
    assert "'=framework" in rows[1] and "'@comp" in rows[2]


def test_moodle_course_upload_csv_quotes_formulas():
    from interop.moodle import UploadCourse, course_upload_csv

    courses = [UploadCourse(shortname="=cmd|' /C calc'!A0", fullname="+HYPERLINK(1)", idnumber="@x", summary="-2+3")]
    rows = _rows(course_upload_csv(courses, category=1).encode())
    _no_formula(rows)
    assert "'=cmd|' /C calc'!A0" in rows[1] and "'+HYPERLINK(1)" in rows[1]
