"""Template helpers for bilingual content: `{{ role|t:"name" }}` shows the active language."""

from typing import Any

from django import template
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from common.i18n import normalize_lang, pick, translate

register = template.Library()


@register.filter
def t(obj: Any, field: str) -> Any:
    """`obj.<field>_<active language>`, falling back to the other language."""
    return pick(obj, field, normalize_lang(translation.get_language()))


@register.filter
def t_other(obj: Any, field: str) -> Any:
    """The same field in the language that is not active (shown as a subtitle)."""
    other = "en" if normalize_lang(translation.get_language()) == "ja" else "ja"
    return pick(obj, field, other)


@register.filter
def translated(value: Any) -> Any:
    """A `Message` (common/messages.py) in the active language; other values unchanged."""
    return translate(value)


@register.filter
def percent_of(value: int, whole: int) -> int:
    return round(100 * value / whole) if whole else 0


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """`{{ counts|get:key }}`: a dict lookup with a variable key."""
    return mapping.get(key) if hasattr(mapping, "get") else None


FORMAT_LABELS = {
    "e-learning": _("e-learning"),
    "live-online": _("live online"),
    "classroom": _("classroom"),
    "blended": _("blended"),
}


@register.filter
def format_label(value: str) -> str:
    return str(FORMAT_LABELS.get(value, value))


@register.filter
def industry_label(code: str) -> str:
    """A JSIC division letter as its name in the active language."""
    from common.reference import INDUSTRIES

    names = INDUSTRIES.get(code)
    return names[1 if normalize_lang(translation.get_language()) == "en" else 0] if names else code


@register.filter
def prefecture_label(code: str) -> str:
    """A prefecture code as its name in the active language ('' stays empty)."""
    from common.reference import PREFECTURES

    names = PREFECTURES.get(code)
    return names[1 if normalize_lang(translation.get_language()) == "en" else 0] if names else code
