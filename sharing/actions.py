"""Every write of the sharing app: one function per business action.

Each takes ``acting_user`` (keyword-only), checks permission and the object
rule, validates, writes inside one transaction, records the audit trail and
enqueues e-mail with ``on_commit``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from hmis import permissions
from hmis.audit import acting_as, record_access
from hmis.models import AccessEvent, Agency


def _require(user, code):
    if not permissions.has_permission(user, code):
        raise PermissionDenied


# --- Shares, external requests, pressure reports ---

from datetime import timedelta  # noqa: E402

from clients import queries as client_queries  # noqa: E402
from hmis import actions as hmis_actions  # noqa: E402
from sharing import access  # noqa: E402
from sharing.models import (  # noqa: E402
    PURPOSE_DEFAULT_CATEGORIES,
    ExternalRequest,
    PartnerContact,
    PressureReport,
    Share,
    StatusChange,
)
from sharing.notifications import notify, users_holding  # noqa: E402

SHARE_LIFETIME = timedelta(days=90)
PRESSURE_REPORT_KIND = "pressure_report"


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
    from sharing.models import Purpose

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
def suspend_partner(*, acting_user, agency):
    """Suspend an agency: it can receive no share, and loses access to the ones it holds at once."""
    _require(acting_user, permissions.MANAGE_PARTNERS)
    if agency.kind == Agency.Kind.LEAD:
        raise ValidationError("The HMIS lead organisation cannot be suspended here.")
    hmis_actions.update_agency(acting_user=acting_user, agency=agency, status=Agency.Status.SUSPENDED)
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
    return reverse("sharing:share-detail", args=[share.pk])


@transaction.atomic
def send_share(*, acting_user, client, to_agency, purpose, categories, justification=""):
    """Refer one client of the acting user's agency to one verified partner.

    Refused (``ValidationError``, nothing saved) for: a client the user cannot
    see or that another agency owns, the user's own agency, a partner not
    verified or suspended, an unknown purpose or category, categories beyond
    the purpose's defaults without a justification, and anything the consent
    gate does not cover (recipient, every category, the purpose).
    """
    from sharing.models import DataCategory, Purpose

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
        link=_share_link(share),
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
        link=_share_link(share),
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
    from incidents.actions import record_security_event
    from incidents.models import SecurityEvent

    _require(acting_user, permissions.REPORT_PRESSURE)
    report = PressureReport(agency=acting_user.agency, reported_by=acting_user, note=(note or "").strip())
    report.full_clean()
    with acting_as(acting_user):
        report.save()
        report.security_event = record_security_event(
            # The incidents app names this kind; its value is the contract either way.
            kind=getattr(SecurityEvent.Kind, "PRESSURE_REPORT", PRESSURE_REPORT_KIND),
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


def can_open_incidents() -> bool:
    """The incidents issue provides ``open_incident_from_security_event``."""
    from incidents import actions as incident_actions

    return hasattr(incident_actions, "open_incident_from_security_event")


@transaction.atomic
def open_incident_from_pressure_report(*, acting_user, report):
    """A supervisor turns a pressure report into an incident (suspicious access request)."""
    from incidents import actions as incident_actions

    _supervised_report(acting_user, report)
    if not can_open_incidents():
        raise ValidationError("Incidents cannot be opened from here yet.")
    locked = PressureReport.objects.select_for_update().select_related("security_event").get(pk=report.pk)
    if locked.incident_id:
        raise ValidationError("An incident was already opened for this report.")
    from incidents.models import Category

    with acting_as(acting_user):
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
