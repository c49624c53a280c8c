"""Every write of the sharing app: one function per business action.

Each takes keyword-only arguments (``acting_user`` where a person acts),
checks the permission and the object rule, validates with ``full_clean``,
writes inside one transaction under the acting user in django-auditlog,
records an access event where client data was touched, and enqueues work
with ``transaction.on_commit``. No value of a client record is logged or put
in a message.
"""

import datetime
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from clients import queries as client_queries
from hmis import actions as hmis_actions
from hmis import permissions
from hmis.actions import notify, record_security_event
from hmis.audit import acting_as, record_access
from hmis.models import AccessEvent, Agency, SecurityEvent
from hmis.queries import users_holding
from sharing import access, hooks
from sharing import evidence as evidence_store
from sharing.models import (
    PURPOSE_DEFAULT_CATEGORIES,
    DataCategory,
    ExternalRequest,
    IllegalTransition,
    PartnerContact,
    PressureReport,
    Purpose,
    Release,
    Share,
    StatusChange,
)
from sharing.queries import get_client_of_record_for

# --- Releases ---

EXPIRY_REASON = "Reached its expiry date."
REVOCATION_REASON = "The client withdrew consent."


def _require(user, code):
    if not permissions.has_permission(user, code):
        raise PermissionDenied


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
    _require(acting_user, permissions.RECORD_RELEASES)
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
    _require(acting_user, permissions.DECIDE_RELEASES)
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
        raise IllegalTransition(locked.status, Release.Status.ACTIVE)
    if locked.expires_at <= timezone.now():
        raise ValidationError("This release has passed its expiry date: deny it and record a new one.")
    locked.full_clean()
    with acting_as(acting_user):
        locked.move_to(Release.Status.ACTIVE, by=acting_user, reason="Approved")
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
        locked.move_to(Release.Status.DENIED, by=acting_user, reason=reason[:500])
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

    In the same transaction it moves the status (recording who, when, why)
    and runs every ``sharing.hooks.on_release_ended`` hook, so the
    consequences (withdrawn shares, removed grants) happen with the ending
    or not at all. A revocation needs ``acting_user`` with ``releases.revoke``
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
        _require(acting_user, permissions.REVOKE_RELEASES)
        _require_own_release(acting_user, release)
    locked = _lock(release)
    if not locked.can_move_to(status):
        raise IllegalTransition(locked.status, status)
    now = timezone.now()
    if status == Release.Status.EXPIRED and locked.expires_at > now:
        raise ValidationError("This release has not reached its expiry date.")
    with acting_as(acting_user):
        locked.move_to(status, by=acting_user, reason=reason[:500], at=now)
        if acting_user is not None:
            record_access(
                actor=acting_user,
                action=AccessEvent.Action.EDIT,
                subject=locked.client,
                fields=["release"],
                detail=f"Revoked release {locked.pk}",
            )
        hooks.release_ended(locked)
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
    _require(acting_user, permissions.VIEW_RELEASES)
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
    _require(acting_user, permissions.VIEW_RELEASES)
    _require_own_release(acting_user, release)
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.PRINT,
        subject=release.client,
        fields=["release summary"],
        reason=AccessEvent.Reason.CLIENT_REQUEST,
        detail=f"Release {release.pk}",
    )


# --- Shares, external requests, pressure reports ---


SHARE_LIFETIME = timedelta(days=90)


def _status_change(obj, *, from_status, to_status, by, note=""):
    StatusChange.objects.create(
        subject_type=obj._meta.label_lower,
        subject_id=obj.pk,
        from_status=from_status,
        to_status=to_status,
        by=by,
        note=(note or "")[:500],
    )


def _purpose_label(purpose):
    return dict(Purpose.choices).get(purpose, purpose)


# Partner directory ----------------------------------------------------------------


@transaction.atomic
def add_partner_contact(*, acting_user, agency, name, role_title="", phone="", email=""):
    _require(acting_user, permissions.MANAGE_PARTNERS)
    contact = PartnerContact(
        agency=agency, name=name.strip(), role_title=role_title.strip(), phone=phone.strip(), email=email.strip()
    )
    contact.full_clean()
    with acting_as(acting_user):
        contact.save()
    return contact


@transaction.atomic
def verify_partner_contact(*, acting_user, contact, method):
    """The system admin confirms a contact is who they say (e.g. a call-back to the agency's number on file)."""
    _require(acting_user, permissions.MANAGE_PARTNERS)
    if not (method or "").strip():
        raise ValidationError({"verification_method": "Say how the contact was verified."})
    contact.verified_at = timezone.now()
    contact.verified_by = acting_user
    contact.verification_method = method.strip()[:200]
    with acting_as(acting_user):
        contact.save()
    return contact


