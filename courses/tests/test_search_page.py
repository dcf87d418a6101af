"""The search's query structure: rankings reused across filters, relevance order, facets (issue 20)."""

import pytest

from courses import selectors
from courses.search import SearchIndex
from courses.selectors import CourseQuery, course_search, course_search_page
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(standard):
    records = [
        course_record(n, level=1 + n % 4, price_jpy=0 if n % 3 == 0 else 10000 * n, title_ja=f"データ講座{n}")
        for n in range(1, 13)
    ]
    records[4]["title_ja"] = "データ データ データ分析の講座"  # ranks first for データ
    assert catalog_import(data=catalog_json(records), filename="c.json").run.created == 12
    return standard


def test_a_ranking_is_reused_across_filters_and_dropped_with_a_new_index(catalog, monkeypatch):
    calls = []
    original = SearchIndex.search

    def counting(self, q):
        calls.append(q)
        return original(self, q)

    monkeypatch.setattr(SearchIndex, "search", counting)
    first = list(course_search(query=CourseQuery(q="データ"), version=catalog).values_list("pk", flat=True))
    narrower = course_search(query=CourseQuery(q="データ", levels=[2, 3]), version=catalog)
    filtered = list(narrower.values_list("pk", flat=True))
    assert calls == ["データ"]  # the second search reused the ranking
    assert filtered == [pk for pk in first if pk in set(filtered)]  # the same order, fewer rows
    assert len(filtered) < len(first)

    catalog_import(data=catalog_json([course_record(99, title_ja="データ新講座")]), filename="c.json")
    again = list(course_search(query=CourseQuery(q="データ"), version=catalog).values_list("pk", flat=True))
    assert calls == ["データ", "データ"]  # a new catalog state: a new index and a new ranking
    assert len(again) == len(first) + 1


def test_relevance_order_is_the_ranking_and_facets_count_every_match(catalog):
    ranked = selectors._ranked_ids("データ")
    qs = course_search(query=CourseQuery(q="データ", max_price=60000), version=catalog)
    page = course_search_page(qs=qs, page=1, page_size=3)
    order = list(qs.values_list("pk", flat=True))
    assert order == [pk for pk in ranked if pk in set(order)]
    assert [c.pk for c in page.courses] == order[:3]
    assert page.total == len(order)
    assert sum(page.facets["level"].values()) == len(order)
    assert page.facets["price"]["free"] == qs.filter(price_jpy=0).count()
