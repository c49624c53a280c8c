"""The business actions of the HMIS CSV interchange, one function each
(STYLE.md): keyword-only arguments, the acting user, permission check,
validation, write and audit in one transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clients.hmis_csv import export as exporter
from clients.hmis_csv.models import HmisExport
from hmis import permissions
from hmis.audit import acting_as
from hmis.models import Role


def _require(user, code):
    if not permissions.has_permission(user, code):
        raise PermissionDenied


@transaction.atomic
def request_export(*, acting_user, start_date, end_date, with_pii=False, reason="", agency=None) -> HmisExport:
    """Ask for an export of the acting user's agency.

    De-identified exports are queued at once. An export with PII needs a
    supervisor and a reason, and waits for a second person's approval
    (``approve_export``). ``acting_user=None`` is the command line run by an
    operator of the server, for a de-identified export of ``agency`` only.
    """
    if acting_user is None:
        if with_pii:
            raise PermissionDenied
    else:
        _require(acting_user, permissions.EXPORT_HMIS_CSV)
        agency = acting_user.agency
    errors = {}
    if not start_date:
        errors["start_date"] = "Enter the first day of the period."
    if not end_date:
        errors["end_date"] = "Enter the last day of the period."
    if start_date and end_date and start_date > end_date:
        errors["end_date"] = "The period ends before it starts."
    reason = (reason or "").strip()
    if with_pii:
        if not acting_user.has_role(Role.SUPERVISOR):
            errors["with_pii"] = "Only a supervisor can ask for an export with names, SSN and birth dates."
        if not reason:
            errors["reason"] = "Say why the export needs names, SSN and birth dates."
    if errors:
        raise ValidationError(errors)
    export = HmisExport(
        agency=agency,
        requested_by=acting_user,
        start_date=start_date,
        end_date=end_date,
        with_pii=bool(with_pii),
        reason=reason or None,
        status=HmisExport.Status.AWAITING_APPROVAL if with_pii else HmisExport.Status.QUEUED,
    )
    with acting_as(acting_user):
        export.save()
    return export


@transaction.atomic
def approve_export(*, acting_user, export) -> HmisExport:
    """A second person (another supervisor or the agency lead) approves an export with PII."""
    _require(acting_user, permissions.APPROVE_HMIS_CSV_PII)
    export = HmisExport.objects.select_for_update().get(pk=export.pk)
    if export.agency_id != acting_user.agency_id:
        raise PermissionDenied
    if export.requested_by_id == acting_user.pk:
        raise ValidationError("A second person must approve an export with PII: you asked for this one.")
    if export.status != HmisExport.Status.AWAITING_APPROVAL:
        raise ValidationError("This export is not waiting for an approval.")
    export.status = HmisExport.Status.QUEUED
    export.approved_by = acting_user
    export.approved_at = timezone.now()
    with acting_as(acting_user):
        export.save(update_fields=["status", "approved_by", "approved_at"])
    return export


def _claim(model, pk, *, from_status, to_status) -> bool:
    """Move a job's status only if it is still ``from_status`` (two workers never run one job)."""
    return bool(
        model.objects.filter(pk=pk, status=from_status, cancel_requested=False).update(
            status=to_status, started_at=timezone.now()
        )
    )


def run_export(*, export, out, progress_callback=None) -> HmisExport:
    """Write a queued export to ``out`` (a binary file object). Marks it running,
    then done (or failed: the error is raised again, with no value in it)."""
    if not _claim(HmisExport, export.pk, from_status=HmisExport.Status.QUEUED, to_status=HmisExport.Status.RUNNING):
        raise ValidationError("This export is not queued (it waits for approval, or ran already).")
    export = HmisExport.objects.select_related("agency", "requested_by", "approved_by").get(pk=export.pk)
    try:
        count = exporter.write_export(export, out, progress_callback=progress_callback)
    except exporter.Cancelled:
        HmisExport.objects.filter(pk=export.pk).update(status=HmisExport.Status.CANCELLED, finished_at=timezone.now())
        raise
    except Exception:
        HmisExport.objects.filter(pk=export.pk).update(status=HmisExport.Status.FAILED, finished_at=timezone.now())
        raise
    export.status = HmisExport.Status.DONE
    export.rows_done = export.rows_total = HmisExport.objects.values_list("rows_total", flat=True).get(pk=export.pk)
    export.client_count = count
    export.finished_at = timezone.now()
    export.file_name = exporter.file_name(export)
    with acting_as(export.requested_by):
        export.save(update_fields=["status", "rows_done", "client_count", "finished_at", "file_name"])
    return export


def _import_agency(acting_user, agency):
    """The system admin imports into any agency; an agency lead into their own."""
    _require(acting_user, permissions.IMPORT_HMIS_CSV)
    if not acting_user.is_system_admin and agency.pk != acting_user.agency_id:
        raise PermissionDenied


def queue_import(*, acting_user, agency, data: bytes, dry_run=False, valid_rows_only=False):
    """A page upload: keep the zip encrypted until the job reads it."""
    import hashlib

    from clients.hmis_csv.models import HmisImport
    from hmis.crypto import encrypt_bytes

    _import_agency(acting_user, agency)
    if not data:
        raise ValidationError({"file": "Choose the HMIS CSV zip to import."})
    hmis_import = HmisImport(
        agency=agency,
        requested_by=acting_user,
        file_sha256=hashlib.sha256(data).hexdigest(),
        status=HmisImport.Status.QUEUED,
        dry_run=bool(dry_run),
        valid_rows_only=bool(valid_rows_only),
        file_token=encrypt_bytes(data),
    )
    with acting_as(acting_user):
        hmis_import.save()
    return hmis_import


