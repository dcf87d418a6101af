"""Suppression that survives linear algebra (issue 16): an attacker takes the tables the API publishes
(the total, the five one-way tables, and a two-way table with its totals, each of the ten), writes each hidden number
as an unknown bounded by its label ("<10": 0 to 9; "x": 10 or more), and asks scipy's linprog for the
minimum and the maximum of each.  No hidden number may be narrower than the threshold allows: at least
`threshold` whole numbers (max - min >= threshold - 1), so a "<10" cell stays anywhere from 0 to 9."""

from __future__ import annotations

import itertools
import json
import math
import random
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from scipy.optimize import linprog

from national.counting import DIMENSIONS
from national.suppression import (
    PRIMARY,
    hidden_ranges,
    protect_1d,
    protect_2d,
    protected,
    table_edges_2d,
)

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 30)


def _bounds(label: str | None, threshold: int) -> tuple[float, float | None]:
    return (0.0, float(threshold - 1)) if label == PRIMARY else (float(threshold), None)


def solve(equations: list[tuple[dict[Any, float], float]], bounds: dict[Any, tuple[float, float | None]]):
    """min and max of every unknown, by linprog, one connected group of unknowns at a time."""
    parent: dict[Any, Any] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for coefficients, _ in equations:
        keys = list(coefficients)
        for k in keys:
            parent[find(k)] = find(keys[0])
    for key in bounds:
        find(key)
    groups: dict[Any, list[Any]] = {}
    for key in parent:
        groups.setdefault(find(key), []).append(key)
    by_group: dict[Any, list] = {}
    for eq in equations:
        by_group.setdefault(find(next(iter(eq[0]))), []).append(eq)
    ranges = {}
    for root, keys in groups.items():
        index = {k: i for i, k in enumerate(keys)}
        eqs = by_group.get(root, [])
        a = np.zeros((max(1, len(eqs)), len(keys)))
        b = np.zeros(max(1, len(eqs)))
        for row, (coefficients, constant) in enumerate(eqs):
            for k, v in coefficients.items():
                a[row, index[k]] += v
            b[row] = constant
        box = [bounds[k] for k in keys]
        for k, i in index.items():
            c = np.zeros(len(keys))
            c[i] = 1.0
            low = linprog(c, A_eq=a, b_eq=b, bounds=box, method="highs")
            high = linprog(-c, A_eq=a, b_eq=b, bounds=box, method="highs")
            assert low.status == 0, (k, low.message)  # the published numbers are consistent
            hi = math.inf if high.status == 3 else -high.fun
            ranges[k] = (low.fun, hi)
    return ranges


def _add(equations, terms: list[tuple[Any, int | None]], total: tuple[Any, int | None]) -> None:
    """sum(terms) == total; a term is (unknown, None) when hidden, (None, value) when published."""
    coefficients: dict[Any, float] = {}
    constant = 0.0
    for key, value in terms:
        if value is None:
            coefficients[key] = coefficients.get(key, 0.0) + 1.0
        else:
            constant -= value
    key, value = total
    if value is None:
        coefficients[key] = coefficients.get(key, 0.0) - 1.0
    else:
        constant += value
    if coefficients:
        equations.append((coefficients, constant))
    else:
        assert abs(constant) < 1e-9  # a fully published line adds up


def attack(viewer: Any, pairs: list[tuple[str, str]]) -> tuple[dict[Any, tuple[float, float]], dict[Any, str], int]:
    """The one-way tables and the two-way tables of `pairs`, solved together; each hidden number's
    (min, max) and label."""
    from national.selectors import national_breakdown

    equations: list = []
    bounds: dict[Any, tuple[float, float | None]] = {}
    labels: dict[Any, str] = {}
    threshold = 10

    def unknown(key: Any, cell: Any) -> tuple[Any, int | None]:
        if cell.status:
            bounds[key] = _bounds(cell.status, cell.threshold)
            labels[key] = cell.status
            return key, None
        return None, cell.people

    one_way: dict[str, dict[Any, Any]] = {}
    total_cell = None
    for d in DIMENSIONS:
        table = national_breakdown(viewer=viewer, dimensions=[d], today=TODAY)
        threshold = table.threshold
        total_cell = table.total
        one_way[d] = {c.values[0]: c for c in table.cells}
        _add(equations, [unknown(("1", d, v), c) for v, c in one_way[d].items()], unknown(("total",), table.total))
    assert total_cell is not None
    for a, b in pairs:
        table = national_breakdown(viewer=viewer, dimensions=[a, b], today=TODAY)
        for d in (a, b):  # a two-way table's totals are exactly the one-way answers
            assert {c.values[0]: c.display for c in table.margins[d]} == {v: c.display for v, c in one_way[d].items()}
        cells = {c.values: c for c in table.cells}
        for va, ca in one_way[a].items():
            row = [unknown(("2", a, b, va, vb), cells[(va, vb)]) for vb in one_way[b]]
            _add(equations, row, unknown(("1", a, va), ca))
        for vb, cb in one_way[b].items():
            column = [unknown(("2", a, b, va, vb), cells[(va, vb)]) for va in one_way[a]]
            _add(equations, column, unknown(("1", b, vb), cb))
    return solve(equations, bounds), labels, threshold


