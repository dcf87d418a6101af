"""An employer's what-if (docs/what-if.md): numbers as the per-learner planner gives them, consent, the estimated
subsidy part, two budgets side by side, 400s naming the field, permissions, no writes, and confirm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.models import Membership, Track, TrackAssignment, TrackCourse
from learners.services import skill_assessments_record
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory
from recommender.core.plan import Constraints
from recommender.models import LearnerPlan
from recommender.planning import plan_for
from recommender.whatif import WhatIfError, what_if, what_if_members

pytestmark = pytest.mark.django_db

RATES = {"jinzai_kaihatsu": 0.75, "kyoiku_kunren": 0.5}


def _course(n, code, level, hours, price, **flags):
    return course_record(
        n,
        title_ja=f"講座{n} {code} レベル{level}",
        skills=[{"code": code, "level": level}],
        level=level,
        hours=hours,
        price_jpy=price,
        **flags,
    )


@pytest.fixture
def world(standard, settings):
    settings.RECOMMENDER_DENSE = False
    settings.WHATIF_SUBSIDY_RATES = RATES
    catalog_import(
        data=catalog_json(
            [
                _course(1, "DU04", 1, 10, 0, reskill_certified=True),
                _course(2, "DU04", 2, 12, 30000, training_benefit_eligible=True),
                _course(3, "DU04", 3, 20, 80000, reskill_certified=True, training_benefit_eligible=True),
                _course(4, "DU05", 1, 8, 10000),
                _course(5, "DU05", 2, 16, 50000, reskill_certified=True),
                _course(6, "DU01", 1, 8, 5000),
                _course(7, "DU01", 2, 20, 120000, reskill_certified=True),
                _course(8, "DU02", 1, 6, 0),
                _course(9, "DU02", 2, 6, 20000),
                _course(10, "DU02", 3, 8, 40000, training_benefit_eligible=True),
            ]
        ),
        filename="c.json",
    )
    ds = standard.roles.get(code="DS_PRO")
    other_role = standard.roles.exclude(code="DS_PRO").order_by("position").first()
    org, other_org = OrganizationFactory.create(prefecture="13"), OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    other_admin = MembershipFactory.create(organization=other_org, kind=Membership.Kind.ADMIN).user
    item = {i.code: i for i in standard.skill_items.all()}

    def member(name, **fields):
        learner = LearnerFactory.create(user__username=name, **fields)
        MembershipFactory.create(user=learner.user, organization=org)
        return learner

    sharing = member("m1-sharing", target_role=ds)
    skill_assessments_record(learner=sharing, levels={item["DU04"]: 2, item["DU01"]: 1})
    beginner = member("m2-beginner", target_role=ds)
    private = member("m3-private", target_role=ds, share_levels=False)
    skill_assessments_record(learner=private, levels={item["DU04"]: 3, item["DU05"]: 2})
    elsewhere = member("m4-other-role", target_role=other_role)
    hidden_role = member("m5-hidden-role", target_role=ds, share_target_role=False)
    return {
        "standard": standard,
        "role": ds,
        "org": org,
        "other_org": other_org,
        "admin": admin,
        "other_admin": other_admin,
        "sharing": sharing,
        "beginner": beginner,
        "private": private,
        "elsewhere": elsewhere,
        "hidden_role": hidden_role,
        "deadline": timezone.localdate() + timedelta(weeks=20, days=3),
    }


def _ask(world, members, **extra):
    args = {
        "organization": world["org"],
        "members": members,
        "target_role": world["role"],
        "budget_per_person": 200000,
        "weekly_hours": 4,
        "deadline": world["deadline"],
    }
    return what_if(**{**args, **extra})


def _limits(world, budget):
    return Constraints(weekly_hours=4, weeks=20, budget_jpy=budget, prefecture="13", travel=True)


def test_each_members_numbers_are_the_per_learner_planners(world):
    people = [world["sharing"], world["beginner"], world["private"]]
    result = _ask(world, people)
    assert result["weeks"] == 20
    rows = {r["username"]: r for r in result["scenarios"]["a"]["members"]}
    expected_levels = {"m1-sharing": {"DU04": 2, "DU01": 1}, "m2-beginner": {}, "m3-private": {}}
    total_cost = core = at_target = 0
    total_hours = 0.0
    for name, current in expected_levels.items():
        _gaps, plan = plan_for(
            role=world["role"], current=current, limits=_limits(world, 200000), literacy_evidence=bool(current)
        )
        row = rows[name]
        assert row["courses"] == [i.course.id for i in plan.items]
        assert (row["cost_jpy"], row["hours"], row["weeks"]) == (plan.price_jpy, plan.hours, plan.weeks_needed)
        assert row["core_at_target_by_deadline"] == plan.core_at_target_after
        assert row["weeks"] <= 20  # every plan ends by the deadline
        total_cost, total_hours = total_cost + plan.price_jpy, total_hours + plan.hours
        core, at_target = core + plan.core_items, at_target + plan.core_at_target_after
    totals = result["scenarios"]["a"]["totals"]
    assert totals["cost_jpy"] == total_cost > 0
    assert totals["hours"] == round(total_hours, 1)
    assert totals["core_share_by_deadline"] == round(at_target / core, 4)
    assert rows["m1-sharing"]["courses"] != rows["m2-beginner"]["courses"]  # shared levels change the plan


def test_levels_not_shared_are_never_read(world):
    result = _ask(world, [world["beginner"], world["private"]])
    beginner, private = result["scenarios"]["a"]["members"]
    assert private["levels_shared"] is False and beginner["levels_shared"] is True
    # m3 has DU04 at 3 and DU05 at 2, but does not share them: planned exactly as a beginner
    assert private["courses"] == beginner["courses"]
    assert private["core_at_target_now"] == beginner["core_at_target_now"]
    assert result["levels_shared"] == 1


def test_subsidy_eligible_part_follows_the_flags_and_rates(world):
    from courses.models import Course

    result = _ask(world, [world["sharing"], world["beginner"]])
    scenario = result["scenarios"]["a"]
    flags = {c.pk: c for c in Course.objects.all()}
    planned = [flags[c] for m in scenario["members"] for c in m["courses"]]
    reskill = sum(c.price_jpy for c in planned if c.reskill_certified)
    benefit = sum(c.price_jpy for c in planned if c.training_benefit_eligible)
    either = sum(c.price_jpy for c in planned if c.reskill_certified or c.training_benefit_eligible)
    best = sum(
        c.price_jpy * max([0.0] + [0.75] * c.reskill_certified + [0.5] * c.training_benefit_eligible) for c in planned
    )
    schemes = {s["key"]: s for s in scenario["subsidy"]["schemes"]}
    assert schemes["jinzai_kaihatsu"]["eligible_jpy"] == reskill > 0
    assert schemes["kyoiku_kunren"]["eligible_jpy"] == benefit > 0
    assert schemes["jinzai_kaihatsu"]["estimated_jpy"] == round(reskill * 0.75)
    assert schemes["kyoiku_kunren"]["rate"] == 0.5
    assert scenario["subsidy"]["eligible_jpy"] == either < reskill + benefit  # course 3 has both flags: once
    assert scenario["subsidy"]["estimated_jpy"] == round(best)
    assert scenario["subsidy"]["estimate"] is True
    assert scenario["totals"]["net_cost_jpy"] == scenario["totals"]["cost_jpy"] - round(best)


def test_two_budgets_side_by_side(world):
    result = _ask(
        world, [world["sharing"], world["beginner"]], budget_per_person=1_000_000, budget_b=0, weekly_hours=10
    )
    a, b = result["scenarios"]["a"]["totals"], result["scenarios"]["b"]["totals"]
    assert b["cost_jpy"] == 0 < a["cost_jpy"]
    assert b["core_at_target_by_deadline"] < a["core_at_target_by_deadline"]
    rows = {r["total"]: r for r in result["comparison"]}
    assert rows["cost_jpy"] == {"total": "cost_jpy", "a": a["cost_jpy"], "b": 0, "difference": -a["cost_jpy"]}
    assert rows["core_share_by_deadline"]["difference"] == round(
        b["core_share_by_deadline"] - a["core_share_by_deadline"], 4
    )
    assert _ask(world, [world["beginner"]])["comparison"] is None


def test_groups(world):
    org = world["org"]
    role_group = what_if_members(organization=org, group="role:DS_PRO")
    # m5 does not share their target role; m4 aims elsewhere
    assert {m.user.username for m in role_group} == {"m1-sharing", "m2-beginner", "m3-private"}
    assert len(what_if_members(organization=org, group="all")) == 5  # the admin has no learner profile
    chosen = what_if_members(organization=org, members=[str(world["beginner"].public_id)])
    assert chosen == [world["beginner"]]
    for kwargs, field in (
        ({"group": "role:NOPE"}, "group"),
        ({"group": "everyone"}, "group"),
        ({"group": f"role:{world['elsewhere'].target_role.code}X"}, "group"),
        ({}, "group"),
        ({"members": [str(world["other_admin"].pk)]}, "members"),
    ):
        with pytest.raises(WhatIfError) as caught:
            what_if_members(organization=org, **kwargs)
        assert caught.value.field == field
    empty_role = world["standard"].roles.exclude(code__in=["DS_PRO", world["elsewhere"].target_role.code]).first()
    with pytest.raises(WhatIfError, match="no members") as caught:
        what_if_members(organization=org, group=f"role:{empty_role.code}")
    assert caught.value.field == "group"


def _api(world, user, **body):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    data = {
        "group": "role:DS_PRO",
        "target_role": "DS_PRO",
        "budget_per_person": 200000,
        "budget_b": 50000,
        "weekly_hours": 4,
        "deadline": world["deadline"].isoformat(),
        **body,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/api/v1/orgs/{world['org'].pk}/what-if", data, format="json")


def test_api_answers_the_organizations_admin_only(world):
    ok = _api(world, world["admin"])
    assert ok.status_code == 200, ok.content
    assert ok.json()["members"] == 3 and set(ok.json()["scenarios"]) == {"a", "b"}
    assert _api(world, world["other_admin"]).status_code == 404
    assert _api(world, world["sharing"].user).status_code == 404  # a member who is not an admin
    assert _api(world, None).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target_role": "NOPE"}, "target_role"),
        ({"group": "role:NOPE"}, "group"),
        ({"group": "nobody"}, "group"),
        ({"budget_per_person": -1}, "budget_per_person"),
        ({"budget_per_person": 100_000_001}, "budget_per_person"),
        ({"budget_b": 100_000_001}, "budget_b"),
        ({"weekly_hours": 0}, "weekly_hours"),
        ({"weekly_hours": 81}, "weekly_hours"),
        ({"deadline": "2020-01-01"}, "deadline"),
        ({"deadline": "not a date"}, "deadline"),
        ({"members": ["00000000-0000-0000-0000-000000000000"], "group": None}, "members"),
        ({"group": None}, "group"),
    ],
)
def test_api_bad_input_is_a_400_naming_the_field(world, body, field):
    response = _api(world, world["admin"], **body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_deadline_bounds(world):
    today = timezone.localdate()
    assert _api(world, world["admin"], deadline=(today + timedelta(days=6)).isoformat()).status_code == 400
    assert _api(world, world["admin"], deadline=(today + timedelta(days=7)).isoformat()).status_code == 200
    assert _api(world, world["admin"], deadline=(today + timedelta(weeks=104, days=6)).isoformat()).status_code == 200
    far = _api(world, world["admin"], deadline=(today + timedelta(weeks=105)).isoformat())
    assert far.status_code == 400 and "deadline" in far.json()


def test_a_group_with_no_members_is_a_400(world, standard):
    empty = standard.roles.exclude(code__in=["DS_PRO", world["elsewhere"].target_role.code]).first()
    response = _api(world, world["admin"], group=f"role:{empty.code}")
    assert response.status_code == 400 and "no members" in response.json()["group"][0]


def test_what_if_writes_no_plan_track_or_assignment(world):
    page = APIClient()
    page.force_login(world["admin"])
    with CaptureQueriesContext(connection) as queries:
        assert _api(world, world["admin"], group="all").status_code == 200
        assert page.get(_page_url(world), _page_query(world)).status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and "audit" not in q["sql"]
    ]
    assert writes == []
    assert LearnerPlan.objects.count() == Track.objects.count() == TrackAssignment.objects.count() == 0


def _page_url(world):
    return f"/team/{world['org'].pk}/what-if/"


def _page_query(world, **extra):
    return {
        "target_role": world["role"].pk,
        "group": "role:DS_PRO",
        "budget_per_person": 200000,
        "budget_b": 0,
        "weekly_hours": 4,
        "deadline": world["deadline"].isoformat(),
        **extra,
    }


def test_page_shows_both_budgets_in_both_languages(world, client):
    client.force_login(world["admin"])
    assert client.get(_page_url(world)).status_code == 200  # the empty form
    en = client.get(_page_url(world), _page_query(world, lang="en"))
    assert en.status_code == 200
    text = en.content.decode()
    assert "Budget 200000 yen per person" in text and "Budget 0 yen per person" in text
    assert "Confirm: create this track" in text and "csrfmiddlewaretoken" in text
    assert "Data analysis course" in text  # the courses' English titles on the English page
    ja = client.get(_page_url(world), _page_query(world, lang="ja"))
    assert "この研修トラックを作成する" in ja.content.decode()
    bad = client.get(_page_url(world), _page_query(world, budget_per_person=-5))
    assert bad.status_code == 400
    client.force_login(world["other_admin"])
    assert client.get(_page_url(world)).status_code == 404


def test_confirm_creates_exactly_one_track_for_the_group(world, client):
    client.force_login(world["admin"])
    expected = _ask(world, [world["sharing"], world["beginner"], world["private"]])["scenarios"]["a"]["track"]
    missing_name = client.post(_page_url(world), {**_page_query(world), "budget": 200000})
    assert missing_name.status_code == 400 and Track.objects.count() == 0
    response = client.post(_page_url(world), {**_page_query(world), "budget": 200000, "name": "DS 2027"})
    assert response.status_code == 302
    track = Track.objects.get()
    assert track.name == "DS 2027" and track.target_role == world["role"] and track.organization == world["org"]
    assert set(TrackCourse.objects.filter(track=track).values_list("course_id", flat=True)) == {
        row["course"] for row in expected
    }
    assignments = TrackAssignment.objects.filter(track=track)
    assert {a.learner_id for a in assignments} == {world[k].pk for k in ("sharing", "beginner", "private")}
    assert {a.due_on for a in assignments} == {world["deadline"]}
    assert LearnerPlan.objects.count() == 0


# --- the proposed track (docs/what-if.md, "The proposed track") ------------------------------------------------


def _fake_plans(*course_lists):
    from types import SimpleNamespace

    def course(cid):
        return SimpleNamespace(id=cid, title=f"c{cid}", title_en="", level=cid % 3 + 1, hours=1, price_jpy=0)

    return [SimpleNamespace(items=[SimpleNamespace(course=course(c)) for c in courses]) for courses in course_lists]


def test_track_keeps_the_courses_a_quarter_of_the_members_share():
    from recommender.whatif import track_proposal

    # 8 members: course 1 in every plan, 2 in two (a quarter: kept), 3 in one (left out), 4 in two, later in plans
    plans = _fake_plans([1, 2], [2, 1], [1, 3], [4, 1], [1, 4], [1], [1], [1])
    proposal = track_proposal(plans)
    rows = {row["course"]: row for row in proposal["courses"]}
    assert set(rows) == {1, 2, 4} and 3 not in rows
    assert (rows[1]["members"], rows[2]["members"], rows[4]["members"]) == (8, 2, 2)
    assert rows[2]["share"] == 0.25
    # study order: by the mean position in the plans (1: 1.25, 2 and 4: 1.5), then level (4 is 2, 2 is 3)
    assert [row["course"] for row in proposal["courses"]] == [1, 4, 2]
    assert proposal["rule"] == {
        "min_share": 0.25,
        "min_members": 2,
        "max_courses": 8,
        "plan_courses": 4,
        "left_out": 1,
    }


def test_track_holds_at_most_eight_courses_the_most_shared_ones():
    from recommender.whatif import track_proposal

    # 4 members; courses 1..10 in everyone's plan, 11 and 12 in three plans, 13..40 in one plan each
    common = list(range(1, 11))
    plans = _fake_plans(
        [*common, 11, 12, *range(13, 20)], [*common, 11, 12, *range(20, 27)], [*common, 11, 12], [*common, 27]
    )
    proposal = track_proposal(plans)
    kept = [row["course"] for row in proposal["courses"]]
    assert len(kept) == 8 and set(kept) <= set(common)  # the cap takes the most shared, earliest in the plans
    assert set(kept) == set(range(1, 9))
    assert proposal["rule"]["left_out"] == proposal["rule"]["plan_courses"] - 8
    one = track_proposal(_fake_plans([5, 6, 7]))  # one member: their whole plan (up to the cap)
    assert [row["course"] for row in one["courses"]] == [5, 6, 7]
    assert track_proposal([])["courses"] == []


def test_the_scenarios_track_is_the_rule_on_the_members_plans(world):
    members = [world["sharing"], world["beginner"], world["private"]]
    scenario = _ask(world, members)["scenarios"]["a"]
    in_plans: dict[int, int] = {}
    for row in scenario["members"]:
        for cid in row["courses"]:
            in_plans[cid] = in_plans.get(cid, 0) + 1
    track = {row["course"]: row["members"] for row in scenario["track"]}
    assert track and all(in_plans[cid] == n for cid, n in track.items())
    assert all(n >= scenario["track_rule"]["min_members"] for n in track.values())
    assert len(track) <= 8 and scenario["track_rule"]["plan_courses"] == len(in_plans)


def test_confirm_uses_the_rule_not_the_union(world, client, monkeypatch):
    """With a stricter share, courses in one member's plan only stay out of the confirmed track."""
    import recommender.whatif as whatif

    members = [world["sharing"], world["beginner"], world["private"]]
    union = {cid for row in _ask(world, members)["scenarios"]["a"]["members"] for cid in row["courses"]}
    monkeypatch.setattr(whatif, "TRACK_MIN_SHARE", 0.5)
    monkeypatch.setattr(whatif.track_proposal, "__defaults__", (0.5, whatif.TRACK_MAX_COURSES))
    expected = {row["course"] for row in _ask(world, members)["scenarios"]["a"]["track"]}
    assert expected < union  # m1's own courses serve 1 of 3 members: left out
    client.force_login(world["admin"])
    response = client.post(_page_url(world), {**_page_query(world), "budget": 200000, "name": "Half"})
    assert response.status_code == 302
    assert set(TrackCourse.objects.filter(track__name="Half").values_list("course_id", flat=True)) == expected


