"""The demo world's DX認定 (issue 23): a few organizations record a certification, so the ministry's
DX認定 breakdown and the team page have something to show.  Idempotent; fictional like the rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from learners.models import Organization

CERTIFIED = (date(2022, 4, 1), date(2027, 3, 31))  # wide enough to cover every demo completion


def demo_dx_certify(organizations: Sequence[Organization]) -> None:
    """Certify every other organization (from the first); the first also has a DXセレクション year."""
    for index, organization in enumerate(organizations):
        if index % 2:
            continue
        Organization.objects.filter(pk=organization.pk).update(
            dx_certified_on=CERTIFIED[0],
            dx_certified_until=CERTIFIED[1],
            dx_selection_year=2024 if index == 0 else None,
        )
