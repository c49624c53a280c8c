"""The privacy screen hides incident free text and, on client pages, program
names, prior living situation, length of stay and outside recipients
(issue 10, item 6), in Chromium."""

import datetime

import pytest
from playwright.sync_api import expect

from clients import actions as client_actions
from clients.models import Assessment
from incidents import actions as incident_actions
from incidents.models import Determination
from tests.builders.clients import assessment_answers, make_client, make_enrollment, make_project
from tests.builders.sharing import outside_release
from tests.conftest import sign_in_in_browser

HIDDEN = "Hidden while the privacy screen is on"


def turn_privacy_screen_on(page):
    page.get_by_role("button", name="Turn privacy screen on").click()
    expect(page.locator("#privacy-banner")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_privacy_screen_hides_incident_free_text(page, intake, security_officer):
    incident = incident_actions.report_incident(
        acting_user=intake,
        category="pii_in_view",
        occurred_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=3),
        discovered_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1),
        description="printout for Rosa Alvarez left on the shared printer",
    )
    incident_actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.NOT_BREACH,
        affected_count=0,
        affected_state="WA",
        summary="Alvarez printout shredded",
    )
    incident_actions.add_corrective_action(
        acting_user=security_officer,
        incident=incident,
        what="Move the Alvarez tray",
        owner=security_officer,
        due_on=datetime.date.today() + datetime.timedelta(days=5),
    )
    sign_in_in_browser(page, security_officer)
    page.goto(f"/incidents/{incident.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("shared printer")
    expect(main).to_contain_text("Alvarez printout shredded")
    expect(main).to_contain_text("Move the Alvarez tray")

    turn_privacy_screen_on(page)
    page.wait_for_url(f"**/incidents/{incident.pk}/")
    expect(main).not_to_contain_text("Alvarez")
    expect(main).not_to_contain_text("printer")
    expect(page.locator("#incident-description")).to_have_text(HIDDEN)
    expect(page.locator("#incident-summary")).to_contain_text(HIDDEN)
    # Nor in a form field (the assessment form would carry the summary).
    values = page.locator("main textarea, main input").evaluate_all("els => els.map(e => e.value).join()")
    assert "Alvarez" not in values


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_privacy_screen_hides_program_living_situation_stay_and_outside_recipient(page, intake, supervisor):
    client = make_client(intake)
    enrollment = make_enrollment(intake, client, project=make_project(intake, name="Harbor Survivors Shelter"))
    client_actions.record_assessment(acting_user=intake, enrollment=enrollment, **assessment_answers())
    assessment = Assessment.objects.get()
    living = assessment.get_prior_living_situation_display()
    stay = assessment.get_length_of_stay_display()
    outside_release(intake, supervisor, client, "Quokka Legal Aid")

    sign_in_in_browser(page, intake)
    page.goto(f"/clients/{client.pk}/")
    main = page.locator("main")
    for shown in ("Harbor Survivors Shelter", living, stay, "Quokka Legal Aid"):
        expect(main).to_contain_text(shown)

    turn_privacy_screen_on(page)
    page.wait_for_url(f"**/clients/{client.pk}/")
    for hidden in ("Harbor Survivors Shelter", "Emergency Shelter - Entry Exit", living, stay, "Quokka"):
        expect(main).not_to_contain_text(hidden)
    expect(main).to_contain_text("Program hidden while the privacy screen is on")

    for path in (f"/clients/{client.pk}/enrollments/{enrollment.pk}/exit/", f"/sharing/disclosures/new/{client.pk}/"):
        page.goto(path)
        expect(page.locator("#privacy-banner")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("Harbor Survivors Shelter")
        expect(page.locator("main")).not_to_contain_text("Quokka")
