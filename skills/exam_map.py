"""Exams and the exam → DSS-P item map as files (plain Python, no Django).

`read_exams` reads fixtures/exams.json (IPA's exams copied from ../shared/dss/ipa_exams.json, plus
private certifications); `parse_exam_map` reads the map CSV (exam_code, skill_code, level, and
optional rationale, estimated).  Every error names the file, line and field; decoding (UTF-8 or
CP932) and the error type are shared with the role matrix reader.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from skills.dss_matrix import MatrixError, MatrixIssue, decode

__all__ = ["ExamRecord", "MapRow", "MatrixError", "decode", "parse_exam_map", "read_exams"]

EXAMS_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "exams.json"
DEFAULT_MAP_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "exam_skill_map.csv"
MAP_COLUMNS = ("exam_code", "skill_code", "level")
OPTIONAL_COLUMNS = ("rationale", "estimated")
TRUE_VALUES = {"1", "true", "yes", "y", "はい"}
FALSE_VALUES = {"0", "false", "no", "n", "いいえ"}


@dataclass(frozen=True)
class ExamRecord:
    code: str
    name_ja: str
    name_en: str
    issuer: str
    level: int
    level_is_estimated: bool
    first_held_on: date
    valid_years: int | None
    position: int


@dataclass(frozen=True)
class MapRow:
    line: int
    exam_code: str
    skill_code: str
    level: int
    rationale: str
    estimated: bool


def read_exams(path: Path = EXAMS_FILE) -> list[ExamRecord]:
    """The exams file, checked: unique codes, levels 1-4, ISO dates, positive validity."""
    source = str(path)
    raw: Any = json.loads(path.read_text(encoding="utf-8"))
    issues: list[MatrixIssue] = []
    out: list[ExamRecord] = []
    seen: set[str] = set()
    for position, item in enumerate(raw.get("exams", []), start=1):
        code = str(item.get("code", "")).strip()
        if not code or code in seen:
            issues.append(MatrixIssue(position, "code", f"{code!r} is empty or given twice"))
            continue
        seen.add(code)
        level = item.get("level", item.get("itss_level"))
        if not isinstance(level, int) or not 1 <= level <= 4:
            issues.append(MatrixIssue(position, "level", f"{level!r} is not 1-4"))
            continue
        try:
            first = date.fromisoformat(str(item.get("first_held_on", "")))
        except ValueError:
            issues.append(MatrixIssue(position, "first_held_on", "is not an ISO date"))
            continue
        valid = item.get("valid_years")
        if valid is not None and (not isinstance(valid, int) or valid <= 0):
            issues.append(MatrixIssue(position, "valid_years", f"{valid!r} is not a positive number of years"))
            continue
        out.append(
            ExamRecord(
                code=code,
                name_ja=str(item["name_ja"]),
                name_en=str(item["name_en"]),
                issuer=str(item.get("issuer", "")),
                level=level,
                level_is_estimated="itss_level" not in item,
                first_held_on=first,
                valid_years=valid,
                position=position,
            )
        )
    if issues:
        raise MatrixError(source, issues)
    return out


def _flag(value: str) -> bool | None:
    value = value.strip().lower()
    if not value or value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    return None


def parse_exam_map(text: str, *, source: str = "<csv>") -> list[MapRow]:
    """Parse and check the shape of every row; raise MatrixError listing all bad rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise MatrixError(source, [MatrixIssue(1, "", "the file is empty; expected a header row")]) from None
    columns = [h.strip().lower() for h in header]
    missing = [c for c in MAP_COLUMNS if c not in columns]
    if missing:
        raise MatrixError(
            source,
            [MatrixIssue(1, c, f"header has no '{c}' column (columns: {', '.join(columns)})") for c in missing],
        )
    index = {c: columns.index(c) for c in (*MAP_COLUMNS, *OPTIONAL_COLUMNS) if c in columns}
    issues: list[MatrixIssue] = []
    rows: list[MapRow] = []
    seen: dict[tuple[str, str], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(columns):
            issues.append(MatrixIssue(line, "", f"has {len(cells)} cells; the header has {len(columns)}"))
            continue
        exam = cells[index["exam_code"]].strip()
        skill = cells[index["skill_code"]].strip()
        level_text = cells[index["level"]].strip()
        rationale = cells[index["rationale"]].strip() if "rationale" in index else ""
        estimated = _flag(cells[index["estimated"]]) if "estimated" in index else True
        bad = False
        if not exam:
            issues.append(MatrixIssue(line, "exam_code", "is empty"))
            bad = True
        if not skill:
            issues.append(MatrixIssue(line, "skill_code", "is empty"))
            bad = True
        if level_text not in {"1", "2", "3", "4"}:
            issues.append(MatrixIssue(line, "level", f"{level_text!r} is not a level 1-4"))
            bad = True
        if estimated is None:
            issues.append(MatrixIssue(line, "estimated", "is not yes/no (true/false, 1/0)"))
            bad = True
        if len(rationale) > 500:
            issues.append(MatrixIssue(line, "rationale", "is longer than 500 characters"))
            bad = True
        if bad:
            continue
        key = (exam, skill)
        if key in seen:
            issues.append(
                MatrixIssue(line, "skill_code", f"{exam} x {skill} is given twice (first on line {seen[key]})")
            )
            continue
        seen[key] = line
        rows.append(MapRow(line, exam, skill, int(level_text), rationale, bool(estimated)))
    if issues:
        raise MatrixError(source, issues)
    if not rows:
        raise MatrixError(source, [MatrixIssue(2, "", "no data rows after the header")])
    return rows
