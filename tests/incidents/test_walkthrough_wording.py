"""Incident wording after the walk-through (issue 12, section 6): the timeline
does not read "Reported: Reported"; vendor support, who has no HMIS
account, gets no "sign-in required" link."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from incidents.models import Incident, RecipientRole
from tests.builders.incidents import report_form_data

pytestmark = pytest.mark.django_db


def report(client):
    return client.post(reverse("incidents:report"), report_form_data())


def test_the_timeline_says_reported_once(client_for, intake, security_officer):
    report(client_for(intake))
    incident = Incident.objects.get()
    page = client_for(security_officer).get(f"/incidents/{incident.pk}/").content.decode()
    assert "Reported: Reported" not in page
    assert "· Reported" in page


def test_vendor_support_gets_no_link_it_could_not_open(
    client_for, intake, escalation_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report(client_for(intake))
    incident = Incident.objects.get()
    vendor = incident.notifications.get(role=RecipientRole.VENDOR_SUPPORT)
    [message] = [m for m in mail.outbox if m.to == [vendor.address]]
    assert "sign-in required" not in message.body
    assert f"/incidents/{incident.pk}/" not in message.body
    assert f"contact {settings.HMIS_LEAD_NAME} at {settings.HMIS_LEAD_EMAIL}" in message.body
    lead = incident.notifications.get(role=RecipientRole.HMIS_LEAD)
    [lead_message] = [m for m in mail.outbox if m.to == [lead.address]]
    assert f"/incidents/{incident.pk}/" in lead_message.body
