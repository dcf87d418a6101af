"""Language choice for bilingual content (Japanese first, English second)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation

from common.messages import Message

SUPPORTED = ("ja", "en")
DEFAULT = "ja"


def normalize_lang(value: str | None) -> str:
    """Map any language tag to 'ja' or 'en'; anything unknown falls back to Japanese."""
    if not value:
        return DEFAULT
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in SUPPORTED else DEFAULT


def request_lang(request: HttpRequest) -> str:
    """The language a request asked for: ?lang= first, then the active (Accept-Language/cookie) one."""
    if "lang" in request.GET:
        return normalize_lang(request.GET.get("lang"))
    return normalize_lang(translation.get_language())


def pick(obj: Any, field: str, lang: str) -> Any:
    """`obj.<field>_<lang>`, or the other language when that one is empty."""
    other = "en" if lang == "ja" else "ja"
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_{other}", "")


def translate(text: Any) -> Any:
    """`text` in the active language when it is a `Message` (its parameters translated too); anything else as is."""
    if not isinstance(text, Message):
        return text
    params = {name: translate(value) for name, value in text.params.items()}
    return translation.gettext(text.template) % params
