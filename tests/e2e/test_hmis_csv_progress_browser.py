"""The export page's progress bar follows the job (static poller, no inline
script) and the page turns to the finished state by itself."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.hmis_csv.models import HmisExport
from tests.conftest import sign_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_progress_bar_follows_the_job_and_the_page_shows_the_end(page, supervisor):
    today = datetime.date.today()
    export = HmisExport.objects.create(
        agency=supervisor.agency,
        requested_by=supervisor,
        start_date=today,
        end_date=today,
        status=HmisExport.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(seconds=10),
        rows_total=1000,
        rows_done=100,
    )
    sign_in_in_browser(page, supervisor)
    page.goto("/clients/hmis-csv/exports/")
    bar = page.locator(".job-progress progress")
    assert bar.get_attribute("value") == "100"
    HmisExport.objects.filter(pk=export.pk).update(rows_done=500)
    expect(page.locator("[data-progress-text]")).to_contain_text("500 of 1,000 rows")
    assert bar.evaluate("element => element.value") == 500
    assert "s left" in page.locator("[data-progress-text]").inner_text()
    HmisExport.objects.filter(pk=export.pk).update(rows_done=1000, status=HmisExport.Status.CANCELLED)
    expect(page.locator(".job-progress")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Cancelled")
