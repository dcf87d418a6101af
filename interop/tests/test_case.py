"""CASE 1.1: the standard out (every item, hierarchy, grades as rubrics) and back in as a new version."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from interop import case_format
from interop.case_format import CaseError
from interop.selectors import case_package, standard_as_fixture
from interop.services import case_package_import
from skills.dss_fixture import FixtureError
from skills.models import RoleSkillRequirement, SkillItem, StandardVersion

pytestmark = pytest.mark.django_db
CASE = "/ims/case/v1p1/"


def _snapshot(version: StandardVersion) -> dict[str, Any]:
    """Everything that makes the standard: items, names in both languages, hierarchy, every grade."""
    fixture = standard_as_fixture(version=version)
    fixture.pop("standard")
    return fixture


def test_export_then_import_gives_the_same_standard(standard):
    package = json.loads(json.dumps(case_package(version=standard)))  # as it travels: JSON
    report = case_package_import(package=package, version="dss-roundtrip")
    assert report.version_created
    copy_ = StandardVersion.objects.get(code="dss-roundtrip")
    assert _snapshot(copy_) == _snapshot(standard)
    assert copy_.name_ja == standard.name_ja and copy_.name_en == standard.name_en
    assert not copy_.is_current  # an import never silently replaces the current version
    assert RoleSkillRequirement.objects.filter(role__version=copy_).count() == 15 * 49
    # exporting the imported copy gives the same package apart from the version-specific identifiers
    again = case_package(version=copy_)
    assert [i["humanCodingScheme"] for i in again["CFItems"]] == [i["humanCodingScheme"] for i in package["CFItems"]]


def test_package_has_both_parts_every_item_and_a_rubric_per_role(standard):
    package = case_package(version=standard)
    types: dict[str, int] = {}
    for item in package["CFItems"]:
        types[item["CFItemType"]] = types.get(item["CFItemType"], 0) + 1
    assert types == {
        "Part": 2,
        "LiteracySection": 4,
        "LiteracyItem": 23,
        "PersonaType": 5,
        "Role": 15,
        "SkillCategory": 5,
        "SkillSubcategory": 12,
        "SkillItem": 49,
    }
    children = [a for a in package["CFAssociations"] if a["associationType"] == "isChildOf"]
    assert len(children) == len(package["CFItems"])  # every item has exactly one parent
    assert len(package["CFRubrics"]) == 15
    rubric = next(r for r in package["CFRubrics"] if r["extensions"]["dxp:role"] == "DS_PRO")
    assert len(rubric["CFRubricCriteria"]) == 49
    level = rubric["CFRubricCriteria"][0]["CFRubricCriterionLevels"][0]
    assert level["quality"] in "abcdz" and 0 <= level["score"] <= 4
    item = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "DU04")
    assert item["language"] == "ja" and item["notes"].startswith("en: ")
    assert item["extensions"]["dxp:name_en"]


def test_identifiers_are_stable_uuid5(standard):
    first = json.dumps(case_package(version=standard), sort_keys=True)
    case_format_id = case_format.case_uuid("dss-1.2", "SkillItem", "DU04")
    assert case_format_id in first
    from interop import selectors

    selectors._PACKAGES.clear()
    assert json.dumps(case_package(version=standard), sort_keys=True) == first


def test_case_read_endpoints(standard):
    client = APIClient()
    docs = client.get(CASE + "CFDocuments").json()["CFDocuments"]
    assert [d["version"] for d in docs] == ["dss-1.2"]
    doc_id = docs[0]["identifier"]
    assert client.get(CASE + f"CFDocuments/{doc_id}").json()["title"] == standard.name_ja
    package = client.get(CASE + f"CFPackages/{doc_id}").json()
    assert package["CFDocument"]["identifier"] == doc_id
    item_id = case_format.case_uuid("dss-1.2", "SkillItem", "DU04")
    item = client.get(CASE + f"CFItems/{item_id}").json()
    assert item["humanCodingScheme"] == "DU04"
    assoc = client.get(CASE + f"CFItemAssociations/{item_id}").json()
    assert assoc["CFItem"]["identifier"] == item_id and assoc["CFAssociations"]
    association_id = assoc["CFAssociations"][0]["identifier"]
    assert client.get(CASE + f"CFAssociations/{association_id}").json()["associationType"] == "isChildOf"
    rubric_id = case_format.case_uuid("dss-1.2", "rubric", "DS_PRO")
    assert len(client.get(CASE + f"CFRubrics/{rubric_id}").json()["CFRubricCriteria"]) == 49
    type_id = case_format.case_uuid("", "itemtype", "SkillItem")
    assert client.get(CASE + f"CFItemTypes/{type_id}").json()["CFItemTypes"][0]["title"] == "SkillItem"
    missing = client.get(CASE + "CFItems/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["imsx_codeMajor"] == "failure"
    assert client.get(CASE + "CFItems/not-a-uuid").status_code == 404
    # a CFItem id is not a package
    assert client.get(CASE + f"CFPackages/{item_id}").status_code == 404


def test_bad_package_names_the_field_path_and_stores_nothing(standard):
    package = copy.deepcopy(case_package(version=standard))
    package["CFItems"][5]["CFItemType"] = "Widget"
    with pytest.raises(CaseError) as excinfo:
        case_package_import(package=package, version="dss-bad")
    assert "CFItems[5].CFItemType" in str(excinfo.value)
    assert not StandardVersion.objects.filter(code="dss-bad").exists()

    package = copy.deepcopy(case_package(version=standard))
    package["CFRubrics"][0]["CFRubricCriteria"][0]["extensions"]["dxp:grade"] = "q"
    with pytest.raises(FixtureError) as fixture_error:
        case_package_import(package=package, version="dss-bad")
    assert "grade" in str(fixture_error.value)
    assert not StandardVersion.objects.filter(code="dss-bad").exists()
    assert SkillItem.objects.count() == 49

    with pytest.raises(CaseError, match="already exists"):
        case_package_import(package=case_package(version=standard), version="dss-1.2")


def test_import_case_command(standard, tmp_path):
    path = tmp_path / "package.json"
    path.write_text(json.dumps(case_package(version=standard), ensure_ascii=False), encoding="utf-8")
    call_command("import_case", str(path), "--version", "dss-cmd")
    assert StandardVersion.objects.filter(code="dss-cmd").exists()
    broken = tmp_path / "broken.json"
    broken.write_text('{"CFDocument": 1}', encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_case", str(broken), "--version", "dss-broken")
    assert "broken.json" in str(excinfo.value) and "CFDocument" in str(excinfo.value)
    assert not StandardVersion.objects.filter(code="dss-broken").exists()


def test_case_import_api_for_staff(standard, admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    package = case_package(version=standard)
    assert len(json.dumps(package).encode()) < 5 * 1024 * 1024  # under the default request body limit
    broken = copy.deepcopy(package)
    del broken["CFItems"][3]["humanCodingScheme"]
    broken["CFItems"][3]["extensions"].pop("dxp:code")
    response = client.post("/api/v1/case-imports", {"version": "dss-api", "package": broken}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "CFItems[3].humanCodingScheme"
    assert client.post("/api/v1/case-imports", {"version": "bad code!", "package": package}, format="json").json()[
        "version"
    ]
    created = client.post("/api/v1/case-imports", {"version": "dss-api", "package": package}, format="json")
    assert created.status_code == 201 and created.json()["version"] == "dss-api"
    assert StandardVersion.objects.get(code="dss-api").skill_items.count() == 49
