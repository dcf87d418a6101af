from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("national/supply-gaps/", views.supply_gaps_page, name="supply-gaps"),
    path("providers/needed-courses/", views.needed_courses_page, name="needed-courses"),
]
