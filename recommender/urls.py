from django.urls import path

from recommender import views

app_name = "recommender"

urlpatterns = [
    path("me/plan/", views.my_plan, name="plan"),
    path("team/<int:org_id>/tracks/new/", views.track_new, name="track-new"),
    path("team/<int:org_id>/what-if/", views.what_if_page, name="what-if"),
]