def run_import(*, acting_user, agency, source, dry_run=False, valid_rows_only=False, progress_callback=None, job=None):
    """Check an HMIS CSV zip and, unless ``dry_run``, import it into ``agency``.

    Returns ``(hmis_import or None, checked)``. Nothing is written when the
    file has problems, unless ``valid_rows_only``; the writing is one
    transaction, so a failure or a cancellation leaves nothing behind. A
    file already imported into the agency is refused. ``job`` is the
    ``HmisImport`` of a page upload (claimed by the task), which then holds
    the report and the outcome.
    """
    from clients.hmis_csv import importer
    from clients.hmis_csv.models import HmisImport

    _import_agency(acting_user, agency)
    checked = importer.check_file(source, agency)
    earlier = HmisImport.objects.filter(agency=agency, file_sha256=checked.sha256, status=HmisImport.Status.DONE)
    if earlier.exists():
        when = timezone.localtime(earlier.first().finished_at)
        message = (
            f"This file was already imported into this agency on {when:%Y-%m-%d at %H:%M}. Nothing was imported again."
        )
        if job is not None:
            _finish_job(job, HmisImport.Status.VALIDATED, checked, [["(the file)", None, "", message]])
        raise ValidationError(message)
    if dry_run or not (checked.clean or valid_rows_only):
        if job is not None:
            _finish_job(job, HmisImport.Status.VALIDATED, checked, checked.report.problems)
        return job, checked
    total = checked.valid_rows
    done = 0

    def progress(rows):
        nonlocal done
        done += rows
        if progress_callback:
            progress_callback(done, total)

    hmis_import = job or HmisImport(
        agency=agency, requested_by=acting_user, file_sha256=checked.sha256, valid_rows_only=bool(valid_rows_only)
    )
    hmis_import.status = HmisImport.Status.RUNNING
    hmis_import.rows_total = total
    hmis_import.problem_count = checked.report.count
    hmis_import.report = checked.report.problems
    if job is not None:
        # Saved before the transaction: the job's progress is written to this row by another
        # connection, which would wait for the transaction's lock on it.
        job.save(update_fields=["status", "rows_total", "problem_count", "report"])
    with transaction.atomic():
        if job is None:
            with acting_as(acting_user):
                hmis_import.save()
        written = importer.write_import(checked, hmis_import, acting_user=acting_user, progress=progress)
        hmis_import.status = HmisImport.Status.DONE
        hmis_import.finished_at = timezone.now()
        hmis_import.rows_done = total
        hmis_import.clients_created = written.clients_created
        hmis_import.clients_linked = written.clients_linked
        hmis_import.possible_duplicates = written.possible_duplicates
        hmis_import.records_skipped = written.skipped + checked.skipped_deleted
        hmis_import.file_token = None
        with acting_as(acting_user):
            hmis_import.save()
    return hmis_import, checked


def _finish_job(job, status, checked, problems):
    job.status = status
    job.finished_at = timezone.now()
    job.problem_count = checked.report.count if problems is checked.report.problems else len(problems)
    job.report = problems
    job.file_token = None
    job.save(update_fields=["status", "finished_at", "problem_count", "report", "file_token"])


@transaction.atomic
def cancel_job(*, acting_user, job):
    """The requester cancels a queued or running export or import; a running job
    rolls back at its next progress report."""
    if job.requested_by_id != acting_user.pk:
        raise PermissionDenied
    model = type(job)
    active = [model.Status.QUEUED, model.Status.RUNNING]
    if hasattr(model.Status, "AWAITING_APPROVAL"):
        active.append(model.Status.AWAITING_APPROVAL)
    if job.status not in active:
        raise ValidationError("This job has already finished.")
    updates = {"cancel_requested": True}
    if job.status != model.Status.RUNNING:
        updates.update(status=model.Status.CANCELLED, finished_at=timezone.now(), file_token=None)
    model.objects.filter(pk=job.pk).update(**updates)


def store_export_file(*, export, data: bytes) -> HmisExport:
    """Keep the finished zip encrypted at rest, for the requester, for 24 hours."""
    from datetime import timedelta

    from hmis.crypto import encrypt_bytes

    HmisExport.objects.filter(pk=export.pk).update(
        file_token=encrypt_bytes(data), expires_at=timezone.now() + timedelta(hours=EXPORT_HOURS)
    )
    export.refresh_from_db()
    return export


EXPORT_HOURS = 24
MAX_DOWNLOADS = 3


def download_export(*, acting_user, export) -> bytes:
    """The requester downloads the zip: within 24 hours, at most 3 times."""
    from django.db.models import F

    from hmis.crypto import decrypt_bytes

    if export.requested_by_id != acting_user.pk:
        raise PermissionDenied
    claimed = HmisExport.objects.filter(
        pk=export.pk,
        status=HmisExport.Status.DONE,
        file_token__isnull=False,
        expires_at__gt=timezone.now(),
        downloads__lt=MAX_DOWNLOADS,
    ).update(downloads=F("downloads") + 1)
    if not claimed:
        raise ValidationError("This export can no longer be downloaded (24 hours or 3 downloads have passed).")
    export.refresh_from_db()
    return decrypt_bytes(bytes(export.file_token))


def purge_exports() -> int:
    """Delete every export file past 24 hours or 3 downloads, and any upload left behind."""
    from clients.hmis_csv.models import HmisImport

    expired = HmisExport.objects.filter(file_token__isnull=False).filter(
        Q(expires_at__lte=timezone.now()) | Q(downloads__gte=MAX_DOWNLOADS)
    )
    count = expired.update(file_token=None, status=HmisExport.Status.EXPIRED)
    HmisImport.objects.filter(file_token__isnull=False, finished_at__isnull=False).update(file_token=None)
    return count
