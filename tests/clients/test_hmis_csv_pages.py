"""HMIS CSV pages: the PII request and second-person approval, the requester's
download (24 hours, 3 times, then deleted), the import report, and the jobs
run by a real Celery worker with progress, e-mail (a link only) and cancel."""

import datetime
import io
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.hmis_csv import actions
from clients.hmis_csv.models import HmisExport, HmisImport
from clients.models import Client
from clients.tasks import purge_hmis_csv_exports
from tests.builders.clients import make_client, make_enrollment
from tests.builders.hmis_csv import build_zip, client_row, read_zip
from tests.canaries import CANARY_LAST

TODAY = datetime.date.today()


def ask(client, **data):
    return client.post(
        reverse("clients:hmis-csv-exports"),
        {"start_date": TODAY - datetime.timedelta(days=30), "end_date": TODAY, **data},
    )


def test_pii_export_waits_for_a_second_person_on_the_page(
    client_for, supervisor, agency_lead, django_capture_on_commit_callbacks
):
    as_supervisor = client_for(supervisor)
    response = ask(as_supervisor, with_pii="on", reason="")
    assert "Say why the export needs" in response.content.decode()
    with django_capture_on_commit_callbacks() as queued:
        ask(as_supervisor, with_pii="on", reason="CoC APR")
    assert queued == []  # nothing runs before the approval
    export = HmisExport.objects.get()
    assert export.status == HmisExport.Status.AWAITING_APPROVAL
    as_lead = client_for(agency_lead)
    page = as_lead.get(reverse("clients:hmis-csv-exports")).content.decode()
    assert "Approve export with PII" in page and "CoC APR" in page  # the approver sees why
    with django_capture_on_commit_callbacks() as queued:
        as_lead.post(reverse("clients:hmis-csv-export-approve", args=[export.pk]))
    assert len(queued) == 1
    export.refresh_from_db()
    assert export.status == HmisExport.Status.QUEUED and export.approved_by == agency_lead


def _ready_export(supervisor):
    export = actions.request_export(
        acting_user=supervisor, start_date=TODAY - datetime.timedelta(days=30), end_date=TODAY
    )
    out = io.BytesIO()
    export = actions.run_export(export=export, out=out)
    return actions.store_export_file(export=export, data=out.getvalue())


def test_only_the_requester_downloads_at_most_three_times(client_for, supervisor, intake, agency_lead):
    make_enrollment(intake, make_client(intake))
    export = _ready_export(supervisor)
    assert CANARY_LAST.encode() not in bytes(export.file_token)  # encrypted at rest
    url = reverse("clients:hmis-csv-export-download", args=[export.pk])
    assert client_for(agency_lead).post(url).status_code == 404
    as_supervisor = client_for(supervisor)
    for _ in range(3):
        response = as_supervisor.post(url)
        assert response["Content-Disposition"].startswith('attachment; filename="hmis-csv-harbor-')
        assert len(read_zip(response.content)["Client.csv"]) == 1
    fourth = as_supervisor.post(url, follow=True)
    assert "can no longer be downloaded" in fourth.content.decode()
    purge_hmis_csv_exports()
    export.refresh_from_db()
    assert export.file_token is None and export.status == HmisExport.Status.EXPIRED


def test_an_export_file_is_deleted_after_24_hours(supervisor):
    export = _ready_export(supervisor)
    HmisExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert purge_hmis_csv_exports() == 1
    assert HmisExport.objects.get().file_token is None


def test_import_report_page_lists_problems_in_plain_words(client_for, agency_lead):
    job = actions.queue_import(
        acting_user=agency_lead, agency=agency_lead.agency, data=build_zip(clients=[client_row(Sex="7")])
    )
    from clients.tasks import run_hmis_csv_import

    assert run_hmis_csv_import(str(job.pk)) == "done"
    page = client_for(agency_lead).get(reverse("clients:hmis-csv-import", args=[job.pk])).content.decode()
    assert "7 is not one of the allowed values" in page and "Client.csv" in page
    assert Client.objects.count() == 0
    assert HmisImport.objects.get().file_token is None  # the upload is not kept


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_export_with_progress_and_mails_only_a_link(
    smtp_sink, celery_worker_factory, client_for, supervisor, intake
):
    for n in range(3):
        make_enrollment(intake, make_client(intake, last_name=f"Zebra{'abc'[n]}", ssn=f"21987000{n + 1}"))
    celery_worker_factory({"EMAIL_HOST": smtp_sink.host, "EMAIL_PORT": str(smtp_sink.port)})
    as_supervisor = client_for(supervisor)
    ask(as_supervisor)
    export = HmisExport.objects.get()
    progress_url = reverse("clients:hmis-csv-export-progress", args=[export.pk])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        data = as_supervisor.get(progress_url).json()
        if data["finished"]:
            break
        time.sleep(0.3)
    assert data["status"] == "done" and data["done"] == data["total"] > 0
    [mail] = smtp_sink.wait_for(1)
    assert reverse("clients:hmis-csv-exports") in mail["body"] and "Zebra" not in mail["body"]
    download = as_supervisor.post(reverse("clients:hmis-csv-export-download", args=[export.pk]))
    assert len(read_zip(download.content)["Client.csv"]) == 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_and_a_cancelled_import_writes_nothing(celery_worker_factory, client_for, agency_lead):
    celery_worker_factory()
    as_lead = client_for(agency_lead)
    cancelled = actions.queue_import(acting_user=agency_lead, agency=agency_lead.agency, data=build_zip())
    actions.cancel_job(acting_user=agency_lead, job=cancelled)
    upload = io.BytesIO(build_zip())
    upload.name = "hmis.zip"
    response = as_lead.post(reverse("clients:hmis-csv-imports"), {"file": upload, "agency": agency_lead.agency_id})
    job = HmisImport.objects.exclude(pk=cancelled.pk).get()
    assert response["Location"] == reverse("clients:hmis-csv-import", args=[job.pk])
    deadline = time.monotonic() + 60
    while (
        time.monotonic() < deadline
        and not as_lead.get(reverse("clients:hmis-csv-import-progress", args=[job.pk])).json()["finished"]
    ):
        time.sleep(0.3)
    job.refresh_from_db()
    assert job.status == HmisImport.Status.DONE and job.clients_created == 1
    assert HmisImport.objects.get(pk=cancelled.pk).status == HmisImport.Status.CANCELLED
    assert Client.objects.count() == 1
