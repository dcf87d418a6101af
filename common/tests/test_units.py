"""Counts with their unit in the page's language: "1 hour", never "1 hours" (common/templatetags/dxp.py)."""

import pytest
from django.utils import translation

from common.templatetags.dxp import courses_count, hours, weeks


@pytest.mark.parametrize(
    ("value", "en", "ja"),
    [
        (1, "1 hour", "1 時間"),
        (1.0, "1 hour", "1 時間"),
        ("1", "1 hour", "1 時間"),
        (1.5, "1.5 hours", "1.5 時間"),
        (2, "2 hours", "2 時間"),
        (0, "0 hours", "0 時間"),
        (12.0, "12 hours", "12 時間"),
    ],
)
def test_hours(value, en, ja):
    with translation.override("en"):
        assert hours(value) == en
    with translation.override("ja"):
        assert hours(value) == ja


def test_weeks_and_courses():
    with translation.override("en"):
        assert [weeks(1), weeks(3), courses_count(1), courses_count(4)] == [
            "1 week",
            "3 weeks",
            "1 course",
            "4 courses",
        ]
    with translation.override("ja"):
        assert [weeks(3), courses_count(4)] == ["3 週間", "4 件の講座"]


def test_a_value_that_is_not_a_number_is_shown_as_it_is():
    assert hours("") == "" and hours(None) == "None"
