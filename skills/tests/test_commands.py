import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skills.models import RoleSkillRequirement, SkillItem, StandardVersion

pytestmark = pytest.mark.django_db


def _run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_load_dss_twice_reports_no_change():
    first = _run("load_dss")
    assert "created and made current" in first
    second = _run("load_dss")
    assert "already up to date (0 rows changed)" in second
    assert SkillItem.objects.count() == 49


def test_load_dss_broken_file_fails_and_changes_nothing(tmp_path, dss_copy):
    _run("load_dss")
    before = list(SkillItem.objects.order_by("code").values_list("code", "name_en"))
    dss_copy["skill_items"][5]["name_en"] = "Changed"
    dss_copy["skill_items"][6]["subcategory"] = "XX-NOPE"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(dss_copy, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("load_dss", str(path))
    message = str(info.value)
    assert str(path) in message
    assert (
        "skill_items[6] (code 'BT07'), field 'subcategory': 'XX-NOPE' is not a code in skill_subcategories" in message
    )
    assert list(SkillItem.objects.order_by("code").values_list("code", "name_en")) == before


def test_load_dss_exits_non_zero_from_the_shell(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "manage.py", "load_dss", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert str(path) in result.stderr
    assert "invalid JSON" in result.stderr


def test_load_dss_matrix_applies_official_grades(tmp_path):
    _run("load_dss")
    path = tmp_path / "official.csv"
    path.write_text("role_code,skill_code,grade\nSE_BACKEND,TE01,a\nSE_BACKEND,TE02,b\n", encoding="utf-8")
    out = _run("load_dss_matrix", str(path))
    assert "2 cells set as official" in out
    assert "733 cells of dss-1.2 are still estimated" in out
    req = RoleSkillRequirement.objects.get(role__code="SE_BACKEND", skill_item__code="TE02")
    assert (req.grade, req.is_estimated) == ("b", False)


def test_load_dss_matrix_reads_cp932(tmp_path):
    _run("load_dss")
    path = tmp_path / "excel.csv"
    path.write_bytes("role_code,skill_code,grade,備考\r\nCS_MANAGER,SC01,a,公式\r\n".encode("cp932"))
    _run("load_dss_matrix", str(path))
    assert not RoleSkillRequirement.objects.get(role__code="CS_MANAGER", skill_item__code="SC01").is_estimated


def test_load_dss_matrix_bad_rows_name_lines_and_change_nothing(tmp_path):
    _run("load_dss")
    before = list(RoleSkillRequirement.objects.order_by("pk").values_list("grade", "is_estimated"))
    path = tmp_path / "bad.csv"
    path.write_text("role_code,skill_code,grade\nSE_BACKEND,TE01,a\nSE_BACKEND,TE02,q\nNOPE,TE03,a\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("load_dss_matrix", str(path))
    assert f"{path}: line 3, field 'grade': 'q' is not one of a, b, c, d, z" in str(info.value)
    assert list(RoleSkillRequirement.objects.order_by("pk").values_list("grade", "is_estimated")) == before
    path.write_text("role_code,skill_code,grade\nSE_BACKEND,TE01,a\nNOPE,TE03,a\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3, field 'role_code': 'NOPE' is not a role"):
        call_command("load_dss_matrix", str(path))
    assert list(RoleSkillRequirement.objects.order_by("pk").values_list("grade", "is_estimated")) == before


def test_load_dss_matrix_without_a_standard_says_so(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("role_code,skill_code,grade\nSE_BACKEND,TE01,a\n", encoding="utf-8")
    with pytest.raises(CommandError, match="load_dss"):
        call_command("load_dss_matrix", str(path))
    assert not StandardVersion.objects.exists()


def test_load_dss_matrix_missing_file(tmp_path):
    _run("load_dss")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("load_dss_matrix", str(tmp_path / "nope.csv"))
