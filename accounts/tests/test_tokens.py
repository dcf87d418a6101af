import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken, RoleGroup
from accounts.services import api_token_issue, api_token_revoke, user_has_role, user_role_grant
from courses.models import Provider
from learners.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_key_is_stored():
    user = UserFactory.create()
    token, key = api_token_issue(user=user, name="lms")
    assert key.startswith(f"dxp_{token.prefix}_")
    stored = ApiToken.objects.get()
    assert key not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64


def test_bearer_token_authenticates_and_revocation_stops_it(standard):
    user = UserFactory.create()
    Provider.objects.create(name_ja="提供者").members.add(user)
    token, key = api_token_issue(user=user, name="lms")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.post("/api/v1/progress-events/", {"events": []}, format="json").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key[:-2]}xx")
    assert client.post("/api/v1/progress-events/", {"events": []}, format="json").status_code == 401
    api_token_revoke(token=token)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.post("/api/v1/progress-events/", {"events": []}, format="json").status_code == 401


def test_role_groups_exist_and_can_be_granted():
    user = UserFactory.create()
    assert not user_has_role(user, RoleGroup.MINISTRY)
    user_role_grant(user=user, role=RoleGroup.MINISTRY)
    user_role_grant(user=user, role=RoleGroup.MINISTRY)
    assert user_has_role(user, RoleGroup.MINISTRY)
    assert user.groups.count() == 1


def test_every_issued_key_authenticates(standard):
    """Secrets may contain '_' and '-': parsing must not depend on their content."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from accounts.authentication import ApiTokenAuthentication

    user = UserFactory.create()
    auth = ApiTokenAuthentication()
    for n in range(40):
        _token, key = api_token_issue(user=user, name=f"t{n}")
        request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {key}"))
        result = auth.authenticate(request)
        assert result is not None
        assert result[0] == user
