"""Issue 20 item 3: the employer's dashboard reads per-organization rollups that always equal a recount from
the raw rows (assessments, consent, roles, memberships, erasure), and member lists come a keyset page at a time."""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import Course
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.models import (
    Membership,
    OrgItemRollup,
    OrgMemberFact,
    OrgRoleRollup,
    OrgRollup,
    SkillAssessment,
    TrackAssignment,
)
from learners.selectors import (
    MEMBER_STATUSES,
    Cursor,
    current_levels_of,
    members_of,
    team_dashboard,
    team_member_page,
    team_member_rows,
)
from learners.services import (
    learner_account_delete,
    learner_profile_update,
    learner_progress_record,
    skill_assessments_record,
    track_assign,
    track_create,
)
from learners.services.rollups import org_rollups_rebuild, org_rollups_refresh
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory
from skills.models import Role, SkillItem

pytestmark = pytest.mark.django_db


def recount(org):
    """The dashboard's counts straight from the raw rows, by the rule the dashboard had before the rollups."""
    people = list(members_of(organization=org))
    roles: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    items: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    levels = current_levels_of(learner_ids=[p.pk for p in people])
    for p in people:
        if not (p.share_target_role and p.target_role_id):
            continue
        roles[p.target_role_id][0] += 1
        if p.share_levels:
            roles[p.target_role_id][1] += 1
            for item_id, current in levels.get(p.pk, {}).items():
                if current.level > 0:
                    items[(p.target_role_id, item_id)][0] += current.level
                    items[(p.target_role_id, item_id)][1] += 1
    return len(people), dict(roles), dict(items)


def stored(org):
    members = OrgRollup.objects.filter(organization=org).values_list("members", flat=True).first() or 0
    roles = {
        r: [m, s]
        for r, m, s in OrgRoleRollup.objects.filter(organization=org).values_list(
            "role_id", "members", "sharing_levels"
        )
        if m or s
    }
    items = {
        (r, i): [total, n]
        for r, i, total, n in OrgItemRollup.objects.filter(organization=org).values_list(
            "role_id", "skill_item_id", "level_sum", "assessed"
        )
        if total or n
    }
    return members, roles, items


@pytest.fixture
def world(standard, settings):
    settings.RECOMMENDER_DENSE = False
    catalog_import(
        data=catalog_json(
            [course_record(1, skills=[{"code": "DU04", "level": 3}]), course_record(2)],
        ),
        filename="c.json",
    )
    org, other = OrganizationFactory.create(), OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    ds, ba = Role.objects.get(code="DS_PRO", version=standard), Role.objects.get(code="BA_NEW", version=standard)
    items = {i.code: i for i in SkillItem.objects.filter(version=standard, code__in=["DU04", "BT01"])}
    people = []
    for n in range(6):
        p = LearnerFactory.create(user__username=f"m{n}", target_role=ds if n % 2 else ba)
        MembershipFactory.create(user=p.user, organization=org)
        people.append(p)
    return {"org": org, "other": other, "admin": admin, "ds": ds, "ba": ba, "items": items, "people": people}


def test_rollups_equal_a_recount_after_every_kind_of_change(world):
    org, other, people, items = world["org"], world["other"], world["people"], world["items"]
    du04 = items["DU04"]
    checks = []

    def check():
        assert stored(org) == recount(org)
        assert stored(other) == recount(other)
        checks.append(1)

    check()
    for n, p in enumerate(people):  # assessments through the service (bulk_create + levels_recorded)
        skill_assessments_record(learner=p, levels={du04: n % 5, items["BT01"]: 2})
    check()
    assert stored(org)[2][(world["ds"].pk, du04.pk)] == [1 + 3 + 0, 2]  # m1, m3, m5: levels 1, 3 and 0
    skill_assessments_record(learner=people[1], levels={du04: 0})  # lowering one's own level
    SkillAssessment.objects.create(  # a row saved elsewhere (admin, shell): the model signal
        learner=people[2], skill_item=du04, level=4, source="manager", assessed_at=timezone.now()
    )
    check()
    course = Course.objects.get(code=course_record(1)["code"])  # a completion through the ingest
    assert learner_progress_record(learner=people[3], course=course, kind="completed", key="k1").status == "created"
    check()
    learner_profile_update(profile=people[0], changes={"share_levels": False})  # consent withdrawn
    learner_profile_update(profile=people[1], changes={"share_target_role": False})
    learner_profile_update(profile=people[2], changes={"target_role": world["ds"]})  # role changed
    check()
    learner_profile_update(profile=people[0], changes={"share_levels": True})  # and given again
    check()
    MembershipFactory.create(user=people[4].user, organization=other)  # a second organization
    leaving = Membership.objects.get(user=people[5].user, organization=org)
    leaving.left_on = timezone.localdate()  # left the organization
    leaving.save()
    check()
    SkillAssessment.objects.filter(learner=people[3], source="self").earliest("pk").delete()
    check()
    learner_account_delete(learner=people[4])  # erasure, member of both organizations
    check()
    assert OrgMemberFact.objects.filter(learner_id=people[4].pk).count() == 0
    assert stored(org)[0] == 4 and stored(other)[0] == 0  # six, one left, one erased (the admin has no profile)
    before = stored(org)
    assert org_rollups_refresh(learner_ids=[p.pk for p in people]) == 0  # idempotent: nothing left to change
    org_rollups_rebuild()
    assert stored(org) == before
    other_pk = other.pk
    other.delete()
    assert not OrgRollup.objects.filter(organization_id=other_pk).exists()
    assert len(checks) == 9


