"""Consent and care-coordination sharing (DESIGN.md section 4).

Nothing here is written except through ``sharing.actions``; client-scoped
reads go through ``sharing.queries``; the only decision about a disclosure is
``sharing.consent.check_consent``.
"""

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from hmis.audit import register_audited
from hmis.blind_index import blind_index
from hmis.crypto import EncryptedCharField, EncryptedTextField
from hmis.status import StatusHistory, StatusMachine

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
    """An outside recipient's name as compared: case and spacing do not matter."""
    return " ".join((name or "").split()).casefold()


def recipient_index(name: str | None) -> str:
    """The blind index an outside recipient is matched by (the name itself is
    encrypted); "" when there is no name. Candidates it finds are confirmed by
    comparing the decrypted names."""
    return blind_index("release.outside_recipient", normalize_recipient(name))


class Release(StatusMachine):
    """A client's release of information: who may receive which data, for
    what, from when until when, and how the client consented.

    Status is moved only by ``move_to`` (``hmis.status``, the table
    ``TRANSITIONS``); an active release is ended only by
    ``sharing.actions.end_release``.
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

    TRANSITIONS = {
        (Status.PENDING, Status.ACTIVE): "Approve",
        (Status.PENDING, Status.DENIED): "Deny",
        (Status.ACTIVE, Status.REVOKED): "Revoke release",
        (Status.ACTIVE, Status.EXPIRED): "Expire",  # the expiry job
    }
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
    outside_recipient_name = EncryptedCharField(max_length=200, blank=True)
    # Blind index of the name (``recipient_index``): the gate and the
    # one-live-release constraint match on it.
    outside_recipient_key = models.CharField(max_length=200, blank=True, editable=False)
    outside_recipient_contact = EncryptedCharField(max_length=300, null=True, blank=True)

    categories = ArrayField(models.CharField(max_length=20, choices=DataCategory.choices), default=list)
    purposes = ArrayField(models.CharField(max_length=20, choices=Purpose.choices), default=list)

    consent_method = models.CharField(max_length=20, choices=Method.choices)
    witness_name = EncryptedCharField(max_length=200, blank=True)
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
    decision_reason = EncryptedCharField(max_length=500, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = EncryptedCharField(max_length=500, blank=True)

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
        self.outside_recipient_key = recipient_index(self.outside_recipient_name)
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
        if self.client_id and self.obtaining_agency_id and self.client.owning_agency_id != self.obtaining_agency_id:
            # Consent belongs to the agency that holds the record; a partner never takes it.
            add("obtaining_agency", "Only the agency that holds the client's record can record a release for them.")
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

    def status_moved(self, old, new, *, by, at, note):
        if old == self.Status.PENDING:
            self.decided_by, self.decided_at, self.decision_reason = by, at, note
        else:
            self.ended_by, self.ended_at, self.end_reason = by, at, note

    # --- Reading ------------------------------------------------------------------------

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.ACTIVE and self.effective_at <= timezone.now() < self.expires_at

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_file)


class ReleaseStatusChange(StatusHistory):
    """Each move of a release's status: who (empty for the expiry job), when, why."""

    subject = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="status_changes")


register_audited(Release, exclude=["outside_recipient_key"])
register_audited(ReleaseStatusChange)


# --- Shares, external requests, pressure reports ---
# (Care-coordination sharing issue. Releases and the consent gate are above.)

# No 0/O or 1/I: references are read aloud and typed.
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _reference(prefix):
    return prefix + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def new_share_reference():
    return _reference("REF-")


def new_external_request_reference():
    return _reference("EXT-")


def new_pressure_reference():
    return _reference("PR-")


# Share only what is most necessary: each purpose carries a minimal set of data
# categories. Anything beyond it needs a written justification.
PURPOSE_DEFAULT_CATEGORIES = {
    Purpose.HOUSING_PLACEMENT: frozenset(
        {DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.DEMOGRAPHICS, DataCategory.HOUSING_HISTORY}
    ),
    Purpose.COUNSELING: frozenset({DataCategory.IDENTITY, DataCategory.CONTACT}),
    Purpose.FOOD_ASSISTANCE: frozenset({DataCategory.IDENTITY, DataCategory.CONTACT}),
    Purpose.UTILITY_ASSISTANCE: frozenset({DataCategory.IDENTITY, DataCategory.CONTACT}),
    Purpose.CARE_COORDINATION: frozenset({DataCategory.IDENTITY, DataCategory.CONTACT}),
}


