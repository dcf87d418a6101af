"""Cell suppression for published tables (plain Python, no Django).

Primary suppression hides every cell with fewer people than the threshold (zero included).
Secondary suppression hides more cells so that no published sum pins a hidden cell down: every
line of a table (a row or a column with its total, or a one-way table with the grand total) must
hide either nothing or at least two of its numbers, total included.  When a line hides exactly
one, the smallest published cell of that line is hidden too (ties: the earlier cell; in a two-way
table a cell whose crossing line also hides exactly one number goes first, as it mends both), and
rows and columns are revisited until nothing changes.

A two-way table's totals are the one-way tables of its dimensions, suppressed by `protect_1d`
exactly as a one-way query shows them, so comparing two queries reveals nothing one of them
hides.  Tables are always suppressed in one canonical dimension order, so a table and its
transpose hide the same cells.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

PRIMARY = "primary"  # fewer people than the threshold: shown as "<10"
SECONDARY = "secondary"  # hidden so that totals cannot reveal a primary cell: shown as "x"

K = TypeVar("K", bound=Hashable)
Status = str | None


def primary(counts: Mapping[K, int], threshold: int) -> dict[K, Status]:
    return {key: (PRIMARY if people < threshold else None) for key, people in counts.items()}


def _hidden(line: Sequence[K], total_hidden: bool, status: Mapping[K, Status]) -> int:
    return sum(1 for key in line if status[key]) + (1 if total_hidden else 0)


def _protect_line(
    line: Sequence[K],
    total_hidden: bool,
    counts: Mapping[K, int],
    status: dict[K, Status],
    mends: Callable[[K], bool] = lambda key: False,
) -> bool:
    """Hide one more cell if exactly one number of this line (cells and total) is hidden."""
    if _hidden(line, total_hidden, status) != 1:
        return False
    candidates = [(not mends(key), counts[key], position) for position, key in enumerate(line) if not status[key]]
    if not candidates:
        return False
    *_, position = min(candidates)
    status[line[position]] = SECONDARY
    return True


def protect_1d(counts: Mapping[K, int], order: Sequence[K], *, total_hidden: bool, threshold: int) -> dict[K, Status]:
    """A one-way table whose grand total is published unless `total_hidden`."""
    status = primary({key: counts.get(key, 0) for key in order}, threshold)
    _protect_line(order, total_hidden, {key: counts.get(key, 0) for key in order}, status)
    return status


def protect_2d(
    counts: Mapping[tuple[K, K], int],
    rows: Sequence[K],
    columns: Sequence[K],
    *,
    row_hidden: Mapping[K, Status],
    column_hidden: Mapping[K, Status],
    threshold: int,
) -> dict[tuple[K, K], Status]:
    """A two-way table; `row_hidden`/`column_hidden` say which of its totals are hidden (from `protect_1d`)."""
    full = {(r, c): counts.get((r, c), 0) for r in rows for c in columns}
    status = primary(full, threshold)
    row_lines = {r: [(r, c) for c in columns] for r in rows}
    column_lines = {c: [(r, c) for r in rows] for c in columns}

    def column_needs_one(key: tuple[K, K]) -> bool:
        return _hidden(column_lines[key[1]], bool(column_hidden.get(key[1])), status) == 1

    def row_needs_one(key: tuple[K, K]) -> bool:
        return _hidden(row_lines[key[0]], bool(row_hidden.get(key[0])), status) == 1

    changed = True
    while changed:
        changed = False
        for r in rows:
            changed |= _protect_line(row_lines[r], bool(row_hidden.get(r)), full, status, column_needs_one)
        for c in columns:
            changed |= _protect_line(column_lines[c], bool(column_hidden.get(c)), full, status, row_needs_one)
    return status
