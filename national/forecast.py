"""The forecast to the end of the target period (plain Python, no Django).

Method (also returned by the API and written in docs/national-progress.md): an ordinary
least-squares line through the number of people newly counted per fiscal year — every complete
fiscal year from the first one, plus the current fiscal year scaled to a full year (year-to-date
count divided by the share of the year elapsed) once at least a quarter of it has passed.  The
line is extended to the last fiscal year; a projected year is never below zero and the current
year never below what it has already counted.  One basis year gives a flat line; none gives no
forecast.  The cumulative forecast starts from the measured cumulative count at the end of the
last complete fiscal year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

METHOD = (
    "Ordinary least-squares line through the people newly counted per fiscal year: every complete fiscal year "
    "from FY{first}, plus the current fiscal year scaled to a full year (year-to-date count divided by the share "
    "of the year elapsed) once at least a quarter of it has passed. The line is extended to FY{last}; a projected "
    "year is never below zero and the current year never below its year-to-date count; one basis year gives a "
    "flat line. The cumulative forecast starts from the measured cumulative count at the end of the last complete "
    "fiscal year. Only published (unsuppressed) yearly counts are used."
)
MIN_ELAPSED_SHARE = 0.25


@dataclass
class Forecast:
    method: str
    basis: list[tuple[int, float]]  # (fiscal year, people per year used in the fit)
    slope: float
    intercept: float
    start_year: int  # the last complete fiscal year (the forecast's measured starting point)
    start_cumulative: int
    years: list[tuple[int, int, int]] = field(default_factory=list)  # (fiscal year, people, cumulative)

    def cumulative_at(self, fiscal_year: int) -> int | None:
        for year, _people, cumulative in self.years:
            if year == fiscal_year:
                return cumulative
        return self.start_cumulative if fiscal_year == self.start_year else None


def least_squares(points: list[tuple[int, float]]) -> tuple[float, float]:
    """(slope, intercept) of the OLS line through the points; flat through a single point."""
    if len(points) == 1:
        return 0.0, points[0][1]
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x


def linear_forecast(
    *,
    annual: dict[int, int],
    first_year: int,
    current_year: int,
    elapsed_share: float,
    last_year: int,
) -> Forecast | None:
    """Project people per fiscal year up to `last_year` from `annual` (people newly counted per year).

    `annual` must hold every year from `first_year` to `current_year` (the current one year-to-date)."""
    complete = [y for y in range(first_year, current_year) if y in annual]
    basis: list[tuple[int, float]] = [(y, float(annual[y])) for y in complete]
    ytd = annual.get(current_year, 0)
    if current_year >= first_year and elapsed_share >= MIN_ELAPSED_SHARE:
        basis.append((current_year, ytd / elapsed_share))
    if not basis:
        return None
    slope, intercept = least_squares(basis)
    start_year = max(first_year - 1, current_year - 1)
    start_cumulative = sum(annual.get(y, 0) for y in range(first_year, current_year))
    forecast = Forecast(
        method=METHOD.format(first=first_year, last=last_year),
        basis=basis,
        slope=slope,
        intercept=intercept,
        start_year=start_year,
        start_cumulative=start_cumulative,
    )
    cumulative = start_cumulative
    for year in range(max(first_year, current_year), last_year + 1):
        people = max(0, round(intercept + slope * year))
        if year == current_year:
            people = max(people, ytd)
        cumulative += people
        forecast.years.append((year, people, cumulative))
    return forecast
