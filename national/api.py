"""Ministry API: progress toward 2.3 million and suppressed breakdowns, as JSON or CSV.

Ministry analysts and staff only (others 403, anonymous 401/403).  No answer holds a person:
only counts of at least the threshold, "<10" and "x" for suppressed cells, and derived totals.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.csv_safe import csv_writer
from common.i18n import request_lang
from national.counting import DIMENSIONS
from national.reference import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN, TARGET_LAST_FISCAL_YEAR
from national.selectors import (
    Breakdown,
    BreakdownError,
    Cell,
    Labels,
    Progress,
    national_breakdown,
    national_progress,
    national_viewer_allowed,
    parse_dimensions,
)
from national.suppression import PRIMARY, SECONDARY

COUNTING_RULE = (
    "A person counts once, in the Japan fiscal year (April-March, Asia/Tokyo) of their first completion of a "
    "course with at least one accepted DSS skill tag or a DX literacy tag and at least {hours} hours; see "
    "docs/national-progress.md."
)
SUPPRESSION = (
    "Cells with fewer than {n} people show '<{n}' (primary suppression). Cells marked 'x' have {n} or more people "
    "and are hidden so that row, column and grand totals cannot reveal a '<{n}' cell (secondary suppression). "
    "Totals are the one-way tables of the same dimensions, suppressed the same way in every answer."
)
FISCAL_YEAR_ERROR = f"must be a fiscal year from {FISCAL_YEAR_MIN} to {FISCAL_YEAR_MAX}"


class IsMinistryAnalyst(BasePermission):
    message = "National figures are for ministry analysts only."

    def has_permission(self, request: Request, view: Any) -> bool:
        return national_viewer_allowed(user=request.user)


class FormatInput(serializers.Serializer):
    format = serializers.ChoiceField(choices=["json", "csv"], default="json")


class ProgressInput(FormatInput):
    forecast_to = serializers.IntegerField(
        required=False,
        default=TARGET_LAST_FISCAL_YEAR,
        min_value=FISCAL_YEAR_MIN,
        max_value=FISCAL_YEAR_MAX,
        error_messages={"min_value": FISCAL_YEAR_ERROR, "max_value": FISCAL_YEAR_ERROR, "invalid": FISCAL_YEAR_ERROR},
    )


class BreakdownInput(FormatInput):
    by = serializers.CharField(
        help_text=f"one or two of {', '.join(DIMENSIONS)}, comma-separated (rows first)",
        error_messages={"required": f"name one or two dimensions: {', '.join(DIMENSIONS)}"},
    )
    fiscal_year = serializers.IntegerField(
        required=False,
        min_value=FISCAL_YEAR_MIN,
        max_value=FISCAL_YEAR_MAX,
        error_messages={"min_value": FISCAL_YEAR_ERROR, "max_value": FISCAL_YEAR_ERROR, "invalid": FISCAL_YEAR_ERROR},
    )

    def validate_by(self, value: str) -> tuple[str, ...]:
        try:
            return parse_dimensions(value)
        except BreakdownError as exc:
            raise serializers.ValidationError(str(exc)) from exc


def _cell_json(cell: Cell, dims: tuple[str, ...], labels: Labels) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in zip(dims, cell.values, strict=True):
        out[name] = value
        out[f"{name}_label"] = labels.value(name, value)
    out.update(people=cell.people, suppressed=cell.status, display=cell.display)
    return out


def breakdown_json(data: Breakdown, labels: Labels) -> dict[str, Any]:
    return {
        "by": list(data.dimensions),
        "by_labels": [labels.dimension(d) for d in data.dimensions],
        "fiscal_year": data.fiscal_year,
        "threshold": data.threshold,
        "total": _cell_json(data.total, (), labels),
        "cells": [_cell_json(c, data.dimensions, labels) for c in data.cells],
        "margins": {d: [_cell_json(c, (d,), labels) for c in cells] for d, cells in data.margins.items()},
        "suppression": SUPPRESSION.format(n=data.threshold),
        "counting_rule": COUNTING_RULE.format(hours=_hours()),
    }


def _csv_response(rows: list[list[Any]], filename: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv_writer(out)  # formula-like cells quoted (common/csv_safe.py)
    writer.writerows(rows)
    response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _suppression_columns(cell: Cell | None) -> list[Any]:
    """A count as three columns, so that the number column holds only numbers: `people` (the integer, empty
    when suppressed), `suppressed` (1 or 0) and `suppression_flag` ('<10' under the threshold, 'x' hidden to
    protect another cell, else empty).  No cell (a year not measured): all three empty."""
    if cell is None:
        return ["", "", ""]
    return [
        "" if cell.suppressed else cell.people,
        1 if cell.suppressed else 0,
        cell.display if cell.suppressed else "",
    ]


def breakdown_csv(data: Breakdown, labels: Labels) -> HttpResponse:
    """One line per cell, then each dimension's totals, then the grand total; the count in a numeric `people`
    column and its suppression in separate `suppressed` / `suppression_flag` columns (docs/national-progress.md)."""
    dims = data.dimensions
    header: list[Any] = []
    for name in dims:
        header += [name, f"{name}_label"]
    rows: list[list[Any]] = [[*header, *CSV_COUNT_COLUMNS]]

    def line(values: dict[str, Any], cell: Cell) -> list[Any]:
        out: list[Any] = []
        for name in dims:
            if name in values:
                out += [values[name], labels.value(name, values[name])]
            else:
                out += ["*", "total"]
        return [*out, *_suppression_columns(cell)]

    for cell in data.cells:
        rows.append(line(dict(zip(dims, cell.values, strict=True)), cell))
    for name, cells in data.margins.items():
        for cell in cells:
            rows.append(line({name: cell.values[0]}, cell))
    rows.append(line({}, data.total))
    suffix = f"-fy{data.fiscal_year}" if data.fiscal_year else ""
    return _csv_response(rows, f"national-breakdown-{'-'.join(dims)}{suffix}.csv")


def progress_json(data: Progress, labels: Labels) -> dict[str, Any]:
    forecast = data.forecast
    measured_years = [y for y in data.years if y.measured is not None]
    return {
        "as_of": data.as_of,
        "current_fiscal_year": data.current_fiscal_year,
        "threshold": data.threshold,
        "target": {
            "people": data.target,
            "first_fiscal_year": data.first_fiscal_year,
            "last_fiscal_year": data.last_fiscal_year,
            "description": (
                f"{data.target:,} people trained in digital skills, cumulative FY{data.first_fiscal_year}-"
                f"FY{data.last_fiscal_year}"
            ),
        },
        "measured": {
            "label": "measured: people counted by DX Pathways under its counting rule",
            "counting_rule": COUNTING_RULE.format(hours=_hours()),
            "total": _cell_json(data.total, (), labels),
            "years": [
                {
                    "fiscal_year": y.fiscal_year,
                    "people": y.measured.people if y.measured else None,
                    "suppressed": y.measured.status if y.measured else None,
                    "display": y.measured.display if y.measured else "",
                    "cumulative": y.cumulative,
                    "cumulative_suppressed": y.cumulative_suppressed,
                    "share_of_target": round(y.cumulative / data.target, 6) if y.cumulative is not None else None,
                    "partial": y.partial,
                }
                for y in measured_years
            ],
        },
        "reported": {
            "label": "reported: figures published nationally (METI), NOT measured by DX Pathways",
            "source": data.reported_source,
            "years": [
                {"fiscal_year": y.fiscal_year, "people": y.reported, "cumulative": y.reported_cumulative}
                for y in data.years
                if y.reported is not None
            ],
        },
        "forecast": (
            {
                "label": "forecast: projection of the measured series",
                "method": forecast.method,
                "basis": [{"fiscal_year": year, "people_per_year": round(v, 1)} for year, v in forecast.basis],
                "slope_per_year": round(forecast.slope, 3),
                "start": {"fiscal_year": forecast.start_year, "cumulative": forecast.start_cumulative},
                "years": [{"fiscal_year": y, "people": p, "cumulative": c} for y, p, c in forecast.years],
                "cumulative_at_target_end": forecast.cumulative_at(data.last_fiscal_year),
                "reaches_target": (forecast.cumulative_at(data.last_fiscal_year) or 0) >= data.target,
            }
            if forecast
            else {"label": "forecast: projection of the measured series", "method": None, "note": data.forecast_note}
        ),
        "suppression": SUPPRESSION.format(n=data.threshold),
    }


def _hours() -> str:
    return f"{float(settings.NATIONAL_MIN_COURSE_HOURS):g}"


CSV_COUNT_COLUMNS = ("people", "suppressed", "suppression_flag")


def progress_csv(data: Progress) -> HttpResponse:
    """One line per fiscal year; every number column holds a number or nothing, suppression is in flag columns."""
    rows: list[list[Any]] = [
        [
            "fiscal_year",
            "measured_people",
            "measured_suppressed",
            "measured_suppression_flag",
            "measured_cumulative",
            "measured_cumulative_suppressed",
            "reported_people (METI, not measured)",
            "reported_cumulative (METI, not measured)",
            "forecast_people",
            "forecast_cumulative",
            "target_cumulative",
        ]
    ]
    for y in data.years:
        people, suppressed, flag = _suppression_columns(y.measured)
        cumulative: Any
        cumulative_suppressed: Any
        if y.cumulative_suppressed:
            cumulative, cumulative_suppressed = "", 1
        else:
            cumulative, cumulative_suppressed = ("", "") if y.cumulative is None else (y.cumulative, 0)
        rows.append(
            [
                y.fiscal_year,
                people,
                suppressed,
                flag,
                cumulative,
                cumulative_suppressed,
                "" if y.reported is None else y.reported,
                "" if y.reported_cumulative is None else y.reported_cumulative,
                "" if y.forecast_people is None else y.forecast_people,
                "" if y.forecast_cumulative is None else y.forecast_cumulative,
                data.target if y.fiscal_year <= data.last_fiscal_year else "",
            ]
        )
    return _csv_response(rows, f"national-progress-{data.as_of.isoformat()}.csv")


def _wants_csv(data: dict[str, Any], csv_path: bool) -> bool:
    return csv_path or data.get("format") == "csv"


CELL_FIELDS: dict[str, serializers.Field] = {
    "people": serializers.IntegerField(allow_null=True, help_text="null when suppressed"),
    "suppressed": serializers.ChoiceField(choices=[PRIMARY, SECONDARY], allow_null=True),
    "display": serializers.CharField(help_text="the count, '<10' (under the threshold) or 'x' (protects a '<10')"),
}
BREAKDOWN_OUT = inline_serializer(
    "NationalBreakdown",
    {
        "by": serializers.ListField(child=serializers.CharField()),
        "by_labels": serializers.ListField(child=serializers.CharField()),
        "fiscal_year": serializers.IntegerField(allow_null=True),
        "threshold": serializers.IntegerField(),
        "total": inline_serializer("NationalCellTotal", CELL_FIELDS),
        "cells": serializers.ListField(child=serializers.DictField(), help_text="dimension values, labels, people"),
        "margins": serializers.DictField(child=serializers.ListField(child=serializers.DictField())),
        "suppression": serializers.CharField(),
        "counting_rule": serializers.CharField(),
    },
)
FORMAT_PARAMETER = OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="default json")


class NationalProgressApi(APIView):
    """Cumulative people counted per fiscal year against the 2.3 million target, the nationally reported
    figures as a separate series, and a forecast to FY2026 with its method."""

    permission_classes = [IsAuthenticated, IsMinistryAnalyst]

    @extend_schema(
        operation_id="national_progress",
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter("forecast_to", OpenApiTypes.INT, description="last fiscal year forecast (2022-2030)"),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.BINARY},
        tags=["national"],
    )
    def get(self, request: Request, csv_path: bool = False) -> HttpResponse:
        data = ProgressInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        progress = national_progress(
            viewer=request.user, today=timezone.localdate(), forecast_to=data.validated_data["forecast_to"]
        )
        if _wants_csv(data.validated_data, csv_path):
            return progress_csv(progress)
        return Response(progress_json(progress, Labels(request_lang(request))))


class NationalBreakdownApi(APIView):
    """People counted by one or two of fiscal_year, prefecture, industry, persona_type, org_size,
    optionally within one fiscal year; small cells suppressed ('<10', and 'x' where totals would reveal them)."""

    permission_classes = [IsAuthenticated, IsMinistryAnalyst]

    @extend_schema(
        operation_id="national_breakdown",
        parameters=[
            OpenApiParameter(
                "by",
                OpenApiTypes.STR,
                required=True,
                description=f"one or two of {', '.join(DIMENSIONS)}, comma-separated, e.g. prefecture,fiscal_year",
            ),
            OpenApiParameter("fiscal_year", OpenApiTypes.INT, description="only this fiscal year (2022-2030)"),
            FORMAT_PARAMETER,
        ],
        responses={(200, "application/json"): BREAKDOWN_OUT, (200, "text/csv"): OpenApiTypes.BINARY},
        tags=["national"],
    )
    def get(self, request: Request, csv_path: bool = False) -> HttpResponse:
        data = BreakdownInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        try:
            breakdown = national_breakdown(
                viewer=request.user,
                dimensions=data.validated_data["by"],
                fiscal_year=data.validated_data.get("fiscal_year"),
                today=timezone.localdate(),
            )
        except BreakdownError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from exc
        labels = Labels(request_lang(request))
        if _wants_csv(data.validated_data, csv_path):
            return breakdown_csv(breakdown, labels)
        return Response(breakdown_json(breakdown, labels))


class NationalProgressCsvApi(NationalProgressApi):
    """The progress series as CSV (the same as ?format=csv)."""

    @extend_schema(
        operation_id="national_progress_csv",
        parameters=[OpenApiParameter("forecast_to", OpenApiTypes.INT, description="last fiscal year forecast")],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        tags=["national"],
    )
    def get(self, request: Request, csv_path: bool = True) -> HttpResponse:
        return super().get(request, csv_path=True)


class NationalBreakdownCsvApi(NationalBreakdownApi):
    """A breakdown as CSV (the same as ?format=csv): one line per cell, then the totals."""

    @extend_schema(
        operation_id="national_breakdown_csv",
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, required=True, description="one or two dimensions"),
            OpenApiParameter("fiscal_year", OpenApiTypes.INT, description="only this fiscal year (2022-2030)"),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        tags=["national"],
    )
    def get(self, request: Request, csv_path: bool = True) -> HttpResponse:
        return super().get(request, csv_path=True)
