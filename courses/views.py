"""Catalog pages: search with filters and facet counts, course detail."""

from __future__ import annotations

import math
import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import RoleGroup
from accounts.services import user_has_role
from common.i18n import request_lang
from common.messages import message_load
from common.reference import PREFECTURES
from courses.api.serializers import CourseSearchInput
from courses.api.views import search_codes
from courses.catalog_format import FORMATS, dump_csv, dump_json, template_row
from courses.models import CatalogImportJob, CourseStatus, Provider, TagSource
from courses.selectors import (
    active_tags,
    catalog_import_job_get,
    catalog_import_jobs_of,
    catalog_version,
    course_detail_get,
    course_effects_shown,
    course_search,
    course_search_page,
    effect_min_learners,
    provider_effect_summary,
    provider_homes_for,
    provider_ids_for,
    search_snippets,
    search_suggestions,
)
from courses.services import catalog_import_job_create, catalog_vocabulary
from skills.selectors import (
    StandardNotLoaded,
    persona_type_list,
    role_list,
    skill_category_tree,
    standard_version_get,
)

PAGE_SIZE = 20
ORDERING_LABELS = [
    ("", _("Best match")),
    ("title", _("Title")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("hours", _("Shortest first")),
    ("level", _("Level: low to high")),
    ("-level", _("Level: high to low")),
    ("newest", _("Newest")),
]


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: ",".join(v for v in request.GET.getlist(k) if v != "") for k in request.GET if k != "lang"}


def course_list(request: HttpRequest) -> HttpResponse:
    lang = request_lang(request)
    try:
        version = standard_version_get()
    except StandardNotLoaded:
        return render(request, "courses/list.html", {"no_standard": True, "lang": lang}, status=200)
    raw = {k: v for k, v in _params(request).items() if v}
    form = CourseSearchInput(data={**raw, "page_size": str(PAGE_SIZE)}, codes=search_codes(version))
    context: dict[str, Any] = {
        "lang": lang,
        "params": raw,
        "formats": FORMATS,
        "personas": persona_type_list(version=version),
        "roles": role_list(version=version, with_requirements=False),
        "prefectures": sorted(PREFECTURES.items()),
        "levels": [1, 2, 3, 4],
        "selected_levels": raw.get("level", "").split(","),
        "selected_formats": raw.get("format", "").split(","),
        "orderings": ORDERING_LABELS,
    }
    if not form.is_valid():
        context["errors"] = form.errors
        return render(request, "courses/list.html", context, status=400)
    page = form.validated_data["page"]
    result = course_search_page(
        qs=course_search(query=form.to_query(), version=version), page=page, page_size=PAGE_SIZE
    )
    facets = result.facets
    q = form.validated_data.get("q", "")
    snippets = search_snippets(courses=result.courses, q=q, lang=lang)
    for course in result.courses:
        course.search_snippet = snippets.get(course.pk, [])  # type: ignore[attr-defined]
    suggestions = search_suggestions(q=q) if result.total == 0 else []
    provider_id = form.validated_data.get("provider")
    if provider_id is not None:
        # The provider's list: its courses' measured effectiveness in aggregate (docs/effectiveness.md).
        context["provider"] = Provider.objects.filter(pk=provider_id).first()
        context["provider_effect"] = provider_effect_summary(provider_id=provider_id)
        context["effect_min_learners"] = effect_min_learners()
    num_pages = max(1, math.ceil(result.total / PAGE_SIZE))
    names = {c.code: c for c in skill_category_tree(version=version)}
    context.update(
        category_facets=[(names.get(code, code), count) for code, count in facets["category"].items()],
        courses=result.courses,
        facets=facets,
        page=page,
        num_pages=num_pages,
        catalog_version=catalog_version(),
        query_without_page=urlencode({k: v for k, v in raw.items() if k != "page"}),
        suggestions=[
            (text, urlencode({**{k: v for k, v in raw.items() if k != "page"}, "q": text})) for text in suggestions
        ],
    )
    return render(request, "courses/list.html", context)


def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = course_detail_get(pk=pk, viewer=request.user)
    if course is None:
        raise Http404("No such course.")
    enrollment = None
    learner = getattr(request.user, "learner", None) if request.user.is_authenticated else None
    if learner is not None:
        enrollment = learner.enrollments.filter(course=course).first()
    return render(
        request,
        "courses/detail.html",
        {
            "course": course,
            "lang": request_lang(request),
            "prefecture": PREFECTURES.get(course.prefecture),
            "learner": learner,
            "enrollment": enrollment,
            "page_key": uuid.uuid4().hex,
            "effects": course_effects_shown(course=course),
        },
    )


class CatalogUploadForm(forms.Form):
    file = forms.FileField(label=_("Catalog file (.csv or .json; UTF-8 or Shift_JIS/CP932)"))
    partial = forms.BooleanField(label=_("Store the valid rows even if some rows are wrong"), required=False)


