"""Issue 21 item 3: the employer's member table, track detail page, reminders and assignment by role group,
always within each member's consent and only for the organization's own admin."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEntry
from courses.models import Course
from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record
from learners.models import Enrollment, EnrollmentStatus, Membership, TrackAssignment
from learners.selectors import member_progress_of, team_member_rows
from learners.services import track_assign, track_create, track_remind
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(standard, settings):
    settings.RECOMMENDER_DENSE = False
    catalog_import(data=catalog_json([course_record(1), course_record(2)]), filename="c.json")
    org, other = OrganizationFactory.create(), OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    other_admin = MembershipFactory.create(organization=other, kind=Membership.Kind.ADMIN).user
    ds, bt = standard.roles.get(code="DS_PRO"), standard.roles.get(code="BA_NEW")

    def member(username, role, **consent):
        p = LearnerFactory.create(user__username=username, target_role=role, **consent)
        MembershipFactory.create(user=p.user, organization=org)
        return p

    people = {
        "aiko": member("aiko", ds),  # behind: assigned 40 days ago, nothing done
        "bunta": member("bunta", ds),  # done
        "chika": member("chika", bt),  # no track
        "daichi": member("daichi", ds, share_target_role=False, share_track_progress=False),  # shares nothing
    }
    c1, c2 = Course.objects.order_by("pk")
    track = track_create(organization=org, name="Data basics", courses=[(c1, 10, True), (c2, 20, False)])
    track_assign(
        track=track, learners=[people["aiko"], people["bunta"], people["daichi"]], due_on=None, assigned_by=admin
    )
    TrackAssignment.objects.filter(track=track).update(assigned_on=timezone.localdate() - timedelta(days=40))
    Enrollment.objects.create(
        learner=people["bunta"],
        course=c1,
        status=EnrollmentStatus.COMPLETED,
        percent=100,
        enrolled_at=timezone.now(),
        completed_at=timezone.now(),
    )
    return {"org": org, "other": other, "admin": admin, "other_admin": other_admin, "track": track, **people}


def test_member_rows_carry_role_progress_and_overdue_within_consent(org):
    rows = {r.name: r for r in team_member_rows(organization=org["org"])}
    assert set(rows) == {"aiko", "bunta", "chika", "daichi"}
    assert (rows["aiko"].status, rows["aiko"].overdue, rows["aiko"].percent) == ("overdue", True, 0)
    assert (rows["bunta"].status, rows["bunta"].percent) == ("complete", 100)
    assert rows["chika"].status == "no_track" and rows["chika"].role.code == "BA_NEW"
    daichi = rows["daichi"]
    assert (daichi.role, daichi.status, daichi.overdue, daichi.required_done) == (None, "not_shared", None, None)
    assert [r.name for r in team_member_rows(organization=org["org"], role_code="DS_PRO")] == ["aiko", "bunta"]
    assert [r.name for r in team_member_rows(organization=org["org"], status="overdue")] == ["aiko"]
    assert [r.name for r in team_member_rows(organization=org["org"], query="CHIK")] == ["chika"]
    assert team_member_rows(organization=org["other"]) == []


def test_member_progress_is_set_based(org, django_assert_max_num_queries):
    for _n in range(30):
        p = LearnerFactory.create()
        MembershipFactory.create(user=p.user, organization=org["org"])
        track_assign(track=org["track"], learners=[p], due_on=None, assigned_by=None)
    with django_assert_max_num_queries(3):
        progress = member_progress_of(organization=org["org"])
    assert len(progress) == 33


@pytest.mark.parametrize(
    ("lang", "role_name", "overdue"), [("ja", "name_ja", "期限超過"), ("en", "name_en", "Overdue")]
)
def test_team_page_member_table_in_both_languages(client, org, standard, lang, role_name, overdue):
    client.force_login(org["admin"])
    html = client.get(f"/team/{org['org'].pk}/", {"lang": lang}).content.decode()
    ds = getattr(standard.roles.get(code="DS_PRO"), role_name)
    row = html.split('<tr class="status-overdue">')[1].split("</tr>")[0]
    assert "aiko" in row and ds in row and overdue in row
    daichi = html.split("daichi")[1].split("</tr>")[0]
    assert ds not in daichi and 'class="muted"' in daichi  # role and progress not shared
    assert f'href="/team/{org["org"].pk}/tracks/{org["track"].pk}/"' in html
    assert 'class="heat-legend"' in html and 'class="scroll-cue"' in html and 'class="heat-phone"' in html
    item = standard.skill_items.order_by("position").first()
    assert escape(getattr(item, role_name)) in html and f"<code>{item.code}</code>" in html  # item names with codes
    filtered = client.get(f"/team/{org['org'].pk}/", {"lang": lang, "status": "overdue"}).content.decode()
    assert filtered.count('<tr class="status-') == 1


def test_member_table_pages(client, org, settings):
    for n in range(30):
        p = LearnerFactory.create(user__username=f"zz{n:02d}")
        MembershipFactory.create(user=p.user, organization=org["org"])
    client.force_login(org["admin"])
    first = client.get(f"/team/{org['org'].pk}/", {"lang": "en"}).content.decode()
    assert first.count('<tr class="status-') == 25 and "Page 1 of 2" in first
    found = re.search(r'rel="next" href="\?cursor=([^"#&]+)', first)
    assert found is not None
    cursor = found.group(1)
    second = client.get(f"/team/{org['org'].pk}/", {"lang": "en", "cursor": cursor}).content.decode()
    assert second.count('<tr class="status-') == 9 and "zz29" in second and "Page 2 of 2" in second
    assert 'rel="next"' not in second
    found = re.search(r'rel="prev" href="\?cursor=([^"#&]+)', second)
    assert found is not None
    back = found.group(1)
    again = client.get(f"/team/{org['org'].pk}/", {"lang": "en", "cursor": back}).content.decode()
    assert again.count('<tr class="status-') == 25 and "Page 1 of 2" in again and "zz29" not in again
    assert client.get(f"/team/{org['org'].pk}/", {"cursor": "x", "status": "bogus", "role": "<"}).status_code == 200


def test_track_detail_lists_only_consenting_assignees(client, org):
    client.force_login(org["admin"])
    response = client.get(f"/team/{org['org'].pk}/tracks/{org['track'].pk}/", {"lang": "en"})
    html = response.content.decode()
    assert response.status_code == 200 and "<h1>Data basics</h1>" in html
    assert "aiko" in html and "bunta" in html and "daichi" not in html
    assert str(org["daichi"].public_id) not in html
    assert "1 assignee does not share track progress" in html
    assert AuditEntry.objects.filter(event="track.page", object_id=str(org["track"].pk)).count() == 1


def test_another_organizations_admin_gets_404_on_track_detail_remind_and_assign(client, org):
    base = f"/team/{org['org'].pk}/tracks/{org['track'].pk}/"
    client.force_login(org["other_admin"])
    assert client.get(base).status_code == 404
    assert client.post(base + "remind/").status_code == 404
    assert client.post(base + "assign-role/", {"role": "BA_NEW"}).status_code == 404
    assert client.get(f"/team/{org['other'].pk}/tracks/{org['track'].pk}/").status_code == 404  # not its track
    client.force_login(org["aiko"].user)  # a member, not an admin
    assert client.get(base).status_code == 404
    assert client.post(base + "remind/").status_code == 404
    assert mail.outbox == []
    assert not TrackAssignment.objects.filter(learner=org["chika"]).exists()
    client.logout()
    assert client.get(base)["Location"].startswith("/accounts/login/")
    assert client.get(base + "remind/").status_code in (302, 405)


def test_remind_emails_each_assignee_behind_once_a_day(org):
    today = timezone.localdate()
    report = track_remind(track=org["track"], sent_by=org["admin"], today=today)
    assert report.sent == [org["aiko"].pk]  # bunta is done; daichi does not share progress
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["aiko@example.org"]
    assert "Data basics" in mail.outbox[0].subject and "/me/" in mail.outbox[0].body
    entry = AuditEntry.objects.get(event="track.remind")
    assert entry.object_id == str(org["track"].pk) and entry.subject_ref and "aiko" not in str(entry.detail)
    again = track_remind(track=org["track"], sent_by=org["admin"], today=today)
    assert again.sent == [] and again.already_today == [org["aiko"].pk] and len(mail.outbox) == 1
    tomorrow = track_remind(track=org["track"], sent_by=org["admin"], today=today + timedelta(days=1))
    assert tomorrow.sent == [org["aiko"].pk] and len(mail.outbox) == 2


def test_remind_in_the_learners_language(org):
    org["aiko"].preferred_language = "en"
    org["aiko"].save()
    track_remind(track=org["track"], sent_by=None)
    assert mail.outbox[0].subject.startswith("Reminder")
    TrackAssignment.objects.update(reminded_on=None)
    org["aiko"].preferred_language = "ja"
    org["aiko"].save()
    track_remind(track=org["track"], sent_by=None)
    assert "リマインド" in mail.outbox[1].subject


def test_remind_through_the_page(client, org):
    client.force_login(org["admin"])
    url = f"/team/{org['org'].pk}/tracks/{org['track'].pk}/remind/"
    response = client.post(url + "?lang=en", follow=True)
    assert "Reminder sent to 1 person." in response.content.decode() and len(mail.outbox) == 1
    response = client.post(url + "?lang=ja", follow=True)
    assert "1 人には今日すでにリマインド済み" in response.content.decode() and len(mail.outbox) == 1


def test_assign_by_role_group_previews_then_assigns(client, org, standard):
    client.force_login(org["admin"])
    newcomer = LearnerFactory.create(user__username="emi", target_role=standard.roles.get(code="DS_PRO"))
    MembershipFactory.create(user=newcomer.user, organization=org["org"])
    hidden = LearnerFactory.create(
        user__username="fumi", target_role=standard.roles.get(code="DS_PRO"), share_target_role=False
    )
    MembershipFactory.create(user=hidden.user, organization=org["org"])
    base = f"/team/{org['org'].pk}/tracks/{org['track'].pk}/"
    html = client.get(base, {"lang": "en", "role": "DS_PRO"}).content.decode()
    preview = html.split('class="preview-new"')[1].split("</ul>")[0]
    assert "emi" in preview and "fumi" not in preview and "aiko" not in preview  # aiko already has it
    assert "Assign to 1 member" in html and "2 members with this role already have it" in html
    response = client.post(base + "assign-role/?lang=en", {"role": "DS_PRO"})
    assert response.status_code == 302
    assert set(
        TrackAssignment.objects.filter(track=org["track"]).values_list("learner__user__username", flat=True)
    ) == {
        "aiko",
        "bunta",
        "daichi",
        "emi",
    }
    bad = client.post(base + "assign-role/?lang=en", {"role": "NOPE"})
    html = bad.content.decode()
    assert bad.status_code == 400 and 'aria-describedby="assign-role-error"' in html
    assert 'id="assign-role-error"' in html and "Choose a role." in html


def test_track_builder_errors_are_described_next_to_their_fields(client, org):
    client.force_login(org["admin"])
    response = client.post(f"/team/{org['org'].pk}/tracks/new/?lang=en", {"name": "", "courses": [], "due_on": "x"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="id_name-error"' in html and 'id="id_name-error"' in html
    assert 'aria-describedby="id_due_on-error"' in html and 'aria-invalid="true"' in html
