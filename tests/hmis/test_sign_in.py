"""Two-step sign-in: password, then a TOTP code or a backup code; first-time
enrolment; session rotation; one live session per user."""

import threading

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hmis import actions
from hmis.models import SecurityEvent, User
from tests.builders.factories import PASSWORD, UserFactory
from tests.conftest import current_totp

pytestmark = pytest.mark.django_db


def sign_in_password(client, user, password=PASSWORD):
    return client.post("/login/", {"username": user.username, "password": password})


def test_password_then_code_signs_in(intake):
    client = Client()
    response = sign_in_password(client, intake)
    assert response.headers["Location"] == "/login/verify/"
    assert client.get("/").headers["Location"] == "/login/verify/"  # not yet in
    response = client.post("/login/verify/", {"token": current_totp(intake)})
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_gives_one_message_for_unknown_and_known_users(intake):
    known = Client().post("/login/", {"username": intake.username, "password": "not the password at all"})
    unknown = Client().post("/login/", {"username": "nobody-here", "password": "not the password at all"})
    assert known.status_code == unknown.status_code == 200
    assert b"do not match" in known.content and b"do not match" in unknown.content


def test_wrong_code_is_refused_and_recorded(intake):
    client = Client()
    sign_in_password(client, intake)
    response = client.post("/login/verify/", {"token": "000000" if current_totp(intake) != "000000" else "111111"})
    assert response.status_code == 200
    assert b"did not work" in response.content
    assert client.get("/").headers["Location"] == "/login/verify/"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SECOND_FACTOR_FAILED, user=intake).exists()


def test_a_code_works_only_once(intake, supervisor):
    code = current_totp(intake)
    first = Client()
    sign_in_password(first, intake)
    assert first.post("/login/verify/", {"token": code}).headers["Location"] == "/"
    second = Client()
    sign_in_password(second, intake)
    response = second.post("/login/verify/", {"token": code})
    assert response.status_code == 200
    assert second.get("/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_same_code_in_two_parallel_requests_works_once(harbor):
    user = UserFactory(username="parallel", agency=harbor, roles=["intake"])
    code = current_totp(user)
    device_id = TOTPDevice.objects.get(user=user).pk
    barrier = threading.Barrier(2)
    results = []

    def attempt():
        try:
            barrier.wait()
            results.append(actions.verify_totp(user=user, device_id=device_id, token=code) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]


def test_backup_code_works_once(intake):
    codes = actions.issue_backup_codes(user=intake)
    assert len(codes) == 10 and len(set(codes)) == 10
    client = Client()
    sign_in_password(client, intake)
    assert client.post("/login/verify/", {"token": codes[0]}).headers["Location"] == "/"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.BACKUP_CODE_USED, user=intake).exists()
    again = Client()
    sign_in_password(again, intake)
    assert again.post("/login/verify/", {"token": codes[0]}).status_code == 200
    assert StaticToken.objects.filter(device__user=intake).count() == 9


def test_first_sign_in_enrols_an_authenticator_and_shows_ten_backup_codes(harbor):
    user = UserFactory(username="newcomer", agency=harbor, roles=["intake"], totp=False)
    client = Client()
    assert sign_in_password(client, user).headers["Location"] == "/login/enrol/"
    page = client.get("/login/enrol/")
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code is drawn by the app, not fetched
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    from django_otp.oath import TOTP

    code = f"{TOTP(device.bin_key).token():06d}"
    response = client.post("/login/enrol/", {"token": code})
    assert response.status_code == 200
    assert response.content.count(b"<li>") >= 10
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    for c in codes:
        assert c.encode() in response.content
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/").status_code == 200
    # The codes are shown once: the dashboard does not show them again.
    assert codes[0].encode() not in client.get("/").content


def test_password_alone_cannot_add_a_new_authenticator(intake):
    client = Client()
    sign_in_password(client, intake)
    response = client.get("/login/enrol/")
    assert response.headers["Location"] == "/login/verify/"
    assert not TOTPDevice.objects.filter(user=intake, confirmed=False).exists()


