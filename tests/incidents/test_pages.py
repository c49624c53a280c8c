"""The incident list, its filters and scoping, and the security dashboard."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hmis.actions import record_security_event
from hmis.models import AccessEvent, SecurityEvent
from incidents import actions
from incidents.models import Severity
from tests.builders.incidents import report

pytestmark = pytest.mark.django_db


def test_security_officer_sees_own_agency_incidents_only(client_for, intake, other_intake, security_officer):
    mine = report(intake)
    theirs = report(other_intake)
    page = client_for(security_officer).get(reverse("incidents:list")).content.decode()
    assert mine.reference in page and theirs.reference not in page
    response = client_for(security_officer).get(reverse("incidents:detail", args=[theirs.pk]))
    assert response.status_code == 404


def test_intake_sees_only_their_own_reports(client_for, intake, supervisor):
    own = report(intake)
    colleague = report(supervisor)
    page = client_for(intake).get(reverse("incidents:list")).content.decode()
    assert own.reference in page and colleague.reference not in page
    assert client_for(intake).get(reverse("incidents:detail", args=[colleague.pk])).status_code == 404


def test_system_admin_sees_every_agency_and_filters(client_for, intake, other_intake, security_officer, system_admin):
    phishing = report(intake, category="phishing")
    laptop = report(other_intake, category="lost_device")
    actions.triage_incident(acting_user=security_officer, incident=phishing, severity=Severity.CRITICAL)
    client = client_for(system_admin)
    page = client.get(reverse("incidents:list")).content.decode()
    assert phishing.reference in page and laptop.reference in page
    page = client.get(reverse("incidents:list"), {"severity": "critical"}).content.decode()
    assert phishing.reference in page and laptop.reference not in page
    page = client.get(reverse("incidents:list"), {"category": "lost_device", "status": "open"}).content.decode()
    assert laptop.reference in page and phishing.reference not in page
    page = client.get(reverse("incidents:list"), {"reference": laptop.reference}).content.decode()
    assert laptop.reference in page and phishing.reference not in page


def test_dashboard_counts_failed_signins_lockouts_anomalies_and_reveals_per_user(
    client_for, intake, supervisor, other_intake, security_officer
):
    for kind in [SecurityEvent.Kind.LOGIN_FAILED, SecurityEvent.Kind.REAUTH_FAILED, SecurityEvent.Kind.LOCKOUT]:
        record_security_event(kind=kind, user=intake)
    record_security_event(kind=SecurityEvent.Kind.SESSION_REPLACED, user=supervisor)
    record_security_event(kind=SecurityEvent.Kind.LOGIN_FAILED, user=other_intake)
    AccessEvent.objects.create(
        actor=supervisor,
        actor_agency=supervisor.agency,
        action="reveal",
        subject_type="clients.client",
        subject_id=uuid.uuid4(),
    )
    incident = report(intake)
    response = client_for(security_officer).get(reverse("incidents:dashboard"))
    stats = response.context["stats"]
    rows = {r["account"]: r for r in stats["per_user"]}
    assert rows["harbor-intake"]["failed"] == 2 and rows["harbor-intake"]["lockouts"] == 1
    assert rows["harbor-supervisor"]["reveals"] == 1 and rows["harbor-supervisor"]["anomalies"] >= 1
    assert "eastside-intake" not in rows
    assert sum(d["failed"] for d in stats["per_day"]) == 2
    page = response.content.decode()
    assert incident.reference in page


def test_dashboard_counts_off_hours_access_as_an_anomaly(client_for, intake, security_officer):
    local_night = timezone.localtime().replace(hour=3, minute=0) - timedelta(days=1)
    AccessEvent.objects.create(
        actor=intake,
        actor_agency=intake.agency,
        action="view",
        subject_type="clients.client",
        subject_id=uuid.uuid4(),
        at=local_night,
    )
    stats = client_for(security_officer).get(reverse("incidents:dashboard")).context["stats"]
    assert {r["account"]: r["anomalies"] for r in stats["per_user"]}["harbor-intake"] == 1


def test_navigation_offers_reporting_to_everyone_and_incidents_to_the_security_officer(
    client_for, intake, security_officer
):
    intake_page = client_for(intake).get(reverse("dashboard")).content.decode()
    assert "Report an incident" in intake_page and "My incident reports" in intake_page
    officer_page = client_for(security_officer).get(reverse("dashboard")).content.decode()
    assert "Security dashboard" in officer_page and ">Incidents<" in officer_page


def test_the_contact_directly_warning_waits_until_no_attempt_is_left(client_for, intake, security_officer, settings):
    from incidents.models import Notification

    incident = report(intake)
    url = reverse("incidents:detail", args=[incident.pk])
    rows = incident.notifications.all()
    assert rows.exists()
    rows.update(state=Notification.State.UNCONFIRMED, attempts=1)
    assert "contact those recipients directly" not in client_for(security_officer).get(url).content.decode()
    rows.update(attempts=settings.HMIS_NOTIFICATION_MAX_ATTEMPTS)
    assert "contact those recipients directly" in client_for(security_officer).get(url).content.decode()
