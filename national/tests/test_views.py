"""The ministry dashboard page, in both languages."""

import re
from pathlib import Path

import pytest

from accounts.models import RoleGroup
from accounts.services import user_role_grant
from national.tests.factories import counted, learner, ministry_analyst

pytestmark = pytest.mark.django_db


def _found(match: re.Match[str] | None) -> re.Match[str]:
    assert match is not None
    return match


URL = "/national/"


@pytest.fixture
def data(standard):
    counted(
        (2022, "13", "G", "DS", "1001+", 30),
        (2023, "13", "G", "BA", "21-100", 45),
        (2024, "27", "E", "category:DU", "", 25),
        (2024, "31", "E", "SE", "1-20", 3),
    )


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("en", ["National progress toward 2.3 million", "Reported nationally (METI)", "Prefectures", "Tokyo"]),
        ("ja", ["230万人に向けた全国の進捗", "国の公表値（経済産業省）", "都道府県", "東京都"]),
    ],
)
def test_the_dashboard_shows_charts_tables_and_csv_links(client, data, lang, texts):
    client.force_login(ministry_analyst())
    response = client.get(URL, {"lang": lang})
    assert response.status_code == 200
    page = response.content.decode()
    for text in texts:
        assert text in page, text
    assert page.count('<svg class="wide" viewBox=') == 2  # against the target, and on its own scale
    assert page.count('<svg class="phone" viewBox=') == 2  # each one again, laid out for a phone
    assert "<polyline" in page and "stroke-dasharray" in page
    assert "/api/v1/national/progress.csv" in page
    assert "/api/v1/national/breakdown.csv?by=prefecture%2Cfiscal_year" in page
    assert "&lt;10" in page  # Tottori's 3 people
    assert not re.search(r"<script", page)  # nothing fetched or run in the browser


@pytest.mark.parametrize(("lang", "top"), [("en", "3M"), ("ja", "300万")])
def test_phone_charts_have_large_text_few_year_labels_and_short_numbers(client, data, lang, top):
    client.force_login(ministry_analyst())
    page = client.get(URL, {"lang": lang}).content.decode()
    phones = re.findall(r'<svg class="phone" viewBox="0 0 (\d+) \d+".*?</svg>', page, re.S)
    assert len(phones) == 2 and set(phones) == {"360"}
    phone = _found(re.search(r'<svg class="phone".*?</svg>', page, re.S)).group(0)
    sizes = {int(s) for s in re.findall(r'<text [^>]*font-size="(\d+)"', phone)}
    assert sizes == {14}  # drawn ~350 px wide at 390 px: about 14 px text, against 11/720*350 ≈ 5 px before
    year_labels = re.findall(r'text-anchor="middle"[^>]*>([^<]+)</text>', phone)
    assert 2 <= len(year_labels) <= 4
    assert f">{top}</text>" in phone  # the top of the 2.3-million axis in a few characters
    # The stylesheet shows the phone layout instead of the wide one below 600 px.
    css = Path("static/css/app.css").read_text(encoding="utf-8")
    assert re.search(r"@media \(max-width: 600px\) \{\s*\.chart > svg\.wide \{ display: none; \}", css)


def test_a_chosen_breakdown_is_shown_and_a_bad_one_explained(client, data):
    client.force_login(ministry_analyst())
    page = client.get(URL, {"rows": "persona_type", "columns": "org_size", "lang": "en"}).content.decode()
    assert "Persona type × Organization size" in page
    response = client.get(URL, {"rows": "industry", "columns": "industry", "lang": "en"})
    assert response.status_code == 400
    assert "a dimension appears twice" in response.content.decode()


def test_only_ministry_analysts_and_staff_see_the_dashboard(client, data):
    assert client.get(URL).status_code == 302  # to the login page
    person = learner()
    user_role_grant(user=person.user, role=RoleGroup.LEARNER)
    client.force_login(person.user)
    assert client.get(URL).status_code == 403
    assert "/national/" not in client.get("/courses/").content.decode()
    client.force_login(ministry_analyst())
    assert 'href="/national/"' in client.get("/courses/").content.decode()


def test_a_ministry_analyst_lands_on_the_dashboard(client, data):
    client.force_login(ministry_analyst())
    response = client.get("/accounts/start/")
    assert response.status_code == 302 and response["Location"] == URL


def test_staff_see_the_derived_tables_read_only_in_the_admin(client, data):
    from national.tests.factories import staff

    admin = staff()
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    for model in ("nationalcell", "nationalcount", "nationalcourse"):
        assert client.get(f"/admin/national/{model}/").status_code == 200
    assert client.get("/admin/national/nationalcell/add/").status_code == 403


@pytest.mark.parametrize(
    ("lang", "of_target", "source", "english_source"),
    [
        ("en", "of the target of 2,300,000 people", "METI presentation at a JIPDEC seminar", None),
        ("ja", "目標2,300,000人に対して", "JIPDECセミナー", "METI presentation at a JIPDEC seminar"),
    ],
)
def test_the_target_share_a_progress_bar_and_notes_in_the_pages_language(
    client, data, lang, of_target, source, english_source
):
    client.force_login(ministry_analyst())
    page = client.get(URL, {"lang": lang}).content.decode()
    # 30 + 45 + 25 + 3 = 103 people of 2,300,000: 0.004478 %, shown to three decimals
    assert "<strong>0.004%</strong>" in page and of_target in page
    assert re.search(r'<progress max="2300000" value="103"', page)
    assert source in page
    if english_source:
        assert english_source not in page
    assert not re.search(r"[\w-]+/[\w-]+\.(md|py|json)", page)  # no repository paths for analysts


def test_the_pivot_form_brings_its_results_into_view(client, data):
    client.force_login(ministry_analyst())
    page = client.get(URL, {"rows": "persona_type", "columns": "org_size", "lang": "en"}).content.decode()
    assert 'action="#pivot"' in page
    anchor = page.index('id="pivot"')
    assert anchor < page.index('class="panel breakdown-form"') < page.index("Persona type × Organization size")
