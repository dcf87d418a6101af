"""The national target and the nationally reported figures, from ../shared/dss/dss_reference.json.

Copied into the code so the product runs without ../shared; a test checks they still match
(`national/tests/test_reference.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

# national_target.target_people: people trained in digital skills, FY2022-FY2026 cumulative.
TARGET_PEOPLE = 2_300_000
TARGET_FIRST_FISCAL_YEAR = 2022
TARGET_LAST_FISCAL_YEAR = 2026

# national_target.reported_by_year: people reported per fiscal year (not cumulative), not measured here.
REPORTED_BY_FISCAL_YEAR: dict[int, int] = {2022: 330_000, 2023: 510_000}
# Marked for translation (gettext_noop keeps the English value, which the API and the reference test use); the
# dashboard shows it in the page's language.
REPORTED_SOURCE = gettext_noop(
    "METI presentation at a JIPDEC seminar on 2025-02-12 (report dated 2025-03-19): "
    "33万人 in FY2022 and 51万人 in FY2023, both above plan"
)

# Fiscal years a request may name (the `fiscal_year` filter; the forecast horizon).
FISCAL_YEAR_MIN = 2022
FISCAL_YEAR_MAX = 2030
