"""Plans for stored learners: API, consent, page, and the idempotent services behind the tasks."""

import pytest
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from courses.models import Course, CourseSkill
from courses.services import catalog_import, course_skill_review
from courses.tests.factories import catalog_json, course_record
from learners.models import LearnerProfile, Membership
from learners.services import skill_assessments_record
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory, UserFactory
from recommender.models import LearnerPlan
from recommender.services import course_tags_infer, plan_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(standard, settings):
    settings.RECOMMENDER_DENSE = False
    from recommender.engine import dense_encoder

    dense_encoder.cache_clear()
    catalog_import(
        data=catalog_json(
            [
                course_record(
                    1,
                    title_ja="scikit-learn機械学習",
                    skills=[{"code": "DU05", "level": 1}],
                    hours=10,
                    price_jpy=0,
                    level=1,
                ),
                course_record(
                    2, title_ja="統計と可視化", skills=[{"code": "DU04", "level": 3}], hours=8, price_jpy=5000
                ),
                course_record(
                    3,
                    title_ja="教室で学ぶ機械学習",
                    level=1,
                    skills=[{"code": "DU05", "level": 1}],
                    hours=8,
                    format="classroom",
                    prefecture="13",
                    price_jpy=0,
                ),
                course_record(
                    4, title_ja="PyTorchで深層学習を実装するハンズオン", skills=[], hours=6, price_jpy=0, level=3
                ),
            ]
        ),
        filename="c.json",
    )
    learner = LearnerFactory.create(
        target_role=standard.roles.get(code="DS_PRO"),
        weekly_hours=5,
        budget_jpy=10000,
        preferred_formats=["e-learning"],
        prefecture="13",
    )
    skill_assessments_record(learner=learner, levels={standard.skill_items.get(code="DU04"): 1})
    client = APIClient()
    client.force_authenticate(learner.user)
    yield {"learner": learner, "client": client, "standard": standard}
    dense_encoder.cache_clear()


def test_my_plan_respects_the_profile_and_is_stored_once(world):
    client = world["client"]
    data = client.get("/api/v1/me/plan").json()
    codes = [i["course"]["code"] for i in data["items"]]
    assert "T-003" not in codes  # classroom is not among the learner's formats
    assert data["totals"]["price_jpy"] <= 10000
    assert data["constraints"]["formats"] == ["e-learning"]
    again = client.post("/api/v1/me/plan", {}, format="json").json()
    assert again["items"] == data["items"]
    assert LearnerPlan.objects.count() == 1


def test_regenerate_with_other_limits(world):
    data = world["client"].post("/api/v1/me/plan", {"formats": ["classroom"], "weeks": 2}, format="json").json()
    assert [i["course"]["code"] for i in data["items"]] == ["T-003"]
    bad = world["client"].post("/api/v1/me/plan", {"weeks": 0, "budget_jpy": -5, "formats": ["vr"]}, format="json")
    assert bad.status_code == 400
    assert {"weeks", "budget_jpy", "formats"} <= set(bad.json())


def test_gaps_endpoint(world):
    data = world["client"].get("/api/v1/me/gaps").json()
    du04 = next(g for g in data["gaps"] if g["code"] == "DU04")
    assert (du04["current"], du04["target"]) == (1, 4)


def test_enrolled_courses_stay_first_and_completed_ones_leave_the_plan(world):
    from django.utils import timezone

    from learners.models import Enrollment

    enrollment = Enrollment.objects.create(
        learner=world["learner"], course=Course.objects.get(code="T-002"), enrolled_at=timezone.now()
    )
    items = world["client"].post("/api/v1/me/plan", {}, format="json").json()["items"]
    assert (items[0]["course"]["code"], items[0]["reason"]) == ("T-002", "enrolled")
    enrollment.status, enrollment.completed_at, enrollment.percent = "completed", timezone.now(), 100
    enrollment.save()
    codes = [i["course"]["code"] for i in world["client"].post("/api/v1/me/plan", {}, format="json").json()["items"]]
    assert "T-002" not in codes


def test_regenerate_with_a_prefecture_and_bad_location_input(world):
    client = world["client"]
    near = client.post(
        "/api/v1/me/plan", {"formats": ["classroom"], "prefecture": "14", "travel": True}, format="json"
    ).json()
    assert [i["course"]["code"] for i in near["items"]] == ["T-003"]  # Tokyo borders Kanagawa
    far = client.post("/api/v1/me/plan", {"formats": ["classroom"], "prefecture": "23", "travel": True}, format="json")
    assert far.json()["items"] == [] and "DU05" in far.json()["core"]["no_course"]
    assert set(client.post("/api/v1/me/plan", {"prefecture": "48"}, format="json").json()) == {"prefecture"}
    assert set(client.post("/api/v1/me/plan", {"weekly_hours": 0}, format="json").json()) == {"weekly_hours"}
    learner = world["learner"]
    learner.prefecture, learner.abroad = "", True
    learner.save()
    abroad = client.post("/api/v1/me/plan", {"prefecture": "13"}, format="json")
    assert abroad.status_code == 400 and "prefecture" in abroad.json()
    profile = client.patch("/api/v1/me/profile", {"abroad": True, "prefecture": "13"}, format="json")
    assert profile.status_code == 400 and "prefecture" in profile.json()
    later = client.patch("/api/v1/me/profile", {"prefecture": "13"}, format="json")  # still abroad
    assert later.status_code == 400 and "prefecture" in later.json()
    moved = client.patch("/api/v1/me/profile", {"abroad": False, "prefecture": "13", "travel": True}, format="json")
    assert moved.status_code == 200 and (moved.json()["prefecture"], moved.json()["travel"]) == ("13", True)


