"""The cross-cutting core: agencies, staff users and their roles, invitations,
the access-event log that every app writes to, security events and in-app
notices (both written by every app, read by the core's pages)."""

import ipaddress
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from hmis.crypto import EncryptedCharField, EncryptedTextField
from hmis.signin_names import username_label


class Role(models.TextChoices):
    """The five roles of DESIGN.md section 1; each is a Django group of the same name."""

    INTAKE = "intake", "Intake staff"
    SUPERVISOR = "supervisor", "Supervisor"
    SECURITY_OFFICER = "security_officer", "Security officer"
    AGENCY_LEAD = "agency_lead", "Agency HMIS lead"
    SYSTEM_ADMIN = "system_admin", "System administrator (HMIS Lead Administrator)"


def validate_networks(value):
    for entry in value or []:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValidationError(f"{entry!r} is not a network such as 10.20.0.0/16.") from None


class Agency(models.Model):
    class Kind(models.TextChoices):
        PARTNER = "partner", "Partner agency"
        LEAD = "lead", "HMIS lead organisation"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PARTNER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    is_victim_service_provider = models.BooleanField(
        "victim service provider",
        default=False,
        help_text="VAWA: this agency may only create de-identified client records.",
    )
    phone = models.CharField("phone on file", max_length=40, blank=True)
    # Printed on the copy a client takes home (clients.views.records.client_copy): public agency facts, no client data.
    client_contact = models.TextField(
        "how clients reach the agency",
        max_length=500,
        blank=True,
        help_text="Address, phone and opening hours, as a client should read them.",
    )
    grievance_contact = models.TextField(
        "how clients complain",
        max_length=500,
        blank=True,
        help_text="Who handles privacy complaints and grievances, and how to reach them.",
    )
    # Verification by the system admin (who, when, how): only verified, active
    # agencies can receive shared client data.
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification_method = models.CharField(max_length=200, blank=True)
    verification_notes = models.TextField(blank=True)
    # Why the system admin last suspended the agency (free text, so encrypted).
    suspension_reason = EncryptedTextField(max_length=500, blank=True)
    allowed_networks = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        validators=[validate_networks],
        help_text="CIDR ranges staff must sign in from (for example the agency VPN). Empty: any.",
    )
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def can_receive_shares(self) -> bool:
        return self.is_verified and self.status == self.Status.ACTIVE

    def allows_ip(self, ip: str | None) -> bool:
        if not self.allowed_networks:
            return True
        try:
            address = ipaddress.ip_address(ip or "")
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in self.allowed_networks)


