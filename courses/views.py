"""Catalog pages: search with filters and facet counts, course detail."""

from __future__ import annotations

import math
import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from common.i18n import request_lang
from common.reference import PREFECTURES
from courses.api.serializers import CourseSearchInput
from courses.api.views import search_codes
from courses.catalog_format import FORMATS
from courses.models import CourseStatus, Provider, TagSource
from courses.selectors import (
    active_tags,
    catalog_version,
    course_detail_get,
    course_effects_shown,
    course_search,
    course_search_page,
    effect_min_learners,
    provider_effect_summary,
    provider_ids_for,
    search_snippets,
    search_suggestions,
)
from courses.services import catalog_import
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


@login_required
def catalog_upload(request: HttpRequest) -> HttpResponse:
    """A provider uploads its catalog: row-level errors (nothing stored) or a report and the inferred tags."""
    allowed = provider_ids_for(user=request.user)
    if allowed is not None and not allowed:
        raise PermissionDenied("Only staff and accounts that act for a provider can upload courses.")
    form = CatalogUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = catalog_import(
            data=upload.read(),
            filename=upload.name or "",
            partial=form.cleaned_data["partial"],
            actor=request.user,
            allowed_provider_ids=allowed,
        )
    inferred = (
        active_tags()
        .filter(source=TagSource.INFERRED, course__status=CourseStatus.PUBLISHED)
        .select_related("course", "skill_item")
        .order_by("-course__updated_at", "course_id", "position")
    )
    if allowed is not None:
        inferred = inferred.filter(course__provider_id__in=allowed)
    status = 400 if form.errors or (report is not None and not report.stored) else 200
    return render(
        request,
        "courses/upload.html",
        {"form": form, "report": report, "inferred": list(inferred[:30])},
        status=status,
    )
