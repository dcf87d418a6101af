"""The recommender's parts of the learner's pages: plan progress on /me/ (through learners' page signal, so that
learners never imports the recommender), the plan page's prefilled regenerate form and its units."""

import re

import pytest
from django.utils import timezone

from courses.models import Course
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.models import Enrollment, EnrollmentStatus
from learners.tests.factories import LearnerFactory
from recommender.models import LearnerPlan

pytestmark = pytest.mark.django_db


def _found(match: re.Match[str] | None) -> re.Match[str]:
    assert match is not None
    return match


@pytest.fixture
def learner(standard, settings):
    settings.RECOMMENDER_DENSE = False
    from recommender.engine import dense_encoder

    dense_encoder.cache_clear()
    records = [
        course_record(1, skills=[{"code": "DU04", "level": 2}], hours=1, price_jpy=0),
        course_record(2, skills=[{"code": "DU05", "level": 2}], hours=2.5, price_jpy=0),
        course_record(3, skills=[{"code": "DU01", "level": 2}], hours=8, price_jpy=0),
    ]
    catalog_import(data=catalog_json(records), filename="c.json")
    yield LearnerFactory.create(
        target_role=standard.roles.get(code="DS_PRO"),
        onboarded_at=timezone.now(),
        weekly_hours=4,
        budget_jpy=20000,
        preferred_formats=["e-learning"],
    )
    dense_encoder.cache_clear()


def _item(course: Course, week: int) -> dict:
    return {
        "course": {"id": course.pk, "title": course.title_ja, "title_en": course.title_en, "level": course.level},
        "hours": float(course.hours),
        "week": week,
    }


def _section(html: str) -> str:
    start = html.index('id="plan-progress-heading"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize(
    ("lang", "counts", "to_go", "next_label", "unit"),
    [
        ("en", "1 of 3 courses done", "2 courses to go", "Next course", "1 hour"),
        ("ja", "3講座中 1講座修了", "残り 2講座", "次の講座", "1 時間"),
    ],
)
def test_me_shows_plan_progress_and_links_the_next_course(client, learner, lang, counts, to_go, next_label, unit):
    first, second, third = Course.objects.order_by("pk")
    LearnerPlan.objects.create(
        learner=learner, payload={"items": [_item(first, 1), _item(second, 2)], "totals": {}}, constraints={}
    )
    now = timezone.now()
    Enrollment.objects.create(
        learner=learner, course=third, status=EnrollmentStatus.COMPLETED, percent=100, completed_at=now, enrolled_at=now
    )
    client.force_login(learner.user)
    html = client.get("/me/", {"lang": lang}).content.decode()
    section = _section(html)
    assert html.index('id="plan-cta"') < html.index('id="plan-progress-heading"') < html.index('id="chart-heading"')
    assert counts in section and to_go in section
    assert re.search(r'<progress id="me-plan-progress" max="3" value="1">', section)
    nxt = _found(re.search(r'<p class="next-course" id="plan-next">(.*?)</p>', section, re.S)).group(1)
    assert next_label in nxt and f'href="/courses/{first.pk}/"' in nxt and unit in nxt
    assert f"/courses/{second.pk}/" in section  # still to do
    assert 'href="#enrollments-completed"' in section and 'id="enrollments-completed"' in html


def test_a_course_completed_since_the_plan_was_stored_counts_as_done(client, learner):
    first, second, _third = Course.objects.order_by("pk")
    LearnerPlan.objects.create(learner=learner, payload={"items": [_item(first, 1), _item(second, 2)]})
    now = timezone.now()
    Enrollment.objects.create(
        learner=learner, course=first, status=EnrollmentStatus.COMPLETED, percent=100, completed_at=now, enrolled_at=now
    )
    client.force_login(learner.user)
    section = _section(client.get("/me/", {"lang": "en"}).content.decode())
    assert "1 of 2 courses done" in section and "1 course to go" in section
    nxt = _found(re.search(r'id="plan-next">(.*?)</p>', section, re.S)).group(1)
    assert f"/courses/{second.pk}/" in nxt and f"/courses/{first.pk}/" not in nxt


def test_me_without_a_stored_plan_says_so_and_computes_nothing(client, learner):
    client.force_login(learner.user)
    section = _section(client.get("/me/", {"lang": "en"}).content.decode())
    assert "No plan yet" in section
    assert not LearnerPlan.objects.filter(learner=learner).exists()  # /me/ only reads


def test_me_after_the_whole_plan_is_done(client, learner):
    first = Course.objects.order_by("pk")[0]
    LearnerPlan.objects.create(learner=learner, payload={"items": []})
    now = timezone.now()
    Enrollment.objects.create(
        learner=learner, course=first, status=EnrollmentStatus.COMPLETED, percent=100, completed_at=now, enrolled_at=now
    )
    client.force_login(learner.user)
    section = _section(client.get("/me/", {"lang": "en"}).content.decode())
    assert "1 of 1 course done" in section and "Every course of your plan is done" in section


def _field(html: str, name: str) -> str:
    return _found(re.search(rf'<input [^>]*name="{name}"[^>]*>', html)).group(0)


