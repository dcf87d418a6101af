"""Schema post-processing: every operation documents the errors it can answer with.

DRF, the middleware and the handlers answer errors as JSON: `{"detail": "..."}` (401, 403,
404, 413, 429, 503) or, for invalid input, an object of field -> messages (400)."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "What went wrong, in words.",
}
VALIDATION_ERRORS = {
    "type": "object",
    "additionalProperties": True,
    "description": "Field name (or `detail`, `non_field_errors`) -> what is wrong with it.",
}
DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Not signed in, or the API key is invalid",
    "403": "Not allowed for this account",
    "404": "No such object (or not one this account may see)",
    "411": "A body without a Content-Length (chunked) is not accepted",
    "413": "The request body is too large",
    "429": "Too many requests (see Retry-After)",
    "503": "The database is not available at the moment (see Retry-After); nothing was changed",
}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationErrors", VALIDATION_ERRORS)
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            body = operation.pop("x-request-body", None)
            if body is not None:
                operation["requestBody"] = {"content": {"application/json": {"schema": body}}, "required": True}
            has_body = "requestBody" in operation
            codes = ["401", "403", "404", "429", "503"]
            if has_body or operation.get("parameters"):
                codes.append("400")
            if has_body:
                codes += ["411", "413"]
            for code in codes:
                ref = "ValidationErrors" if code == "400" else "Error"
                responses.setdefault(code, {"description": DESCRIPTIONS[code], "content": _json(ref)})
    return result
