"""Agency leads invite users (one-time 72-hour link), assign roles and
deactivate; the system admin manages agencies. No self sign-up."""

import re

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core import mail
from django.test import Client
from django.utils import timezone

from hmis.models import Agency, Invitation, Role, User
from tests.builders.hmis import invite
from tests.conftest import current_totp

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def link_from(message):
    return re.search(r"http://\S+/password/set/(\S+)/", message.body).group(0)


def test_agency_lead_invites_a_user_who_sets_a_password_and_enrols(
    client_for, agency_lead, django_capture_on_commit_callbacks
):
    lead = client_for(agency_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(lead)
    user = User.objects.get(username="new-caseworker")
    assert response.headers["Location"] == f"/agency/users/{user.pk}/"
    assert user.agency == agency_lead.agency and user.role_names == {"intake"}
    assert not user.has_usable_password()
    [message] = mail.outbox
    url = link_from(message)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert not Invitation.objects.filter(token_hash=token).exists()  # only a hash is stored

    newcomer = Client()
    path = url.replace("http://127.0.0.1:8000", "")
    assert newcomer.get(path).status_code == 200
    weak = newcomer.post(path, {"password1": "short", "password2": "short"})
    assert weak.status_code == 200 and b"too short" in weak.content
    passphrase = "a long and private passphrase"
    assert newcomer.post(path, {"password1": passphrase, "password2": passphrase}).status_code == 302
    # The link works once.
    assert newcomer.get(path).status_code == 404
    response = newcomer.post("/login/", {"username": "new-caseworker", "password": passphrase})
    assert response.headers["Location"] == "/login/enrol/"


def test_invitation_link_expires_after_72_hours(client_for, agency_lead, django_capture_on_commit_callbacks):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            invite(client_for(agency_lead))
        path = link_from(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    with time_machine.travel(start + timezone.timedelta(hours=71), tick=False):
        assert Client().get(path).status_code == 200
    with time_machine.travel(start + timezone.timedelta(hours=72, seconds=1), tick=False):
        assert Client().get(path).status_code == 404


def test_invite_with_bad_input_changes_nothing(client_for, agency_lead, intake):
    lead = client_for(agency_lead)
    for overrides, message in [
        ({"username": intake.username}, b"taken"),
        ({"roles": []}, b"required"),
        ({"roles": ["system_admin"]}, b"not one of the available choices"),
        ({"email": "not-an-email"}, b"valid email"),
        ({"username": "Has Spaces"}, b"lower-case"),
    ]:
        response = invite(lead, **overrides)
        assert response.status_code == 200
        assert message in response.content, overrides
    assert not User.objects.filter(username="new-caseworker").exists()
    assert len(mail.outbox) == 0


def test_lead_assigns_roles_and_the_change_is_audited(client_for, agency_lead, intake):
    lead = client_for(agency_lead)
    response = lead.post(f"/agency/users/{intake.pk}/", {"roles": ["intake", "supervisor"]})
    assert response.status_code == 302
    assert User.objects.get(pk=intake.pk).role_names == {"intake", "supervisor"}
    entry = LogEntry.objects.get_for_object(intake).filter(changes__icontains="roles").get()
    assert entry.actor == agency_lead


def test_lead_cannot_manage_another_agencys_users(client_for, other_agency_lead, intake):
    lead = client_for(other_agency_lead)
    assert lead.get(f"/agency/users/{intake.pk}/").status_code == 404
    assert lead.post(f"/agency/users/{intake.pk}/deactivate/").status_code == 404
    assert User.objects.get(pk=intake.pk).is_active
    assert b"harbor-intake" not in lead.get("/agency/users/").content


def test_there_is_no_self_sign_up(client):
    for path in ["/signup/", "/register/", "/accounts/signup/", "/admin/register/"]:
        assert client.get(path).status_code in (302, 404)


def test_deactivated_users_invitation_stops_working(client_for, agency_lead, django_capture_on_commit_callbacks):
    lead = client_for(agency_lead)
    with django_capture_on_commit_callbacks(execute=True):
        invite(lead)
    user = User.objects.get(username="new-caseworker")
    lead.post(f"/agency/users/{user.pk}/deactivate/")
    path = link_from(mail.outbox[0]).replace("http://127.0.0.1:8000", "")
    assert Client().get(path).status_code == 404


def test_system_admin_creates_edits_and_verifies_an_agency(client_for, system_admin):
    admin = client_for(system_admin)
    response = admin.post(
        "/agencies/new/",
        {
            "name": "Northside Shelter",
            "slug": "northside",
            "kind": "partner",
            "status": "active",
            "phone": "555-0130",
            "allowed_networks": "10.20.0.0/16",
        },
    )
    agency = Agency.objects.get(slug="northside")
    assert response.headers["Location"] == f"/agencies/{agency.pk}/"
    assert agency.allowed_networks == ["10.20.0.0/16"] and not agency.is_verified
    bad = admin.post(
        f"/agencies/{agency.pk}/",
        {"name": "Northside Shelter", "kind": "partner", "status": "active", "allowed_networks": "not-a-network"},
    )
    assert bad.status_code == 200 and b"not a network" in bad.content
    assert Agency.objects.get(pk=agency.pk).allowed_networks == ["10.20.0.0/16"]
    admin.post(f"/agencies/{agency.pk}/verify/", {"verification_method": "Call-back to 555-0130 on file"})
    agency.refresh_from_db()
    assert agency.is_verified and agency.verified_by == system_admin


def test_allowed_networks_refuse_sign_in_from_elsewhere(harbor, intake, client_for):
    from hmis.models import SecurityEvent
    from tests.builders.factories import PASSWORD

    Agency.objects.filter(pk=harbor.pk).update(allowed_networks=["10.20.0.0/16"])
    outside = Client(REMOTE_ADDR="198.51.100.9").post("/login/", {"username": intake.username, "password": PASSWORD})
    assert outside.status_code == 403
    inside = Client(REMOTE_ADDR="10.20.3.4")
    assert inside.post("/login/", {"username": intake.username, "password": PASSWORD}).status_code == 302
    inside.post("/login/verify/", {"token": current_totp(intake)})
    assert inside.get("/", REMOTE_ADDR="10.20.3.4").status_code == 200
    # A signed-in session used from elsewhere is ended too.
    assert inside.get("/", REMOTE_ADDR="198.51.100.9").status_code == 403
    assert inside.get("/", REMOTE_ADDR="10.20.3.4").status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.NETWORK_REFUSED, user=intake).count() == 2


def test_roles_come_from_the_registry(client_for, agency_lead):
    body = client_for(agency_lead).get("/agency/users/invite/").content.decode()
    for value, _label in Role.choices:
        if value != Role.SYSTEM_ADMIN:
            assert f'value="{value}"' in body
    assert 'value="system_admin"' not in body


def test_bootstrap_admin_creates_the_first_system_administrator(monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("HMIS_BOOTSTRAP_PASSWORD", "a long bootstrap passphrase")
    call_command("bootstrap_admin", username="first-admin", email="admin@example.org", stdout=open("/dev/null", "w"))
    user = User.objects.get(username="first-admin")
    assert user.is_system_admin and user.is_staff and user.agency.kind == Agency.Kind.LEAD
    assert user.check_password("a long bootstrap passphrase")


def test_seed_demo_is_idempotent_and_prints_sign_in_details():
    from io import StringIO

    from django.core.management import call_command

    from clients.models import Client
    from incidents.models import Incident
    from sharing.models import Release, Share

    def counts():
        return [m.objects.count() for m in (User, Agency, Client, Release, Share, Incident)]

    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    after_first = counts()
    call_command("seed_demo", stdout=second)
    assert counts() == after_first
    # Each agency has demo clients; harbor has an active and a pending release, a referral and an incident.
    assert Client.objects.filter(owning_agency__slug="harbor").exists()
    assert Client.objects.filter(owning_agency__slug="eastside").exists()
    assert sorted(Release.objects.values_list("status", flat=True)) == ["active", "pending"]
    assert Share.objects.count() == Incident.objects.count() == 1
    assert set(Agency.objects.values_list("slug", flat=True)) >= {"harbor", "eastside", "hmis-lead"}
    text = second.getvalue()
    for name in [
        "system-admin",
        "harbor-intake",
        "harbor-supervisor",
        "harbor-security",
        "harbor-lead",
        "eastside-intake",
        "eastside-supervisor",
        "eastside-security",
        "eastside-lead",
    ]:
        assert name in text
        user = User.objects.get(username=name)
        assert user.role_names
    assert "password:" in text
    # Demo staff are trained, so their first sign-in asks only for the user agreement.
    assert {u.standing() for u in User.objects.all()} == {"agreement"}


def test_reset_sign_in_for_a_lost_phone(client_for, agency_lead, intake, django_capture_on_commit_callbacks):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.builders.factories import PASSWORD

    victim_session = client_for(intake)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agency_lead).post(f"/agency/users/{intake.pk}/reset-sign-in/")
    assert response.status_code == 302
    assert victim_session.get("/").status_code == 302  # the session ended
    assert not TOTPDevice.objects.filter(user=intake).exists()
    assert Client().post("/login/", {"username": intake.username, "password": PASSWORD}).status_code == 200
    assert mail.outbox[-1].subject == "Your HMIS sign-in was reset"
    assert "no longer work" in mail.outbox[-1].body
    path = link_from(mail.outbox[-1]).replace("http://127.0.0.1:8000", "")
    newcomer = Client()
    passphrase = "a brand new private passphrase"
    newcomer.post(path, {"password1": passphrase, "password2": passphrase})
    response = newcomer.post("/login/", {"username": intake.username, "password": passphrase})
    assert response.headers["Location"] == "/login/enrol/"


def test_invite_can_record_training_already_done(client_for, agency_lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_for(agency_lead), privacy_training_on=timezone.localdate().isoformat())
    assert User.objects.get(username="new-caseworker").training_current()
