"""Chromium: staff record how they checked the client's identity, the
printable copy opens in a page of its own, and printing it hides the staff
bar (no navigation on paper) while the copy and the complaint contacts stay."""

import pytest
from playwright.sync_api import expect

from tests.builders.clients import make_client
from tests.canaries import CANARY_FIRST, CANARY_SSN
from tests.conftest import sign_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_print_a_copy_for_the_client(page, intake):
    client = make_client(intake)
    sign_in_in_browser(page, intake)
    page.goto(f"/clients/{client.pk}/")
    page.get_by_text("Print for the client").click()
    page.get_by_label("Photo ID").check()
    page.get_by_label("Language of the copy").select_option("es")
    page.get_by_role("button", name="Open the printable copy").click()

    page.wait_for_url(f"**/clients/{client.pk}/print/*/")
    copy = page.locator("#client-copy")
    expect(copy).to_contain_text(CANARY_FIRST)
    expect(copy.locator("h1")).to_have_text("Su expediente")
    expect(page.locator("#copy-ssn")).not_to_contain_text(CANARY_SSN[-4:])
    expect(page.locator("#who-has-seen")).to_be_visible()
    expect(page.locator("#staff-bar")).to_be_visible()
    assert CANARY_FIRST not in page.title()

    page.emulate_media(media="print")
    expect(page.locator("#staff-bar")).to_be_hidden()
    expect(page.get_by_role("button", name="Imprimir")).to_be_hidden()
    expect(copy).to_be_visible()
    expect(page.locator("#your-rights")).to_be_visible()

    # Back on screen, a reload shows that the copy opens once.
    page.emulate_media(media="screen")
    page.reload()
    expect(page.locator("#copy-used")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(CANARY_FIRST)
