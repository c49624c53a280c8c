"""No account without a usable second factor (issue 10, item 4): the password
alone enrols an authenticator only for a new account or within 72 hours of a
lead's "reset sign-in"; otherwise sign-in is refused with a page that says to
ask the agency lead. After a backup-code sign-in, a user without an
authenticator sets one up before any other page."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from hmis import actions
from hmis.models import SecurityEvent, User
from tests.builders.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, user, password=PASSWORD):
    return client.post("/login/", {"username": user.username, "password": password})


def assert_refused_without_enrolment(response):
    assert response.status_code == 403
    body = response.content.decode()
    assert "Ask your agency's HMIS lead" in body
    assert "<svg" not in body and 'name="token"' not in body


def test_used_up_backup_codes_and_no_authenticator_are_refused_at_sign_in(harbor):
    """Seen: all backup codes used, no authenticator: the password alone enrolled a new one."""
    user = UserFactory(username="codes-used-up", agency=harbor, roles=["intake"], totp=False)
    for code in actions.issue_backup_codes(user=user):
        assert actions.verify_any_second_factor(user=user, token=code) is not None
    client = Client()
    assert_refused_without_enrolment(sign_in(client, user))
    assert client.get("/login/enrol/").headers["Location"] == "/login/"
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.NO_USABLE_FACTOR, user=user).count() == 1


def test_a_new_account_enrols_with_the_password_alone(harbor):
    user = UserFactory(username="brand-new", agency=harbor, roles=["intake"], totp=False)
    assert sign_in(Client(), user).headers["Location"] == "/login/enrol/"


def reset_and_set_password(lead, user, passphrase):
    token = actions.reset_sign_in(acting_user=lead, user=user)
    actions.accept_invitation(token=token, password=passphrase)


def test_after_a_reset_the_password_alone_enrols_within_72_hours_only(agency_lead, intake):
    passphrase = "a brand new private passphrase"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        reset_and_set_password(agency_lead, intake, passphrase)
        assert User.objects.get(pk=intake.pk).sign_in_reset_at == start
    with time_machine.travel(start + datetime.timedelta(hours=71), tick=False):
        assert sign_in(Client(), intake, passphrase).headers["Location"] == "/login/enrol/"
    with time_machine.travel(start + datetime.timedelta(hours=72, minutes=1), tick=False):
        assert_refused_without_enrolment(sign_in(Client(), intake, passphrase))


def test_a_session_started_inside_the_window_cannot_enrol_after_it(agency_lead, intake):
    passphrase = "a brand new private passphrase"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        reset_and_set_password(agency_lead, intake, passphrase)
    with time_machine.travel(start + datetime.timedelta(hours=71, minutes=59), tick=False):
        client = Client()
        sign_in(client, intake, passphrase)
    with time_machine.travel(start + datetime.timedelta(hours=72, minutes=1), tick=False):
        assert_refused_without_enrolment(client.get("/login/enrol/"))
    assert not TOTPDevice.objects.filter(user=intake, confirmed=True).exists()


def test_backup_code_sign_in_without_an_authenticator_must_enrol_before_any_other_page(harbor):
    user = UserFactory(username="backup-only", agency=harbor, roles=["intake"], totp=False)
    [code, *_] = actions.issue_backup_codes(user=user)
    client = Client()
    sign_in(client, user)
    assert client.post("/login/verify/", {"token": code}).headers["Location"] == "/login/enrol/"
    for path in ["/", "/clients/", "/account/password/", "/account/backup-codes/", "/account/agreement/"]:
        assert client.get(path).headers["Location"] == "/login/enrol/", path
    client.get("/login/enrol/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/login/enrol/", {"token": f"{TOTP(device.bin_key).token():06d}"}).status_code == 200
    assert client.get("/").status_code == 200


def test_backup_code_sign_in_with_an_authenticator_goes_on(intake):
    [code, *_] = actions.issue_backup_codes(user=intake)
    client = Client()
    sign_in(client, intake)
    assert client.post("/login/verify/", {"token": code}).headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_last_backup_code_user_who_waits_can_still_enrol_with_the_password(harbor):
    """Signed in with the only backup code, no authenticator: after the
    re-authentication window the enrol page asks for the password alone
    (there is no code left to give), not for a code they cannot have."""
    user = UserFactory(username="last-code", agency=harbor, roles=["intake"], totp=False)
    [code] = actions.issue_backup_codes(user=user, count=1)
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        sign_in(client, user)
        assert client.post("/login/verify/", {"token": code}).headers["Location"] == "/login/enrol/"
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        reauth = client.get("/login/enrol/").headers["Location"]
        assert reauth.startswith("/account/confirm/")
        page = client.get(reauth)
        assert b'name="token"' not in page.content and b"no code left" in page.content
        assert client.post(reauth, {"password": "wrong password here", "next": "/login/enrol/"}).status_code == 200
        response = client.post(reauth, {"password": PASSWORD, "next": "/login/enrol/"})
        assert response.headers["Location"] == "/login/enrol/"
        assert client.get("/login/enrol/").status_code == 200
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        assert client.post("/login/enrol/", {"token": f"{TOTP(device.bin_key).token():06d}"}).status_code == 200
        assert client.get("/").status_code == 200
