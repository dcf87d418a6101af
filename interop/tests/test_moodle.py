"""Moodle: a role as a competency framework CSV (tool_lpimportcsv), a track as a learning plan template."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from audit.models import AuditEntry
from interop import moodle
from learners.models import Membership
from learners.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

# admin/tool/lpimportcsv/lang/en/tool_lpimportcsv.php, in framework_importer::list_required_headers order
MOODLE_HEADERS = [
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_role_framework_csv_is_what_moodle_imports(standard):
    response = APIClient().get("/api/v1/standard/roles/DS_PRO/moodle-framework.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert next(csv.reader(io.StringIO(text))) == MOODLE_HEADERS == moodle.HEADERS
    rows = _rows(text)
    framework, competencies = rows[0], rows[1:]
    assert framework["Is framework"] == "1" and framework["ID number"] == "dss-1.2-DS_PRO"
    assert framework["Scale values"].count(",") == 4  # five levels 0-4
    config = json.loads(framework["Scale configuration"])
    assert "scaleid" in config[0] and [c["id"] for c in config[1:]] == [1, 2, 3, 4, 5]
    ids = {r["ID number"] for r in competencies}
    # every parent comes before its children and exists
    seen = {""}
    for row in competencies:
        assert row["Parent ID number"] in seen, row
        seen.add(row["ID number"])
    du04 = next(r for r in competencies if r["ID number"] == "DU04")  # grade a: proficient from level 4
    du04_config = json.loads(du04["Scale configuration"])
    assert [c["proficient"] for c in du04_config[1:]] == [0, 0, 0, 0, 1]
    assert du04["Scale values"] == framework["Scale values"]
    # z-graded items are not requirements: left out
    requirements = standard.roles.get(code="DS_PRO").requirements.exclude(grade="z")
    assert {r.skill_item.code for r in requirements} <= ids
    assert len([r for r in competencies if r["Scale values"]]) == requirements.count()
    english = APIClient().get("/api/v1/standard/roles/DS_PRO/moodle-framework.csv?lang=en").content.decode()
    assert _rows(english)[0]["Short name"] == standard.roles.get(code="DS_PRO").name_en
    assert APIClient().get("/api/v1/standard/roles/NOPE/moodle-framework.csv").status_code == 404


def test_export_moodle_framework_command(standard, capsys):
    call_command("export_moodle_framework", "--role", "DS_PRO")
    assert capsys.readouterr().out.startswith("Parent ID number,ID number")
    with pytest.raises(CommandError, match="--role"):
        call_command("export_moodle_framework", "--role", "NOPE")


def test_track_as_learning_plan_template_for_its_org_admin_only(world):
    url = f"/api/v1/orgs/{world.org.pk}/tracks/{world.track.pk}/moodle-template"
    admin = APIClient()
    admin.force_authenticate(world.admin)
    template = admin.get(url).json()
    assert template["framework_idnumber"] == "dss-1.2-DS_PRO"
    assert template["core_competency_create_template"]["template"]["shortname"] == world.track.name
    assert [c["competency_idnumber"] for c in template["core_competency_add_competency_to_template"]] == ["DU04"]
    assert AuditEntry.objects.filter(event="orgs.track.moodle_template").exists()
    # a learner of the organization, an admin of another organization: 404
    learner = APIClient()
    learner.force_authenticate(world.learner.user)
    assert learner.get(url).status_code == 404
    other_admin = UserFactory.create()
    Membership.objects.create(user=other_admin, organization=OrganizationFactory.create(), kind=Membership.Kind.ADMIN)
    other = APIClient()
    other.force_authenticate(other_admin)
    assert other.get(url).status_code == 404
    world.track.target_role = None
    world.track.save()
    assert admin.get(url).status_code == 400


def test_course_upload_csv_in_tool_uploadcourse_columns(standard):
    from courses.services import catalog_import
    from courses.tests.factories import catalog_json, course_record

    catalog_import(data=catalog_json([course_record(1), course_record(2)]), filename="c.json")
    client = APIClient()
    response = client.get("/api/v1/catalog/moodle-courses.csv", {"category": 7})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert list(rows[0]) == moodle.COURSE_UPLOAD_HEADERS
    # every column is a field Moodle's course upload reads (tool_uploadcourse: shortname is the key)
    assert set(rows[0]) <= {
        "shortname", "fullname", "category", "category_idnumber", "category_path", "idnumber", "summary",
        "summaryformat", "format", "visible", "startdate", "enddate", "lang", "tags",
    }  # fmt: skip
    assert len(rows) == 2 and len({r["shortname"] for r in rows}) == 2
    assert all(r["category"] == "7" and r["fullname"] and r["idnumber"].startswith("dxp-course-") for r in rows)
    assert all(r["summaryformat"] == "2" and r["visible"] == "1" for r in rows)
    english = client.get("/api/v1/catalog/moodle-courses.csv", {"lang": "en"}).content.decode()
    assert english.splitlines()[0] == ",".join(moodle.COURSE_UPLOAD_HEADERS)
    assert client.get("/api/v1/catalog/moodle-courses.csv", {"category": "x"}).status_code == 400
