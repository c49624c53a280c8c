"""The passkey policy: required for system admins and security officers by
default, set per role and per agency by the system admin; a user under it
is led to add a passkey at sign-in, and after the grace period (counted from
their first sign-in under it) only a passkey signs them in."""

import datetime
import importlib
import json

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from hmis import actions
from hmis.models import PasskeyGrace, PasskeyRule, Role, SecurityEvent
from hmis.passkeys import passkey_standing
from tests.builders.factories import PASSWORD
from tests.conftest import current_totp
from tests.passkey_authenticator import SoftwareAuthenticator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def default_policy(db):
    """The rules the migration sets (browser tests, which empty the tables, may have run first)."""
    from django.apps import apps

    migration = importlib.import_module("hmis.migrations.0006_passkey_policy")
    migration.require_passkeys_for_admins_and_security_officers(apps, None)


START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def post_json(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def sign_in_with_code(user):
    """Password, then the current code; the client and where the second step sent it."""
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    if response.status_code != 302:
        return client, response
    return client, client.post("/login/verify/", {"token": current_totp(user)})


def add_passkey(client, authenticator):
    options = post_json(client, "/account/passkeys/add/begin/").json()
    response = post_json(
        client, "/account/passkeys/add/complete/", {"name": "Laptop", "credential": authenticator.create(options)}
    )
    assert response.status_code == 200, response.content


def test_by_default_system_admins_and_security_officers_must_use_a_passkey(
    intake, supervisor, security_officer, agency_lead, system_admin
):
    assert passkey_standing(security_officer).required
    assert passkey_standing(system_admin).required
    for user in (intake, supervisor, agency_lead):
        assert not passkey_standing(user).required


def test_sign_in_leads_a_user_under_the_policy_to_add_a_passkey(security_officer):
    with time_machine.travel(START, tick=False):
        client, response = sign_in_with_code(security_officer)
        assert response["Location"] == "/account/passkeys/"
        page = client.get("/account/passkeys/")
        assert b"Your role must sign in with a passkey" in page.content
        assert b"2026-03-16" in page.content  # 14 days from this first sign-in under the policy


def test_a_user_not_under_the_policy_goes_straight_in(intake):
    _client, response = sign_in_with_code(intake)
    assert response["Location"] == "/"
    assert not PasskeyGrace.objects.filter(user=intake).exists()


def test_after_the_grace_period_a_user_without_a_passkey_cannot_sign_in(security_officer):
    with time_machine.travel(START, tick=False):
        sign_in_with_code(security_officer)  # the policy first applies: the clock starts
    with time_machine.travel(START + datetime.timedelta(days=13, hours=23), tick=False):
        _client, response = sign_in_with_code(security_officer)
        assert response["Location"] == "/account/passkeys/"  # still in the grace period
    with time_machine.travel(START + datetime.timedelta(days=14, minutes=1), tick=False):
        client, response = sign_in_with_code(security_officer)
        assert response.status_code == 403
        assert b"A passkey is required" in response.content
        assert b"Ask your agency's HMIS lead" in response.content
        assert client.get("/")["Location"] == "/login/"  # not even the password step counts
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSKEY_MISSING, user=security_officer).exists()


def test_the_grace_period_counts_from_the_first_sign_in_under_the_policy(intake, system_admin):
    with time_machine.travel(START, tick=False):
        sign_in_with_code(intake)
    # A month later the system admin makes passkeys required for intake staff.
    with time_machine.travel(START + datetime.timedelta(days=30), tick=False):
        PasskeyRule.objects.create(role=Role.INTAKE, required=True, grace_days=14)
        _client, response = sign_in_with_code(intake)
        assert response["Location"] == "/account/passkeys/"
    with time_machine.travel(START + datetime.timedelta(days=43), tick=False):
        assert sign_in_with_code(intake)[1]["Location"] == "/account/passkeys/"
    with time_machine.travel(START + datetime.timedelta(days=45), tick=False):
        assert sign_in_with_code(intake)[1].status_code == 403