class PartnerContact(models.Model):
    """A named contact at a partner agency (who referrals are coordinated with),
    verified by the system admin like the agency itself. Staff data, not client data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("hmis.Agency", on_delete=models.CASCADE, related_name="partner_contacts")
    name = models.CharField(max_length=150)
    role_title = models.CharField("role", max_length=150, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification_method = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "name"]

    def __str__(self):
        return f"Contact {self.pk}"

    @property
    def is_verified(self):
        return self.verified_at is not None


def category_labels(values) -> list[str]:
    """Plain words for stored data-category values, in the order given."""
    labels = dict(DataCategory.choices)
    return [labels.get(v, v) for v in values]


class Share(StatusMachine):
    """A referral: one client's data, in the named categories, for one purpose,
    from one agency to one verified partner, authorised by a release.

    Access is live, not a copy: the recipient agency's group holds guardian's
    ``view_client`` on the client while the share is live and consented, and
    every opening re-checks the consent gate (``sharing.queries.get_share_for``).
    """

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Ended"

    TRANSITIONS = {
        (Status.SENT, Status.ACCEPTED): "Accept referral",
        (Status.SENT, Status.DECLINED): "Decline referral",
        (Status.SENT, Status.WITHDRAWN): "Withdraw referral",
        (Status.SENT, Status.EXPIRED): "End",  # the system: release ended, end date passed
        (Status.ACCEPTED, Status.WITHDRAWN): "Withdraw referral",
        (Status.ACCEPTED, Status.EXPIRED): "End",
    }
    LIVE = (Status.SENT, Status.ACCEPTED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_share_reference, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="shares")
    from_agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="shares_sent")
    to_agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="shares_received")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    categories = ArrayField(models.CharField(max_length=20, choices=DataCategory.choices))
    justification = EncryptedTextField(
        blank=True, help_text="Why categories beyond the purpose's minimal set are necessary."
    )
    # The release that authorised the share when it was sent. Every opening asks the gate again.
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="shares")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    response_note = EncryptedCharField(max_length=500, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = EncryptedCharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["to_agency", "status", "-sent_at"], name="share_inbox_idx"),
            models.Index(fields=["client", "to_agency", "status"], name="share_client_recipient_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(from_agency=models.F("to_agency")), name="share_not_to_own_agency"),
        ]

    def __str__(self):
        return f"Referral {self.reference}"

    @property
    def category_labels(self) -> list[str]:
        return category_labels(self.categories)

    @property
    def is_live(self):
        return self.status in self.LIVE and self.expires_at > timezone.now()

    def status_moved(self, old, new, *, by, at, note):
        if new in (self.Status.ACCEPTED, self.Status.DECLINED):
            self.responded_by, self.responded_at, self.response_note = by, at, note[:500]
        if new not in self.LIVE:
            self.ended_at, self.end_reason = at, note[:200]


class ShareStatusChange(StatusHistory):
    """Each move of a referral's status (and its sending): who (empty for the system), when, why."""

    subject = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="status_changes")


class ExternalRequest(StatusMachine):
    """A request for HMIS data from outside (police, government, a court, media...).

    Staff record it and it goes to the HMIS lead (system admin) at once; only
    the system admin reviews, answers or declines it. It has no link to any
    client on purpose: staff cannot attach client data to it.
    """

    class RequesterType(models.TextChoices):
        LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
        GOVERNMENT = "government", "Government agency"
        COURT_ORDER = "court_order", "Court order or subpoena"
        MEDIA = "media", "Media"
        RESEARCHER = "researcher", "Researcher"
        UNKNOWN_CALLER = "unknown_caller", "Unknown caller"
        OTHER = "other", "Other"

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "E-mail"
        IN_PERSON = "in_person", "In person"
        LETTER = "letter", "Letter or fax"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        ROUTED = "routed", "Routed to the HMIS lead"
        UNDER_REVIEW = "under_review", "Under review"
        ANSWERED = "answered", "Answered"
        DECLINED = "declined", "Declined"

    TRANSITIONS = {
        (Status.ROUTED, Status.UNDER_REVIEW): "Start review",
        (Status.ROUTED, Status.ANSWERED): "Record answer and close",
        (Status.ROUTED, Status.DECLINED): "Decline and close",
        (Status.UNDER_REVIEW, Status.ANSWERED): "Record answer and close",
        (Status.UNDER_REVIEW, Status.DECLINED): "Decline and close",
    }
    CLOSED = (Status.ANSWERED, Status.DECLINED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_external_request_reference, editable=False)
    agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="+")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    requester_name = EncryptedTextField("who asked")
    requester_organisation = EncryptedTextField("their organisation", blank=True)
    requester_type = models.CharField("type", max_length=20, choices=RequesterType.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    what_was_asked = EncryptedTextField()
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.ROUTED)
    answer = EncryptedTextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"External request {self.reference}"

    def status_moved(self, old, new, *, by, at, note):
        if new in self.CLOSED:
            self.answered_by, self.answered_at = by, at


class ExternalRequestStatusChange(StatusHistory):
    """Each move of an external request's status (and its recording): who, when."""

    subject = models.ForeignKey(ExternalRequest, on_delete=models.CASCADE, related_name="status_changes")


class PressureReport(models.Model):
    """ "Someone is pushing for access": goes to the agency's supervisors and is logged."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_pressure_reference, editable=False)
    agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)
    note = EncryptedTextField(blank=True)
    security_event = models.ForeignKey(
        "hmis.SecurityEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = EncryptedCharField(max_length=500, blank=True)
    incident_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self):
        return f"Pressure report {self.reference}"


class Disclosure(models.Model):
    """A disclosure of client data to a recipient outside HMIS, made under an
    additional release the client asked for that names the recipient. It is
    also an access event (``DISCLOSURE``), so it appears in the client's
    access history (the accounting of disclosures)."""

    class Method(models.TextChoices):
        PHONE = "phone", "By phone"
        IN_PERSON = "in_person", "In person"
        SECURE_PORTAL = "secure_portal", "Secure portal or encrypted transfer"
        MAIL = "mail", "Postal mail"
        OTHER = "other", "Other secure, agency-approved method"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="disclosures")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="disclosures")
    agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="+")
    recipient = EncryptedCharField("disclosed to", max_length=200)
    categories = ArrayField(models.CharField(max_length=20, choices=DataCategory.choices))
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    description = EncryptedTextField("what was disclosed", blank=True)
    disclosed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-disclosed_at"]

    def __str__(self):
        return f"Disclosure {self.pk}"


register_audited(PartnerContact)
register_audited(Disclosure)
register_audited(Share)
register_audited(ExternalRequest)
register_audited(PressureReport)
