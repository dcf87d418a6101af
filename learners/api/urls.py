from django.urls import path

from learners.api import me, views

app_name = "learners-api"

urlpatterns = [
    path("progress-events/", views.ProgressEventIngestApi.as_view(), name="progress-events"),
    path("me/profile", me.MyProfileApi.as_view(), name="me-profile"),
    path("me/assessments", me.MyAssessmentsApi.as_view(), name="me-assessments"),
    path("me/enrollments/", me.MyEnrollmentsApi.as_view(), name="me-enrollments"),
    path("me/enrollments/<int:pk>/", me.MyEnrollmentDetailApi.as_view(), name="me-enrollment"),
]
