"""An intake worker's day in Chromium: search, create, enrol, assess, see the
SSN masked, reveal it with a reason, privacy screen, access history; and an
outsider who can neither open nor find the client."""

import re

import pytest
from playwright.sync_api import expect

from clients.models import Client
from tests.builders.clients import make_project
from tests.conftest import sign_in_in_browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_intake_worker_creates_reveals_and_hides_a_client(page, intake, other_intake):
    make_project(intake, name="Harbor Family Shelter")
    sign_in_in_browser(page, intake)

    # 1. Search first: nothing found.
    page.get_by_role("link", name="New intake").first.click()
    page.get_by_label("First name").fill("Quillionaire")
    page.get_by_label("Last name").fill("Zebrafinchley")
    page.get_by_label("Date of birth").fill("1983-07-19")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#no-matches")).to_be_visible()

    # 2. Create the client from what was typed.
    page.get_by_role("button", name="Create a new client").click()
    expect(page.get_by_label("First name")).to_have_value("Quillionaire")
    page.get_by_label("SSN", exact=True).fill("219-87-3456")
    page.get_by_label("White", exact=True).check()
    page.get_by_label("Sex", exact=True).select_option(label="Female")
    page.get_by_label("Veteran status").select_option(label="No")
    page.get_by_role("button", name="Create client").click()

    # 3. Enrol, 4. assess.
    page.get_by_label("Project").select_option(label="Harbor Family Shelter")
    page.get_by_role("button", name="Enrol").click()
    page.get_by_label("Prior living situation", exact=True).select_option(label="Place not meant for habitation")
    page.get_by_label("Length of stay in prior living situation").select_option(label="One year or longer")
    for label in (
        "Disabling condition",
        "Income from any source",
        "Non-cash benefits from any source",
        "Covered by health insurance",
        "Domestic violence survivor",
    ):
        page.get_by_label(label, exact=True).select_option(label="Client prefers not to answer")
    page.get_by_role("button", name="Record assessment").click()

    # The client page: SSN masked, then revealed with a reason.
    client = Client.objects.get()
    page.wait_for_url(f"**/clients/{client.pk}/")
    expect(page).to_have_title(f"Client {client.reference} · HMIS")
    expect(page.locator("#client-ssn")).to_have_text("•••-••-3456")
    expect(page.locator("#client-name")).to_have_text("Quillionaire Zebrafinchley")
    page.get_by_text("Reveal a field").click()
    page.get_by_label("Field").select_option(label="SSN")
    page.get_by_label("Why do you need to see it?").select_option(label="Providing services to this client")
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("#client-ssn")).to_have_text("219-87-3456")
    assert "219" not in page.url and "Zebra" not in page.url

    # Privacy screen by keyboard: initials only, a banner, then the history shows the reveal.
    page.keyboard.press("Alt+Shift+KeyP")
    expect(page.locator("#privacy-banner")).to_be_visible()
    expect(page.locator("#client-name")).to_have_text("Q. Z.")
    expect(page.locator("#client-ssn")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Zebrafinchley")
    history = page.locator("#access-history")
    expect(history).to_contain_text("Revealed a field")
    expect(history).to_contain_text("ssn")
    expect(history).to_contain_text("Providing services to this client")
    page.get_by_role("button", name="Turn privacy screen off").click()
    expect(page.locator("#privacy-banner")).to_have_count(0)
    expect(page.locator("#client-name")).to_have_text("Quillionaire Zebrafinchley")
    client_url = page.url

    # An outsider: 404 on the page, nothing in search.
    page.context.clear_cookies()
    sign_in_in_browser(page, other_intake)
    response = page.goto(client_url)
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text("Zebrafinchley")
    page.goto("/clients/intake/")
    page.get_by_label("First name").fill("Quillionaire")
    page.get_by_label("Last name").fill("Zebrafinchley")
    page.get_by_label("Date of birth").fill("1983-07-19")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#no-matches")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(re.compile("Harbor Family Services|" + client.reference))
