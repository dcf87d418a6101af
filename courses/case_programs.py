"""The case-program file: catalog records, each with a `case` object (plain Python; docs/catalog-format.md).

`split_case_file` takes the file apart: the catalog records (without `case`) go through the ordinary
catalog parser and import; the `case` objects are checked here, every error naming the record and field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from common.reference import INDUSTRIES, ORGANIZATION_SIZE_BANDS, PREFECTURES


@dataclass(frozen=True)
class CaseRecord:
    record: int  # 1-based position in the file
    provider: str
    code: str
    cohort_starts_on: date
    cohort_ends_on: date
    application_deadline: date
    team_size_min: int
    team_size_max: int
    mentors: str
    case_industry: str
    case_company_size: str
    case_region: str
    hours_per_week: Decimal
    online: bool


class CaseFileError(ValueError):
    def __init__(self, source: str, issues: list[str]) -> None:
        self.issues = issues
        shown = "\n".join(f"  {source}: {i}" for i in issues[:50])
        super().__init__(f"{len(issues)} problem(s) in {source}; nothing was changed:\n{shown}")


def _date(case: dict[str, Any], name: str, where: str, issues: list[str]) -> date | None:
    try:
        return date.fromisoformat(str(case.get(name, "")))
    except ValueError:
        issues.append(f"{where}, field 'case.{name}': {case.get(name)!r} is not a date (YYYY-MM-DD)")
        return None


def split_case_file(data: bytes, *, source: str) -> tuple[bytes, list[CaseRecord]]:
    """(the catalog part as JSON bytes, the checked case records); raises CaseFileError listing every problem."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseFileError(source, [f"file: not UTF-8 JSON ({exc})"]) from None
    if not isinstance(raw, list) or not raw:
        raise CaseFileError(source, ["file: expected a non-empty JSON list of catalog records with a 'case' object"])
    issues: list[str] = []
    records: list[dict[str, Any]] = []
    cases: list[CaseRecord] = []
    for n, item in enumerate(raw, start=1):
        where = f"record {n}"
        if not isinstance(item, dict) or not isinstance(item.get("case"), dict):
            issues.append(f"{where}, field 'case': missing (an object with the cohort and the case)")
            continue
        case = item["case"]
        records.append({k: v for k, v in item.items() if k != "case"})
        starts = _date(case, "cohort_starts_on", where, issues)
        ends = _date(case, "cohort_ends_on", where, issues)
        deadline = _date(case, "application_deadline", where, issues)
        if starts and ends and ends <= starts:
            issues.append(f"{where}, field 'case.cohort_ends_on': must be after cohort_starts_on")
        if starts and deadline and deadline > starts:
            issues.append(f"{where}, field 'case.application_deadline': must not be after cohort_starts_on")
        team = case.get("team_size")
        if not (isinstance(team, list) and len(team) == 2 and all(isinstance(t, int) and t >= 1 for t in team)):
            issues.append(f"{where}, field 'case.team_size': expected [min, max] with 1 <= min <= max")
            team = None
        elif team[0] > team[1]:
            issues.append(f"{where}, field 'case.team_size': min is above max")
        mentors = str(case.get("mentors", "")).strip()
        if not mentors or len(mentors) > 300:
            issues.append(f"{where}, field 'case.mentors': give who mentors the teams (1-300 characters)")
        industry = str(case.get("industry", ""))
        if industry not in INDUSTRIES:
            issues.append(f"{where}, field 'case.industry': {industry!r} is not a JSIC division letter")
        size = str(case.get("company_size", ""))
        if size not in ORGANIZATION_SIZE_BANDS:
            issues.append(
                f"{where}, field 'case.company_size': {size!r} is not one of {', '.join(ORGANIZATION_SIZE_BANDS)}"
            )
        region = str(case.get("region", ""))
        if region and region not in PREFECTURES:
            issues.append(f"{where}, field 'case.region': {region!r} is not a prefecture code")
        online = case.get("online", True)
        if not isinstance(online, bool):
            issues.append(f"{where}, field 'case.online': expected true or false")
        elif not online and not region:
            issues.append(f"{where}, field 'case.region': an on-site program needs a region")
        try:
            hours = Decimal(str(case.get("hours_per_week")))
            if not Decimal(0) < hours <= Decimal(60):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            issues.append(f"{where}, field 'case.hours_per_week': expected a number of hours above 0, at most 60")
            hours = Decimal(0)
        if starts and ends and deadline and team and not issues:
            cases.append(
                CaseRecord(
                    record=n,
                    provider=str(item.get("provider", "")),
                    code=str(item.get("code", "")),
                    cohort_starts_on=starts,
                    cohort_ends_on=ends,
                    application_deadline=deadline,
                    team_size_min=team[0],
                    team_size_max=team[1],
                    mentors=mentors,
                    case_industry=industry,
                    case_company_size=size,
                    case_region=region,
                    hours_per_week=hours,
                    online=bool(online),
                )
            )
    if issues:
        raise CaseFileError(source, issues)
    return json.dumps(records, ensure_ascii=False).encode("utf-8"), cases
