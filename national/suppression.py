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
from dataclasses import dataclass, field
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


# --- every table at once: the joint attack and the joint suppression ----------------------------------
#
# The API publishes the grand total, a one-way table per dimension and a two-way table per pair of
# dimensions whose row and column totals are the one-way tables.  An attacker who solves all of them
# together has one unknown per hidden number, shared wherever tables share it (a hidden one-way cell is
# a row total in every two-way table of its dimension).  `joint_narrow` finds the hidden numbers whose
# feasible range in that joint system is narrower than the threshold, with linear programs (HiGHS).
# It is a measurement only: the suppression itself is still chosen table by table (see the docs' Limits).

OneKey = tuple[str, str, Any]  # ("1", dimension, value)
TwoKey = tuple[str, tuple[str, str], tuple[Any, Any]]  # ("2", (a, b), (value of a, value of b))


@dataclass
class Tables:
    """Every published table in canonical dimension order, with the status of each number."""

    total: int
    domains: dict[str, list[Any]]
    one_way: dict[str, dict[Any, int]]  # dimension -> value -> people (zeros included)
    two_way: dict[tuple[str, str], dict[tuple[Any, Any], int]]  # (a, b) -> (va, vb) -> people
    total_status: Status = None
    one_status: dict[str, dict[Any, Status]] = field(default_factory=dict)
    two_status: dict[tuple[str, str], dict[tuple[Any, Any], Status]] = field(default_factory=dict)

    def hidden(self) -> int:
        return sum(1 for s in self.one_status.values() for v in s.values() if v) + sum(
            1 for s in self.two_status.values() for v in s.values() if v
        )


def _equations(tables: Tables, threshold: int) -> tuple[list[Any], list[float], list[tuple[float, float]], list]:
    """The attacker's system: unknowns (keys), their true values and label bounds, and the equations
    (a dict unknown -> coefficient, constant) that hold between them."""
    keys: list[Any] = []
    values: list[float] = []
    bounds: list[tuple[float, float]] = []
    index: dict[Any, int] = {}

    def term(key: Any, value: int, status: Status) -> tuple[int | None, float]:
        if not status:
            return None, float(value)
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
            values.append(float(value))
            bounds.append(label_bounds(status, threshold))
        return index[key], float(value)

    equations: list[tuple[dict[int, float], float]] = []

    def add(parts: list[tuple[int | None, float]], whole: tuple[int | None, float]) -> None:
        coefficients: dict[int, float] = {}
        constant = 0.0
        for i, value in parts:
            if i is None:
                constant -= value
            else:
                coefficients[i] = coefficients.get(i, 0.0) + 1.0
        i, value = whole
        if i is None:
            constant += value
        else:
            coefficients[i] = coefficients.get(i, 0.0) - 1.0
        if coefficients:
            equations.append((coefficients, constant))

    grand = term(("total",), tables.total, tables.total_status)
    for d, order in tables.domains.items():
        status = tables.one_status[d]
        add([term(("1", d, v), tables.one_way[d][v], status[v]) for v in order], grand)
    for (a, b), counts in tables.two_way.items():
        status2 = tables.two_status[(a, b)]
        sa, sb = tables.one_status[a], tables.one_status[b]
        for va in tables.domains[a]:
            row = [term(("2", (a, b), (va, vb)), counts[(va, vb)], status2[(va, vb)]) for vb in tables.domains[b]]
            add(row, term(("1", a, va), tables.one_way[a][va], sa[va]))
        for vb in tables.domains[b]:
            column = [term(("2", (a, b), (va, vb)), counts[(va, vb)], status2[(va, vb)]) for va in tables.domains[a]]
            add(column, term(("1", b, vb), tables.one_way[b][vb], sb[vb]))
    return keys, values, bounds, equations


