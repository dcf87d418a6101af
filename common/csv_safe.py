"""CSV files that spreadsheets cannot run (plain Python).

A cell whose text begins with `=`, `+`, `-`, `@`, tab or carriage return is a formula to Excel,
LibreOffice and Google Sheets (CSV injection, OWASP).  Every CSV this service writes goes through
`csv_writer`, which prefixes such cells with a single quote, the OWASP rule: the spreadsheet shows
the text, and runs nothing.  Numbers (int, float, Decimal) are written as they are.  The catalog
import undoes the quote (`csv_unescape`), so an exported catalog imports back unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _quoted(value: str) -> bool:
    # Text that already begins with quotes before a formula character gets one more, so that
    # `csv_unescape` gives back exactly what was written.
    return value.lstrip("'").startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """`value`, with a leading single quote when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and _quoted(value):
        return "'" + value
    return value


def csv_unescape(value: str) -> str:
    """Undo `csv_safe` on a cell read back from a CSV this service wrote."""
    if value.startswith("'") and _quoted(value):
        return value[1:]
    return value


class SafeCsvWriter:
    """`csv.writer` whose every text cell passes through `csv_safe`."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **kwargs: Any) -> SafeCsvWriter:
    """The CSV writer for every export (CRLF line ends unless told otherwise)."""
    kwargs.setdefault("lineterminator", "\r\n")
    return SafeCsvWriter(out, **kwargs)
