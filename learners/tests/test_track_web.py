"""An employer builds a track in the web app and assigns it; only for its own organization."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Course
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.models import Membership, Track, TrackAssignment
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(standard, settings):
    settings.RECOMMENDER_DENSE = False
    catalog_import(
        data=catalog_json(
            [
                course_record(1, skills=[{"code": "DU05", "level": 3}], level=3),
                course_record(2, skills=[{"code": "DU04", "level": 2}], level=1),
                course_record(3, skills=[{"code": "BT15", "level": 2}]),
            ]
        ),
        filename="c.json",
    )
    org, other = OrganizationFactory.create(), OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    members = [LearnerFactory.create() for _ in range(3)]
    for m in members:
        MembershipFactory.create(user=m.user, organization=org)
    outsider = LearnerFactory.create()
    MembershipFactory.create(user=outsider.user, organization=other)
    return {"org": org, "other": other, "admin": admin, "members": members, "outsider": outsider}


def test_create_a_track_for_a_role_and_assign_it_to_three_members(client, team, standard):
    client.force_login(team["admin"])
    role = standard.roles.get(code="DS_PRO")
    html = client.get(f"/team/{team['org'].pk}/tracks/new/", {"target_role": role.pk, "lang": "en"}).content.decode()
    ds = Course.objects.filter(code__in=["T-001", "T-002"])
    assert all(f'name="courses" value="{c.pk}"' in html for c in ds)
    design = Course.objects.get(code="T-003")
    assert f'name="courses" value="{design.pk}"' not in html  # design is not a key skill of DS_PRO
    assert html.count('name="members"') == 3 and "csrfmiddlewaretoken" in html
    due = timezone.localdate() + timedelta(days=30)
    response = client.post(
        f"/team/{team['org'].pk}/tracks/new/?lang=en",
        {
            "name": "Data science basics",
            "target_role": role.pk,
            "courses": [c.pk for c in ds],
            "due_on": due.isoformat(),
            "members": [m.pk for m in team["members"]],
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/team/{team['org'].pk}/"
    track = Track.objects.get(organization=team["org"])
    assert [i.course.code for i in track.items.order_by("position")] == ["T-002", "T-001"]  # easier first
    assert TrackAssignment.objects.filter(track=track, due_on=due).count() == 3
    assert [i.due_offset_days for i in track.items.order_by("position")] == [15, 30]  # by hours, 12 + 12
    html = client.get(f"/team/{team['org'].pk}/", {"lang": "en"}).content.decode()
    assert "Data science basics" in html and "created and assigned to 3 members" in html


def test_bad_track_input_is_reported_per_field_and_nothing_is_stored(client, team, standard):
    client.force_login(team["admin"])
    response = client.post(
        f"/team/{team['org'].pk}/tracks/new/",
        {
            "name": "",
            "courses": [],
            "due_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "members": [team["outsider"].pk],
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"name", "courses", "due_on", "members"} <= set(errors)
    assert not Track.objects.exists()


def test_only_the_organizations_admin_builds_its_tracks(client, team):
    client.force_login(team["members"][0].user)
    assert client.get(f"/team/{team['org'].pk}/tracks/new/").status_code == 404
    client.force_login(team["admin"])
    assert client.get(f"/team/{team['other'].pk}/tracks/new/").status_code == 404


def test_the_track_builder_proposes_a_ladder_and_filters_the_rest(client, standard, settings):
    settings.RECOMMENDER_DENSE = False
    catalog_import(
        data=catalog_json(
            [
                course_record(1, title_en="Stats 2", skills=[{"code": "DU04", "level": 2}], level=2),
                course_record(2, title_en="Stats 1", skills=[{"code": "DU04", "level": 1}], level=1),
                course_record(3, title_en="ML 1", skills=[{"code": "DU05", "level": 1}], level=1, format="live-online"),
                course_record(4, title_en="Advanced ML", skills=[{"code": "DU05", "level": 4}], level=4),
            ]
        ),
        filename="c.json",
    )
    org = OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    client.force_login(admin)
    role = standard.roles.get(code="DS_PRO")
    url = f"/team/{org.pk}/tracks/new/"
    html = client.get(url, {"target_role": role.pk, "lang": "en"}).content.decode()
    codes = {c.code: c.pk for c in Course.objects.all()}
    ticked = [pk for pk in codes.values() if _ticked(html, pk)]
    order = [html.index(f'name="courses" value="{codes[c]}"') for c in ("T-002", "T-003", "T-001")]
    assert order == sorted(order)  # level 1 courses first, then the level-2 step of DU04
    assert f'name="courses" value="{codes["T-004"]}"' in html  # offered (it teaches DU05) but not proposed
    assert codes["T-004"] not in ticked and len(ticked) == 3
    # Filters: only live-online courses are proposed and offered; a target level of 1 stops the ladder at 1.
    live = client.get(url, {"target_role": role.pk, "format": "live-online"}).content.decode()
    assert _ticked(live, codes["T-003"]) and f'name="courses" value="{codes["T-002"]}"' not in live
    capped = client.get(url, {"target_role": role.pk, "target_level": "1"}).content.decode()
    assert not _ticked(capped, codes["T-001"]) and _ticked(capped, codes["T-002"])


def _ticked(html: str, pk: int) -> bool:
    return re.search(rf'<input[^>]*name="courses" value="{pk}"[^>]*checked', html) is not None


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_track_forms_role_choices_are_in_the_pages_language(client, team, standard, lang):
    client.force_login(team["admin"])
    role = standard.roles.get(code="DS_PRO")
    html = client.get(f"/team/{team['org'].pk}/tracks/new/", {"target_role": role.pk, "lang": lang}).content.decode()
    select = re.search(r'<select name="target_role"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    shown, other = (role.name_en, role.name_ja) if lang == "en" else (role.name_ja, role.name_en)
    assert f"DS_PRO {shown}</option>" in select.group(1) and other not in select.group(1)
