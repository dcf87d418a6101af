"""Case-based programs (マナビDXクエスト style): the loader, the search filter, the badge and the API shape."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from courses.models import CaseProgram, Course
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample_case_programs.json"


@pytest.fixture
def programs(standard):
    catalog_import(data=catalog_json([course_record(1)]), filename="c.json")
    call_command("load_case_programs", stdout=io.StringIO())
    return standard


def test_the_sample_programs_load_once(programs):
    assert CaseProgram.objects.count() == len(json.loads(SAMPLE.read_text(encoding="utf-8"))) >= 3
    out = io.StringIO()
    call_command("load_case_programs", stdout=out)
    assert "0 new, 0 changed" in out.getvalue()
    onsite = CaseProgram.objects.filter(online=False)
    assert onsite.exists() and all(p.case_region for p in onsite)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"application_deadline": "2027-03-01"}, "record 1, field 'case.application_deadline'"),
        ({"team_size": [5, 2]}, "record 1, field 'case.team_size'"),
        ({"industry": "Z"}, "record 1, field 'case.industry'"),
        ({"online": False, "region": ""}, "record 1, field 'case.region'"),
        ({"cohort_ends_on": "2026-01-01"}, "record 1, field 'case.cohort_ends_on'"),
    ],
)
def test_a_bad_case_stores_nothing(standard, tmp_path, change, message):
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data[0]["case"].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("load_case_programs", str(path), stdout=io.StringIO())
    assert not Course.objects.exists() and not CaseProgram.objects.exists()


def test_a_bad_catalog_record_stores_nothing(standard, tmp_path):
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data[1]["level"] = 9
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="record 2, field 'level'"):
        call_command("load_case_programs", str(path), stdout=io.StringIO())
    assert not CaseProgram.objects.exists()


def test_search_filter_and_api_shape(programs):
    client = APIClient()
    body = client.get("/api/v1/courses/", {"kind": "case_program"}).json()
    results = body["results"]
    assert len(results) == CaseProgram.objects.count()
    assert all(r["kind"] == "case_program" and r["case_program"]["team_size_min"] >= 1 for r in results)
    courses = client.get("/api/v1/courses/", {"kind": "course"}).json()["results"]
    assert [r["code"] for r in courses] == ["T-001"] and courses[0]["case_program"] is None
    assert client.get("/api/v1/courses/", {"kind": "bootcamp"}).status_code == 400


def test_cards_show_the_badge_and_the_filter(programs, client):
    page = client.get("/courses/?kind=case_program&lang=en").content.decode()
    assert page.count("badge case") == CaseProgram.objects.count()
    assert "Case-based programs only" in page
    assert "T-001" not in page
    onsite = CaseProgram.objects.filter(online=False).first()
    assert onsite is not None
    detail = client.get(f"/courses/{onsite.pk}/?lang=en").content.decode()
    assert "Team size" in detail and "Mentors" in detail
    assert "Fukuoka" in detail or "Hokkaido" in detail
