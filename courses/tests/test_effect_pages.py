"""Measured effectiveness on the course page and the provider's list (docs/effectiveness.md): shown only from
EFFECT_MIN_LEARNERS learners, in both languages; the provider's aggregate weighs its courses by learners."""

import pytest

from courses.models import Course, CourseItemEffect, CourseStatus
from courses.selectors import provider_effect_summary
from courses.services import EffectRow, catalog_import, course_effects_store
from courses.tests.factories import catalog_json, course_record
from skills.models import SkillItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(standard):
    catalog_import(
        data=catalog_json(
            [
                course_record(1, skills=[{"code": "DU04", "level": 3}], level=3),
                course_record(2, skills=[{"code": "DU04", "level": 2}, {"code": "DU05", "level": 2}]),
                course_record(3, skills=[{"code": "DU05", "level": 2}]),
            ]
        ),
        filename="c.json",
    )
    return {c.code: c for c in Course.objects.all()}


def _item(code):
    return SkillItem.objects.get(code=code, version__is_current=True)


def _store(rows):
    course_effects_store(
        rows=[
            EffectRow(
                course_id=course.pk,
                skill_item_id=_item(code).pk,
                learners=n,
                weight=n * 0.8,
                claimed_level=claim,
                mean_level=shrunk,
                shrunk_level=shrunk,
                credibility=0.9,
            )
            for course, code, n, claim, shrunk in rows
        ]
    )


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "Learners who finished this reached level 2.4 on DU04 on average, n=37 (the course claims level 3)."),
        ("ja", "この講座の修了者は DU04 で平均レベル 2.4 に到達しました（n=37、講座が示すレベルは 3）。"),
    ],
)
def test_the_course_page_shows_the_measured_level_in_both_languages(client, courses, lang, sentence):
    _store([(courses["T-001"], "DU04", 37, 3, 2.43)])
    html = client.get(f"/courses/{courses['T-001'].pk}/", {"lang": lang}).content.decode()
    assert sentence in html
    assert 'id="measured"' in html


def test_the_course_page_hides_it_below_the_minimum(client, courses, settings):
    settings.EFFECT_MIN_LEARNERS = 30
    _store([(courses["T-001"], "DU04", 29, 3, 2.43), (courses["T-002"], "DU04", 30, 2, 2.2)])
    html = client.get(f"/courses/{courses['T-001'].pk}/", {"lang": "en"}).content.decode()
    assert "Learners who finished this" not in html and 'id="measured"' not in html
    html = client.get(f"/courses/{courses['T-002'].pk}/", {"lang": "en"}).content.decode()
    assert "reached level 2.2 on DU04 on average, n=30" in html
    assert "DU05" in html and "on DU05 on average" not in html  # an item without estimates says nothing
    settings.EFFECT_MIN_LEARNERS = 31
    html = client.get(f"/courses/{courses['T-002'].pk}/", {"lang": "en"}).content.decode()
    assert "Learners who finished this" not in html


def test_the_store_replaces_every_estimate(courses):
    _store([(courses["T-001"], "DU04", 37, 3, 2.4), (courses["T-002"], "DU04", 40, 2, 2.2)])
    _store([(courses["T-002"], "DU04", 41, 2, 2.1)])
    assert list(CourseItemEffect.objects.values_list("course__code", "learners")) == [("T-002", 41)]


def test_the_provider_aggregate_weighs_courses_by_learners_and_skips_small_ones(courses, settings):
    settings.EFFECT_MIN_LEARNERS = 30
    provider = courses["T-001"].provider
    assert provider_effect_summary(provider_id=provider.pk) is None
    _store(
        [
            (courses["T-001"], "DU04", 40, 3, 2.5),
            (courses["T-002"], "DU04", 60, 2, 2.0),
            (courses["T-002"], "DU05", 50, 2, 1.5),
            (courses["T-003"], "DU05", 10, 2, 0.5),  # too few learners: not counted
        ]
    )
    summary = provider_effect_summary(provider_id=provider.pk)
    assert summary is not None
    assert (summary.courses, summary.items, summary.learners) == (2, 3, 100)  # 40 + max(60, 50)
    assert summary.claimed_level == pytest.approx(round((40 * 3 + 60 * 2 + 50 * 2) / 150, 2))
    assert summary.measured_level == pytest.approx(round((40 * 2.5 + 60 * 2.0 + 50 * 1.5) / 150, 2))
    assert summary.gain_over_claim == pytest.approx(round(summary.measured_level - summary.claimed_level, 2))
    # A withdrawn course no longer speaks for its provider.
    Course.objects.filter(pk=courses["T-001"].pk).update(status=CourseStatus.WITHDRAWN)
    after = provider_effect_summary(provider_id=provider.pk)
    assert after is not None and after.courses == 1


@pytest.mark.parametrize(
    ("lang", "text", "empty"),
    [
        (
            "en",
            "learners who finished them reached level 2.0 on average where the courses claim 2.4 "
            "(courses measured: 2, n=100).",
            "No course of this provider has 30 learners with later evidence yet",
        ),
        (
            "ja",
            "修了者は平均レベル 2.0 に到達しました（講座が示すレベルは 2.4、実測された講座数 2、n=100）。",
            "修了後の根拠がある学習者が 30 人以上の講座がまだないため",
        ),
    ],
)
def test_the_provider_list_shows_its_aggregate_in_both_languages(client, courses, settings, lang, text, empty):
    settings.EFFECT_MIN_LEARNERS = 30
    provider = courses["T-001"].provider
    html = client.get("/courses/", {"provider": provider.pk, "lang": lang}).content.decode()
    assert empty in html
    _store([(courses["T-001"], "DU04", 40, 3, 2.5), (courses["T-002"], "DU04", 60, 2, 1.7)])
    html = client.get("/courses/", {"provider": provider.pk, "lang": lang}).content.decode()
    assert text in html
    assert html.count('class="course"') == 3
    # The unfiltered catalog shows no provider aggregate; the course page links to the provider's list.
    assert "provider-effect" not in client.get("/courses/", {"lang": lang}).content.decode()
    detail = client.get(f"/courses/{courses['T-001'].pk}/", {"lang": lang}).content.decode()
    assert f'href="/courses/?provider={provider.pk}"' in detail
