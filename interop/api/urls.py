from django.urls import path

from interop.api import views, xapi

app_name = "interop-api"

urlpatterns = [
    path(
        "standard/roles/<str:code>/moodle-framework.csv",
        views.RoleMoodleFrameworkApi.as_view(),
        name="role-moodle-framework",
    ),
    path("xapi/statements", xapi.XapiStatementsApi.as_view(), name="xapi-statements"),
    path("xapi/about", xapi.XapiAboutApi.as_view(), name="xapi-about"),
    path("catalog/moodle-courses.csv", views.MoodleCourseUploadApi.as_view(), name="catalog-moodle-courses"),
    path("case-imports", views.CaseImportApi.as_view(), name="case-import"),
    path(
        "orgs/<int:org_id>/tracks/<int:track_id>/moodle-template",
        views.OrgTrackMoodleTemplateApi.as_view(),
        name="org-track-moodle-template",
    ),
    path("me/credentials/", views.MyCredentialsApi.as_view(), name="me-credentials"),
    path("me/credentials/<uuid:credential_id>", views.MyCredentialApi.as_view(), name="me-credential"),
    path("credentials/verify", views.CredentialVerifyApi.as_view(), name="credential-verify"),
    path("credentials/<uuid:credential_id>", views.CredentialPublicApi.as_view(), name="credential-public"),
]