def test_after_the_grace_period_only_a_passkey_passes_the_second_step(security_officer):
    authenticator = SoftwareAuthenticator()
    with time_machine.travel(START, tick=False):
        client, _response = sign_in_with_code(security_officer)
        add_passkey(client, authenticator)
    with time_machine.travel(START + datetime.timedelta(days=20), tick=False):
        client, response = sign_in_with_code(security_officer)
        assert response["Location"] == "/login/verify/"  # the code is not accepted
        page = client.get("/login/verify/")
        assert b"Your role must sign in with a passkey: a code is not accepted" in page.content
        assert b"Use a passkey" in page.content and b'name="token"' not in page.content
        assert client.get("/")["Location"] == "/login/verify/"
        options = post_json(client, "/login/passkey/begin/").json()
        done = post_json(client, "/login/passkey/complete/", authenticator.get(options))
        assert done.json()["redirect_url"] == "/"
        assert client.get("/").status_code == 200


def test_the_last_passkey_stays_while_the_policy_needs_it(security_officer):
    authenticator = SoftwareAuthenticator()
    with time_machine.travel(START, tick=False):
        client, _response = sign_in_with_code(security_officer)
        add_passkey(client, authenticator)
    with time_machine.travel(START + datetime.timedelta(days=20), tick=False):
        client, _response = sign_in_with_code(security_officer)
        options = post_json(client, "/login/passkey/begin/").json()
        post_json(client, "/login/passkey/complete/", authenticator.get(options))
        key = WebAuthnCredential.get_credential_id_sha256(authenticator.credential_id)
        client.post(f"/account/passkeys/{key}/remove/")
        assert WebAuthnCredential.objects.filter(user=security_officer).count() == 1
        assert b"add another one before removing your last" in client.get("/account/passkeys/").content


def test_the_system_admin_sets_a_rule_for_one_agency(
    intake, other_intake, security_officer, other_security_officer, system_admin, client_for, harbor, eastside
):
    admin = client_for(system_admin)
    admin.post(
        "/security/passkey-policy/", {"role": Role.INTAKE, "agency": harbor.pk, "required": "1", "grace_days": 7}
    )
    admin.post(
        "/security/passkey-policy/",
        {"role": Role.SECURITY_OFFICER, "agency": eastside.pk, "required": "0", "grace_days": 14},
    )
    assert passkey_standing(intake).required
    assert not passkey_standing(other_intake).required
    assert passkey_standing(security_officer).required  # the every-agency rule
    assert not passkey_standing(other_security_officer).required  # eastside's own rule
    rule = PasskeyRule.objects.get(role=Role.INTAKE, agency=harbor)
    assert rule.grace_days == 7
    assert LogEntry.objects.get_for_object(rule).get().actor == system_admin
    page = admin.get("/security/passkey-policy/")
    assert b"Harbor Family Services" in page.content


def test_a_bad_grace_period_is_refused_and_changes_nothing(system_admin, client_for):
    admin = client_for(system_admin)
    before = list(PasskeyRule.objects.values_list("role", "required", "grace_days"))
    response = admin.post("/security/passkey-policy/", {"role": Role.INTAKE, "required": "1", "grace_days": 999})
    assert response.status_code == 200
    assert b"less than or equal to 365" in response.content
    assert list(PasskeyRule.objects.values_list("role", "required", "grace_days")) == before


def test_only_the_system_admin_sets_the_policy(agency_lead, security_officer, client_for):
    for user in (agency_lead, security_officer):
        response = client_for(user).post("/security/passkey-policy/", {"role": Role.INTAKE, "grace_days": 0})
        assert response.status_code == 403
    assert not PasskeyRule.objects.filter(role=Role.INTAKE).exists()


def test_a_leads_reset_sign_in_removes_passkeys_and_restarts_the_grace_period(
    security_officer, agency_lead, client_for
):
    with time_machine.travel(START, tick=False):
        client, _response = sign_in_with_code(security_officer)
        add_passkey(client, SoftwareAuthenticator())
    with time_machine.travel(START + datetime.timedelta(days=30), tick=False):
        actions.reset_sign_in(acting_user=agency_lead, user=security_officer)
        assert not WebAuthnCredential.objects.filter(user=security_officer).exists()
        assert not PasskeyGrace.objects.filter(user=security_officer).exists()
        standing = passkey_standing(security_officer, start_clock=True)
        assert standing.should_add and standing.deadline == timezone.now() + datetime.timedelta(days=14)
