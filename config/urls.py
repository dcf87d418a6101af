from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from accounts.forms import LockoutAdminAuthenticationForm
from common import views as common_views
from learners.urls import auth_urlpatterns
from portal import views as portal_views
from recommender import api as recommender_api

admin.site.site_header = "DX Pathways"
admin.site.login_form = LockoutAdminAuthenticationForm
admin.site.site_title = "DX Pathways"

urlpatterns = [
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("", portal_views.home, name="home"),
    path("welcome/", portal_views.after_login, name="after-login"),
    path("healthz", common_views.healthz, name="healthz"),
    path("standard/", include("skills.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/standard/", include("skills.api.urls")),
    path("api/v1/", include("courses.api.urls")),
    path("api/v1/", include("learners.api.urls")),
    path("api/v1/me/gaps", recommender_api.MyGapsApi.as_view(), name="me-gaps"),
    path("api/v1/me/plan", recommender_api.MyPlanApi.as_view(), name="me-plan"),
    path("api/v1/recommender/infer-skills", recommender_api.InferSkillsApi.as_view(), name="infer-skills"),
    path(
        "api/v1/orgs/<int:org_id>/members/<str:learner>/plan",
        recommender_api.MemberPlanApi.as_view(),
        name="org-member-plan",
    ),
    path("api/v1/orgs/<int:org_id>/what-if", recommender_api.OrgWhatIfApi.as_view(), name="org-what-if"),
    path("api/v1/national/", include("insights.api_urls")),
    path("api/v1/national/", include("national.api_urls")),
    path("api/v1/", include("interop.api.urls")),
    path("ims/case/v1p1/", include("interop.case_urls")),
    path("", include("interop.urls")),
    path("api/v1/ping", common_views.PingApi.as_view(), name="api-ping"),
    path("courses/", include("courses.urls")),
    path("", include("insights.urls")),
    path("national/", include("national.urls")),
    path("", include("recommender.urls")),
    path("", include("learners.urls")),
    *auth_urlpatterns,
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

handler400 = "common.views.bad_request"
handler404 = "common.views.not_found"
handler500 = "common.views.server_error"