def attack_summary(viewer: Any) -> dict[str, int]:
    """Each two-way table with the one-way tables and the total (ten attacks): how many hidden numbers,
    how many pinned exactly (max == min), how many narrower than the threshold allows."""
    summary = {"hidden": 0, "pinned": 0, "narrow": 0, "narrowest": 10**9}
    for pair in itertools.combinations(DIMENSIONS, 2):
        ranges, _labels, threshold = attack(viewer, [pair])
        for low, high in ranges.values():
            summary["hidden"] += 1
            summary["pinned"] += high - low < 0.5
            summary["narrow"] += not protected((low, high), threshold)
            summary["narrowest"] = min(summary["narrowest"], round(min(high - low, 10**6)))
    print("attack:", summary)
    return summary


# --- plain tables: the max-flow audit agrees with linprog ---------------------------------------


def test_the_flow_audit_finds_what_linprog_finds_on_random_tables():
    rng = random.Random(16)  # noqa: S311 - test data
    for _ in range(40):
        rows = list(range(rng.randint(2, 6)))
        columns = list(range(rng.randint(2, 6)))
        counts = {(r, c): rng.choice([0, 0, 1, 3, 8, 9, 10, 12, 25, 40, 100]) for r in rows for c in columns}
        row_totals = {r: sum(counts[(r, c)] for c in columns) for r in rows}
        column_totals = {c: sum(counts[(r, c)] for r in rows) for c in columns}
        total = sum(counts.values())
        row_status = protect_1d(row_totals, rows, total_hidden=total < 10, threshold=10)
        column_status = protect_1d(column_totals, columns, total_hidden=total < 10, threshold=10)
        status = protect_2d(counts, rows, columns, row_hidden=row_status, column_hidden=column_status, threshold=10)
        edges = table_edges_2d(counts, rows, columns, status, row_status, column_status, 10)
        flow = hidden_ranges(edges, 10)
        equations: list = []
        bounds: dict[Any, tuple[float, float | None]] = {}
        for key, (_t, _h, _v, low, high) in edges.items():
            if high > low:
                bounds[key] = (low, None if math.isinf(high) else high)

        def term(key, value, bounds=bounds):
            return (key, None) if key in bounds else (None, value)

        for r in rows:
            _add(equations, [term(("cell", (r, c)), counts[(r, c)]) for c in columns], term(("row", r), row_totals[r]))
        for c in columns:
            column = [term(("cell", (r, c)), counts[(r, c)]) for r in rows]
            _add(equations, column, term(("column", c), column_totals[c]))
        _add(equations, [term(("row", r), row_totals[r]) for r in rows], term(("total",), total))
        _add(equations, [term(("column", c), column_totals[c]) for c in columns], term(("total",), total))
        exact = solve(equations, bounds)
        for key, (lo, hi) in exact.items():
            # the max-flow audit sees exactly what linprog sees (each side followed up to threshold - 1)
            assert protected((lo, hi), 10) == protected(flow[key], 10), (counts, key, (lo, hi), flow[key])


