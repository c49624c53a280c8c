# Client records, enrollments and intake assessments. UUIDs only in paths.
from django.urls import path

from clients import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("intake/", views.search, name="search"),
    path("intake/new/", views.create, name="create"),
    path("projects/", views.projects, name="projects"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/<uuid:duplicate_id>/", views.duplicate_resolve, name="duplicate-resolve"),
    path("<uuid:client_id>/", views.detail, name="detail"),
    path("<uuid:client_id>/reveal/", views.reveal, name="reveal"),
    path("<uuid:client_id>/revealed/<str:token>/", views.revealed, name="revealed"),
    path("<uuid:client_id>/history/", views.history, name="history"),
    path("<uuid:client_id>/edit/", views.edit, name="edit"),
    path("<uuid:client_id>/named-staff/", views.named_staff, name="named-staff"),
    path("<uuid:client_id>/enrol/", views.enrol, name="enrol"),
    path("<uuid:client_id>/enrollments/<uuid:enrollment_id>/assessment/", views.assess, name="assess"),
    path("<uuid:client_id>/enrollments/<uuid:enrollment_id>/exit/", views.exit_enrollment, name="exit"),
]
