import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from courses.catalog_format import ALL_COLUMNS
from courses.models import Course, CourseSkill, Provider
from courses.services import catalog_import, course_skill_propose
from courses.tests.factories import PROVIDER, catalog_json, course_record
from skills.models import SkillItem

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/courses/"


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def catalog(standard):
    records = [
        course_record(
            1, title_ja="Python機械学習ハンズオン", skills=[{"code": "DU05", "level": 3}], level=3, price_jpy=0
        ),
        course_record(
            2, title_ja="統計とデータ可視化", skills=[{"code": "DU04", "level": 2}], price_jpy=16500, hours=8
        ),
        course_record(
            3,
            title_ja="クラウド設計の基礎",
            skills=[{"code": "TE08", "level": 2}],
            format="classroom",
            prefecture="27",
            price_jpy=88000,
            hours=40,
        ),
        course_record(
            4,
            title_ja="DXリテラシー入門",
            title_en="DX literacy basics",
            skills=[],
            literacy=["WHY", "L-WHAT-D2"],
            level=1,
            price_jpy=0,
            hours=2,
        ),
        course_record(
            5,
            title_ja="ＵＸデザイン実践",
            title_en="",
            description_en="",
            skills=[{"code": "BT15", "level": 3}],
            level=3,
            format="live-online",
            reskill_certified=True,
            training_benefit_eligible=True,
            hours=60,
            price_jpy=275000,
        ),
        course_record(
            6,
            title_ja="English-taught ML",
            language="en",
            skills=[{"code": "DU05", "level": 4}],
            level=4,
            price_jpy=120000,
        ),
    ]
    report = catalog_import(data=catalog_json(records), filename="c.json")
    assert report.run.created == 6
    return {c.code: c for c in Course.objects.all()}


def codes(response):
    assert response.status_code == 200, response.content
    return sorted(r["code"] for r in response.json()["results"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["T-001", "T-002", "T-003", "T-004", "T-005", "T-006"]),
        # T-006 "English-taught ML": ML is a synonym of 機械学習 and the course is tagged DU05 (machine learning)
        ({"q": "機械学習"}, ["T-001", "T-006"]),
        ({"q": "ux"}, ["T-005"]),  # full-width ＵＸ in the title, NFKC-normalised
        ({"q": "データ 可視化"}, ["T-002"]),
        ({"skill": "DU05"}, ["T-001", "T-006"]),
        ({"skill": "DU05,TE08"}, ["T-001", "T-003", "T-006"]),
        ({"level": "3"}, ["T-001", "T-005"]),
        ({"level": ["1", "4"]}, ["T-004", "T-006"]),
        ({"free": "true"}, ["T-001", "T-004"]),
        ({"free": "false", "max_price": "90000"}, ["T-002", "T-003"]),
        ({"format": "classroom,live-online"}, ["T-003", "T-005"]),
        ({"language": "en"}, ["T-006"]),
        ({"reskill_certified": "true"}, ["T-005"]),
        ({"training_benefit_eligible": "true"}, ["T-005"]),
        ({"max_hours": "8"}, ["T-002", "T-004"]),
        ({"prefecture": "27"}, ["T-003"]),
        ({"literacy_section": "WHAT"}, ["T-004"]),
        ({"untagged": "true"}, ["T-004"]),
        ({"role": "DS_PRO"}, ["T-001", "T-002", "T-006"]),
        ({"persona_type": "DES"}, ["T-005"]),
        ({"skill": "DU05", "level": "4", "language": "en"}, ["T-006"]),
    ],
)
def test_search_filters(client, catalog, params, expected):
    assert codes(client.get(SEARCH, params)) == expected


def test_facets_count_the_filtered_courses(client, catalog):
    data = client.get(SEARCH, {"free": "true"}).json()
    facets = data["facets"]
    assert data["count"] == facets["total"] == 2
    assert facets["level"] == {"1": 1, "3": 1}
    assert facets["price"] == {"free": 2, "paid": 0}
    assert facets["category"] == {"DU": 1}
    assert data["catalog_version"] > 0


