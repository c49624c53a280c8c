"""In Chromium: intake reports a lost laptop; the security officer finds it on
the security dashboard, triages it, records the assessment and adds a
corrective action that its owner completes and the officer verifies, then
closes it. A real worker escalates to the four recipients through a real
SMTP server."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident, Status
from tests.builders.incidents import fast_worker_env
from tests.conftest import sign_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_lost_laptop_from_report_to_closed(
    page, browser, live_server, smtp_sink, celery_worker_factory, intake, security_officer, agency_lead
):
    celery_worker_factory(fast_worker_env(smtp_sink))

    # Intake reports, in under a minute.
    sign_in_in_browser(page, intake)
    page.locator("#nav-report summary").click()  # the "Report" menu in the page shell
    page.get_by_role("link", name="Report an incident").first.click()
    page.get_by_label("Lost or stolen device").check()
    now = timezone.localtime()
    page.get_by_label("When did it happen?").fill((now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("When was it discovered?").fill((now - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("What happened?").fill("Work laptop left on the train after a home visit.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text(re.compile(r"Your report is INC-\d{4}-\d{5}"))).to_be_visible()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    incident = Incident.objects.get()

    # The security officer, in another browser session.
    context = browser.new_context(base_url=live_server.url)
    officer = context.new_page()
    try:
        sign_in_in_browser(officer, security_officer)
        officer.get_by_role("link", name="Security dashboard").click()
        officer.get_by_role("link", name=incident.reference).click()
        officer.get_by_label("Severity").select_option("high")
        officer.get_by_label("Assigned to").select_option(label=security_officer.username)
        officer.get_by_role("button", name="Save triage").click()
        expect(officer.get_by_text("Triage saved.")).to_be_visible()
        for button in ("Mark triaged", "Mark contained", "Start corrective action"):
            officer.get_by_role("button", name=button).click()
        officer.get_by_label("Not a breach").check()
        officer.get_by_label("Number of affected people").fill("0")
        officer.get_by_label("Summary").fill("Laptop was encrypted; found by transit lost and found.")
        officer.get_by_role("button", name="Save assessment").click()
        expect(officer.get_by_text("Assessment saved.")).to_be_visible()
        officer.get_by_label("What will be done").fill("Enable remote wipe on every laptop")
        officer.get_by_label("Owner").select_option(label=intake.username)
        officer.get_by_label("Due").fill((timezone.localdate() + timedelta(days=7)).isoformat())
        officer.get_by_role("button", name="Add corrective action").click()
        expect(officer.get_by_text("Corrective action added.")).to_be_visible()
        # Its owner, the reporter, marks it done; the security officer verifies it, then closes.
        expect(officer.get_by_text("waiting for its owner")).to_be_visible()
        page.goto(f"/incidents/{incident.pk}/")
        page.get_by_role("button", name="Mark done").click()
        expect(page.get_by_text("Corrective action done.")).to_be_visible()
        officer.reload()
        officer.get_by_role("button", name="Verify").click()
        expect(officer.get_by_text("Corrective action verified.")).to_be_visible()
        assert officer.url.endswith("#actions")
        officer.get_by_role("button", name="Close incident").click()
        expect(officer.locator("#confirm-consequences")).to_contain_text("1 corrective action verified")
        officer.get_by_role("button", name="Close incident").click()
        expect(officer.get_by_text("Status: Closed.")).to_be_visible()
    finally:
        context.close()

    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    assert list(incident.timeline.filter(kind="status").values_list("to_status", flat=True)) == [
        Status.TRIAGED,
        Status.CONTAINED,
        Status.CORRECTIVE_ACTION,
        Status.CLOSED,
    ]
    smtp_sink.wait_for(4)
    assert smtp_sink.recipients() == sorted(
        [
            "harbor-security@example.org",
            "harbor-lead@example.org",
            settings.HMIS_LEAD_EMAIL,
            settings.HMIS_VENDOR_SUPPORT_EMAIL,
        ]
    )
    assert all("train" not in m["body"] for m in smtp_sink.messages)