# --- the member picker -------------------------------------------------------------------------------------


def test_picker_shows_name_role_and_progress_within_consent(world, client):
    client.force_login(world["admin"])
    hidden = world["hidden_role"]
    hidden.user.first_name, hidden.user.last_name = "Hanako", "Yamada"
    hidden.user.save()
    world["beginner"].share_track_progress = False
    world["beginner"].save()
    html = client.get(_page_url(world), {"lang": "en"}).content.decode()
    picker = html[html.index('id="member-picker"') : html.index("</fieldset>", html.index('id="member-picker"'))]
    role_name = world["role"].name_en

    def row_of(label):
        start = picker.index(f">{label}</label>")
        return picker[picker.rindex("<tr", 0, start) : picker.index("</tr>", start)]

    assert role_name in row_of("m1-sharing") and "No track" in row_of("m1-sharing")
    assert "Not shared" in row_of("Hanako Yamada") and role_name not in row_of("Hanako Yamada")
    assert "Not shared" in row_of("m2-beginner")  # progress not shared
    assert 'name="select_role" value="DS_PRO"' in picker and "Everyone in this role (3 members)" in picker
    # grouped: the DS_PRO group (m1, m2, m3) comes before the member whose role is not shared
    assert picker.index("m1-sharing") < picker.index("m3-private") < picker.index("Hanako Yamada")
    assert "5 members listed." in picker
    assert 'src="/static/js/member-picker.js"' in html


