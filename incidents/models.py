"""Incidents (reported by staff or opened by a rule from security events),
their timeline, corrective actions, escalation notifications and breach
notices, and the links from security events (``hmis.SecurityEvent``, the
core's) to the incidents opened for them.

No client data is typed into a field here. Affected clients are picked from
the reporter's own list and linked through ``AffectedClient``;
``affected_count`` holds the number of affected people for the breach rules.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from hmis.audit import register_audited
from hmis.crypto import EncryptedCharField, EncryptedTextField
from hmis.status import StatusHistory, StatusMachine


class Category(models.TextChoices):
    SUSPECTED_UNAUTHORIZED_ACCESS = "unauthorized_access", "Suspected unauthorized access"
    PHISHING = "phishing", "Phishing"
    SHARED_CREDENTIALS = "shared_credentials", "Shared credentials"
    LOST_DEVICE = "lost_device", "Lost or stolen device"
    MISDIRECTED_DISCLOSURE = "misdirected_disclosure", "Misdirected disclosure"
    REPEATED_FAILED_LOGINS = "failed_logins", "Repeated failed logins"
    PII_IN_VIEW = "pii_in_view", "PII left in view"
    SUSPICIOUS_ACCESS_REQUEST = "suspicious_request", "Suspicious access request"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# Severity an incident starts with until the security officer triages it.
DEFAULT_SEVERITY = {
    Category.SUSPECTED_UNAUTHORIZED_ACCESS: Severity.HIGH,
    Category.PHISHING: Severity.MEDIUM,
    Category.SHARED_CREDENTIALS: Severity.HIGH,
    Category.LOST_DEVICE: Severity.HIGH,
    Category.MISDIRECTED_DISCLOSURE: Severity.HIGH,
    Category.REPEATED_FAILED_LOGINS: Severity.MEDIUM,
    Category.PII_IN_VIEW: Severity.MEDIUM,
    Category.SUSPICIOUS_ACCESS_REQUEST: Severity.MEDIUM,
    Category.OTHER: Severity.MEDIUM,
}


class Status(models.TextChoices):
    REPORTED = "reported", "Reported"
    TRIAGED = "triaged", "Triaged"
    CONTAINED = "contained", "Contained"
    CORRECTIVE_ACTION = "corrective_action", "Corrective action"
    CLOSED = "closed", "Closed"


class Determination(models.TextChoices):
    UNDETERMINED = "undetermined", "Undetermined"
    BREACH = "yes", "Yes, a breach"
    NOT_BREACH = "no", "Not a breach"


class ReferenceCounter(models.Model):
    """The last incident number issued per year (``INC-2026-00042``).

    Incremented with one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``,
    so two reports at the same moment never get the same number.
    """

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class Incident(StatusMachine):
    class Source(models.TextChoices):
        REPORT = "report", "Reported by staff"
        RULE = "rule", "Opened automatically by a rule"

    # ``incidents.actions.move_incident`` makes the forward moves (closing
    # needs ``closing_problems()`` empty); ``reopen_incident`` the reopening,
    # which needs a reason.
    TRANSITIONS = {
        (Status.REPORTED, Status.TRIAGED): "Mark triaged",
        (Status.TRIAGED, Status.CONTAINED): "Mark contained",
        (Status.CONTAINED, Status.CORRECTIVE_ACTION): "Start corrective action",
        (Status.CORRECTIVE_ACTION, Status.CLOSED): "Close incident",
        (Status.CLOSED, Status.CORRECTIVE_ACTION): "Reopen",
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    agency = models.ForeignKey("hmis.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="reported_incidents"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.REPORT)
    category = models.CharField(max_length=30, choices=Category.choices)
    occurred_at = models.DateTimeField()
    discovered_at = models.DateTimeField()
    reported_at = models.DateTimeField(default=timezone.now)
    # Not client data by policy (the form says so), yet people slip: the free
    # text of an incident is encrypted and never put in an e-mail.
    description = EncryptedTextField(max_length=4000)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REPORTED)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_incidents"
    )
    determination = models.CharField(max_length=15, choices=Determination.choices, default=Determination.UNDETERMINED)
    affected_count = models.PositiveIntegerField("number of affected people", default=0)
    affected_state = models.CharField(
        "state where the affected people live",
        max_length=2,
        default="WA",
        help_text="Two-letter US state code; decides which state's notification rule applies.",
    )
    summary = EncryptedTextField("closing summary", blank=True, max_length=4000)
    waiver = EncryptedTextField("waiver of open corrective actions", blank=True, max_length=2000)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_to_admin_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # For incidents a rule opened: which rule and for what (an account, a user
    # id). At most one open incident per rule and key.
    rule = models.CharField(max_length=40, blank=True)
    rule_key = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The security events behind it (through ``SecurityEventLink``).
    security_events = models.ManyToManyField(
        "hmis.SecurityEvent", through="SecurityEventLink", related_name="incidents", blank=True
    )

    class Meta:
        ordering = ["-reported_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discovered_at__gte=F("occurred_at")), name="incident_discovered_after_occurred"
            ),
            models.UniqueConstraint(
                fields=["rule", "rule_key"],
                condition=~Q(rule="") & ~Q(status="closed"),
                name="incident_one_open_per_rule_key",
            ),
        ]
        indexes = [models.Index(fields=["agency", "status", "-reported_at"], name="incident_agency_status_idx")]

    def __str__(self):
        return self.reference

    @property
    def is_open(self):
        return self.status != Status.CLOSED

    def status_moved(self, old, new, *, by, at, note):
        self.closed_at = at if new == Status.CLOSED else None

    def closing_problems(self) -> list[str]:
        """What still stands between this incident and ``closed`` (empty when it may close)."""
        problems = []
        if self.determination == Determination.UNDETERMINED:
            problems.append("Record the breach determination (yes or no).")
        if not self.summary.strip():
            problems.append("Write a closing summary.")
        if not self.waiver.strip():
            actions = list(self.corrective_actions.all())
            if not actions:
                problems.append("Record at least one corrective action (or a system administrator's waiver).")
            elif any(a.done_at is None for a in actions):
                problems.append("Complete every corrective action (or a system administrator's waiver).")
            elif any(a.verified_at is None for a in actions):
                problems.append(
                    "The security officer verifies every corrective action (or a system administrator's waiver)."
                )
        from incidents.deadlines import unrecorded_notifications  # the rules module imports this one

        problems.extend(unrecorded_notifications(self))
        return problems

    def clean(self):
        now = timezone.now() + timedelta(minutes=5)  # small allowance for clock skew
        errors = {}
        if self.occurred_at and self.occurred_at > now:
            errors["occurred_at"] = "When it happened cannot be in the future."
        if self.discovered_at and self.discovered_at > now:
            errors["discovered_at"] = "When it was discovered cannot be in the future."
        if self.occurred_at and self.discovered_at and self.discovered_at < self.occurred_at:
            errors.setdefault("discovered_at", "It cannot have been discovered before it happened.")
        if self.affected_state and not (len(self.affected_state) == 2 and self.affected_state.isalpha()):
            errors["affected_state"] = "Use a two-letter state code such as WA."
        if errors:
            raise ValidationError(errors)


class IncidentStatusChange(StatusHistory):
    """Each move of an incident's status: the machine's record. The timeline
    (``TimelineEntry``) tells the same moves, with everything else, as the
    story the security officer reads."""

    subject = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_changes")


class TimelineEntry(models.Model):
    """One thing that happened to an incident: who, when, what. Never client data."""

    class Kind(models.TextChoices):
        REPORTED = "reported", "Reported"
        OPENED_BY_RULE = "opened_by_rule", "Opened by a rule"
        STATUS = "status", "Status changed"
        TRIAGE = "triage", "Severity or assignee set"
        DETERMINATION = "determination", "Breach assessment recorded"
        ACTION_ADDED = "action_added", "Corrective action added"
        ACTION_DONE = "action_done", "Corrective action done"
        ACTION_VERIFIED = "action_verified", "Corrective action verified"
        WAIVED = "waived", "Corrective actions waived"
        ACKNOWLEDGED = "acknowledged", "Escalation acknowledged"
        ESCALATION = "escalation", "Escalation"
        SECURITY_EVENT = "security_event", "Related security event"
        BREACH_NOTICE = "breach_notice", "Breach notification recorded"
        REOPENED = "reopened", "Reopened"

    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = EncryptedCharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class CorrectiveAction(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="corrective_actions")
    what = EncryptedCharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="corrective_actions")
    due_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "created_at"]

    def __str__(self):
        # Not ``what``: the audit log stores this as the object's name.
        return f"Corrective action {self.pk}"

    @property
    def is_overdue(self):
        return self.done_at is None and self.due_on < timezone.localdate()


class RecipientRole(models.TextChoices):
    SECURITY_OFFICER = "security_officer", "Agency security officer"
    AGENCY_LEAD = "agency_lead", "Agency HMIS lead"
    HMIS_LEAD = "hmis_lead", "HMIS Lead Administrator"
    VENDOR_SUPPORT = "vendor_support", "Vendor support"
    # Only when an escalation stays unacknowledged past the reminder limit.
    SYSTEM_ADMIN = "system_admin", "System administrator (unacknowledged escalation)"


class Notification(models.Model):
    """One escalation e-mail to one recipient of one incident.

    The database is the source of truth; Celery only delivers. States:
    ``pending`` (to send) -> ``sending`` (claimed, with a lease and a claim
    token) -> ``handed_off`` (the message body is on the wire; only the final
    "." is left) -> ``sent``, never sent again. A worker that dies before
    ``handed_off`` leaves a claim whose lease expires, and the row is sent
    again (the SMTP server never received the terminating "." so it delivered
    nothing). A worker that dies after ``handed_off`` may or may not have had
    the message accepted (relays keep or drop a message whose sender hung up):
    the row becomes ``unconfirmed`` and, after the lease, is sent again with
    the same ``message_id`` (made once with the row), so nobody goes without
    it and a second copy is the same message; the timeline notes the re-send.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        HANDED_OFF = "handed_off", "Handed to the mail server"
        SENT = "sent", "Sent"
        UNCONFIRMED = "unconfirmed", "Delivery not confirmed (check with the recipient)"
        FAILED = "failed", "Failed after every retry"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    role = models.CharField(max_length=20, choices=RecipientRole.choices)
    address = models.EmailField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message_id = models.CharField(max_length=200, editable=False)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "role", "address"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "role", "address"], name="notification_one_per_recipient"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notification_state_idx")]

    def __str__(self):
        return f"{self.get_role_display()} {self.address}"

    @property
    def expects_acknowledgement(self):
        return self.role != RecipientRole.VENDOR_SUPPORT