@transaction.atomic
def verify_partner(*, acting_user, agency, method, notes=""):
    _require(acting_user, permissions.MANAGE_PARTNERS)
    return hmis_actions.record_agency_verification(acting_user=acting_user, agency=agency, method=method, notes=notes)


@transaction.atomic
def suspend_partner(*, acting_user, agency, reason):
    """Suspend an agency, saying why: it can receive no share, and loses access to the ones it holds at once."""
    _require(acting_user, permissions.MANAGE_PARTNERS)
    if agency.kind == Agency.Kind.LEAD:
        raise ValidationError("The HMIS lead organisation cannot be suspended here.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the agency is suspended."})
    hmis_actions.update_agency(
        acting_user=acting_user, agency=agency, status=Agency.Status.SUSPENDED, suspension_reason=reason[:500]
    )
    clients = {s.client for s in Share.objects.filter(to_agency=agency, status__in=Share.LIVE).select_related("client")}
    for client in clients:
        access.sync_grant(client=client, agency=agency, acting_user=acting_user)
    return agency


@transaction.atomic
def reinstate_partner(*, acting_user, agency):
    _require(acting_user, permissions.MANAGE_PARTNERS)
    hmis_actions.update_agency(acting_user=acting_user, agency=agency, status=Agency.Status.ACTIVE)
    clients = {s.client for s in Share.objects.filter(to_agency=agency, status__in=Share.LIVE).select_related("client")}
    for client in clients:
        access.sync_grant(client=client, agency=agency, acting_user=acting_user)
    return agency


# Shares ---------------------------------------------------------------------------


def default_categories(purpose) -> frozenset:
    return PURPOSE_DEFAULT_CATEGORIES.get(purpose, frozenset())


def _share_link(share):
    """The recipient agency's way to a referral: open while live, its status once ended."""
    return reverse("sharing:share-notice", args=[share.pk])


def _sent_share_link(share):
    """The sending agency's page of a referral (status and history)."""
    return reverse("sharing:share-sent", args=[share.pk])


@transaction.atomic
def send_share(*, acting_user, client, to_agency, purpose, categories, justification=""):
    """Refer one client of the acting user's agency to one verified partner.

    Refused (``ValidationError``, nothing saved) for: a client the user cannot
    see or that another agency owns, the user's own agency, a partner not
    verified or suspended, an unknown purpose or category, categories beyond
    the purpose's defaults without a justification, and anything the consent
    gate does not cover (recipient, every category, the purpose).
    """
    _require(acting_user, permissions.SEND_SHARES)
    try:
        client = client_queries.get_client_for(acting_user, client.pk)
    except Http404:
        raise ValidationError("You cannot refer this client.", code="not_visible")
    if client.owning_agency_id != acting_user.agency_id:
        raise ValidationError("Only the client's own agency can refer them.", code="not_owner")
    errors = {}
    if to_agency is None:
        errors["to_agency"] = "Choose a partner agency."
    elif to_agency.pk == acting_user.agency_id:
        errors["to_agency"] = "You cannot refer a client to your own agency."
    elif to_agency.kind != Agency.Kind.PARTNER or not to_agency.can_receive_shares:
        errors["to_agency"] = "That agency is not a verified, active partner. Referrals go only to verified partners."
    if purpose not in Purpose.values:
        errors["purpose"] = "Choose the purpose of the referral."
    categories = sorted(set(categories or ()))
    if not categories:
        errors["categories"] = "Choose what to share."
    elif set(categories) - set(DataCategory.values):
        errors["categories"] = "Unknown data category."
    extra = set(categories) - default_categories(purpose)
    justification = (justification or "").strip()
    if extra and purpose in Purpose.values and not justification:
        labels = ", ".join(dict(DataCategory.choices)[c] for c in sorted(extra) if c in DataCategory.values)
        errors["justification"] = f"Explain why {labels} is necessary beyond the minimum for this purpose."
    if errors:
        raise ValidationError(errors)

    share = Share(
        client=client,
        from_agency=acting_user.agency,
        to_agency=to_agency,
        purpose=purpose,
        categories=categories,
        justification=justification if extra else "",
        sent_by=acting_user,
        expires_at=timezone.now() + SHARE_LIFETIME,
    )
    answer = access.consent_for(share)
    if not answer.allowed:
        raise ValidationError(answer.reason or "No active release covers this referral.", code="consent")
    share.release = answer.release
    share.expires_at = min(share.expires_at, answer.release.expires_at)
    share.full_clean()
    with acting_as(acting_user):
        share.save()
        _status_change(share, from_status="", to_status=Share.Status.SENT, by=acting_user)
        access.sync_grant(client=client, agency=to_agency, acting_user=acting_user)
        notify(
            recipients=users_holding(permissions.RECEIVE_SHARES, agency=to_agency),
            text=(
                f"New referral {share.reference} from {share.from_agency.name} "
                f"for {_purpose_label(purpose).lower()}. Open it in HMIS."
            ),
            link=_share_link(share),
        )
    return share


