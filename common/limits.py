"""The bounds of a learner's study limits: one definition for forms, serializers, the API and the CLI.

- weekly hours: 0.5 to 80 hours per week, one decimal (`WEEKLY_HOURS_MIN`, `WEEKLY_HOURS_MAX`);
- weeks: 1 to 104 (two years) for a plan, 12 when not given (`WEEKS_MIN`, `WEEKS_MAX`, `WEEKS_DEFAULT`);
- budget: 0 to 100,000,000 yen (`BUDGET_JPY_MIN`, `BUDGET_JPY_MAX`; the column holds up to 2**31 - 1 and
  no plausible training budget is larger).

A weekly hours of 0 stored before these bounds (the database allows 0 to 80) is not a pace: the planner
answers with a message naming `weekly_hours` instead of planning.  docs/operations.md ("Input limits").
Plain Python: no Django import, so the recommender's core and commands can use it too.
"""

from __future__ import annotations

WEEKLY_HOURS_MIN = 0.5
WEEKLY_HOURS_MAX = 80
WEEKS_MIN = 1
WEEKS_MAX = 104
WEEKS_DEFAULT = 12
BUDGET_JPY_MIN = 0
BUDGET_JPY_MAX = 100_000_000


def weekly_hours_problem(value: float) -> str:
    """Why `value` is not a weekly study time ("" if it is one)."""
    if not WEEKLY_HOURS_MIN <= value <= WEEKLY_HOURS_MAX:
        return f"must be from {WEEKLY_HOURS_MIN} to {WEEKLY_HOURS_MAX} hours per week, got {value:g}"
    return ""


def weeks_problem(value: int) -> str:
    """Why `value` is not a number of weeks for a plan ("" if it is one)."""
    if not WEEKS_MIN <= value <= WEEKS_MAX:
        return f"must be from {WEEKS_MIN} to {WEEKS_MAX} weeks, got {value}"
    return ""


def budget_problem(value: int) -> str:
    """Why `value` is not a budget in yen ("" if it is one)."""
    if not BUDGET_JPY_MIN <= value <= BUDGET_JPY_MAX:
        return f"must be from {BUDGET_JPY_MIN:,} to {BUDGET_JPY_MAX:,} yen, got {value:,}"
    return ""
