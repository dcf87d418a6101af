from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.i18n import request_lang
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
