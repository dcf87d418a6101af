"""Pages and admin render in Japanese and English."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from skills.models import RoleSkillRequirement

pytestmark = pytest.mark.django_db


def _h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


@pytest.mark.parametrize(("lang", "heading"), [("ja", "デジタルスキル標準"), ("en", "Digital Skill Standard")])
def test_standard_browser_in_both_languages(client, standard, lang, heading):
    response = client.get(reverse("skills:browser"), {"lang": lang})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert _h1_count(html) == 1
    assert heading in html
    assert html.count('href="/standard/roles/') >= 15
    assert "ビジネスアーキテクト" in html
    assert "Business Architect" in html


def test_accept_language_selects_english(client, standard):
    html = client.get(reverse("skills:browser"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert "Common skill list" in html


def test_role_page_shows_profile_and_marks_estimates(client, standard):
    html = client.get(reverse("skills:role", args=["DS_PRO"]), {"lang": "en"}).content.decode()
    assert "Data Scientist" in html
    assert html.count('class="grade g-') >= 49
    assert "49 of this role's grades are this project's estimates" in html
    assert html.count('class="badge est"') >= 49
    # after the official matrix covers a cell, it is no longer marked
    RoleSkillRequirement.objects.filter(role__code="DS_PRO").update(is_estimated=False)
    html = client.get(reverse("skills:role", args=["DS_PRO"]), {"lang": "ja"}).content.decode()
    assert 'class="badge est"' not in html
    assert "推定" not in html.split("<main")[1].split("</main>")[0]


def test_role_page_japanese(client, standard):
    html = client.get(reverse("skills:role", args=["DS_PRO"]), {"lang": "ja"}).content.decode()
    assert "スキルプロファイル" in html
    assert "推定" in html
    assert _h1_count(html) == 1


def test_skill_page_and_missing_codes(client, standard):
    html = client.get(reverse("skills:skill-item", args=["DU04"]), {"lang": "en"}).content.decode()
    assert "DU04" in html
    assert "Importance for each role" in html
    assert client.get(reverse("skills:role", args=["NOPE"])).status_code == 404
    assert client.get(reverse("skills:skill-item", args=["NOPE"])).status_code == 404


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_home_page(client, standard, lang):
    html = client.get("/", {"lang": lang}).content.decode()
    assert _h1_count(html) == 1
    assert f'<html lang="{lang}">' in html
    assert "<strong>49</strong>" in html
    assert "<strong>23</strong>" in html


def test_pages_without_a_standard_show_an_empty_state(client, db):
    html = client.get("/", {"lang": "en"}).content.decode()
    assert "No standard loaded yet" in html
    assert "load_dss" in html
    assert client.get(reverse("skills:browser")).status_code == 200


def test_language_switch_sets_the_cookie(client, standard):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/standard/"})
    assert response.status_code == 302
    html = client.get("/standard/").content.decode()
    assert '<html lang="en">' in html


ADMIN_MODELS = [
    "standardversion",
    "proficiencylevel",
    "importancegrade",
    "personatype",
    "role",
    "skillcategory",
    "skillsubcategory",
    "skillitem",
    "literacysection",
    "literacyitem",
    "roleskillrequirement",
]


# Models whose admin filters by more than the version (a one-choice filter is hidden).
WITH_FILTERS = {"role", "skillcategory", "skillsubcategory", "skillitem", "literacyitem", "roleskillrequirement"}


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("staff", "staff@example.org", "pw-for-tests-only-123")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ADMIN_MODELS)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_admin_changelists_search_and_filter(staff_client, standard, model, lang):
    url = reverse(f"admin:skills_{model}_changelist")
    response = staff_client.get(url, {"q": "DU"}, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="searchbar"' in html
    if model in WITH_FILTERS:
        assert 'id="changelist-filter"' in html


def test_admin_role_change_page_shows_its_requirements(staff_client, standard):
    role = standard.roles.get(code="DS_PRO")
    html = staff_client.get(reverse("admin:skills_role_change", args=[role.pk])).content.decode()
    assert html.count("requirements-") >= 49


def test_admin_is_japanese_by_default(staff_client, standard):
    html = staff_client.get(reverse("admin:index")).content.decode()
    assert '<html lang="ja"' in html
    assert "スキル項目" in html