def _provider_ids_or_403(request: HttpRequest) -> set[int] | None:
    allowed = provider_ids_for(user=request.user)
    if allowed is not None and not allowed:
        raise PermissionDenied("Only staff and accounts that act for a provider can upload courses.")
    return allowed


def _inferred_tags(allowed: set[int] | None) -> list[Any]:
    inferred = (
        active_tags()
        .filter(source=TagSource.INFERRED, course__status=CourseStatus.PUBLISHED)
        .select_related("course", "skill_item")
        .order_by("-course__updated_at", "course_id", "position")
    )
    if allowed is not None:
        inferred = inferred.filter(course__provider_id__in=allowed)
    return list(inferred[:30])


@login_required
def catalog_upload(request: HttpRequest) -> HttpResponse:
    """A provider uploads its catalog: the file is kept in a job and imported by a task; the answer is the
    job's page (progress, then the result or the rows to fix).  A form error is answered here with 400."""
    allowed = _provider_ids_or_403(request)
    form = CatalogUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = catalog_import_job_create(
            uploader=request.user,  # type: ignore[arg-type]
            data=upload.read(),
            filename=upload.name or "",
            partial=form.cleaned_data["partial"],
        )
        response = HttpResponseRedirect(reverse("courses:upload-job", args=[job.pk]))
        response.status_code = 303  # see the job's page (GET), whatever the upload's method
        return response
    return render(
        request,
        "courses/upload.html",
        {
            "form": form,
            "inferred": _inferred_tags(allowed),
            "jobs": catalog_import_jobs_of(user=request.user),
        },
        status=400 if form.errors else 200,
    )


def _job_or_404(request: HttpRequest, pk: int) -> CatalogImportJob:
    job = catalog_import_job_get(job_id=pk, user=request.user)
    if job is None:
        raise Http404("No such upload.")
    return job


@login_required
def catalog_upload_job(request: HttpRequest, pk: int) -> HttpResponse:
    """An upload's progress (refreshing itself until it is finished), then its result: what was created and
    updated, or every problem in the viewer's language with the form to upload the fixed file."""
    job = _job_or_404(request, pk)
    problems = [{**p, "message": message_load(p.get("message", ""))} for p in (job.result or {}).get("problems", [])]
    run = job.import_run
    more_problems = len(run.problems) - len(problems) if run is not None else 0
    stored = run is not None and run.outcome != run.Outcome.REJECTED
    form = CatalogUploadForm(initial={"partial": job.partial}) if job.finished else None
    if form is not None and run is not None and not stored:
        # The problems belong to the file field: a screen reader reads them with it.
        form.fields["file"].widget.attrs.update(
            {"aria-describedby": "import-problems-summary import-problems", "aria-invalid": "true"}
        )
    return render(
        request,
        "courses/upload_job.html",
        {
            "job": job,
            "run": run,
            "stored": stored,
            "problems": problems,
            "more_problems": max(0, more_problems),
            "created": job.result.get("created", []) if job.result else [],
            "updated": job.result.get("updated", []) if job.result else [],
            "form": form,
            "lang": request_lang(request),
        },
    )


@login_required
def catalog_upload_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The job's progress as JSON for the job page's script (uploader and staff; 404 for anyone else)."""
    job = _job_or_404(request, pk)
    run = job.import_run
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "stage": job.stage,
            "stage_label": str(job.get_stage_display()),
            "rows_total": job.rows_total,
            "rows_done": job.rows_done,
            "percent": job.percent,
            "finished": job.finished,
            "outcome": run.outcome if run is not None else None,
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
def catalog_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """A catalog file with one example row, in CSV or JSON, that the upload accepts unchanged (the provider's
    own name in `provider`, a skill item of the current standard)."""
    allowed = _provider_ids_or_403(request)
    providers = Provider.objects.order_by("name_ja")
    provider = (providers.filter(pk__in=allowed) if allowed is not None else providers).first()
    try:
        codes = catalog_vocabulary().skill_codes
    except StandardNotLoaded:
        codes = frozenset()
    skill = "DU01" if "DU01" in codes else min(codes, default="")
    row = template_row(provider=provider.name_ja if provider else "Example provider", skill_code=skill)
    if fmt == "json":
        response = HttpResponse(dump_json([row]), content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(dump_csv([row]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="catalog-template.{fmt}"'
    return response


@login_required
def provider_home(request: HttpRequest) -> HttpResponse:
    """Where a provider account lands after log-in: its courses (status, inferred tags waiting for review),
    its last import and uploads, the templates and the upload."""
    homes = provider_homes_for(user=request.user)
    if not homes and not request.user.is_staff and not user_has_role(request.user, RoleGroup.PROVIDER):  # type: ignore[arg-type]
        raise PermissionDenied("Only accounts that act for a provider have a provider page.")
    return render(
        request,
        "courses/provider_home.html",
        {
            "homes": homes,
            "jobs": catalog_import_jobs_of(user=request.user),
            "lang": request_lang(request),
            "statuses": CourseStatus,
        },
    )
