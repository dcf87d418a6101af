"""Web pages' parts for exams and DX認定: the learner adds passes on /me/, the employer imports staff results
and records its DX認定 on the team page.  Writes go through learners.exam_services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.i18n import translate
from learners.exam_services import (
    ExamPassError,
    exam_pass_add,
    exam_pass_delete,
    exam_passes_of,
    exam_passes_shared,
    org_exam_results_import,
    organization_dx_update,
)
from learners.models import LearnerProfile, Organization
from learners.selectors import members_of, organization_for_admin
from learners.services import learner_profile_get_or_create
from skills.models import Exam

IMPORT_MAX_BYTES = 2 * 1024 * 1024


def _exam_choices() -> list[tuple[str, str]]:
    return [(e.code, f"{e.name_ja} ({e.code})") for e in Exam.objects.all()]


class ExamPassForm(forms.Form):
    exam = forms.ChoiceField(label=gettext_lazy("Exam"), choices=())
    passed_on = forms.DateField(label=gettext_lazy("Passed on"), widget=forms.DateInput(attrs={"type": "date"}))
    certificate_number = forms.CharField(
        label=gettext_lazy("Certificate number (optional)"), max_length=40, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exam"].choices = _exam_choices()  # type: ignore[attr-defined]


class DxForm(forms.Form):
    dx_certified_on = forms.DateField(
        label=gettext_lazy("DX認定 granted on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    dx_certified_until = forms.DateField(
        label=gettext_lazy("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    dx_selection_year = forms.IntegerField(
        label=gettext_lazy("DXセレクション year"), required=False, min_value=2020, max_value=2100
    )


class ExamImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file (member, exam, date)"))


def my_exams_context(profile: LearnerProfile) -> dict[str, Any]:
    """What the /me/ page shows of exams: the learner's passes and the form to add one."""
    return {"exam_passes": exam_passes_of(learner=profile), "exam_form": ExamPassForm()}


def _first_error(form: forms.Form) -> str:
    field, errors = next(iter(form.errors.items()))
    return f"{field}: {errors[0]}"


@login_required
@require_POST
def my_exam_add(request: HttpRequest) -> HttpResponse:
    form = ExamPassForm(request.POST)
    target = reverse("learners:me") + "#exams-heading"
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(target)
    profile = learner_profile_get_or_create(user=request.user)  # type: ignore[arg-type]
    try:
        row = exam_pass_add(
            learner=profile,
            exam_code=form.cleaned_data["exam"],
            passed_on=form.cleaned_data["passed_on"],
            certificate_number=form.cleaned_data["certificate_number"],
            recorded_by=request.user,  # type: ignore[arg-type]
        )
    except ExamPassError as exc:
        messages.error(request, f"{exc.field}: {translate(exc.message)}")
        return redirect(target)
    messages.success(request, _("%(exam)s recorded: your levels and plan are updated.") % {"exam": row.exam.name_ja})
    return redirect(target)


@login_required
@require_POST
def my_exam_delete(request: HttpRequest, pk: int) -> HttpResponse:
    profile = learner_profile_get_or_create(user=request.user)  # type: ignore[arg-type]
    if not exam_pass_delete(learner=profile, pass_id=pk):
        raise Http404("No such exam pass of yours.")
    messages.success(request, _("The exam pass was removed."))
    return redirect(reverse("learners:me") + "#exams-heading")


def team_exams_context(organization: Organization) -> dict[str, Any]:
    """What the team page shows: DX認定, the staff's passed exams (only of members sharing levels).

    Reads only the members who have a pass, plus one count, whatever the organization's size."""
    members = members_of(organization=organization)
    holders = members.filter(share_levels=True, exam_passes__isnull=False).distinct().order_by("user__username")
    sharing = list(holders)
    passes = exam_passes_shared(learner_ids=[m.pk for m in sharing])
    rows = [
        {"name": m.user.get_full_name() or m.user.username, "exams": passes.get(m.pk, [])}
        for m in sharing
        if passes.get(m.pk)
    ]
    return {
        "exam_rows": rows,
        "exam_not_sharing": members.filter(share_levels=False).count(),
        "dx_form": DxForm(
            initial={
                "dx_certified_on": organization.dx_certified_on,
                "dx_certified_until": organization.dx_certified_until,
                "dx_selection_year": organization.dx_selection_year,
            }
        ),
        "exam_import_form": ExamImportForm(),
    }


def _team(request: HttpRequest, org_id: int) -> Organization:
    organization = organization_for_admin(user=request.user, organization_id=org_id)
    if organization is None:
        raise Http404("No such organization among those you administer.")
    return organization


@login_required
@require_POST
def team_dx_update(request: HttpRequest, org_id: int) -> HttpResponse:
    organization = _team(request, org_id)
    form = DxForm(request.POST)
    target = reverse("learners:team", args=[organization.pk]) + "#dx-heading"
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(target)
    d = form.cleaned_data
    try:
        organization_dx_update(
            organization=organization,
            certified_on=d["dx_certified_on"],
            certified_until=d["dx_certified_until"],
            selection_year=d["dx_selection_year"],
        )
    except ExamPassError as exc:
        messages.error(request, f"{exc.field}: {translate(exc.message)}")
        return redirect(target)
    messages.success(request, _("DX認定 and DXセレクション saved."))
    return redirect(target)


@login_required
@require_POST
def team_exam_import(request: HttpRequest, org_id: int) -> HttpResponse:
    organization = _team(request, org_id)
    form = ExamImportForm(request.POST, request.FILES)
    target = reverse("learners:team", args=[organization.pk]) + "#exams-heading"
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(target)
    upload = form.cleaned_data["file"]
    if upload.size > IMPORT_MAX_BYTES:
        messages.error(request, _("file: larger than 2 MB"))
        return redirect(target)
    try:
        report = org_exam_results_import(
            organization=organization,
            data=upload.read(),
            recorded_by=request.user,  # type: ignore[arg-type]
        )
    except ExamPassError as exc:
        where = _("row %(row)s, ") % {"row": exc.row} if exc.row else ""
        messages.error(
            request,
            _("Nothing was imported: %(where)sfield %(field)s: %(message)s")
            % {"where": where, "field": exc.field, "message": translate(exc.message)},
        )
        return redirect(target)
    messages.success(
        request,
        _("%(created)s exam results imported (%(same)s already recorded) for %(people)s people.")
        % {"created": report.created, "same": report.already_recorded, "people": report.learners},
    )
    return redirect(target)
