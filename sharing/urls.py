# Consent releases and care-coordination shares. UUIDs only in paths.
from django.urls import path

from sharing.views import partners, releases, requests, shares

app_name = "sharing"
urlpatterns = [
    # --- Releases ---
    path("clients/<uuid:client_id>/releases/new/", releases.release_create, name="release-create"),
    path("releases/pending/", releases.release_queue, name="release-queue"),
    path("releases/<uuid:release_id>/", releases.release_detail, name="release-detail"),
    path("releases/<uuid:release_id>/approve/", releases.release_approve, name="release-approve"),
    path("releases/<uuid:release_id>/deny/", releases.release_deny, name="release-deny"),
    path("releases/<uuid:release_id>/revoke/", releases.release_revoke, name="release-revoke"),
    path("releases/<uuid:release_id>/evidence/", releases.release_evidence, name="release-evidence"),
    path("releases/<uuid:release_id>/print/", releases.release_print, name="release-print"),
]

# --- Shares, partners, external requests, pressure reports ---
urlpatterns += [
    path("partners/", partners.partner_list, name="partner-list"),
    path("partners/<uuid:agency_id>/", partners.partner_detail, name="partner-detail"),
    path("partners/<uuid:agency_id>/suspend/", partners.partner_suspend, name="partner-suspend"),
    path("partners/<uuid:agency_id>/reinstate/", partners.partner_reinstate, name="partner-reinstate"),
    path("partners/<uuid:agency_id>/contacts/", partners.contact_add, name="partner-contact-add"),
    path("partners/contacts/<uuid:contact_id>/verify/", partners.contact_verify, name="partner-contact-verify"),
    path("referrals/", shares.share_list, name="share-list"),
    path("referrals/new/<uuid:client_id>/", shares.share_create, name="share-create"),
    path("referrals/<uuid:share_id>/", shares.share_detail, name="share-detail"),
    path("referrals/for-client/<uuid:client_id>/", shares.share_for_client, name="share-for-client"),
    path("referrals/<uuid:share_id>/notice/", shares.share_notice, name="share-notice"),
    path("referrals/<uuid:share_id>/reveal/", shares.share_reveal, name="share-reveal"),
    path("referrals/<uuid:share_id>/revealed/<str:token>/", shares.share_revealed, name="share-revealed"),
    path("referrals/<uuid:share_id>/accept/", shares.share_accept, name="share-accept"),
    path("referrals/<uuid:share_id>/decline/", shares.share_decline, name="share-decline"),
    path("referrals/<uuid:share_id>/sent/", shares.share_sent, name="share-sent"),
    path("referrals/<uuid:share_id>/withdraw/", shares.share_withdraw, name="share-withdraw"),
    path("disclosures/new/<uuid:client_id>/", shares.disclosure_create, name="disclosure-create"),
    path("external-requests/", requests.external_request_list, name="external-request-list"),
    path("external-requests/new/", requests.external_request_create, name="external-request-create"),
    path("external-requests/<uuid:request_id>/", requests.external_request_detail, name="external-request-detail"),
    path("external-requests/<uuid:request_id>/move/", requests.external_request_move, name="external-request-move"),
    path("pressure/", requests.pressure_list, name="pressure-list"),
    path("pressure/report/", requests.pressure_report, name="pressure-report"),
    path("pressure/<uuid:report_id>/", requests.pressure_detail, name="pressure-detail"),
    path("pressure/<uuid:report_id>/review/", requests.pressure_review, name="pressure-review"),
    path("pressure/<uuid:report_id>/incident/", requests.pressure_open_incident, name="pressure-incident"),
]
