import re

import pytest

from courses.models import Course
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(standard):
    records = [
        course_record(
            1,
            title_ja="Python機械学習ハンズオン",
            title_en="Hands-on ML with Python",
            price_jpy=0,
            skills=[{"code": "DU05", "level": 3}],
            level=3,
        ),
        course_record(2, title_ja="統計とデータ可視化", title_en="", description_en="", price_jpy=16500),
        course_record(3, title_ja="DXリテラシー入門", skills=[], literacy=["WHY"], level=1),
    ]
    catalog_import(data=catalog_json(records), filename="c.json")
    return {c.code: c for c in Course.objects.all()}


@pytest.mark.parametrize(("lang", "heading", "free"), [("ja", "講座をさがす", "無料"), ("en", "Find courses", "Free")])
def test_catalog_page_in_both_languages(client, catalog, lang, heading, free):
    html = client.get("/courses/", {"lang": lang}).content.decode()
    assert f'<html lang="{lang}">' in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert heading in html and free in html
    assert "¥16,500" in html
    assert html.count('class="course"') == 3


def test_catalog_page_filters_and_facets(client, catalog):
    html = client.get("/courses/", {"level": "3", "lang": "en"}).content.decode()
    assert html.count('class="course"') == 1
    assert "Hands-on ML with Python" in html
    assert re.search(r'value="3" checked> Level 3 <span class="count">1</span>', html)


def test_catalog_page_bad_filter_is_400_with_message(client, catalog):
    response = client.get("/courses/", {"max_price": "abc", "lang": "en"})
    assert response.status_code == 400
    assert "max_price" in response.content.decode()


def test_catalog_page_empty_result_says_so(client, catalog):
    html = client.get("/courses/", {"q": "存在しない講座名", "lang": "en"}).content.decode()
    assert "No course matches these filters" in html


def test_course_detail_page(client, catalog):
    html = client.get(f"/courses/{catalog['T-003'].pk}/", {"lang": "en"}).content.decode()
    assert "Data analysis course 3" in html  # the English title in English
    assert "skills will be inferred" in html
    html = client.get(f"/courses/{catalog['T-001'].pk}/", {"lang": "ja"}).content.decode()
    assert "DU05" in html and "Python機械学習ハンズオン" in html
    assert client.get("/courses/999999/").status_code == 404


def test_an_inferred_tag_shows_its_probability_and_evidence(client, catalog):
    from courses.services import course_skill_propose
    from skills.models import SkillItem

    course = catalog["T-003"]
    course_skill_propose(
        course=course,
        skill_item=SkillItem.objects.get(code="DU04"),
        level=1,
        confidence=0.82,
        evidence=["グラフで可視化する方法を学びます。"],
    )
    html = client.get(f"/courses/{course.pk}/", {"lang": "en"}).content.decode()
    assert "DU04" in html and "0.82" in html
    assert '<q class="evidence">グラフで可視化する方法を学びます。</q>' in html