def test_picker_filters_by_name_without_js_and_keeps_the_chosen(world, client):
    client.force_login(world["admin"])
    query = _page_query(world, group="", members=[world["sharing"].pk], member_q="m2", member_filter="Filter")
    response = client.get(_page_url(world), {**query, "lang": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="whatif-results"' not in html  # filtering asks nothing yet
    picker = html[html.index('id="member-picker"') :]
    assert ">m2-beginner</label>" in picker and ">m1-sharing</label>" not in picker
    assert f'<input type="hidden" name="members" value="{world["sharing"].pk}">' in picker  # chosen, not listed
    assert 'value="m2"' in picker and "1 member listed." in picker
    assert f'value="{world["deadline"].isoformat()}"' in html  # the question keeps its answers


def test_picker_caps_its_rows_and_a_role_pick_takes_the_whole_role(world, client, monkeypatch):
    import recommender.views as views

    monkeypatch.setattr(views, "WHAT_IF_PICKER_ROWS", 2)
    client.force_login(world["admin"])
    html = client.get(_page_url(world), {"lang": "en"}).content.decode()
    assert "Showing 2 of 5 members." in html and html.count('name="members" value=') == 2
    asked = client.get(_page_url(world), {**_page_query(world, group="", select_role="DS_PRO"), "lang": "en"})
    assert asked.status_code == 200, asked.content.decode()[:2000]
    result = asked.context["result"]
    assert result["members"] == 3  # m1, m2 and m3, though only two rows are listed
    text = asked.content.decode()
    assert 'name="select_role" value="DS_PRO" id="select-role-DS_PRO" data-select-role checked' in text


def test_page_shows_the_track_and_how_many_members_each_course_serves(world, client):
    client.force_login(world["admin"])
    response = client.get(_page_url(world), _page_query(world, lang="en", budget_b=""))
    scenario = response.context["result"]["scenarios"]["a"]
    html = response.content.decode()
    table = html[html.index('id="whatif-track-a"') : html.index("</table>", html.index('id="whatif-track-a"'))]
    assert table.count("<tr>") == len(scenario["track"]) + 1  # the header and one row per course
    first = scenario["track"][0]
    assert f"{first['members']} of 3 members" in table
    assert "at least 1 of the 3 members (a quarter), at most 8" in html
    ja = client.get(_page_url(world), _page_query(world, lang="ja", budget_b="")).content.decode()
    assert "研修トラックの案" in ja


def test_picker_folds_away_once_a_role_groups_answer_is_shown(world, client):
    client.force_login(world["admin"])
    empty = client.get(_page_url(world), {"lang": "en"}).content.decode()
    assert '<details class="member-picker-box" open>' in empty
    answered = client.get(_page_url(world), _page_query(world, lang="en")).content.decode()
    assert 'id="whatif-results"' in answered and '<details class="member-picker-box">' in answered
    chosen = _page_query(world, group="", members=[world["sharing"].pk], lang="en")
    assert '<details class="member-picker-box" open>' in client.get(_page_url(world), chosen).content.decode()
