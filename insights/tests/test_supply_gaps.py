"""Supply gaps: supply and demand per item × level and prefecture, suppression, the API (JSON and CSV), the
ministry's page and the providers' page, access rules and bad input."""

from __future__ import annotations

import csv
import io
import itertools
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import RoleGroup
from accounts.services import user_role_grant
from courses.models import CourseSkill, Provider
from courses.tests.factories import CourseFactory, ProviderFactory
from insights.heatmap import bins, fit, text_width
from insights.selectors import supply_gaps_compute
from learners.models import Membership
from learners.tests.factories import LearnerFactory, OrganizationFactory, UserFactory
from recommender.models import LearnerPlan
from recommender.selectors import plan_demand
from skills.models import SkillItem

pytestmark = pytest.mark.django_db

URL = "/api/v1/national/supply-gaps"


def _plan(prefecture: str, gaps: list[tuple[str, int, int, int]], no_course: list[str]) -> None:
    """A stored plan whose core lists (code, current, planned, target) and the items with no course."""
    learner = LearnerFactory.create(prefecture=prefecture)
    core = {
        "gaps": [{"code": c, "grade": "a", "current": cur, "planned": p, "target": t} for c, cur, p, t in gaps],
        "no_course": no_course,
    }
    LearnerPlan.objects.create(learner=learner, payload={"core": core, "items": []})


@pytest.fixture
def world(standard):
    """DU04: 25 learners cannot get level 2 (no course); DU05: 12 cannot get level 3 (one level-3 course they
    may not take); BT01: 4 cannot get level 1 (suppressed).  Courses: two for DU04 at level 1 (one free and
    certified), one in-person course in Osaka (27)."""
    provider = ProviderFactory.create()
    du04, du05 = (SkillItem.objects.get(version=standard, code=c) for c in ("DU04", "DU05"))
    free = CourseFactory.create(provider=provider, level=1, price_jpy=0, reskill_certified=True, hours=Decimal("8"))
    paid = CourseFactory.create(provider=provider, level=1, price_jpy=5000, hours=Decimal("4.5"))
    high = CourseFactory.create(provider=provider, level=1, hours=Decimal("3"))  # teaches DU04 at 3: counts at 1
    du05_course = CourseFactory.create(
        provider=provider, level=3, format="classroom", prefecture="27", price_jpy=0, hours=Decimal("12")
    )
    CourseFactory.create(provider=provider, level=2, status="withdrawn")  # not published: no supply
    for course, item, level in ((free, du04, 1), (paid, du04, 1), (high, du04, 3), (du05_course, du05, 3)):
        CourseSkill.objects.create(course=course, skill_item=item, level=level)
    for _ in range(25):
        _plan("13", [("DU04", 1, 1, 4)], ["DU04"])
    for _ in range(12):
        _plan("27", [("DU05", 0, 2, 3)], ["DU05"])
    for _ in range(4):
        _plan("01", [("BT01", 0, 0, 2)], ["BT01"])
    return provider


def _user(role: RoleGroup | None = None, **extra: Any) -> User:
    user = UserFactory.create(**extra)
    if role:
        user_role_grant(user=user, role=role)
    return user


def _api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def test_demand_counts_learners_per_item_level_and_prefecture(world):
    demand = plan_demand()
    assert demand.plans == 41
    assert demand.unmet == {("DU04", 2): 25, ("DU05", 3): 12, ("BT01", 1): 4}
    # Core gaps span current+1..target: DU04 at 2, 3, 4; DU05 at 1..3; BT01 at 1..2.
    assert demand.gap[("DU04", 2)] == demand.gap[("DU04", 4)] == 25
    assert ("DU04", 1) not in demand.gap
    assert demand.gap[("DU05", 1)] == 12 and demand.gap[("BT01", 2)] == 4
    assert demand.prefecture_unmet == {"13": 25, "27": 12, "01": 4}


def test_supply_per_item_level(world):
    data = supply_gaps_compute(lang="en")
    row = {(r.code, r.level): r for r in data.items}
    du04 = row[("DU04", 1)].supply
    assert (du04.courses, du04.hours, du04.free, du04.certified) == (3, 15.5, 0 + 1, 1)
    assert du04.free_share == round(1 / 3, 4) and du04.certified_share == round(1 / 3, 4)
    assert row[("DU04", 2)].supply.courses == 0  # the level-1 course tagged at 3 only takes learners to level 1
    assert row[("DU05", 3)].supply.courses == 1
    osaka = next(p for p in data.prefectures if p.code == "27")
    assert (osaka.supply.courses, osaka.supply.hours, osaka.supply.free_share) == (1, 12.0, 1.0)
    assert osaka.name == "Osaka"