def test_the_regenerate_form_is_prefilled_with_the_plans_limits(client, learner):
    client.force_login(learner.user)
    html = client.get("/me/plan/", {"lang": "en"}).content.decode()
    assert 'value="4.0"' in _field(html, "weekly_hours") or 'value="4"' in _field(html, "weekly_hours")
    assert 'value="20000"' in _field(html, "budget_jpy")
    assert re.search(r'value="\d+"', _field(html, "weeks"))
    assert "checked" not in _field(html, "free_only")
    assert re.search(r'<input type="checkbox" name="formats" value="e-learning"[^>]*checked', html)
    assert not re.search(r'<input type="checkbox" name="formats" value="classroom"[^>]*checked', html)
    # Regenerating free only, 2 hours a week, any format: the form then shows those limits.
    response = client.post("/me/plan/", {"weekly_hours": "2", "weeks": "10", "budget_jpy": "0", "free_only": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    plan = LearnerPlan.objects.get(learner=learner)
    assert plan.constraints["free_only"] is True and plan.constraints["formats"] == []
    assert plan.constraints["weekly_hours"] == 2 and plan.constraints["weeks"] == 10
    assert "checked" in _field(html, "free_only") and 'value="10"' in _field(html, "weeks")
    assert not re.search(r'name="formats" value="[^"]+"[^>]*checked', html)


@pytest.mark.parametrize(
    ("lang", "error"),
    [("en", "Enter a budget above 0, or tick “Free courses only”."), ("ja", "「無料の講座のみ」を選んでください")],
)
def test_regenerating_with_a_zero_budget_asks_for_free_only_next_to_the_field(client, learner, lang, error):
    client.force_login(learner.user)
    response = client.post(f"/me/plan/?lang={lang}", {"weekly_hours": "2", "weeks": "10", "budget_jpy": "0"})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert 'aria-describedby="id_budget_jpy_error"' in _field(html, "budget_jpy")
    assert re.search(r'<ul class="errorlist" id="id_budget_jpy_error">', html)


@pytest.mark.parametrize(("lang", "one", "many"), [("en", "1 hour", "2.5 hours"), ("ja", "1 時間", "2.5 時間")])
def test_plan_page_hours_are_singular_or_plural(client, learner, lang, one, many):
    from courses.selectors import catalog_version

    first, second, _third = Course.objects.order_by("pk")
    items = [{**_item(c, w), "skills": [], "price_jpy": 0, "reason": "gap"} for c, w in ((first, 1), (second, 2))]
    payload = {
        "items": items,
        "totals": {"courses": 2, "hours": 3.5, "price_jpy": 0, "weeks": 1},
        "core": {"items": 2, "at_target_now": 0, "at_target_after": 1, "gaps": []},
    }
    LearnerPlan.objects.create(learner=learner, payload=payload, catalog_version=catalog_version())
    client.force_login(learner.user)
    html = client.get("/me/plan/", {"lang": lang}).content.decode()
    metas = re.findall(r'<p class="meta">(.*?)</p>', html, re.S)
    assert one in metas[0] and many in metas[1]
    stats = _found(re.search(r'<ul class="stats">(.*?)</ul>', html, re.S)).group(1)
    if lang == "en":
        assert "1 hours" not in html
        assert "<strong>2 courses</strong>" in stats and "<strong>3.5 hours</strong>" in stats and "(1 week)" in stats
    else:
        assert "<strong>3.5 時間</strong>" in stats and "(1 週間)" in stats


def test_me_reads_the_learners_enrollments_once(client, learner):
    """The page groups the enrollments and the plan-progress section counts them: one read serves both."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second, third = Course.objects.order_by("pk")
    LearnerPlan.objects.create(learner=learner, payload={"items": [_item(first, 1), _item(second, 2)]})
    now = timezone.now()
    Enrollment.objects.create(
        learner=learner, course=third, status=EnrollmentStatus.COMPLETED, percent=100, completed_at=now, enrolled_at=now
    )
    Enrollment.objects.create(learner=learner, course=second, status=EnrollmentStatus.IN_PROGRESS, enrolled_at=now)
    client.force_login(learner.user)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/me/", {"lang": "en"}).content.decode()
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "learners_enrollment"."id"')]
    assert len(reads) == 1, reads
    assert "1 of 3 courses done" in _section(html)  # the section still counts the completion


def test_plan_progress_uses_the_enrollments_it_is_given(learner, django_assert_num_queries):
    from recommender.selectors import learner_plan_progress

    first, second, _third = Course.objects.order_by("pk")
    LearnerPlan.objects.create(learner=learner, payload={"items": [_item(first, 1), _item(second, 2)]})
    now = timezone.now()
    done = Enrollment.objects.create(
        learner=learner, course=first, status=EnrollmentStatus.COMPLETED, percent=100, completed_at=now, enrolled_at=now
    )
    with django_assert_num_queries(1):  # the stored plan only
        progress = learner_plan_progress(learner=learner, enrollments=[done])
    assert progress["done"] == 1 and [i["course"]["id"] for i in progress["remaining"]] == [second.pk]
    with django_assert_num_queries(2):  # without them, it reads them itself
        assert learner_plan_progress(learner=learner)["done"] == 1