def test_employer_sees_a_members_plan_only_with_consent(world):
    org = OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    MembershipFactory.create(user=world["learner"].user, organization=org)
    client = APIClient()
    client.force_authenticate(admin)
    url = f"/api/v1/orgs/{org.pk}/members/{world['learner'].public_id}/plan"
    assert client.get(url).status_code == 200
    world["learner"].share_levels = False
    world["learner"].save()
    assert client.get(url).status_code == 403
    other = OrganizationFactory.create()
    MembershipFactory.create(organization=other, kind=Membership.Kind.ADMIN, user=UserFactory.create())
    stranger = APIClient()
    stranger.force_authenticate(Membership.objects.get(organization=other).user)
    assert stranger.get(f"/api/v1/orgs/{other.pk}/members/{world['learner'].public_id}/plan").status_code == 404


def test_infer_skills_api_is_for_providers_and_staff(world):
    assert (
        world["client"].post("/api/v1/recommender/infer-skills", {"title": "機械学習"}, format="json").status_code
        == 403
    )
    staff = APIClient()
    staff.force_authenticate(UserFactory.create(is_staff=True))
    response = staff.post(
        "/api/v1/recommender/infer-skills", {"title": "scikit-learnで機械学習", "top": 2}, format="json"
    )
    assert response.status_code == 200
    assert len(response.json()["skills"]) == 2
    empty = staff.post("/api/v1/recommender/infer-skills", {"title": " "}, format="json")
    assert empty.status_code == 400 and "description" in empty.json()


def test_tag_inference_is_idempotent_and_remembers_rejections(world):
    course = Course.objects.get(code="T-004")
    assert course_tags_infer(course_ids=[course.pk]) >= 1
    first = list(CourseSkill.objects.filter(course=course).values_list("skill_item__code", "source", "review_status"))
    assert all(src == "inferred" and status == "pending" for _c, src, status in first)
    assert course_tags_infer(course_ids=[course.pk]) == 0  # nothing new the second time
    reviewer = UserFactory.create(is_staff=True)
    for tag in CourseSkill.objects.filter(course=course):
        course_skill_review(tag=tag, reviewer=reviewer, action="reject")
    assert course_tags_infer(course_ids=[course.pk]) == 0
    assert CourseSkill.objects.filter(course=course, review_status="rejected").count() == len(first)


def test_plan_refresh_is_an_upsert(world):
    first = plan_refresh(learner_id=world["learner"].pk)
    second = plan_refresh(learner_id=world["learner"].pk)
    assert first.pk == second.pk and LearnerPlan.objects.count() == 1


def test_plan_endpoint_reads_the_stored_plan_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    world["client"].get("/api/v1/me/plan")
    with django_assert_max_num_queries(1):  # the fresh stored plan and the catalog version, in one statement
        assert world["client"].get("/api/v1/me/plan").status_code == 200


def test_the_first_plan_read_creates_the_profile_and_the_plan(world, db):
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_user("newcomer", password="x")
    client = APIClient()
    client.force_authenticate(user)
    data = client.get("/api/v1/me/plan").json()
    assert LearnerPlan.objects.filter(learner__user=user).count() == 1
    assert data["catalog_version"] == LearnerPlan.objects.get(learner__user=user).catalog_version


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_plan_page(client, world, lang):
    client.force_login(world["learner"].user)
    html = client.get("/me/plan/", {"lang": lang}).content.decode()
    assert html.count('class="course"') >= 1
    # The course's title in the page's language (the English title when there is one).
    assert ("scikit-learn機械学習" if lang == "ja" else "Data analysis course 1") in html
    assert ("コアスキル" if lang == "ja" else "core skills") in html  # the explanation, translated
    assert ("修了した講座: 0/" if lang == "ja" else "Courses done: 0/") in html
    response = client.post("/me/plan/", {"weeks": "0"})
    assert response.status_code == 400
    with CaptureQueriesContext(__import__("django.db", fromlist=["connection"]).connection):
        assert client.post("/me/plan/", {"weeks": "2", "formats": ["classroom"]}).status_code == 200


def test_a_catalog_change_makes_plans_stale_and_they_are_refreshed(world, django_capture_on_commit_callbacks):
    from courses.selectors import catalog_version
    from recommender.services import stale_plan_learner_ids
    from recommender.tasks import stale_plans_refresh_task

    learner = world["learner"]
    plan_refresh(learner_id=learner.pk)
    assert stale_plan_learner_ids() == []
    course = Course.objects.get(code="T-002")
    course.price_jpy = 0  # now free: it fits a tighter budget
    course.save()
    assert stale_plan_learner_ids() == [learner.pk]
    data = world["client"].get("/api/v1/me/plan").json()  # a stale plan is recomputed on read
    assert data["catalog_version"] == catalog_version()
    course.price_jpy = 1000
    course.save()
    with django_capture_on_commit_callbacks(execute=True):  # the run's chunks are sent after its commit
        assert stale_plans_refresh_task() == 1
    assert stale_plan_learner_ids() == []


def test_a_stored_weekly_hours_of_0_is_a_message_naming_the_field_not_a_plan_at_another_pace(world):
    learner = world["learner"]
    LearnerProfile.objects.filter(pk=learner.pk).update(weekly_hours=0)  # stored before the bounds
    payload = plan_refresh(learner_id=learner.pk).payload
    assert payload["items"] == [] and "weekly_hours" in payload["message"]
    # a pace given for this plan is used as it is
    plan = plan_refresh(learner_id=learner.pk, overrides={"weekly_hours": 5}).payload
    assert plan["constraints"]["weekly_hours"] == 5
    assert "weekly_hours" not in plan["message"]
