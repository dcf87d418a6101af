"""Security settings that hold across the product: CSRF on every form, headers, body limits, secrets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[1]
POST_FORM = re.compile(r"<form\b[^>]*\bmethod\s*=\s*[\"']?post[\"']?[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def _project_templates() -> list[Path]:
    found = []
    for path in ROOT.rglob("*.html"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {".venv", "staticfiles", "node_modules", "bench"}:
            continue
        if "templates" in parts:
            found.append(path)
    return sorted(found)


def test_every_post_form_in_every_template_carries_a_csrf_token():
    templates = _project_templates()
    assert len(templates) >= 15
    forms = 0
    missing = []
    for path in templates:
        for body in POST_FORM.findall(path.read_text(encoding="utf-8")):
            forms += 1
            if "{% csrf_token %}" not in body:
                missing.append(str(path.relative_to(ROOT)))
    assert missing == []
    assert forms >= 9  # log-in, sign-up, log-out, language, onboarding x3, plan, account deletion


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/", "/me/delete/", "/i18n/setlang/"])
def test_a_post_without_the_csrf_token_is_refused(path):
    user = User.objects.create_user("hanako", password="a-long-Passw0rd!")
    client = Client(enforce_csrf_checks=True)
    if path == "/me/delete/":
        client.force_login(user)
    response = client.post(path, {"username": "hanako", "password": "a-long-Passw0rd!"})
    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/v1/ping", "/api/docs/", "/accounts/login/"])
def test_secure_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_pages_need_no_inline_script(client, standard):
    """script-src 'self' forbids inline scripts: none of the pages may rely on one."""
    for path in ("/", "/api/docs/", "/courses/", "/standard/", "/accounts/login/"):
        html = client.get(path).content.decode()
        inline = [m for m in re.findall(r"<script\b([^>]*)>", html) if "src=" not in m]
        assert inline == [], path
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def _provider_client():
    from courses.models import Provider
    from courses.tests.factories import PROVIDER

    user = User.objects.create_user("provider", password="a-long-Passw0rd!")
    Provider.objects.create(name_ja=PROVIDER).members.add(user)
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_a_catalog_file_over_the_limit_is_refused_with_413(standard, settings):
    from courses.models import Course, ImportRun
    from courses.tests.factories import catalog_json, course_record

    settings.REQUEST_BODY_LIMITS = {**settings.REQUEST_BODY_LIMITS, "/api/v1/catalog/imports/": 2000}
    client = _provider_client()
    small = catalog_json([course_record(1)])
    big = catalog_json([course_record(n) for n in range(1, 20)])
    assert len(small) < 2000 < len(big)
    response = client.post("/api/v1/catalog/imports/", big, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == f"The request body is {len(big)} bytes; at most 2000 bytes are accepted here."
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("catalog.json", big, content_type="application/json")
    assert client.post("/api/v1/catalog/imports/", {"file": upload}, format="multipart").status_code == 413
    assert not Course.objects.exists() and not ImportRun.objects.exists()
    assert client.post("/api/v1/catalog/imports/", small, content_type="application/json").status_code == 201
    empty = client.post("/api/v1/catalog/imports/", b"", content_type="application/json")
    assert empty.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/progress-events/", "/api/v1/xapi/statements"])
def test_progress_batches_over_the_limit_are_refused_with_413(standard, settings, path):
    settings.REQUEST_BODY_LIMITS = {**settings.REQUEST_BODY_LIMITS, path: 1000}
    client = _provider_client()
    events = [{"idempotency_key": f"k{n}", "learner": "x", "course": 1, "kind": "enrolled"} for n in range(40)]
    response = client.post(path, {"events": events} if "progress" in path else events, format="json")
    assert response.status_code == 413
    assert "at most 1000 bytes" in response.json()["detail"]


@pytest.mark.django_db
def test_other_endpoints_accept_at_most_data_upload_max_memory_size(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 500
    user = User.objects.create_user("hanako", password="a-long-Passw0rd!")
    client = APIClient()
    client.force_authenticate(user)
    response = client.patch("/api/v1/me/profile", {"preferred_formats": ["e-learning"] * 100}, format="json")
    assert response.status_code == 413


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "DATABASE_URL"))}
    env.update(DJANGO_DEBUG="false", ALLOWED_HOSTS="dxpathways.example.jp", **extra)
    return env


def test_production_refuses_the_development_secret_key():
    from config import settings as project_settings

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_env(SECRET_KEY=project_settings._DEV_SECRET_KEY),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr


def test_secrets_come_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECRET_KEY, s.DATABASES['default']['PASSWORD'], s.CELERY_BROKER_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=_env(
            DJANGO_SETTINGS_MODULE="config.settings",
            SECRET_KEY="s3cret-from-the-environment-0123456789-abcdefghijklmnopqrstuvwxyz",
            DATABASE_URL="postgres://app:db-pass-from-env@db.internal:5432/dxp",
            CELERY_BROKER_URL="redis://:broker-pass@redis.internal:6379/0",
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "s3cret-from-the-environment-0123456789-abcdefghijklmnopqrstuvwxyz",
        "db-pass-from-env",
        "redis://:broker-pass@redis.internal:6379/0",
    ]


def test_no_secrets_are_committed():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert ".env" not in files
    patterns = [
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        re.compile(r"\bdxp_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}"),  # an issued API key
        re.compile(r"\b(?:postgres|redis|amqp)://[^:@/\s]+:[^@/\s]{6,}@(?!db\.internal|redis\.internal)"),
        re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    ]
    found = []
    for name in files:
        path = ROOT / name
        if path.suffix in {".mo", ".png", ".ico", ".woff2"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{name}: {p.pattern}" for p in patterns if p.search(text)]
    assert found == []


def test_a_chunked_body_without_length_is_refused_with_411(client):
    response = client.generic(
        "POST", "/api/v1/progress-events/", b"", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]
