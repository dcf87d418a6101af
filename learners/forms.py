from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from common.i18n import normalize_lang, pick
from common.limits import (
    BUDGET_JPY_MAX,
    BUDGET_JPY_MIN,
    WEEKLY_HOURS_MAX,
    WEEKLY_HOURS_MIN,
    WEEKS_MAX,
    WEEKS_MIN,
)
from common.reference import PREFECTURES
from common.templatetags.dxp import FORMAT_LABELS
from courses.catalog_format import FORMATS
from courses.models import Course
from learners.models import LearnerProfile
from skills.models import Role


def _lang() -> str:
    from django.utils.translation import get_language

    return normalize_lang(get_language())


def role_label(role: Role) -> str:
    """A role as its code and its name in the page's language (str(role) is the Japanese name)."""
    return f"{role.code} {pick(role, 'name', _lang())}"


def prefecture_choices() -> list[tuple[str, str]]:
    """The prefectures named in the page's language (common.reference holds both names), "—" first."""
    index = 1 if _lang() == "en" else 0
    return [("", "—"), *((code, names[index]) for code, names in PREFECTURES.items())]


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)


class RoleForm(forms.Form):
    target_role = forms.ModelChoiceField(
        queryset=Role.objects.none(), widget=forms.RadioSelect, label=_("Target role"), empty_label=None
    )

    def __init__(self, *args: Any, roles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_role"].queryset = roles  # type: ignore[attr-defined]


LEVEL_CHOICES = [(n, str(n)) for n in range(5)]


class SelfAssessmentForm(forms.Form):
    """One 0-4 choice per item the target role grades a or b."""

    def __init__(self, *args: Any, items: list[Any], initial_levels: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.code}"] = forms.TypedChoiceField(
                choices=LEVEL_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                initial=initial_levels.get(item.pk, 0),
                label=f"{item.code} {pick(item, 'name', _lang())}",
            )

    def levels(self) -> dict[Any, int]:
        return {item: self.cleaned_data[f"item_{item.code}"] for item in self.items}


