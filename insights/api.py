"""GET /api/v1/national/supply-gaps (and .csv): supply against unmet demand per skill item × level or per
prefecture (in-person courses), ranked; ministry analysts and staff only.  Counts of people under the
threshold are suppressed (docs/supply-gaps.md)."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.csv_safe import csv_writer
from common.i18n import request_lang
from insights.selectors import ItemRow, PrefectureRow, Supply, SupplyGaps, supply_gaps_national
from national.selectors import Cell, national_viewer_allowed

SUPPRESSION = (
    "Counts of learners under {n} (zero included) are suppressed: JSON gives people null and display '<{n}', CSV "
    "leaves the number empty and sets the *_suppressed column. No total over learners is published and rankings "
    "use published numbers only; see docs/supply-gaps.md."
)
ALLOWED = {"format", "part", "rows", "lang"}


class IsMinistryAnalyst(BasePermission):
    message = "Supply gaps with learner counts are for ministry analysts only."

    def has_permission(self, request: Request, view: Any) -> bool:
        return national_viewer_allowed(user=request.user)


class SupplyGapsInput(serializers.Serializer):
    format = serializers.ChoiceField(choices=["json", "csv"], default="json")
    part = serializers.ChoiceField(
        choices=["items", "prefectures"],
        default="items",
        help_text="items: skill item × level; prefectures: in-person courses per prefecture",
    )
    rows = serializers.ChoiceField(
        choices=["ranking", "all"], default="ranking", help_text="ranking: ranked rows only; all: every row"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - ALLOWED)
        if unknown:
            raise serializers.ValidationError(
                {name: [f"unknown parameter; allowed: {', '.join(sorted(ALLOWED))}"] for name in unknown}
            )
        for name in set(self.initial_data) & ALLOWED:
            if len(self.initial_data.getlist(name)) > 1:
                raise serializers.ValidationError({name: ["give this parameter once"]})
        return attrs


def _cell(cell: Cell) -> dict[str, Any]:
    return {"people": cell.people, "suppressed": cell.status is not None, "display": cell.display}


def _supply(s: Supply) -> dict[str, Any]:
    return {
        "courses": s.courses,
        "hours": round(s.hours, 1),
        "free_share": s.free_share,
        "reskill_certified_share": s.certified_share,
    }


def _ranked(data: SupplyGaps, part: str, rows: str) -> list[tuple[int | None, ItemRow | PrefectureRow]]:
    ranking: list[ItemRow] | list[PrefectureRow] = data.ranking if part == "items" else data.prefecture_ranking
    ranks = {id(r): n for n, r in enumerate(ranking, start=1)}
    every: list[ItemRow] | list[PrefectureRow] = (
        ranking if rows == "ranking" else (data.items if part == "items" else data.prefectures)
    )
    return [(ranks.get(id(r)), r) for r in every]


def supply_gaps_json(data: SupplyGaps, part: str, rows: str) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for rank, r in _ranked(data, part, rows):
        head: dict[str, Any] = {"rank": rank}
        if isinstance(r, ItemRow):
            head.update(item=r.code, item_name=r.name, level=r.level)
        else:
            head.update(prefecture=r.code, prefecture_name=r.name)
        out.append({**head, "supply": _supply(r.supply), "unmet_demand": _cell(r.unmet), "gap_demand": _cell(r.gap)})
    return {
        "part": part,
        "rows": rows,
        "threshold": data.threshold,
        "plans": _cell(data.plans),
        "results": out,
        "definitions": {
            "supply": "published courses that take a learner to this level of the item (a level-L course tagged "
            "at L or above), or in-person courses held in the prefecture: count, hours, shares free and METI "
            "Reskilling-certified",
            "unmet_demand": "learners whose stored plan names this core item as having no allowed course for this "
            "next level (per prefecture: learners living there with at least one such item)",
            "gap_demand": "learners whose core gap (role target minus current level) spans this level of the item "
            "(per prefecture: learners living there with at least one core gap)",
        },
        "suppression": SUPPRESSION.format(n=data.threshold),
    }


def supply_gaps_csv(data: SupplyGaps, part: str, rows: str) -> HttpResponse:
    key = ["item", "item_name", "level"] if part == "items" else ["prefecture", "prefecture_name"]
    table: list[list[Any]] = [
        [
            "rank",
            *key,
            "courses",
            "hours",
            "free_share",
            "reskill_certified_share",
            "unmet_learners",
            "unmet_suppressed",
            "gap_learners",
            "gap_suppressed",
        ]
    ]
    for rank, r in _ranked(data, part, rows):
        head: list[Any] = [r.code, r.name, r.level] if isinstance(r, ItemRow) else [r.code, r.name]
        s = r.supply
        table.append(
            [
                "" if rank is None else rank,
                *head,
                s.courses,
                round(s.hours, 1),
                "" if s.free_share is None else s.free_share,
                "" if s.certified_share is None else s.certified_share,
                "" if r.unmet.status else r.unmet.people,
                r.unmet.display if r.unmet.status else "",
                "" if r.gap.status else r.gap.people,
                r.gap.display if r.gap.status else "",
            ]
        )
    buffer = io.StringIO()
    csv_writer(buffer).writerows(table)  # formula-like cells quoted (common/csv_safe.py)
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="supply-gaps-{part}.csv"'
    return response


PARAMETERS = [
    OpenApiParameter("part", OpenApiTypes.STR, enum=["items", "prefectures"], description="default items"),
    OpenApiParameter("rows", OpenApiTypes.STR, enum=["ranking", "all"], description="default ranking"),
]


class SupplyGapsApi(APIView):
    """Supply (courses, hours, free and certified shares) against unmet and gap demand (learners), per skill
    item × level or per prefecture, ranked by unmet demand; counts under the threshold suppressed."""

    permission_classes = [IsAuthenticated, IsMinistryAnalyst]

    @extend_schema(
        operation_id="national_supply_gaps",
        parameters=[
            *PARAMETERS,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="default json"),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.BINARY},
        tags=["national"],
    )
    def get(self, request: Request, csv_path: bool = False) -> HttpResponse:
        params = SupplyGapsInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        part, rows = params.validated_data["part"], params.validated_data["rows"]
        data = supply_gaps_national(viewer=request.user, lang=request_lang(request))
        if csv_path or params.validated_data["format"] == "csv":
            return supply_gaps_csv(data, part, rows)
        return Response(supply_gaps_json(data, part, rows))


class SupplyGapsCsvApi(SupplyGapsApi):
    """The same as CSV: numbers in numeric columns, suppression in the *_suppressed columns."""

    @extend_schema(
        operation_id="national_supply_gaps_csv",
        parameters=PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        tags=["national"],
    )
    def get(self, request: Request, csv_path: bool = True) -> HttpResponse:
        return super().get(request, csv_path=True)
