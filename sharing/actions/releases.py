"""Releases of information: record, approve, deny, and end (revoke or expire).

``end_release`` is the single place an active release ends; in the same
transaction it ends the referrals made under it and removes the partners'
grants (``shares.end_shares_of_release``).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from hmis import permissions
from hmis.audit import acting_as, record_access
from hmis.models import AccessEvent
from hmis.status import IllegalTransition
from sharing import evidence as evidence_store
from sharing.actions._common import require
from sharing.actions.shares import end_shares_of_release
from sharing.models import Release
from sharing.queries import get_client_of_record_for

EXPIRY_REASON = "Reached its expiry date."
REVOCATION_REASON = "The client withdrew consent."


def _require_own_release(user, release):
    """404 (as for a missing release) unless ``release`` is on a client whose
    record the user's agency holds and the user may see, whoever recorded it.
    A partner that sees the client through a referral never gets here."""
    get_client_of_record_for(user, release.client_id)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def release_window(effective_date, expiry_date):
    """``(effective_at, expires_at)`` for dates as a worker enters them: from
    the start of the effective date through the end of the expiry date."""
    return _start_of(effective_date), _start_of(expiry_date + datetime.timedelta(days=1))


def default_expiry_date(effective_date: datetime.date) -> datetime.date:
    return effective_date + datetime.timedelta(days=settings.HMIS_RELEASE_DEFAULT_DAYS - 1)


def validate_dates(effective_date, expiry_date, *, today=None) -> None:
    """The date rules of a new release, as field errors a worker can act on."""
    today = today or timezone.localdate()
    errors = {}
    if effective_date is None:
        errors["effective_date"] = "Enter the date the client gave consent."
    else:
        earliest = today - datetime.timedelta(days=settings.HMIS_RELEASE_MAX_BACKDATE_DAYS)
        if effective_date < earliest:
            errors["effective_date"] = (
                f"The effective date can be at most {settings.HMIS_RELEASE_MAX_BACKDATE_DAYS} days in the past "
                f"(no earlier than {earliest:%Y-%m-%d}). For an older form, ask the client to sign a new one."
            )
        if expiry_date is not None:
            if expiry_date < effective_date:
                errors["expiry_date"] = "The expiry date must be on or after the effective date."
            elif expiry_date < today:
                errors["expiry_date"] = "That expiry date has passed: this release would never be in force."
            else:
                latest = effective_date + datetime.timedelta(days=settings.HMIS_RELEASE_MAX_DAYS - 1)
                if expiry_date > latest:
                    errors["expiry_date"] = (
                        f"A release can last at most {settings.HMIS_RELEASE_MAX_DAYS} days: "
                        f"choose an expiry date on or before {latest:%Y-%m-%d}."
                    )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_release(
    *,
    acting_user,
    client,
    kind,
    categories,
    purposes,
    consent_method,
    effective_date,
    expiry_date=None,
    recipient_agencies=(),
    all_partners=False,
    outside_recipient_name="",
    outside_recipient_contact="",
    witness_name="",
    evidence=None,
) -> Release:
    """Record a release the client gave to the acting user's agency, which
    must hold the client's record (404 otherwise: a partner reaching the client
    through a referral never takes consent). It is pending until a supervisor
    of that agency (not the acting user) decides.

    ``evidence`` is an uploaded file (PDF, PNG or JPEG by content, within
    ``HMIS_EVIDENCE_MAX_BYTES``); it is stored encrypted under a random name.
    Any problem raises ``ValidationError`` keyed by field and saves nothing.
    """
    require(acting_user, permissions.RECORD_RELEASES)
    client = get_client_of_record_for(acting_user, client.pk)
    if expiry_date is None and effective_date is not None:
        expiry_date = default_expiry_date(effective_date)

    errors: dict[str, list[str]] = {}

    def collect(error: ValidationError):
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))

    try:
        validate_dates(effective_date, expiry_date)
    except ValidationError as error:
        collect(error)
    data = content_type = None
    if evidence is not None:
        try:
            data, content_type = evidence_store.read_checked(evidence)
        except ValidationError as error:
            collect(error)

    effective_at = expires_at = None
    if "effective_date" not in errors and "expiry_date" not in errors:
        effective_at, expires_at = release_window(effective_date, expiry_date)
    release = Release(
        client=client,
        obtaining_agency_id=acting_user.agency_id,
        kind=kind,
        all_partners=bool(all_partners) and kind == Release.Kind.CARE_COORDINATION,
        recipient_agency_ids=[getattr(a, "pk", a) for a in recipient_agencies or ()],
        outside_recipient_name=outside_recipient_name or "",
        outside_recipient_contact=(outside_recipient_contact or "").strip() or None,
        categories=list(categories or []),
        purposes=list(purposes or []),
        consent_method=consent_method,
        witness_name=witness_name or "",
        evidence_file="pending-upload" if data is not None else "",
        evidence_content_type=content_type or "",
        evidence_size=len(data) if data is not None else None,
        effective_at=effective_at,
        expires_at=expires_at,
        requested_by=acting_user,
    )
    try:
        release.full_clean(exclude=["effective_at", "expires_at"] if effective_at is None else None)
    except ValidationError as error:
        collect(error)
    if errors:
        # effective_at/expires_at errors (missing) are already said in date words.
        errors.pop("effective_at", None)
        errors.pop("expires_at", None)
        if not errors:
            errors["effective_date"] = ["Enter the effective and expiry dates."]
        raise ValidationError(errors)

    if data is not None:
        release.evidence_file = evidence_store.store(data)
    try:
        with acting_as(acting_user):
            try:
                with transaction.atomic():
                    release.save()
            except IntegrityError:
                raise ValidationError(
                    "The client already has a pending or active release with exactly this scope."
                ) from None
            record_access(
                actor=acting_user,
                action=AccessEvent.Action.EDIT,
                subject=client,
                fields=["release"],
                reason=AccessEvent.Reason.SERVICE,
                detail=f"Recorded release {release.pk}",
            )
    except Exception:
        if release.evidence_file:
            evidence_store.delete(release.evidence_file)
        raise
    return release


def _lock(release) -> Release:
    return Release.objects.select_for_update().select_related("client", "obtaining_agency").get(pk=release.pk)


def _sync(target: Release, source: Release) -> Release:
    """Copy the saved state into the caller's instance, so it is not stale."""
    for field in target._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _require_decider(acting_user, release):
    require(acting_user, permissions.DECIDE_RELEASES)
    _require_own_release(acting_user, release)
    if release.requested_by_id == acting_user.pk:
        # Four eyes: the person who recorded it never decides it.
        raise PermissionDenied("You recorded this release: another supervisor must decide it.")


