"""Rough edges found walking every journey as a new user (issue 12, section 6):
the first second-factor page, the sign-in page's advice against the
invitation e-mail, the dashboards, the users list, the agency form and the
favicon."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from hmis import actions
from incidents.models import CorrectiveAction
from tests.builders.factories import PASSWORD, UserFactory
from tests.builders.hmis import invite
from tests.builders.incidents import CorrectiveActionFactory, IncidentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def code_input(page):
    return re.search(r'<input[^>]*name="token"[^>]*>', page).group(0)


def test_a_new_user_is_asked_for_a_backup_code_not_an_app_they_do_not_have(harbor):
    user = UserFactory(username="brand-new", agency=harbor, roles=["intake"], totp=False)
    actions.issue_backup_codes(user=user)
    browser = Client()
    browser.post("/login/", {"username": user.username, "password": PASSWORD})
    page = browser.get("/login/verify/").content.decode()
    assert "Open your authenticator app" not in page
    assert "backup codes you were given" in page and "set up an authenticator app" in page
    # Backup codes have letters: no number pad on phones.
    assert "inputmode" not in code_input(page)


def test_a_user_with_an_authenticator_is_asked_for_its_code(intake):
    browser = Client()
    browser.post("/login/", {"username": intake.username, "password": PASSWORD})
    page = browser.get("/login/verify/").content.decode()
    assert "Open your authenticator app" in page
    assert "inputmode" not in code_input(page)


def test_sign_in_page_and_invitation_say_how_to_tell_a_real_link(
    client_for, agency_lead, django_capture_on_commit_callbacks
):
    page = Client().get("/login/").content.decode()
    assert f'<strong id="hmis-address">{settings.HMIS_BASE_URL}</strong>' in page
    assert "If a message asks you to sign in through a link, do not use it" not in page
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_for(agency_lead))
    [message] = mail.outbox
    assert f"A real HMIS link starts with {settings.HMIS_BASE_URL}/, the address shown on the HMIS sign-in page" in (
        message.body
    )
    assert re.search(rf"{re.escape(settings.HMIS_BASE_URL)}/password/set/\S+/", message.body)


def test_system_admin_dashboard_does_not_call_every_agency_its_own(client_for, system_admin, agency_lead):
    admin_page = client_for(system_admin).get("/").content.decode()
    assert "Your agency&#x27;s users" not in admin_page and "Users of every agency" in admin_page
    lead_page = client_for(agency_lead).get("/").content.decode()
    assert "Your agency&#x27;s users" in lead_page


def test_lead_dashboard_lists_the_corrective_actions_assigned_to_them(client_for, agency_lead, harbor, intake):
    incident = IncidentFactory(agency=harbor, reporter=intake)
    mine = CorrectiveActionFactory(incident=incident, owner=agency_lead, what="Rotate the shared printer PIN")
    CorrectiveActionFactory(
        incident=incident, owner=agency_lead, what="Already finished", done_at=timezone.now(), done_by=agency_lead
    )
    CorrectiveActionFactory(incident=incident, owner=intake, what="Someone else's action")
    page = client_for(agency_lead).get("/").content.decode()
    section = re.search(r'<section[^>]*id="my-corrective-actions".*?</section>', page, re.S).group(0)
    assert "Rotate the shared printer PIN" in section and incident.reference in section
    assert f'href="/incidents/{incident.pk}/"' in section
    assert "Already finished" not in section and "Someone else" not in section
    assert CorrectiveAction.objects.filter(pk=mine.pk, done_at__isnull=True).exists()


def test_users_list_shows_each_users_training_expiry(client_for, agency_lead, harbor):
    trained = UserFactory(username="trained", agency=harbor, roles=["intake"])
    trained.privacy_training_on = timezone.localdate() - timedelta(days=300)
    trained.save()
    untrained = UserFactory(username="untrained", agency=harbor, roles=["intake"])
    untrained.privacy_training_on = None
    untrained.save()
    page = client_for(agency_lead).get("/agency/users/").content.decode()
    assert "<th>Privacy training expires</th>" in page
    row = re.search(r"<tr><td><a[^>]*>trained</a>.*?</tr>", page).group(0)
    assert trained.training_expires_on().isoformat() in row
    assert "Not recorded" in re.search(r"<tr><td><a[^>]*>untrained</a>.*?</tr>", page).group(0)


def test_agency_form_explains_the_short_name(client_for, system_admin):
    page = client_for(system_admin).get("/agencies/new/").content.decode()
    assert ">Slug<" not in page
    assert '<label for="id_slug">Short name</label>' in page
    assert "lower-case letters, digits and dashes" in page


def test_the_app_serves_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    page = client.get("/login/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon.svg"', page)


def test_the_lead_organisation_is_not_shown_as_verified_by_nobody(client_for, system_admin, lead_org):
    lead_org.verified_at = timezone.now()
    lead_org.verification_method = "HMIS lead organisation"
    lead_org.save()
    for url in ("/agencies/", f"/agencies/{lead_org.pk}/"):
        page = client_for(system_admin).get(url).content.decode()
        assert not re.search(r"by\s*(:|<|—)", page), url
        assert "when HMIS was set up: HMIS lead organisation" in page
