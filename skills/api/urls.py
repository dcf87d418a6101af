from django.urls import path

from skills.api import views

app_name = "standard-api"

urlpatterns = [
    path("", views.StandardIndexApi.as_view(), name="index"),
    path("versions/", views.StandardVersionListApi.as_view(), name="versions"),
    path("scales/", views.ScalesApi.as_view(), name="scales"),
    path("persona-types/", views.PersonaTypeListApi.as_view(), name="persona-types"),
    path("persona-types/<str:code>/", views.PersonaTypeDetailApi.as_view(), name="persona-type"),
    path("roles/", views.RoleListApi.as_view(), name="roles"),
    path("roles/<str:code>/", views.RoleDetailApi.as_view(), name="role"),
    path("skills/", views.SkillTreeApi.as_view(), name="skills"),
    path("skill-items/", views.SkillItemListApi.as_view(), name="skill-items"),
    path("skill-items/<str:code>/", views.SkillItemDetailApi.as_view(), name="skill-item"),
    path("literacy/", views.LiteracyTreeApi.as_view(), name="literacy"),
    path("literacy-items/", views.LiteracyItemListApi.as_view(), name="literacy-items"),
    path("literacy-items/<str:code>/", views.LiteracyItemDetailApi.as_view(), name="literacy-item"),
]