def _move_share(share, *, to_status, by, note=""):
    """The one place a share's status moves. Refuses an illegal move, records
    who/when/why and, when the share ends, removes the recipient's grant in
    the same transaction. Returns the locked, updated share."""
    locked = (
        Share.objects.select_for_update().select_related("client", "to_agency__group", "from_agency").get(pk=share.pk)
    )
    if to_status not in Share.TRANSITIONS[locked.status]:
        raise ValidationError(f"This referral is {locked.get_status_display().lower()}; that step is not possible.")
    now = timezone.now()
    from_status = locked.status
    locked.status = to_status
    if to_status in (Share.Status.ACCEPTED, Share.Status.DECLINED):
        locked.responded_by = by
        locked.responded_at = now
        locked.response_note = (note or "")[:500]
    if to_status not in Share.LIVE:
        locked.ended_at = now
        locked.end_reason = (note or "")[:200]
    with acting_as(by):
        locked.save()
        _status_change(locked, from_status=from_status, to_status=to_status, by=by, note=note)
        access.sync_grant(client=locked.client, agency=locked.to_agency, acting_user=by)
    return locked


def _recipient_share(acting_user, share):
    _require(acting_user, permissions.RECEIVE_SHARES)
    if share.to_agency_id != acting_user.agency_id:
        raise Http404


@transaction.atomic
def accept_share(*, acting_user, share, note=""):
    _recipient_share(acting_user, share)
    if not access.share_gives_access(share):
        raise Http404
    share = _move_share(share, to_status=Share.Status.ACCEPTED, by=acting_user, note=note.strip())
    notify(
        recipients=users_holding(permissions.SEND_SHARES, agency=share.from_agency),
        text=f"Referral {share.reference} was accepted by {share.to_agency.name}.",
        link=_sent_share_link(share),
    )
    return share


@transaction.atomic
def decline_share(*, acting_user, share, note):
    _recipient_share(acting_user, share)
    if not (note or "").strip():
        raise ValidationError({"note": "Say why the referral is declined (no client details)."})
    share = _move_share(share, to_status=Share.Status.DECLINED, by=acting_user, note=note.strip())
    notify(
        recipients=users_holding(permissions.SEND_SHARES, agency=share.from_agency),
        text=f"Referral {share.reference} was declined by {share.to_agency.name}.",
        link=_sent_share_link(share),
    )
    return share


@transaction.atomic
def withdraw_share(*, acting_user, share, note=""):
    """The sending agency ends a referral; the partner loses access at once."""
    _require(acting_user, permissions.SEND_SHARES)
    if share.from_agency_id != acting_user.agency_id:
        raise Http404
    share = _move_share(share, to_status=Share.Status.WITHDRAWN, by=acting_user, note=(note or "").strip())
    notify(
        recipients=users_holding(permissions.RECEIVE_SHARES, agency=share.to_agency),
        text=f"Referral {share.reference} from {share.from_agency.name} was withdrawn.",
        link=_share_link(share),
    )
    return share


def end_share_by_system(*, share, note) -> bool:
    """End a live share for a system reason (release ended, end date passed).

    Runs inside the caller's transaction (the release action, the sweep).
    Returns False when the share was no longer live (another worker ended it).
    """
    with transaction.atomic():
        try:
            share = _move_share(share, to_status=Share.Status.EXPIRED, by=None, note=note)
        except ValidationError:
            return False
        notify(
            recipients=users_holding(permissions.RECEIVE_SHARES, agency=share.to_agency),
            text=f"Referral {share.reference} from {share.from_agency.name} has ended. {note}",
            link=_share_link(share),
        )
    return True


def record_share_opened(*, acting_user, share, fields=()):
    """Every opening of a share by the recipient is an access event on the client."""
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.SHARE_OPEN,
        subject=share.client,
        fields=list(fields),
        reason=AccessEvent.Reason.CARE_COORDINATION,
        detail=f"Referral {share.reference}",
    )


# External requests ------------------------------------------------------------------


def _external_link(request):
    return reverse("sharing:external-request-detail", args=[request.pk])


