import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

BASE = "/api/v1/standard/"


@pytest.fixture
def client():
    return APIClient()


def test_counts_of_the_standard(client, standard):
    personas = client.get(BASE + "persona-types/").json()
    roles = client.get(BASE + "roles/").json()
    items = client.get(BASE + "skill-items/").json()
    literacy = client.get(BASE + "literacy-items/").json()
    assert (len(personas), len(roles), len(items), len(literacy)) == (5, 15, 49, 23)
    assert sum(len(p["roles"]) for p in personas) == 15
    assert all(len(r["requirements"]) == 49 for r in roles)


def test_index_summarises_the_current_version(client, standard):
    data = client.get(BASE).json()
    assert data["version"]["code"] == "dss-1.2"
    assert data["counts"]["skill_items"] == 49
    assert data["counts"]["role_skill_requirements"] == 735
    assert data["estimated_requirements"] == 735
    assert data["links"]["roles"].endswith("/api/v1/standard/roles/")


def test_role_detail_has_requirements_with_target_proficiency(client, standard):
    response = client.get(BASE + "roles/DS_PRO/")
    assert response.status_code == 200
    assert response["X-Standard-Version"] == "dss-1.2"
    role = response.json()
    assert role["persona_type"]["code"] == "DS"
    assert role["estimated_requirements"] == 49
    by_skill = {r["skill"]: r for r in role["requirements"]}
    assert set(by_skill) == set(standard.skill_items.values_list("code", flat=True))
    du04 = by_skill["DU04"]
    assert (du04["grade"], du04["target_proficiency"], du04["is_estimated"]) == ("a", 4, True)
    assert du04["category"] == "DU"
    assert du04["subcategory"] == "DU-AIDS"
    grade_to_target = {"a": 4, "b": 3, "c": 2, "d": 1, "z": 0}
    assert all(r["target_proficiency"] == grade_to_target[r["grade"]] for r in role["requirements"])


def test_skill_tree_nests_categories_subcategories_items(client, standard):
    tree = client.get(BASE + "skills/").json()
    assert [c["code"] for c in tree] == ["BT", "DU", "TE", "SC", "PS"]
    assert sum(len(c["subcategories"]) for c in tree) == 12
    assert sum(len(s["items"]) for c in tree for s in c["subcategories"]) == 49


def test_literacy_tree(client, standard):
    tree = client.get(BASE + "literacy/").json()
    assert [s["code"] for s in tree] == ["WHY", "WHAT", "HOW", "MIND"]
    assert sum(len(s["items"]) for s in tree) == 23


def test_skill_item_detail_lists_every_role(client, standard):
    item = client.get(BASE + "skill-items/DU04/", {"lang": "en"}).json()
    assert item["name"] == item["name_en"]
    assert len(item["role_grades"]) == 15
    assert {g["role"] for g in item["role_grades"]} >= {"DS_PRO", "SE_BACKEND"}


def test_scales(client, standard):
    data = client.get(BASE + "scales/").json()
    assert [p["level"] for p in data["proficiency_levels"]] == [0, 1, 2, 3, 4]
    assert {g["code"]: g["target_proficiency"] for g in data["importance_grades"]} == {
        "a": 4,
        "b": 3,
        "c": 2,
        "d": 1,
        "z": 0,
    }


@pytest.mark.parametrize(
    ("params", "headers", "expected"),
    [
        ({"lang": "en"}, {}, "en"),
        ({"lang": "ja"}, {"HTTP_ACCEPT_LANGUAGE": "en"}, "ja"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, "en"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "ja"}, "ja"),
        ({}, {}, "ja"),
        ({"lang": "fr"}, {}, "ja"),
        ({"lang": "fr"}, {"HTTP_ACCEPT_LANGUAGE": "en"}, "ja"),
    ],
)
def test_language_picks_the_primary_label(client, standard, params, headers, expected):
    persona = client.get(BASE + "persona-types/BA/", params, **headers).json()
    assert persona["name"] == persona[f"name_{expected}"]
    assert persona["name_ja"] == "ビジネスアーキテクト"
    assert persona["name_en"] == "Business Architect"
    assert persona["summary"] == persona[f"summary_{expected}"]


@pytest.mark.parametrize(
    "path", ["", "roles/", "roles/DS_PRO/", "skills/", "skill-items/DU04/", "literacy/", "persona-types/"]
)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_standard_api_is_read_only(client, standard, path, method):
    response = getattr(client, method)(BASE + path, {"code": "X"}, format="json")
    assert response.status_code == 405


def test_unknown_codes_and_versions_are_404(client, standard):
    assert client.get(BASE + "roles/NOPE/").status_code == 404
    response = client.get(BASE + "roles/", {"version": "dss-9.9"})
    assert response.status_code == 404
    assert "dss-9.9" in response.json()["detail"]


def test_no_standard_loaded_is_a_clear_404(client, db):
    response = client.get(BASE + "roles/")
    assert response.status_code == 404
    assert "load_dss" in response.json()["detail"]
    assert client.get(BASE + "versions/").json() == []


def test_role_list_query_count_does_not_grow_with_roles(client, standard, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(BASE + "roles/")
    assert response.status_code == 200


def test_skill_tree_query_count(client, standard, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        client.get(BASE + "skills/")


def test_openapi_schema_documents_the_standard(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ["/api/v1/standard/roles/", "/api/v1/standard/roles/{code}/", "/api/v1/standard/skills/"]:
        assert path in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/standard/roles/"]["get"]["parameters"]}
    assert {"lang", "version"} <= params
    assert "post" not in schema["paths"]["/api/v1/standard/roles/"]


def test_interactive_docs_are_served_without_a_cdn(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html
