import gettext
import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from common.i18n import normalize_lang

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en", "en"), ("EN-us", "en"), ("ja-JP", "ja"), ("fr", "ja"), ("", "ja"), (None, "ja"), ("en_GB", "en")],
)
def test_normalize_lang(value, expected):
    assert normalize_lang(value) == expected


def test_japanese_catalog_is_complete_and_compiled():
    po_path = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po if not (e.msgstr or any(e.msgstr_plural.values())) and not e.obsolete]
    assert untranslated == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    with (po_path.with_suffix(".mo")).open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for entry in po.translated_entries():
        if not entry.msgid_plural:
            assert mo.gettext(entry.msgid) == entry.msgstr, "stale .mo: run python scripts/translate_ja.py"


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "DATABASE_URL"))}
    env.update(
        DJANGO_DEBUG="false",
        SECRET_KEY="x" * 20 + "production-secret-key-from-the-environment-0123456789",
        ALLOWED_HOSTS="dxpathways.example.jp",
        BADGE_SIGNING_KEY="c2lnbmluZy1rZXktZm9yLWJhZGdlcy1pbi10ZXN0cyE=",  # 32 bytes, base64
        **extra,
    )
    return env


def test_check_deploy_passes_with_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_a_badge_signing_key():
    env = _production_env()
    env.pop("BADGE_SIGNING_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "interop.E003" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_healthz_reports_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"
