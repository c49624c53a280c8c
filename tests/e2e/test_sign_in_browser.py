"""Sign-in journeys in real Chromium."""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.builders.factories import PASSWORD, UserFactory
from tests.conftest import sign_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_sign_in_enrols_an_authenticator_and_shows_backup_codes(page, harbor):
    user = UserFactory(username="first-timer", agency=harbor, roles=["intake"], totp=False)
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/login/enrol/$"))
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    import base64

    assert base64.b32encode(device.bin_key).decode().rstrip("=") == secret
    page.get_by_label("6-digit code shown by your authenticator app").fill(f"{TOTP(device.bin_key).token():06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    expect(page.locator("#backup-codes li")).to_have_count(10)
    page.get_by_role("button", name="I have saved them, continue").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_sign_in_with_a_code(page, intake):
    sign_in_in_browser(page, intake)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert "harbor-intake" in page.get_by_role("button", name=re.compile("Sign out")).inner_text()


def test_idle_warning_then_automatic_sign_out(page, supervisor, settings):
    settings.HMIS_IDLE_TIMEOUT_SECONDS = 8
    settings.HMIS_IDLE_WARNING_SECONDS = 5
    sign_in_in_browser(page, supervisor)
    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=8000)
    expect(page.locator("#idle-countdown")).to_have_text(re.compile(r"0:0[0-5]"))
    # "Stay signed in" resets the clock on the server.
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    # Then, left alone, the page signs itself out.
    expect(page).to_have_url(re.compile(r"/login/\?ended=idle"), timeout=15000)
    expect(page.get_by_text("signed out after a period of inactivity")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_signing_out_in_one_tab_signs_out_every_tab(page, security_officer):
    sign_in_in_browser(page, security_officer)
    other_tab = page.context.new_page()
    other_tab.goto("/security/")
    expect(other_tab.get_by_role("heading", name="Security events")).to_be_visible()
    page.get_by_role("button", name=re.compile("Sign out")).click()
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    expect(other_tab).to_have_url(re.compile(r"/login/"), timeout=5000)


def test_lockout_after_five_wrong_passwords(page, agency_lead):
    page.goto("/login/")
    for _ in range(5):
        page.get_by_label("Username").fill(agency_lead.username)
        page.get_by_label("Password").fill("not my password at all")
        page.get_by_role("button", name="Continue").click()
        if page.get_by_role("heading", name="Sign-in paused").is_visible():
            break
        expect(page.get_by_text("do not match")).to_be_visible()
    # Even the right password is refused now.
    page.goto("/login/")
    page.get_by_label("Username").fill(agency_lead.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(page.get_by_text("contact your agency's HMIS lead")).to_be_visible()


def test_new_backup_codes_after_five_minutes_ask_for_the_password_and_a_code_again(page, intake):
    import datetime

    import time_machine
    from django.utils import timezone

    from tests.conftest import current_totp

    sign_in_in_browser(page, intake)
    page.goto("/account/backup-codes/")
    expect(page.get_by_role("heading", name="New backup codes")).to_be_visible()  # signing in counts
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        page.goto("/account/backup-codes/")
        expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
        page.get_by_label("Your current password").fill(PASSWORD)
        page.get_by_label("Code from your authenticator app, or a backup code").fill(current_totp(intake))
        page.get_by_role("button", name="Confirm").click()
        expect(page).to_have_url(re.compile(r"/account/backup-codes/$"))
        page.get_by_role("button", name="Make new backup codes").click()
        expect(page.locator("#backup-codes li")).to_have_count(10)
