"""Build `fixtures/dss_skill_standard.json` from the shared DSS reference.

Inputs: `../shared/dss/dss_reference.json` (facts and codes) and
`fixtures/source/dss_supplement.json` (this project's Japanese translations,
English glosses and topic lists).  Output: a fixture in the `dxpathways.dss/1`
format that `load_dss` reads.  Plain Python; deterministic for its inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from skills.dss_fixture import FORMAT

STANDARD_CODE = "dss-1.2"


def _split(value: Any, sep: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(sep) if part.strip()]


def build_fixture(reference: dict[str, Any], supplement: dict[str, Any]) -> dict[str, Any]:
    """Merge the reference and the supplement into one fixture document."""
    meta = reference["meta"]
    sup_personas = supplement.get("persona_types", {})
    sup_roles = supplement.get("roles", {})
    sup_items = supplement.get("skill_items", {})
    sup_lit = supplement.get("literacy_items", {})
    grades = reference["importance_grades"]

    verification = meta.get("verification", {})
    fixture: dict[str, Any] = {
        "format": FORMAT,
        "standard": {
            "code": STANDARD_CODE,
            "name_ja": "デジタルスキル標準 ver.1.2",
            "name_en": "Digital Skill Standard ver.1.2",
            "published_on": "2024-07-01",
            "source": f"{meta['standard_version']}. {meta['official_source']}",
            "notes": " ".join(f"{k}: {v}" for k, v in verification.items()),
        },
        "proficiency_levels": [
            {"level": p["level"], "label_ja": p["ja"], "label_en": p["en"]} for p in reference["proficiency_scale"]
        ],
        "importance_grades": [
            {
                "code": code,
                "label_ja": grades[code]["ja"],
                "label_en": grades[code]["en"],
                "target_proficiency": grades[code]["target_proficiency"],
            }
            for code in ("a", "b", "c", "d", "z")
        ],
        "persona_types": [
            {
                "code": p["code"],
                "name_ja": p["name_ja"],
                "name_en": p["name_en"],
                "summary_ja": sup_personas.get(p["code"], {}).get("summary_ja", ""),
                "summary_en": p.get("summary_en", ""),
            }
            for p in reference["persona_types"]
        ],
        "roles": [
            {
                "code": r["code"],
                "persona": r["persona"],
                "name_ja": r["name_ja"],
                "name_en": r["name_en"],
                "summary_ja": sup_roles.get(r["code"], {}).get("summary_ja", ""),
                "summary_en": r.get("summary_en", ""),
            }
            for r in reference["roles"]
        ],
        "skill_categories": [
            {
                "code": c["code"],
                "name_ja": c["name_ja"],
                "name_en": c["name_en"],
                "name_verified": c.get("name_status", "") == "verified",
            }
            for c in reference["skill_categories"]
        ],
        "skill_subcategories": [
            {"code": s["code"], "category": c["code"], "name_ja": s["name_ja"], "name_en": s["name_en"]}
            for c in reference["skill_categories"]
            for s in c["subcategories"]
        ],
        "skill_items": [],
        "literacy_sections": [
            {"code": s["code"], "name_ja": s["name_ja"], "name_en": s["name_en"]}
            for s in reference["literacy_sections"]
        ],
        "literacy_items": [],
        "role_skill_requirements": [],
    }
    for item in reference["skill_items"]:
        extra = sup_items.get(item["code"], {})
        topics_en = _split(item.get("topics_en"), ";") or _split(extra.get("topics_en"), ";")
        fixture["skill_items"].append(
            {
                "code": item["code"],
                "subcategory": item["subcategory"],
                "name_ja": item["name_ja"],
                "name_en": item["name_en"],
                "definition_ja": extra.get("definition_ja", ""),
                "definition_en": item.get("definition_en") or "",
                "topics_ja": _split(extra.get("topics_ja"), "；"),
                "topics_en": topics_en,
            }
        )
    for item in reference["literacy_items"]:
        extra = sup_lit.get(item["code"], {})
        fixture["literacy_items"].append(
            {
                "code": item["code"],
                "section": item["section"],
                "group_ja": item.get("group_ja") or "",
                "group_en": extra.get("group_en") or "",
                "name_ja": item["name_ja"],
                "name_en": item["name_en"],
                "topics_ja": _split(extra.get("topics_ja"), "；"),
                "topics_en": _split(item.get("topics_en"), ";"),
            }
        )
    # The reference's role x item grades are this project's estimates.
    for role in reference["roles"]:
        row = reference["role_skill_importance"][role["code"]]
        for item in reference["skill_items"]:
            fixture["role_skill_requirements"].append(
                {"role": role["code"], "skill": item["code"], "grade": row[item["code"]], "is_estimated": True}
            )
    return fixture


def dump_fixture(fixture: dict[str, Any]) -> str:
    """Stable text form: one requirement per line keeps diffs readable."""
    requirements = fixture["role_skill_requirements"]
    head = {k: v for k, v in fixture.items() if k != "role_skill_requirements"}
    text = json.dumps(head, ensure_ascii=False, indent=2)
    rows = ",\n".join("    " + json.dumps(r, ensure_ascii=False) for r in requirements)
    return text[:-2] + ',\n  "role_skill_requirements": [\n' + rows + "\n  ]\n}\n"


def build_fixture_file(reference_path: Path, supplement_path: Path) -> str:
    reference = json.loads(reference_path.read_text(encoding="utf-8"))
    supplement = json.loads(supplement_path.read_text(encoding="utf-8"))
    return dump_fixture(build_fixture(reference, supplement))