def test_ranking_and_suppression(world):
    data = supply_gaps_compute(lang="ja")
    ranking = [(r.code, r.level, r.unmet.display) for r in data.ranking]
    # Published unmet demand first, largest first; then items with no course and a published core gap.
    assert ranking[:2] == [("DU04", 2, "25"), ("DU05", 3, "12")]
    assert ("BT01", 1, "<10") not in ranking  # 4 learners: suppressed, not ranked
    bt01 = next(r for r in data.items if (r.code, r.level) == ("BT01", 1))
    assert bt01.unmet.people is None and bt01.unmet.display == "<10" and bt01.gap.display == "<10"
    zero = next(r for r in data.items if (r.code, r.level) == ("BT02", 4))
    assert zero.unmet.display == "<10"  # zero is suppressed like any small count
    assert [p.code for p in data.prefecture_ranking] == ["13", "27"]
    assert data.prefecture_ranking[0].name == "東京都"


def test_ranking_order_uses_published_numbers_only(world):
    """Two suppressed cells must not be ordered by their hidden values."""
    data = supply_gaps_compute(lang="en")
    ranked = {(r.code, r.level) for r in data.ranking}
    assert all(not r.unmet.status or (r.supply.courses == 0 and not r.gap.status) for r in data.ranking)
    assert ("BT01", 1) not in ranked


def test_api_json_for_an_analyst(world):
    analyst = _user(RoleGroup.MINISTRY)
    response = _api(analyst).get(URL, {"lang": "en"})
    assert response.status_code == 200
    body = response.json()
    assert body["threshold"] == 10 and body["plans"] == {"people": 41, "suppressed": False, "display": "41"}
    first = body["results"][0]
    assert (first["rank"], first["item"], first["level"]) == (1, "DU04", 2)
    assert first["unmet_demand"] == {"people": 25, "suppressed": False, "display": "25"}
    assert first["supply"] == {"courses": 0, "hours": 0.0, "free_share": None, "reskill_certified_share": None}
    every = _api(analyst).get(URL, {"rows": "all"}).json()["results"]
    assert len(every) == SkillItem.objects.filter(version__is_current=True).count() * 4
    bt01 = next(r for r in every if (r["item"], r["level"]) == ("BT01", 1))
    assert bt01["rank"] is None and bt01["unmet_demand"] == {"people": None, "suppressed": True, "display": "<10"}
    places = _api(analyst).get(URL, {"part": "prefectures"}).json()["results"]
    assert [(p["prefecture"], p["unmet_demand"]["people"]) for p in places] == [("13", 25), ("27", 12)]


def test_csv_numbers_and_suppression_flags(world):
    staff = _user(is_staff=True)
    for response in (
        _api(staff).get(URL + ".csv", {"rows": "all"}),
        _api(staff).get(URL, {"format": "csv", "rows": "all"}),
    ):
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        du04 = next(r for r in rows if (r["item"], r["level"]) == ("DU04", "2"))
        assert (du04["rank"], du04["unmet_learners"], du04["unmet_suppressed"]) == ("1", "25", "")
        bt01 = next(r for r in rows if (r["item"], r["level"]) == ("BT01", "1"))
        assert (bt01["rank"], bt01["unmet_learners"], bt01["unmet_suppressed"]) == ("", "", "<10")
        level1 = next(r for r in rows if (r["item"], r["level"]) == ("DU04", "1"))
        assert (level1["courses"], level1["hours"], level1["free_share"]) == ("3", "15.5", "0.3333")
    prefectures = _api(staff).get(URL + ".csv", {"part": "prefectures"}).content.decode("utf-8-sig")
    assert prefectures.splitlines()[0].startswith("rank,prefecture,prefecture_name,courses")


def test_a_formula_like_item_name_is_neutralised_in_csv(world, standard):
    SkillItem.objects.filter(version=standard, code="DU04").update(name_en="=HYPERLINK(1)")
    text = _api(_user(is_staff=True)).get(URL + ".csv", {"lang": "en"}).content.decode("utf-8-sig")
    assert "=HYPERLINK" in text and ",=HYPERLINK" not in text


