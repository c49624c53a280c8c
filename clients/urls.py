# Client records, enrollments and intake assessments. UUIDs only in paths.
from django.urls import path

from clients.views import corrections, data_quality, duplicates, merge, records, retention

app_name = "clients"
urlpatterns = [
    path("", records.client_list, name="list"),
    path("intake/", records.search, name="search"),
    path("intake/new/", records.create, name="create"),
    path("projects/", records.projects, name="projects"),
    path("duplicates/", duplicates.duplicates, name="duplicates"),
    path("data-quality/", data_quality.data_quality_page, name="data-quality"),
    path("duplicates/<uuid:duplicate_id>/", duplicates.duplicate_resolve, name="duplicate-resolve"),
    path("duplicates/<uuid:duplicate_id>/merge/", merge.merge, name="duplicate-merge"),
    path("merges/<uuid:merge_id>/undo/", merge.undo, name="merge-undo"),
    path("<uuid:client_id>/", records.detail, name="detail"),
    path("<uuid:client_id>/reveal/", records.reveal, name="reveal"),
    path("<uuid:client_id>/revealed/<str:token>/", records.revealed, name="revealed"),
    path("<uuid:client_id>/history/", records.history, name="history"),
    path("<uuid:client_id>/print/", records.print_copy, name="print-copy"),
    path("<uuid:client_id>/print/<str:token>/", records.client_copy, name="client-copy"),
    path("<uuid:client_id>/edit/", records.edit, name="edit"),
    path("<uuid:client_id>/named-staff/", records.named_staff, name="named-staff"),
    path("<uuid:client_id>/enrol/", records.enrol, name="enrol"),
    path("<uuid:client_id>/corrections/", corrections.correction_create, name="correction-create"),
    path("<uuid:client_id>/corrections/<uuid:correction_id>/", corrections.correction, name="correction"),
    path(
        "<uuid:client_id>/corrections/<uuid:correction_id>/revealed/<str:token>/",
        corrections.correction,
        name="correction-revealed",
    ),
    path(
        "<uuid:client_id>/corrections/<uuid:correction_id>/reveal/",
        corrections.correction_reveal,
        name="correction-reveal",
    ),
    path(
        "<uuid:client_id>/corrections/<uuid:correction_id>/accept/",
        corrections.correction_accept,
        name="correction-accept",
    ),
    path(
        "<uuid:client_id>/corrections/<uuid:correction_id>/refuse/",
        corrections.correction_refuse,
        name="correction-refuse",
    ),
    path("<uuid:client_id>/enrollments/<uuid:enrollment_id>/assessment/", records.assess, name="assess"),
    path("<uuid:client_id>/enrollments/<uuid:enrollment_id>/exit/", records.exit_enrollment, name="exit"),
]

# Retention: the system admin's count, confirmation and legal holds.
urlpatterns += [
    path("retention/", retention.report, name="retention"),
    path("retention/count/", retention.plan, name="retention-plan"),
    path("retention/runs/<uuid:run_id>/confirm/", retention.confirm, name="retention-confirm"),
    path("retention/legal-holds/", retention.legal_holds, name="legal-holds"),
    path("retention/legal-holds/<uuid:hold_id>/release/", retention.legal_hold_release, name="legal-hold-release"),
]

# HUD HMIS CSV interchange (clients.hmis_csv.views).
from clients.hmis_csv import views as hmis_csv  # noqa: E402

urlpatterns += [
    path("hmis-csv/exports/", hmis_csv.exports, name="hmis-csv-exports"),
    path("hmis-csv/exports/<uuid:export_id>/approve/", hmis_csv.export_approve, name="hmis-csv-export-approve"),
    path("hmis-csv/exports/<uuid:export_id>/progress/", hmis_csv.export_progress, name="hmis-csv-export-progress"),
    path("hmis-csv/exports/<uuid:export_id>/cancel/", hmis_csv.export_cancel, name="hmis-csv-export-cancel"),
    path("hmis-csv/exports/<uuid:export_id>/download/", hmis_csv.export_download, name="hmis-csv-export-download"),
    path("hmis-csv/imports/", hmis_csv.imports, name="hmis-csv-imports"),
    path("hmis-csv/imports/<uuid:import_id>/", hmis_csv.import_detail, name="hmis-csv-import"),
    path("hmis-csv/imports/<uuid:import_id>/progress/", hmis_csv.import_progress, name="hmis-csv-import-progress"),
    path("hmis-csv/imports/<uuid:import_id>/cancel/", hmis_csv.import_cancel, name="hmis-csv-import-cancel"),
]
