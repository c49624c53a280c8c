"""Clients (HUD Universal Data Elements), projects, enrollments and intake
assessments, with the object-permission rows that extend who sees a client.

Identifying values are encrypted (``hmis.crypto``) and searched only through
the blind-index columns (``clients.matching``). Nothing here is written
except through ``clients.actions``; nothing is read except through
``clients.queries``.
"""

import secrets
import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from clients import hud
from clients.matching import INDEX_COLUMNS, KEYS, NEIGHBOUR_COLUMN
from hmis.audit import register_audited
from hmis.crypto import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedIntegerField,
    EncryptedTextField,
)
from hmis.status import StatusHistory, StatusMachine

# No 0/O or 1/I: a reference is read aloud and typed.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    return "C-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def new_references(count: int) -> list[str]:
    """``count`` references at once (bulk import): the same alphabet and 40 random bits
    each (8 letters of 5 bits: the alphabet has 32), from one call to the OS's randomness."""
    randomness = secrets.token_bytes(5 * count)
    out = []
    for n in range(count):
        bits = int.from_bytes(randomness[5 * n : 5 * n + 5], "big")
        out.append("C-" + "".join(_REFERENCE_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5)))
    return out


class Project(models.Model):
    """An agency's program (HUD 2.02) that clients are enrolled in."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200)
    project_type = models.PositiveSmallIntegerField(choices=hud.ProjectType.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="project_unique_name_per_agency")]

    def __str__(self):
        return self.name


def _index_field():
    return models.CharField(max_length=8, null=True, blank=True, editable=False)


class Client(models.Model):
    """One person, owned by the agency that created the record.

    ``__str__`` is the reference code only: django-auditlog stores it as the
    object's description, so it must never hold a name.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    owning_agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="clients")
    created_by = models.ForeignKey("hmis.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # 3.01 Name
    first_name = EncryptedCharField(max_length=50, null=True, blank=True)
    middle_name = EncryptedCharField(max_length=50, null=True, blank=True)
    last_name = EncryptedCharField(max_length=50, null=True, blank=True)
    name_suffix = EncryptedCharField(max_length=20, null=True, blank=True)
    name_data_quality = models.PositiveSmallIntegerField(choices=hud.NameDataQuality.choices)
    # 3.02 SSN: nine digits, or the last four for a partial SSN (data quality 2).
    ssn = EncryptedCharField("SSN", max_length=9, null=True, blank=True)
    ssn_data_quality = models.PositiveSmallIntegerField("SSN data quality", choices=hud.SSNDataQuality.choices)
    # 3.03 Date of birth; an anonymous record keeps only the birth year.
    dob = EncryptedDateField("date of birth", null=True, blank=True)
    dob_data_quality = models.PositiveSmallIntegerField("DOB data quality", choices=hud.DOBDataQuality.choices)
    birth_year = EncryptedIntegerField(null=True, blank=True)
    # 3.04, 3.06, 3.07
    race_ethnicity = ArrayField(
        models.PositiveSmallIntegerField(choices=hud.RaceEthnicity.choices), default=list, blank=True
    )
    sex = models.PositiveSmallIntegerField(choices=hud.Sex.choices, default=hud.Sex.NOT_COLLECTED)
    veteran_status = models.PositiveSmallIntegerField(choices=hud.NoYes.choices, default=hud.NoYes.NOT_COLLECTED)
    # Contact and last permanent address
    phone = EncryptedCharField(max_length=30, null=True, blank=True)
    email = EncryptedCharField("e-mail", max_length=254, null=True, blank=True)
    last_permanent_address = EncryptedTextField(null=True, blank=True)

    confidential = models.BooleanField(
        default=False,
        help_text="Only staff named on the record see it (for example a domestic-violence survivor).",
    )
    is_anonymous = models.BooleanField(
        "anonymous record",
        default=False,
        help_text="No name, SSN, full birth date or contact is kept; the reference code identifies the client.",
    )

    # Blind indexes (see clients.matching): written by actions from the values above.
    name_bidx = _index_field()
    name_phonetic_bidx = _index_field()
    name_phonetic_year_bidx = _index_field()
    last_phonetic_dob_bidx = _index_field()
    first_phonetic_dob_bidx = _index_field()
    initials_dob_bidx = _index_field()
    ssn4_dob_bidx = _index_field()
    ssn4_last_initial_bidx = _index_field()
    ssn4_first_initial_bidx = _index_field()
    name_neighbour_bidx = ArrayField(models.IntegerField(), null=True, blank=True, editable=False)

    # Set when the retention policy erased the identifying values (clients.retention).
    retained_deidentified_at = models.DateTimeField(null=True, blank=True, editable=False)

    # A tombstone: merged into another record (``actions.merge_clients``). Its
    # values stay encrypted so the merge can be undone; no scope returns it.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    merged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=[column], name=f"client_{column[:-5]}_idx", condition=Q(**{f"{column}__isnull": False}))
            for column in INDEX_COLUMNS
        ] + [
            # "My agency's clients", newest first (clients.queries.newest_listed_for), read from the index alone.
            models.Index(
                fields=["owning_agency", "-created_at", "-id"],
                name="client_listed_newest_idx",
                condition=Q(confidential=False, merged_into__isnull=True),
            ),
            # A small pending list (64 kB, the least PostgreSQL allows): every search
            # scans it once per key, and at the 4 MB default that was most of its time.
            GinIndex(fields=[NEIGHBOUR_COLUMN], name="client_name_neighbour_idx", gin_pending_list_limit=64),
            # Only tombstones point anywhere: "merged into X" needs no entry for the others.
            models.Index(fields=["merged_into"], name="client_merged_into_idx", condition=Q(merged_into__isnull=False)),
        ]

    def __str__(self):
        return f"Client {self.reference}"

    def clean(self):
        from clients.validation import validate_client

        validate_client(self)

    def refresh_indexes(self):
        """Recompute the blind indexes from the current (plaintext) values."""
        from clients.matching import Pieces, stored_neighbour_keys

        keys = Pieces.of(first_name=self.first_name, last_name=self.last_name, dob=self.dob, ssn=self.ssn).keys()
        for column in KEYS:
            setattr(self, column, keys[column])
        self.name_neighbour_bidx = stored_neighbour_keys(self.first_name, self.last_name)

    @property
    def year_of_birth(self):
        return self.dob.year if self.dob else self.birth_year


class ClientUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct-FK row: one named user may see one client."""

    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)


class ClientGroupObjectPermission(GroupObjectPermissionBase):
    """guardian's direct-FK row: one agency's group may see one client (a live share)."""

    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)


class Enrollment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="enrollments")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="enrollments")
    entry_date = models.DateField()  # 3.10 Project Start Date
    exit_date = models.DateField(null=True, blank=True)  # 3.11 Project Exit Date
    destination = models.PositiveSmallIntegerField(choices=hud.DESTINATION_CHOICES, null=True, blank=True)
    relationship_to_hoh = models.PositiveSmallIntegerField(
        "relationship to head of household", choices=hud.RelationshipToHoH.choices
    )
    created_by = models.ForeignKey("hmis.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-entry_date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=models.F("entry_date")),
                name="enrollment_exit_not_before_entry",
            ),
        ]

    def __str__(self):
        return f"Enrollment {self.pk}"


class Assessment(models.Model):
    """The intake assessment of one enrollment. Sensitive answers are encrypted."""

    # The sensitive answers: encrypted at rest, shown only to case workers outside privacy mode.
    SENSITIVE_ANSWERS = (
        "disabling_condition",
        "income_from_any_source",
        "monthly_income",
        "non_cash_benefits",
        "health_insurance",
        "domestic_violence_survivor",
        "currently_fleeing",
        "notes",
    )
    # Every answer a worker gives, in the order the form asks for them.
    ANSWERS = ("assessment_date", "prior_living_situation", "length_of_stay", *SENSITIVE_ANSWERS)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="assessments")
    assessment_date = models.DateField()
    prior_living_situation = models.PositiveSmallIntegerField(choices=hud.LIVING_SITUATION_CHOICES)
    length_of_stay = models.PositiveSmallIntegerField(
        "length of stay in prior living situation", choices=hud.LengthOfStay.choices
    )
    disabling_condition = EncryptedIntegerField(choices=hud.NoYes.choices)
    income_from_any_source = EncryptedIntegerField(choices=hud.NoYes.choices)
    monthly_income = EncryptedIntegerField("total monthly income (dollars)", null=True, blank=True)
    non_cash_benefits = EncryptedIntegerField("non-cash benefits from any source", choices=hud.NoYes.choices)
    health_insurance = EncryptedIntegerField("covered by health insurance", choices=hud.NoYes.choices)
    domestic_violence_survivor = EncryptedIntegerField(choices=hud.NoYes.choices)
    currently_fleeing = EncryptedIntegerField(
        "currently fleeing domestic violence", choices=hud.NoYes.choices, null=True, blank=True
    )
    notes = EncryptedTextField(null=True, blank=True)
    created_by = models.ForeignKey("hmis.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessment_date", "-created_at"]

    def __str__(self):
        return f"Assessment {self.pk}"


class PossibleDuplicate(models.Model):
    """A new client that strongly matched a record its creator could not see.

    Reviewed by the system admin; the creator is never told about the other record.
    """

    class Status(models.TextChoices):
        OPEN = "open", "To review"
        DUPLICATE = "duplicate", "Same person"
        DISTINCT = "distinct", "Different people"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    new_client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    existing_client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    found_by = models.ForeignKey("hmis.User", on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey("hmis.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_at"]
        constraints = [
            models.UniqueConstraint(fields=["new_client", "existing_client"], name="duplicate_pair_once"),
        ]

    def __str__(self):
        return f"Possible duplicate {self.pk}"


class LegalHold(models.Model):
    """Keeps a client's identifying data past the retention period (a court
    order, litigation, an investigation), set and released by the system
    admin with a reason. A row per hold, not a flag on the client, so who
    held the record, why and until when stays on file after the release."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="legal_holds")
    reason = EncryptedTextField(max_length=500)
    set_by = models.ForeignKey("hmis.User", on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    released_by = models.ForeignKey("hmis.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = EncryptedTextField(max_length=500, null=True, blank=True)

    class Meta:
        ordering = ["-set_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(released_at__isnull=True), name="legal_hold_one_active_per_client"
            ),
        ]

    def __str__(self):
        return f"Legal hold {self.pk}"


class RetentionRun(StatusMachine):
    """One count of the clients past the retention period and, once the
    system admin confirms it, their de-identification in batches.

    Holds counts only (per agency id and in total), never a name or a client
    id. Status moves only through ``move_to`` (``hmis.status``).
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "Waiting for confirmation"
        SUPERSEDED = "superseded", "Replaced by a newer count"
        CONFIRMED = "confirmed", "Confirmed, queued"
        RUNNING = "running", "De-identifying"
        DONE = "done", "Done"

    TRANSITIONS = {
        (Status.PLANNED, Status.SUPERSEDED): "Replace with a newer count",
        (Status.PLANNED, Status.CONFIRMED): "Confirm",
        (Status.CONFIRMED, Status.RUNNING): "Start de-identifying",
        (Status.RUNNING, Status.DONE): "Finish",
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Clients last created or changed before this moment are due.
    cutoff = models.DateTimeField()
    retention_years = models.PositiveSmallIntegerField()
    planned_at = models.DateTimeField()
    planned_by = models.ForeignKey(  # empty: the nightly job
        "hmis.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # {agency id: clients due}; agencies with none are left out.
    planned_counts = models.JSONField(default=dict)
    planned_total = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    confirmed_by = models.ForeignKey("hmis.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    batches = models.PositiveIntegerField(default=0)
    deidentified = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-planned_at"]

    def __str__(self):
        return f"Retention run {self.pk}"

    def status_moved(self, old, new, *, by, at, note):
        if new == self.Status.CONFIRMED:
            self.confirmed_by, self.confirmed_at = by, at
        elif new == self.Status.DONE:
            self.finished_at = at


class RetentionRunStatusChange(StatusHistory):
    subject = models.ForeignKey(RetentionRun, on_delete=models.CASCADE, related_name="status_changes")


class ClientMerge(models.Model):
    """One merge of a duplicate record (``merged``) into the record kept.

    Holds ids only: which rows moved, per model label (``moved``), and which
    record each field's value came from (``choices``). The kept record's
    values before the merge are PII and so encrypted (``kept_before``, JSON),
    for an undo by the system admin within ``HMIS_MERGE_UNDO_DAYS``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kept = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    duplicate = models.ForeignKey(
        PossibleDuplicate, null=True, blank=True, on_delete=models.SET_NULL, related_name="merges"
    )
    merged_by = models.ForeignKey("hmis.User", on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    # {field group: "kept" | "merged"}
    choices = models.JSONField(default=dict)
    # {"app.model": [row ids]}: exactly the rows repointed, for the undo.
    moved = models.JSONField(default=dict)
    kept_before = EncryptedTextField()
    undone_by = models.ForeignKey("hmis.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["merged"], condition=Q(undone_at__isnull=True), name="client_merge_once_per_record"
            ),
            models.CheckConstraint(condition=~Q(kept=models.F("merged")), name="client_merge_two_records"),
        ]

    def __str__(self):
        return f"Client merge {self.pk}"


class CorrectionRequest(StatusMachine):
    """A client's request to correct one field of their record (HUD's HMIS
    privacy standards: the right to ask for corrections).

    Staff of the owning agency record it; a supervisor of that agency (not
    the one who recorded it) accepts it, and the change is made through the
    client edit action, or refuses it with a reason the client can be given.
    A decided request stays attached to the record. Status moves only through
    ``move_to`` (the table ``TRANSITIONS``).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a supervisor"
        ACCEPTED = "accepted", "Accepted: the record was corrected"
        REFUSED = "refused", "Refused"

    TRANSITIONS = {
        (Status.OPEN, Status.ACCEPTED): "Accept correction",
        (Status.OPEN, Status.REFUSED): "Refuse",
    }

    # The fields a client may ask to correct: identity and HUD elements, with their labels.
    FIELDS = {
        "first_name": "First name",
        "middle_name": "Middle name",
        "last_name": "Last name",
        "name_suffix": "Name suffix",
        "ssn": "SSN",
        "dob": "Date of birth",
        "sex": "Sex",
        "veteran_status": "Veteran status",
        "phone": "Phone",
        "email": "E-mail",
        "last_permanent_address": "Last permanent address",
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="correction_requests")
    field = models.CharField(max_length=30, choices=list(FIELDS.items()))
    requested_value = EncryptedTextField()
    reason = EncryptedTextField("the client's reason")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey("hmis.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey("hmis.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = EncryptedTextField(blank=True, help_text="The reason the client can be given.")
    # The applied change: the value replaced, and the audit entry of the client's edit.
    previous_value = EncryptedTextField(null=True, blank=True)
    applied_change = models.ForeignKey(
        "auditlog.LogEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["client", "-requested_at"], name="correction_client_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True, decided_by__isnull=True)
                | (~Q(status="open") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="correction_decided_when_closed",
            ),
        ]

    def __str__(self):
        return f"Correction request {self.pk}"

    @property
    def field_label(self) -> str:
        return self.FIELDS.get(self.field, self.field)

    def status_moved(self, old, new, *, by, at, note):
        self.decided_by, self.decided_at = by, at


class CorrectionRequestStatusChange(StatusHistory):
    subject = models.ForeignKey(CorrectionRequest, on_delete=models.CASCADE, related_name="status_changes")


class AlreadyDecided(ValidationError):
    def __init__(self):
        super().__init__("This request was already decided.", code="already_decided")


register_audited(Project)
# The index columns are derived from encrypted values: keep them out of the diff too.
register_audited(Client, exclude=[*INDEX_COLUMNS, NEIGHBOUR_COLUMN])
register_audited(Enrollment)
register_audited(ClientMerge)
register_audited(Assessment)
register_audited(PossibleDuplicate)
register_audited(CorrectionRequestStatusChange)
register_audited(LegalHold)
register_audited(RetentionRun)
register_audited(RetentionRunStatusChange)


register_audited(CorrectionRequest)
register_audited(ClientUserObjectPermission)
register_audited(ClientGroupObjectPermission)

# HMIS CSV interchange records live with their code; imported here so Django registers them.
from clients.hmis_csv.models import HmisExport, HmisImport, ImportedRecord  # noqa: E402, F401
