"""Records of HMIS CSV exports and imports (loaded by ``clients.models``).

An export row is the audit record of one export: who asked, who approved a
PII export and why (the reason encrypted), the period, and while it can be
downloaded the encrypted file. An import row keeps the file's hash so the
same file is never imported twice, and ``ImportedRecord`` maps each source
identifier to the record it became so a later file links instead of
duplicating.
"""

import uuid

from django.db import models
from django.db.models import Q

from hmis.audit import register_audited
from hmis.crypto import EncryptedTextField


class HmisExport(models.Model):
    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for a second person's approval"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready to download"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired (file deleted)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey("hmis.User", null=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey("hmis.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    with_pii = models.BooleanField(default=False)
    reason = EncryptedTextField(null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    client_count = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    # The zip, Fernet-encrypted (hmis.crypto.encrypt_bytes), until it expires.
    file_token = models.BinaryField(null=True, blank=True, editable=False)
    downloads = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"HMIS CSV export {self.pk}"


class HmisImport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        VALIDATED = "validated", "Checked: problems found, nothing was written"
        RUNNING = "running", "Running"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed (nothing was written)"
        CANCELLED = "cancelled", "Cancelled (nothing was written)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey("hmis.User", on_delete=models.PROTECT, related_name="+")
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.VALIDATED)
    valid_rows_only = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    # The uploaded zip, Fernet-encrypted, until the job has read it (page uploads only).
    file_token = models.BinaryField(null=True, blank=True, editable=False)
    clients_created = models.PositiveIntegerField(default=0)
    clients_linked = models.PositiveIntegerField(default=0)
    possible_duplicates = models.PositiveIntegerField(default=0)
    records_skipped = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    # [file, row, column, problem]: never a cell's value beyond a short excerpt.
    report = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "file_sha256"], condition=Q(status="done"), name="hmis_import_file_once"
            ),
        ]

    def __str__(self):
        return f"HMIS CSV import {self.pk}"


class ImportedRecord(models.Model):
    """Source identifier (PersonalID, ProjectID, ...) of an agency's file -> the local record."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by ``imported_record_once`` (agency first).
    agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=20)  # "client", "project", "enrollment", "assessment"
    source_id = models.CharField(max_length=32)
    local_id = models.UUIDField()
    hmis_import = models.ForeignKey(HmisImport, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "kind", "source_id"], name="imported_record_once"),
        ]

    def __str__(self):
        return f"Imported {self.kind} {self.local_id}"


register_audited(HmisExport, exclude=["file_token", "rows_done"])
register_audited(HmisImport, exclude=["rows_done", "report", "file_token"])
