"""Passkeys in real Chromium with its virtual authenticator (the DevTools
protocol's WebAuthn domain): add one on the account page, sign in with it,
a removed one and one made for another site are refused, and a user under
the policy is led to add one at sign-in."""

import base64
import re
from types import SimpleNamespace

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from hmis.models import PasskeyRule, Role, SecurityEvent
from tests.builders.factories import PASSWORD
from tests.conftest import sign_in_in_browser
from tests.passkey_authenticator import SoftwareAuthenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def authenticator(page, settings, live_server):
    """A platform authenticator in this browser; the server accepts the live server's origin."""
    settings.HMIS_WEBAUTHN_RP_ID = "localhost"
    settings.HMIS_WEBAUTHN_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    authenticator_id = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    return SimpleNamespace(
        cdp=cdp,
        id=authenticator_id,
        credentials=lambda: cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"],
    )


def add_passkey_in_browser(page, name):
    page.goto("/account/passkeys/")
    page.get_by_label("Name for the new passkey").fill(name)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text(f"Passkey “{name}” added.")).to_be_visible()
    expect(page.locator("#passkey-list")).to_contain_text(name)


def sign_out(page):
    page.get_by_role("button", name=re.compile("Sign out")).click()
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()


def password_step(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/login/verify/$"))


def test_add_a_passkey_then_sign_in_with_it(page, intake, authenticator):
    sign_in_in_browser(page, intake)
    add_passkey_in_browser(page, "This laptop")
    assert len(authenticator.credentials()) == 1
    passkey = WebAuthnCredential.objects.get(user=intake)
    assert passkey.name == "This laptop" and passkey.last_used_at is None
    sign_out(page)

    password_step(page, intake)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    page.goto("/account/passkeys/")
    expect(page.locator("#passkey-list")).not_to_contain_text("Never")


def test_a_passkey_needs_a_name(page, intake, authenticator):
    sign_in_in_browser(page, intake)
    page.goto("/account/passkeys/")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the passkey a name")
    assert authenticator.credentials() == []
    assert not WebAuthnCredential.objects.filter(user=intake).exists()


def test_a_removed_passkey_no_longer_signs_in(page, intake, authenticator):
    sign_in_in_browser(page, intake)
    add_passkey_in_browser(page, "This laptop")
    # A security key kept in a drawer, so the account still offers passkeys.
    add_passkey_in_browser_from_software(intake, "Security key")
    page.goto("/account/passkeys/")
    row = page.locator("#passkey-list tr", has_text="This laptop")
    row.get_by_text("Rename or remove").click()
    row.get_by_role("button", name="Remove This laptop").click()
    expect(page.get_by_text("Passkey removed")).to_be_visible()
    expect(page.locator("#passkey-list")).not_to_contain_text("This laptop")
    assert len(authenticator.credentials()) == 1  # still in the browser, no longer ours
    sign_out(page)

    password_step(page, intake)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.locator("#passkey-sign-in-status")).to_contain_text("not used")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/verify/$"))


def add_passkey_in_browser_from_software(user, name):
    """A passkey on another device of the user's (registered straight into the database)."""
    other = SoftwareAuthenticator()
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        credential_id=other.credential_id,
        public_key=other._cose_public_key(),
        aaguid="00000000-0000-0000-0000-000000000000",
    )


def test_a_passkey_made_for_another_site_is_refused(page, intake, authenticator):
    """The user's key, but registered at a look-alike site: the browser will not use it here."""
    key = SoftwareAuthenticator()
    WebAuthnCredential.objects.create(
        user=intake,
        name="Phone",
        credential_id=key.credential_id,
        public_key=key._cose_public_key(),
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    authenticator.cdp.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": authenticator.id,
            "credential": {
                "credentialId": base64.b64encode(key.credential_id).decode(),
                "isResidentCredential": False,
                "rpId": "hmis-login.example",
                "privateKey": key.private_key_pkcs8_b64(),
                "signCount": 0,
            },
        },
    )
    password_step(page, intake)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.locator("#passkey-sign-in-status")).to_contain_text("not used")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    assert WebAuthnCredential.objects.get(user=intake).last_used_at is None


def test_a_passkey_answer_for_another_origin_is_refused_by_the_server(page, intake, authenticator, settings):
    """Registered while the server trusted this origin; once it no longer does, the answer is refused."""
    sign_in_in_browser(page, intake)
    add_passkey_in_browser(page, "This laptop")
    sign_out(page)
    settings.HMIS_WEBAUTHN_ORIGINS = ["https://hmis.example.org"]
    password_step(page, intake)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.locator("#passkey-sign-in-status")).to_contain_text("not accepted here")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSKEY_FAILED, user=intake).count() == 1


def test_a_user_under_the_policy_is_led_to_add_a_passkey_at_sign_in(page, security_officer, authenticator):
    # The default rule (a data migration) is gone in browser tests, which empty the database after each test.
    PasskeyRule.objects.get_or_create(role=Role.SECURITY_OFFICER, agency=None, defaults={"required": True})
    sign_in_in_browser(page, security_officer)
    expect(page).to_have_url(re.compile(r"/account/passkeys/$"))
    expect(page.get_by_text("Your role must sign in with a passkey. Add one now")).to_be_visible()
    page.get_by_label("Name for the new passkey").fill("Office PC")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Passkey “Office PC” added.")).to_be_visible()
    expect(page.locator("#passkey-policy-notice")).to_have_count(0)
