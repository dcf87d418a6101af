"""The fixture validator: plain Python, no database."""

import json
from pathlib import Path

import pytest

from skills.dss_build import build_fixture_file
from skills.dss_fixture import DSS_COUNTS, FixtureError, parse_fixture, read_fixture

ROOT = Path(__file__).resolve().parents[2]
SHARED_REFERENCE = ROOT.parent / "shared" / "dss" / "dss_reference.json"
SUPPLEMENT = ROOT / "fixtures" / "source" / "dss_supplement.json"


def _messages(exc: FixtureError) -> list[str]:
    return [str(issue) for issue in exc.issues]


def test_committed_fixture_has_the_standard_counts(dss_data):
    fixture = parse_fixture(dss_data)
    assert len(fixture.persona_types) == 5
    assert len(fixture.roles) == 15
    assert len(fixture.skill_categories) == 5
    assert len(fixture.skill_subcategories) == 12
    assert len(fixture.skill_items) == 49
    assert len(fixture.literacy_sections) == 4
    assert len(fixture.literacy_items) == 23
    assert len(fixture.role_skill_requirements) == 15 * 49
    assert all(r["is_estimated"] for r in fixture.role_skill_requirements)


def test_committed_fixture_is_bilingual(dss_data):
    fixture = parse_fixture(dss_data)
    for item in fixture.skill_items:
        for name in ("name", "definition", "topics"):
            assert item[f"{name}_ja"], (item["code"], name)
            assert item[f"{name}_en"], (item["code"], name)
        assert len(item["topics_ja"]) == len(item["topics_en"]), item["code"]
    for role in fixture.roles:
        assert role["summary_ja"], role["code"]
        assert role["summary_en"], role["code"]
    for item in fixture.literacy_items:
        assert len(item["topics_ja"]) == len(item["topics_en"]) > 0, item["code"]


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="../shared/dss is not beside this checkout")
def test_committed_fixture_is_built_from_the_shared_reference():
    built = build_fixture_file(SHARED_REFERENCE, SUPPLEMENT)
    committed = (ROOT / "fixtures" / "dss_skill_standard.json").read_text(encoding="utf-8")
    assert built == committed, "fixture is stale: run `make fixture`"


def test_unknown_grade_names_record_and_field(dss_copy):
    dss_copy["role_skill_requirements"][7]["grade"] = "x"
    with pytest.raises(FixtureError) as info:
        parse_fixture(dss_copy, source="f.json")
    assert any(
        "role_skill_requirements[7] (role 'BA_NEW', skill 'BT08'), field 'grade'" in m for m in _messages(info.value)
    )
    assert "f.json" in str(info.value)


def test_missing_field_is_reported(dss_copy):
    del dss_copy["skill_items"][3]["name_ja"]
    with pytest.raises(FixtureError) as info:
        parse_fixture(dss_copy)
    assert "skill_items[3] (code 'BT04'), field 'name_ja': is missing" in _messages(info.value)


def test_dangling_reference_is_reported(dss_copy):
    dss_copy["roles"][0]["persona"] = "NOPE"
    with pytest.raises(FixtureError) as info:
        parse_fixture(dss_copy)
    assert "roles[0] (code 'BA_NEW'), field 'persona': 'NOPE' is not a code in persona_types" in _messages(info.value)


def test_duplicate_code_is_reported(dss_copy):
    dss_copy["skill_items"][1]["code"] = dss_copy["skill_items"][0]["code"]
    with pytest.raises(FixtureError) as info:
        parse_fixture(dss_copy)
    assert any("duplicate code: also at skill_items[0]" in m for m in _messages(info.value))


def test_wrong_count_is_reported(dss_copy):
    dropped = dss_copy["literacy_items"].pop()
    assert dropped["code"] == "L-MS-7"
    with pytest.raises(FixtureError) as info:
        parse_fixture(dss_copy)
    assert "literacy_items: has 22 records; the standard defines 23" in _messages(info.value)


def test_every_role_needs_a_grade_for_every_item(dss_copy):
    dss_copy["role_skill_requirements"] = [
        r for r in dss_copy["role_skill_requirements"] if not (r["role"] == "DS_PRO" and r["skill"] == "DU04")
    ]
    with pytest.raises(FixtureError) as info:
        parse_fixture(dss_copy)
    assert "role_skill_requirements (role 'DS_PRO'), field 'skill': no grade for DU04" in _messages(info.value)


def test_duplicate_requirement_is_reported(dss_copy):
    dss_copy["role_skill_requirements"].append(dict(dss_copy["role_skill_requirements"][0]))
    with pytest.raises(FixtureError) as info:
        parse_fixture(dss_copy)
    assert any("duplicate role and skill" in m for m in _messages(info.value))


def test_unknown_field_and_bad_types_are_reported(dss_copy):
    dss_copy["roles"][2]["colour"] = "blue"
    dss_copy["importance_grades"][0]["target_proficiency"] = 7
    dss_copy["skill_items"][0]["topics_en"] = "not a list"
    with pytest.raises(FixtureError) as info:
        parse_fixture(dss_copy)
    messages = _messages(info.value)
    assert "roles[2] (code 'BA_INTERNAL'), field 'colour': is not a known field" in messages
    assert "importance_grades[0] (code 'a'), field 'target_proficiency': 7 is outside 0-4" in messages
    assert "skill_items[0] (code 'BT01'), field 'topics_en': must be a list of non-empty strings" in messages


def test_wrong_format_marker(dss_copy):
    dss_copy["format"] = "something-else"
    with pytest.raises(FixtureError, match="field 'format'"):
        parse_fixture(dss_copy)


def test_counts_can_be_overridden_for_another_edition(dss_copy):
    dss_copy["literacy_items"].pop()
    fixture = parse_fixture(dss_copy, expected_counts={**DSS_COUNTS, "literacy_items": 22})
    assert len(fixture.literacy_items) == 22


def test_read_fixture_reports_invalid_json_with_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "dxpathways.dss/1",\n  "standard": }', encoding="utf-8")
    with pytest.raises(FixtureError) as info:
        read_fixture(path)
    assert str(path) in str(info.value)
    assert "line 2, column 15: invalid JSON" in str(info.value)


def test_read_fixture_reports_missing_file(tmp_path):
    with pytest.raises(FixtureError, match="does not exist"):
        read_fixture(tmp_path / "nope.json")


def test_read_fixture_rejects_non_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(FixtureError, match="must be a JSON object"):
        read_fixture(path)
