import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from skills.dss_fixture import FixtureError, parse_fixture
from skills.dss_matrix import MatrixError, MatrixRow
from skills.models import (
    LiteracyItem,
    PersonaType,
    Role,
    RoleSkillRequirement,
    SkillItem,
    StandardVersion,
)
from skills.selectors import standard_verify
from skills.services import requirement_matrix_load, standard_load, standard_set_current

pytestmark = pytest.mark.django_db


def _snapshot():
    """Every requirement and item as plain values, to compare before and after."""
    return (
        sorted(RoleSkillRequirement.objects.values_list("role__code", "skill_item__code", "grade", "is_estimated")),
        sorted(SkillItem.objects.values_list("code", "name_ja", "name_en", "definition_ja")),
        list(StandardVersion.objects.values_list("code", "is_current", "content_hash", "updated_at")),
    )


def test_load_creates_the_whole_standard(dss_data):
    report = standard_load(fixture=parse_fixture(dss_data))
    version = StandardVersion.objects.get()
    assert report.version_created
    assert report.made_current
    assert version.is_current
    assert PersonaType.objects.count() == 5
    assert Role.objects.count() == 15
    assert SkillItem.objects.count() == 49
    assert LiteracyItem.objects.count() == 23
    assert RoleSkillRequirement.objects.count() == 735
    assert RoleSkillRequirement.objects.filter(is_estimated=True).count() == 735
    assert standard_verify(version_id=version.pk)["ok"] is True
    role = Role.objects.get(code="DS_PRO")
    assert role.persona_type.code == "DS"
    assert role.requirements.get(skill_item__code="DU04").grade == "a"


def test_second_load_changes_nothing(dss_data):
    standard_load(fixture=parse_fixture(dss_data))
    before = _snapshot()
    with CaptureQueriesContext(connection) as queries:
        report = standard_load(fixture=parse_fixture(dss_data))
    assert report.changed == 0
    assert not report.version_created
    assert not report.made_current
    assert all(c.created == c.updated == 0 for c in report.counts.values())
    assert report.counts["role_skill_requirements"].unchanged == 735
    assert _snapshot() == before
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []


def test_changed_text_is_updated_in_place(dss_data, dss_copy):
    standard_load(fixture=parse_fixture(dss_data))
    item_pk = SkillItem.objects.get(code="DU04").pk
    dss_copy["skill_items"][20]["name_en"] = "Data science (revised)"
    assert dss_copy["skill_items"][20]["code"] == "DU04"
    report = standard_load(fixture=parse_fixture(dss_copy))
    assert report.counts["skill_items"].updated == 1
    item = SkillItem.objects.get(code="DU04")
    assert item.pk == item_pk
    assert item.name_en == "Data science (revised)"


def test_a_failing_load_leaves_the_database_as_it_was(dss_data, dss_copy):
    standard_load(fixture=parse_fixture(dss_data))
    before = _snapshot()
    # Valid against the file alone, but drops an item that is already loaded.
    dss_copy["skill_items"][0]["name_ja"] = "変更された名称"
    removed = dss_copy["skill_items"].pop()
    dss_copy["role_skill_requirements"] = [
        r for r in dss_copy["role_skill_requirements"] if r["skill"] != removed["code"]
    ]
    fixture = parse_fixture(dss_copy, expected_counts={})
    with pytest.raises(FixtureError) as info:
        standard_load(fixture=fixture)
    assert "skill_items, field 'code': PS06 already loaded" in str(info.value)
    assert _snapshot() == before


def test_load_keeps_official_grades_over_estimates(dss_data):
    version_report = standard_load(fixture=parse_fixture(dss_data))
    version = StandardVersion.objects.get(code=version_report.version)
    requirement_matrix_load(
        version=version, rows=[MatrixRow(line=2, role_code="DS_PRO", skill_code="DU04", grade="b")], source="m.csv"
    )
    report = standard_load(fixture=parse_fixture(dss_data))
    assert report.counts["role_skill_requirements"].kept_official == 1
    req = RoleSkillRequirement.objects.get(role__code="DS_PRO", skill_item__code="DU04")
    assert (req.grade, req.is_estimated) == ("b", False)


