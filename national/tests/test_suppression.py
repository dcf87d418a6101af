"""Suppression rules on plain tables (no database)."""

import random

from national.suppression import PRIMARY, SECONDARY, protect_1d, protect_2d


def hidden_in(line, status, total_hidden):
    return sum(1 for key in line if status[key]) + (1 if total_hidden else 0)


def test_cells_under_the_threshold_are_suppressed_zero_included():
    status = protect_1d({"a": 0, "b": 9, "c": 10}, ["a", "b", "c"], total_hidden=False, threshold=10)
    assert status == {"a": PRIMARY, "b": PRIMARY, "c": None}


def test_a_lone_small_cell_takes_the_next_smallest_with_it():
    counts = {"a": 4, "b": 30, "c": 25, "d": 60}
    status = protect_1d(counts, list(counts), total_hidden=False, threshold=10)
    assert status == {"a": PRIMARY, "b": None, "c": SECONDARY, "d": None}


def test_nothing_more_is_hidden_when_the_total_is_hidden_too():
    status = protect_1d({"a": 4, "b": 3}, ["a", "b"], total_hidden=True, threshold=10)
    assert status == {"a": PRIMARY, "b": PRIMARY}
    status = protect_1d({"a": 4, "b": 30}, ["a", "b"], total_hidden=True, threshold=10)
    assert status == {"a": PRIMARY, "b": None}  # a hidden total and one hidden cell: two unknowns


def test_ties_hide_the_earlier_cell():
    status = protect_1d({"a": 3, "b": 20, "c": 20}, ["a", "b", "c"], total_hidden=False, threshold=10)
    assert status["b"] == SECONDARY and status["c"] is None


def test_two_way_rows_and_columns_reach_a_fixpoint():
    rows, columns = ["r1", "r2", "r3"], ["c1", "c2", "c3"]
    counts = {
        ("r1", "c1"): 5, ("r1", "c2"): 40, ("r1", "c3"): 50,
        ("r2", "c1"): 30, ("r2", "c2"): 35, ("r2", "c3"): 45,
        ("r3", "c1"): 20, ("r3", "c2"): 60, ("r3", "c3"): 70,
    }  # fmt: skip
    status = protect_2d(counts, rows, columns, row_hidden={}, column_hidden={}, threshold=10)
    hidden = {k for k, v in status.items() if v}
    # r1c1 is small: its row hides r1c2; column c1 hides r3c1; column c2 then needs one more, and r3c2
    # (whose row also needs one) mends both lines at once.
    assert hidden == {("r1", "c1"), ("r1", "c2"), ("r3", "c1"), ("r3", "c2")}
    for r in rows:
        assert hidden_in([(r, c) for c in columns], status, False) != 1
    for c in columns:
        assert hidden_in([(r, c) for r in rows], status, False) != 1


def test_a_hidden_total_needs_a_hidden_cell_in_its_line():
    rows, columns = ["r1", "r2"], ["c1", "c2"]
    counts = {("r1", "c1"): 12, ("r1", "c2"): 15, ("r2", "c1"): 30, ("r2", "c2"): 40}
    status = protect_2d(counts, rows, columns, row_hidden={"r1": SECONDARY, "r2": None}, column_hidden={}, threshold=10)
    # Row r1's total is hidden elsewhere: publishing both its cells would give it back.
    assert status[("r1", "c1")] == SECONDARY
    for line, total_hidden in (
        ([("r1", "c1"), ("r1", "c2")], True),
        ([("r2", "c1"), ("r2", "c2")], False),
        ([("r1", "c1"), ("r2", "c1")], False),
        ([("r1", "c2"), ("r2", "c2")], False),
    ):
        assert hidden_in(line, status, total_hidden) != 1


def test_random_tables_never_leave_one_unknown_in_a_line():
    rng = random.Random(7)  # noqa: S311 - test data
    for _ in range(200):
        rows = list(range(rng.randint(1, 6)))
        columns = list(range(rng.randint(1, 6)))
        counts = {(r, c): rng.choice([0, 1, 3, 8, 9, 10, 12, 25, 40, 100]) for r in rows for c in columns}
        row_totals = {r: sum(counts[(r, c)] for c in columns) for r in rows}
        column_totals = {c: sum(counts[(r, c)] for r in rows) for c in columns}
        total = sum(counts.values())
        row_hidden = protect_1d(row_totals, rows, total_hidden=total < 10, threshold=10)
        column_hidden = protect_1d(column_totals, columns, total_hidden=total < 10, threshold=10)
        status = protect_2d(counts, rows, columns, row_hidden=row_hidden, column_hidden=column_hidden, threshold=10)
        assert all(status[k] == PRIMARY for k, v in counts.items() if v < 10)
        for r in rows:
            line = [(r, c) for c in columns]
            if len(columns) > 1 or not row_hidden[r]:
                assert hidden_in(line, status, bool(row_hidden[r])) != 1, (counts, r)
        for c in columns:
            line = [(r, c) for r in rows]
            if len(rows) > 1 or not column_hidden[c]:
                assert hidden_in(line, status, bool(column_hidden[c])) != 1, (counts, c)