@transaction.atomic
def record_external_request(
    *, acting_user, requester_name, requester_type, channel, what_was_asked, requester_organisation=""
):
    """Any staff member logs a request for HMIS data from outside; it goes to the
    HMIS lead (system admins) at once. Nothing about any client is attached."""
    _require(acting_user, permissions.RECORD_EXTERNAL_REQUESTS)
    request = ExternalRequest(
        agency=acting_user.agency,
        received_by=acting_user,
        requester_name=(requester_name or "").strip(),
        requester_organisation=(requester_organisation or "").strip(),
        requester_type=requester_type,
        channel=channel,
        what_was_asked=(what_was_asked or "").strip(),
    )
    request.full_clean()
    with acting_as(acting_user):
        request.save()
        _status_change(request, from_status="", to_status=ExternalRequest.Status.ROUTED, by=acting_user)
        notify(
            recipients=users_holding(permissions.ANSWER_EXTERNAL_REQUESTS),
            text=(
                f"External request {request.reference} ({request.get_requester_type_display().lower()}) "
                f"recorded at {request.agency.name if request.agency else 'an agency'}. Review it in HMIS."
            ),
            link=_external_link(request),
        )
    return request


@transaction.atomic
def move_external_request(*, acting_user, request, to_status, answer=""):
    """Only the system admin moves an external request: review, answer, decline.
    Answering or declining records what was answered."""
    _require(acting_user, permissions.ANSWER_EXTERNAL_REQUESTS)
    locked = ExternalRequest.objects.select_for_update().get(pk=request.pk)
    if to_status not in ExternalRequest.TRANSITIONS[locked.status]:
        raise ValidationError("That step is not possible for this request.")
    answer = (answer or "").strip()
    if to_status in ExternalRequest.CLOSED:
        if not answer:
            raise ValidationError({"answer": "Record what was answered to the requester."})
        locked.answer = answer
        locked.answered_by = acting_user
        locked.answered_at = timezone.now()
    from_status = locked.status
    locked.status = to_status
    with acting_as(acting_user):
        locked.save()
        _status_change(locked, from_status=from_status, to_status=to_status, by=acting_user)
        if to_status in ExternalRequest.CLOSED:
            notify(
                recipients=[locked.received_by],
                text=f"External request {locked.reference} was {locked.get_status_display().lower()} by the HMIS lead.",
                link=_external_link(locked),
            )
    return locked


# Pressure to share ------------------------------------------------------------------


@transaction.atomic
def report_pressure(*, acting_user, note=""):
    """One click: "someone is pushing for access". Goes to the agency's
    supervisors (in-app and e-mail, no PII) and is logged as a security event."""
    _require(acting_user, permissions.REPORT_PRESSURE)
    report = PressureReport(agency=acting_user.agency, reported_by=acting_user, note=(note or "").strip())
    report.full_clean()
    with acting_as(acting_user):
        report.save()
        report.security_event = record_security_event(
            kind=SecurityEvent.Kind.PRESSURE_REPORT,
            user=acting_user,
            actor=acting_user,
            agency=acting_user.agency,
            detail=f"Pressure-to-share report {report.reference}",
        )
        report.save(update_fields=["security_event"])
        supervisors = users_holding(permissions.REVIEW_PRESSURE, agency=acting_user.agency).exclude(pk=acting_user.pk)
        notify(
            recipients=supervisors,
            text=(
                f"Pressure-to-share report {report.reference} from {acting_user.username}: "
                "someone is pushing for access to client data. Talk with them."
            ),
            link=reverse("sharing:pressure-detail", args=[report.pk]),
        )
    return report


def _supervised_report(acting_user, report):
    _require(acting_user, permissions.REVIEW_PRESSURE)
    if report.agency_id != acting_user.agency_id:
        raise Http404


@transaction.atomic
def review_pressure_report(*, acting_user, report, note=""):
    _supervised_report(acting_user, report)
    locked = PressureReport.objects.select_for_update().get(pk=report.pk)
    if locked.reviewed_at is not None:
        raise ValidationError("This report was already reviewed.")
    locked.reviewed_by = acting_user
    locked.reviewed_at = timezone.now()
    locked.review_note = (note or "").strip()[:500]
    with acting_as(acting_user):
        locked.save()
    return locked


