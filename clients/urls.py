# Client records, enrollments and intake assessments. UUIDs only in paths.
from django.urls import path

from clients import data_quality_views, views, views_merge

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("intake/", views.search, name="search"),
    path("intake/new/", views.create, name="create"),
    path("projects/", views.projects, name="projects"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("data-quality/", data_quality_views.data_quality_page, name="data-quality"),
    path("duplicates/<uuid:duplicate_id>/", views.duplicate_resolve, name="duplicate-resolve"),
    path("duplicates/<uuid:duplicate_id>/merge/", views_merge.merge, name="duplicate-merge"),
    path("merges/<uuid:merge_id>/undo/", views_merge.undo, name="merge-undo"),
    path("<uuid:client_id>/", views.detail, name="detail"),
    path("<uuid:client_id>/reveal/", views.reveal, name="reveal"),
    path("<uuid:client_id>/revealed/<str:token>/", views.revealed, name="revealed"),
    path("<uuid:client_id>/history/", views.history, name="history"),
    path("<uuid:client_id>/print/", views.print_copy, name="print-copy"),
    path("<uuid:client_id>/print/<str:token>/", views.client_copy, name="client-copy"),
    path("<uuid:client_id>/edit/", views.edit, name="edit"),
    path("<uuid:client_id>/named-staff/", views.named_staff, name="named-staff"),
    path("<uuid:client_id>/enrol/", views.enrol, name="enrol"),
    path("<uuid:client_id>/corrections/", views.correction_create, name="correction-create"),
    path("<uuid:client_id>/corrections/<uuid:correction_id>/", views.correction, name="correction"),
    path(
        "<uuid:client_id>/corrections/<uuid:correction_id>/revealed/<str:token>/",
        views.correction,
        name="correction-revealed",
    ),
    path(
        "<uuid:client_id>/corrections/<uuid:correction_id>/reveal/", views.correction_reveal, name="correction-reveal"
    ),
    path(
        "<uuid:client_id>/corrections/<uuid:correction_id>/accept/", views.correction_accept, name="correction-accept"
    ),
    path(
        "<uuid:client_id>/corrections/<uuid:correction_id>/refuse/", views.correction_refuse, name="correction-refuse"
    ),
    path("<uuid:client_id>/enrollments/<uuid:enrollment_id>/assessment/", views.assess, name="assess"),
    path("<uuid:client_id>/enrollments/<uuid:enrollment_id>/exit/", views.exit_enrollment, name="exit"),
]

# Retention: the system admin's count, confirmation and legal holds (clients.views_retention).
from clients import views_retention as retention  # noqa: E402

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
