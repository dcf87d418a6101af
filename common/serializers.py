"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.i18n import pick


@extend_schema_field(OpenApiTypes.STR)
class LangText(serializers.Field):
    """`<base>_<lang>` for the request's language, falling back to the other one."""

    def __init__(self, base: str, **kwargs: Any) -> None:
        self.base = base
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return str(pick(value, self.base, self.context.get("lang", "ja")))


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class LangList(LangText):
    def to_representation(self, value: Any) -> Any:
        lang = self.context.get("lang", "ja")
        other = "en" if lang == "ja" else "ja"
        return getattr(value, f"{self.base}_{lang}") or getattr(value, f"{self.base}_{other}")
