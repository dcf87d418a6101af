"""Lock-out after repeated failures: web log-in, admin log-in, API keys; password rules at sign-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuthFailure
from accounts.services import api_token_issue

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-Passw0rd!"


def _login(client, password, username="hanako"):
    return client.post("/accounts/login/?lang=en", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_web_login(client):
    User.objects.create_user("hanako", password=PASSWORD)
    for _ in range(5):
        response = _login(client, "wrong-password")
        assert response.status_code == 200 and "did not match" in response.content.decode()
    locked = _login(client, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # the lock ends with the window
    AuthFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert _login(client, PASSWORD).status_code == 302


def test_a_success_clears_earlier_failures(client):
    User.objects.create_user("hanako", password=PASSWORD)
    for _ in range(4):
        _login(client, "wrong-password")
    assert _login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "wrong-password")
    assert _login(client, PASSWORD).status_code == 302


def test_failures_are_stored_without_the_user_name():
    from django.test import Client

    User.objects.create_user("hanako", password=PASSWORD)
    _login(Client(), "wrong-password")
    stored = list(AuthFailure.objects.values_list("scope", "key"))
    assert sorted(s for s, _ in stored) == ["ip", "user"]
    assert all("hanako" not in key and "127.0.0.1" not in key for _, key in stored)


def test_the_admin_login_is_locked_too(client):
    User.objects.create_user("boss", password=PASSWORD, is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "boss", "password": "wrong-password"})
    response = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 200  # the form again, not the redirect into the admin
    assert "_auth_user_id" not in client.session


def test_many_user_names_from_one_address_lock_the_address(client, settings):
    settings.AUTH_LOCKOUT = {**settings.AUTH_LOCKOUT, "ip": (3, 900)}
    User.objects.create_user("hanako", password=PASSWORD)
    for n in range(3):
        _login(client, "guess", username=f"someone{n}")
    assert _login(client, PASSWORD).status_code == 429


def test_invalid_api_keys_lock_out_the_address():
    user = User.objects.create_user("lms", password=PASSWORD)
    _token, key = api_token_issue(user=user, name="lms")
    client = APIClient()
    for n in range(20):
        client.credentials(HTTP_AUTHORIZATION=f"Bearer dxp_{n:012d}_guessed")
        assert client.get("/api/v1/me/profile").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    locked = client.get("/api/v1/me/profile")
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    AuthFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert client.get("/api/v1/me/profile").status_code == 200


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "too short"),
        ("password123", "too common"),
        ("1234567890123", "entirely numeric"),
        ("hanako-yamada", "too similar"),
    ],
)
def test_signup_refuses_weak_passwords(client, password, reason):
    response = client.post(
        "/accounts/signup/",
        {"username": "hanako-yamada", "password1": password, "password2": password},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not User.objects.filter(username="hanako-yamada").exists()


def test_an_operator_can_lift_a_lock(client):
    from django.core.management import call_command

    User.objects.create_user("hanako", password=PASSWORD)
    for _ in range(5):
        _login(client, "wrong-password")
    assert _login(client, PASSWORD).status_code == 429
    call_command("auth_unlock", "--user", "hanako", "--address", "127.0.0.1")
    assert _login(client, PASSWORD).status_code == 302
