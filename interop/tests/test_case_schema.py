"""CASE 1.1 output against 1EdTech's official CFPackage JSON schema (tests/schemas/), and every URI resolves.

Single-object answers are checked against the same official definitions plus the one link the CASE 1.1
REST binding adds outside a package (1EdTech's CASE 1.1 OpenAPI: CFItemDType and CFAssociationDType
carry `CFDocumentURI`, CFDocumentDType `CFPackageURI`, each a LinkURIDType; CFAssociationSetDType
holds a CFItemDType and package-form associations).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from rest_framework.test import APIClient

from interop.selectors import case_package

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "tests" / "schemas" / "case_v1p1_cfpackage.json").read_text("utf-8")
)
BASE = "http://testserver"


def validator_for(definition: str | None, *, link: str | None = None) -> Any:
    """The official package schema, or one of its $defs (optionally with the single-object link)."""
    schema: dict[str, Any] = dict(SCHEMA)
    if definition is not None:
        target = json.loads(json.dumps(SCHEMA["$defs"][definition]))
        if link:
            target["properties"][link] = {"$ref": "#/$defs/LinkURI"}
            target["required"] = [*target.get("required", []), link]
        schema = {k: v for k, v in SCHEMA.items() if k in ("$schema", "$id", "$defs")} | target
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())


def problems(validator: Any, value: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)][:10]


@pytest.fixture
def package(standard: Any, settings: Any) -> dict[str, Any]:
    settings.PUBLIC_BASE_URL = BASE
    return case_package(version=standard)


def test_the_package_validates_against_the_official_schema(package: dict[str, Any]) -> None:
    client = APIClient()
    served = client.get(package["CFDocument"]["uri"].removeprefix(BASE).replace("/CFDocuments/", "/CFPackages/"))
    assert served.status_code == 200
    assert problems(validator_for(None), served.json()) == []
    assert len(served.json()["CFItems"]) > 100 and served.json()["CFRubrics"]
    # the check has teeth: what the package held before issue 22 is refused
    broken = json.loads(json.dumps(served.json()))
    broken["CFItems"][0]["CFDocumentURI"] = {"title": "x", "identifier": broken["CFDocument"]["identifier"], "uri": "x"}
    assert problems(validator_for(None), broken)


def test_single_object_endpoints_validate(package: dict[str, Any]) -> None:
    client = APIClient()
    document = client.get(package["CFDocument"]["uri"].removeprefix(BASE)).json()
    assert problems(validator_for("CFPckgDocument", link="CFPackageURI"), document) == []
    assert client.get(document["CFPackageURI"]["uri"].removeprefix(BASE)).status_code == 200
    item = client.get(package["CFItems"][5]["uri"].removeprefix(BASE)).json()
    assert problems(validator_for("CFPckgItem", link="CFDocumentURI"), item) == []
    association = client.get(package["CFAssociations"][5]["uri"].removeprefix(BASE)).json()
    assert problems(validator_for("CFPckgAssociation", link="CFDocumentURI"), association) == []
    item_set = client.get(package["CFItems"][5]["uri"].removeprefix(BASE).replace("CFItems", "CFItemAssociations"))
    body = item_set.json()
    assert problems(validator_for("CFPckgItem", link="CFDocumentURI"), body["CFItem"]) == []
    for each in body["CFAssociations"]:
        assert problems(validator_for("CFPckgAssociation"), each) == []
    rubric = client.get(package["CFRubrics"][0]["uri"].removeprefix(BASE)).json()
    assert problems(validator_for("CFRubric"), rubric) == []
    criterion = package["CFRubrics"][0]["CFRubricCriteria"][0]
    answer = client.get(criterion["uri"].removeprefix(BASE)).json()
    assert problems(validator_for("CFRubricCriterion"), answer) == [] and answer == criterion
    level = criterion["CFRubricCriterionLevels"][0]
    answer = client.get(level["uri"].removeprefix(BASE)).json()
    assert problems(validator_for("CFRubricCriterionLevel"), answer) == [] and answer == level


def _uris(value: Any, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "uri" and isinstance(item, str):
                out.add(item)
            else:
                _uris(item, out)
    elif isinstance(value, list):
        for item in value:
            _uris(item, out)
    return out


def test_every_uri_in_the_package_resolves(package: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rest_framework.views.APIView.get_throttles", lambda self: [])  # thousands of requests
    uris = _uris(package, set())
    assert any("/CFRubricCriterionLevels/" in u for u in uris) and any("/CFRubricCriteria/" in u for u in uris)
    client = APIClient()
    failing = []
    for uri in sorted(uris):
        assert uri.startswith(BASE + "/ims/case/v1p1/"), uri
        response = client.get(uri.removeprefix(BASE))
        if response.status_code != 200:
            failing.append(f"{uri}: {response.status_code}")
    assert failing == []
    print(f"{len(uris)} URIs in the package, all answered 200")