def test_dashboard_heatmap_reads_the_rollup_within_consent(world, django_assert_max_num_queries):
    org, people, du04 = world["org"], world["people"], world["items"]["DU04"]
    for n, p in enumerate(people):
        skill_assessments_record(learner=p, levels={du04: 1 + n % 4})
    learner_profile_update(profile=people[1], changes={"share_levels": False})  # DS_PRO, level 2
    learner_profile_update(profile=people[5], changes={"share_target_role": False})  # DS_PRO, level 2
    with django_assert_max_num_queries(12):
        data = team_dashboard(organization=org)
    assert data["members"] == 6
    assert data["members_per_role"] == {"BA_NEW": 3, "DS_PRO": 2}
    rows = {r["role"]: r for r in data["heatmap"]}
    assert rows["DS_PRO"]["sharing_levels"] == 1  # only m3 (level 4): m1 hides levels, m5 hides the role
    cell = next(c for c in rows["DS_PRO"]["cells"] if c["skill"] == "DU04")
    assert cell["average"] == 4.0
    ba = next(c for c in rows["BA_NEW"]["cells"] if c["skill"] == "DU04")
    assert ba["average"] == round((1 + 3 + 1) / 3, 2)  # m0, m2, m4


def test_dashboard_tracks_count_like_track_progress(world):
    org, people = world["org"], world["people"]
    course = Course.objects.get(code=course_record(1)["code"])
    track = track_create(organization=org, name="T", courses=[(course, 5, True)])
    track_assign(track=track, learners=people[:3], due_on=None, assigned_by=world["admin"])
    TrackAssignment.objects.filter(track=track).update(assigned_on=timezone.localdate() - timedelta(days=30))
    learner_progress_record(learner=people[0], course=course, kind="completed", key="done")
    learner_profile_update(profile=people[2], changes={"share_track_progress": False})
    (summary,) = team_dashboard(organization=org)["tracks"]
    assert (summary["assignees"], summary["sharing"], summary["completed"]) == (3, 2, 1)
    assert summary["overdue"] == [str(people[1].public_id)]


def test_member_pages_walk_every_member_once_with_filters(world):
    org, extra = world["org"], []
    for n in range(40):
        p = LearnerFactory.create(user__username=f"x{n:02d}", share_track_progress=n % 3 != 0)
        MembershipFactory.create(user=p.user, organization=org)
        extra.append(p)
    course = Course.objects.get(code=course_record(1)["code"])
    track = track_create(organization=org, name="T", courses=[(course, 5, True)])
    track_assign(track=track, learners=extra[:24], due_on=None, assigned_by=world["admin"])
    late = [p.pk for p in extra[:12]]
    TrackAssignment.objects.filter(track=track, learner_id__in=late).update(
        assigned_on=timezone.localdate() - timedelta(days=30)
    )
    for p in extra[8:16]:
        learner_progress_record(learner=p, course=course, kind="completed", key=f"c{p.pk}")
    for status in ("", *MEMBER_STATUSES):
        seen, cursor, numbers = [], None, []
        while True:
            page = team_member_page(organization=org, status=status, cursor=cursor, per_page=7)
            seen += [r.learner.user.username for r in page.items]
            numbers.append(page.number)
            if not page.next:
                break
            cursor = Cursor.decode(page.next)
        expected = [r.learner.user.username for r in team_member_rows(organization=org, status=status)]
        assert seen == expected and page.count == len(expected) and expected
        assert numbers == list(range(1, len(numbers) + 1))
    page = team_member_page(organization=org, query="x1", per_page=5)
    assert [r.name for r in page.items] == [f"x1{n}" for n in range(5)] and page.count == 10
    assert page.next is not None
    back = team_member_page(organization=org, query="x1", per_page=5, cursor=Cursor.decode(page.next))
    assert back.previous is not None
    previous = team_member_page(organization=org, query="x1", per_page=5, cursor=Cursor.decode(back.previous))
    assert [r.name for r in previous.items] == [r.name for r in page.items] and previous.previous is None


def test_members_api_pages_with_a_cursor_and_refuses_a_bad_one(world):
    client = APIClient()
    client.force_authenticate(world["admin"])
    url = f"/api/v1/orgs/{world['org'].pk}/members"
    seen, params = [], {"limit": "3"}
    while True:
        response = client.get(url, params)
        assert response.status_code == 200
        seen += [r["username"] for r in response.json()]
        if "X-Next-Cursor" not in response:
            assert "Link" not in response
            break
        assert 'rel="next"' in response["Link"] and "cursor=" in response["Link"]
        params = {"limit": "3", "cursor": response["X-Next-Cursor"]}
    assert seen == sorted(p.user.username for p in members_of(organization=world["org"]))
    bad = client.get(url, {"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and "cursor" in bad.json()
    assert client.get(url, {"cursor": Cursor(True, "m", 1).encode() + "x"}).status_code == 400
    too_many = client.get(url, {"limit": 100_000})
    assert too_many.status_code == 400 and "limit" in too_many.json()


def test_the_migration_counts_existing_members_like_the_rollups(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("learners.migrations.0008_org_rollups")
    for n, p in enumerate(world["people"]):
        skill_assessments_record(learner=p, levels={world["items"]["DU04"]: n % 5})
    learner_profile_update(profile=world["people"][1], changes={"share_levels": False})
    expected = stored(world["org"])
    migration.empty_rollups(apps, None)
    assert stored(world["org"]) == (0, {}, {})
    migration.fill_rollups(apps, None)
    assert stored(world["org"]) == expected == recount(world["org"])
    assert org_rollups_refresh(learner_ids=[p.pk for p in world["people"]]) == 0  # facts are the same too
