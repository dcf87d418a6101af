from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import LoginView
from learners import exam_views, views

app_name = "learners"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/start/", views.start, name="start"),
    path("me/", views.me, name="me"),
    path("me/courses/<int:course_id>/progress/", views.course_progress, name="course-progress"),
    path("me/export/", views.my_data_export, name="export"),
    path("me/exams/", exam_views.my_exam_add, name="exam-add"),
    path("me/exams/<int:pk>/delete/", exam_views.my_exam_delete, name="exam-delete"),
    path("team/<int:org_id>/dx/", exam_views.team_dx_update, name="team-dx"),
    path("team/<int:org_id>/exam-results/", exam_views.team_exam_import, name="team-exam-import"),
    path("me/delete/", views.account_delete, name="account-delete"),
    path("me/onboarding/role/", views.onboarding_role, name="onboarding-role"),
    path("me/onboarding/skills/", views.onboarding_skills, name="onboarding-skills"),
    path("me/onboarding/constraints/", views.onboarding_constraints, name="onboarding-constraints"),
    path("team/", views.my_organizations, name="orgs"),
    path("team/<int:org_id>/", views.team, name="team"),
    path("team/<int:org_id>/tracks/<int:track_id>/", views.team_track, name="team-track"),
    path("team/<int:org_id>/tracks/<int:track_id>/remind/", views.team_track_remind, name="team-track-remind"),
    path(
        "team/<int:org_id>/tracks/<int:track_id>/assign-role/",
        views.team_track_assign_role,
        name="team-track-assign-role",
    ),
]

auth_urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
