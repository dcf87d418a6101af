"""Exams as skill evidence: the map loader, passes changing levels and plans, employers' imports, DX認定."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.exam_services import (
    ExamPassError,
    exam_evidence_expire,
    exam_pass_add,
    org_exam_results_import,
    organization_dx_update,
)
from learners.models import AssessmentSource, ExamPass, Membership, SkillAssessment
from learners.selectors import learner_current_levels
from learners.services import skill_assessments_record
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory
from skills.exam_map import DEFAULT_MAP_FILE, EXAMS_FILE, parse_exam_map, read_exams
from skills.models import Exam, ExamSkill

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def exams(standard):
    call_command("load_exam_map", stdout=io.StringIO())
    return standard


def _levels(learner, standard):
    codes = dict(standard.skill_items.values_list("pk", "code"))
    return {codes[k]: (v.level, v.source) for k, v in learner_current_levels(learner=learner).items()}


# --- the data and the map ------------------------------------------------------------------------


def test_exams_file_copies_the_ipa_list_exactly():
    shared = ROOT.parent / "shared" / "dss" / "ipa_exams.json"
    if not shared.exists():
        pytest.skip("../shared/dss/ipa_exams.json is not beside this checkout")
    ipa = {e["code"]: e for e in json.loads(shared.read_text(encoding="utf-8"))["exams"]}
    ours = {e.code: e for e in read_exams(EXAMS_FILE)}
    for code, e in ipa.items():
        assert (ours[code].name_ja, ours[code].name_en, ours[code].level) == (
            e["name_ja"],
            e["name_en"],
            e["itss_level"],
        )
        assert not ours[code].level_is_estimated and ours[code].valid_years is None
    private = [e for e in ours.values() if e.code not in ipa]
    assert {"JDLA-G", "JDLA-E", "DS-LIT", "AWS-SAA", "GC-PDE", "AZ-104"} <= {e.code for e in private}
    assert all(e.level_is_estimated for e in private)


def test_default_map_loads_every_exam_as_estimated(exams):
    assert Exam.objects.count() == len(read_exams(EXAMS_FILE))
    mapped = set(ExamSkill.objects.values_list("exam__code", flat=True))
    assert mapped == set(Exam.objects.values_list("code", flat=True))
    assert not ExamSkill.objects.filter(is_estimated=False).exists()
    assert ExamSkill.objects.get(exam__code="FE", skill_item__code="TE01").level == 2


def test_load_exam_map_twice_changes_nothing(exams):
    out = io.StringIO()
    call_command("load_exam_map", stdout=out)
    assert "0 new, 0 changed, 0 removed" in out.getvalue()


def test_load_exam_map_replaces_the_map_from_a_cp932_file(exams, tmp_path):
    path = tmp_path / "official.csv"
    path.write_bytes("exam_code,skill_code,level,rationale,estimated\r\nFE,TE01,3,公式対応表,no\r\n".encode("cp932"))
    out = io.StringIO()
    call_command("load_exam_map", str(path), stdout=out)
    assert list(ExamSkill.objects.values_list("exam__code", "skill_item__code", "level", "is_estimated")) == [
        ("FE", "TE01", 3, False)
    ]
    assert ExamSkill.objects.get().rationale == "公式対応表"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("exam_code,skill_code,level\nXX,TE01,2\n", "line 2, field 'exam_code': 'XX' is not a known exam"),
        ("exam_code,skill_code,level\nFE,ZZ99,2\n", "line 2, field 'skill_code': 'ZZ99' is not a skill item"),
        ("exam_code,skill_code,level\nFE,TE01,2\nFE,TE02,7\n", "line 3, field 'level': '7' is not a level 1-4"),
        ("exam_code,skill_code\nFE,TE01\n", "line 1, field 'level': header has no 'level' column"),
        ("exam_code,skill_code,level\nFE,TE01,2\nFE,TE01,3\n", "line 3, field 'skill_code': FE x TE01 is given twice"),
        ("exam_code,skill_code,level,estimated\nFE,TE01,2,maybe\n", "line 2, field 'estimated'"),
    ],
)
def test_load_exam_map_refuses_bad_files_and_changes_nothing(exams, tmp_path, content, expected):
    before = list(ExamSkill.objects.order_by("pk").values_list("pk", "level", "is_estimated"))
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("load_exam_map", str(path), stdout=io.StringIO())
    assert expected in str(err.value)
    assert str(path) in str(err.value)
    assert list(ExamSkill.objects.order_by("pk").values_list("pk", "level", "is_estimated")) == before


def test_parse_exam_map_reads_the_committed_map():
    rows = parse_exam_map(DEFAULT_MAP_FILE.read_text(encoding="utf-8"), source="map")
    assert all(r.estimated and r.rationale for r in rows)


# --- a learner's passes ---------------------------------------------------------------------------


def test_exam_pass_outranks_self_assessment_and_never_lowers(exams):
    learner = LearnerFactory.create()
    te01 = exams.skill_items.get(code="TE01")
    skill_assessments_record(learner=learner, levels={te01: 1})
    exam_pass_add(learner=learner, exam_code="FE", passed_on=date(2023, 10, 1))
    levels = _levels(learner, exams)
    assert levels["TE01"] == (2, AssessmentSource.EXAM)
    assert levels["TE03"] == (2, AssessmentSource.EXAM)
    skill_assessments_record(learner=learner, levels={te01: 0})  # lowering one's own view: the exam still shows 2
    assert _levels(learner, exams)["TE01"] == (2, AssessmentSource.EXAM)
    skill_assessments_record(learner=learner, levels={te01: 3})  # a higher self-assessment is the highest
    assert _levels(learner, exams)["TE01"] == (3, AssessmentSource.SELF)


def test_a_later_lower_exam_does_not_lower_the_evidence(exams):
    learner = LearnerFactory.create()
    exam_pass_add(learner=learner, exam_code="AP", passed_on=date(2022, 4, 17))
    exam_pass_add(learner=learner, exam_code="IP", passed_on=date(2024, 4, 1))  # shows TE01 only at 1
    assert _levels(learner, exams)["TE01"] == (3, AssessmentSource.EXAM)
    assert ExamPass.objects.filter(learner=learner).count() == 2


@pytest.mark.parametrize(
    ("code", "passed_on", "field", "message"),
    [
        ("XX", date(2023, 1, 1), "exam", "not a known exam code"),
        ("FE", date.today() + timedelta(days=1), "passed_on", "is in the future"),
        ("SC", date(2015, 6, 1), "passed_on", "before SC was first held"),
    ],
)
def test_exam_pass_add_refuses_bad_input(exams, code, passed_on, field, message):
    learner = LearnerFactory.create()
    with pytest.raises(ExamPassError) as err:
        exam_pass_add(learner=learner, exam_code=code, passed_on=passed_on)
    assert err.value.field == field and message in err.value.message
    assert not ExamPass.objects.exists() and not SkillAssessment.objects.exists()


def test_duplicate_pass_is_refused(exams):
    learner = LearnerFactory.create()
    exam_pass_add(learner=learner, exam_code="FE", passed_on=date(2023, 10, 1))
    count = SkillAssessment.objects.count()
    with pytest.raises(ExamPassError, match="already recorded"):
        exam_pass_add(learner=learner, exam_code="FE", passed_on=date(2023, 10, 1))
    assert ExamPass.objects.count() == 1 and SkillAssessment.objects.count() == count


def test_expiring_certification_stops_being_evidence(exams):
    learner = LearnerFactory.create()
    passed = date(2021, 3, 1)
    exam_pass_add(learner=learner, exam_code="AZ-104", passed_on=passed, today=date(2021, 6, 1))
    assert _levels(learner, exams)["TE08"] == (2, AssessmentSource.EXAM)
    assert exam_evidence_expire(today=date(2021, 12, 1)) == 0  # still valid: nothing appended
    assert exam_evidence_expire(today=date(2022, 3, 1)) == 2  # one year later: TE08 and TE09 drop to 0
    assert "TE08" not in {k for k, v in _levels(learner, exams).items() if v[0] > 0}
    assert exam_evidence_expire(today=date(2022, 3, 2)) == 0  # idempotent


def test_map_reload_recomputes_exam_evidence(exams, tmp_path):
    learner = LearnerFactory.create()
    exam_pass_add(learner=learner, exam_code="FE", passed_on=date(2023, 10, 1))
    path = tmp_path / "m.csv"
    path.write_text("exam_code,skill_code,level\nFE,TE01,3\n", encoding="utf-8")
    call_command("load_exam_map", str(path), stdout=io.StringIO())
    levels = {k: v for k, v in _levels(learner, exams).items() if v[0] > 0}
    assert levels == {"TE01": (3, AssessmentSource.EXAM)}


def test_exam_pass_shrinks_the_plan(exams, settings, django_capture_on_commit_callbacks):
    settings.RECOMMENDER_DENSE = False
    from recommender.services import plan_current

    catalog_import(
        data=catalog_json(
            [
                course_record(
                    1, title_ja="アルゴリズム入門", skills=[{"code": "TE01", "level": 2}], hours=10, price_jpy=0
                ),
                course_record(2, title_ja="設計入門", skills=[{"code": "TE03", "level": 2}], hours=10, price_jpy=0),
                course_record(3, title_ja="クラウド入門", skills=[{"code": "TE08", "level": 2}], hours=10, price_jpy=0),
            ]
        ),
        filename="c.json",
    )
    learner = LearnerFactory.create(target_role=exams.roles.get(code="SE_BACKEND"), weekly_hours=10)
    # level 1 on TE01 and TE03, so the level-2 courses are the next step of the ladder (issue 17's level rule)
    levels = {exams.skill_items.get(code=code): 1 for code in ("TE05", "TE01", "TE03")}
    skill_assessments_record(learner=learner, levels=levels)
    before = plan_current(learner=learner).payload
    codes_before = {i["course"]["code"] for i in before["items"]}
    assert {"T-001", "T-002"} <= codes_before
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        exam_pass_add(learner=learner, exam_code="FE", passed_on=date(2023, 10, 1))
    assert callbacks  # the re-plan is queued after commit
    after = plan_current(learner=learner).payload
    codes_after = {i["course"]["code"] for i in after["items"]}
    assert not {"T-001", "T-002"} & codes_after
    assert len(after["items"]) < len(before["items"])
    gaps = {g["code"]: g["current"] for g in after["gaps"]}
    assert gaps.get("TE01", 2) >= 2


# --- the API ---------------------------------------------------------------------------------------


def test_me_exams_api_adds_lists_and_names_the_bad_field(exams):
    learner = LearnerFactory.create()
    client = APIClient()
    client.force_authenticate(learner.user)
    created = client.post("/api/v1/me/exams", {"exam": "FE", "passed_on": "2023-10-01"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()[0]["exam"] == "FE" and created.json()[0]["mapping_estimated"] is True
    for body, field in [
        ({"exam": "NOPE", "passed_on": "2023-10-01"}, "exam"),
        ({"exam": "FE", "passed_on": "2999-01-01"}, "passed_on"),
        ({"exam": "FE", "passed_on": "2023-10-01"}, "passed_on"),  # duplicate
        ({"exam": "FE"}, "passed_on"),
    ]:
        bad = client.post("/api/v1/me/exams", body, format="json")
        assert bad.status_code == 400 and field in bad.json(), bad.content
    assert client.get("/api/v1/me/exams").json()[0]["exam"] == "FE"
    pk = created.json()[0]["id"]
    assert client.delete(f"/api/v1/me/exams/{pk}").status_code == 204
    assert not ExamPass.objects.exists()
    assert not {k for k, v in _levels(learner, exams).items() if v[0] > 0}


def test_exam_list_is_public_and_marks_estimates(exams):
    rows = APIClient().get("/api/v1/exams/").json()
    fe = next(r for r in rows if r["code"] == "FE")
    assert fe["level"] == 2 and fe["level_is_estimated"] is False
    assert all(s["estimated"] for s in fe["skills"])


# --- employers -------------------------------------------------------------------------------------


@pytest.fixture
def org(exams):
    organization = OrganizationFactory.create()
    admin = MembershipFactory.create(organization=organization, kind=Membership.Kind.ADMIN).user
    staff = [LearnerFactory.create() for _ in range(2)]
    for learner in staff:
        MembershipFactory.create(organization=organization, user=learner.user)
    outsider = LearnerFactory.create()
    return {"org": organization, "admin": admin, "staff": staff, "outsider": outsider}


def test_org_import_records_passes_and_levels(org, exams):
    a, b = org["staff"]
    csv = f"member,exam,date\n{a.user.username},FE,2023-10-01\n{b.public_id},SG,2024-04-21\n".encode()
    report = org_exam_results_import(organization=org["org"], data=csv)
    assert (report.rows, report.created, report.learners) == (2, 2, 2)
    assert _levels(a, exams)["TE01"] == (2, AssessmentSource.EXAM)
    assert _levels(b, exams)["SC02"] == (2, AssessmentSource.EXAM)
    again = org_exam_results_import(organization=org["org"], data=csv)
    assert (again.created, again.already_recorded) == (0, 2)
    assert ExamPass.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("{outsider},FE,2023-10-01", "member"),
        ("{a},XX,2023-10-01", "exam"),
        ("{a},FE,2999-01-01", "passed_on"),
        ("{a},FE,1999-01-01", "passed_on"),
        ("{a},FE,01/10/2023", "date"),
        ("{a},SG,2024-04-21", "exam"),  # the same pass as row 2
    ],
)
def test_org_import_bad_row_stores_nothing(org, row, field):
    a = org["staff"][0]
    line = row.format(outsider=org["outsider"].user.username, a=a.user.username)
    csv = f"member,exam,date\n{a.user.username},SG,2024-04-21\n{line}\n".encode()
    with pytest.raises(ExamPassError) as err:
        org_exam_results_import(organization=org["org"], data=csv)
    assert (err.value.row, err.value.field) == (3, field)
    assert not ExamPass.objects.exists() and not SkillAssessment.objects.exists()


def test_org_import_api_reads_cp932_and_answers_400_naming_row(org):
    client = APIClient()
    client.force_authenticate(org["admin"])
    a = org["staff"][0]
    good = SimpleUploadedFile("r.csv", f"member,exam,date\n{a.user.username},FE,2023-10-01\n".encode("cp932"))
    url = f"/api/v1/orgs/{org['org'].pk}/exam-results"
    response = client.post(url, {"file": good}, format="multipart")
    assert response.status_code == 200 and response.json()["created"] == 1
    bad = SimpleUploadedFile("r.csv", f"member,exam,date\n{org['outsider'].user.username},FE,2023-10-01\n".encode())
    response = client.post(url, {"file": bad}, format="multipart")
    assert response.status_code == 400 and "row 2" in response.json()["member"][0]


def test_members_api_and_heatmap_show_exam_evidence_only_with_consent(org, exams):
    a, b = org["staff"]
    for learner in (a, b):
        learner.target_role = exams.roles.get(code="SE_BACKEND")
        learner.save()
    b.share_levels = False
    b.save()
    org_exam_results_import(
        organization=org["org"],
        data=f"member,exam,date\n{a.user.username},FE,2023-10-01\n{b.user.username},FE,2023-10-01\n".encode(),
    )
    client = APIClient()
    client.force_authenticate(org["admin"])
    members = {m["username"]: m for m in client.get(f"/api/v1/orgs/{org['org'].pk}/members").json()}
    assert members[a.user.username]["exams"] == [{"exam": "FE", "passed_on": "2023-10-01"}]
    assert members[b.user.username]["exams"] == "not shared"
    heat = client.get(f"/api/v1/orgs/{org['org'].pk}/dashboard").json()["heatmap"][0]
    te01 = next(c for c in heat["cells"] if c["skill"] == "TE01")
    assert heat["sharing_levels"] == 1 and te01["average"] == 2.0


# --- DX認定 ----------------------------------------------------------------------------------------


def test_dx_certification_api_for_admin_and_staff(org, django_user_model):
    client = APIClient()
    client.force_authenticate(org["admin"])
    url = f"/api/v1/orgs/{org['org'].pk}/dx-certification"
    body = {"dx_certified_on": "2023-05-01", "dx_certified_until": "2025-04-30", "dx_selection_year": 2024}
    assert client.put(url, body, format="json").json() == body
    bad = client.put(url, {**body, "dx_certified_until": "2023-01-01"}, format="json")
    assert bad.status_code == 400 and "dx_certified_until" in bad.json()
    staff = django_user_model.objects.create_user("ops", is_staff=True)
    client.force_authenticate(staff)
    assert client.get(url).json()["dx_selection_year"] == 2024
    client.force_authenticate(org["staff"][0].user)
    assert client.get(url).status_code == 404


def test_dx_update_refuses_half_a_period(org):
    with pytest.raises(ExamPassError) as err:
        organization_dx_update(
            organization=org["org"], certified_on=date(2023, 5, 1), certified_until=None, selection_year=None
        )
    assert err.value.field == "dx_certified_until"


# --- the web pages ---------------------------------------------------------------------------------


def test_me_page_adds_an_exam_and_explains_a_bad_one(exams, client, django_capture_on_commit_callbacks):
    from learners.tests.factories import UserFactory

    user = UserFactory.create()
    learner = LearnerFactory.create(user=user, target_role=exams.roles.get(code="SE_BACKEND"))
    learner.onboarded_at = learner.created_at
    learner.save()
    client.force_login(user)
    page = client.get("/me/?lang=en").content.decode()
    assert "Passed exams" in page and "基本情報技術者試験 (FE)" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/me/exams/", {"exam": "FE", "passed_on": "2023-10-01"}, follow=True)
    assert "レベルと学習プランを更新しました" in response.content.decode()  # Japanese by default
    assert _levels(learner, exams)["TE01"] == (2, AssessmentSource.EXAM)
    response = client.post("/me/exams/?lang=en", {"exam": "FE", "passed_on": "2999-01-01"}, follow=True)
    assert "passed_on: 2999-01-01 is in the future" in response.content.decode()
    assert ExamPass.objects.count() == 1


def test_team_page_shows_exams_and_saves_dx(org, client):
    a = org["staff"][0]
    org_exam_results_import(
        organization=org["org"], data=f"member,exam,date\n{a.user.username},SC,2024-04-21\n".encode()
    )
    client.force_login(org["admin"])
    url = f"/team/{org['org'].pk}/"
    page = client.get(url + "?lang=en").content.decode()
    assert "DX認定 and DXセレクション" in page and ">SC<" in page
    response = client.post(
        f"/team/{org['org'].pk}/dx/",
        {"dx_certified_on": "2023-05-01", "dx_certified_until": "2025-04-30", "dx_selection_year": "2024"},
        follow=True,
    )
    assert "2023-05-01" in response.content.decode()
    org["org"].refresh_from_db()
    assert org["org"].dx_selection_year == 2024
    bad = SimpleUploadedFile("r.csv", f"member,exam,date\n{org['outsider'].user.username},FE,2023-10-01\n".encode())
    response = client.post(f"/team/{org['org'].pk}/exam-results/?lang=en", {"file": bad}, follow=True)
    assert "Nothing was imported: row 2, field member" in response.content.decode()


def test_exam_errors_are_shown_in_the_page_language(org, exams, client):
    a = org["staff"][0]
    client.force_login(org["admin"])
    csv = f"member,exam,date\n{a.user.username},FE,2023-10-01\n{a.user.username},FE,2999-01-01\n".encode("cp932")
    bad = SimpleUploadedFile("r.csv", csv)
    response = client.post(f"/team/{org['org'].pk}/exam-results/", {"file": bad}, follow=True)  # Japanese by default
    html = response.content.decode()
    assert "何も取り込んでいません：3 行目、項目 passed_on：2999-01-01 は未来の日付です" in html
    assert "in the future" not in html
    assert not ExamPass.objects.exists()
    with pytest.raises(ExamPassError) as err:  # the service's message is still English text
        org_exam_results_import(organization=org["org"], data=csv)
    assert err.value.message == "2999-01-01 is in the future"
