"""Every write of the core: one function per business action.

Each takes ``acting_user`` (keyword-only), checks permission, validates,
writes inside one transaction, leaves an audit trail and enqueues work with
``on_commit``. Views, commands and tasks call these; nothing else saves
agencies, users, invitations, security events or notices.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from hmis import permissions
from hmis.audit import acting_as
from hmis.models import Agency, Invitation, Notice, PasskeyGrace, Role, SecurityEvent, User
from hmis.signals import security_event_recorded
from hmis.signin_names import failed_sign_in_name


def _require(user, code):
    if not permissions.has_permission(user, code):
        raise PermissionDenied


def _require_same_agency(acting_user, agency_id):
    if not acting_user.is_system_admin and acting_user.agency_id != agency_id:
        # Same answer as a missing object: outsiders learn nothing.
        raise PermissionDenied


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- Agencies -------------------------------------------------------------------


def role_group(role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=role)
    return group


@transaction.atomic
def create_agency(
    *,
    acting_user,
    name,
    slug,
    kind=Agency.Kind.PARTNER,
    is_victim_service_provider=False,
    phone="",
    allowed_networks=(),
):
    _require(acting_user, permissions.MANAGE_AGENCIES)
    agency = Agency(
        name=name,
        slug=slug,
        kind=kind,
        is_victim_service_provider=is_victim_service_provider,
        phone=phone,
        allowed_networks=list(allowed_networks),
    )
    agency.group = Group.objects.create(name=f"agency:{slug}")
    agency.full_clean()
    with acting_as(acting_user):
        agency.save()
    return agency


_EDITABLE_AGENCY_FIELDS = {
    "name",
    "kind",
    "status",
    "suspension_reason",
    "is_victim_service_provider",
    "phone",
    "allowed_networks",
    "client_contact",
    "grievance_contact",
}


@transaction.atomic
def update_agency(*, acting_user, agency, **changes):
    _require(acting_user, permissions.MANAGE_AGENCIES)
    unknown = set(changes) - _EDITABLE_AGENCY_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(agency, field, value)
    agency.full_clean()
    with acting_as(acting_user):
        agency.save()
    return agency


@transaction.atomic
def update_agency_contact(*, acting_user, client_contact, grievance_contact):
    """The agency lead says how clients reach their agency and how they
    complain; both are printed on every copy a client takes home."""
    _require(acting_user, permissions.EDIT_AGENCY_CONTACT)
    agency = Agency.objects.select_for_update().get(pk=acting_user.agency_id)
    agency.client_contact = (client_contact or "").strip()
    agency.grievance_contact = (grievance_contact or "").strip()
    agency.full_clean()
    with acting_as(acting_user):
        agency.save(update_fields=["client_contact", "grievance_contact"])
    return agency


@transaction.atomic
def record_agency_verification(*, acting_user, agency, method, notes=""):
    """The system admin confirms the agency is who it says (for example a call-back
    to the number already on file). Only verified, active agencies receive shares.
    The one way an agency is verified, from its settings page or the partner directory."""
    _require(acting_user, permissions.MANAGE_AGENCIES)
    if not method.strip():
        raise ValidationError({"verification_method": "Say how the agency was verified."})
    agency.verified_at = timezone.now()
    agency.verified_by = acting_user
    agency.verification_method = method.strip()
    agency.verification_notes = notes.strip()
    with acting_as(acting_user):
        agency.save()
    return agency


# --- Users ------------------------------------------------------------------------


def _check_roles(acting_user, roles):
    roles = set(roles)
    unknown = roles - set(Role.values)
    if unknown:
        raise ValidationError({"roles": "Unknown role."})
    if not roles:
        raise ValidationError({"roles": "Choose at least one role."})
    if Role.SYSTEM_ADMIN in roles and not acting_user.is_system_admin:
        raise ValidationError({"roles": "Only a system administrator can grant that role."})
    return roles


def _set_roles(user, roles):
    keep = [g for g in user.groups.all() if g.name not in Role.values]
    user.groups.set(keep + [role_group(r) for r in roles])
    if user.agency_id:
        user.groups.add(user.agency.group)
    user.__dict__.pop("_role_cache", None)


@transaction.atomic
def invite_user(*, acting_user, agency, username, first_name, last_name, email, roles, privacy_training_on=None):
    """Create an account with no usable password and a 72-hour, one-time link to set one.

    ``privacy_training_on`` records training already completed; without it the
    account works only once the lead records the training.

    Returns ``(user, token)``; the token exists only in the e-mail and the
    caller's response, never in the database.
    """
    _require(acting_user, permissions.MANAGE_USERS)
    _require_same_agency(acting_user, agency.pk)
    roles = _check_roles(acting_user, roles)
    if Role.SYSTEM_ADMIN in roles and agency.kind != Agency.Kind.LEAD:
        raise ValidationError({"roles": "System administrators belong to the HMIS lead organisation."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That username is taken."})
    if privacy_training_on:
        # Training usually comes before the account, so only the other limits apply.
        _check_training_date(privacy_training_on, field="privacy_training_on")
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        agency=agency,
        privacy_training_on=privacy_training_on,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    with acting_as(acting_user):
        user.save()
        _set_roles(user, roles)
        token = _new_invitation(acting_user=acting_user, user=user)
    return user, token


def _new_invitation(*, acting_user, user, reason="invite"):
    from hmis import tasks

    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=token_hash(token),
        created_by=acting_user,
        expires_at=timezone.now() + timedelta(hours=settings.HMIS_INVITATION_HOURS),
    )
    # The token travels only in the task message and the e-mail.
    transaction.on_commit(lambda: tasks.send_invitation_email.delay(str(invitation.pk), token, reason))
    return token


@transaction.atomic
def reissue_invitation(*, acting_user, user):
    _require(acting_user, permissions.MANAGE_USERS)
    _require_same_agency(acting_user, user.agency_id)
    if user.has_usable_password():
        raise ValidationError("This user has already set a password.")
    Invitation.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    return _new_invitation(acting_user=acting_user, user=user)


def invitation_for_token(token: str):
    """The usable invitation for ``token``, or None (expired, used or unknown alike)."""
    invitation = Invitation.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if invitation is None or not invitation.is_usable or not invitation.user.is_active:
        return None
    return invitation


@transaction.atomic
def accept_invitation(*, token, password):
    """Set the first password through a one-time link. The link dies with use."""
    invitation = (
        Invitation.objects.select_for_update().select_related("user").filter(token_hash=token_hash(token)).first()
    )
    if invitation is None or not invitation.is_usable or not invitation.user.is_active:
        raise ValidationError("This link has expired or was already used. Ask your agency's HMIS lead for a new one.")
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    with acting_as(user):
        user.save(update_fields=["password"])
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
    return user


SELF_SERVICE_REFUSED = "Another HMIS lead of your agency or the system administrator does this for you."


def _role_labels(roles) -> str:
    return ", ".join(label for value, label in Role.choices if value in roles) or "none"


@transaction.atomic
def assign_roles(*, acting_user, user, roles):
    """Another lead of the user's agency (or the system admin) sets the user's roles.

    Nobody changes their own roles (separation of duties). A change is a
    security event for the agency's security officer and a notice to the user.
    """
    _require(acting_user, permissions.MANAGE_USERS)
    _require_same_agency(acting_user, user.agency_id)
    if user.pk == acting_user.pk:
        raise ValidationError(f"You cannot change your own roles. {SELF_SERVICE_REFUSED}")
    roles = _check_roles(acting_user, roles)
    before = set(user.role_names)
    if roles == before:
        return user
    with acting_as(acting_user):
        _set_roles(user, roles)
        # auditlog does not see group changes; record them on the user.
        from auditlog.models import LogEntry

        LogEntry.objects.log_create(
            user,
            action=LogEntry.Action.UPDATE,
            changes={"roles": [", ".join(sorted(before)), ", ".join(sorted(roles))]},
            force_log=True,
        )
    record_security_event(
        kind=SecurityEvent.Kind.ROLES_CHANGED,
        user=user,
        actor=acting_user,
        detail=f"{_role_labels(before)} -> {_role_labels(roles)}",
    )
    notify(
        recipients=[user],
        text=f"{acting_user.username} changed your roles to: {_role_labels(roles)}. "
        "If you did not expect this, tell your agency's security officer.",
        link=reverse("dashboard"),
    )
    return user


def end_sessions_of(user):
    """Delete the user's live session (and any stray one) from the store at once."""
    keys = {user.live_session_key} - {""}
    if keys:
        Session.objects.filter(session_key__in=keys).delete()
    User.objects.filter(pk=user.pk).update(live_session_key="")
    user.live_session_key = ""


