from django.urls import path

from interop import views

app_name = "interop"

urlpatterns = [
    path("credentials/issuer", views.issuer, name="issuer"),
    path("credentials/status/revocation", views.status_list, name="status-list"),
    path("credentials/achievements/<uuid:achievement_id>", views.achievement, name="achievement"),
    path("credentials/achievements/<uuid:achievement_id>/image.svg", views.achievement_image, name="achievement-image"),
    path("credentials/<uuid:credential_id>", views.credential_public, name="credential"),
    path("me/credentials/", views.my_credentials, name="my-credentials"),
    path("me/credentials/<uuid:credential_id>/download", views.my_credential_download, name="my-credential-download"),
    path("me/credentials/<uuid:credential_id>/share", views.my_credential_share, name="my-credential-share"),
]
