"""The standard as a 1EdTech CASE 1.1 package, and back (plain Python, no Django).

Export (`package_build`) reads a standard in the fixture format `dxpathways.dss/1` (what
`skills.dss_fixture.parse_fixture` validates and `skills.services.standard_load` loads) and
returns a CFPackage; import (`package_to_fixture`) turns a CFPackage back into that fixture
format, so an import goes through exactly the same validation and loader as `load_dss`.

Identifiers are stable: `case_uuid(version, kind, code)` is a UUID version 5 over the fixed
namespace `CASE_NAMESPACE` and the text `"<version code>/<kind>/<code>"`, so exporting the same
version twice gives the same identifiers (and, with the same `lastChangeDateTime`, the same bytes).

Language: Japanese is the primary language (`language: "ja"`, `fullStatement`,
`abbreviatedStatement`, `title`); English is in `notes` for people and, with every other field
the standard holds, in `extensions` under the `dxp:` prefix for a lossless round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from skills.dss_fixture import FixtureError, FixtureIssue

CASE_VERSION = "1.1"
# Fixed forever: changing it changes every published identifier.
CASE_NAMESPACE = uuid.UUID("6f1b7a3e-2d4c-5e8f-9a0b-1c2d3e4f5a6b")
CASE_PATH = "/ims/case/v1p1"
FIXTURE_FORMAT = "dxpathways.dss/1"

PART_L, PART_P = "DSS-L", "DSS-P"
PARTS: dict[str, tuple[str, str]] = {
    PART_L: ("DXリテラシー標準（DSS-L）", "DX Literacy Standard (DSS-L)"),
    PART_P: ("DX推進スキル標準（DSS-P）", "DX Promotion Skill Standard (DSS-P)"),
}
# CFItemType title -> (fixture section, parent item type, parent field in the fixture record)
ITEM_TYPES: dict[str, tuple[str, str, str]] = {
    "Part": ("", "", ""),
    "LiteracySection": ("literacy_sections", "Part", ""),
    "LiteracyItem": ("literacy_items", "LiteracySection", "section"),
    "PersonaType": ("persona_types", "Part", ""),
    "Role": ("roles", "PersonaType", "persona"),
    "SkillCategory": ("skill_categories", "Part", ""),
    "SkillSubcategory": ("skill_subcategories", "SkillCategory", "category"),
    "SkillItem": ("skill_items", "SkillSubcategory", "subcategory"),
}
SECTION_TYPE = {section: name for name, (section, _p, _f) in ITEM_TYPES.items() if section}
TOP_PART = {"LiteracySection": PART_L, "PersonaType": PART_P, "SkillCategory": PART_P}
ITEM_TYPE_DESCRIPTIONS = {
    "Part": "One of the two parts of the Digital Skill Standard (DSS-L, DSS-P)",
    "LiteracySection": "DSS-L section (Why, What, How, Mind)",
    "LiteracyItem": "DSS-L learning item",
    "PersonaType": "DSS-P human resource type (persona)",
    "Role": "DSS-P role within a persona type",
    "SkillCategory": "DSS-P skill category",
    "SkillSubcategory": "DSS-P skill subcategory",
    "SkillItem": "DSS-P common skill list item",
}
# Fields of a fixture record carried in `extensions` (besides the code).
EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "literacy_sections": ("name_ja", "name_en"),
    "literacy_items": ("name_ja", "name_en", "group_ja", "group_en", "topics_ja", "topics_en"),
    "persona_types": ("name_ja", "name_en", "summary_ja", "summary_en"),
    "roles": ("name_ja", "name_en", "summary_ja", "summary_en"),
    "skill_categories": ("name_ja", "name_en", "name_verified"),
    "skill_subcategories": ("name_ja", "name_en"),
    "skill_items": ("name_ja", "name_en", "definition_ja", "definition_en", "topics_ja", "topics_en"),
}
EXT = "dxp:"


def case_uuid(version: str, kind: str, code: str) -> str:
    """The stable identifier of one thing of a version (see the module docstring)."""
    return str(uuid.uuid5(CASE_NAMESPACE, f"{version}/{kind}/{code}"))


# A package's problems are reported like a fixture's: the location is the field path
# (`CFItems[3].CFItemType`), so the command and the API treat both the same way.
CaseError = FixtureError


def CaseIssue(path: str, message: str) -> FixtureIssue:
    return FixtureIssue(path, "", message)


# --- export -----------------------------------------------------------------------------


class _Builder:
    def __init__(self, fixture: dict[str, Any], base_url: str, changed_at: str) -> None:
        self.f = fixture
        self.version = fixture["standard"]["code"]
        self.base = base_url.rstrip("/") + CASE_PATH
        self.changed_at = changed_at
        self.doc_id = case_uuid(self.version, "document", "")
        self.items: list[dict[str, Any]] = []
        self.associations: list[dict[str, Any]] = []
        self.item_refs: dict[tuple[str, str], dict[str, str]] = {}

    def uri(self, collection: str, identifier: str) -> str:
        return f"{self.base}/{collection}/{identifier}"

    def ref(self, collection: str, identifier: str, title: str) -> dict[str, str]:
        return {"title": title, "identifier": identifier, "uri": self.uri(collection, identifier)}

    def doc_ref(self) -> dict[str, str]:
        return self.ref("CFDocuments", self.doc_id, self.f["standard"]["name_ja"])

    def type_ref(self, type_name: str) -> dict[str, str]:
        return self.ref("CFItemTypes", case_uuid("", "itemtype", type_name), type_name)

    def item(self, type_name: str, record: dict[str, Any], extras: Iterable[str], position: int) -> None:
        code = record["code"]
        identifier = case_uuid(self.version, type_name, code)
        statement = record.get("definition_ja") or record["name_ja"]
        english = record["name_en"]
        if record.get("definition_en"):
            english = f"{english}: {record['definition_en']}"
        item: dict[str, Any] = {
            "identifier": identifier,
            "uri": self.uri("CFItems", identifier),
            "fullStatement": statement,
            "abbreviatedStatement": record["name_ja"],
            "humanCodingScheme": code,
            "listEnumeration": str(position + 1),
            "CFItemType": type_name,
            "CFItemTypeURI": self.type_ref(type_name),
            "language": "ja",
            "notes": f"en: {english}",
            "lastChangeDateTime": self.changed_at,
            "extensions": {f"{EXT}code": code, **{f"{EXT}{name}": record.get(name) for name in extras}},
        }
        if record.get("topics_ja"):
            item["conceptKeywords"] = list(record["topics_ja"])
        self.items.append(item)
        self.item_refs[(type_name, code)] = self.ref("CFItems", identifier, record["name_ja"])

    def child_of(self, origin: dict[str, str], destination: dict[str, str], sequence: int) -> None:
        identifier = case_uuid(self.version, "isChildOf", f"{origin['identifier']}/{destination['identifier']}")
        self.associations.append(
            {
                "identifier": identifier,
                "uri": self.uri("CFAssociations", identifier),
                "associationType": "isChildOf",
                "sequenceNumber": sequence,
                "originNodeURI": origin,
                "destinationNodeURI": destination,
                "lastChangeDateTime": self.changed_at,
            }
        )

    def build(self) -> dict[str, Any]:
        f = self.f
        for position, (code, (name_ja, name_en)) in enumerate(PARTS.items()):
            self.item("Part", {"code": code, "name_ja": name_ja, "name_en": name_en}, (), position)
            self.child_of(self.item_refs[("Part", code)], self.doc_ref(), position + 1)
        for type_name, (section, parent_type, parent_field) in ITEM_TYPES.items():
            if not section:
                continue
            for position, record in enumerate(f[section]):
                self.item(type_name, record, EXTRA_FIELDS[section], position)
                parent_code = record[parent_field] if parent_field else TOP_PART[type_name]
                self.child_of(
                    self.item_refs[(type_name, record["code"])],
                    self.item_refs[(parent_type, parent_code)],
                    position + 1,
                )
        return {
            "CFDocument": self.document(),
            "CFItems": self.items,
            "CFAssociations": self.associations,
            "CFDefinitions": self.definitions(),
            "CFRubrics": self.rubrics(),
        }

    def document(self) -> dict[str, Any]:
        s = self.f["standard"]
        return {
            "identifier": self.doc_id,
            "uri": self.uri("CFDocuments", self.doc_id),
            "creator": "METI / IPA",
            "title": s["name_ja"],
            "lastChangeDateTime": self.changed_at,
            "officialSourceURL": "https://www.ipa.go.jp/jinzai/skill-standard/dss/index.html",
            "publisher": "経済産業省・独立行政法人情報処理推進機構（IPA）",
            "description": s.get("source") or "",
            "language": "ja",
            "version": s["code"],
            "adoptionStatus": "Adopted",
            **({"statusStartDate": s["published_on"]} if s.get("published_on") else {}),
            "notes": f"en: {s['name_en']}",
            "caseVersion": CASE_VERSION,
            "extensions": {
                f"{EXT}format": FIXTURE_FORMAT,
                f"{EXT}name_en": s["name_en"],
                f"{EXT}notes": s.get("notes") or "",
                f"{EXT}proficiencyLevels": self.f["proficiency_levels"],
                f"{EXT}importanceGrades": self.f["importance_grades"],
            },
        }

    def definitions(self) -> dict[str, Any]:
        types = [
            {
                "identifier": case_uuid("", "itemtype", name),
                "uri": self.uri("CFItemTypes", case_uuid("", "itemtype", name)),
                "title": name,
                "description": ITEM_TYPE_DESCRIPTIONS[name],
                "hierarchyCode": str(index + 1),
                "typeCode": name,
                "lastChangeDateTime": self.changed_at,
            }
            for index, name in enumerate(ITEM_TYPES)
        ]
        return {"CFConcepts": [], "CFSubjects": [], "CFLicenses": [], "CFItemTypes": types}

    def rubrics(self) -> list[dict[str, Any]]:
        """One rubric per role: a criterion per skill item whose one level is the role's grade."""
        grades = {g["code"]: g for g in self.f["importance_grades"]}
        by_role: dict[str, list[dict[str, Any]]] = {}
        for req in self.f["role_skill_requirements"]:
            by_role.setdefault(req["role"], []).append(req)
        item_position = {r["code"]: i for i, r in enumerate(self.f["skill_items"])}
        rubrics = []
        for role in self.f["roles"]:
            rubric_id = case_uuid(self.version, "rubric", role["code"])
            criteria = []
            for req in sorted(by_role.get(role["code"], []), key=lambda r: item_position[r["skill"]]):
                grade = grades[req["grade"]]
                criterion_id = case_uuid(self.version, "criterion", f"{role['code']}/{req['skill']}")
                level_id = case_uuid(self.version, "criterion-level", f"{role['code']}/{req['skill']}")
                criteria.append(
                    {
                        "identifier": criterion_id,
                        "uri": self.uri("CFRubricCriteria", criterion_id),
                        "category": req["skill"],
                        "description": f"{role['name_ja']} × {self.item_refs[('SkillItem', req['skill'])]['title']}",
                        "CFItemURI": self.item_refs[("SkillItem", req["skill"])],
                        "weight": float(grade["target_proficiency"]),
                        "position": item_position[req["skill"]] + 1,
                        "rubricId": rubric_id,
                        "lastChangeDateTime": self.changed_at,
                        "extensions": {f"{EXT}grade": req["grade"], f"{EXT}is_estimated": req["is_estimated"]},
                        "CFRubricCriterionLevels": [
                            {
                                "identifier": level_id,
                                "uri": self.uri("CFRubricCriterionLevels", level_id),
                                "description": grade["label_ja"],
                                "quality": req["grade"],
                                "score": float(grade["target_proficiency"]),
                                "feedback": f"en: {grade['label_en']}",
                                "position": 1,
                                "rubricCriterionId": criterion_id,
                                "lastChangeDateTime": self.changed_at,
                            }
                        ],
                    }
                )
            rubrics.append(
                {
                    "identifier": rubric_id,
                    "uri": self.uri("CFRubrics", rubric_id),
                    "title": role["name_ja"],
                    "description": f"en: {role['name_en']}; grade a-d, z per skill item with its target proficiency",
                    "lastChangeDateTime": self.changed_at,
                    "extensions": {f"{EXT}role": role["code"], f"{EXT}roleURI": self.item_refs[("Role", role["code"])]},
                    "CFRubricCriteria": criteria,
                }
            )
        return rubrics


