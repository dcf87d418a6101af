from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.course_list, name="list"),
    path("<int:pk>/", views.course_detail, name="detail"),
    path("upload/", views.catalog_upload, name="upload"),
    path("upload/template.csv", views.catalog_template, {"fmt": "csv"}, name="upload-template-csv"),
    path("upload/template.json", views.catalog_template, {"fmt": "json"}, name="upload-template-json"),
    path("upload/jobs/<int:pk>/", views.catalog_upload_job, name="upload-job"),
    path("upload/jobs/<int:pk>/status", views.catalog_upload_job_status, name="upload-job-status"),
    path("provider/", views.provider_home, name="provider-home"),
]