def joint_ranges(tables: Tables, threshold: int, *, exact: bool = False) -> dict[Any, tuple[float, float]]:
    """The range of every hidden number that the joint attack can narrow below the threshold, exactly
    (linprog min and max), and for every other hidden number a range it certainly reaches (two feasible
    solutions found on the way, at least threshold - 1 apart): protected ones are certified by witnesses
    rather than solved one by one.  `exact` solves every hidden number (slow; for the tests)."""
    import numpy as np
    from scipy.sparse import csc_array

    keys, values, bounds, equations = _equations(tables, threshold)
    n = len(keys)
    if not n:
        return {}
    # A two-way cell that a cycle of its own table can move by the threshold, every total of the table held
    # at its true value (published or not), moves that far in the joint system too: nothing shared changes.
    known: dict[Any, tuple[float, float]] = {}
    if not exact:
        for (a, b), counts in tables.two_way.items():
            fixed = table_edges_2d(
                counts, tables.domains[a], tables.domains[b], tables.two_status[(a, b)], {}, {}, threshold
            )
            tail, head, value, _low, _high = fixed[("total",)]
            fixed[("total",)] = (tail, head, value, float(value), float(value))
            for key, bound in hidden_ranges(fixed, threshold).items():
                if key[0] == "cell" and protected(bound, threshold):
                    known[("2", (a, b), key[1])] = bound
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for coefficients, _ in equations:
        first, *rest = coefficients
        for other in rest:
            parent[find(other)] = find(first)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    group_equations: dict[int, list[tuple[dict[int, float], float]]] = {}
    for eq in equations:
        group_equations.setdefault(find(next(iter(eq[0]))), []).append(eq)
    need = threshold - 1 - 1e-6
    out: dict[Any, tuple[float, float]] = {}
    for root, members in groups.items():
        local = {g: i for i, g in enumerate(members)}
        eqs = group_equations.get(root, [])
        m = len(members)
        lo = np.array([values[g] for g in members])
        hi = lo.copy()
        for i, g in enumerate(members):
            if keys[g] in known:
                lo[i], hi[i] = known[keys[g]]
        box = [(bounds[g][0], None if math.isinf(bounds[g][1]) else bounds[g][1]) for g in members]
        if not eqs:
            for g, (low, high) in zip(members, box, strict=True):
                out[keys[g]] = (low, math.inf if high is None else high)
            continue
        rows, cols, data = [], [], []
        rhs = np.zeros(len(eqs))
        for r, (coefficients, constant) in enumerate(eqs):
            for g, v in coefficients.items():
                rows.append(r)
                cols.append(local[g])
                data.append(v)
            rhs[r] = constant
        highs = _Solver(csc_array((data, (rows, cols)), shape=(len(eqs), m)), rhs, box)

        low_exact: dict[int, float] = {}
        high_exact: dict[int, float] = {}
        for i in range(m):
            if not exact and (hi[i] - lo[i] >= need):
                continue
            bottom, top = (highs.optimum(i, sign) for sign in (1.0, -1.0))
            for _, x in (bottom, top):
                if x is not None:  # a solution: every unknown's value in it is possible
                    np.minimum(lo, x, out=lo)
                    np.maximum(hi, x, out=hi)
            low_exact[i] = lo[i] if bottom[0] is None else bottom[0]
            high_exact[i] = math.inf if top[0] is None else -top[0]
        for i, g in enumerate(members):
            if i in low_exact:
                out[keys[g]] = (low_exact[i], high_exact[i])
            else:
                out[keys[g]] = (float(lo[i]), float(hi[i]))
    return out


class _Solver:
    """One HiGHS model of a connected group of unknowns, re-solved for each objective from the last basis
    (scipy's bundled HiGHS; `linprog` would start from scratch every time, about 6 times slower here)."""

    def __init__(self, matrix: Any, rhs: Any, box: Sequence[tuple[float, float | None]]) -> None:
        import numpy as np
        from scipy.optimize._highspy import _core as highs

        self.np = np
        self.highs = highs
        self.model = highs._Highs()
        self.model.setOptionValue("output_flag", False)
        lp = highs.HighsLp()
        n = matrix.shape[1]
        lp.num_col_ = n
        lp.num_row_ = matrix.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.array([low for low, _ in box], dtype=float)
        lp.col_upper_ = np.array([highs.kHighsInf if high is None else high for _, high in box], dtype=float)
        lp.row_lower_ = np.asarray(rhs, dtype=float)
        lp.row_upper_ = np.asarray(rhs, dtype=float)
        lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        lp.a_matrix_.num_col_ = n
        lp.a_matrix_.num_row_ = matrix.shape[0]
        self.model.passModel(lp)

    def optimum(self, i: int, sign: float) -> tuple[float | None, Any]:
        """The minimum of sign * x[i] and the solution reaching it (None, None when unbounded)."""
        np = self.np
        index = np.array([i], dtype=np.int32)
        self.model.changeColsCost(1, index, np.array([sign]))
        self.model.run()
        status = self.model.getModelStatus()
        self.model.changeColsCost(1, index, np.array([0.0]))
        if status == self.highs.HighsModelStatus.kOptimal:
            x = np.array(self.model.getSolution().col_value)
            return sign * float(x[i]), x
        if status in (self.highs.HighsModelStatus.kUnbounded, self.highs.HighsModelStatus.kUnboundedOrInfeasible):
            return None, None
        raise RuntimeError(f"HiGHS: {self.model.modelStatusToString(status)}")
