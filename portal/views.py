from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import RoleGroup
from accounts.services import user_has_role
from common.i18n import request_lang
from courses.selectors import provider_ids_for
from skills.selectors import StandardNotLoaded, persona_type_list, standard_verify, standard_version_get


def home(request: HttpRequest) -> HttpResponse:
    """What the product is, and what the loaded standard holds."""
    lang = request_lang(request)
    try:
        version = standard_version_get()
    except StandardNotLoaded:
        return render(request, "portal/home.html", {"version": None, "lang": lang})
    report = standard_verify(version_id=version.pk)
    return render(
        request,
        "portal/home.html",
        {
            "version": version,
            "lang": lang,
            "counts": report["counts"],
            "estimated": report["estimated_requirements"],
            "personas": persona_type_list(version=version),
        },
    )


@login_required
def after_login(request: HttpRequest) -> HttpResponse:
    """Where log-in lands (LOGIN_REDIRECT_URL; a `next` address wins): an account that acts for a catalog
    provider (or holds the catalog provider role) on its courses, everyone else (staff too) on the learner
    pages as before."""
    user = request.user
    if not user.is_staff and (provider_ids_for(user=user) or user_has_role(user, RoleGroup.PROVIDER)):  # type: ignore[arg-type]
        return redirect("courses:provider-home")
    return redirect("learners:start")
