import gettext
import os
import shutil
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


PO_PATH = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
# What `make makemessages` reads: the Makefile's MAKEMESSAGES_ARGS ignore these (tests hold no UI text) ...
SOURCE_SKIP = {".git", ".venv", "var", "node_modules", "staticfiles", "__pycache__", "locale", "tests"}
# ... and xgettext extracts from these.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _msgids(po: polib.POFile) -> set[tuple[str | None, str, str]]:
    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in po if not e.obsolete}


def test_japanese_catalog_is_complete_and_compiled():
    """The .po is the source of truth (docs/translation.md): every message translated, none fuzzy, and the
    committed .mo compiled from it (`make messages`)."""
    po = polib.pofile(str(PO_PATH))
    untranslated = [e.msgid for e in po if not (e.msgstr or any(e.msgstr_plural.values())) and not e.obsolete]
    assert untranslated == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    with (PO_PATH.with_suffix(".mo")).open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = "stale .mo: run make messages"
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert mo.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr_plural[0], stale
        else:
            found = mo.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else mo.gettext(entry.msgid)
            assert found == entry.msgstr, stale
    compiled = {key[0] if isinstance(key, tuple) else key for key in mo._catalog if key}  # type: ignore[attr-defined]
    expected = {f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid for e in po.translated_entries()}
    assert compiled == expected, stale


def test_japanese_catalog_is_up_to_date_with_the_source(tmp_path):
    """`makemessages` on a copy of the source finds exactly the messages of the .po: none missing (a new
    message in the code must be added and translated), none left that the code no longer has."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        if _ci():
            pytest.fail("CI=true and GNU gettext (xgettext, msgmerge) is not installed", pytrace=False)
        pytest.skip("GNU gettext (xgettext) is not installed")
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SOURCE_SKIP and not d.startswith(".")]
        for name in filenames:
            source = Path(dirpath) / name
            if source.suffix in SOURCE_SUFFIXES:
                target = tmp_path / source.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
    copy = tmp_path / PO_PATH.relative_to(ROOT)
    copy.parent.mkdir(parents=True)
    shutil.copyfile(PO_PATH, copy)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--add-location=file", "--ignore=tests"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fresh, committed = _msgids(polib.pofile(str(copy))), _msgids(polib.pofile(str(PO_PATH)))
    assert sorted(fresh - committed, key=str) == [], "new messages: run make makemessages, translate, make messages"
    assert sorted(committed - fresh, key=str) == [], "messages no longer in the code: run make makemessages"


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