class User(AbstractUser):
    """A staff member of one agency. Roles are the groups named in ``Role``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="users", null=True)
    # The one live session this user may have; any other session is ended.
    live_session_key = models.CharField(max_length=64, blank=True, editable=False)
    deactivated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # HUD and the region: access only while the current user agreement is
    # accepted and privacy training is less than a year old.
    agreement_version = models.CharField(max_length=20, blank=True, editable=False)
    agreement_accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    privacy_training_on = models.DateField("privacy training completed", null=True, blank=True)
    # When a lead last reset this sign-in: the password alone may enrol a new
    # authenticator only within HMIS_INVITATION_HOURS of it.
    sign_in_reset_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["username"]

    @property
    def role_names(self) -> set[str]:
        if not hasattr(self, "_role_cache"):
            valid = set(Role.values)
            self._role_cache = {g.name for g in self.groups.all() if g.name in valid}
        return self._role_cache

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names & set(roles))

    @property
    def is_system_admin(self) -> bool:
        return Role.SYSTEM_ADMIN in self.role_names

    def training_expires_on(self):
        if self.privacy_training_on is None:
            return None
        return self.privacy_training_on + timedelta(days=settings.HMIS_TRAINING_VALID_DAYS)

    def standing(self, today=None) -> str | None:
        """Why this account may not work now: "agreement", "training", or None (it may)."""
        if self.agreement_version != settings.HMIS_USER_AGREEMENT_VERSION:
            return "agreement"
        expires = self.training_expires_on()
        if expires is None or expires <= (today or timezone.localdate()):
            return "training"
        return None

    def training_current(self, today=None) -> bool:
        expires = self.training_expires_on()
        return expires is not None and expires > (today or timezone.localdate())

    def training_due_soon(self, today=None) -> bool:
        expires = self.training_expires_on()
        today = today or timezone.localdate()
        return expires is not None and today < expires <= today + timedelta(days=settings.HMIS_TRAINING_WARNING_DAYS)

    def role_labels(self) -> list[str]:
        return [label for value, label in Role.choices if value in self.role_names]


class Invitation(models.Model):
    """A one-time link that lets an invited user set their first password.

    Only a SHA-256 of the token is stored, so a database reader cannot use it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Invitation {self.id}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class AccessEvent(models.Model):
    """Who opened or revealed what, when and why: the accounting of
    disclosures. Written only through ``hmis.audit.record_access``."""

    class Action(models.TextChoices):
        VIEW = "view", "Opened"
        REVEAL = "reveal", "Revealed a field"
        EDIT = "edit", "Edited"
        CREATE = "create", "Created"
        SEARCH_MATCH = "search_match", "Found in a search"
        EXPORT = "export", "Exported"
        SHARE_OPEN = "share_open", "Opened through a referral"
        EVIDENCE_VIEW = "evidence_view", "Viewed consent evidence"
        DISCLOSURE = "disclosure", "Disclosed outside HMIS"
        PRINT = "print", "Printed"
        MERGE = "merge", "Merged with a duplicate record"
        UNMERGE = "unmerge", "Merge undone"

    class Reason(models.TextChoices):
        SERVICE = "service", "Providing services to this client"
        INTAKE = "intake", "Intake or assessment"
        DATA_QUALITY = "data_quality", "Correcting data quality"
        CLIENT_REQUEST = "client_request", "The client asked"
        CARE_COORDINATION = "care_coordination", "Care coordination"
        SECURITY_REVIEW = "security_review", "Security or privacy review"
        OTHER = "other", "Other (explain)"

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Indexed by ``access_actor_idx`` (actor first).
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="access_events", db_index=False)
    actor_agency = models.ForeignKey(Agency, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    subject_type = models.CharField(max_length=60)  # "clients.client", ...
    subject_id = models.UUIDField()
    fields = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    # Free text typed with a reason, or the recipient of a disclosure: encrypted.
    reason_text = EncryptedCharField(max_length=500, null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-at"], name="access_subject_idx"),
            models.Index(fields=["actor", "-at"], name="access_actor_idx"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.subject_type} {self.subject_id}"


class PasskeyRule(models.Model):
    """The system admin's passkey policy: whether a role (at one agency, or at
    every agency when ``agency`` is empty) must use a passkey as the second
    factor, and how many days a user it newly applies to has to add one.

    An agency's own rule for a role overrides the every-agency rule for that
    role; a user with several roles is under the policy if any role is.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    role = models.CharField(max_length=30, choices=Role.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    required = models.BooleanField(default=True)
    grace_days = models.PositiveSmallIntegerField(default=14)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["role", "agency"], name="passkey_rule_one_per_role_and_agency", nulls_distinct=False
            )
        ]
        ordering = ["role", "agency__name"]

    def __str__(self):
        where = self.agency.name if self.agency_id else "every agency"
        return f"{self.get_role_display()} at {where}: {'required' if self.required else 'optional'}"


class PasskeyGrace(models.Model):
    """When the "passkey required" policy first applied to a user: the grace
    period counts from here. A lead's "reset sign-in" deletes it (a new start)."""

    user = models.OneToOneField(User, primary_key=True, on_delete=models.CASCADE, related_name="passkey_grace")
    started_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"passkey grace of {self.user_id} from {self.started_at:%Y-%m-%d}"


class SecurityEvent(models.Model):
    """Something a security officer should see: a lockout, a session ended by a
    second sign-in, a refused network location. No client data is stored here.

    Written only through ``hmis.actions.record_security_event``, which sends
    ``hmis.signals.security_event_recorded``; the incidents app links events to
    the incidents its rules open (a table it owns)."""

    class Kind(models.TextChoices):
        LOCKOUT = "lockout", "Account locked after failed sign-ins"
        UNLOCK = "unlock", "Account unlocked"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        SECOND_FACTOR_FAILED = "second_factor_failed", "Wrong second-factor code"
        SESSION_REPLACED = "session_replaced", "Older session ended by a new sign-in"
        NETWORK_REFUSED = "network_refused", "Sign-in or request from a network the agency does not allow"
        USER_DEACTIVATED = "user_deactivated", "User deactivated"
        BACKUP_CODE_USED = "backup_code_used", "Backup code used to sign in"
        ROLES_CHANGED = "roles_changed", "Roles changed"
        REAUTH_FAILED = "reauth_failed", "Wrong current password when confirming an account change"
        NO_USABLE_FACTOR = "no_usable_factor", "Sign-in refused: no authenticator and no unused backup code"
        PASSKEY_FAILED = "passkey_failed", "Passkey refused at sign-in"
        PASSKEY_ADDED = "passkey_added", "Passkey added"
        PASSKEY_REMOVED = "passkey_removed", "Passkey removed"
        PASSKEY_RENAMED = "passkey_renamed", "Passkey renamed"
        PASSKEY_MISSING = "passkey_missing", "Sign-in refused: a passkey is required and none was added in time"
        # Reported by the sharing app when someone pushes staff for access.
        PRESSURE_REPORT = "pressure_report", "Someone pushed for access to client data"
        # Raised by the incidents rules from access events.
        BULK_ACCESS = "bulk_access", "Many distinct clients opened in a short time"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="security_events")
    # The account's username, or for a username that names no account only its
    # length and keyed hash (``hmis.signin_names``). Shown only to security officers.
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["agency", "kind", "-at"], name="secevent_agency_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def account_label(self) -> str:
        return username_label(self.username)


class Notice(models.Model):
    """An in-app notice to one user. The text never holds PII: references,
    agency names and a link only (the e-mail copy carries the same)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
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