@transaction.atomic
def deactivate_user(*, acting_user, user, ip_address=None):
    """Switch the account off and end its session now, not at the next timeout."""
    _require(acting_user, permissions.MANAGE_USERS)
    _require_same_agency(acting_user, user.agency_id)
    if user.pk == acting_user.pk:
        raise ValidationError("You cannot deactivate your own account.")
    user.is_active = False
    user.deactivated_at = timezone.now()
    with acting_as(acting_user):
        user.save(update_fields=["is_active", "deactivated_at"])
    end_sessions_of(user)
    record_security_event(kind=SecurityEvent.Kind.USER_DEACTIVATED, user=user, actor=acting_user, ip_address=ip_address)
    return user


@transaction.atomic
def reactivate_user(*, acting_user, user):
    _require(acting_user, permissions.MANAGE_USERS)
    _require_same_agency(acting_user, user.agency_id)
    user.is_active = True
    user.deactivated_at = None
    with acting_as(acting_user):
        user.save(update_fields=["is_active", "deactivated_at"])
    return user


@transaction.atomic
def unlock_account(*, acting_user, user, ip_address=None):
    """Clear django-axes failures for this username after a lockout."""
    from axes.utils import reset

    _require(acting_user, permissions.UNLOCK_ACCOUNTS)
    _require_same_agency(acting_user, user.agency_id)
    cleared = reset(username=user.username)
    record_security_event(
        kind=SecurityEvent.Kind.UNLOCK,
        user=user,
        actor=acting_user,
        ip_address=ip_address,
        detail=f"{cleared} failure record(s) cleared",
    )
    return cleared