@transaction.atomic
def approve_release(*, acting_user, release) -> Release:
    """A supervisor of the record's agency, who did not record it, makes a
    pending release active. Its scope is checked again (a named partner may
    have lost its verification since)."""
    _require_decider(acting_user, release)
    if release.has_evidence and not evidence_opened_by(acting_user, release):
        raise ValidationError("Open the signed consent form on this page and check it before approving the release.")
    locked = _lock(release)
    if not locked.can_move_to(Release.Status.ACTIVE):
        raise IllegalTransition(locked, locked.status, Release.Status.ACTIVE)
    if locked.expires_at <= timezone.now():
        raise ValidationError("This release has passed its expiry date: deny it and record a new one.")
    locked.full_clean()
    with acting_as(acting_user):
        locked.move_to(Release.Status.ACTIVE, by=acting_user, note="Approved")
        record_access(
            actor=acting_user,
            action=AccessEvent.Action.EDIT,
            subject=locked.client,
            fields=["release"],
            detail=f"Approved release {locked.pk}",
        )
    return _sync(release, locked)


@transaction.atomic
def deny_release(*, acting_user, release, reason) -> Release:
    """A supervisor of the record's agency, who did not record it, denies a
    pending release, saying why."""
    _require_decider(acting_user, release)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the release is denied, so the worker can put it right."})
    locked = _lock(release)
    with acting_as(acting_user):
        locked.move_to(Release.Status.DENIED, by=acting_user, note=reason[:500])
        record_access(
            actor=acting_user,
            action=AccessEvent.Action.EDIT,
            subject=locked.client,
            fields=["release"],
            detail=f"Denied release {locked.pk}",
        )
    return _sync(release, locked)


