"""Read and validate a DSS fixture file (format `dxpathways.dss/1`).

Plain Python: the loader in `skills.services` only ever sees a fixture that
passed every check here, so a broken file changes nothing in the database.
Each problem names the record (section, index and code) and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.input_checks import InputError, json_loads

FORMAT = "dxpathways.dss/1"
GRADES = ("a", "b", "c", "d", "z")

# What DSS ver.1.x defines; a fixture for another edition may say otherwise
# through `expected_counts` when it is loaded.
DSS_COUNTS: dict[str, int] = {
    "persona_types": 5,
    "roles": 15,
    "skill_categories": 5,
    "skill_subcategories": 12,
    "skill_items": 49,
    "literacy_sections": 4,
    "literacy_items": 23,
}

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
_SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class FixtureIssue:
    location: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.location}, field '{self.field}'" if self.field else self.location
        return f"{where}: {self.message}"


class FixtureError(Exception):
    """The fixture is not usable; `issues` lists every problem found."""

    def __init__(self, source: str, issues: list[FixtureIssue]) -> None:
        self.source = source
        self.issues = issues
        lines = "\n".join(f"  {source}: {issue}" for issue in issues[:50])
        more = f"\n  ... and {len(issues) - 50} more" if len(issues) > 50 else ""
        super().__init__(f"{len(issues)} problem(s) in {source}:\n{lines}{more}")


Record = dict[str, Any]


@dataclass
class DssFixture:
    """A validated fixture: every reference resolves, every count matches."""

    standard: Record
    proficiency_levels: list[Record]
    importance_grades: list[Record]
    persona_types: list[Record]
    roles: list[Record]
    skill_categories: list[Record]
    skill_subcategories: list[Record]
    skill_items: list[Record]
    literacy_sections: list[Record]
    literacy_items: list[Record]
    role_skill_requirements: list[Record]
    source: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


# --- field checkers: each returns the cleaned value or raises ValueError --------


def _str(required: bool = True, max_length: int = 200) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValueError(f"must be a string, got {type(value).__name__}")
        value = value.strip()
        if required and not value:
            raise ValueError("is required and must not be empty")
        if len(value) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return value

    return check


def _text(value: Any) -> str:
    return _str(required=False, max_length=100_000)(value)


def _code(value: Any) -> str:
    value = _str()(value)
    if not _CODE_RE.match(value) or len(value) > 30:
        raise ValueError(f"{value!r} is not a valid code (letters, digits, '-' or '_', at most 30)")
    return value


def _topics(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise ValueError("must be a list of non-empty strings")
    return [t.strip() for t in value]


def _int_range(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number from {low} to {high}")
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}-{high}")
        return value

    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _grade(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in GRADES:
        raise ValueError(f"{value!r} is not a grade; use one of {', '.join(GRADES)}")
    return value.strip().lower()


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD") from None


def _slug(value: Any) -> str:
    value = _str(max_length=40)(value)
    if not _SLUG_RE.match(value):
        raise ValueError(f"{value!r} is not a valid version code (letters, digits, '.', '-', '_')")
    return value


Spec = dict[str, Callable[[Any], Any]]

STANDARD_SPEC: Spec = {
    "code": _slug,
    "name_ja": _str(),
    "name_en": _str(),
    "published_on": _date,
    "source": _text,
    "notes": _text,
}
SECTION_SPECS: dict[str, tuple[str, Spec]] = {
    # section: (key field, fields)
    "proficiency_levels": ("level", {"level": _int_range(0, 4), "label_ja": _str(), "label_en": _str()}),
    "importance_grades": (
        "code",
        {"code": _grade, "label_ja": _str(), "label_en": _str(), "target_proficiency": _int_range(0, 4)},
    ),
    "persona_types": (
        "code",
        {"code": _code, "name_ja": _str(), "name_en": _str(), "summary_ja": _text, "summary_en": _text},
    ),
    "roles": (
        "code",
        {
            "code": _code,
            "persona": _code,
            "name_ja": _str(),
            "name_en": _str(),
            "summary_ja": _text,
            "summary_en": _text,
        },
    ),
    "skill_categories": (
        "code",
        {"code": _code, "name_ja": _str(), "name_en": _str(), "name_verified": _bool},
    ),
    "skill_subcategories": ("code", {"code": _code, "category": _code, "name_ja": _str(), "name_en": _str()}),
    "skill_items": (
        "code",
        {
            "code": _code,
            "subcategory": _code,
            "name_ja": _str(),
            "name_en": _str(),
            "definition_ja": _text,
            "definition_en": _text,
            "topics_ja": _topics,
            "topics_en": _topics,
        },
    ),
    "literacy_sections": ("code", {"code": _code, "name_ja": _str(), "name_en": _str()}),
    "literacy_items": (
        "code",
        {
            "code": _code,
            "section": _code,
            "group_ja": _str(required=False),
            "group_en": _str(required=False),
            "name_ja": _str(),
            "name_en": _str(),
            "topics_ja": _topics,
            "topics_en": _topics,
        },
    ),
    "role_skill_requirements": (
        "",
        {"role": _code, "skill": _code, "grade": _grade, "is_estimated": _bool},
    ),
}
# Which section a reference field points into.
REFERENCES: dict[tuple[str, str], str] = {
    ("roles", "persona"): "persona_types",
    ("skill_subcategories", "category"): "skill_categories",
    ("skill_items", "subcategory"): "skill_subcategories",
    ("literacy_items", "section"): "literacy_sections",
    ("role_skill_requirements", "role"): "roles",
    ("role_skill_requirements", "skill"): "skill_items",
}


def _location(section: str, index: int, record: Any, key: str) -> str:
    if isinstance(record, dict) and key and isinstance(record.get(key), str | int):
        return f"{section}[{index}] ({key} {record[key]!r})"
    if section == "role_skill_requirements" and isinstance(record, dict):
        return f"{section}[{index}] (role {record.get('role')!r}, skill {record.get('skill')!r})"
    return f"{section}[{index}]"


def _clean_record(spec: Spec, record: Any, location: str, issues: list[FixtureIssue]) -> Record | None:
    if not isinstance(record, dict):
        issues.append(FixtureIssue(location, "", "must be an object"))
        return None
    cleaned: Record = {}
    ok = True
    for name, check in spec.items():
        if name not in record:
            # Optional text fields may be left out; everything else is required.
            if check in (_text, _topics) or name in ("group_ja", "group_en", "published_on"):
                record = {**record, name: None}
            else:
                issues.append(FixtureIssue(location, name, "is missing"))
                ok = False
                continue
        try:
            cleaned[name] = check(record[name])
        except ValueError as exc:
            issues.append(FixtureIssue(location, name, str(exc)))
            ok = False
    unknown = sorted(set(record) - set(spec))
    for name in unknown:
        issues.append(FixtureIssue(location, name, "is not a known field"))
        ok = False
    return cleaned if ok else None


def parse_fixture(
    data: Any, *, source: str = "<fixture>", expected_counts: Mapping[str, int] | None = None
) -> DssFixture:
    """Validate `data` (decoded JSON) and return it cleaned; raise FixtureError listing every problem."""
    issues: list[FixtureIssue] = []
    counts = DSS_COUNTS if expected_counts is None else expected_counts
    if not isinstance(data, dict):
        raise FixtureError(source, [FixtureIssue("(top level)", "", "must be a JSON object")])
    if data.get("format") != FORMAT:
        issues.append(FixtureIssue("(top level)", "format", f"must be {FORMAT!r}, got {data.get('format')!r}"))

    standard = _clean_record(STANDARD_SPEC, data.get("standard"), "standard", issues)

    sections: dict[str, list[Record]] = {}
    for section, (key, spec) in SECTION_SPECS.items():
        records = data.get(section)
        if not isinstance(records, list):
            issues.append(FixtureIssue("(top level)", section, "must be a list of records"))
            sections[section] = []
            continue
        cleaned_list: list[Record] = []
        seen: dict[Any, int] = {}
        for index, record in enumerate(records):
            location = _location(section, index, record, key)
            cleaned = _clean_record(spec, record, location, issues)
            if cleaned is None:
                continue
            identity = cleaned[key] if key else (cleaned["role"], cleaned["skill"])
            if identity in seen:
                what = key or "role and skill"
                issues.append(
                    FixtureIssue(location, key or "skill", f"duplicate {what}: also at {section}[{seen[identity]}]")
                )
                continue
            seen[identity] = index
            cleaned["_index"] = index
            cleaned_list.append(cleaned)
        sections[section] = cleaned_list

    # Every reference must resolve within the file.
    codes = {name: {r["code"] for r in sections[name]} for name in sections if SECTION_SPECS[name][0] == "code"}
    for (section, ref_field), target in REFERENCES.items():
        for record in sections[section]:
            if record[ref_field] not in codes[target]:
                location = _location(section, record["_index"], record, SECTION_SPECS[section][0])
                issues.append(FixtureIssue(location, ref_field, f"{record[ref_field]!r} is not a code in {target}"))

    for section, expected in counts.items():
        got = len(data.get(section) or []) if isinstance(data.get(section), list) else 0
        if got != expected:
            issues.append(FixtureIssue(section, "", f"has {got} records; the standard defines {expected}"))

    levels = sorted(r["level"] for r in sections["proficiency_levels"])
    if levels != list(range(5)):
        issues.append(FixtureIssue("proficiency_levels", "level", "must list each level 0-4 exactly once"))
    grades = sorted(r["code"] for r in sections["importance_grades"])
    if grades != sorted(GRADES):
        issues.append(FixtureIssue("importance_grades", "code", f"must list each of {', '.join(GRADES)} once"))

    # Every role has a grade for every skill item.
    have = {(r["role"], r["skill"]) for r in sections["role_skill_requirements"]}
    for role in sorted(codes["roles"]):
        missing = [s for s in sorted(codes["skill_items"]) if (role, s) not in have]
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            issues.append(FixtureIssue(f"role_skill_requirements (role {role!r})", "skill", f"no grade for {shown}"))

    if issues or standard is None:
        raise FixtureError(source, issues)
    for records in sections.values():
        for record in records:
            record.pop("_index", None)
    return DssFixture(standard=standard, source=source, raw=data, **sections)


def read_fixture(path: Path, *, expected_counts: Mapping[str, int] | None = None) -> DssFixture:
    """Read and validate a fixture file; every error names the file."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FixtureError(source, [FixtureIssue("(file)", "", "does not exist")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(source, [FixtureIssue("(file)", "", f"cannot be read as UTF-8: {exc}")]) from None
    try:
        data = json_loads(text)  # depth, size, numbers, NUL, lone surrogates (common/input_checks.py)
    except InputError as exc:
        issues = []
        for field, message in exc.problems:
            where = re.match(r"invalid JSON at (line \d+, column \d+): (.*)", message)
            if where:
                issues.append(FixtureIssue(where.group(1), "", f"invalid JSON: {where.group(2)}"))
            else:
                issues.append(FixtureIssue(field or "(file)", "", message))
        raise FixtureError(source, issues) from None
    return parse_fixture(data, source=source, expected_counts=expected_counts)
