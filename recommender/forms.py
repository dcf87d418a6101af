"""The recommender's web forms: an employer's what-if (docs/what-if.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from common.i18n import normalize_lang, pick
from common.limits import BUDGET_JPY_MAX, BUDGET_JPY_MIN, WEEKLY_HOURS_MAX, WEEKLY_HOURS_MIN
from learners.models import LearnerProfile
from skills.models import Role


class WhatIfForm(forms.Form):
    """The question: a group (all members, a role group or chosen members), a target role, a budget per person
    (and a second one to compare), weekly hours and a deadline."""

    target_role = forms.ModelChoiceField(label=_("Target role"), queryset=Role.objects.none())
    group = forms.ChoiceField(label=_("Group"), required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("Or chosen members"),
        queryset=LearnerProfile.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    budget_per_person = forms.IntegerField(
        label=_("Budget per person (yen)"), min_value=BUDGET_JPY_MIN, max_value=BUDGET_JPY_MAX
    )
    budget_b = forms.IntegerField(
        label=_("Second budget to compare (yen, optional)"),
        min_value=BUDGET_JPY_MIN,
        max_value=BUDGET_JPY_MAX,
        required=False,
    )
    weekly_hours = forms.FloatField(
        label=_("Study hours per week"), min_value=WEEKLY_HOURS_MIN, max_value=WEEKLY_HOURS_MAX
    )
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, roles: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = normalize_lang(translation.get_language())

        def name(role: Role) -> str:
            return f"{pick(role, 'name', lang)} ({role.code})"

        self.fields["target_role"].queryset = roles  # type: ignore[attr-defined]
        self.fields["target_role"].label_from_instance = name  # type: ignore[attr-defined]
        self.fields["members"].queryset = members  # type: ignore[attr-defined]
        self.fields["members"].label_from_instance = lambda p: p.user.get_full_name() or p.user.username  # type: ignore[attr-defined]
        self.fields["group"].choices = [  # type: ignore[attr-defined]
            ("", _("The members chosen below")),
            ("all", _("All members")),
            *[(f"role:{r.code}", _("Members aiming at %(role)s") % {"role": name(r)}) for r in roles],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("group")) == bool(data.get("members")):
            self.add_error("group", _("Choose a group or members (not both)."))
        return data


class WhatIfConfirmForm(forms.Form):
    """Confirm: create the track of the scenario with this budget (the what-if's inputs come along hidden)."""

    name = forms.CharField(label=_("Track name"), max_length=200)
    budget = forms.IntegerField(min_value=BUDGET_JPY_MIN, max_value=BUDGET_JPY_MAX, widget=forms.HiddenInput)
