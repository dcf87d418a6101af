import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation

from common.i18n import normalize_lang

logger = logging.getLogger(__name__)


class QueryLanguageMiddleware:
    """Let `?lang=ja|en` override the negotiated language for one request.

    Runs after LocaleMiddleware; an unknown value falls back to Japanese.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "lang" in request.GET:
            lang = normalize_lang(request.GET.get("lang"))
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: Content-Security-Policy and Permissions-Policy.

    The policy allows only this origin's scripts (no inline script; the API docs load their
    set-up script from the server), inline styles (templates draw bars with style="width: ...")
    and data: images."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response.headers:
            response.headers["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


def body_limit_for(path: str) -> int:
    """The largest request body accepted at `path` (bytes)."""
    for prefix, limit in settings.REQUEST_BODY_LIMITS.items():
        if path.startswith(prefix):
            return int(limit)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


class RequestBodyLimitMiddleware:
    """Refuse what cannot be handled before anything is read.

    413: a declared body larger than its path allows (settings.REQUEST_BODY_LIMITS, else
    DATA_UPLOAD_MAX_MEMORY_SIZE; file uploads included, which Django itself does not cap).
    Django reads a body only up to the declared length, so nothing larger reaches a view.
    411: a chunked body without Content-Length (Django would silently see an empty body).
    400: a NUL character in the path or query (PostgreSQL text cannot hold one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "").lower():
            # PostgreSQL text cannot hold NUL: a query with one could only fail further in.
            return _refusal(request, 400, "The address or a query parameter contains a NUL character.")
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() and not request.META.get(
            "CONTENT_LENGTH"
        ):
            # Under WSGI Django reads a body only up to CONTENT_LENGTH: say so instead of seeing nothing.
            return _refusal(request, 411, "Send the body with a Content-Length (chunked bodies are not accepted).")
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return _refusal(request, 400, "The Content-Length header is not a number.")
        limit = body_limit_for(request.path)
        if length > limit:
            return _refusal(
                request,
                413,
                f"The request body is {length} bytes; at most {limit} bytes are accepted here.",
            )
        return self.get_response(request)


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


try:  # psycopg's own errors reach here unwrapped from raw-connection work (COPY in courses/bulk.py, the pool)
    import psycopg

    _PSYCOPG_ERRORS: tuple[type[Exception], ...] = (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - psycopg is in requirements.txt
    _PSYCOPG_ERRORS = ()
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, *_PSYCOPG_ERRORS)
RETRY_AFTER_SECONDS = 5


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After; renders nothing that needs the database (no templates, no user)."""
    message = "The database is not available at the moment; nothing was changed. Try again shortly."
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>503</title></head>"
            f"<body><h1>Service unavailable</h1><p>{message}</p></body></html>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A lost database connection (or a server that went away) is a 503, not a 500.

    The transaction the request was in is gone with the connection, so no partial write
    survives; the client may retry (writes here are idempotent or all-or-nothing)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
            return database_unavailable(request)
        return None