# --- Sign-in: second factor and sessions ----------------------------------------


def start_totp_enrolment(*, user) -> TOTPDevice:
    """An unconfirmed authenticator for ``user``; replaced if enrolment restarts."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def verify_totp(*, user, device_id, token) -> TOTPDevice | None:
    """Check a TOTP code. The row lock makes a code work once even when the
    same code arrives in two requests at the same moment: the second waits,
    then sees the advanced ``last_t`` and is refused."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id).first()
    if device is None or not device.verify_token(token):
        return None
    return device


@transaction.atomic
def verify_any_second_factor(*, user, token, ip_address=None):
    """A TOTP code from a confirmed device or an unused backup code; each works once."""
    token = (token or "").strip().replace(" ", "")
    if not token:
        return None
    for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
        if token.isdigit() and device.verify_token(token):
            return device
    for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
        if device.verify_token(token):
            record_security_event(kind=SecurityEvent.Kind.BACKUP_CODE_USED, user=user, ip_address=ip_address)
            return device
    return None


@transaction.atomic
def confirm_totp_enrolment(*, user, device_id, token):
    """Confirm the new authenticator and issue fresh backup codes (shown once)."""
    device = verify_totp(user=user, device_id=device_id, token=token)
    if device is None or device.confirmed:
        return None, []
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, issue_backup_codes(user=user)


def issue_backup_codes(*, user, count=None) -> list[str]:
    """Replace the user's backup codes with ``count`` new single-use ones.

    The device row is kept (only its codes change), so a session verified
    with a backup code stays verified.
    """
    count = count or settings.HMIS_BACKUP_CODE_COUNT
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticToken.objects.filter(device=device).delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def has_confirmed_device(user) -> bool:
    """A usable second factor: a confirmed authenticator or an unused backup code
    (django-otp deletes a backup code when it is used)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True, token_set__isnull=False).exists()
    )


def has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def may_enrol_with_password_alone(user) -> bool:
    """Whether the password alone may set up an authenticator: a new account
    that never enrolled, or within HMIS_INVITATION_HOURS of a lead's "reset
    sign-in" (which deletes every device). A backup-code device left without
    codes shows the account enrolled before, so it does not qualify."""
    if has_totp(user) or StaticDevice.objects.filter(user=user).exists():
        return False
    if user.sign_in_reset_at is None:
        return True
    return timezone.now() - user.sign_in_reset_at <= timedelta(hours=settings.HMIS_INVITATION_HOURS)


SESSION_DEVICE = "hmis_device"  # a hash of the address and browser that signed in
# Left in a session ended by a sign-in elsewhere (instead of the sign-in): the
# security event's id, so that browser's sign-in page can say why and offer
# "That wasn't me".
SESSION_REPLACED_BY = "hmis_replaced_by_event"
# "That wasn't me" carries the event id signed with this salt; the incidents
# app's view checks it against the ended session (``replaced_session_event_id``).
NOT_ME_SALT = "hmis.session-not-me"
NOT_ME_MAX_AGE = 7 * 24 * 3600


def not_me_token(event_id) -> str:
    return signing.dumps(event_id, salt=NOT_ME_SALT)


def replaced_session_event_id(session, token):
    """The id of the security event that ended this browser's session, if the
    signed ``token`` names it (so a token works only in its own browser), else None."""
    try:
        event_id = signing.loads(token or "", salt=NOT_ME_SALT, max_age=NOT_ME_MAX_AGE)
    except signing.BadSignature:
        return None
    if event_id is None or event_id != session.get(SESSION_REPLACED_BY):
        return None
    return event_id


def device_fingerprint(ip_address, user_agent) -> str:
    return hashlib.sha256(f"{ip_address}|{user_agent}".encode()).hexdigest()[:16]


@transaction.atomic
def claim_live_session(*, user, session_key, ip_address=None, fingerprint=""):
    """Make ``session_key`` the user's only live session; end the older one.

    Called once the second factor is passed. Ending a live session that was
    signed in from another address or browser is a security event (the
    guidance: never share credentials). The same browser signing in again
    after it was closed without signing out is not: its old session just ends.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    previous = locked.live_session_key
    if previous and previous != session_key:
        old = Session.objects.filter(session_key=previous, expire_date__gt=timezone.now()).first()
        if old is not None:
            same_device = bool(fingerprint) and old.get_decoded().get(SESSION_DEVICE) == fingerprint
            if same_device:
                old.delete()
            else:
                event = record_security_event(
                    kind=SecurityEvent.Kind.SESSION_REPLACED,
                    user=locked,
                    ip_address=ip_address,
                    detail="A sign-in from another address or browser ended the older session",
                )
                # Signed out (nothing of the sign-in is kept), but that browser learns why.
                old.session_data = SessionStore().encode({SESSION_REPLACED_BY: str(event.pk)})
                old.save()
    User.objects.filter(pk=user.pk).update(live_session_key=session_key)
    user.live_session_key = session_key


