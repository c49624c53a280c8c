"""A supervisor opens the data-quality page from the dashboard in Chromium,
sees the chart with its bars and labels, filters by project, and follows a
reference code to the client's edit form. The page fits a phone and passes
axe."""

import datetime

import pytest
from playwright.sync_api import expect

from clients import actions
from tests.builders.clients import make_client, make_enrollment, make_project
from tests.conftest import sign_in_in_browser
from tests.e2e.test_every_page_browser import AXE, check_page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_supervisor_sees_the_chart_and_opens_a_record_to_fix(page, intake, supervisor):
    shelter = make_project(intake, "Harbor Shelter")
    outreach = make_project(intake, "Harbor Outreach")
    make_enrollment(intake, make_client(intake), project=shelter)
    gap = make_client(intake, first_name="Gappy", ssn=None, ssn_data_quality=99, veteran_status=8)
    actions.enrol_client(
        acting_user=intake,
        client=gap,
        project=outreach,
        entry_date=datetime.date.today() - datetime.timedelta(days=1),
        relationship_to_hoh=1,
    )
    page.context.add_init_script(path=str(AXE))
    sign_in_in_browser(page, supervisor)

    page.get_by_role("link", name="Data quality of your agency's records").click()
    expect(page.get_by_role("heading", name="Data quality", exact=True)).to_be_visible()
    chart = page.get_by_role("img", name="Share of clients by state, per field")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).not_to_have_count(0)
    expect(chart.locator("text").first).to_contain_text("% not complete")
    expect(page.locator("#dq-served")).to_contain_text("2 clients served")
    expect(page.locator('#dq-table tr[data-element="ssn"] td').nth(3)).to_have_text("1")

    problems = []
    check_page(page, "data quality", problems, run_axe=True)
    assert not problems, "\n".join(problems)

    page.get_by_label("Project").select_option(label="Harbor Outreach")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#dq-served")).to_contain_text("1 client served")
    page.get_by_role("link", name=gap.reference).click()
    page.wait_for_url(f"**/clients/{gap.pk}/edit/")
