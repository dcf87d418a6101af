from django.urls import path

from insights import api

app_name = "insights-api"

urlpatterns = [
    path("supply-gaps", api.SupplyGapsApi.as_view(), name="supply-gaps"),
    path("supply-gaps.csv", api.SupplyGapsCsvApi.as_view(), name="supply-gaps-csv"),
]
