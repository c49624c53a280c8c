from django.urls import path

from incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.incident_report, name="report"),
    path("report/clients/", views.affected_client_search, name="report-client-search"),
    path("dashboard/", views.security_dashboard, name="dashboard"),
    path("<uuid:incident_id>/", views.incident_detail, name="detail"),
    path("<uuid:incident_id>/acknowledge/", views.incident_acknowledge, name="acknowledge"),
    path("<uuid:incident_id>/triage/", views.incident_triage, name="triage"),
    path("<uuid:incident_id>/status/", views.incident_move, name="move"),
    path("<uuid:incident_id>/assessment/", views.incident_assess, name="assess"),
    path("<uuid:incident_id>/waiver/", views.incident_waive, name="waive"),
    path("<uuid:incident_id>/notifications/", views.breach_notice_add, name="breach-notice-add"),
    path("<uuid:incident_id>/reopen/", views.incident_reopen, name="reopen"),
    path("<uuid:incident_id>/actions/", views.action_add, name="action-add"),
    path("<uuid:incident_id>/actions/<uuid:action_id>/done/", views.action_done, name="action-done"),
    path("<uuid:incident_id>/actions/<uuid:action_id>/verify/", views.action_verify, name="action-verify"),
]
