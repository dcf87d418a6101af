from django.urls import path

from learners.api import exams, me, org, views

app_name = "learners-api"

urlpatterns = [
    path("progress-events/", views.ProgressEventIngestApi.as_view(), name="progress-events"),
    path("me", me.MyAccountApi.as_view(), name="me-account"),
    path("me/export", me.MyDataExportApi.as_view(), name="me-export"),
    path("me/profile", me.MyProfileApi.as_view(), name="me-profile"),
    path("me/assessments", me.MyAssessmentsApi.as_view(), name="me-assessments"),
    path("me/enrollments/", me.MyEnrollmentsApi.as_view(), name="me-enrollments"),
    path("me/enrollments/<int:pk>/", me.MyEnrollmentDetailApi.as_view(), name="me-enrollment"),
    path("me/tracks", org.MyTracksApi.as_view(), name="me-tracks"),
    path("exams/", exams.ExamListApi.as_view(), name="exams"),
    path("me/exams", exams.MyExamsApi.as_view(), name="me-exams"),
    path("me/exams/<int:pk>", exams.MyExamDetailApi.as_view(), name="me-exam"),
    path("orgs/<int:org_id>/exam-results", exams.OrgExamResultsApi.as_view(), name="org-exam-results"),
    path("orgs/<int:org_id>/dx-certification", exams.OrgDxCertificationApi.as_view(), name="org-dx"),
    path("orgs/", org.OrgListApi.as_view(), name="orgs"),
    path("orgs/<int:org_id>/members", org.OrgMembersApi.as_view(), name="org-members"),
    path("orgs/<int:org_id>/dashboard", org.OrgDashboardApi.as_view(), name="org-dashboard"),
    path("orgs/<int:org_id>/tracks/", org.OrgTracksApi.as_view(), name="org-tracks"),
    path("orgs/<int:org_id>/tracks/<int:track_id>/", org.OrgTrackDetailApi.as_view(), name="org-track"),
    path("orgs/<int:org_id>/tracks/<int:track_id>/assign", org.OrgTrackAssignApi.as_view(), name="org-track-assign"),
    path("orgs/<int:org_id>/tracks/<int:track_id>/progress.csv", org.OrgTrackCsvApi.as_view(), name="org-track-csv"),
]
