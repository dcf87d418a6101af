"""Read an official role x skill grade matrix from CSV (role_code, skill_code, grade).

Plain Python.  Rows come back with their line numbers so that every error,
here or when codes are checked against the database, names the line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from skills.dss_fixture import GRADES

REQUIRED_COLUMNS = ("role_code", "skill_code", "grade")


@dataclass(frozen=True)
class MatrixRow:
    line: int
    role_code: str
    skill_code: str
    grade: str


@dataclass(frozen=True)
class MatrixIssue:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, field '{self.field}': {self.message}" if self.field else f"{where}: {self.message}"


class MatrixError(Exception):
    def __init__(self, source: str, issues: list[MatrixIssue]) -> None:
        self.source = source
        self.issues = issues
        shown = "\n".join(f"  {source}: {issue}" for issue in issues[:50])
        more = f"\n  ... and {len(issues) - 50} more" if len(issues) > 50 else ""
        super().__init__(f"{len(issues)} bad row(s) in {source}; nothing was changed:\n{shown}{more}")


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), else CP932 as saved by Japanese Excel."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MatrixError(source, [MatrixIssue(0, "", "is neither UTF-8 nor CP932 text")])


def parse_matrix(text: str, *, source: str = "<csv>") -> list[MatrixRow]:
    """Parse and check the shape of every row; raise MatrixError listing all bad rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    issues: list[MatrixIssue] = []
    try:
        header = next(reader)
    except StopIteration:
        raise MatrixError(source, [MatrixIssue(1, "", "the file is empty; expected a header row")]) from None
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise MatrixError(
            source,
            [MatrixIssue(1, c, f"header has no '{c}' column (columns: {', '.join(columns)})") for c in missing],
        )
    index = {c: columns.index(c) for c in REQUIRED_COLUMNS}
    rows: list[MatrixRow] = []
    seen: dict[tuple[str, str], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(columns):
            issues.append(MatrixIssue(line, "", f"has {len(cells)} cells; the header has {len(columns)}"))
            continue
        role = cells[index["role_code"]].strip()
        skill = cells[index["skill_code"]].strip()
        grade = cells[index["grade"]].strip().lower()
        bad = False
        if not role:
            issues.append(MatrixIssue(line, "role_code", "is empty"))
            bad = True
        if not skill:
            issues.append(MatrixIssue(line, "skill_code", "is empty"))
            bad = True
        if grade not in GRADES:
            issues.append(MatrixIssue(line, "grade", f"{grade!r} is not one of {', '.join(GRADES)}"))
            bad = True
        if bad:
            continue
        key = (role, skill)
        if key in seen:
            issues.append(
                MatrixIssue(line, "skill_code", f"{role} x {skill} is given twice (first on line {seen[key]})")
            )
            continue
        seen[key] = line
        rows.append(MatrixRow(line=line, role_code=role, skill_code=skill, grade=grade))
    if issues:
        raise MatrixError(source, issues)
    if not rows:
        raise MatrixError(source, [MatrixIssue(2, "", "no data rows after the header")])
    return rows
