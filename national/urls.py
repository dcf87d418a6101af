from django.urls import path

from national import views

app_name = "national"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
