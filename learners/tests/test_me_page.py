"""/me/: the plan as the main call to action, courses grouped by status, per-course due dates of tracks."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Course
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.models import Enrollment, EnrollmentStatus, Membership, TrackAssignment
from learners.services.tracks import track_create
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _found(match: re.Match[str] | None) -> re.Match[str]:
    assert match is not None
    return match


@pytest.fixture
def learner(standard, settings):
    settings.RECOMMENDER_DENSE = False
    catalog_import(data=catalog_json([course_record(n) for n in (1, 2, 3)]), filename="c.json")
    profile = LearnerFactory.create(target_role=standard.roles.get(code="DS_PRO"), onboarded_at=timezone.now())
    return profile


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


@pytest.mark.parametrize(("lang", "cta"), [("ja", "学習プランを開く"), ("en", "Open my learning plan")])
def test_plan_is_the_main_action_and_the_export_a_small_link(client, learner, lang, cta):
    client.cookies["dxp_language"] = lang
    client.force_login(learner.user)
    html = client.get("/me/").content.decode()
    button = re.search(r'<a class="button primary-cta" id="plan-cta" href="([^"]+)">([^<]+)</a>', html)
    assert button is not None and button.group(1) == "/me/plan/" and button.group(2) == cta
    assert html.index('id="plan-cta"') < html.index('id="chart-heading"')  # above everything else
    export = re.search(r'<a id="data-export" href="[^"]+"[^>]*>', html)
    assert export is not None and 'class="button' not in export.group(0)
    assert "<small>" + export.group(0) in html


@pytest.mark.parametrize(
    ("lang", "active", "completed"), [("ja", "受講中", "修了"), ("en", "In progress", "Completed")]
)
def test_a_completed_course_is_not_listed_in_progress(client, learner, lang, active, completed):
    first, second, third = Course.objects.order_by("pk")
    now = timezone.now()
    Enrollment.objects.create(
        learner=learner, course=first, status=EnrollmentStatus.IN_PROGRESS, percent=40, enrolled_at=now
    )
    Enrollment.objects.create(
        learner=learner,
        course=second,
        status=EnrollmentStatus.COMPLETED,
        percent=100,
        completed_at=now,
        enrolled_at=now,
    )
    Enrollment.objects.create(
        learner=learner, course=third, status=EnrollmentStatus.DROPPED, percent=10, enrolled_at=now, dropped_at=now
    )
    client.cookies["dxp_language"] = lang
    client.force_login(learner.user)
    html = client.get("/me/").content.decode()
    section = _section(html, "enrollments-heading")
    in_progress = section[section.index('id="enrollments-active"') : section.index('id="enrollments-completed"')]
    done = section[section.index('id="enrollments-completed"') : section.index('id="enrollments-dropped"')]
    assert f">{active}</h3>" in section and f">{completed}</h3>" in section
    assert f"/courses/{first.pk}/" in in_progress and f"/courses/{second.pk}/" not in in_progress
    assert f"/courses/{second.pk}/" in done and f"/courses/{third.pk}/" not in in_progress + done


@pytest.mark.parametrize(("lang", "overdue"), [("ja", "期限超過"), ("en", "Overdue")])
def test_each_track_course_shows_its_own_due_date_and_overdue_flag(client, learner, lang, overdue):
    first, second, _third = Course.objects.order_by("pk")
    org = OrganizationFactory.create()
    MembershipFactory.create(user=learner.user, organization=org)
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    track = track_create(organization=org, name="Data basics", courses=[(first, 10, True), (second, 50, True)])
    today = timezone.localdate()
    assigned_on = today - timedelta(days=20)
    TrackAssignment.objects.create(
        track=track, learner=learner, assigned_by=admin, assigned_on=assigned_on, due_on=today + timedelta(days=40)
    )
    client.cookies["dxp_language"] = lang
    client.force_login(learner.user)
    html = client.get("/me/").content.decode()
    section = _section(html, "tracks-heading")
    first_due = (assigned_on + timedelta(days=10)).isoformat()
    second_due = (assigned_on + timedelta(days=50)).isoformat()
    items = re.findall(r"<li>.*?</li>", section, re.S)
    assert len(items) == 2
    assert f'datetime="{first_due}"' in items[0] and overdue in items[0]
    assert f'datetime="{second_due}"' in items[1] and overdue not in items[1]
    Enrollment.objects.create(
        learner=learner,
        course=first,
        status=EnrollmentStatus.COMPLETED,
        percent=100,
        completed_at=timezone.now(),
        enrolled_at=timezone.now(),
    )
    section = _section(client.get("/me/").content.decode(), "tracks-heading")
    assert overdue not in section


@pytest.mark.parametrize(
    ("lang", "labels"),
    [("ja", ["eラーニング", "ライブ配信", "集合研修"]), ("en", ["e-learning", "live online", "classroom"])],
)
def test_onboarding_names_the_formats_in_the_pages_language(client, learner, lang, labels):
    client.cookies["dxp_language"] = lang
    client.force_login(learner.user)
    html = client.get("/me/onboarding/constraints/").content.decode()
    for value, label in zip(["e-learning", "live-online", "classroom"], labels, strict=True):
        assert re.search(rf'value="{value}"[^>]*>\s*{label}\s*</label>', html), (value, label)
    if lang == "ja":
        assert "live-online</label>" not in html and not re.search(r">\s*e-learning\s*</label>", html)


@pytest.mark.parametrize(
    ("lang", "error"),
    [
        ("ja", "0より大きい予算を入力するか、「無料の講座のみ」を選んでください。"),
        ("en", "Enter a budget above 0, or tick “Free courses only”."),
    ],
)
def test_a_zero_budget_needs_the_explicit_free_only_choice(client, learner, lang, error):
    client.cookies["dxp_language"] = lang
    client.force_login(learner.user)
    learner.budget_jpy = 20000
    learner.save(update_fields=["budget_jpy"])
    form = {"weekly_hours": "4", "budget_jpy": "0", "preferred_language": lang, "prefecture": "13"}
    response = client.post("/me/onboarding/constraints/", form)
    assert response.status_code == 400
    assert error in response.content.decode()
    learner.refresh_from_db()
    assert learner.budget_jpy == 20000 and not learner.free_only
    response = client.post("/me/onboarding/constraints/", {**form, "free_only": "on"})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.free_only and learner.budget_jpy == 0


@pytest.mark.parametrize(("lang", "soon", "overdue"), [("ja", "期限間近", "期限超過"), ("en", "Due soon", "Overdue")])
def test_a_track_course_due_within_a_week_is_flagged_due_soon(client, learner, lang, soon, overdue):
    first, second, third = Course.objects.order_by("pk")
    org = OrganizationFactory.create()
    MembershipFactory.create(user=learner.user, organization=org)
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    # Assigned 10 days ago: due after 3 days (overdue), 17 days (due in 7 days: soon), 18 days (in 8: not yet).
    track = track_create(
        organization=org, name="Data basics", courses=[(first, 3, True), (second, 17, True), (third, 18, True)]
    )
    today = timezone.localdate()
    TrackAssignment.objects.create(
        track=track,
        learner=learner,
        assigned_by=admin,
        assigned_on=today - timedelta(days=10),
        due_on=today + timedelta(days=30),
    )
    client.cookies["dxp_language"] = lang
    client.force_login(learner.user)
    items = re.findall(r"<li>.*?</li>", _section(client.get("/me/").content.decode(), "tracks-heading"), re.S)
    assert len(items) == 3
    assert overdue in items[0] and soon not in items[0]
    assert f'<strong class="due-soon">{soon}</strong>' in items[1] and overdue not in items[1]
    assert soon not in items[2] and overdue not in items[2]
    Enrollment.objects.create(
        learner=learner,
        course=second,
        status=EnrollmentStatus.COMPLETED,
        percent=100,
        completed_at=timezone.now(),
        enrolled_at=timezone.now(),
    )
    assert soon not in _section(client.get("/me/").content.decode(), "tracks-heading")


@pytest.mark.parametrize(
    ("lang", "level", "example"),
    [
        ("en", "understands it and can explain it to others", "For example: you can explain it"),
        ("ja", "説明できるレベルで理解している", "例：同僚に説明でき"),
    ],
)
def test_the_self_assessment_names_the_role_and_describes_each_level(client, learner, lang, level, example):
    client.cookies["dxp_language"] = lang
    client.force_login(learner.user)
    html = client.get("/me/onboarding/skills/").content.decode()
    descriptors = _found(re.search(r'<dl class="level-descriptors">(.*?)</dl>', html, re.S)).group(1)
    assert descriptors.count("<dt") == 5 and descriptors.count("<dd") == 5
    assert level in descriptors and example in descriptors
    assert f'<label class="pill" title="{level}"><input type="radio"' in html  # each level's label on its choice
    role = learner.target_role
    shown, other = (role.name_en, role.name_ja) if lang == "en" else (role.name_ja, role.name_en)
    assert shown in html and other not in html  # the role in the page's language only


@pytest.mark.parametrize(("lang", "tokyo", "osaka"), [("en", "Tokyo", "Osaka"), ("ja", "東京都", "大阪府")])
def test_onboarding_names_prefectures_in_the_pages_language(client, learner, lang, tokyo, osaka):
    client.cookies["dxp_language"] = lang
    client.force_login(learner.user)
    html = client.get("/me/onboarding/constraints/").content.decode()
    assert re.search(rf'<option value="13"[^>]*>{tokyo}</option>', html)
    assert re.search(rf'<option value="27"[^>]*>{osaka}</option>', html)
