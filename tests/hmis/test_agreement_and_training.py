"""An account works only while the current user agreement is accepted and
privacy training is less than a year old (DESIGN.md section 1)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from hmis.models import User
from tests.builders.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_agreement_version_is_accepted_before_anything_else(client_for, intake, settings):
    client = client_for(intake)
    settings.HMIS_USER_AGREEMENT_VERSION = "2027-1"
    assert client.get("/").headers["Location"] == "/account/agreement/"
    page = client.get("/account/agreement/")
    assert b"never share my password" in page.content
    refused = client.post("/account/agreement/", {})
    assert b"Tick the box" in refused.content
    assert User.objects.get(pk=intake.pk).agreement_version != "2027-1"
    assert client.post("/account/agreement/", {"accept": "yes"}).headers["Location"] == "/"
    user = User.objects.get(pk=intake.pk)
    assert user.agreement_version == "2027-1" and user.agreement_accepted_at is not None
    assert client.get("/").status_code == 200


def test_expired_training_pauses_access_until_the_lead_records_it(client_for, harbor, agency_lead):
    worker = UserFactory(
        username="lapsed",
        agency=harbor,
        roles=["intake"],
        privacy_training_on=timezone.localdate() - datetime.timedelta(days=366),
    )
    client = client_for(worker)
    assert client.get("/").headers["Location"] == "/account/training-required/"
    page = client.get("/account/training-required/")
    assert page.status_code == 403 and b"expired on" in page.content
    lead = client_for(agency_lead)
    assert b"lapsed" in lead.get("/").content  # the lead's dashboard lists who needs attention
    lead.post(f"/agency/users/{worker.pk}/training/", {"completed_on": timezone.localdate().isoformat()})
    assert client.get("/").status_code == 200


def test_training_date_cannot_be_in_the_future(client_for, agency_lead, intake):
    before = User.objects.get(pk=intake.pk).privacy_training_on
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    client_for(agency_lead).post(f"/agency/users/{intake.pk}/training/", {"completed_on": tomorrow.isoformat()})
    assert User.objects.get(pk=intake.pk).privacy_training_on == before


def test_users_are_warned_thirty_days_ahead(client_for, harbor):
    today = timezone.localdate()
    worker = UserFactory(
        username="due-soon", agency=harbor, roles=["intake"], privacy_training_on=today - datetime.timedelta(days=340)
    )
    body = client_for(worker).get("/").content.decode()
    assert "Your privacy training expires on" in body
    with time_machine.travel(timezone.now() + datetime.timedelta(days=26)):
        assert client_for(worker).get("/").headers["Location"] == "/account/training-required/"


def test_another_agencys_lead_cannot_record_training(client_for, other_agency_lead, intake):
    before = User.objects.get(pk=intake.pk).privacy_training_on
    response = client_for(other_agency_lead).post(
        f"/agency/users/{intake.pk}/training/", {"completed_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 404
    assert User.objects.get(pk=intake.pk).privacy_training_on == before
