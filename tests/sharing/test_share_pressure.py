"""Pressure to share: one click, to the agency's supervisors, logged as a
security event, reviewable (and turned into an incident) by a supervisor."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from hmis.models import Notice, SecurityEvent
from sharing import actions
from sharing.models import PressureReport

pytestmark = pytest.mark.django_db


def test_one_click_reports_to_the_agencys_supervisors(client_for, intake, supervisor, other_supervisor):
    response = client_for(intake).post(reverse("sharing:pressure-report"), {})
    assert response.status_code == 302
    report = PressureReport.objects.get()
    assert report.reported_by == intake and report.agency == intake.agency
    assert Notice.objects.filter(recipient=supervisor, text__contains=report.reference).exists()
    assert not Notice.objects.filter(recipient=other_supervisor).exists()
    event = SecurityEvent.objects.get(pk=report.security_event_id)
    assert event.kind == "pressure_report" and event.agency == intake.agency


def test_the_supervisor_reviews_it(supervisor, intake):
    report = actions.report_pressure(acting_user=intake, note="Caller claimed to be a relative")
    reviewed = actions.review_pressure_report(acting_user=supervisor, report=report, note="Talked it through")
    assert reviewed.reviewed_by == supervisor and reviewed.reviewed_at


def test_only_a_supervisor_of_the_agency_reviews(intake, other_supervisor, security_officer):
    report = actions.report_pressure(acting_user=intake)
    with pytest.raises(Http404):
        actions.review_pressure_report(acting_user=other_supervisor, report=report)
    with pytest.raises(PermissionDenied):
        actions.review_pressure_report(acting_user=security_officer, report=report)
    with pytest.raises(PermissionDenied):
        actions.review_pressure_report(acting_user=intake, report=report)


def test_a_supervisor_turns_a_report_into_an_incident_once(client_for, intake, supervisor, security_officer):
    from incidents.models import Category, Incident

    report = actions.report_pressure(acting_user=intake, note="Caller insisted on an address")
    supervisor_client = client_for(supervisor)
    page = supervisor_client.get(reverse("sharing:pressure-detail", args=[report.pk])).content.decode()
    assert "Turn into an incident" in page
    url = reverse("sharing:pressure-incident", args=[report.pk])
    assert client_for(intake).post(url).status_code == 403
    assert supervisor_client.post(url).status_code == 302
    incident = Incident.objects.get()
    assert incident.category == Category.SUSPICIOUS_ACCESS_REQUEST and incident.agency == intake.agency
    report.refresh_from_db()
    assert report.incident_id == incident.pk and report.reviewed_by == supervisor
    assert SecurityEvent.objects.get(pk=report.security_event_id).incidents.get() == incident
    # The security officer sees it in the agency's incidents; a second click changes nothing.
    assert incident.reference.encode() in client_for(security_officer).get(reverse("incidents:list")).content
    supervisor_client.post(url)
    assert Incident.objects.count() == 1
    page = supervisor_client.get(reverse("sharing:pressure-detail", args=[report.pk])).content.decode()
    assert "Turn into an incident" not in page


def test_the_supervisors_dashboard_lists_reports_to_review(client_for, intake, supervisor):
    report = actions.report_pressure(acting_user=intake)
    page = client_for(supervisor).get("/").content.decode()
    assert "Pressure reports to review" in page and report.reference in page
    actions.review_pressure_report(acting_user=supervisor, report=report, note="Handled")
    assert report.reference not in client_for(supervisor).get("/").content.decode()