def test_a_total_equal_to_its_one_published_cell_no_longer_gives_the_others_away():
    """The issue's example: row A's total equals its one published cell, so its other cells were 0."""
    rows, columns = ["A", "B", "C"], ["c1", "c2", "c3", "c4"]
    counts = {
        ("A", "c1"): 0, ("A", "c2"): 0, ("A", "c3"): 25, ("A", "c4"): 0,
        ("B", "c1"): 14, ("B", "c2"): 30, ("B", "c3"): 40, ("B", "c4"): 22,
        ("C", "c1"): 16, ("C", "c2"): 12, ("C", "c3"): 50, ("C", "c4"): 35,
    }  # fmt: skip
    row_totals = {r: sum(counts[(r, c)] for c in columns) for r in rows}
    column_totals = {c: sum(counts[(r, c)] for r in rows) for c in columns}
    row_status = protect_1d(row_totals, rows, total_hidden=False, threshold=10)
    column_status = protect_1d(column_totals, columns, total_hidden=False, threshold=10)
    status = protect_2d(counts, rows, columns, row_hidden=row_status, column_hidden=column_status, threshold=10)
    edges = table_edges_2d(counts, rows, columns, status, row_status, column_status, 10)
    assert status[("A", "c3")] is not None  # the one published cell of row A is hidden too
    assert all(protected(r, 10) for k, r in hidden_ranges(edges, 10).items() if k != ("total",))


# --- the whole API, on the demo world and on a generated population -----------------------------


@pytest.mark.django_db
def test_the_demo_world_survives_the_attacker(standard):
    from django.contrib.auth.models import User

    from courses.services import catalog_import, providers_load

    providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
    catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample.json")
    call_command("seed_demo", "--force")
    summary = attack_summary(User.objects.get(username="ministry"))
    assert summary["hidden"] > 50  # the attack had something to work on
    assert summary["pinned"] == 0


@pytest.mark.django_db
def test_a_generated_population_survives_the_attacker(standard):
    from decimal import Decimal

    from courses.models import CourseSkill
    from courses.tests.factories import CourseFactory
    from national.tests.factories import ministry_analyst
    from skills.models import SkillItem

    items = list(SkillItem.objects.filter(version=standard).order_by("pk")[:6])
    for n in range(12):
        course = CourseFactory.create(hours=Decimal("12.0") if n % 3 else Decimal("3.0"))
        if n < 10:
            CourseSkill.objects.create(course=course, skill_item=items[n % 6], level=1 + n % 3)
    call_command("generate_population", learners=1500, events=3000, orgs=30, seed=16)
    summary = attack_summary(ministry_analyst())
    assert summary["hidden"] > 50
    assert summary["pinned"] == 0


def test_the_joint_audit_finds_what_linprog_finds_on_random_tables():
    """`joint_ranges` (every table at once, shared unknowns) against linprog on the same system."""
    from national.suppression import SECONDARY, Tables, _equations, joint_ranges

    rng = random.Random(17)  # noqa: S311 - test data
    for _ in range(8):
        domains = {d: list(range(rng.randint(2, 4))) for d in ("a", "b", "c")}
        people = {key: rng.choice([0, 1, 3, 9, 10, 12, 25]) for key in itertools.product(*domains.values())}
        one = {
            d: {v: sum(p for k, p in people.items() if k[i] == v) for v in domains[d]} for i, d in enumerate(domains)
        }
        two = {
            (x, y): {
                (u, w): sum(p for k, p in people.items() if k[i] == u and k[j] == w)
                for u in domains[x]
                for w in domains[y]
            }
            for (i, x), (j, y) in itertools.combinations(enumerate(domains), 2)
        }
        tables = Tables(total=sum(people.values()), domains=domains, one_way=one, two_way=two)
        tables.one_status = {d: {v: (PRIMARY if n < 10 else None) for v, n in one[d].items()} for d in one}
        tables.two_status = {
            p: {k: (PRIMARY if n < 10 else (SECONDARY if rng.random() < 0.3 else None)) for k, n in c.items()}
            for p, c in two.items()
        }
        keys, _values, bounds, equations = _equations(tables, 10)
        if not keys:
            continue
        exact = solve(
            [({keys[i]: v for i, v in eq.items()}, constant) for eq, constant in equations],
            {k: (low, None if math.isinf(high) else high) for k, (low, high) in zip(keys, bounds, strict=True)},
        )
        fast = joint_ranges(tables, 10)
        full = joint_ranges(tables, 10, exact=True)
        for key, (low, high) in exact.items():
            assert full[key] == pytest.approx((low, high)), key
            assert protected(fast[key], 10) == protected((low, high), 10), key
