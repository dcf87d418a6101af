"""System checks for the badge signing key: an unreadable key fails every check; none fails `check --deploy`.

Development runs without one (a key derived from SECRET_KEY) and says nothing: `make run` stays quiet."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from interop import credentials


def _key_problem() -> str | None:
    configured = str(settings.BADGE_SIGNING_KEY or "")
    if not configured:
        return None
    try:
        credentials.private_key_from_text(configured)
    except credentials.KeyError_ as exc:
        return str(exc)
    return None


@register(Tags.security)
def badge_key_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problem = _key_problem()
    if problem:
        return [Error(f"BADGE_SIGNING_KEY cannot be read: {problem}", id="interop.E001")]
    issues: list[Any] = []
    for text in settings.BADGE_RETIRED_PUBLIC_KEYS:
        try:
            credentials.public_key_from_multibase(text)
        except ValueError as exc:
            issues.append(Error(f"BADGE_RETIRED_PUBLIC_KEYS: {text!r}: {exc}", id="interop.E002"))
    return issues


@register(Tags.security, deploy=True)
def badge_key_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    if settings.BADGE_SIGNING_KEY:
        return []
    return [
        Error(
            "BADGE_SIGNING_KEY must be set in production: without it badges are signed with a key derived "
            "from SECRET_KEY.",
            hint='Generate one: python -c "import base64,os;print(base64.b64encode(os.urandom(32)).decode())"',
            id="interop.E003",
        )
    ]
