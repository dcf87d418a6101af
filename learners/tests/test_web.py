"""The learner web app and the employer's team page, through Django's test client."""

import re

import pytest
from django.contrib.auth.models import User

from learners.models import LearnerProfile, Membership, SkillAssessment
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _h1(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_signup_onboarding_and_my_learning(client, standard, lang):
    client.cookies["dxp_language"] = lang
    response = client.post(
        "/accounts/signup/", {"username": "hanako", "password1": "a-long-Passw0rd!", "password2": "a-long-Passw0rd!"}
    )
    assert response.status_code == 302 and response["Location"] == "/me/onboarding/role/"
    user = User.objects.get(username="hanako")
    assert user.groups.filter(name="learner").exists()
    html = client.get("/me/onboarding/role/").content.decode()
    assert _h1(html) == 1 and html.count('name="target_role"') == 15
    role = standard.roles.get(code="DS_PRO")
    assert client.post("/me/onboarding/role/", {"target_role": role.pk})["Location"] == "/me/onboarding/skills/"
    html = client.get("/me/onboarding/skills/").content.decode()
    strong = role.requirements.filter(grade__in=["a", "b"]).select_related("skill_item")
    assert html.count('type="radio"') == 5 * strong.count()
    answers = {f"item_{r.skill_item.code}": "2" for r in strong}
    assert client.post("/me/onboarding/skills/", answers)["Location"] == "/me/onboarding/constraints/"
    assert SkillAssessment.objects.filter(learner__user=user, source="self", level=2).count() == strong.count()
    response = client.post(
        "/me/onboarding/constraints/",
        {
            "weekly_hours": "4",
            "budget_jpy": "30000",
            "preferred_formats": ["e-learning"],
            "preferred_language": lang,
            "prefecture": "13",
        },
    )
    assert response["Location"] == "/me/"
    profile = LearnerProfile.objects.get(user=user)
    assert profile.onboarded_at is not None and profile.budget_jpy == 30000
    html = client.get("/me/").content.decode()
    assert _h1(html) == 1 and f'<html lang="{lang}">' in html
    assert html.count('class="track"') >= 5  # one bar per category


def test_onboarding_errors_are_shown_and_nothing_saved(client, standard):
    user = User.objects.create_user("taro", password="a-long-Passw0rd!")
    client.force_login(user)
    response = client.post("/me/onboarding/role/", {"target_role": "999999"})
    assert response.status_code == 400
    response = client.post(
        "/me/onboarding/constraints/", {"weekly_hours": "500", "budget_jpy": "-3", "preferred_language": "ja"}
    )
    assert response.status_code == 400
    assert LearnerProfile.objects.get(user=user).onboarded_at is None


def test_pages_need_login(client, standard):
    assert client.get("/me/")["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/login/").status_code == 200


def test_team_page_for_its_admin_only(client, standard):
    org, other = OrganizationFactory.create(), OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    learner = LearnerFactory.create(target_role=standard.roles.get(code="DS_PRO"))
    MembershipFactory.create(user=learner.user, organization=org)
    client.force_login(admin)
    html = client.get(f"/team/{org.pk}/", {"lang": "en"}).content.decode()
    assert _h1(html) == 1 and "Skill gaps by role" in html
    assert html.count('<td class="g') == 49
    assert "Data Science Professional" in html  # the role's name heads its row
    assert client.get(f"/team/{other.pk}/").status_code == 404
    assert client.get("/team/")["Location"] == f"/team/{org.pk}/"
    client.force_login(learner.user)
    assert client.get(f"/team/{org.pk}/").status_code == 404
