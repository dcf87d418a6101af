"""The API's JSON parser: the input boundary of common.input_checks for every JSON body."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from common.input_checks import InputError, json_loads


def input_error_detail(exc: InputError) -> dict[str, list[str]]:
    """A 400 body naming each field (a document-level problem goes under "detail")."""
    detail: dict[str, list[str]] = {}
    for field, message in exc.problems:
        detail.setdefault(field or "detail", []).append(message)
    return detail


class JSONParser(BaseParser):
    """JSON with the nesting depth and size capped before parsing, integers of at most 18 digits, finite
    floats, and no NUL or lone surrogate in any key or value (400 naming the field)."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = int(getattr(settings, "JSON_MAX_BYTES", 0) or settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        data = stream.read(limit + 1) if stream is not None else b""
        try:
            return json_loads(data, max_depth=int(getattr(settings, "JSON_MAX_DEPTH", 64)), max_bytes=limit)
        except InputError as exc:
            raise ParseError(input_error_detail(exc)) from None
