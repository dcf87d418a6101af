"""The input boundary (plain Python, no Django): text, JSON documents, numbers and dates.

Everything that comes from outside (API bodies, uploaded files, files given to commands, xAPI
statements) passes through here before anything else reads it.  docs/operations.md lists the limits.

- Text may not hold NUL (PostgreSQL text and jsonb cannot store it) or a lone surrogate (not
  Unicode: it cannot be encoded as UTF-8, so the database driver, a file or a terminal fails on it),
  in values and in keys.
- JSON documents are checked for nesting depth before they are parsed (Python's parser recurses:
  50,000 nested brackets raise RecursionError), and for size; integers are at most
  `MAX_INT_DIGITS` digits (a 64-bit integer), floats finite, NaN and Infinity are refused.
- Numbers and dates get their documented ranges from the constants below.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common.messages import Message

MAX_JSON_DEPTH = 64
MAX_JSON_BYTES = 20 * 1024 * 1024
MAX_INT_DIGITS = 18  # every id, count and amount fits in a signed 64-bit integer
BIGINT_MAX = 2**63 - 1
# Events (progress, xAPI): from this instant ...
EVENT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# ... to this far after the server's clock (a client clock a little fast is not an error).
EVENT_FUTURE_TOLERANCE = timedelta(minutes=5)
# Due dates (tracks): from today to this many days ahead (5 years).
DUE_DATE_MAX_DAYS = 5 * 366
# Course prices (JPY) and a learner's budget.
PRICE_MAX_JPY = 10_000_000

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NUL_OR_SURROGATE = re.compile("[\x00\ud800-\udfff]")
# A JSON string (strict, unrolled so that a long string costs one linear scan).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class InputError(ValueError):
    """Input refused at the boundary; `problems` is a list of (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in problems))


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    if "\x00" in value:
        return Message("contains a NUL character")
    if _LONE_SURROGATE.search(value):
        return Message("contains a lone surrogate (text that is not valid Unicode)")
    return None


