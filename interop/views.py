"""Web pages: my credentials (download, share link), a shared credential's public page, the issuer's keys."""

from __future__ import annotations

import json
import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from interop import credentials as crypto
from interop import keys
from interop.badge_image import achievement_svg
from interop.models import Credential
from interop.selectors import achievement_credential, credential_get_own, credential_get_public, credentials_of
from interop.services import (
    achievement_document,
    credential_share_set,
    credential_verify,
    issuer_profile,
    revocation_status_list,
)

JSON_LD = "application/ld+json; charset=utf-8"


@require_GET
def issuer(request: HttpRequest) -> JsonResponse:
    """The issuer Profile with its verification methods (Multikey): current key first, then retired ones."""
    methods = [
        {
            "id": method,
            "type": "Multikey",
            "controller": keys.issuer_id(),
            "publicKeyMultibase": crypto.public_key_multibase(public),
        }
        for method, public in keys.published_keys().items()
    ]
    document = {
        # Every term is defined by these contexts (JSON-LD safe mode): the VC and OB contexts for the
        # Profile, Multikey for the keys, and the two controller-document terms from the security
        # vocabulary (as the W3C Controlled Identifiers context defines them).
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://w3id.org/security/multikey/v1",
            {
                "verificationMethod": {
                    "@id": "https://w3id.org/security#verificationMethod",
                    "@type": "@id",
                    "@container": "@set",
                },
                "assertionMethod": {
                    "@id": "https://w3id.org/security#assertionMethod",
                    "@type": "@id",
                    "@container": "@set",
                },
            },
        ],
        **issuer_profile(),
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
    return JsonResponse(document, content_type=JSON_LD, json_dumps_params={"ensure_ascii": False, "indent": 2})


@require_GET
def status_list(request: HttpRequest) -> JsonResponse:
    """The revocation BitstringStatusListCredential (signed); a revoked credential's bit is 1."""
    response = JsonResponse(revocation_status_list(), content_type=JSON_LD, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def achievement(request: HttpRequest, achievement_id: uuid.UUID) -> JsonResponse:
    """An achievement's id: the Achievement (JSON-LD) as issued in credentials."""
    document = achievement_document(achievement_uuid=achievement_id)
    if document is None:
        raise Http404("No such achievement.")
    return JsonResponse(document, content_type=JSON_LD, json_dumps_params={"ensure_ascii": False})


@require_GET
def achievement_image(request: HttpRequest, achievement_id: uuid.UUID) -> HttpResponse:
    """The achievement's image: an SVG drawn from its name and kind."""
    credential = achievement_credential(achievement_uuid=achievement_id)
    if credential is None:
        raise Http404("No such achievement.")
    svg = achievement_svg(
        key=credential.achievement_key,
        name=credential.name,
        kind=credential.kind,
        level=credential.level,
        issuer=str(issuer_profile()["name"]),
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_GET
def credential_public(request: HttpRequest, credential_id: uuid.UUID) -> HttpResponse:
    """A credential's id URL: JSON-LD for machines (Accept: application/json), a page for people.

    Only when its learner shared it (or to that learner); anyone else gets 404."""
    credential = credential_get_public(public_id=credential_id, viewer=request.user)
    if credential is None:
        raise Http404("No such shared credential.")
    accept = request.headers.get("Accept", "")
    if "json" in accept and "text/html" not in accept:
        return JsonResponse(credential.document, content_type=JSON_LD, json_dumps_params={"ensure_ascii": False})
    result = credential_verify(document=credential.document)
    achievement = credential.document.get("credentialSubject", {}).get("achievement", {})
    return render(
        request,
        "interop/credential_public.html",
        {"credential": credential, "achievement": achievement, "result": result},
    )


@login_required
def my_credentials(request: HttpRequest) -> HttpResponse:
    return render(request, "interop/my_credentials.html", {"credentials": credentials_of(user=request.user)})


def _own(request: HttpRequest, credential_id: uuid.UUID) -> Credential:
    credential = credential_get_own(user=request.user, public_id=credential_id)
    if credential is None:
        raise Http404("No such credential of yours.")
    return credential


@login_required
@require_GET
def my_credential_download(request: HttpRequest, credential_id: uuid.UUID) -> HttpResponse:
    credential = _own(request, credential_id)
    response = HttpResponse(json.dumps(credential.document, ensure_ascii=False, indent=2), content_type=JSON_LD)
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.public_id}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def my_credential_share(request: HttpRequest, credential_id: uuid.UUID) -> HttpResponse:
    credential_share_set(credential=_own(request, credential_id), shared=request.POST.get("shared") == "1")
    return redirect("interop:my-credentials")
