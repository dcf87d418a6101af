from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from common.i18n import normalize_lang


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
