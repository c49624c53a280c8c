# Consent releases and care-coordination shares. UUIDs only in paths.
from django.urls import path

from sharing import views_releases

app_name = "sharing"
urlpatterns = [
    # --- Releases ---
    path("clients/<uuid:client_id>/releases/new/", views_releases.release_create, name="release-create"),
    path("releases/pending/", views_releases.release_queue, name="release-queue"),
    path("releases/<uuid:release_id>/", views_releases.release_detail, name="release-detail"),
    path("releases/<uuid:release_id>/approve/", views_releases.release_approve, name="release-approve"),
    path("releases/<uuid:release_id>/deny/", views_releases.release_deny, name="release-deny"),
    path("releases/<uuid:release_id>/revoke/", views_releases.release_revoke, name="release-revoke"),
    path("releases/<uuid:release_id>/evidence/", views_releases.release_evidence, name="release-evidence"),
    path("releases/<uuid:release_id>/print/", views_releases.release_print, name="release-print"),
]
