"""The national figures copied into the code still match ../shared/dss/dss_reference.json."""

import json
from pathlib import Path

import pytest

from national import reference
from national.counting import fiscal_year_of
from national.forecast import least_squares, linear_forecast
from national.tests.factories import jst

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "dss" / "dss_reference.json"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/dss is not beside this checkout")
def test_target_and_reported_figures_match_the_shared_reference():
    target = json.loads(SHARED.read_text(encoding="utf-8"))["national_target"]
    assert target["target_people"] == reference.TARGET_PEOPLE
    assert "FY2022-FY2026" in target["period"]
    reported = {int(k[2:]): v for k, v in target["reported_by_year"].items() if k.startswith("FY")}
    assert reported == reference.REPORTED_BY_FISCAL_YEAR
    assert target["reported_by_year"]["source"] == reference.REPORTED_SOURCE


def test_fiscal_year_of_needs_an_aware_datetime():
    assert fiscal_year_of(jst(2026, 3, 31, 23, 59)) == 2025
    with pytest.raises(ValueError, match="timezone-aware"):
        fiscal_year_of(jst(2026, 3, 31).replace(tzinfo=None))


def test_least_squares_and_the_forecast():
    assert least_squares([(2022, 100.0)]) == (0.0, 100.0)
    slope, intercept = least_squares([(2022, 100.0), (2023, 200.0), (2024, 300.0)])
    assert round(slope, 6) == 100 and round(intercept + slope * 2025) == 400
    forecast = linear_forecast(
        annual={2022: 100, 2023: 200, 2024: 300, 2025: 150}, first_year=2022, current_year=2025, elapsed_share=0.375,
        last_year=2026,
    )  # fmt: skip
    assert forecast is not None
    assert forecast.basis[-1] == (2025, 400.0)  # 150 in three-eighths of the year
    assert forecast.start_cumulative == 600 and forecast.start_year == 2024
    assert forecast.years == [(2025, 400, 1000), (2026, 500, 1500)]
    early = linear_forecast(annual={2022: 5}, first_year=2022, current_year=2022, elapsed_share=0.1, last_year=2026)
    assert early is None  # less than a quarter of the only year has passed
