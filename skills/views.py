from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from common.i18n import request_lang
from skills.models import StandardVersion
from skills.selectors import (
    StandardNotLoaded,
    grade_targets,
    importance_grade_list,
    literacy_section_tree,
    persona_type_list,
    role_list,
    role_profile,
    skill_category_tree,
    skill_item_with_roles,
    standard_version_get,
)


def _version_or_404(request: HttpRequest) -> StandardVersion:
    try:
        return standard_version_get(code=request.GET.get("version") or None)
    except StandardNotLoaded as exc:
        raise Http404(str(exc)) from exc


def standard_browser(request: HttpRequest) -> HttpResponse:
    """Persona types and their roles, the skill tree and the literacy standard."""
    lang = request_lang(request)
    try:
        version = standard_version_get(code=request.GET.get("version") or None)
    except StandardNotLoaded:
        return render(request, "skills/browser.html", {"version": None, "lang": lang})
    return render(
        request,
        "skills/browser.html",
        {
            "version": version,
            "lang": lang,
            "personas": persona_type_list(version=version),
            "categories": skill_category_tree(version=version),
            "literacy": literacy_section_tree(version=version),
        },
    )


def role_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A role's skill profile: every item by category with its grade and target level."""
    version = _version_or_404(request)
    role = role_list(version=version).filter(code=code).first()
    if role is None:
        raise Http404(f"No role {code!r} in {version.code}")
    return render(
        request,
        "skills/role_detail.html",
        {
            "version": version,
            "lang": request_lang(request),
            "role": role,
            "profile": role_profile(role=role),
            "grades": importance_grade_list(version=version),
        },
    )


def skill_item_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One skill item and the grade each role gives it."""
    version = _version_or_404(request)
    item = skill_item_with_roles(version=version).filter(code=code).first()
    if item is None:
        raise Http404(f"No skill item {code!r} in {version.code}")
    targets = grade_targets(version=version)
    rows = [{"req": req, "target": targets.get(req.grade, 0)} for req in item.requirements.all()]
    return render(
        request,
        "skills/skill_detail.html",
        {"version": version, "lang": request_lang(request), "item": item, "rows": rows},
    )
