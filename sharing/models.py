# Consent releases and care-coordination shares: see the consent and sharing issues.


# --- Shares, external requests, pressure reports ---
# (Care-coordination sharing issue. Releases and the consent gate are above.)

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hmis.audit import register_audited
from hmis.crypto import EncryptedTextField

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
    "housing_placement": frozenset({"identity", "contact", "demographics", "housing_history"}),
    "counseling": frozenset({"identity", "contact"}),
    "food_assistance": frozenset({"identity", "contact"}),
    "utility_assistance": frozenset({"identity", "contact"}),
    "care_coordination": frozenset({"identity", "contact"}),
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


class StatusChange(models.Model):
    """One move of a status machine (shares, external requests): who, when, why."""

    id = models.BigAutoField(primary_key=True)
    subject_type = models.CharField(max_length=60)
    subject_id = models.UUIDField()
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="statuschange_subject_idx")]

    def __str__(self):
        return f"{self.subject_type} {self.from_status}->{self.to_status}"


class Share(models.Model):
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

    # The status machine, as data: which moves are allowed.
    TRANSITIONS = {
        Status.SENT: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN, Status.EXPIRED},
        Status.ACCEPTED: {Status.WITHDRAWN, Status.EXPIRED},
        Status.DECLINED: set(),
        Status.WITHDRAWN: set(),
        Status.EXPIRED: set(),
    }
    LIVE = (Status.SENT, Status.ACCEPTED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_share_reference, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="shares")
    from_agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="shares_sent")
    to_agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="shares_received")
    purpose = models.CharField(max_length=30)
    categories = ArrayField(models.CharField(max_length=30))
    justification = models.TextField(
        blank=True, help_text="Why categories beyond the purpose's minimal set are necessary."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    response_note = models.CharField(max_length=500, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)

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
    def is_live(self):
        return self.status in self.LIVE and self.expires_at > timezone.now()


class Notice(models.Model):
    """An in-app notice to one user. The text never holds PII: references,
    agency names and a link only (the e-mail copy carries the same)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notice_inbox_idx")]

    def __str__(self):
        return f"Notice {self.pk}"


class ExternalRequest(models.Model):
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
        Status.ROUTED: {Status.UNDER_REVIEW, Status.ANSWERED, Status.DECLINED},
        Status.UNDER_REVIEW: {Status.ANSWERED, Status.DECLINED},
        Status.ANSWERED: set(),
        Status.DECLINED: set(),
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


class PressureReport(models.Model):
    """ "Someone is pushing for access": goes to the agency's supervisors and is logged."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_pressure_reference, editable=False)
    agency = models.ForeignKey("hmis.Agency", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)
    note = EncryptedTextField(blank=True)
    security_event = models.ForeignKey(
        "incidents.SecurityEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)
    incident_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self):
        return f"Pressure report {self.reference}"


register_audited(PartnerContact)
register_audited(Share)
register_audited(Notice, exclude=["read_at", "emailed_at"])
register_audited(ExternalRequest)
register_audited(PressureReport)
