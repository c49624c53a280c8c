"""Re-authentication for account changes (issue 10, item 3): changing the
password, making new backup codes and adding or replacing an authenticator
need the current password and a second-factor code unless both were given in
the last 5 minutes; a wrong current password counts toward the sign-in
lockout and is a security event."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hmis import actions
from hmis.models import SecurityEvent
from tests.builders.factories import PASSWORD
from tests.conftest import current_totp, verified_session

pytestmark = pytest.mark.django_db

WRONG = "not my password at all"
REAUTH = "/account/confirm/"


def change_password(client, old_password):
    new = "a fresh and private passphrase"
    return client.post("/account/password/", {"old_password": old_password, "password1": new, "password2": new})


def reauth_failures(user):
    return SecurityEvent.objects.filter(kind=SecurityEvent.Kind.REAUTH_FAILED, user=user).count()


def test_eight_wrong_current_passwords_lock_out_and_end_the_session(client_for, intake):
    """Seen: 8 wrong "current password" tries each answered 200, with no event and no lockout."""
    client = client_for(intake)
    statuses = [change_password(client, WRONG).status_code for _ in range(8)]
    limit = settings.AXES_FAILURE_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert statuses[limit - 1] == 429  # the lockout page, at the configured limit
    assert all(s == 302 for s in statuses[limit:])  # signed out: sent to sign in
    assert reauth_failures(intake) == limit  # one security event per failure
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKOUT, username=intake.username).count() == 1
    assert client.get("/").headers["Location"].startswith("/login/")
    # The account is paused from this address, as after failed sign-ins.
    assert Client().post("/login/", {"username": intake.username, "password": PASSWORD}).status_code == 429
    assert intake.check_password(PASSWORD)


def test_wrong_passwords_at_sign_in_and_re_authentication_share_one_count(client_for, intake):
    client = client_for(intake)
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        Client().post("/login/", {"username": intake.username, "password": WRONG})
    first = client.post(REAUTH, {"password": WRONG, "token": current_totp(intake)})
    assert first.status_code == 200 and b"not your current password" in first.content
    second = client.post(REAUTH, {"password": WRONG, "token": current_totp(intake)})
    assert second.status_code == 429
    assert client.get("/").status_code == 302
    assert reauth_failures(intake) == 2


def test_the_failure_record_keeps_no_password_or_code(client_for, intake):
    from axes.models import AccessAttempt

    client = client_for(intake)
    response = change_password(client, WRONG)
    assert b"Your current password was entered incorrectly" in response.content
    code = current_totp(intake)
    client.post(REAUTH, {"password": WRONG, "token": code})
    stored = "".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "fresh and private" not in stored and WRONG not in stored and code not in stored


@pytest.mark.parametrize("path", ["/account/backup-codes/", "/login/enrol/", "/account/password/"])
def test_account_pages_ask_again_after_five_minutes_not_within(intake, path):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = verified_session(Client(), intake)  # signing in counts as giving both
        assert client.get(path).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=4, seconds=50), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=5, seconds=10), tick=False):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == f"{REAUTH}?next={path.replace('/', '%2F')}"
        page = client.get(response.headers["Location"])
        assert page.status_code == 200 and b"Confirm it is you" in page.content
        done = client.post(REAUTH, {"password": PASSWORD, "token": current_totp(intake), "next": path})
        assert done.headers["Location"] == path
        assert client.get(path).status_code == 200


def test_new_backup_codes_are_not_made_without_re_authentication(intake):
    old = set(actions.issue_backup_codes(user=intake))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = verified_session(Client(), intake)
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        response = client.post("/account/backup-codes/")
        assert response.headers["Location"].startswith(REAUTH)
    assert set(StaticToken.objects.filter(device__user=intake).values_list("token", flat=True)) == old


def test_a_new_authenticator_is_not_offered_without_re_authentication(intake):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = verified_session(Client(), intake)
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        response = client.get("/login/enrol/")
        assert response.headers["Location"].startswith(REAUTH)
    assert not TOTPDevice.objects.filter(user=intake, confirmed=False).exists()


def test_re_authentication_needs_both_the_password_and_a_code(intake):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = verified_session(Client(), intake)
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        code = current_totp(intake)
        wrong_code = "000000" if code != "000000" else "111111"
        response = client.post(REAUTH, {"password": PASSWORD, "token": wrong_code, "next": "/account/password/"})
        assert response.status_code == 200 and b"That code did not work" in response.content
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SECOND_FACTOR_FAILED, user=intake).exists()
        response = client.post(REAUTH, {"password": WRONG, "token": code, "next": "/account/password/"})
        assert response.status_code == 200 and b"not your current password" in response.content
        assert reauth_failures(intake) == 1
        assert client.get("/account/password/").headers["Location"].startswith(REAUTH)


def test_a_backup_code_confirms_too(intake):
    [code, *_] = actions.issue_backup_codes(user=intake)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = verified_session(Client(), intake)
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        response = client.post(REAUTH, {"password": PASSWORD, "token": code, "next": "/account/backup-codes/"})
        assert response.headers["Location"] == "/account/backup-codes/"
        assert client.get("/account/backup-codes/").status_code == 200


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_re_authentication_returns_only_to_a_local_page(client_for, intake, next_url):
    response = client_for(intake).post(REAUTH, {"password": PASSWORD, "token": current_totp(intake), "next": next_url})
    assert response.headers["Location"] == "/"


def test_the_admin_site_password_form_sends_to_the_re_authenticated_page(client_for, system_admin):
    response = client_for(system_admin).get("/admin/password_change/")
    assert response.headers["Location"] == "/account/password/"
