"""Chromium: intake records a client's correction request on the client
page; the supervisor opens it from the dashboard, confirms and accepts it;
the record shows the corrected name and the request as accepted."""

import pytest
from playwright.sync_api import expect

from tests.builders.clients import make_client
from tests.conftest import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intake_records_a_correction_and_the_supervisor_accepts_it_from_the_dashboard(
    browser, live_server, intake, supervisor
):
    client = make_client(intake, last_name="Zebrafinchly")

    # Intake records the client's request on the client page.
    intake_context = signed_in_context(browser, live_server, intake)
    supervisor_context = signed_in_context(browser, live_server, supervisor)
    try:
        page = intake_context.new_page()
        page.goto(f"/clients/{client.pk}/")
        expect(page.locator("#client-name")).to_contain_text("Zebrafinchly")
        page.get_by_text("Record a correction request").click()
        page.get_by_label("What does the client want corrected?").select_option(label="Last name")
        page.get_by_label("What should it say?").fill("Zebrafinchley")
        page.get_by_label("The client's reason").fill("The name was misspelt at intake.")
        page.get_by_role("button", name="Record request").click()
        expect(page.locator(".flash-success").first).to_contain_text("Correction request recorded")
        expect(page.locator("#corrections-open")).to_contain_text("Last name")
        expect(page.locator("#corrections-open")).to_contain_text("Waiting for a supervisor")
        assert "Zebrafinchley" not in page.url

        # The supervisor opens it from the queue on the dashboard, confirms and accepts.
        boss = supervisor_context.new_page()
        boss.goto("/")
        queue = boss.locator("#corrections-queue")
        expect(queue).to_contain_text("1 waiting")
        queue.get_by_role("link", name=f"Client {client.reference}").click()
        expect(boss.locator("#correction-requested")).to_have_text("Zebrafinchley")
        expect(boss.locator("#correction-current")).to_have_text("Zebrafinchly")
        boss.get_by_role("button", name="Accept…").click()
        expect(boss.locator("#confirm-consequences")).to_contain_text("cannot be decided again")
        boss.get_by_role("button", name="Accept correction").click()
        expect(boss.locator(".flash-success").first).to_contain_text("the record was changed")
        expect(boss.locator("#correction-status")).to_contain_text("Accepted")
        boss.goto("/")
        expect(boss.locator("#corrections-queue")).to_contain_text("Nothing is waiting")

        # The client page shows the corrected name and the request as accepted.
        page.goto(f"/clients/{client.pk}/")
        expect(page.locator("#client-name")).to_contain_text("Zebrafinchley")
        expect(page.locator("#corrections-decided")).to_contain_text("Accepted")
        expect(page.locator("#corrections-open")).to_contain_text("None.")
    finally:
        intake_context.close()
        supervisor_context.close()
