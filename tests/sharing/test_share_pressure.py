"""Pressure to share: one click, to the agency's supervisors, logged as a
security event, reviewable (and turned into an incident) by a supervisor."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from incidents.models import SecurityEvent
from sharing import actions
from sharing.models import Notice, PressureReport

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


def test_the_incident_button_appears_only_when_incidents_can_be_opened(client_for, intake, supervisor):
    report = actions.report_pressure(acting_user=intake)
    page = client_for(supervisor).get(reverse("sharing:pressure-detail", args=[report.pk])).content.decode()
    assert ("Turn into an incident" in page) == actions.can_open_incidents()
