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


def _count(value: Any) -> tuple[float, int] | None:
    """The number and the count that picks the plural form: 1 is singular, 1.5 takes the plural."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number, 1 if number == 1 else (int(number) if number.is_integer() else 2)


def _n(number: float) -> str:
    from django.template.defaultfilters import floatformat

    return str(floatformat(number, -1))


@register.filter
def hours(value: Any) -> str:
    """`{{ course.hours|hours }}`: "1 hour", "2.5 hours" (1時間 in Japanese)."""
    from django.utils.translation import ngettext

    counted = _count(value)
    if counted is None:
        return str(value)
    return ngettext("%(n)s hour", "%(n)s hours", counted[1]) % {"n": _n(counted[0])}


@register.filter
def weeks(value: Any) -> str:
    """`{{ n|weeks }}`: "1 week", "3 weeks"."""
    from django.utils.translation import ngettext

    counted = _count(value)
    if counted is None:
        return str(value)
    return ngettext("%(n)s week", "%(n)s weeks", counted[1]) % {"n": _n(counted[0])}


@register.filter
def courses_count(value: Any) -> str:
    """`{{ n|courses_count }}`: "1 course", "4 courses"."""
    from django.utils.translation import ngettext

    counted = _count(value)
    if counted is None:
        return str(value)
    return ngettext("%(n)s course", "%(n)s courses", counted[1]) % {"n": _n(counted[0])}
