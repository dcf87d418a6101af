"""Pages: the ministry's supply gaps (ranking, heatmap, prefectures) and the providers' 'courses learners need
that nobody offers' (no learner counts, only bands)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from common.i18n import normalize_lang
from insights.heatmap import HeatCell, Heatmap, heatmap
from insights.selectors import LEVELS, SupplyGaps, needed_courses, needed_courses_allowed, supply_gaps_national
from national.selectors import national_viewer_allowed

RANKING_ROWS = 30


def _heatmap(data: SupplyGaps) -> Heatmap:
    rows: list[str] = []
    cells: list[HeatCell] = []
    for r in data.items:
        if r.level == LEVELS[0]:
            rows.append(f"{r.code} {r.name}")
        tooltip = _("%(item)s level %(level)s: unmet %(unmet)s, core gap %(gap)s, courses %(courses)s") % {
            "item": f"{r.code} {r.name}",
            "level": r.level,
            "unmet": r.unmet.display,
            "gap": r.gap.display,
            "courses": r.supply.courses,
        }
        cells.append(
            HeatCell(
                row=len(rows) - 1,
                column=LEVELS.index(r.level),
                value=r.unmet.people,
                label=r.unmet.display,
                no_supply=r.supply.courses == 0,
                tooltip=tooltip,
            )
        )
    return heatmap(
        title=_("Unmet demand by skill item and level"),
        description=_(
            "Each cell: learners whose plan finds no course for this item at this level; darker is more. Grey cells "
            "have fewer than %(n)s learners; a dashed border marks an item-level with no course at all."
        )
        % {"n": data.threshold},
        rows=rows,
        columns=[_("Level %(level)s") % {"level": level} for level in LEVELS],
        cells=cells,
        threshold=data.threshold,
        suppressed_label=_("fewer than %(n)s learners") % {"n": data.threshold},
        no_supply_label=_("no course"),
    )


@login_required
def supply_gaps_page(request: HttpRequest) -> HttpResponse:
    if not national_viewer_allowed(user=request.user):
        raise PermissionDenied("Supply gaps are for ministry analysts.")
    data = supply_gaps_national(viewer=request.user, lang=normalize_lang(translation.get_language()))
    ranking = data.ranking
    csv = reverse("insights-api:supply-gaps-csv")
    context = {
        "data": data,
        "ranking": ranking[:RANKING_ROWS],
        "ranked": len(ranking),
        "prefecture_ranking": data.prefecture_ranking,
        "heatmap": _heatmap(data),
        "items_csv": csv + "?rows=all",
        "prefectures_csv": csv + "?part=prefectures&rows=all",
    }
    return render(request, "insights/supply_gaps.html", context)


@login_required
def needed_courses_page(request: HttpRequest) -> HttpResponse:
    if not needed_courses_allowed(user=request.user):
        raise PermissionDenied("This page is for course providers.")
    needs, places = needed_courses(viewer=request.user, lang=normalize_lang(translation.get_language()))
    return render(request, "insights/needed_courses.html", {"needs": needs, "places": places})
