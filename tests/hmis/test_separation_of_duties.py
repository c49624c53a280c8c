"""Separation of duties (issue 10, item 2): nobody changes their own roles or
their own training date; another lead of the agency or the system admin
does. Every role change is a security event for the agency's security
officer and a notice to the person. Training dates are plausible."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from hmis.models import Notice, Role, SecurityEvent, User
from tests.builders.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_lead(harbor):
    return UserFactory(username="harbor-lead-2", agency=harbor, roles=[Role.AGENCY_LEAD])


def roles_of(user):
    return User.objects.get(pk=user.pk).role_names


def training_of(user):
    return User.objects.get(pk=user.pk).privacy_training_on


# --- Roles ----------------------------------------------------------------------------


def test_lead_cannot_give_themselves_intake_and_supervisor_roles(client_for, agency_lead):
    """Seen: a lead gave themselves intake and supervisor, then revealed an SSN and approved a release."""
    lead = client_for(agency_lead)
    response = lead.post(f"/agency/users/{agency_lead.pk}/", {"roles": ["agency_lead", "intake", "supervisor"]})
    assert response.status_code == 200
    assert b"You cannot change your own roles" in response.content
    assert roles_of(agency_lead) == {"agency_lead"}
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ROLES_CHANGED).exists()


def test_own_user_page_shows_no_roles_form(client_for, agency_lead):
    body = client_for(agency_lead).get(f"/agency/users/{agency_lead.pk}/").content.decode()
    assert 'name="roles"' not in body
    assert 'name="completed_on"' not in body
    assert "Another HMIS lead of your agency or the system administrator" in body


def test_system_admin_cannot_change_their_own_roles(client_for, system_admin):
    response = client_for(system_admin).post(f"/agency/users/{system_admin.pk}/", {"roles": ["system_admin", "intake"]})
    assert b"You cannot change your own roles" in response.content
    assert roles_of(system_admin) == {"system_admin"}


def test_another_lead_changes_a_leads_roles_with_event_and_notice(
    client_for, agency_lead, second_lead, security_officer, other_security_officer
):
    response = client_for(second_lead).post(f"/agency/users/{agency_lead.pk}/", {"roles": ["agency_lead", "intake"]})
    assert response.status_code == 302
    assert roles_of(agency_lead) == {"agency_lead", "intake"}
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLES_CHANGED)
    assert event.user == agency_lead and event.actor == second_lead and event.agency == agency_lead.agency
    assert "Intake staff" in event.detail
    # The agency's security officer sees it on the security events page; another agency's does not.
    page = client_for(security_officer).get("/security/").content.decode()
    assert "Roles changed" in page and "harbor-lead-2" in page
    assert "Roles changed" not in client_for(other_security_officer).get("/security/").content.decode()
    # The person is told in the application.
    notice = Notice.objects.get(recipient=agency_lead)
    assert "roles" in notice.text and "Intake staff" in notice.text
    assert "roles" in client_for(agency_lead).get(reverse("notices")).content.decode()


def test_system_admin_changes_a_leads_roles(client_for, agency_lead, system_admin):
    response = client_for(system_admin).post(f"/agency/users/{agency_lead.pk}/", {"roles": ["agency_lead", "intake"]})
    assert response.status_code == 302
    assert roles_of(agency_lead) == {"agency_lead", "intake"}
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ROLES_CHANGED, actor=system_admin).count() == 1


def test_saving_the_same_roles_is_no_change(client_for, agency_lead, intake):
    client_for(agency_lead).post(f"/agency/users/{intake.pk}/", {"roles": ["intake"]})
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ROLES_CHANGED).exists()
    assert not Notice.objects.filter(recipient=intake).exists()


# --- Training dates -------------------------------------------------------------------


def post_training(client, user, day):
    value = day.isoformat() if hasattr(day, "isoformat") else day
    return client.post(f"/agency/users/{user.pk}/training/", {"completed_on": value})


def test_lead_cannot_record_their_own_training(client_for, agency_lead):
    before = training_of(agency_lead)
    response = post_training(client_for(agency_lead), agency_lead, timezone.localdate() - datetime.timedelta(days=1))
    assert response.status_code == 200
    assert b"You cannot record your own training" in response.content
    assert training_of(agency_lead) == before


def test_year_one_training_date_is_refused(client_for, agency_lead, intake):
    """Seen: 0001-01-01 was accepted (and locked the account at once)."""
    before = training_of(intake)
    response = post_training(client_for(agency_lead), intake, "0001-01-01")
    assert response.status_code == 200
    assert b"no longer counts" in response.content
    assert training_of(intake) == before


def test_training_older_than_the_validity_period_is_refused(client_for, agency_lead, harbor):
    worker = UserFactory(username="old-timer", agency=harbor, roles=["intake"])
    User.objects.filter(pk=worker.pk).update(date_joined=timezone.now() - datetime.timedelta(days=900))
    today = timezone.localdate()
    lead = client_for(agency_lead)
    too_old = today - datetime.timedelta(days=settings.HMIS_TRAINING_VALID_DAYS)
    assert b"no longer counts" in post_training(lead, worker, too_old).content
    assert training_of(worker) == today
    oldest = too_old + datetime.timedelta(days=1)
    assert post_training(lead, worker, oldest).status_code == 302
    assert training_of(worker) == oldest


def test_training_before_the_account_existed_is_refused(client_for, agency_lead, harbor):
    worker = UserFactory(username="recent-hire", agency=harbor, roles=["intake"])
    User.objects.filter(pk=worker.pk).update(date_joined=timezone.now() - datetime.timedelta(days=10))
    before = training_of(worker)
    response = post_training(client_for(agency_lead), worker, timezone.localdate() - datetime.timedelta(days=11))
    assert response.status_code == 200
    assert b"before this account was created" in response.content
    assert training_of(worker) == before


def test_future_training_date_is_refused_with_a_message(client_for, agency_lead, intake):
    before = training_of(intake)
    response = post_training(client_for(agency_lead), intake, timezone.localdate() + datetime.timedelta(days=1))
    assert response.status_code == 200
    assert b"cannot be in the future" in response.content
    assert training_of(intake) == before


def test_another_lead_records_a_leads_training(client_for, agency_lead, second_lead):
    User.objects.filter(pk=agency_lead.pk).update(date_joined=timezone.now() - datetime.timedelta(days=30))
    day = timezone.localdate() - datetime.timedelta(days=3)
    assert post_training(client_for(second_lead), agency_lead, day).status_code == 302
    assert training_of(agency_lead) == day
