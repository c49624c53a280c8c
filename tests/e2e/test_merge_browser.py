"""A supervisor merges two records of one person in Chromium: from the
duplicate list, value by value (masked), through the confirmation with
counts, to the kept record; the merged record's address opens the kept one."""

import pytest
from playwright.sync_api import expect

from clients.models import Client, PossibleDuplicate
from tests.builders.clients import make_client, make_enrollment
from tests.conftest import sign_in_in_browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_supervisor_merges_a_duplicate_from_the_review_list(page, intake, supervisor):
    existing = make_client(intake)
    duplicate = make_client(intake, first_name="Quillionare", ssn="219873457")
    make_enrollment(intake, duplicate)
    pair = PossibleDuplicate.objects.get()
    sign_in_in_browser(page, supervisor)

    page.goto("/clients/duplicates/")
    page.locator("#open-pairs").get_by_role("button", name="Merge…").click()
    page.wait_for_url(f"**/clients/duplicates/{pair.pk}/merge/")
    expect(page.locator("#merge-ssn")).to_contain_text("•••-••-3456")
    expect(page.locator("#merge-ssn")).to_contain_text("•••-••-3457")
    expect(page.locator("#merge-dob")).to_contain_text("Same")
    page.get_by_label(f"Keep record A ({existing.reference}").check()
    page.get_by_label("SSN: record B's").check()
    page.get_by_role("button", name="Review the merge").click()

    expect(page.get_by_role("heading", name="Merge these two records?")).to_be_visible()
    expect(page.locator("#confirm-consequences")).to_contain_text("1 enrollment")
    page.get_by_role("button", name="Merge", exact=True).click()

    page.wait_for_url(f"**/clients/{existing.pk}/")
    expect(page.get_by_text(f"was merged into client {existing.reference}")).to_be_visible()
    expect(page.locator("#client-ssn")).to_have_text("•••-••-3457")
    page.goto(f"/clients/{duplicate.pk}/")
    page.wait_for_url(f"**/clients/{existing.pk}/")
    assert Client.objects.get(pk=duplicate.pk).merged_into_id == existing.pk