def release_live_session(*, user, session_key):
    User.objects.filter(pk=user.pk, live_session_key=session_key).update(live_session_key="")


# --- Bootstrap (management commands only) -----------------------------------------


@transaction.atomic
def bootstrap_system_admin(*, lead_name, lead_slug, username, email, password):
    """Create (or find) the lead organisation and a first system admin.

    The only write without an acting user: there is nobody to act yet. Called
    from ``manage.py bootstrap_admin`` and ``seed_demo``, never from a view.
    """
    agency = Agency.objects.filter(slug=lead_slug).first()
    if agency is None:
        agency = Agency(
            name=lead_name,
            slug=lead_slug,
            kind=Agency.Kind.LEAD,
            verified_at=timezone.now(),
            verification_method="HMIS lead organisation",
        )
        agency.group = Group.objects.create(name=f"agency:{lead_slug}")
        agency.full_clean()
        agency.save()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username, email=email, agency=agency, is_staff=True, privacy_training_on=timezone.localdate()
        )
        validate_password(password, user)
        user.set_password(password)
        user.save()
        _set_roles(user, {Role.SYSTEM_ADMIN})
    return agency, user


@transaction.atomic
def provision_user(
    *, acting_user, agency, username, first_name, last_name, email, roles, password, privacy_training_on=None
):
    """Create an account with a known password (demo data and tests; views invite instead)."""
    _require(acting_user, permissions.MANAGE_USERS)
    _require_same_agency(acting_user, agency.pk)
    roles = _check_roles(acting_user, roles)
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        agency=agency,
        is_staff=Role.SYSTEM_ADMIN in roles,
        privacy_training_on=privacy_training_on,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    with acting_as(acting_user):
        user.save()
        _set_roles(user, roles)
    return user


# --- User agreement and privacy training ------------------------------------------


@transaction.atomic
def accept_user_agreement(*, acting_user):
    """The signed-in user accepts the current agreement text (recorded with the version)."""
    acting_user.agreement_version = settings.HMIS_USER_AGREEMENT_VERSION
    acting_user.agreement_accepted_at = timezone.now()
    with acting_as(acting_user):
        acting_user.save(update_fields=["agreement_version", "agreement_accepted_at"])
    return acting_user


def _check_training_date(completed_on, *, account_created_on=None, field="completed_on"):
    """A plausible training date: not in the future, not so old that it has
    already lapsed, and not before the account existed (when it exists)."""
    today = timezone.localdate()
    if completed_on > today:
        raise ValidationError({field: "The training date cannot be in the future."})
    oldest = today - timedelta(days=settings.HMIS_TRAINING_VALID_DAYS - 1)
    if completed_on < oldest:
        raise ValidationError(
            {
                field: f"Training completed before {oldest:%Y-%m-%d} no longer counts: it lasts "
                f"{settings.HMIS_TRAINING_VALID_DAYS} days. Record the date of a current training."
            }
        )
    if account_created_on is not None and completed_on < account_created_on:
        raise ValidationError({field: f"That date is before this account was created ({account_created_on:%Y-%m-%d})."})


