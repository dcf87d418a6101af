from django.urls import path

from skills import views

app_name = "skills"

urlpatterns = [
    path("", views.standard_browser, name="browser"),
    path("roles/<str:code>/", views.role_detail, name="role"),
    path("skills/<str:code>/", views.skill_item_detail, name="skill-item"),
]
