"""Pages of the HMIS CSV interchange: exports for supervisors and agency leads
(with the PII request and second-person approval), imports for the system
admin and agency leads, job progress (JSON for the static poller),
cancellation and the requester's download. Views are thin: actions decide."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clients.hmis_csv import actions
from clients.hmis_csv.jobs import time_left
from clients.hmis_csv.models import HmisExport, HmisImport
from hmis.forms import apply_validation_error
from hmis.models import Agency
from hmis.permissions import APPROVE_HMIS_CSV_PII, EXPORT_HMIS_CSV, IMPORT_HMIS_CSV, has_permission, requires
from hmis.uploads import SealedUploadHandler, accepts_upload
from hmis.views.outcome import run_action, validation_text

MAX_UPLOAD_BYTES = 200 << 20


class ExportForm(forms.Form):
    start_date = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    with_pii = forms.BooleanField(
        label="Include names, SSN and full birth dates (needs a reason and a second person's approval)",
        required=False,
    )
    reason = forms.CharField(label="Why the export needs them", required=False, max_length=300)


class ImportForm(forms.Form):
    file = forms.FileField(label="HMIS CSV zip")
    dry_run = forms.BooleanField(label="Check only: write nothing", required=False)
    valid_rows_only = forms.BooleanField(
        label="If some rows have problems, import the valid rows anyway", required=False
    )


def _enqueue(task, job_id):
    transaction.on_commit(lambda: task.delay(str(job_id)))


def _export_for(user, export_id, *, requester_only=False):
    export = HmisExport.objects.filter(pk=export_id, agency_id=user.agency_id).first()
    if export is None or (requester_only and export.requested_by_id != user.pk):
        raise Http404
    return export


@requires(EXPORT_HMIS_CSV)
def exports(request):
    from clients.tasks import run_hmis_csv_export

    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = actions.request_export(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if export.status == HmisExport.Status.QUEUED:
                _enqueue(run_hmis_csv_export, export.pk)
                messages.success(request, "Export queued. This page shows its progress.")
            else:
                messages.success(request, "Export asked for. Another supervisor or the agency lead must approve it.")
            return redirect("clients:hmis-csv-exports")
    mine = HmisExport.objects.filter(requested_by=request.user).select_related("approved_by")[:20]
    to_approve = []
    if has_permission(request.user, APPROVE_HMIS_CSV_PII):
        to_approve = (
            HmisExport.objects.filter(agency_id=request.user.agency_id, status=HmisExport.Status.AWAITING_APPROVAL)
            .exclude(requested_by=request.user)
            .select_related("requested_by")
        )
    return render(
        request,
        "clients/hmis_csv_exports.html",
        {"form": form, "mine": mine, "to_approve": to_approve, "max_downloads": actions.MAX_DOWNLOADS},
    )


@requires(APPROVE_HMIS_CSV_PII)
@require_POST
def export_approve(request, export_id):
    from clients.tasks import run_hmis_csv_export

    export = _export_for(request.user, export_id)

    def approve_and_queue():
        approved = actions.approve_export(acting_user=request.user, export=export)
        _enqueue(run_hmis_csv_export, approved.pk)

    return run_action(
        request,
        approve_and_queue,
        success="Approved. The export is queued for the person who asked.",
        to=reverse("clients:hmis-csv-exports"),
    )


def _job_json(job):
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "done": job.rows_done,
            "total": job.rows_total,
            "seconds_left": time_left(job),
            "finished": job.status not in ("queued", "running", "awaiting_approval"),
        }
    )


@requires(EXPORT_HMIS_CSV)
def export_progress(request, export_id):
    return _job_json(_export_for(request.user, export_id, requester_only=True))


@requires(EXPORT_HMIS_CSV)
@require_POST
def export_cancel(request, export_id):
    export = _export_for(request.user, export_id, requester_only=True)
    return run_action(
        request,
        lambda: actions.cancel_job(acting_user=request.user, job=export),
        success="Export cancelled.",
        to=reverse("clients:hmis-csv-exports"),
    )


@requires(EXPORT_HMIS_CSV)
@require_POST
def export_download(request, export_id):
    export = _export_for(request.user, export_id, requester_only=True)
    try:
        data = actions.download_export(acting_user=request.user, export=export)
    except ValidationError as error:
        messages.error(request, validation_text(error))
        return redirect("clients:hmis-csv-exports")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    response["Cache-Control"] = "no-store"
    return response


def _import_for(user, import_id):
    job = HmisImport.objects.filter(pk=import_id).first()
    if job is None or (not user.is_system_admin and job.agency_id != user.agency_id):
        raise Http404
    return job


class HmisCsvUploadHandler(SealedUploadHandler):
    """The import's zip, streamed sealed to a temporary file (see hmis.uploads)."""

    @classmethod
    def max_bytes(cls) -> int:
        return MAX_UPLOAD_BYTES


@requires(IMPORT_HMIS_CSV)
@accepts_upload(HmisCsvUploadHandler)
def imports(request):
    from clients.tasks import run_hmis_csv_import

    form = ImportForm(request.POST or None, request.FILES or None)
    agencies = (
        Agency.objects.all() if request.user.is_system_admin else Agency.objects.filter(pk=request.user.agency_id)
    )
    form.fields["agency"] = forms.ModelChoiceField(queryset=agencies, initial=request.user.agency_id)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if getattr(upload, "oversized", False) or upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", "The file is larger than 200 MB: use the import_hmis_csv command.")
        else:
            try:
                job = actions.queue_import(
                    acting_user=request.user,
                    agency=form.cleaned_data["agency"],
                    data=upload.read(),
                    dry_run=form.cleaned_data["dry_run"],
                    valid_rows_only=form.cleaned_data["valid_rows_only"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except PermissionDenied:
                form.add_error("agency", "You can import into your own agency only.")
            else:
                _enqueue(run_hmis_csv_import, job.pk)
                messages.success(request, "File received. It is checked first; this page shows the progress.")
                return redirect("clients:hmis-csv-import", import_id=job.pk)
    recent = HmisImport.objects.filter(agency__in=agencies).select_related("agency", "requested_by")[:20]
    return render(request, "clients/hmis_csv_imports.html", {"form": form, "recent": recent})


@requires(IMPORT_HMIS_CSV)
def import_detail(request, import_id):
    job = _import_for(request.user, import_id)
    report = [
        {"file": file, "row": row, "column": column, "problem": problem} for file, row, column, problem in job.report
    ]
    return render(
        request,
        "clients/hmis_csv_import.html",
        {"job": job, "report": report, "more": max(0, job.problem_count - len(report))},
    )


@requires(IMPORT_HMIS_CSV)
def import_progress(request, import_id):
    return _job_json(_import_for(request.user, import_id))


@requires(IMPORT_HMIS_CSV)
@require_POST
def import_cancel(request, import_id):
    job = _import_for(request.user, import_id)

    def cancel():
        try:
            actions.cancel_job(acting_user=request.user, job=job)
        except PermissionDenied:
            # The agency's other importers see the job too: they are told why, not refused.
            raise ValidationError("Only the person who started it can cancel it.") from None

    return run_action(
        request,
        cancel,
        success="Import cancelled: nothing is written.",
        to=reverse("clients:hmis-csv-import", args=[job.pk]),
    )