@transaction.atomic
def record_privacy_training(*, acting_user, user, completed_on):
    """Another lead of the user's agency (or the system admin) records the date
    the user completed privacy training. Nobody records their own."""
    _require(acting_user, permissions.MANAGE_USERS)
    _require_same_agency(acting_user, user.agency_id)
    if user.pk == acting_user.pk:
        raise ValidationError(f"You cannot record your own training. {SELF_SERVICE_REFUSED}")
    _check_training_date(completed_on, account_created_on=timezone.localdate(user.date_joined))
    user.privacy_training_on = completed_on
    with acting_as(acting_user):
        user.save(update_fields=["privacy_training_on"])
    return user


@transaction.atomic
def reset_sign_in(*, acting_user, user):
    """For a forgotten password or a lost phone: the old password, authenticator
    and backup codes stop working, the session ends, and a new one-time link
    is sent. The person enrols a new authenticator at their next sign-in."""
    from auditlog.models import LogEntry
    from axes.utils import reset

    _require(acting_user, permissions.MANAGE_USERS)
    _require_same_agency(acting_user, user.agency_id)
    if user.pk == acting_user.pk:
        raise ValidationError("Ask another HMIS lead or the system administrator to reset your own sign-in.")
    if not user.is_active:
        raise ValidationError("Reactivate the account first.")
    user.set_unusable_password()
    user.sign_in_reset_at = timezone.now()
    with acting_as(acting_user):
        user.save(update_fields=["password", "sign_in_reset_at"])
        LogEntry.objects.log_create(
            user, action=LogEntry.Action.UPDATE, changes={"sign_in": ["", "reset"]}, force_log=True
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    # A lost phone may hold a passkey too; the passkey policy's grace period starts again.
    WebAuthnCredential.objects.filter(user=user).delete()
    PasskeyGrace.objects.filter(user=user).delete()
    end_sessions_of(user)
    reset(username=user.username)
    Invitation.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    return _new_invitation(acting_user=acting_user, user=user, reason="reset")


@transaction.atomic
def change_own_password(*, acting_user, old_password, new_password):
    """The signed-in user changes their password (knowing the current one)."""
    if not acting_user.check_password(old_password):
        raise ValidationError({"old_password": "Your current password was entered incorrectly."})
    from auditlog.models import LogEntry

    validate_password(new_password, acting_user)
    acting_user.set_password(new_password)
    with acting_as(acting_user):
        acting_user.save(update_fields=["password"])
        # The hash is excluded from the audit diff; the change itself is recorded.
        LogEntry.objects.log_create(
            acting_user, action=LogEntry.Action.UPDATE, changes={"password": ["", "changed"]}, force_log=True
        )
    return acting_user


# --- Security events and notices (called by every app) ----------------------------


@transaction.atomic
def record_security_event(*, kind, user=None, username="", ip_address=None, actor=None, detail="", agency=None):
    """Store one security event and tell the apps that react to it
    (``hmis.signals.security_event_recorded``: the incidents rules), in the
    same transaction. Called by trusted code only: no permission check.

    ``detail`` must not contain client data.
    """
    if user is None and username:
        user = User.objects.filter(username=username).select_related("agency").first()
    if agency is None and user is not None:
        agency = user.agency
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user,
        # Typed text that names no account may be a password: only its key is kept.
        username=(user.username if user is not None else failed_sign_in_name(username))[:150],
        ip_address=ip_address or None,
        actor=actor,
        agency=agency,
        detail=detail[:300],
    )
    security_event_recorded.send(sender=SecurityEvent, event=event)
    return event


def notify(*, recipients, text, link="", email=True):
    """Create one notice per recipient and, after commit, e-mail each a copy.

    A notice's text is written by the calling action from references and
    agency names only: never a client's name, birth date, SSN or other PII.
    """
    from hmis import tasks

    notices = [Notice(recipient=user, text=text[:300], link=link) for user in recipients]
    Notice.objects.bulk_create(notices)
    if email:
        for notice in notices:
            if notice.recipient.email:
                transaction.on_commit(lambda pk=str(notice.pk): tasks.send_notice_email.delay(pk))
    return notices


def mark_notices_read(*, acting_user, notice_ids=None):
    """Mark the user's own notices read (all of them when no ids are given)."""
    notices = Notice.objects.filter(recipient=acting_user, read_at__isnull=True)
    if notice_ids is not None:
        notices = notices.filter(pk__in=notice_ids)
    marked = notices.update(read_at=timezone.now())
    if getattr(acting_user, "loaded_unread_notices", None) is not None:  # this page's navigation counts them no more
        acting_user.loaded_unread_notices = max(0, acting_user.loaded_unread_notices - marked)
    return marked
