from django.urls import path

from learners.api import views

app_name = "learners-api"

urlpatterns = [
    path("progress-events/", views.ProgressEventIngestApi.as_view(), name="progress-events"),
]