class ConstraintsForm(forms.Form):
    weekly_hours = forms.DecimalField(
        label=_("Study hours per week"),
        min_value=Decimal(str(WEEKLY_HOURS_MIN)),
        max_value=WEEKLY_HOURS_MAX,
        decimal_places=1,
    )
    budget_jpy = forms.IntegerField(label=_("Budget (yen)"), min_value=BUDGET_JPY_MIN, max_value=BUDGET_JPY_MAX)
    free_only = forms.BooleanField(label=_("Free courses only"), required=False)
    preferred_formats = forms.MultipleChoiceField(
        label=_("Preferred formats"),
        choices=[(f, FORMAT_LABELS.get(f, f)) for f in FORMATS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    preferred_language = forms.ChoiceField(label=_("Language"), choices=[("ja", _("Japanese")), ("en", _("English"))])
    prefecture = forms.ChoiceField(label=_("Prefecture"), choices=prefecture_choices, required=False)
    travel = forms.BooleanField(label=_("I can attend classroom courses in neighbouring prefectures"), required=False)
    abroad = forms.BooleanField(label=_("I live outside Japan"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("abroad") and data.get("prefecture"):
            self.add_error("prefecture", _("A learner who lives abroad has no prefecture."))
        # A budget of 0 would silently mean free courses only: ask for that choice explicitly.
        if data.get("budget_jpy") == 0 and not data.get("free_only"):
            self.add_error("budget_jpy", _("Enter a budget above 0, or tick “Free courses only”."))
        return data


class PlanForm(forms.Form):
    """Other limits for one regeneration of the plan.  The page fills it with the limits the current plan was
    made with (`initial_limits`); an empty number keeps the profile's, no format ticked means any format."""

    weekly_hours = forms.FloatField(
        label=_("Study hours per week"), min_value=WEEKLY_HOURS_MIN, max_value=WEEKLY_HOURS_MAX, required=False
    )
    weeks = forms.IntegerField(label=_("Weeks"), min_value=WEEKS_MIN, max_value=WEEKS_MAX, required=False)
    budget_jpy = forms.IntegerField(
        label=_("Budget (yen)"), min_value=BUDGET_JPY_MIN, max_value=BUDGET_JPY_MAX, required=False
    )
    free_only = forms.BooleanField(label=_("Free courses only"), required=False)
    formats = forms.MultipleChoiceField(
        label=_("Preferred formats"),
        choices=[(f, FORMAT_LABELS.get(f, f)) for f in FORMATS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("budget_jpy") == 0 and not data.get("free_only"):
            self.add_error("budget_jpy", _("Enter a budget above 0, or tick “Free courses only”."))
        return data

    def overrides(self) -> dict[str, Any]:
        """The limits to plan with: the numbers given, free only, and the formats (none ticked: any format)."""
        data = self.cleaned_data
        out: dict[str, Any] = {k: data[k] for k in ("weekly_hours", "weeks", "budget_jpy") if data.get(k) is not None}
        out["free_only"] = bool(data.get("free_only"))
        out["formats"] = list(data.get("formats") or [])
        return out


def plan_form_initial(*, constraints: dict[str, Any], profile: LearnerProfile) -> dict[str, Any]:
    """The regenerate form's starting values: the limits of the current plan (what the learner sees planned), else
    the profile's."""
    formats = constraints.get("formats", profile.preferred_formats) or []
    return {
        "weekly_hours": constraints.get("weekly_hours", profile.weekly_hours),
        "weeks": constraints.get("weeks"),
        "budget_jpy": constraints.get("budget_jpy", profile.budget_jpy),
        "free_only": constraints.get("free_only", profile.free_only),
        "formats": [f for f in formats if f in FORMATS],
    }


class ProgressForm(forms.Form):
    """A learner's own report on a course: enroll, progress (percent) or complete."""

    action = forms.ChoiceField(choices=[("enrolled", "enrolled"), ("progress", "progress"), ("completed", "completed")])
    percent = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100, required=False)
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    next = forms.CharField(max_length=300, required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "progress" and data.get("percent") is None:
            self.add_error("percent", _("Enter how far you are, from 0 to 100."))
        return data


def course_label(course: Course) -> str:
    """Title in the page's language, level, hours and price: what an employer weighs when building a track."""
    from django.utils.translation import get_language

    title = course.title_en if get_language() == "en" and course.title_en else course.title_ja
    price = f"¥{course.price_jpy:,}" if course.price_jpy else str(_("Free"))
    level = _("Level %(l)s") % {"l": course.level}
    return f"{title} ({level}, {course.hours:g} h, {price})"


class DescribedErrorsMixin:
    """After validation, each field with an error names its message (`<field id>-error`) with
    aria-describedby and is marked aria-invalid, so that a screen reader reads the error with the field."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                bound = self[name]  # type: ignore[index]
                attrs = self.fields[name].widget.attrs  # type: ignore[attr-defined]
                attrs["aria-describedby"] = f"{bound.auto_id}-error"
                attrs["aria-invalid"] = "true"


class TrackForm(DescribedErrorsMixin, forms.Form):
    """An employer's reskilling track: a role, ordered courses, a due date and the members it is for."""

    name = forms.CharField(label=_("Track name"), max_length=200)
    target_role = forms.ModelChoiceField(label=_("Target role"), queryset=Role.objects.none(), required=False)
    courses = forms.ModelMultipleChoiceField(
        label=_("Courses"), queryset=Course.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    members = forms.ModelMultipleChoiceField(
        label=_("Assign to"), queryset=LearnerProfile.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, roles: Any, courses: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_role"].queryset = roles  # type: ignore[attr-defined]
        self.fields["courses"].queryset = courses  # type: ignore[attr-defined]
        self.fields["members"].queryset = members  # type: ignore[attr-defined]
        self.fields["members"].label_from_instance = lambda p: p.user.get_full_name() or p.user.username  # type: ignore[attr-defined]
        self.fields["courses"].label_from_instance = course_label  # type: ignore[attr-defined]
        self.fields["target_role"].label_from_instance = role_label  # type: ignore[attr-defined]

    def clean_due_on(self) -> Any:
        from django.utils import timezone

        from common.input_checks import DUE_DATE_MAX_DAYS

        due = self.cleaned_data["due_on"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("The due date is in the past."))
        if (due - timezone.localdate()).days > DUE_DATE_MAX_DAYS:
            raise forms.ValidationError(_("The due date is more than 5 years ahead."))
        return due


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