def test_ordering_and_pagination(client, catalog):
    data = client.get(SEARCH, {"ordering": "-price", "page_size": 2, "page": 2}).json()
    assert [r["code"] for r in data["results"]] == ["T-003", "T-002"]
    assert (data["count"], data["num_pages"], data["page"]) == (6, 3, 2)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "x"}, "level"),
        ({"level": "7"}, "level"),
        ({"max_price": "-1"}, "max_price"),
        ({"max_price": "abc"}, "max_price"),
        ({"free": "maybe"}, "free"),
        ({"format": "webinar"}, "format"),
        ({"skill": "XX99"}, "skill"),
        ({"role": "NOPE"}, "role"),
        ({"prefecture": "99"}, "prefecture"),
        ({"ordering": "random"}, "ordering"),
        ({"page_size": "1000"}, "page_size"),
        ({"max_hours": "lots"}, "max_hours"),
    ],
)
def test_bad_search_parameters_are_400_naming_the_field(client, catalog, params, field):
    response = client.get(SEARCH, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("page_size", [1, 50])
def test_search_query_count_does_not_depend_on_page_size(client, catalog, page_size, django_assert_num_queries):
    params = {"page_size": page_size, "q": "講座", "level": "2,3,4"}
    # version, 4 code lists (then kept in memory), catalog version, search index state (read again for the
    # snippets), the index's first build (courses, tags; then kept per catalog state), matches, categories, page,
    # 2 prefetches
    with django_assert_num_queries(15):
        assert client.get(SEARCH, params).status_code == 200
    # The same search again is answered from the cache: version and catalog version only.
    with django_assert_num_queries(2):
        again = client.get(SEARCH, params)
    assert again.status_code == 200


def test_cached_searches_expire_when_the_catalog_changes(client, catalog):
    assert codes(client.get(SEARCH, {"free": "true"})) == ["T-001", "T-004"]
    course = catalog["T-002"]
    course.price_jpy = 0
    course.save()
    assert codes(client.get(SEARCH, {"free": "true"})) == ["T-001", "T-002", "T-004"]


def test_course_detail(client, catalog):
    course = catalog["T-004"]
    data = client.get(f"{SEARCH}{course.pk}/", {"lang": "en"}).json()
    assert data["title"] == "DX literacy basics"
    assert data["provider"]["name_ja"] == PROVIDER
    assert data["literacy"] == ["WHY", "L-WHAT-D2"]
    assert data["untagged"] is True
    assert data["needs_skill_inference"] is True
    assert client.get(f"{SEARCH}999999/").status_code == 404


def test_drafts_are_hidden_from_the_public(client, catalog):
    course = catalog["T-001"]
    course.status = "draft"
    course.save()  # a change through the ORM bumps the catalog version, so cached searches expire
    assert "T-001" not in codes(client.get(SEARCH))
    assert client.get(f"{SEARCH}{course.pk}/").status_code == 404


@pytest.fixture
def provider_user(standard):
    user = get_user_model().objects.create_user("provider1", password="pw-for-tests-1234")
    Provider.objects.create(name_ja=PROVIDER).members.add(user)
    return user


def test_import_api_multipart_json(client, provider_user):
    client.force_authenticate(provider_user)
    upload = SimpleUploadedFile("c.json", catalog_json([course_record(1), course_record(2)]), "application/json")
    response = client.post("/api/v1/catalog/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 2
    listing = client.get("/api/v1/catalog/imports/").json()
    assert [r["outcome"] for r in listing] == ["stored"]


def test_import_api_raw_cp932_csv_and_row_errors(client, provider_user):
    client.force_authenticate(provider_user)
    header = ",".join(ALL_COLUMNS)
    good = (
        f"{PROVIDER},CSV-1,表計算でデータ分析,,Excelで集計と可視化,,,1,3,0,e-learning,ja,,false,false,DU01:1,L-WHAT-D2"
    )
    bad = f"{PROVIDER},CSV-2,機械学習,,説明,,,9,3,0,e-learning,ja,,false,false,DU05:2,"
    body = "\r\n".join([header, good, bad]).encode("cp932")
    response = client.post("/api/v1/catalog/imports/", body, content_type="text/csv")
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert problems == [
        {"row": 3, "field": "level", "message": "9 is out of range: must be from 1 to 4", "code": "CSV-2"}
    ]
    assert not Course.objects.exists()
    response = client.post("/api/v1/catalog/imports/?partial=1", body, content_type="text/csv")
    assert response.status_code == 201
    assert (response.json()["created"], response.json()["rejected"]) == (1, 1)
    assert Course.objects.get().title_ja == "表計算でデータ分析"


def test_import_api_permissions(client, standard):
    upload = catalog_json([course_record(1)])
    # anonymous: 401 with a Bearer challenge; signed in without the right role: 403
    assert client.post("/api/v1/catalog/imports/", upload, content_type="application/json").status_code == 401
    learner = get_user_model().objects.create_user("learner")
    client.force_authenticate(learner)
    assert client.post("/api/v1/catalog/imports/", upload, content_type="application/json").status_code == 403


def test_import_api_for_another_provider_is_rejected(client, provider_user):
    client.force_authenticate(provider_user)
    body = catalog_json([course_record(1, provider="他社")])
    response = client.post("/api/v1/catalog/imports/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == "provider"


def test_import_api_without_a_file_is_400(client, provider_user):
    client.force_authenticate(provider_user)
    response = client.post("/api/v1/catalog/imports/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_api_round_trips(client, catalog, fmt):
    first = client.get("/api/v1/catalog/export", {"format": fmt})
    assert first.status_code == 200
    assert first["Content-Type"].startswith("application/json" if fmt == "json" else "text/csv")
    assert "attachment" in first["Content-Disposition"]
    Course.objects.all().delete()
    Provider.objects.all().delete()
    report = catalog_import(data=first.content, filename=f"export.{fmt}")
    assert report.run.created == 6, report.issues
    second = client.get("/api/v1/catalog/export", {"format": fmt})
    assert second.content == first.content


def test_export_rejects_unknown_format(client, catalog):
    response = client.get("/api/v1/catalog/export", {"format": "xml"})
    assert response.status_code == 400
    assert "format" in response.json()


def test_review_queue_is_staff_only_and_decisions_stick(client, catalog):
    course = catalog["T-004"]
    tag = course_skill_propose(course=course, skill_item=SkillItem.objects.get(code="DU01"), level=1, confidence=0.61)
    assert tag is not None
    assert client.get("/api/v1/catalog/review/").status_code == 401
    client.force_authenticate(get_user_model().objects.create_user("not-staff"))
    assert client.get("/api/v1/catalog/review/").status_code == 403
    staff = get_user_model().objects.create_user("staff", is_staff=True)
    client.force_authenticate(staff)
    queue = client.get("/api/v1/catalog/review/").json()
    assert [(t["skill"], t["confidence"]) for t in queue] == [("DU01", 0.61)]
    response = client.post(f"/api/v1/catalog/review/{tag.pk}/", {"action": "set_level"}, format="json")
    assert response.status_code == 400
    assert "level" in response.json()
    response = client.post(f"/api/v1/catalog/review/{tag.pk}/", {"action": "reject"}, format="json")
    assert response.json()["review_status"] == "rejected"
    assert client.get("/api/v1/catalog/review/").json() == []
    assert CourseSkill.objects.get(pk=tag.pk).reviewer == staff
    assert "T-004" in codes(client.get(SEARCH, {"untagged": "true"}))


def test_schema_documents_the_catalog(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ["/api/v1/courses/", "/api/v1/courses/{id}/", "/api/v1/catalog/imports/", "/api/v1/catalog/export"]:
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/api/v1/courses/"]["get"]["parameters"]}
    assert {"q", "skill", "role", "level", "max_price", "free", "format", "prefecture", "ordering"} <= params
    assert json.dumps(schema)