@transaction.atomic
def end_release(*, release, status, acting_user=None, reason) -> Release:
    """The single place an active release ends: revoked (by a person, at
    once) or expired (by the expiry job, at or after ``expires_at``).

    In the same transaction it moves the status (recording who, when, why),
    ends every live referral made under the release and removes the
    partners' grants, so the consequences happen with the ending or not at
    all. A revocation needs ``acting_user`` with ``releases.revoke``
    at the agency that holds the client's record; an expiry needs none.
    """
    if status not in Release.ENDED:
        raise ValueError("end_release ends a release as revoked or expired")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the release ends."})
    if status == Release.Status.REVOKED:
        if acting_user is None:
            raise PermissionDenied("A revocation is made by a person.")
        require(acting_user, permissions.REVOKE_RELEASES)
        _require_own_release(acting_user, release)
    locked = _lock(release)
    if not locked.can_move_to(status):
        raise IllegalTransition(locked, locked.status, status)
    now = timezone.now()
    if status == Release.Status.EXPIRED and locked.expires_at > now:
        raise ValidationError("This release has not reached its expiry date.")
    with acting_as(acting_user):
        locked.move_to(status, by=acting_user, note=reason[:500], at=now)
        if acting_user is not None:
            record_access(
                actor=acting_user,
                action=AccessEvent.Action.EDIT,
                subject=locked.client,
                fields=["release"],
                detail=f"Revoked release {locked.pk}",
            )
        end_shares_of_release(locked)
    return _sync(release, locked)


def revoke_release(*, acting_user, release, reason="") -> Release:
    """The client withdrew consent: the release ends now (``end_release``)."""
    return end_release(
        release=release,
        status=Release.Status.REVOKED,
        acting_user=acting_user,
        reason=(reason or "").strip() or REVOCATION_REASON,
    )


def expire_release(*, release_id, now=None) -> bool:
    """Record the expiry of one release whose ``expires_at`` has passed (for
    the beat job). Safe to run twice: a release already ended, or not yet
    due, is left alone. Returns whether this call expired it."""
    now = now or timezone.now()
    release = Release.objects.filter(pk=release_id, status=Release.Status.ACTIVE, expires_at__lte=now).first()
    if release is None:
        return False
    try:
        end_release(release=release, status=Release.Status.EXPIRED, acting_user=None, reason=EXPIRY_REASON)
    except IllegalTransition:
        return False  # another worker ended it first
    return True


def record_evidence_viewed(*, acting_user, release) -> None:
    """Opening consent evidence is an access event on the client."""
    require(acting_user, permissions.VIEW_RELEASES)
    _require_own_release(acting_user, release)
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.EVIDENCE_VIEW,
        subject=release.client,
        fields=["consent evidence"],
        detail=f"Release {release.pk}",
    )


def evidence_opened_by(user, release) -> bool:
    """Whether ``user`` has opened this release's consent evidence (its access event)."""
    return AccessEvent.objects.filter(
        actor=user,
        action=AccessEvent.Action.EVIDENCE_VIEW,
        subject_id=release.client_id,
        detail=f"Release {release.pk}",
    ).exists()


def record_summary_printed(*, acting_user, release) -> None:
    require(acting_user, permissions.VIEW_RELEASES)
    _require_own_release(acting_user, release)
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.PRINT,
        subject=release.client,
        fields=["release summary"],
        reason=AccessEvent.Reason.CLIENT_REQUEST,
        detail=f"Release {release.pk}",
    )