def test_an_official_fixture_overrides_estimates(dss_data, dss_copy):
    standard_load(fixture=parse_fixture(dss_data))
    for row in dss_copy["role_skill_requirements"]:
        row["is_estimated"] = False
    report = standard_load(fixture=parse_fixture(dss_copy))
    assert report.counts["role_skill_requirements"].updated == 735
    assert not RoleSkillRequirement.objects.filter(is_estimated=True).exists()


def test_a_second_version_loads_beside_the_first(dss_data, dss_copy):
    standard_load(fixture=parse_fixture(dss_data))
    dss_copy["standard"]["code"] = "dss-1.3"
    report = standard_load(fixture=parse_fixture(dss_copy))
    assert report.version_created
    assert not report.made_current
    assert SkillItem.objects.count() == 98
    assert StandardVersion.objects.get(is_current=True).code == "dss-1.2"
    standard_set_current(version=StandardVersion.objects.get(code="dss-1.3"))
    assert list(StandardVersion.objects.filter(is_current=True).values_list("code", flat=True)) == ["dss-1.3"]


def test_matrix_load_sets_official_grades_and_is_idempotent(standard):
    rows = [
        MatrixRow(line=2, role_code="DS_PRO", skill_code="DU04", grade="b"),
        MatrixRow(line=3, role_code="DS_PRO", skill_code="DU05", grade="a"),
    ]
    before = RoleSkillRequirement.objects.get(role__code="DS_PRO", skill_item__code="DU05").grade
    report = requirement_matrix_load(version=standard, rows=rows, source="official.csv")
    assert (report.cells, report.changed, report.unchanged, report.still_estimated) == (2, 2, 0, 733)
    du04 = RoleSkillRequirement.objects.get(role__code="DS_PRO", skill_item__code="DU04")
    assert (du04.grade, du04.is_estimated, du04.source) == ("b", False, "official-matrix:official.csv")
    assert before == "a"  # unchanged grade still counts: the estimated mark was cleared
    again = requirement_matrix_load(version=standard, rows=rows, source="official.csv")
    assert (again.changed, again.unchanged) == (0, 2)


def test_matrix_with_unknown_codes_changes_nothing(standard):
    before = _snapshot()
    rows = [
        MatrixRow(line=2, role_code="DS_PRO", skill_code="DU04", grade="b"),
        MatrixRow(line=3, role_code="NOPE", skill_code="DU05", grade="a"),
        MatrixRow(line=4, role_code="DS_PRO", skill_code="XX99", grade="a"),
    ]
    with pytest.raises(MatrixError) as info:
        requirement_matrix_load(version=standard, rows=rows, source="m.csv")
    messages = [str(i) for i in info.value.issues]
    assert messages == [
        "line 3, field 'role_code': 'NOPE' is not a role of dss-1.2",
        "line 4, field 'skill_code': 'XX99' is not a skill item of dss-1.2",
    ]
    assert _snapshot() == before


def test_a_database_error_mid_load_rolls_back_everything(dss_data, dss_copy):
    standard_load(fixture=parse_fixture(dss_data))
    before = _snapshot()
    dss_copy["skill_items"][0]["name_ja"] = "変更された名称"
    fixture = parse_fixture(dss_copy)
    # Corrupt a value after validation so that only the database can refuse it,
    # after the skill items have already been written inside the transaction.
    fixture.role_skill_requirements[-1]["grade"] = "x"
    fixture.role_skill_requirements[-1]["is_estimated"] = False
    with pytest.raises(IntegrityError):
        standard_load(fixture=fixture)
    assert _snapshot() == before
    assert SkillItem.objects.get(code="BT01").name_ja != "変更された名称"
