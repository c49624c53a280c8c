"""Passkeys: added, named, listed and removed from the account page after
re-authentication, each change audited and a security event; "Use a passkey"
at the second step; a passkey from another origin or relying party, or one
removed, is refused and counts toward the lockout like a wrong code."""

import datetime
import json

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from hmis.models import SecurityEvent
from tests.builders.factories import PASSWORD
from tests.conftest import current_totp, password_only_session
from tests.passkey_authenticator import SoftwareAuthenticator

pytestmark = pytest.mark.django_db


def post_json(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def add_passkey(client, authenticator, name="Work laptop", **kwargs):
    options = post_json(client, "/account/passkeys/add/begin/").json()
    return post_json(
        client,
        "/account/passkeys/add/complete/",
        {"name": name, "credential": authenticator.create(options, **kwargs)},
    )


def sign_in_with_passkey(client, authenticator, **kwargs):
    options = post_json(client, "/login/passkey/begin/").json()
    return post_json(client, "/login/passkey/complete/", authenticator.get(options, **kwargs))


def passkey_changes(user):
    """What the audit log says about the user's passkeys, oldest first."""
    entries = LogEntry.objects.get_for_object(user).order_by("timestamp")
    return [e.changes_dict["passkeys"][1] for e in entries if "passkeys" in e.changes_dict]


def _hash(authenticator):
    return WebAuthnCredential.get_credential_id_sha256(authenticator.credential_id)


def test_add_a_named_passkey_audited_and_a_security_event(intake, client_for):
    client = client_for(intake)
    authenticator = SoftwareAuthenticator()
    response = add_passkey(client, authenticator, name="  Blue   security key ")
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/account/passkeys/"
    passkey = WebAuthnCredential.objects.get(user=intake)
    assert passkey.name == "Blue security key" and passkey.confirmed
    page = client.get("/account/passkeys/")
    assert b"Blue security key" in page.content and b"Never" in page.content
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSKEY_ADDED, user=intake).count() == 1
    assert passkey_changes(intake) == ["added “Blue security key”"]


def test_a_passkey_needs_a_name_and_nothing_is_stored_without_one(intake, client_for):
    client = client_for(intake)
    response = add_passkey(client, SoftwareAuthenticator(), name="   ")
    assert response.status_code == 400
    assert "Give the passkey a name" in response.json()["detail"]
    assert not WebAuthnCredential.objects.filter(user=intake).exists()
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSKEY_ADDED).exists()


def test_a_passkey_made_for_another_origin_is_not_added(intake, client_for):
    client = client_for(intake)
    response = add_passkey(client, SoftwareAuthenticator(), origin="https://hmis-login.example")
    assert response.status_code == 422
    assert not WebAuthnCredential.objects.filter(user=intake).exists()


def test_account_page_and_adding_ask_to_confirm_it_is_you_after_five_minutes(intake, client_for):
    client = client_for(intake)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        page = client.get("/account/passkeys/")
        assert page.status_code == 302 and page["Location"].startswith("/account/confirm/")
        begin = post_json(client, "/account/passkeys/add/begin/")
        assert begin.status_code == 403
        assert begin.json()["redirect_url"].startswith("/account/confirm/")
        client.post("/account/confirm/", {"password": PASSWORD, "token": current_totp(intake)})
        assert client.get("/account/passkeys/").status_code == 200


def test_rename_and_remove_are_audited_and_security_events(intake, client_for):
    client = client_for(intake)
    authenticator = SoftwareAuthenticator()
    add_passkey(client, authenticator, name="Phone")
    key = _hash(authenticator)
    client.post(f"/account/passkeys/{key}/rename/", {"name": "Old phone"})
    assert WebAuthnCredential.objects.get(user=intake).name == "Old phone"
    response = client.post(f"/account/passkeys/{key}/remove/")
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.filter(user=intake).exists()
    kinds = set(SecurityEvent.objects.filter(user=intake).values_list("kind", flat=True))
    assert {SecurityEvent.Kind.PASSKEY_RENAMED, SecurityEvent.Kind.PASSKEY_REMOVED} <= kinds
    assert passkey_changes(intake) == ["added “Phone”", "renamed “Phone” to “Old phone”", "removed “Old phone”"]


def test_nobody_renames_or_removes_another_users_passkey(intake, supervisor, client_for):
    authenticator = SoftwareAuthenticator()
    add_passkey(client_for(intake), authenticator)
    other = client_for(supervisor)
    key = _hash(authenticator)
    assert other.post(f"/account/passkeys/{key}/remove/").status_code == 404
    assert other.post(f"/account/passkeys/{key}/rename/", {"name": "mine now"}).status_code == 404
    assert WebAuthnCredential.objects.get(user=intake).name == "Work laptop"


