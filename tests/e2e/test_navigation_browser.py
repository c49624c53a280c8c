"""The page shell by touch and keyboard in Chromium: the navigation folds into
a menu on phones and tablets, Escape closes the Report and More menus, the
idle warning takes focus, and a refused form's error summary leads to its
fields. No test here tolerates a console error."""

import re

import pytest
from playwright.sync_api import expect

from tests.canaries import CANARY_FIRST, CANARY_LAST
from tests.conftest import signed_in_context, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def open_as(browser, live_server):
    """``open_as(user, **context_options)``: a signed-in page; fails the test on any console error."""
    contexts, pages = [], []

    def make(user, **options):
        context = signed_in_context(browser, live_server, user, **options)
        contexts.append(context)
        page = watched_page(context)
        pages.append(page)
        return page

    yield make
    errors = [e for p in pages for e in p.console_errors]
    for context in contexts:
        context.close()
    assert not errors, errors


def test_navigation_folds_into_a_menu_that_opens_by_touch_and_keyboard(open_as, system_admin):
    page = open_as(system_admin, viewport=PHONE, has_touch=True, is_mobile=True)
    page.goto("/")
    menu_button = page.get_by_role("button", name="Menu")
    users = page.locator("#nav-menu").get_by_role("link", name="Users", exact=True)
    expect(menu_button).to_be_visible()
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(users).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    menu_button.tap()
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    expect(users).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The More menu opens inside the folded menu without widening the page.
    page.locator("#nav-more summary").tap()
    expect(page.get_by_role("link", name="Partner agencies")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Escape closes More first, then the menu, and focus goes back to what opened it.
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Partner agencies")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(users).to_be_hidden()
    expect(menu_button).to_be_focused()

    # By keyboard alone.
    page.keyboard.press("Enter")
    expect(users).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#nav-menu").get_by_role("link", name="Incidents", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/incidents/$"))


def test_wide_screens_show_the_links_without_a_menu_button(open_as, intake):
    page = open_as(intake, viewport=DESKTOP)
    page.goto("/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Referrals")).to_be_visible()


@pytest.mark.parametrize(("menu", "item"), [("Report", "Report an incident"), ("More", "Partner agencies")])
def test_escape_closes_the_report_and_more_menus(open_as, intake, menu, item):
    page = open_as(intake, viewport=DESKTOP)
    page.goto("/")
    summary = page.locator("summary", has_text=menu)
    summary.click()
    expect(page.get_by_role("link", name=item)).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name=item)).to_be_hidden()
    expect(summary).to_be_focused()


def test_idle_warning_moves_focus_to_stay_signed_in_and_back(open_as, supervisor, settings):
    settings.HMIS_IDLE_TIMEOUT_SECONDS = 30
    settings.HMIS_IDLE_WARNING_SECONDS = 28
    page = open_as(supervisor, viewport=DESKTOP)
    page.goto("/incidents/report/")
    page.get_by_label("What happened?").focus()
    stay = page.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_visible(timeout=8000)
    expect(stay).to_be_focused()
    page.keyboard.press("Enter")
    expect(stay).to_be_hidden()
    expect(page.get_by_label("What happened?")).to_be_focused()


def test_refused_create_client_summary_takes_focus_and_links_to_each_field(open_as, intake):
    page = open_as(intake, viewport=PHONE)
    page.goto("/clients/intake/")
    page.get_by_label("First name").fill(CANARY_FIRST)
    page.get_by_label("Last name").fill(CANARY_LAST)
    page.get_by_label("Date of birth").fill("1900-01-01")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Create a new client").click()
    page.get_by_label("SSN", exact=True).fill("123-45-6789")
    page.get_by_role("button", name="Create client").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(3)
    summary.get_by_role("link", name=re.compile("^SSN: That is a placeholder")).click()
    expect(page.get_by_label("SSN", exact=True)).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Race and ethnicity")).click()
    expect(page.locator("#id_race_ethnicity_0")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_choosing_a_referral_purpose_ticks_its_minimum_categories(open_as, intake, supervisor, eastside):
    from sharing.models import PURPOSE_DEFAULT_CATEGORIES, Purpose
    from tests.builders.clients import make_client
    from tests.builders.sharing import care_release

    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    page = open_as(intake, viewport=PHONE)
    page.goto(f"/sharing/referrals/new/{client.pk}/")
    ticked = "[...document.querySelectorAll('input[name=categories]:checked')].map(b => b.value).sort()"
    page.get_by_label("Purpose", exact=True).select_option(Purpose.HOUSING_PLACEMENT)
    assert page.evaluate(ticked) == sorted(PURPOSE_DEFAULT_CATEGORIES[Purpose.HOUSING_PLACEMENT])
    page.get_by_label("Purpose", exact=True).select_option(Purpose.COUNSELING)
    assert page.evaluate(ticked) == sorted(PURPOSE_DEFAULT_CATEGORIES[Purpose.COUNSELING])
