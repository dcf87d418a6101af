"""Cell suppression for published tables (plain Python, no Django).

Primary suppression hides every cell with fewer people than the threshold (zero included).
Secondary suppression hides more cells so that no published sum pins a hidden cell down: every
line of a table (a row or a column with its total, or a one-way table with the grand total) must
hide either nothing or at least two of its numbers, total included.  When a line hides exactly
one, the smallest published cell of that line is hidden too (ties: the earlier cell; in a two-way
table a cell whose crossing line also hides exactly one number goes first, as it mends both), and
rows and columns are revisited until nothing changes.

Then the tables are audited as an attacker would solve them (`hidden_ranges`: the min and max of each
hidden number given the published ones, computed as max flows, which is what a linear program finds):
the table's cells, its row and column totals and its
grand total, published numbers as constants and hidden ones as unknowns bounded by what their label
says ("<10": 0 to threshold - 1; "x": at least the threshold, since only published-size cells are
hidden as secondary).  A hidden number is protected when its feasible range holds at least
`threshold` whole numbers (max - min >= threshold - 1; a "<10" cell must stay anywhere from 0 to 9).
While one is not, one more published cell of its row or column is hidden (a cell whose crossing line
already hides a number first, then the smallest) and the audit runs again.  docs/national-progress.md
has the method and what it does not cover.

A two-way table's totals are the one-way tables of its dimensions, suppressed by `protect_1d`
exactly as a one-way query shows them, so comparing two queries reveals nothing one of them
hides.  Tables are always suppressed in one canonical dimension order, so a table and its
transpose hide the same cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

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
    full = {key: counts.get(key, 0) for key in order}
    status = primary(full, threshold)
    _protect_line(order, total_hidden, full, status)
    total_status = PRIMARY if total_hidden else None
    while not total_hidden:
        ranges = hidden_ranges(table_edges_1d(full, order, status, total_status, threshold), threshold)
        if all(protected(bound, threshold) for key, bound in ranges.items() if key != ("total",)):
            break
        candidates = [(full[key], position) for position, key in enumerate(order) if not status[key]]
        if not candidates:
            break
        status[order[min(candidates)[1]]] = SECONDARY
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

    hardened = True
    while hardened:
        changed = True
        while changed:
            changed = False
            for r in rows:
                changed |= _protect_line(row_lines[r], bool(row_hidden.get(r)), full, status, column_needs_one)
            for c in columns:
                changed |= _protect_line(column_lines[c], bool(column_hidden.get(c)), full, status, row_needs_one)
        hardened = _harden_2d_step(full, rows, columns, status, row_hidden, column_hidden, threshold)
    return status


# --- the audit: what an attacker solving the published numbers learns -------------------------------
#
# A table with its totals is a circulation: the grand total flows from T to S, each row total from S to
# its row, each cell from its row to its column, each column total from its column to T (a one-way
# table: each cell from S to T).  Published numbers are edges with fixed flow; hidden ones are edges
# bounded by what their label says.  The true counts are one feasible circulation; any other differs
# from it by cycles of the residual graph, so a hidden number can rise by the largest flow from its
# head back to its tail through the other edges' residual capacity, and fall likewise the other way
# round.  That is exactly the range a linear program over the published numbers finds (the tests
# check it with scipy's linprog, as an attacker would), at the cost of a few small max-flow searches.

Edge = tuple[Any, Any, int, float, float]  # tail, head, true value, low, high (high may be math.inf)


def label_bounds(label: Status, threshold: int) -> tuple[float, float]:
    """What a hidden number's label tells: "<10" is 0..threshold-1, "x" is at least the threshold."""
    return (0.0, float(threshold - 1)) if label == PRIMARY else (float(threshold), math.inf)


def protected(bounds: tuple[float, float], threshold: int) -> bool:
    """At least `threshold` whole numbers are possible (max - min >= threshold - 1)."""
    low, high = bounds
    return high - low >= threshold - 1 - 1e-9


def _edge(tail: Any, head: Any, value: int, label: Status, threshold: int) -> Edge:
    low, high = label_bounds(label, threshold) if label else (float(value), float(value))
    return tail, head, value, low, high


def table_edges_1d(
    counts: Mapping[K, int], order: Sequence[K], status: Mapping[K, Status], total_status: Status, threshold: int
) -> dict[Any, Edge]:
    total = sum(counts[key] for key in order)
    edges: dict[Any, Edge] = {("cell", key): _edge("S", "T", counts[key], status[key], threshold) for key in order}
    edges[("total",)] = _edge("T", "S", total, total_status, threshold)
    return edges


def table_edges_2d(
    counts: Mapping[tuple[K, K], int],
    rows: Sequence[K],
    columns: Sequence[K],
    status: Mapping[tuple[K, K], Status],
    row_status: Mapping[K, Status],
    column_status: Mapping[K, Status],
    threshold: int,
) -> dict[Any, Edge]:
    row_total = {r: sum(counts[(r, c)] for c in columns) for r in rows}
    column_total = {c: sum(counts[(r, c)] for r in rows) for c in columns}
    total = sum(row_total.values())
    edges: dict[Any, Edge] = {}
    for (r, c), value in counts.items():
        edges[("cell", (r, c))] = _edge(("row", r), ("column", c), value, status[(r, c)], threshold)
    for r, value in row_total.items():
        edges[("row", r)] = _edge("S", ("row", r), value, row_status.get(r), threshold)
    for c, value in column_total.items():
        edges[("column", c)] = _edge(("column", c), "T", value, column_status.get(c), threshold)
    edges[("total",)] = _edge("T", "S", total, PRIMARY if total < threshold else None, threshold)
    return edges


