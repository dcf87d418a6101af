import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.input_checks import InputError
from courses.catalog_format import dump_json
from courses.models import CatalogState, Course, CourseLiteracy, CourseSkill, ImportRun, Provider, ReviewStatus
from courses.selectors import catalog_export_rows, catalog_version
from courses.services import (
    catalog_import,
    course_prerequisites_set,
    course_skill_propose,
    course_skill_review,
    providers_load,
)
from courses.tests.factories import PROVIDER, CourseFactory, catalog_json, course_record
from skills.models import SkillItem

pytestmark = pytest.mark.django_db


def _import(records, **kwargs):
    return catalog_import(data=catalog_json(records), filename="c.json", **kwargs)


def _state():
    return sorted(
        Course.objects.values_list(
            "provider__name_ja", "code", "title_ja", "level", "hours", "price_jpy", "needs_skill_inference"
        )
    ), sorted(CourseSkill.objects.values_list("course__code", "skill_item__code", "level", "source", "review_status"))


def test_import_creates_courses_tags_and_provider(standard):
    report = _import([course_record(1, literacy=["WHY", "L-WHAT-D2"]), course_record(2, skills=[])])
    run = report.run
    assert (run.outcome, run.rows, run.created, run.updated, run.unchanged, run.rejected) == ("stored", 2, 2, 0, 0, 0)
    provider = Provider.objects.get(name_ja=PROVIDER)
    assert provider.kind == "company"
    first = Course.objects.get(code="T-001")
    assert first.status == "published" and not first.needs_skill_inference
    assert list(first.skill_tags.values_list("skill_item__code", "level", "source")) == [("DU04", 2, "declared")]
    literacy = CourseLiteracy.objects.filter(course=first).order_by("position")
    assert [t.code for t in literacy.select_related("literacy_item", "literacy_section")] == ["WHY", "L-WHAT-D2"]
    assert Course.objects.get(code="T-002").needs_skill_inference is True
    assert run.catalog_version == catalog_version() > 0


def test_importing_the_same_file_twice_changes_nothing(standard):
    records = [course_record(n, literacy=["WHY"]) for n in range(1, 6)]
    _import(records)
    before, version = _state(), catalog_version()
    updated_at = list(Course.objects.order_by("pk").values_list("updated_at", flat=True))
    with CaptureQueriesContext(connection) as queries:
        run = _import(records).run
    assert (run.created, run.updated, run.unchanged) == (0, 0, 5)
    assert _state() == before
    assert catalog_version() == version
    assert list(Course.objects.order_by("pk").values_list("updated_at", flat=True)) == updated_at
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("UPDATE", "DELETE", 'INSERT INTO "courses_course'))
    ]
    assert writes == []


def test_changes_are_upserted_in_place(standard):
    _import([course_record(1), course_record(2)])
    pk = Course.objects.get(code="T-001").pk
    run = _import(
        [course_record(1, price_jpy=0, skills=[{"code": "DU05", "level": 3}]), course_record(2, literacy=["HOW"])]
    ).run
    assert (run.created, run.updated, run.unchanged) == (0, 2, 0)
    course = Course.objects.get(code="T-001")
    assert course.pk == pk and course.price_jpy == 0
    assert list(course.skill_tags.values_list("skill_item__code", "level")) == [("DU05", 3)]


def test_one_bad_row_rejects_the_whole_file(standard):
    _import([course_record(1)])
    before = _state()
    report = _import([course_record(1, title_ja="変更"), course_record(2, level=7), course_record(3, price_jpy=-5)])
    assert report.run.outcome == ImportRun.Outcome.REJECTED
    assert [(p["row"], p["field"]) for p in report.run.problems] == [(2, "level"), (3, "price_jpy")]
    assert _state() == before


def test_partial_stores_the_valid_rows_and_returns_the_rest(standard):
    report = _import([course_record(1), course_record(2, level=7), course_record(3)], partial=True)
    run = report.run
    assert (run.outcome, run.created, run.rejected) == ("partial", 2, 1)
    assert [str(i) for i in report.issues] == ["row 2 (T-002), field 'level': 7 is out of range: must be from 1 to 4"]
    assert sorted(Course.objects.values_list("code", flat=True)) == ["T-001", "T-003"]


def test_a_file_level_problem_is_recorded_and_stores_nothing(standard):
    report = catalog_import(data=b"\xff\xfe\x80\x81", filename="x.csv")
    assert report.run.outcome == "rejected"
    assert "neither UTF-8 nor CP932" in report.run.problems[0]["message"]
    assert not Course.objects.exists()


def test_provider_accounts_import_only_for_their_providers(standard):
    mine = Provider.objects.create(name_ja="自社", name_en="Mine")
    Provider.objects.create(name_ja="他社")
    report = _import(
        [course_record(1, provider="自社"), course_record(2, provider="他社"), course_record(3, provider="新しい会社")],
        allowed_provider_ids={mine.pk},
    )
    assert report.run.outcome == "rejected"
    assert [(i.row, i.field) for i in report.issues] == [(2, "provider"), (3, "provider")]
    assert not Provider.objects.filter(name_ja="新しい会社").exists()
    ok = _import([course_record(1, provider="Mine")], allowed_provider_ids={mine.pk})
    assert ok.run.created == 1 and Course.objects.get().provider == mine


