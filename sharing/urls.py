# Consent releases and care-coordination shares. UUIDs only in paths.
from django.urls import path

from sharing import views_partners, views_releases, views_requests, views_shares

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

# --- Shares, partners, external requests, pressure reports ---
urlpatterns += [
    path("partners/", views_partners.partner_list, name="partner-list"),
    path("partners/<uuid:agency_id>/", views_partners.partner_detail, name="partner-detail"),
    path("partners/<uuid:agency_id>/verify/", views_partners.partner_verify, name="partner-verify"),
    path("partners/<uuid:agency_id>/suspend/", views_partners.partner_suspend, name="partner-suspend"),
    path("partners/<uuid:agency_id>/reinstate/", views_partners.partner_reinstate, name="partner-reinstate"),
    path("partners/<uuid:agency_id>/contacts/", views_partners.contact_add, name="partner-contact-add"),
    path("partners/contacts/<uuid:contact_id>/verify/", views_partners.contact_verify, name="partner-contact-verify"),
    path("referrals/", views_shares.share_list, name="share-list"),
    path("referrals/new/<uuid:client_id>/", views_shares.share_create, name="share-create"),
    path("referrals/<uuid:share_id>/", views_shares.share_detail, name="share-detail"),
    path("referrals/<uuid:share_id>/notice/", views_shares.share_notice, name="share-notice"),
    path("referrals/<uuid:share_id>/reveal/", views_shares.share_reveal, name="share-reveal"),
    path("referrals/<uuid:share_id>/revealed/<str:token>/", views_shares.share_revealed, name="share-revealed"),
    path("referrals/<uuid:share_id>/accept/", views_shares.share_accept, name="share-accept"),
    path("referrals/<uuid:share_id>/decline/", views_shares.share_decline, name="share-decline"),
    path("referrals/<uuid:share_id>/sent/", views_shares.share_sent, name="share-sent"),
    path("referrals/<uuid:share_id>/withdraw/", views_shares.share_withdraw, name="share-withdraw"),
    path("disclosures/new/<uuid:client_id>/", views_shares.disclosure_create, name="disclosure-create"),
    path("external-requests/", views_requests.external_request_list, name="external-request-list"),
    path("external-requests/new/", views_requests.external_request_create, name="external-request-create"),
    path(
        "external-requests/<uuid:request_id>/", views_requests.external_request_detail, name="external-request-detail"
    ),
    path(
        "external-requests/<uuid:request_id>/move/", views_requests.external_request_move, name="external-request-move"
    ),
    path("pressure/", views_requests.pressure_list, name="pressure-list"),
    path("pressure/report/", views_requests.pressure_report, name="pressure-report"),
    path("pressure/<uuid:report_id>/", views_requests.pressure_detail, name="pressure-detail"),
    path("pressure/<uuid:report_id>/review/", views_requests.pressure_review, name="pressure-review"),
    path("pressure/<uuid:report_id>/incident/", views_requests.pressure_open_incident, name="pressure-incident"),
]