class _Residual:
    """Residual capacities of the hidden edges, parallel edges summed (infinite ones counted apart)."""

    def __init__(self, edges: Mapping[Any, Edge]) -> None:
        self.finite: dict[tuple[Any, Any], float] = {}
        self.infinite: dict[tuple[Any, Any], int] = {}
        for tail, head, value, low, high in edges.values():
            if high > low:
                self.add((tail, head), high - value, 1)
                self.add((head, tail), value - low, 1)

    def add(self, arc: tuple[Any, Any], amount: float, sign: int) -> None:
        if math.isinf(amount):
            self.infinite[arc] = self.infinite.get(arc, 0) + sign
        else:
            self.finite[arc] = self.finite.get(arc, 0.0) + sign * amount

    def capacities(self) -> dict[tuple[Any, Any], float]:
        out = {arc: amount for arc, amount in self.finite.items() if amount > 0}
        out.update({arc: math.inf for arc, n in self.infinite.items() if n > 0})
        return out


def _max_flow(capacity: dict[tuple[Any, Any], float], source: Any, sink: Any, limit: float) -> float:
    """Edmonds-Karp up to `limit` (capacity is changed in place; pass a copy)."""
    neighbours: dict[Any, list[Any]] = {}
    for a, b in capacity:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    flow = 0.0
    while flow < limit:
        parent: dict[Any, Any] = {source: None}
        queue = [source]
        for node in queue:
            if node == sink:
                break
            for nxt in neighbours.get(node, ()):
                if nxt not in parent and capacity.get((node, nxt), 0.0) > 1e-9:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            break
        path = []
        node = sink
        while parent[node] is not None:
            path.append((parent[node], node))
            node = parent[node]
        push = min(limit - flow, *(capacity[arc] for arc in path))
        for a, b in path:
            capacity[(a, b)] -= push
            capacity[(b, a)] = capacity.get((b, a), 0.0) + push
        flow += push
    return flow


def hidden_ranges(edges: Mapping[Any, Edge], threshold: int) -> dict[Any, tuple[float, float]]:
    """The feasible range of every hidden number, as far as protection needs to know: each side is
    followed up to threshold - 1 beyond the true value (a wider range is reported at that width)."""
    residual = _Residual(edges)
    need = float(threshold - 1)
    out: dict[Any, tuple[float, float]] = {}
    for key, (tail, head, value, low, high) in edges.items():
        if high <= low:
            continue
        residual.add((tail, head), high - value, -1)
        residual.add((head, tail), value - low, -1)
        up = min(high - value, _max_flow(residual.capacities(), head, tail, need))
        down = min(value - low, _max_flow(residual.capacities(), tail, head, need))
        residual.add((tail, head), high - value, 1)
        residual.add((head, tail), value - low, 1)
        out[key] = (value - down, value + up)
    return out


def _harden_2d_step(
    full: Mapping[tuple[K, K], int],
    rows: Sequence[K],
    columns: Sequence[K],
    status: dict[tuple[K, K], Status],
    row_status: Mapping[K, Status],
    column_status: Mapping[K, Status],
    threshold: int,
) -> bool:
    """Hide one more cell for the first unprotected hidden number that can be helped; False when every
    hidden number of the table (cells and totals) is protected, or nothing more can help."""
    edges = table_edges_2d(full, rows, columns, status, row_status, column_status, threshold)
    ranges = hidden_ranges(edges, threshold)
    narrow = [key for key, bound in ranges.items() if key != ("total",) and not protected(bound, threshold)]

    def crossing_hides(key: tuple[K, K], along_row: bool) -> bool:
        r, c = key
        crossing = [(x, c) for x in rows] if along_row else [(r, x) for x in columns]
        margin_hidden = bool(column_status.get(c)) if along_row else bool(row_status.get(r))
        return margin_hidden or any(status[k] for k in crossing if k != key)

    def useless(key: tuple[K, K], along_row: bool) -> bool:
        # A cell alone in its crossing line, whose total is published, would be given away at once.
        r, c = key
        alone = len(rows) == 1 if along_row else len(columns) == 1
        margin_hidden = bool(column_status.get(c)) if along_row else bool(row_status.get(r))
        return alone and not margin_hidden

    for kind, where in narrow:
        lines: list[tuple[bool, list[tuple[K, K]]]] = []  # (along a row?, cells)
        if kind in ("cell", "row"):
            r = where[0] if kind == "cell" else where
            lines.append((True, [(r, c) for c in columns]))
        if kind in ("cell", "column"):
            c = where[1] if kind == "cell" else where
            lines.append((False, [(r, c) for r in rows]))
        candidates = [
            (not crossing_hides(key, along_row), full[key], li, position)
            for li, (along_row, line) in enumerate(lines)
            for position, key in enumerate(line)
            if not status[key] and not useless(key, along_row)
        ]
        if candidates:
            *_, li, position = min(candidates)
            status[lines[li][1][position]] = SECONDARY
            return True
    return False