def test_reimport_keeps_reviewed_tags_and_drops_undeclared_ones(standard, django_user_model):
    _import([course_record(1, skills=[{"code": "DU04", "level": 2}, {"code": "DU05", "level": 2}])])
    course = Course.objects.get()
    reviewer = django_user_model.objects.create_user("rev", is_staff=True)
    inferred = course_skill_propose(
        course=course, skill_item=SkillItem.objects.get(code="DU01"), level=2, confidence=0.7
    )
    assert inferred is not None
    course_skill_review(tag=inferred, reviewer=reviewer, action="accept")
    _import([course_record(1, skills=[{"code": "DU04", "level": 3}])])
    tags = dict(course.skill_tags.values_list("skill_item__code", "source"))
    assert tags == {"DU04": "declared", "DU01": "reviewed"}


def test_rejected_inferred_tags_are_not_proposed_again(standard, django_user_model):
    _import([course_record(1, skills=[])])
    course = Course.objects.get()
    item = SkillItem.objects.get(code="DU05")
    reviewer = django_user_model.objects.create_user("rev", is_staff=True)
    tag = course_skill_propose(course=course, skill_item=item, level=3, confidence=0.42)
    assert tag is not None
    assert tag.review_status == ReviewStatus.PENDING
    course_skill_review(tag=tag, reviewer=reviewer, action="reject")
    _import([course_record(1, skills=[], title_ja="改訂版")])  # re-import: still needs inference
    assert course_skill_propose(course=course, skill_item=item, level=3, confidence=0.9) is None
    tag.refresh_from_db()
    assert (tag.review_status, tag.reviewer, tag.confidence) == ("rejected", reviewer, 0.42)


def test_review_sets_level_and_records_the_reviewer(standard, django_user_model):
    _import([course_record(1, skills=[])])
    tag = course_skill_propose(
        course=Course.objects.get(), skill_item=SkillItem.objects.get(code="DU04"), level=2, confidence=0.5
    )
    assert tag is not None
    reviewer = django_user_model.objects.create_user("rev", is_staff=True)
    reviewed = course_skill_review(tag=tag, reviewer=reviewer, action="set_level", level=3)
    assert (reviewed.level, reviewed.source, reviewed.review_status, reviewed.reviewer) == (
        3,
        "reviewed",
        "accepted",
        reviewer,
    )
    assert reviewed.reviewed_at is not None
    with pytest.raises(ValueError, match="1-4"):
        course_skill_review(tag=tag, reviewer=reviewer, action="set_level", level=9)


def test_export_then_import_into_an_empty_database_round_trips(standard):
    records = [
        course_record(1, hours=1.5, literacy=["WHY"]),
        course_record(2, skills=[], provider="株式会社べつの会社"),
        course_record(3, format="classroom", prefecture="27", title_en="", description_en=""),
    ]
    _import(records)
    first = dump_json(catalog_export_rows())
    Course.objects.all().delete()
    Provider.objects.all().delete()
    catalog_import(data=first.encode(), filename="export.json")
    assert dump_json(catalog_export_rows()) == first


def test_catalog_version_increases_on_every_change(standard):
    start = catalog_version()
    _import([course_record(1)])
    after_import = catalog_version()
    assert after_import > start
    course = Course.objects.get()
    course.price_jpy = 0
    course.save()
    assert catalog_version() > after_import
    assert CatalogState.objects.count() == 1


def test_prerequisites_refuse_self_and_cycles(standard):
    a, b, c = CourseFactory.create(), CourseFactory.create(), CourseFactory.create()
    course_prerequisites_set(course=b, prerequisites=[a])
    course_prerequisites_set(course=c, prerequisites=[b])
    with pytest.raises(ValueError, match="own prerequisite"):
        course_prerequisites_set(course=a, prerequisites=[a])
    with pytest.raises(ValueError, match="cycle"):
        course_prerequisites_set(course=a, prerequisites=[c])
    assert list(c.prerequisites.all()) == [b]


def test_providers_load_is_idempotent(db):
    records = [
        {
            "name_ja": "東都大学",
            "name_en": "Toto University",
            "kind": "university",
            "website": "https://toto.example.ac.jp",
        }
    ]
    assert providers_load(records=records) == (1, 0)
    assert providers_load(records=records) == (0, 0)
    assert Provider.objects.get().kind == "university"


def test_the_user_model_is_the_default_one():
    assert get_user_model().__name__ == "User"


def test_providers_load_bumps_the_catalog_version_once_and_checks_each_row(db):
    records = [
        {"name_ja": f"提供者{i}", "name_en": f"Provider {i}", "kind": "company", "website": ""} for i in range(5)
    ]
    before = catalog_version()
    assert providers_load(records=records) == (5, 0)
    assert catalog_version() == before + 1  # one bump for the file, not one per provider
    assert providers_load(records=records) == (0, 0)
    assert catalog_version() == before + 1  # nothing changed: no bump
    records[2]["name_en"] = "Renamed"
    assert providers_load(records=records) == (0, 1)
    assert Provider.objects.get(name_ja="提供者2").name_en == "Renamed"
    assert catalog_version() == before + 2

    bad = [*records, {"name_ja": "新しい提供者"}, {"name_en": "No Japanese name"}]
    with pytest.raises(InputError) as caught:
        providers_load(records=bad)
    assert "row 7: name_ja" in str(caught.value)
    assert not Provider.objects.filter(name_ja="新しい提供者").exists()  # all or nothing
    with pytest.raises(InputError, match="row 1: kind"):
        providers_load(records=[{"name_ja": "X", "kind": "guild"}])