@pytest.mark.parametrize("role", [RoleGroup.LEARNER, RoleGroup.ORG_ADMIN, RoleGroup.PROVIDER])
def test_only_analysts_and_staff_get_the_national_view(world, role):
    user = _user(role)
    if role == RoleGroup.ORG_ADMIN:
        Membership.objects.create(user=user, organization=OrganizationFactory.create(), kind=Membership.Kind.ADMIN)
    if role == RoleGroup.PROVIDER:
        world.members.add(user)
    assert _api(user).get(URL).status_code == 403
    assert _api(user).get(URL + ".csv").status_code == 403
    client = Client()
    client.force_login(user)
    assert client.get("/national/supply-gaps/").status_code == 403
    assert _api().get(URL).status_code in (401, 403)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"by": "item"}, "by"),
        ({"part": "courses"}, "part"),
        ({"rows": "top"}, "rows"),
        ({"format": "xml"}, "format"),
        ({"limit": "5", "part": "items"}, "limit"),
    ],
)
def test_bad_parameters_answer_400_naming_the_field(world, query, field):
    response = _api(_user(RoleGroup.MINISTRY)).get(URL, query)
    assert response.status_code == 400
    assert field in response.json()


def test_a_repeated_parameter_is_refused(world):
    response = _api(_user(RoleGroup.MINISTRY)).get(URL + "?part=items&part=prefectures")
    assert response.status_code == 400 and "part" in response.json()


@pytest.mark.parametrize(
    ("lang", "heading", "level"),
    [("en", "Largest unmet demand", "Level 2"), ("ja", "未充足の需要が大きい順", "レベル2")],
)
def test_the_ministry_page_in_both_languages(world, lang, heading, level):
    client = Client()
    client.force_login(_user(RoleGroup.MINISTRY))
    response = client.get("/national/supply-gaps/", {"lang": lang})
    assert response.status_code == 200
    html = response.content.decode()
    assert heading in html and level in html
    assert 'id="supply-gap-ranking"' in html and "<svg" in html and 'class="chart-legend"' in html
    assert "DU04" in html and ">25<" in html
    assert "stroke-dasharray" in html  # item-levels with no course are marked
    assert 'x=""' not in html and 'y=""' not in html  # every shape and label has its position
    assert re.search(
        r'<text x="[0-9.]+" y="[0-9.]+" dy="0.35em" text-anchor="middle" font-size="11" fill="#[0-9a-f]+">25</text>',
        html,
    )
    assert "/api/v1/national/supply-gaps.csv" in html


def test_the_providers_page_shows_bands_not_counts(world):
    member = _user()
    world.members.add(member)
    client = Client()
    client.force_login(member)
    html = client.get("/providers/needed-courses/", {"lang": "en"}).content.decode()
    assert "DU04" in html and "at least 20" in html  # 25 learners, shown as a band of the threshold
    assert ">25<" not in html and "at least 25" not in html
    table = html.split('id="needed-courses"')[1].split("</table>")[0]
    assert re.search(r'DU05 [^<]*</th><td class="num">2</td>', table)  # no course at 2, a core gap of 12
    assert not re.search(r'DU05 [^<]*</th><td class="num">3</td>', table)  # a course at 3: not "nobody offers"
    assert "BT01" not in html  # 4 learners: under the threshold, not shown
    learner = _user(RoleGroup.LEARNER)
    client.force_login(learner)
    assert client.get("/providers/needed-courses/").status_code == 403
    assert Provider.objects.filter(members=member).exists()


def test_heatmap_bins_cover_published_counts():
    assert bins(5, 10) == []
    ranges = bins(57, 10)
    assert ranges[0][0] == 10 and ranges[-1][1] == 57 and len(ranges) <= 5
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(ranges))


def test_row_labels_fit_the_heatmap_margin():
    long_ja = "DU05 機械学習・深層学習の設計と実装、評価と運用までの一連の工程"
    cut = fit(long_ja, 304, 11)
    assert cut.endswith("…") and text_width(cut, 11) <= 304 and cut.startswith("DU05 機械学習")
    assert fit("DU04 Statistics", 304, 11) == "DU04 Statistics"


def test_demand_is_cached_until_a_plan_changes(world, django_assert_num_queries):
    from insights.selectors import plan_demand_cached

    first = plan_demand_cached()
    with django_assert_num_queries(1):  # the plans' state only: the counts come from the cache (locmem in tests)
        assert plan_demand_cached() == first
    _plan("13", [("DU04", 1, 1, 4)], ["DU04"])  # one more learner who cannot get DU04 at 2
    assert plan_demand_cached().unmet[("DU04", 2)] == first.unmet[("DU04", 2)] + 1
    LearnerPlan.objects.order_by("-pk")[0].delete()  # an erasure
    assert plan_demand_cached().unmet[("DU04", 2)] == first.unmet[("DU04", 2)]
