"""Security events (the raw signals) and, later, the incidents built on them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from hmis.audit import register_audited


class SecurityEvent(models.Model):
    """Something a security officer should see: a lockout, a session ended by a
    second sign-in, a refused network location. No client data is stored here."""

    class Kind(models.TextChoices):
        LOCKOUT = "lockout", "Account locked after failed sign-ins"
        UNLOCK = "unlock", "Account unlocked"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        SECOND_FACTOR_FAILED = "second_factor_failed", "Wrong second-factor code"
        SESSION_REPLACED = "session_replaced", "Older session ended by a new sign-in"
        NETWORK_REFUSED = "network_refused", "Sign-in or request from a network the agency does not allow"
        USER_DEACTIVATED = "user_deactivated", "User deactivated"
        BACKUP_CODE_USED = "backup_code_used", "Backup code used to sign in"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    agency = models.ForeignKey("hmis.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="security_events"
    )
    # The username as typed, for failures on accounts that may not exist. Staff
    # usernames are not client data; they are shown only to security officers.
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["agency", "kind", "-at"], name="secevent_agency_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


register_audited(SecurityEvent)