class BreachNotice(models.Model):
    """A breach notification that was made: to whom, when, how, by whom, how many.

    The rules in ``incidents.deadlines`` say which audiences a breach must
    reach; an incident with a breach determination cannot close while one of
    them has no record here.
    """

    class Audience(models.TextChoices):
        AFFECTED_PEOPLE = "affected_people", "The affected people"
        HHS = "hhs", "HHS (Office for Civil Rights)"
        MEDIA = "media", "Prominent media"
        STATE_AG = "state_ag", "The state Attorney General"
        HMIS_LEAD = "hmis_lead", "The HMIS lead"

    class Method(models.TextChoices):
        LETTER = "letter", "First-class letter"
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Telephone"
        WEB_FORM = "web_form", "Online form or portal"
        PRESS_RELEASE = "press_release", "Press release"
        SUBSTITUTE = "substitute", "Substitute notice (website or media)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="breach_notices")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    notified_on = models.DateField("date notified")
    method = models.CharField(max_length=20, choices=Method.choices)
    notified_count = models.PositiveIntegerField("how many were notified")
    # Who sent it (a name or office) and any details: free text, so encrypted.
    sent_by = EncryptedCharField("sent by", max_length=200)
    details = EncryptedTextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["notified_on", "recorded_at"]

    def __str__(self):
        return f"Breach notice {self.pk}"


register_audited(BreachNotice)
register_audited(Incident)
register_audited(TimelineEntry)
register_audited(CorrectiveAction)
# Rows are created in bulk and delivery bookkeeping changes through conditional
# updates (no save signals: the row's own columns are that record); a person's
# acknowledgement is saved normally and so audited.
register_audited(Notification)


class AffectedClient(models.Model):
    """A client an incident may have exposed, picked from the reporter's own
    clients (never typed). Pages show the client's reference code only."""

    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected_clients")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "client"], name="affected_client_once_per_incident")]

    def __str__(self):
        return f"Affected client of {self.incident_id}"


register_audited(AffectedClient)


class SecurityEventLink(models.Model):
    """The incident a rule opened (or found open) because of a security event:
    at most one per event. Written by ``incidents.actions`` only."""

    id = models.BigAutoField(primary_key=True)
    security_event = models.OneToOneField("hmis.SecurityEvent", on_delete=models.CASCADE, related_name="incident_link")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")

    def __str__(self):
        return f"Security event {self.security_event_id} of {self.incident_id}"
