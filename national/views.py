"""The ministry dashboard: progress toward 2.3 million, prefectures, breakdowns; suppressed, with CSV links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.i18n import normalize_lang, translate
from common.messages import message_of
from national.charts import Chart, Series, line_chart
from national.counting import DIMENSIONS
from national.reference import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN
from national.selectors import (
    Breakdown,
    BreakdownError,
    Labels,
    Progress,
    national_breakdown,
    national_progress,
    national_viewer_allowed,
)

DIMENSION_CHOICES = [
    ("fiscal_year", gettext_lazy("Fiscal year")),
    ("prefecture", gettext_lazy("Prefecture")),
    ("industry", gettext_lazy("Industry")),
    ("persona_type", gettext_lazy("Persona type")),
    ("org_size", gettext_lazy("Organization size")),
    ("dx_status", gettext_lazy("DX certification (DX認定)")),
]


class BreakdownForm(forms.Form):
    rows = forms.ChoiceField(label=gettext_lazy("Rows"), choices=DIMENSION_CHOICES, initial="industry")
    columns = forms.ChoiceField(
        label=gettext_lazy("Columns"),
        choices=[("", gettext_lazy("(none)")), *DIMENSION_CHOICES],
        required=False,
        initial="fiscal_year",
    )
    fiscal_year = forms.IntegerField(
        label=gettext_lazy("Fiscal year (optional)"),
        required=False,
        min_value=FISCAL_YEAR_MIN,
        max_value=FISCAL_YEAR_MAX,
    )


def _table(data: Breakdown, labels: Labels, caption: str) -> dict[str, Any]:
    """A breakdown laid out for the template, with its CSV link."""
    dims = data.dimensions
    query: dict[str, Any] = {"by": ",".join(dims)}
    if data.fiscal_year:
        query["fiscal_year"] = data.fiscal_year
    table: dict[str, Any] = {
        "caption": caption,
        "row_heading": labels.dimension(dims[0]),
        "csv": reverse("national-api:breakdown-csv") + "?" + urlencode(query),
        "total": data.total,
    }
    if len(dims) == 1:
        table["columns"] = []
        table["rows"] = [{"label": labels.value(dims[0], c.values[0]), "cells": [c]} for c in data.cells]
        return table
    table["columns"] = [labels.value(dims[1], v) for v in data.domains[dims[1]]]
    table["column_heading"] = labels.dimension(dims[1])
    table["column_totals"] = data.margins.get(dims[1], [])
    table["rows"] = [
        {"label": labels.value(dims[0], value), "cells": cells, "total": total} for value, cells, total in data.rows()
    ]
    return table


def _target_percent(progress: Progress) -> float | None:
    """People counted so far as a percentage of the target (None while the total is suppressed)."""
    if progress.total.status or progress.total.people is None or not progress.target:
        return None
    return round(progress.total.people * 100 / progress.target, 3)


PHONE_CHART = {"width": 360, "font_size": 14, "y_ticks": 4, "max_x_labels": 4}  # a 390-px phone draws it ~350 wide


def _short_number(value: float) -> str:
    """An axis label short enough for a phone: 230万 or 2.3M, 5,000 or 5k (under 10,000 in Japanese as is)."""
    if normalize_lang(translation.get_language()) == "ja":
        return f"{value / 10_000:g}万" if value >= 10_000 else f"{value:,.0f}"
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    return f"{value / 1_000:g}k" if value >= 1_000 else f"{value:,.0f}"


def _chart(**kwargs: Any) -> Chart:
    """The chart for a wide screen, with its phone layout (larger text, fewer ticks, short numbers)."""
    chart = line_chart(**kwargs)
    chart.phone = line_chart(
        **{**kwargs, **PHONE_CHART, "height": kwargs.get("height", 320) - 40, "tick_label": _short_number}
    )
    return chart


def _charts(progress: Progress) -> list[Chart]:
    year_label = _("FY%(year)s")
    last = max(progress.last_fiscal_year, progress.current_fiscal_year)
    years = list(range(progress.first_fiscal_year, last + 1))
    measured = [(y.fiscal_year, float(y.cumulative)) for y in progress.years if y.cumulative is not None]
    reported = [(y.fiscal_year, float(y.reported_cumulative)) for y in progress.years if y.reported_cumulative]
    forecast: list[tuple[int, float]] = []
    if progress.forecast:
        forecast = [(progress.forecast.start_year, float(progress.forecast.start_cumulative))]
        forecast = [p for p in forecast if p[0] >= progress.first_fiscal_year]
        forecast += [(y, float(c)) for y, _p, c in progress.forecast.years]
    measured_series = [
        Series("measured", _("Measured by DX Pathways (cumulative)"), measured),
        Series("forecast", _("Forecast from the measured trend"), forecast),
    ]
    against_target = _chart(
        title=_("Cumulative people trained against the 2.3 million target"),
        description=_(
            "Target line at %(target)s people; nationally reported figures (METI) and the figures measured by "
            "DX Pathways, cumulative by fiscal year, with the forecast."
        )
        % {"target": f"{progress.target:,}"},
        years=years,
        year_label=year_label,
        series=[
            Series(
                "target", _("Target: 2.3 million by FY2026"), [(years[0], progress.target), (last, progress.target)]
            ),
            Series("reported", _("Reported nationally (METI), not measured here"), reported),
            *measured_series,
        ],
    )
    own_scale = _chart(
        title=_("People counted by DX Pathways (own scale)"),
        description=_("The measured cumulative count and its forecast, on a scale that makes them visible."),
        years=years,
        year_label=year_label,
        series=[s for s in measured_series if s.points],
        height=240,
    )
    return [against_target, own_scale]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not national_viewer_allowed(user=request.user):
        raise PermissionDenied("The national dashboard is for ministry analysts.")
    today = timezone.localdate()
    labels = Labels(normalize_lang(translation.get_language()))
    progress = national_progress(viewer=request.user, today=today)
    prefectures = national_breakdown(viewer=request.user, dimensions=("prefecture", "fiscal_year"), today=today)
    one_way = [
        _table(national_breakdown(viewer=request.user, dimensions=(d,), today=today), labels, labels.dimension(d))
        for d in ("persona_type", "industry", "org_size")
    ]
    form = BreakdownForm(request.GET if "rows" in request.GET else None)
    custom = None
    if form.is_bound and form.is_valid():
        dims = [form.cleaned_data["rows"]] + ([form.cleaned_data["columns"]] if form.cleaned_data["columns"] else [])
        try:
            data = national_breakdown(
                viewer=request.user, dimensions=dims, fiscal_year=form.cleaned_data["fiscal_year"], today=today
            )
        except BreakdownError as exc:
            form.add_error("columns" if exc.field == "by" else exc.field, translate(message_of(exc)))
        else:
            custom = _table(data, labels, " × ".join(labels.dimension(d) for d in dims))
    dx = national_breakdown(viewer=request.user, dimensions=("dx_status", "fiscal_year"), today=today)
    context = {
        "dx": _table(dx, labels, _("People counted by their employer's DX certification and fiscal year")),
        "progress": progress,
        "charts": _charts(progress),
        "prefectures": _table(prefectures, labels, _("People counted by prefecture and fiscal year")),
        "one_way": one_way,
        "form": form,
        "custom": custom,
        "dimensions": DIMENSIONS,
        "progress_csv": reverse("national-api:progress-csv"),
        "target_percent": _target_percent(progress),
        "reported_source": _(progress.reported_source),
        "forecast_end": progress.forecast.cumulative_at(progress.last_fiscal_year) if progress.forecast else None,
    }
    return render(request, "national/dashboard.html", context, status=400 if form.errors else 200)
