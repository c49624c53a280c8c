"""Chromium: intake records a release with an uploaded form (the live summary
follows the boxes), the supervisor approves it from the queue on the
dashboard, the client page shows it active; intake revokes it and it shows
revoked."""

import pytest
from playwright.sync_api import expect

from tests.builders.clients import new_client
from tests.builders.sharing import PNG
from tests.conftest import sign_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_release_recorded_approved_shown_and_revoked(page, browser, live_server, intake, supervisor, eastside):
    client = new_client(intake)

    # Intake records the release.
    sign_in_in_browser(page, intake)
    page.goto(f"/clients/{client.pk}/")
    page.get_by_role("link", name="Record a release").click()
    summary = page.locator("#release-summary")
    expect(summary.locator('[data-summary-category="contact"]')).to_be_hidden()
    page.get_by_label("Eastside Housing Collective").check()
    page.get_by_label("contact details (phone, e-mail, address)").check()
    page.get_by_label("housing placement").check()
    expect(summary.locator('[data-summary-category="contact"]')).to_be_visible()
    expect(summary.locator(f'[data-summary-agency="{eastside.pk}"]')).to_be_visible()
    expect(summary.locator('[data-summary-purpose="housing_placement"]')).to_have_text("finding you housing")
    expect(summary.locator('[data-summary-empty="categories"]')).to_be_hidden()
    page.locator('input[name="evidence"]').set_input_files(
        files=[{"name": "signed-form.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Record release").click()
    expect(page.locator("#release-status")).to_have_text("Waiting for a supervisor")
    release_url = page.url

    # The supervisor reviews it from the queue on the dashboard (another browser context),
    # opens the signed form, then approves it on the release page.
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15000)
    supervisor_page = context.new_page()
    try:
        sign_in_in_browser(supervisor_page, supervisor)
        supervisor_page.goto("/")
        queue = supervisor_page.locator("#release-queue")
        expect(queue).to_contain_text(client.reference)
        expect(queue.get_by_role("button", name="Approve")).to_have_count(0)
        queue.get_by_role("link", name="Review").click()
        supervisor_page.get_by_role("button", name="Approve").click()
        expect(supervisor_page.locator(".flash-error").first).to_contain_text("Open the signed consent form")
        with supervisor_page.context.expect_page() as evidence_tab:
            supervisor_page.get_by_role("link", name="View the signed form").click()
        evidence_tab.value.close()
        supervisor_page.get_by_role("button", name="Approve").click()
        expect(supervisor_page.locator("#release-status")).to_have_text("Active")
        supervisor_page.goto("/")
        expect(supervisor_page.locator("#release-queue")).to_contain_text("Nothing is waiting")
    finally:
        context.close()

    # The client page shows it active.
    page.goto(f"/clients/{client.pk}/")
    active = page.locator("#releases-active")
    expect(active).to_contain_text("Active")
    expect(active).to_contain_text("Eastside Housing Collective")

    # Intake revokes it; it shows revoked.
    page.goto(release_url)
    page.get_by_role("button", name="Revoke release…").click()
    expect(page.locator("#confirm-consequences")).to_contain_text("No referral is open under this release.")
    page.get_by_label("Why is the release revoked?").fill("The client asked in person.")
    page.get_by_role("button", name="Revoke release").click()
    expect(page.locator("#release-status")).to_have_text("Revoked")
    page.goto(f"/clients/{client.pk}/")
    expect(page.locator("#releases-ended")).to_contain_text("Revoked")
    expect(page.locator("#releases-active")).to_contain_text("No active release")