def package_build(fixture: dict[str, Any], *, base_url: str, changed_at: str) -> dict[str, Any]:
    """A CFPackage for a standard given in the fixture format; deterministic for the same input."""
    return _Builder(fixture, base_url, changed_at).build()


def single_object(kind: str, obj: dict[str, Any], package: dict[str, Any]) -> dict[str, Any]:
    """An object as the single-object endpoints answer it (CASE 1.1 REST binding).

    Inside a package, items and associations do not name their document, nor the document its
    package (the official CFPackage schema forbids it); read alone, they do: a CFItem and a
    CFAssociation carry `CFDocumentURI`, the CFDocument `CFPackageURI` (LinkURI: title, identifier, uri)."""
    document = package["CFDocument"]
    base = document["uri"].rsplit("/CFDocuments/", 1)[0]
    link = {"title": document["title"], "identifier": document["identifier"]}
    if kind in ("CFItem", "CFAssociation"):
        return {**obj, "CFDocumentURI": {**link, "uri": document["uri"]}}
    if kind == "CFDocument":
        return {**obj, "CFPackageURI": {**link, "uri": f"{base}/CFPackages/{document['identifier']}"}}
    return obj


def package_index(package: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """identifier -> (collection, object) for every addressable object of a package."""
    index: dict[str, tuple[str, dict[str, Any]]] = {}
    doc = package["CFDocument"]
    index[doc["identifier"]] = ("CFDocument", doc)
    for obj in package["CFItems"]:
        index[obj["identifier"]] = ("CFItem", obj)
    for obj in package["CFAssociations"]:
        index[obj["identifier"]] = ("CFAssociation", obj)
    for obj in package["CFDefinitions"]["CFItemTypes"]:
        index[obj["identifier"]] = ("CFItemType", obj)
    for obj in package["CFRubrics"]:
        index[obj["identifier"]] = ("CFRubric", obj)
        for criterion in obj.get("CFRubricCriteria", []):
            index[criterion["identifier"]] = ("CFRubricCriterion", criterion)
            for level in criterion.get("CFRubricCriterionLevels", []):
                index[level["identifier"]] = ("CFRubricCriterionLevel", level)
    return index


def item_associations(package: dict[str, Any], item_id: str) -> list[dict[str, Any]]:
    """Every association whose origin or destination is `item_id` (CFItemAssociations)."""
    return [
        a
        for a in package["CFAssociations"]
        if a["originNodeURI"]["identifier"] == item_id or a["destinationNodeURI"]["identifier"] == item_id
    ]


# --- import -----------------------------------------------------------------------------


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[FixtureIssue] = []

    def fail(self, path: str, message: str) -> None:
        self.issues.append(CaseIssue(path, message))

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return {}
        return value

    def lst(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, "must be a list")
            return []
        return value

    def text(self, obj: dict[str, Any], name: str, path: str, *, required: bool = True) -> str:
        value = obj.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(
                f"{path}.{name}", "is required and must be a non-empty string" if required else "must be a string"
            )
            return ""
        return value

    def ext(self, obj: dict[str, Any], name: str, default: Any = None) -> Any:
        extensions = obj.get("extensions")
        return extensions.get(EXT + name, default) if isinstance(extensions, dict) else default


def _english(notes: Any) -> str:
    return notes.removeprefix("en: ") if isinstance(notes, str) else ""


def package_to_fixture(package: Any, *, version: str, source: str = "<CASE package>") -> dict[str, Any]:
    """A CFPackage as a `dxpathways.dss/1` fixture dict with standard code `version`.

    Checks the CASE structure (each problem names its field path, e.g. `CFItems[3].CFItemType`);
    the fixture's own rules (references, a grade for every role x item, ...) are then checked by
    `skills.dss_fixture.parse_fixture`.  Raises CaseError.
    """
    r = _Reader(source)
    pkg = r.obj(package, "(package)")
    doc = r.obj(pkg.get("CFDocument"), "CFDocument")
    title = r.text(doc, "title", "CFDocument") if doc else ""
    items = r.lst(pkg.get("CFItems"), "CFItems")
    associations = r.lst(pkg.get("CFAssociations"), "CFAssociations")
    rubrics = r.lst(pkg.get("CFRubrics", []), "CFRubrics")

    by_id: dict[str, tuple[str, dict[str, Any], str]] = {}  # identifier -> (type, record, path)
    for index, raw in enumerate(items):
        path = f"CFItems[{index}]"
        item = r.obj(raw, path)
        if not item:
            continue
        identifier = r.text(item, "identifier", path)
        type_name = item.get("CFItemType")
        if type_name not in ITEM_TYPES:
            r.fail(f"{path}.CFItemType", f"{type_name!r} is not one of {', '.join(ITEM_TYPES)}")
            continue
        code = r.ext(item, "code") or item.get("humanCodingScheme")
        if not isinstance(code, str) or not code.strip():
            r.fail(f"{path}.humanCodingScheme", "is required (the item's code)")
            continue
        name_ja = r.ext(item, "name_ja") or item.get("abbreviatedStatement") or item.get("fullStatement")
        name_en = r.ext(item, "name_en") or _english(item.get("notes"))
        record: dict[str, Any] = {"code": code.strip(), "name_ja": name_ja, "name_en": name_en}
        section = ITEM_TYPES[type_name][0]
        for name in EXTRA_FIELDS.get(section, ()):
            if name not in record:
                record[name] = r.ext(item, name)
        if section == "skill_items" and record.get("definition_ja") is None:
            record["definition_ja"] = item.get("fullStatement", "")
        if section in ("skill_items", "literacy_items") and record.get("topics_ja") is None:
            record["topics_ja"] = item.get("conceptKeywords") or []
        if section == "skill_categories" and record.get("name_verified") is None:
            record["name_verified"] = False
        if identifier in by_id:
            r.fail(f"{path}.identifier", f"duplicate identifier {identifier!r}")
            continue
        by_id[identifier] = (type_name, record, path)

    parents: dict[str, tuple[str, int]] = {}  # child identifier -> (parent identifier, sequence)
    for index, raw in enumerate(associations):
        path = f"CFAssociations[{index}]"
        assoc = r.obj(raw, path)
        if not assoc or assoc.get("associationType") != "isChildOf":
            continue
        origin = r.obj(assoc.get("originNodeURI"), f"{path}.originNodeURI").get("identifier")
        dest = r.obj(assoc.get("destinationNodeURI"), f"{path}.destinationNodeURI").get("identifier")
        if origin not in by_id:
            continue  # an association about something this importer does not read
        if origin in parents:
            r.fail(f"{path}.originNodeURI", f"item {origin!r} is the child of two parents")
            continue
        sequence = assoc.get("sequenceNumber")
        parents[origin] = (str(dest), sequence if isinstance(sequence, int) else 0)

    sections: dict[str, list[tuple[int, int, dict[str, Any]]]] = {s: [] for s in EXTRA_FIELDS}
    for order, (identifier, (type_name, record, path)) in enumerate(by_id.items()):
        section, parent_type, parent_field = ITEM_TYPES[type_name]
        if not section:
            continue
        parent = parents.get(identifier)
        parent_entry = by_id.get(parent[0]) if parent else None
        if parent is None or parent_entry is None or parent_entry[0] != parent_type:
            r.fail(path, f"a {type_name} must be the child (isChildOf) of a {parent_type}")
            continue
        if parent_field:
            record[parent_field] = parent_entry[1]["code"]
        sections[section].append((parent[1], order, record))

    raw_ext = doc.get("extensions")
    header_ext: dict[str, Any] = raw_ext if isinstance(raw_ext, dict) else {}
    levels = header_ext.get(f"{EXT}proficiencyLevels")
    grades = header_ext.get(f"{EXT}importanceGrades")
    if not isinstance(levels, list):
        r.fail("CFDocument.extensions.dxp:proficiencyLevels", "must list the proficiency levels 0-4")
        levels = []
    if not isinstance(grades, list):
        r.fail("CFDocument.extensions.dxp:importanceGrades", "must list the importance grades a, b, c, d, z")
        grades = []

    role_codes = {rec["code"]: ident for ident, (t, rec, _p) in by_id.items() if t == "Role"}
    item_codes = {ident: rec["code"] for ident, (t, rec, _p) in by_id.items() if t == "SkillItem"}
    requirements = []
    for index, raw in enumerate(rubrics):
        path = f"CFRubrics[{index}]"
        rubric = r.obj(raw, path)
        if not rubric:
            continue
        role = r.ext(rubric, "role")
        if role not in role_codes:
            r.fail(f"{path}.extensions.dxp:role", f"{role!r} is not the code of a Role item of this package")
            continue
        for c_index, raw_criterion in enumerate(r.lst(rubric.get("CFRubricCriteria"), f"{path}.CFRubricCriteria")):
            c_path = f"{path}.CFRubricCriteria[{c_index}]"
            criterion = r.obj(raw_criterion, c_path)
            if not criterion:
                continue
            item_id = r.obj(criterion.get("CFItemURI"), f"{c_path}.CFItemURI").get("identifier")
            if item_id not in item_codes:
                r.fail(f"{c_path}.CFItemURI", f"{item_id!r} is not a SkillItem of this package")
                continue
            levels_list = r.lst(criterion.get("CFRubricCriterionLevels"), f"{c_path}.CFRubricCriterionLevels")
            grade = r.ext(criterion, "grade")
            if grade is None and len(levels_list) == 1 and isinstance(levels_list[0], dict):
                grade = levels_list[0].get("quality")
            estimated = r.ext(criterion, "is_estimated", False)
            requirements.append({"role": role, "skill": item_codes[item_id], "grade": grade, "is_estimated": estimated})

    if r.issues:
        raise CaseError(source, r.issues)

    def ordered(section: str) -> list[dict[str, Any]]:
        return [record for _s, _o, record in sorted(sections[section], key=lambda t: (t[0], t[1]))]

    fixture: dict[str, Any] = {
        "format": FIXTURE_FORMAT,
        "standard": {
            "code": version,
            "name_ja": title,
            "name_en": header_ext.get(f"{EXT}name_en") or _english(doc.get("notes")) or title,
            "published_on": doc.get("statusStartDate"),
            "source": doc.get("description") or "",
            "notes": header_ext.get(f"{EXT}notes") or "",
        },
        "proficiency_levels": levels,
        "importance_grades": grades,
        "role_skill_requirements": requirements,
    }
    for section in EXTRA_FIELDS:
        fixture[section] = ordered(section)
    # Children are ordered within their parent; the fixture lists them parent by parent.
    for section, (parent_section, parent_field) in {
        "roles": ("persona_types", "persona"),
        "skill_subcategories": ("skill_categories", "category"),
        "skill_items": ("skill_subcategories", "subcategory"),
        "literacy_items": ("literacy_sections", "section"),
    }.items():
        rank = {rec["code"]: i for i, rec in enumerate(fixture[parent_section])}
        fixture[section].sort(key=lambda rec, pf=parent_field, rk=rank: rk.get(rec[pf], 0))
    return fixture