def test_sign_in_with_a_passkey_as_the_second_step(intake, client_for):
    authenticator = SoftwareAuthenticator()
    add_passkey(client_for(intake), authenticator)
    client = password_only_session(Client(), intake)
    assert b"Use a passkey" in client.get("/login/verify/").content
    response = sign_in_with_passkey(client, authenticator)
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/"
    assert client.get("/").status_code == 200
    assert WebAuthnCredential.objects.get(user=intake).last_used_at is not None


def test_codes_still_work_beside_a_passkey(intake, client_for):
    add_passkey(client_for(intake), SoftwareAuthenticator())
    client = password_only_session(Client(), intake)
    assert client.post("/login/verify/", {"token": current_totp(intake)})["Location"] == "/"


@pytest.mark.parametrize(
    "claim",
    [{"origin": "https://hmis-login.example"}, {"rp_id": "hmis-login.example"}, {"origin": "http://localhost:9999"}],
)
def test_a_passkey_answer_from_another_origin_or_site_is_refused_and_recorded(intake, client_for, claim):
    authenticator = SoftwareAuthenticator()
    add_passkey(client_for(intake), authenticator)
    client = password_only_session(Client(), intake)
    response = sign_in_with_passkey(client, authenticator, **claim)
    assert response.status_code == 422
    assert "not accepted" in response.json()["detail"]
    assert client.get("/")["Location"] == "/login/verify/"  # still not signed in
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PASSKEY_FAILED, user=intake)
    assert event.ip_address == "127.0.0.1"


def test_a_removed_passkey_is_refused(intake, client_for):
    kept, removed = SoftwareAuthenticator(), SoftwareAuthenticator()
    account = client_for(intake)
    add_passkey(account, kept, name="Kept")
    add_passkey(account, removed, name="Lost")
    client = password_only_session(Client(), intake)
    options = post_json(client, "/login/passkey/begin/").json()
    account.post(f"/account/passkeys/{_hash(removed)}/remove/")
    response = post_json(client, "/login/passkey/complete/", removed.get(options))
    assert response.status_code == 404
    assert "not registered to your account" in response.json()["detail"]
    assert client.get("/")["Location"] == "/login/verify/"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSKEY_FAILED, user=intake).exists()


def test_another_users_passkey_is_refused(intake, supervisor, client_for):
    theirs = SoftwareAuthenticator()
    add_passkey(client_for(supervisor), theirs)
    add_passkey(client_for(intake), SoftwareAuthenticator())
    client = password_only_session(Client(), intake)
    response = sign_in_with_passkey(client, theirs)
    assert response.status_code == 403
    assert client.get("/")["Location"] == "/login/verify/"


def test_a_challenge_works_once(intake, client_for):
    authenticator = SoftwareAuthenticator()
    add_passkey(client_for(intake), authenticator)
    client = password_only_session(Client(), intake)
    options = post_json(client, "/login/passkey/begin/").json()
    answer = authenticator.get(options, origin="https://hmis-login.example")
    post_json(client, "/login/passkey/complete/", answer)
    replay = post_json(client, "/login/passkey/complete/", authenticator.get(options))
    assert replay.status_code == 400
    assert client.get("/")["Location"] == "/login/verify/"


def test_refused_passkeys_lock_the_account_like_wrong_codes(intake, client_for):
    authenticator = SoftwareAuthenticator()
    add_passkey(client_for(intake), authenticator)
    client = password_only_session(Client(), intake)
    for _ in range(4):
        assert sign_in_with_passkey(client, authenticator, origin="https://evil.example").status_code == 422
    last = sign_in_with_passkey(client, authenticator, origin="https://evil.example")
    assert last.status_code == 429
    assert "paused" in last.json()["detail"]
    assert client.get("/")["Location"] == "/login/"  # the session ended
    assert Client().post("/login/", {"username": intake.username, "password": PASSWORD}).status_code == 429
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKOUT, user=intake).count() == 1


def test_wrong_codes_count_toward_the_same_lockout(intake):
    client = password_only_session(Client(), intake)
    wrong = "000000" if current_totp(intake) != "000000" else "111111"
    for _ in range(4):
        assert client.post("/login/verify/", {"token": wrong}).status_code == 200
    assert client.post("/login/verify/", {"token": wrong}).status_code == 429
    assert Client().post("/login/", {"username": intake.username, "password": PASSWORD}).status_code == 429