def test_session_key_rotates_at_sign_in_and_after_second_factor(intake):
    client = Client()
    client.get("/login/")
    client.cookies["hmis_session"] = "x" * 32  # a fixated key is never adopted
    sign_in_password(client, intake)
    after_password = client.cookies["hmis_session"].value
    assert after_password != "x" * 32
    client.post("/login/verify/", {"token": current_totp(intake)})
    after_code = client.cookies["hmis_session"].value
    assert after_code != after_password
    assert not Session.objects.filter(session_key=after_password).exists()
    assert User.objects.get(pk=intake.pk).live_session_key == after_code


def test_a_new_sign_in_ends_the_older_session_and_raises_a_security_event(intake):
    first = Client()
    sign_in_password(first, intake)
    first.post("/login/verify/", {"token": current_totp(intake)})
    assert first.get("/").status_code == 200

    second = Client(REMOTE_ADDR="10.9.8.7")  # another computer
    sign_in_password(second, intake)
    second.post("/login/verify/", {"token": current_totp(intake, offset_steps=1)})
    assert second.get("/").status_code == 200

    response = first.get("/")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_REPLACED, user=intake).count() == 1


def test_the_same_browser_signing_in_again_ends_its_old_session_quietly(intake):
    """Closing the browser without signing out, then signing in again, is not a shared account."""
    first = Client(HTTP_USER_AGENT="Desk browser")
    sign_in_password(first, intake)
    first.post("/login/verify/", {"token": current_totp(intake)})
    old_key = first.session.session_key
    again = Client(HTTP_USER_AGENT="Desk browser")
    sign_in_password(again, intake)
    again.post("/login/verify/", {"token": current_totp(intake, offset_steps=1)})
    assert again.get("/").status_code == 200
    assert not Session.objects.filter(session_key=old_key).exists()
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_REPLACED).exists()


def test_password_alone_does_not_end_the_live_session(intake):
    first = Client()
    sign_in_password(first, intake)
    first.post("/login/verify/", {"token": current_totp(intake)})
    sign_in_password(Client(), intake)  # someone with only the password
    assert first.get("/").status_code == 200


def test_sign_out_ends_the_session(client_for, intake):
    client = client_for(intake)
    key = client.session.session_key
    response = client.post("/logout/")
    assert response.status_code == 200
    assert b'data-signed-out="1"' in response.content  # tells the other tabs
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302


def test_deactivation_ends_the_users_session_at_once(client_for, intake, agency_lead):
    victim = client_for(intake)
    assert victim.get("/").status_code == 200
    lead = client_for(agency_lead)
    lead.post(f"/agency/users/{intake.pk}/deactivate/")
    assert not User.objects.get(pk=intake.pk).is_active
    assert victim.get("/").status_code == 302
    # and the password no longer signs in
    assert sign_in_password(Client(), intake).status_code == 200


def test_user_without_a_role_gets_nothing(harbor):
    user = UserFactory(username="no-roles", agency=harbor, roles=[])
    from tests.conftest import verified_session

    assert verified_session(Client(), user).get("/").status_code == 403


def _code_for(device):
    from django_otp.oath import TOTP

    return f"{TOTP(device.bin_key).token():06d}"


def test_enrolling_after_a_backup_code_keeps_the_session_signed_in(harbor):
    user = UserFactory(username="backup-first", agency=harbor, roles=["intake"], totp=False)
    [code, *_] = actions.issue_backup_codes(user=user)
    client = Client()
    sign_in_password(client, user)
    assert client.post("/login/verify/", {"token": code}).headers["Location"] == "/login/enrol/"
    client.get("/login/enrol/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/login/enrol/", {"token": _code_for(device)}).status_code == 200
    assert client.get("/").status_code == 200


def test_replacing_the_authenticator_keeps_the_session_signed_in(client_for, intake):
    client = client_for(intake)
    client.get("/login/enrol/")
    device = TOTPDevice.objects.get(user=intake, confirmed=False)
    assert client.post("/login/enrol/", {"token": _code_for(device)}).status_code == 200
    assert client.get("/").status_code == 200
    assert list(TOTPDevice.objects.filter(user=intake, confirmed=True)) == [device]


def test_new_backup_codes_keep_the_session_signed_in(intake):
    [code, *_] = actions.issue_backup_codes(user=intake)
    client = Client()
    sign_in_password(client, intake)
    client.post("/login/verify/", {"token": code})
    assert client.post("/account/backup-codes/").status_code == 200
    assert client.get("/").status_code == 200
