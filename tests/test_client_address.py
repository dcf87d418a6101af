"""The client address: X-Forwarded-For only through NUM_PROXIES (issue 16)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from rest_framework.test import APIClient

from common import network
from common.network import client_address

PASSWORD = "a-long-Passw0rd!"


def _request(remote: str = "203.0.113.9", xff: str | None = None):
    request = RequestFactory().get("/")
    request.META["REMOTE_ADDR"] = remote
    if xff is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = xff
    return request


def test_without_num_proxies_the_header_is_ignored(settings):
    settings.NUM_PROXIES = 0
    assert client_address(_request(xff="198.51.100.1")) == "203.0.113.9"


def test_with_num_proxies_only_that_many_hops_are_trusted(settings):
    settings.NUM_PROXIES = 1
    # the client wrote "1.2.3.4"; our one proxy appended the address it saw
    assert client_address(_request(remote="10.0.0.2", xff="1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    settings.NUM_PROXIES = 2
    assert client_address(_request(remote="10.0.0.2", xff="1.2.3.4, 198.51.100.7, 10.0.0.1")) == "198.51.100.7"
    # fewer hops than proxies, or a hop that is not an address: the peer
    assert client_address(_request(remote="10.0.0.2", xff="198.51.100.7")) == "10.0.0.2"
    settings.NUM_PROXIES = 1
    assert client_address(_request(remote="10.0.0.2", xff="not-an-address")) == "10.0.0.2"


@pytest.mark.django_db
def test_a_rotating_header_does_not_reset_the_address_lockout(client, settings):
    settings.NUM_PROXIES = 0
    settings.AUTH_LOCKOUT = {**settings.AUTH_LOCKOUT, "ip": (3, 900)}
    User.objects.create_user("hanako", password=PASSWORD)
    for n in range(3):
        client.post(
            "/accounts/login/", {"username": f"someone{n}", "password": "guess"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        )
    locked = client.post(
        "/accounts/login/", {"username": "hanako", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="192.0.2.200"
    )
    assert locked.status_code == 429


@pytest.mark.django_db
def test_a_rotating_first_hop_does_not_reset_the_lockout_behind_a_proxy(client, settings):
    settings.NUM_PROXIES = 1
    settings.AUTH_LOCKOUT = {**settings.AUTH_LOCKOUT, "ip": (3, 900)}
    User.objects.create_user("hanako", password=PASSWORD)
    for n in range(3):
        client.post(
            "/accounts/login/",
            {"username": f"someone{n}", "password": "guess"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7",
        )
    locked = client.post(
        "/accounts/login/",
        {"username": "hanako", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7",
    )
    assert locked.status_code == 429
    # another real client (a different last hop) is not locked
    other = client.post(
        "/accounts/login/",
        {"username": "hanako", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.8",
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_a_rotating_header_does_not_reset_the_anonymous_throttle(settings, monkeypatch):
    settings.NUM_PROXIES = 0
    monkeypatch.setattr(network.AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    client = APIClient()
    answers = [client.get("/api/v1/standard/roles/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(5)]
    assert 429 not in answers[:3]
    assert answers[3:] == [429, 429]
