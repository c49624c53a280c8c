"""In Chromium: harbor intake sends a housing referral to eastside under an
active release; eastside intake opens it and sees only the shared
categories; harbor revokes the release; eastside's next opening is refused."""

import pytest
from playwright.sync_api import expect

from sharing import actions
from sharing.models import DataCategory, Purpose, Share
from tests.builders.clients import make_client
from tests.builders.sharing import care_release
from tests.canaries import CANARY_FIRST, CANARY_PHONE
from tests.conftest import sign_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_referral_is_live_until_the_release_is_revoked(
    page, browser, live_server, intake, supervisor, other_intake, eastside
):
    client = make_client(intake)
    release = care_release(
        intake,
        supervisor,
        client,
        eastside,
        categories=[
            DataCategory.IDENTITY,
            DataCategory.CONTACT,
            DataCategory.DEMOGRAPHICS,
            DataCategory.HOUSING_HISTORY,
            DataCategory.INCOME_BENEFITS,
        ],
        purposes=[Purpose.HOUSING_PLACEMENT],
    )

    # Harbor intake refers the client from the client's page.
    sign_in_in_browser(page, intake)
    page.goto(f"/clients/{client.pk}/")
    page.get_by_role("link", name="Send a referral").click()
    page.get_by_label("Partner agency").select_option(label=eastside.name)
    page.get_by_label("Purpose", exact=True).select_option("housing_placement")
    for category in ("identity", "contact", "demographics", "housing_history"):
        page.locator(f"input[name=categories][value={category}]").check()
    page.get_by_role("button", name="Send referral").click()
    share = Share.objects.get()
    expect(page.get_by_text(f"Referral {share.reference} sent to {eastside.name}.")).to_be_visible()
    assert CANARY_FIRST not in page.url and CANARY_FIRST not in page.title()

    # Eastside intake, in another browser session, opens it from the inbox.
    context = browser.new_context(base_url=live_server.url)
    partner = context.new_page()
    try:
        sign_in_in_browser(partner, other_intake)
        partner.get_by_role("link", name="Referrals").first.click()
        partner.get_by_role("link", name=share.reference).click()
        expect(partner.locator("#section-identity")).to_be_visible()
        expect(partner.locator("#shared-name")).to_contain_text(CANARY_FIRST)
        expect(partner.locator("#section-contact")).to_be_visible()
        expect(partner.locator("#shared-phone")).to_have_text("Hidden")
        expect(partner.locator("#section-housing_history")).to_be_visible()
        # Released to eastside, but not part of this referral.
        expect(partner.locator("#section-income_benefits")).to_have_count(0)
        expect(partner.locator("#section-health_disability")).to_have_count(0)
        assert CANARY_PHONE not in partner.content()
        assert CANARY_FIRST not in partner.title()

        # Harbor revokes the release (the client withdrew consent).
        actions.revoke_release(acting_user=intake, release=release, reason="The client withdrew consent.")

        response = partner.reload()
        assert response.status == 404
        assert CANARY_FIRST not in partner.content()
        assert partner.goto(f"/clients/{client.pk}/").status == 404
    finally:
        context.close()
