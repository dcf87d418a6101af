from django.urls import path

from courses.api import views

app_name = "courses-api"

urlpatterns = [
    path("courses/", views.CourseSearchApi.as_view(), name="courses"),
    path("courses/<int:pk>/", views.CourseDetailApi.as_view(), name="course"),
    path("catalog/imports/", views.CatalogImportApi.as_view(), name="imports"),
    path("catalog/imports/<int:pk>/", views.CatalogImportDetailApi.as_view(), name="import"),
    path("catalog/export", views.CatalogExportApi.as_view(), name="export"),
    path("catalog/review/", views.ReviewQueueApi.as_view(), name="review"),
    path("catalog/review/<int:pk>/", views.ReviewDecisionApi.as_view(), name="review-decision"),
]
