from django.urls import path

from national import api

app_name = "national-api"

urlpatterns = [
    path("progress", api.NationalProgressApi.as_view(), name="progress"),
    path("progress.csv", api.NationalProgressCsvApi.as_view(), name="progress-csv"),
    path("breakdown", api.NationalBreakdownApi.as_view(), name="breakdown"),
    path("breakdown.csv", api.NationalBreakdownCsvApi.as_view(), name="breakdown-csv"),
]