def printable(value: str, limit: int = 80) -> str:
    """`value` safe to print, log or store in an error message: NUL, other control characters and lone
    surrogates are written as escapes (\\x00, \\ud800); other text, Japanese included, is kept."""

    def escape(ch: str) -> str:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            return f"\\u{code:04x}"
        if code < 0x20 or code == 0x7F:
            return f"\\x{code:02x}"
        return ch

    text = "".join(escape(ch) for ch in value[:limit])
    return text + ("…" if len(value) > limit else "")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def bad_text(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every (field path, problem) of text in `value` (keys and values of nested dicts and lists).

    Iterative, so any depth is fine; field names in paths are `printable`."""
    if _all_text_clean(value):
        return []  # the common case, without building a path per field
    problems: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                problems.append((where or "(value)", problem))
        elif isinstance(item, dict):
            for key, child in item.items():
                label = printable(str(key))
                if isinstance(key, str) and (problem := text_problem(key)):
                    problems.append((_join(where, label), Message("the key %(problem)s", problem=problem)))
                    continue
                stack.append((_join(where, label), child))
        elif isinstance(item, list | tuple):
            stack.extend((_join(where, i), child) for i, child in enumerate(item))
    problems.sort()
    return problems


def _all_text_clean(value: Any) -> bool:
    """True when no key or value in `value` holds NUL or a lone surrogate (one regex scan per string)."""
    find = _NUL_OR_SURROGATE.search
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if find(item):
                return False
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and find(key):
                    return False
                stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return True


def check_text(value: Any, path: str = "") -> None:
    """Raise InputError naming every field whose text holds NUL or a lone surrogate."""
    problems = bad_text(value, path)
    if problems:
        raise InputError(problems)


def json_depth(text: str) -> int:
    """The deepest nesting of brackets in `text` (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def _parse_int(raw: str) -> int:
    if len(raw.lstrip("-")) > MAX_INT_DIGITS:
        digits = len(raw.lstrip("-"))
        raise InputError(
            [
                (
                    "",
                    Message(
                        "a number has %(digits)s digits; at most %(limit)s are accepted",
                        digits=digits,
                        limit=MAX_INT_DIGITS,
                    ),
                )
            ]
        )
    return int(raw)


def _parse_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise InputError([("", Message("the number %(value)s is out of range", value=printable(raw, 40)))])
    return value


def _parse_constant(raw: str) -> float:
    raise InputError([("", Message("%(value)s is not a JSON number", value=raw))])


def json_loads(
    data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH, max_bytes: int = MAX_JSON_BYTES, check: bool = True
) -> Any:
    """Parse a JSON document within the limits; raises InputError (never RecursionError or a digit-limit
    ValueError).  Bytes must be UTF-8 (a BOM is allowed).  With `check`, text is checked too."""
    size = len(data)
    if size > max_bytes:
        raise InputError(
            [
                (
                    "",
                    Message(
                        "the document is %(size)s bytes; at most %(limit)s are accepted",
                        size=f"{size:,}",
                        limit=f"{max_bytes:,}",
                    ),
                )
            ]
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError([("", Message("not UTF-8 text (byte %(byte)s)", byte=exc.start))]) from None
    else:
        text = data
    depth = json_depth(text)
    if depth > max_depth:
        raise InputError(
            [
                (
                    "",
                    Message(
                        "the document nests %(depth)s levels deep; at most %(limit)s are accepted",
                        depth=depth,
                        limit=max_depth,
                    ),
                )
            ]
        )
    try:
        value = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant, strict=True
        )
    except json.JSONDecodeError as exc:
        problem = Message(
            "invalid JSON at line %(line)s, column %(column)s: %(error)s",
            line=exc.lineno,
            column=exc.colno,
            error=exc.msg,
        )
        raise InputError([("", problem)]) from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise InputError([("", Message("the document nests too deeply"))]) from None
    if check:
        check_text(value)
    return value


def int_in_range(value: Any, *, low: int, high: int) -> int:
    """`value` as an int from `low` to `high`, or ValueError saying the range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(Message("must be a whole number from %(low)s to %(high)s", low=low, high=high))
    if not low <= value <= high:
        if len(str(value)) > 30:
            raise ValueError(Message("the number is out of range: must be %(low)s-%(high)s", low=low, high=high))
        raise ValueError(
            Message("%(value)s is out of range: must be %(low)s-%(high)s", value=value, low=low, high=high)
        )
    return value


def event_time_problem(when: datetime, *, now: datetime) -> str | None:
    """Why `when` cannot be an event's time (the window is EVENT_EARLIEST to now + EVENT_FUTURE_TOLERANCE)."""
    if when.tzinfo is None:
        return Message("a time with a time zone is required")
    try:
        utc = when.astimezone(UTC)
    except (OverflowError, ValueError):
        return Message("outside the accepted window (2000-01-01 to now + 5 minutes)")
    latest = now + EVENT_FUTURE_TOLERANCE
    if utc < EVENT_EARLIEST:
        return Message("before %(date)s", date=EVENT_EARLIEST.date().isoformat())
    if utc > latest:
        return Message(
            "more than %(minutes)s minutes in the future", minutes=int(EVENT_FUTURE_TOLERANCE.total_seconds() // 60)
        )
    return None


def due_date_problem(due: date, *, today: date) -> str | None:
    """Why `due` cannot be a due date (today to today + DUE_DATE_MAX_DAYS)."""
    if due < today:
        return Message("the due date is in the past")
    if due > today + timedelta(days=DUE_DATE_MAX_DAYS):
        return Message("the due date is more than 5 years ahead")
    return None


def scaled_score_problem(value: Any) -> str | None:
    """xAPI result.score.scaled is a decimal number from -1 to 1 (xAPI 1.0.3, 4.1.5.1)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return Message("result.score.scaled: must be a number from -1 to 1")
    if not -1 <= value <= 1:
        return Message("result.score.scaled: must be a number from -1 to 1")
    return None


def first_problem(problems: Iterable[tuple[str, str]]) -> str:
    """'field: message' of the first problem (for one-line reasons)."""
    for field, message in problems:
        return f"{field}: {message}" if field else message
    return ""
