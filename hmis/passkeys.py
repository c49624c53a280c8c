"""Passkeys (WebAuthn, FIDO2) as a second factor, through django-otp-webauthn.

A passkey is a django-otp device (``WebAuthnCredential``) bound to our relying
party id and origins, so a fake sign-in page cannot replay it the way it can a
typed code. This module holds:

- ``Helper``: the package's WebAuthn helper, reading our settings per request;
- the policy (``PasskeyRule``, set by the system admin): who must use a
  passkey, and until when they may still sign in without one;
- the writes (add in two steps, rename, remove), each audited on the user
  and recorded as a security event;
- the sign-in ceremony, and ``second_factor_failed``, which counts a refused
  passkey like a wrong code (a security event and a django-axes failure).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from webauthn.helpers.structs import ResidentKeyRequirement

from hmis import permissions
from hmis.actions import record_security_event
from hmis.audit import acting_as
from hmis.models import PasskeyGrace, PasskeyRule, Role, SecurityEvent
from hmis.network import client_ip

REGISTER_STATE = "hmis_passkey_register_state"
SIGN_IN_STATE = "hmis_passkey_sign_in_state"
NAME_MAX_LENGTH = 60


class Helper(WebAuthnHelper):
    """``OTP_WEBAUTHN_HELPER_CLASS``: the relying party id and origins from our settings."""

    def get_relying_party_domain(self) -> str:
        return settings.HMIS_WEBAUTHN_RP_ID

    def get_allowed_origins(self) -> list[str]:
        return list(settings.HMIS_WEBAUTHN_ORIGINS)

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        # A second factor after the password: security keys with little memory work too.
        return ResidentKeyRequirement.PREFERRED


# --- The policy --------------------------------------------------------------------------


@dataclass(frozen=True)
class PasskeyStanding:
    """Where a user stands under the passkey policy at ``now``."""

    required: bool
    has_passkey: bool
    deadline: datetime | None  # from then on, signing in needs a passkey
    now: datetime

    @property
    def passkey_only(self) -> bool:
        """The grace period is over: a code no longer passes the second step."""
        return self.required and self.deadline is not None and self.now >= self.deadline

    @property
    def locked_out(self) -> bool:
        """Under the policy, past the grace period and without a passkey: only the lead can help."""
        return self.passkey_only and not self.has_passkey

    @property
    def should_add(self) -> bool:
        """Under the policy, still in the grace period, no passkey yet: lead them to add one."""
        return self.required and not self.has_passkey and not self.passkey_only


def rules_for(user) -> list[PasskeyRule]:
    """The rule that applies to each of the user's roles: the agency's own, else the every-agency one."""
    chosen: dict[str, PasskeyRule] = {}
    rules = PasskeyRule.objects.filter(role__in=user.role_names).filter(
        Q(agency__isnull=True) | Q(agency_id=user.agency_id)
    )
    for rule in rules:
        if rule.role not in chosen or rule.agency_id is not None:
            chosen[rule.role] = rule
    return list(chosen.values())


def passkey_standing(user, *, start_clock=False) -> PasskeyStanding:
    """The user's standing; ``start_clock`` records when the policy first applied to them
    (done at sign-in), so the grace period counts from that day."""
    now = timezone.now()
    has_passkey = user_passkeys(user).exists()
    required = [rule for rule in rules_for(user) if rule.required]
    if not required:
        return PasskeyStanding(required=False, has_passkey=has_passkey, deadline=None, now=now)
    grace = PasskeyGrace.objects.filter(user=user).first()
    if grace is None and start_clock:
        grace, _created = PasskeyGrace.objects.get_or_create(user=user, defaults={"started_at": now})
    started = grace.started_at if grace is not None else now
    deadline = started + timedelta(days=min(rule.grace_days for rule in required))
    return PasskeyStanding(required=True, has_passkey=has_passkey, deadline=deadline, now=now)


@transaction.atomic
def set_passkey_rule(*, acting_user, role, agency=None, required, grace_days) -> PasskeyRule:
    """The system admin sets whether ``role`` (at ``agency``, or every agency) must use a passkey."""
    _require_policy_admin(acting_user)
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if grace_days is None or not 0 <= grace_days <= 365:
        raise ValidationError({"grace_days": "The grace period is 0 to 365 days."})
    with acting_as(acting_user):
        rule, _created = PasskeyRule.objects.update_or_create(
            role=role, agency=agency, defaults={"required": required, "grace_days": grace_days}
        )
    return rule


@transaction.atomic
def delete_passkey_rule(*, acting_user, rule_id) -> None:
    """Remove a rule: the role falls back to the every-agency rule (or to optional)."""
    _require_policy_admin(acting_user)
    rule = PasskeyRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    with acting_as(acting_user):
        rule.delete()


def _require_policy_admin(user):
    if not permissions.has_permission(user, permissions.MANAGE_PASSKEY_POLICY):
        raise PermissionDenied


# --- The user's passkeys -------------------------------------------------------------------


def user_passkeys(user):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")


def get_passkey_for(user, key: str) -> WebAuthnCredential:
    """One of the user's passkeys by its opaque key (the credential id's hash); others: 404."""
    passkey = user_passkeys(user).filter(credential_id_sha256=key).first()
    if passkey is None:
        raise Http404
    return passkey


def clean_passkey_name(name) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError("Give the passkey a name you will recognise, such as “Work laptop”.")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(f"Keep the name to {NAME_MAX_LENGTH} characters or fewer.")
    return name


def _audit(user, change):
    from auditlog.models import LogEntry

    with acting_as(user):
        LogEntry.objects.log_create(
            user, action=LogEntry.Action.UPDATE, changes={"passkeys": ["", change]}, force_log=True
        )


def begin_registration(*, request) -> dict:
    """Options for ``navigator.credentials.create``; the challenge waits in the session."""
    options, state = Helper(request).register_begin(user=request.user)
    request.session[REGISTER_STATE] = state
    return options


@transaction.atomic
def complete_registration(*, request, name, credential) -> WebAuthnCredential:
    """Check the new passkey against the challenge, our relying party id and origins; store it.

    Raises ``ValidationError`` (a bad name) or the package's API errors (a bad ceremony).
    """
    user = request.user
    name = clean_passkey_name(name)
    state = request.session.pop(REGISTER_STATE, None)
    request.session.save()  # a challenge works once, even if what follows fails
    if not state:
        raise webauthn_errors.InvalidState()
    with rewrite_exceptions(logger=None):
        passkey = Helper(request).register_complete(user=user, state=state, data=credential)
    passkey.name = name
    passkey.save(update_fields=["name"])
    _audit(user, f"added “{name}”")
    record_security_event(
        kind=SecurityEvent.Kind.PASSKEY_ADDED, user=user, ip_address=client_ip(request), detail="Passkey added"
    )
    return passkey


@transaction.atomic
def rename_passkey(*, acting_user, key, name, ip_address=None) -> WebAuthnCredential:
    passkey = get_passkey_for(acting_user, key)
    name = clean_passkey_name(name)
    old = passkey.name
    passkey.name = name
    passkey.save(update_fields=["name"])
    _audit(acting_user, f"renamed “{old}” to “{name}”")
    record_security_event(
        kind=SecurityEvent.Kind.PASSKEY_RENAMED, user=acting_user, ip_address=ip_address, detail="Passkey renamed"
    )
    return passkey


@transaction.atomic
def remove_passkey(*, acting_user, key, ip_address=None) -> None:
    """Remove one of the user's own passkeys. Someone who must sign in with a
    passkey keeps at least one (else their next sign-in is refused)."""
    passkey = get_passkey_for(acting_user, key)
    if passkey_standing(acting_user).passkey_only and user_passkeys(acting_user).count() == 1:
        raise ValidationError("Your role must sign in with a passkey: add another one before removing your last.")
    name = passkey.name
    passkey.delete()
    _audit(acting_user, f"removed “{name}”")
    record_security_event(
        kind=SecurityEvent.Kind.PASSKEY_REMOVED, user=acting_user, ip_address=ip_address, detail="Passkey removed"
    )


# --- Signing in with a passkey ------------------------------------------------------------------


def begin_sign_in(*, request) -> dict:
    """Options for ``navigator.credentials.get``, listing the user's passkeys."""
    options, state = Helper(request).authenticate_begin(user=request.user, require_user_verification=False)
    request.session[SIGN_IN_STATE] = state
    return options


def complete_sign_in(*, request, credential) -> WebAuthnCredential:
    """The passkey that signed this session's challenge, checked against the user's
    passkeys, our relying party id and our origins; raises the package's API errors."""
    state = request.session.pop(SIGN_IN_STATE, None)
    request.session.save()  # never reuse a challenge, also after a failure
    if not state:
        raise webauthn_errors.InvalidState()
    with transaction.atomic(), rewrite_exceptions(logger=None):
        passkey = Helper(request).authenticate_complete(user=request.user, state=state, data=credential)
    if not passkey.confirmed or passkey.user_id != request.user.pk:
        raise webauthn_errors.CredentialDisabled()
    return passkey


def second_factor_failed(request, *, kind=SecurityEvent.Kind.SECOND_FACTOR_FAILED, detail="") -> bool:
    """A wrong code or a refused passkey at the second step: a security event and a
    failed sign-in for django-axes (same username and address as the password
    step). At the lockout limit the session ends; returns whether it did."""
    from hmis.actions import release_live_session

    user = request.user
    record_security_event(kind=kind, user=user, ip_address=client_ip(request), detail=detail)
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    if getattr(request, "axes_locked_out", False):
        release_live_session(user=user, session_key=request.session.session_key)
        logout(request)
        return True
    return False
