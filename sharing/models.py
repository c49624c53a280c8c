"""Consent and care-coordination sharing (DESIGN.md section 4).

Nothing here is written except through ``sharing.actions``; client-scoped
reads go through ``sharing.queries``; the only decision about a disclosure is
``sharing.consent.check_consent``.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from hmis.audit import register_audited
from hmis.crypto import EncryptedCharField

# --- Consent releases ---


class DataCategory(models.TextChoices):
    """What a release (and a share) may carry. Labels read well in a sentence."""

    IDENTITY = "identity", "identity (name, date of birth, ID numbers)"
    CONTACT = "contact", "contact details (phone, e-mail, address)"
    DEMOGRAPHICS = "demographics", "demographics (race, ethnicity, gender, veteran status)"
    HOUSING_HISTORY = "housing_history", "housing history and program enrollments"
    ASSESSMENTS = "assessments", "assessments"
    HEALTH_DISABILITY = "health_disability", "health and disability"
    INCOME_BENEFITS = "income_benefits", "income and benefits"


class Purpose(models.TextChoices):
    HOUSING_PLACEMENT = "housing_placement", "housing placement"
    COUNSELING = "counseling", "counseling"
    FOOD_ASSISTANCE = "food_assistance", "food assistance"
    UTILITY_ASSISTANCE = "utility_assistance", "utility assistance"
    CARE_COORDINATION = "care_coordination", "care coordination"


#: Short names for messages such as the consent gate's reason.
CATEGORY_SHORT = {
    DataCategory.IDENTITY: "identity",
    DataCategory.CONTACT: "contact",
    DataCategory.DEMOGRAPHICS: "demographics",
    DataCategory.HOUSING_HISTORY: "housing history",
    DataCategory.ASSESSMENTS: "assessments",
    DataCategory.HEALTH_DISABILITY: "health and disability",
    DataCategory.INCOME_BENEFITS: "income and benefits",
}

#: What a client is told each category means, in the summary they read back.
CATEGORY_PLAIN = {
    DataCategory.IDENTITY: "who you are: your name, date of birth and ID numbers",
    DataCategory.CONTACT: "how to reach you: phone, e-mail and address",
    DataCategory.DEMOGRAPHICS: "your race, ethnicity, gender and veteran status",
    DataCategory.HOUSING_HISTORY: "where you have lived and the programs you have been in",
    DataCategory.ASSESSMENTS: "the answers you gave in assessments",
    DataCategory.HEALTH_DISABILITY: "your health and any disability",
    DataCategory.INCOME_BENEFITS: "your income and benefits",
}

PURPOSE_PLAIN = {
    Purpose.HOUSING_PLACEMENT: "finding you housing",
    Purpose.COUNSELING: "counseling",
    Purpose.FOOD_ASSISTANCE: "food assistance",
    Purpose.UTILITY_ASSISTANCE: "help with utility bills",
    Purpose.CARE_COORDINATION: "coordinating the services you receive",
}


def normalize_recipient(name: str | None) -> str:
    """The key an outside recipient is matched by: case and spacing do not matter."""
    return " ".join((name or "").split()).casefold()


class Release(models.Model):
    """A client's release of information: who may receive which data, for
    what, from when until when, and how the client consented.

    Status is moved only by ``move_to`` (the table ``TRANSITIONS``); an
    active release is ended only by ``sharing.actions.end_release``.
    """

    class Kind(models.TextChoices):
        CARE_COORDINATION = "care_coordination", "Care coordination among HMIS partner agencies"
        ADDITIONAL = "additional", "Additional release the client asked for"

    class Method(models.TextChoices):
        SIGNED_FORM = "signed_form", "Signed form (scanned)"
        VERBAL_WITNESSED = "verbal_witnessed", "Verbal, with a witness"
        ELECTRONIC = "electronic", "Electronic signature on the device"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a supervisor"
        ACTIVE = "active", "Active"
        DENIED = "denied", "Denied"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    #: The status machine: (from, to) pairs that may happen, nothing else.
    TRANSITIONS = frozenset(
        {
            (Status.PENDING, Status.ACTIVE),
            (Status.PENDING, Status.DENIED),
            (Status.ACTIVE, Status.REVOKED),
            (Status.ACTIVE, Status.EXPIRED),
        }
    )
    ENDED = frozenset({Status.REVOKED, Status.EXPIRED})
    CLOSED = frozenset({Status.DENIED, Status.REVOKED, Status.EXPIRED})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="releases")
    obtaining_agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="releases_obtained")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    # Recipients: named partner agencies (ids, for the one-query gate), or
    # every verified partner, and/or (additional releases only) one outside recipient.
    all_partners = models.BooleanField("all verified partner agencies", default=False)
    recipient_agency_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    outside_recipient_name = models.CharField(max_length=200, blank=True)
    outside_recipient_key = models.CharField(max_length=200, blank=True, editable=False)
    outside_recipient_contact = EncryptedCharField(max_length=300, null=True, blank=True)

    categories = ArrayField(models.CharField(max_length=20, choices=DataCategory.choices), default=list)
    purposes = ArrayField(models.CharField(max_length=20, choices=Purpose.choices), default=list)

    consent_method = models.CharField(max_length=20, choices=Method.choices)
    witness_name = models.CharField(max_length=200, blank=True)
    # Evidence: an encrypted file in HMIS_PRIVATE_STORAGE_DIR under a random name.
    evidence_file = models.CharField(max_length=80, blank=True, editable=False)
    evidence_content_type = models.CharField(max_length=40, blank=True, editable=False)
    evidence_size = models.PositiveIntegerField(null=True, blank=True, editable=False)

    effective_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            # The consent gate: one client's active releases, then the arrays.
            models.Index(fields=["client", "expires_at"], name="release_gate_idx", condition=Q(status="active")),
            GinIndex(fields=["categories"], name="release_categories_gin"),
            GinIndex(fields=["purposes"], name="release_purposes_gin"),
            GinIndex(fields=["recipient_agency_ids"], name="release_recipients_gin"),
            models.Index(fields=["obtaining_agency", "status"], name="release_agency_status_idx"),
            models.Index(fields=["expires_at"], name="release_active_expiry_idx", condition=Q(status="active")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("effective_at")), name="release_expires_after_effective"
            ),
            models.CheckConstraint(condition=~Q(categories=[]), name="release_has_categories"),
            models.CheckConstraint(condition=~Q(purposes=[]), name="release_has_purposes"),
            models.CheckConstraint(
                condition=Q(all_partners=True) | ~Q(recipient_agency_ids=[]) | ~Q(outside_recipient_key=""),
                name="release_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(kind="additional") | Q(outside_recipient_key=""),
                name="release_outside_recipient_only_additional",
            ),
            # Four eyes: nobody decides a release they recorded.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="release_decider_not_requester",
                violation_error_message="Nobody decides a release they recorded.",
            ),
            models.CheckConstraint(
                condition=~Q(status="denied") | ~Q(decision_reason=""), name="release_denial_has_reason"
            ),
            # One live (pending or active) release per client and identical scope.
            models.UniqueConstraint(
                fields=[
                    "client",
                    "kind",
                    "all_partners",
                    "recipient_agency_ids",
                    "outside_recipient_key",
                    "categories",
                    "purposes",
                ],
                condition=Q(status__in=["pending", "active"]),
                name="release_one_live_per_client_and_scope",
                violation_error_message="The client already has a pending or active release with exactly this scope.",
            ),
        ]

    def __str__(self):
        return f"Release {self.pk}"

    # --- Invariants (full_clean) -------------------------------------------------------

    def clean(self):
        errors: dict[str, list[str]] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        self.categories = sorted(set(self.categories or []))
        self.purposes = sorted(set(self.purposes or []))
        self.recipient_agency_ids = sorted({uuid.UUID(str(i)) for i in self.recipient_agency_ids or []}, key=str)
        self.outside_recipient_name = " ".join((self.outside_recipient_name or "").split())
        self.outside_recipient_key = normalize_recipient(self.outside_recipient_name)
        self.witness_name = (self.witness_name or "").strip()

        if not self.categories:
            add("categories", "Choose at least one kind of information the client agrees to share.")
        if not self.purposes:
            add("purposes", "Choose at least one purpose the client agrees to.")
        if self.kind == self.Kind.CARE_COORDINATION and self.outside_recipient_key:
            add(
                "outside_recipient_name",
                "A care-coordination release covers HMIS partner agencies only. "
                "For someone outside HMIS, record an additional release.",
            )
        if self.outside_recipient_contact and not self.outside_recipient_key:
            add("outside_recipient_name", "Name the outside recipient whose contact you entered.")
        if self.outside_recipient_key and not (self.outside_recipient_contact or "").strip():
            add("outside_recipient_contact", "Enter how to reach the outside recipient, so they can be verified.")
        if not (self.all_partners or self.recipient_agency_ids or self.outside_recipient_key):
            add("recipient_agencies", "Choose who may receive the information.")
        if self.obtaining_agency_id and self.obtaining_agency_id in self.recipient_agency_ids:
            add("recipient_agencies", "Your own agency does not need a release: choose partner agencies.")
        if self.recipient_agency_ids:
            from hmis.models import Agency

            found = {a.pk: a for a in Agency.objects.filter(pk__in=self.recipient_agency_ids)}
            for agency_id in self.recipient_agency_ids:
                agency = found.get(agency_id)
                if agency is None or agency.kind != agency.Kind.PARTNER or not agency.can_receive_shares:
                    add("recipient_agencies", "Choose only verified, active partner agencies.")
                    break

        if self.consent_method == self.Method.VERBAL_WITNESSED and not self.witness_name:
            add("witness_name", "Verbal consent needs the name of the witness.")
        if self.consent_method in (self.Method.SIGNED_FORM, self.Method.ELECTRONIC) and not self.evidence_file:
            add("evidence", "Upload the signed form (PDF, PNG or JPEG).")

        if self.effective_at and self.expires_at and self.expires_at <= self.effective_at:
            add("expiry_date", "The expiry date must be after the effective date.")
        if errors:
            raise ValidationError(errors)

    # --- Status machine -----------------------------------------------------------------

    def can_move_to(self, status) -> bool:
        return (self.status, status) in self.TRANSITIONS

    def move_to(self, status, *, by, reason="", at=None):
        """The one place the status changes: refuses a move not in
        ``TRANSITIONS`` and records who, when and why (on the release and in
        ``ReleaseStatusChange``). Call inside a transaction with the row
        locked (``select_for_update``); actions do."""
        if not self.can_move_to(status):
            raise IllegalTransition(self.status, status)
        at = at or timezone.now()
        old = self.status
        self.status = status
        if old == self.Status.PENDING:
            self.decided_by, self.decided_at, self.decision_reason = by, at, reason
        else:
            self.ended_by, self.ended_at, self.end_reason = by, at, reason
        self.save()
        ReleaseStatusChange.objects.create(
            release=self, from_status=old, to_status=status, changed_by=by, changed_at=at, reason=reason
        )

    # --- Reading ------------------------------------------------------------------------

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.ACTIVE and self.effective_at <= timezone.now() < self.expires_at

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_file)


class IllegalTransition(ValidationError):
    """A status move not in ``Release.TRANSITIONS``."""

    def __init__(self, old, new):
        labels = dict(Release.Status.choices)
        super().__init__(
            f"A release that is {labels.get(old, old).lower()} cannot become {labels.get(new, new).lower()}.",
            code="illegal_transition",
        )
        self.old, self.new = old, new


class ReleaseStatusChange(models.Model):
    """Each move of a release's status: who (empty for the expiry job), when, why."""

    id = models.BigAutoField(primary_key=True)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Release.Status.choices)
    to_status = models.CharField(max_length=10, choices=Release.Status.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"Release {self.release_id}: {self.from_status} -> {self.to_status}"


register_audited(Release, exclude=["outside_recipient_key"])
register_audited(ReleaseStatusChange)
