from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from common.reference import PREFECTURE_CHOICES
from courses.catalog_format import FORMATS
from skills.models import Role


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
                label=f"{item.code} {item.name_ja}",
            )

    def levels(self) -> dict[Any, int]:
        return {item: self.cleaned_data[f"item_{item.code}"] for item in self.items}


class ConstraintsForm(forms.Form):
    weekly_hours = forms.DecimalField(label=_("Study hours per week"), min_value=0, max_value=80, decimal_places=1)
    budget_jpy = forms.IntegerField(label=_("Budget (yen)"), min_value=0)
    free_only = forms.BooleanField(label=_("Free courses only"), required=False)
    preferred_formats = forms.MultipleChoiceField(
        label=_("Preferred formats"),
        choices=[(f, f) for f in FORMATS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    preferred_language = forms.ChoiceField(label=_("Language"), choices=[("ja", _("Japanese")), ("en", _("English"))])
    prefecture = forms.ChoiceField(label=_("Prefecture"), choices=[("", "—"), *PREFECTURE_CHOICES], required=False)


class PlanForm(forms.Form):
    """Other limits for one regeneration of the plan (empty fields keep the profile's)."""

    weekly_hours = forms.FloatField(label=_("Study hours per week"), min_value=0.5, max_value=80, required=False)
    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=104, required=False)
    budget_jpy = forms.IntegerField(label=_("Budget (yen)"), min_value=0, required=False)
    formats = forms.MultipleChoiceField(
        label=_("Preferred formats"),
        choices=[(f, f) for f in FORMATS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
