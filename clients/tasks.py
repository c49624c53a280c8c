"""Background jobs of the clients app: HMIS CSV exports and imports, the
sweep that deletes export files, and the retention count and run. Tasks
take ids, load, and call actions."""

import tempfile

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from clients import retention
from clients.hmis_csv import actions, export, importer
from clients.hmis_csv.jobs import JobProgress
from clients.hmis_csv.models import HmisExport, HmisImport
from hmis.emails import render_email


@shared_task
def run_hmis_csv_export(export_id: str):
    job = HmisExport.objects.filter(pk=export_id, status=HmisExport.Status.QUEUED).first()
    if job is None:
        return "skipped"
    progress = JobProgress(HmisExport, job.pk, export.Cancelled())
    with tempfile.SpooledTemporaryFile(max_size=16 << 20) as out:
        try:
            job = actions.run_export(export=job, out=out, progress_callback=progress)
        except export.Cancelled:
            return "cancelled"
        finally:
            progress.close()
        out.seek(0)
        actions.store_export_file(export=job, data=out.read())
    if job.requested_by and job.requested_by.email:
        # Only a link: the file is downloaded signed in, by the requester.
        subject, body = render_email(
            "hmis_csv_export_ready",
            {
                "hours": actions.EXPORT_HOURS,
                "max_downloads": actions.MAX_DOWNLOADS,
                "link": settings.HMIS_BASE_URL + reverse("clients:hmis-csv-exports"),
            },
        )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [job.requested_by.email])
    return "done"


@shared_task
def run_hmis_csv_import(import_id: str):
    from hmis.crypto import decrypt_bytes

    job = HmisImport.objects.filter(pk=import_id, status=HmisImport.Status.QUEUED).first()
    if job is None or job.file_token is None:
        return "skipped"
    if not HmisImport.objects.filter(pk=job.pk, status=HmisImport.Status.QUEUED, cancel_requested=False).update(
        status=HmisImport.Status.RUNNING
    ):
        return "skipped"
    job.refresh_from_db()
    progress = JobProgress(HmisImport, job.pk, importer.Cancelled())
    data = decrypt_bytes(bytes(job.file_token))
    try:
        actions.run_import(
            acting_user=job.requested_by,
            agency=job.agency,
            source=data,
            dry_run=job.dry_run,
            valid_rows_only=job.valid_rows_only,
            progress_callback=progress,
            job=job,
        )
    except importer.Cancelled:
        HmisImport.objects.filter(pk=job.pk).update(status=HmisImport.Status.CANCELLED, file_token=None)
        return "cancelled"
    except Exception:
        HmisImport.objects.filter(pk=job.pk).exclude(status=HmisImport.Status.VALIDATED).update(
            status=HmisImport.Status.FAILED, file_token=None
        )
        if HmisImport.objects.filter(pk=job.pk, status=HmisImport.Status.VALIDATED).exists():
            return "refused"
        raise
    finally:
        progress.close()
    return "done"


@shared_task
def purge_hmis_csv_exports():
    return actions.purge_exports()


@shared_task
def plan_retention():
    """Nightly: count the clients past the retention period for the system admin to confirm."""
    run = retention.plan_retention()
    return run.planned_total if run else 0


@shared_task
def run_retention(run_id: str):
    """De-identify a confirmed retention run's clients, in committed batches."""
    return retention.run_confirmed(run_id)