@transaction.atomic
def open_incident_from_pressure_report(*, acting_user, report):
    """A supervisor turns a pressure report into an incident (suspicious access request)."""
    from incidents import actions as incident_actions

    _supervised_report(acting_user, report)
    locked = PressureReport.objects.select_for_update(of=("self",)).select_related("security_event").get(pk=report.pk)
    if locked.incident_id:
        raise ValidationError("An incident was already opened for this report.")
    from incidents.models import Category

    with acting_as(acting_user):
        # A pattern of reports may already have opened one: link to it.
        incident, _created = incident_actions.open_incident_from_security_event(
            event=locked.security_event,
            rule="pressure_report",
            category=Category.SUSPICIOUS_ACCESS_REQUEST,
            description=f"Opened by {acting_user.username} from pressure-to-share report {locked.reference}.",
        )
        locked.incident_id = incident.pk
        if locked.reviewed_at is None:
            locked.reviewed_by = acting_user
            locked.reviewed_at = timezone.now()
        locked.save()
    return incident


@transaction.atomic
def reveal_shared_field(*, acting_user, share, field, reason, reason_text="", privacy_screen=False):
    """Unmask one field of a shared category for one page view, with a reason
    (as on the owner's client page). ``share`` must come from ``get_share_for``."""
    from sharing.queries import revealable_fields

    _recipient_share(acting_user, share)
    _require(acting_user, permissions.REVEAL_CLIENT_PII)
    errors = {}
    if field not in revealable_fields(share) or getattr(share.client, field, None) in (None, ""):
        errors["field"] = "Choose a shared field that has a value."
    if reason not in AccessEvent.Reason.values:
        errors["reason"] = "Choose why you need to see it."
    elif reason == AccessEvent.Reason.OTHER and not (reason_text or "").strip():
        errors["reason_text"] = "Say why you need to see it."
    if privacy_screen:
        errors.setdefault("field", "The privacy screen is on. Switch it off to reveal a field.")
    if errors:
        raise ValidationError(errors)
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.REVEAL,
        subject=share.client,
        fields=[field],
        reason=reason,
        reason_text=(reason_text or "").strip(),
        detail=f"Referral {share.reference}",
    )
    return field


# Disclosure log ---------------------------------------------------------------------


@transaction.atomic
def record_disclosure(*, acting_user, client, release, categories, purpose, method, disclosed_at=None, description=""):
    """Record a disclosure outside HMIS, made under the client's additional
    release that names the recipient. The gate must cover the outside
    recipient, every category and the purpose at the time of disclosure;
    otherwise nothing is saved. Written as a ``Disclosure`` row and a
    ``DISCLOSURE`` access event (the client's accounting of disclosures)."""
    from sharing.models import Disclosure

    _require(acting_user, permissions.RECORD_DISCLOSURES)
    client = client_queries.get_client_for(acting_user, client.pk)
    if client.owning_agency_id != acting_user.agency_id:
        raise Http404
    errors = {}
    if (
        release is None
        or release.client_id != client.pk
        or release.obtaining_agency_id != client.owning_agency_id
        or release.kind != Release.Kind.ADDITIONAL
        or not release.outside_recipient_key
    ):
        errors["release"] = "Choose the client's additional release that names the outside recipient."
    categories = sorted(set(categories or ()))
    if not categories or set(categories) - set(DataCategory.values):
        errors["categories"] = "Choose what was disclosed."
    if purpose not in Purpose.values:
        errors["purpose"] = "Choose the purpose of the disclosure."
    if method not in Disclosure.Method.values:
        errors["method"] = "Choose how it was disclosed."
    now = timezone.now()
    disclosed_at = disclosed_at or now
    if disclosed_at > now:
        errors["disclosed_at"] = "A disclosure cannot be recorded in the future."
    if errors:
        raise ValidationError(errors)
    answer = access.check_consent_outside(
        client=client,
        categories=categories,
        purpose=purpose,
        recipient=release.outside_recipient_name,
        disclosing_agency=acting_user.agency_id,
        at=disclosed_at,
    )
    if not answer.allowed:
        raise ValidationError(answer.reason, code="consent")
    disclosure = Disclosure(
        client=client,
        release=answer.release,
        agency=acting_user.agency,
        recipient=release.outside_recipient_name,
        categories=categories,
        purpose=purpose,
        method=method,
        description=(description or "").strip(),
        disclosed_at=disclosed_at,
        recorded_by=acting_user,
    )
    disclosure.full_clean()
    with acting_as(acting_user):
        disclosure.save()
        record_access(
            actor=acting_user,
            action=AccessEvent.Action.DISCLOSURE,
            subject=client,
            fields=categories,
            reason=AccessEvent.Reason.CLIENT_REQUEST,
            reason_text=f"To {release.outside_recipient_name} for {Purpose(purpose).label}",
            detail=f"Disclosure {disclosure.pk} under release {answer.release.pk}",
        )
    return disclosure
