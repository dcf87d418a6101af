"""The catalog exchange format (docs/catalog-format.md): read, validate and write.

Plain Python, no Django: the services give it the codes that exist and get back
clean rows plus every problem as (row, field, message).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from common.csv_safe import csv_unescape, csv_writer
from common.input_checks import (
    MAX_INT_DIGITS,
    PRICE_MAX_JPY,
    InputError,
    bad_text,
    json_loads,
    printable,
    text_problem,
)
from common.messages import Message, message_of

COLUMNS: tuple[str, ...] = (
    "provider",
    "code",
    "title_ja",
    "title_en",
    "description_ja",
    "description_en",
    "url",
    "level",
    "hours",
    "price_jpy",
    "format",
    "language",
    "prefecture",
    "reskill_certified",
    "training_benefit_eligible",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("skills", "literacy")
ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
FORMATS = ("e-learning", "live-online", "classroom", "blended")
LANGUAGES = ("ja", "en")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_HOURS = Decimal(2000)

# Where NUL or a lone surrogate could come from in a decoded file: a raw NUL, or in JSON a \u escape of
# one (UTF-8 and CP932 decoding never yield a surrogate).  A file without any skips the per-field check.
_BAD_TEXT_SOURCE = re.compile(r"\x00|\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,59}$")
_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


@dataclass(frozen=True)
class RowIssue:
    row: int
    field: str
    message: str
    code: str = ""

    def __str__(self) -> str:
        what = f" ({self.code})" if self.code else ""
        where = f"row {self.row}{what}" if self.row else "file"
        return f"{where}, field '{self.field}': {self.message}" if self.field else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message, "code": self.code}


class CatalogFileError(Exception):
    """The file as a whole cannot be read (size, encoding, structure)."""

    def __init__(self, issues: list[RowIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


@dataclass(frozen=True)
class Vocabulary:
    """The codes a row may use."""

    skill_codes: frozenset[str]
    literacy_item_codes: frozenset[str]
    literacy_section_codes: frozenset[str]
    prefecture_codes: frozenset[str]


@dataclass
class CourseRow:
    row: int
    provider: str
    code: str
    title_ja: str
    title_en: str
    description_ja: str
    description_en: str
    url: str
    level: int
    hours: Decimal
    price_jpy: int
    format: str
    language: str
    prefecture: str
    reskill_certified: bool
    training_benefit_eligible: bool
    skills: list[tuple[str, int]] = field(default_factory=list)
    literacy: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.code)


@dataclass
class ParseResult:
    file_format: str
    total: int
    rows: list[CourseRow]
    issues: list[RowIssue]

    @property
    def rejected_rows(self) -> set[int]:
        return {i.row for i in self.issues}


# --- decoding ------------------------------------------------------------------


def detect_format(data: bytes, filename: str = "") -> str:
    name = filename.lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv"):
        return "csv"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if head in (b"[", b"{") else "csv"


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not), else CP932 (Shift_JIS as Excel in Japan writes it)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CatalogFileError([RowIssue(0, "", Message("the file is neither UTF-8 nor CP932 (Shift_JIS) text"))])


def _check_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise CatalogFileError(
            [
                RowIssue(
                    0,
                    "",
                    Message(
                        "the file is %(size)s bytes; the limit is %(limit)s bytes",
                        size=f"{len(data):,}",
                        limit=f"{MAX_BYTES:,}",
                    ),
                )
            ]
        )


def _too_many_rows(count: int) -> CatalogFileError:
    return CatalogFileError(
        [
            RowIssue(
                0,
                "",
                Message("the file has %(rows)s rows; the limit is %(limit)s", rows=f"{count:,}", limit=f"{MAX_ROWS:,}"),
            )
        ]
    )


def load_records(data: bytes, filename: str = "") -> tuple[str, list[tuple[int, Mapping[str, Any]]]]:
    """Split a file into (row number, raw record) pairs; CSV rows carry their line number."""
    file_format, records, _clean = _load_records(data, filename)
    return file_format, records


def _load_records(data: bytes, filename: str) -> tuple[str, list[tuple[int, Mapping[str, Any]]], bool]:
    """`load_records`, and whether the decoded file holds no NUL and no escaped lone surrogate at all."""
    _check_size(data)
    file_format = detect_format(data, filename)
    text = decode_text(data)
    clean = "\x00" not in text and ("\\u" not in text or _BAD_TEXT_SOURCE.search(text) is None)
    if file_format == "json":
        try:
            # Depth, size and numbers are checked before parsing; text is checked per row (validate_record).
            parsed = json_loads(text, max_bytes=MAX_BYTES, check=False)
        except InputError as exc:
            raise CatalogFileError([RowIssue(0, printable(f), m) for f, m in exc.problems]) from None
        if not isinstance(parsed, list):
            raise CatalogFileError([RowIssue(0, "", Message("a JSON catalog must be a list of course objects"))])
        if len(parsed) > MAX_ROWS:
            raise _too_many_rows(len(parsed))
        return file_format, list(enumerate(parsed, start=1)), clean

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise CatalogFileError([RowIssue(0, "", Message("the CSV file is empty; expected a header row"))]) from None
    except csv.Error as exc:
        raise CatalogFileError([RowIssue(1, "", Message("unreadable CSV: %(error)s", error=str(exc)))]) from None
    bad = [
        RowIssue(1, printable(h), Message("the column name %(problem)s", problem=p))
        for h in header
        if (p := text_problem(h))
    ]
    if bad:
        raise CatalogFileError(bad)
    unknown = [h for h in header if h not in ALL_COLUMNS]
    missing = [c for c in COLUMNS if c not in header]
    duplicated = [h for h, n in Counter(header).items() if n > 1]
    problems = [RowIssue(1, c, Message("unknown column")) for c in unknown]
    problems += [RowIssue(1, c, Message("missing column")) for c in missing]
    problems += [RowIssue(1, c, Message("column appears more than once")) for c in duplicated]
    if problems:
        raise CatalogFileError(problems)
    records: list[tuple[int, Mapping[str, Any]]] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(records) >= MAX_ROWS:
                raise _too_many_rows(MAX_ROWS + 1)
            line = reader.line_num
            if len(cells) != len(header):
                records.append((line, {"__cells__": len(cells), "__expected__": len(header)}))
                continue
            records.append((line, {"__csv__": True, **dict(zip(header, cells, strict=True))}))
    except csv.Error as exc:
        raise CatalogFileError(
            [RowIssue(reader.line_num, "", Message("unreadable CSV: %(error)s", error=str(exc)))]
        ) from None
    return file_format, records, clean


# --- value checks: each returns the clean value or raises ValueError -------------------


def _text(value: Any, *, max_length: int, csv_mode: bool) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(Message("must be text, got %(type)s", type=type(value).__name__))
    value = value.strip()
    if csv_mode:
        value = csv_unescape(value)
    if len(value) > max_length:
        raise ValueError(
            Message("is %(length)s characters; the limit is %(limit)s", length=len(value), limit=max_length)
        )
    return value


def _int(value: Any, *, csv_mode: bool, low: int, high: int | None = None) -> int:
    if csv_mode and isinstance(value, str):
        raw = value.strip().replace(",", "")
        if not re.fullmatch(r"-?[0-9]+", raw):
            raise ValueError(Message("%(value)s is not a whole number", value=repr(printable(value, 40))))
        if len(raw.lstrip("-")) > MAX_INT_DIGITS:
            digits = len(raw.lstrip("-"))
            if high is None:
                raise ValueError(Message("has %(digits)s digits; the range is %(low)s to any", digits=digits, low=low))
            raise ValueError(
                Message("has %(digits)s digits; the range is %(low)s to %(high)s", digits=digits, low=low, high=high)
            )
        value = int(raw)
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(Message("must be a whole number, got %(value)s", value=repr(value)))
    if value < low or (high is not None and value > high):
        if high is None:
            raise ValueError(Message("%(value)s is out of range: must be at least %(low)s", value=value, low=low))
        raise ValueError(
            Message("%(value)s is out of range: must be from %(low)s to %(high)s", value=value, low=low, high=high)
        )
    return value


def _hours(value: Any, *, csv_mode: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(Message("must be a number, got %(value)s", value=repr(value)))
    if isinstance(value, str) and not csv_mode:
        raise ValueError(Message("must be a number, got text %(value)s", value=repr(value)))
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(Message("%(value)s is not a number", value=repr(value))) from None
    if not hours.is_finite() or hours <= 0:
        raise ValueError(Message("%(value)s must be greater than 0", value=value))
    if hours > MAX_HOURS:
        raise ValueError(Message("%(value)s is more than %(limit)s hours", value=value, limit=MAX_HOURS))
    rounded = hours.quantize(Decimal("0.1"))
    if rounded != hours:
        raise ValueError(Message("%(value)s has more than one decimal place", value=value))
    return rounded


def _bool(value: Any, *, csv_mode: bool) -> bool:
    if isinstance(value, bool):
        return value
    if csv_mode and isinstance(value, str):
        raw = value.strip().lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
    raise ValueError(Message("must be true or false, got %(value)s", value=repr(value)))


def _skills(value: Any, *, csv_mode: bool, vocab: Vocabulary) -> list[tuple[str, int]]:
    pairs: list[tuple[str, Any]] = []
    if value in (None, ""):
        return []
    if csv_mode and isinstance(value, str):
        for part in value.split(";"):
            part = part.strip()
            if not part:
                continue
            code, sep, level = part.partition(":")
            if not sep:
                raise ValueError(Message("%(value)s must be CODE:LEVEL, e.g. DU04:3", value=repr(part)))
            pairs.append((code.strip(), level.strip()))
    elif isinstance(value, list):
        for entry in value:
            if not isinstance(entry, dict) or set(entry) != {"code", "level"}:
                raise ValueError(Message('each entry must be {"code": ..., "level": ...}'))
            pairs.append((entry["code"], entry["level"]))
    else:
        raise ValueError(Message("must be a list of {code, level}"))
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for code, level in pairs:
        if not isinstance(code, str) or code not in vocab.skill_codes:
            raise ValueError(Message("%(code)s is not a DSS skill item code", code=repr(code)))
        if code in seen:
            raise ValueError(Message("%(code)s is listed twice", code=code))
        seen.add(code)
        try:
            number = _int(level, csv_mode=csv_mode, low=1, high=4)
        except ValueError:
            raise ValueError(
                Message("level of %(code)s must be 1-4, got %(value)s", code=code, value=repr(level))
            ) from None
        out.append((code, number))
    return out


def _literacy(value: Any, *, csv_mode: bool, vocab: Vocabulary) -> list[str]:
    if value in (None, ""):
        return []
    if csv_mode and isinstance(value, str):
        codes: list[Any] = [c.strip() for c in value.split(";") if c.strip()]
    elif isinstance(value, list):
        codes = value
    else:
        raise ValueError(Message("must be a list of literacy item or section codes"))
    out: list[str] = []
    for code in codes:
        if not isinstance(code, str) or (
            code not in vocab.literacy_item_codes and code not in vocab.literacy_section_codes
        ):
            raise ValueError(Message("%(code)s is not a DSS literacy item or section code", code=repr(code)))
        if code in out:
            raise ValueError(Message("%(code)s is listed twice", code=code))
        out.append(code)
    return out


_TEXT_LIMITS: tuple[tuple[str, int], ...] = (
    ("provider", 200),
    ("title_ja", 200),
    ("title_en", 200),
    ("url", 500),
    ("description_ja", 5000),
    ("description_en", 5000),
    ("code", 60),
    ("format", 60),
    ("language", 60),
    ("prefecture", 60),
)


def validate_record(
    row: int, record: Mapping[str, Any], vocab: Vocabulary, *, text_checked: bool = False
) -> tuple[CourseRow | None, list[RowIssue]]:
    """Check one raw record; returns the clean row or the list of its problems.

    `text_checked`: the caller saw that the whole file holds no NUL or lone surrogate."""
    if not isinstance(record, dict):
        return None, [RowIssue(row, "", Message("must be an object with the catalog keys"))]
    if "__cells__" in record:
        return None, [
            RowIssue(
                row,
                "",
                Message(
                    "has %(cells)s cells; the header has %(columns)s",
                    cells=record["__cells__"],
                    columns=record["__expected__"],
                ),
            )
        ]
    bad = [] if text_checked else bad_text({k: v for k, v in record.items() if k != "__csv__"})
    if bad:
        # NUL or a lone surrogate, in a key or a value: named (printably) and nothing else is read.
        return None, [RowIssue(row, field, message) for field, message in bad]
    csv_mode = bool(record.get("__csv__"))
    data = {k: v for k, v in record.items() if k != "__csv__"}
    code_hint = str(data.get("code", ""))[:60] if isinstance(data.get("code"), str) else ""
    issues: list[RowIssue] = []

    def problem(field_name: str, message: str) -> None:
        issues.append(RowIssue(row, field_name, message, code_hint))

    for key in sorted(set(data) - set(ALL_COLUMNS)):
        problem(key, Message("unknown key"))
    for key in COLUMNS:
        if key not in data:
            problem(key, Message("is missing"))
    if issues:
        return None, issues

    clean: dict[str, Any] = {}

    def check(field_name: str, fn: Any, **kwargs: Any) -> None:
        try:
            clean[field_name] = fn(data.get(field_name), **kwargs)
        except ValueError as exc:
            problem(field_name, message_of(exc))

    for name, limit in _TEXT_LIMITS:
        value = data.get(name)
        if not csv_mode and type(value) is str and len(value) <= limit:
            clean[name] = value.strip()  # the common case of `_text`, without a call per field
        else:
            check(name, _text, max_length=limit, csv_mode=csv_mode)
    check("level", _int, csv_mode=csv_mode, low=1, high=4)
    check("hours", _hours, csv_mode=csv_mode)
    check("price_jpy", _int, csv_mode=csv_mode, low=0, high=PRICE_MAX_JPY)
    check("reskill_certified", _bool, csv_mode=csv_mode)
    check("training_benefit_eligible", _bool, csv_mode=csv_mode)
    check("skills", _skills, csv_mode=csv_mode, vocab=vocab)
    check("literacy", _literacy, csv_mode=csv_mode, vocab=vocab)

    if "provider" in clean and not clean["provider"]:
        problem("provider", Message("is required"))
    if "code" in clean and not _CODE_RE.match(clean["code"]):
        problem("code", Message("%(code)s must be 1-60 letters, digits, '.', '-' or '_'", code=repr(clean["code"])))
    if "title_ja" in clean and "title_en" in clean and not (clean["title_ja"] or clean["title_en"]):
        problem("title_ja", Message("give title_ja or title_en"))
    if (
        "description_ja" in clean
        and "description_en" in clean
        and not (clean["description_ja"] or clean["description_en"])
    ):
        problem("description_ja", Message("give description_ja or description_en"))
    if clean.get("url") and not _URL_RE.match(clean["url"]):
        problem("url", Message("%(url)s is not an http(s) address", url=repr(clean["url"])))
    if "format" in clean and clean["format"] not in FORMATS:
        problem(
            "format",
            Message("%(value)s is not one of %(allowed)s", value=repr(clean["format"]), allowed=", ".join(FORMATS)),
        )
    if "language" in clean and clean["language"] not in LANGUAGES:
        problem(
            "language",
            Message("%(value)s is not one of %(allowed)s", value=repr(clean["language"]), allowed=", ".join(LANGUAGES)),
        )
    prefecture = clean.get("prefecture", "")
    if prefecture and prefecture not in vocab.prefecture_codes:
        problem("prefecture", Message("%(value)s is not a prefecture code 01-47", value=repr(prefecture)))
    elif clean.get("format") == "classroom" and not prefecture:
        problem("prefecture", Message("is required for classroom courses"))
    elif clean.get("format") in ("e-learning", "live-online") and prefecture:
        problem("prefecture", Message("must be empty for %(format)s courses", format=clean["format"]))
    if issues:
        return None, issues
    return CourseRow(row=row, **clean), []


def parse_catalog(data: bytes, *, filename: str, vocab: Vocabulary) -> ParseResult:
    """Read a whole file; raises CatalogFileError only for file-level problems."""
    file_format, records, text_checked = _load_records(data, filename)
    rows: list[CourseRow] = []
    issues: list[RowIssue] = []
    for row_number, record in records:
        clean, problems = validate_record(row_number, record, vocab, text_checked=text_checked)
        if clean is not None:
            rows.append(clean)
        issues.extend(problems)
    # The same (provider, code) twice: every occurrence is rejected, since
    # nothing says which one is meant.
    by_key: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        by_key.setdefault(r.key, []).append(r.row)
    duplicated = {k: v for k, v in by_key.items() if len(v) > 1}
    for (provider, code), row_numbers in duplicated.items():
        listed = ", ".join(str(n) for n in row_numbers)
        for n in row_numbers:
            issues.append(
                RowIssue(
                    n,
                    "code",
                    Message(
                        "%(provider)s / %(code)s appears on rows %(rows)s", provider=provider, code=code, rows=listed
                    ),
                    code,
                )
            )
    rows = [r for r in rows if r.key not in duplicated]
    issues.sort(key=lambda i: (i.row, i.field))
    return ParseResult(file_format=file_format, total=len(records), rows=rows, issues=issues)


# --- writing ---------------------------------------------------------------------------


def _hours_out(hours: Decimal) -> int | float:
    return int(hours) if hours == hours.to_integral_value() else float(hours)


def to_record(row: CourseRow) -> dict[str, Any]:
    """A row as the JSON object of the format, keys in the documented order."""
    return {
        "provider": row.provider,
        "code": row.code,
        "title_ja": row.title_ja,
        "title_en": row.title_en,
        "description_ja": row.description_ja,
        "description_en": row.description_en,
        "url": row.url,
        "level": row.level,
        "hours": _hours_out(row.hours),
        "price_jpy": row.price_jpy,
        "format": row.format,
        "language": row.language,
        "prefecture": row.prefecture,
        "reskill_certified": row.reskill_certified,
        "training_benefit_eligible": row.training_benefit_eligible,
        "skills": [{"code": c, "level": lvl} for c, lvl in row.skills],
        "literacy": list(row.literacy),
    }


def dump_json(rows: Iterable[CourseRow]) -> str:
    return json.dumps([to_record(r) for r in rows], ensure_ascii=False, indent=2) + "\n"


def dump_csv(rows: Iterable[CourseRow]) -> str:
    """CSV with a UTF-8 BOM so that Excel opens Japanese text correctly."""
    out = io.StringIO()
    writer = csv_writer(out)  # formula-like cells quoted (common/csv_safe.py); csv_unescape reads them back
    writer.writerow(ALL_COLUMNS)
    for row in rows:
        record = to_record(row)
        record["skills"] = ";".join(f"{c}:{lvl}" for c, lvl in row.skills)
        record["literacy"] = ";".join(row.literacy)
        record["reskill_certified"] = "true" if row.reskill_certified else "false"
        record["training_benefit_eligible"] = "true" if row.training_benefit_eligible else "false"
        writer.writerow([record[c] for c in ALL_COLUMNS])
    return "\ufeff" + out.getvalue()


def template_row(*, provider: str, skill_code: str = "") -> CourseRow:
    """The example row of the downloadable templates: valid as it is (the importer accepts it unchanged),
    to be replaced by the provider's own courses."""
    return CourseRow(
        row=1,
        provider=provider,
        code="EXAMPLE-001",
        title_ja="データ活用入門（例）",
        title_en="Introduction to using data (example)",
        description_ja="業務データの集計と可視化の基本を学びます。この行を自社の講座に書き換えてください。",
        description_en="The basics of summarising and charting business data. Replace this row with your courses.",
        url="https://example.com/courses/example-001",
        level=1,
        hours=Decimal("2.5"),
        price_jpy=0,
        format="e-learning",
        language="ja",
        prefecture="",
        reskill_certified=False,
        training_benefit_eligible=False,
        skills=[(skill_code, 1)] if skill_code else [],
        literacy=[],
    )
