"""Referrals (shares): send, accept, decline, withdraw, end; the recipient's
grant that follows them; opening and revealing a shared client.

The recipient agency's group holds ``view_client`` on a client only while at
least one share of that client to that agency is live and consented
(``sharing.access``). Every change of a share calls ``sync_grant`` in the same
transaction; the periodic sweep (``remove_stale_grants``) deletes any grant
left behind.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from clients import actions as client_actions
from clients import queries as client_queries
from clients.models import ClientGroupObjectPermission
from clients.validation import validate_reveal
from hmis import permissions
from hmis.actions import notify
from hmis.audit import acting_as, record_access
from hmis.models import AccessEvent, Agency
from hmis.queries import users_holding
from sharing import access, queries
from sharing.actions._common import require
from sharing.models import PURPOSE_DEFAULT_CATEGORIES, DataCategory, Purpose, Share

SHARE_LIFETIME = timedelta(days=90)


def _purpose_label(purpose):
    return dict(Purpose.choices).get(purpose, purpose)


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
    require(acting_user, permissions.SEND_SHARES)
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
        share.record_initial_status(by=acting_user)
        sync_grant(client=client, agency=to_agency, acting_user=acting_user)
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
    """Every move of a share: locks it, moves it (``Share.move_to`` refuses an
    illegal move and records who/when/why) and, when the share ends, removes
    the recipient's grant in the same transaction. Returns the locked,
    updated share."""
    locked = (
        Share.objects.select_for_update().select_related("client", "to_agency__group", "from_agency").get(pk=share.pk)
    )
    if not locked.can_move_to(to_status):
        raise ValidationError(f"This referral is {locked.get_status_display().lower()}; that step is not possible.")
    with acting_as(by):
        locked.move_to(to_status, by=by, note=(note or "")[:500])
        sync_grant(client=locked.client, agency=locked.to_agency, acting_user=by)
    return locked


def _recipient_share(acting_user, share):
    require(acting_user, permissions.RECEIVE_SHARES)
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
    require(acting_user, permissions.SEND_SHARES)
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


def share_to_open(*, acting_user, share_id) -> Share:
    """The share ``acting_user`` may open now (``queries.get_share_for``), or
    404. When the answer is no, a grant left behind is removed on the spot."""
    try:
        return queries.get_share_for(acting_user, share_id)
    except Http404:
        share = queries.shares_received_by(acting_user).select_related("client", "to_agency__group")
        share = share.filter(pk=share_id).first()
        if share is not None:
            sync_grant(client=share.client, agency=share.to_agency)
        raise


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


@transaction.atomic
def reveal_shared_field(*, acting_user, share, field, reason, reason_text="", privacy_screen=False):
    """Unmask one field of a shared category for one page view, with a reason
    (as on the owner's client page). ``share`` must come from ``share_to_open``."""
    _recipient_share(acting_user, share)
    require(acting_user, permissions.REVEAL_CLIENT_PII)
    validate_reveal(
        client=share.client,
        field=field,
        revealable=queries.revealable_fields(share),
        reason=reason,
        reason_text=reason_text,
        privacy_screen=privacy_screen,
    )
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


# Grants -------------------------------------------------------------------------------


def sync_grant(*, client, agency, acting_user=None) -> bool:
    """Make the agency's grant on ``client`` match its live, consented shares.

    Returns whether the agency keeps access. Idempotent; safe to call from
    any action, the opening check and the sweep.
    """
    if access.agency_may_see(client=client, agency=agency):
        client_actions.grant_client_access(group_or_user=agency.group, client=client, acting_user=acting_user)
        return True
    client_actions.revoke_client_access(group_or_user=agency.group, client=client, acting_user=acting_user)
    return False


def expire_overdue_shares(*, now=None) -> int:
    """Move live shares past their own expiry to ``expired`` (grant removed)."""
    now = now or timezone.now()
    count = 0
    for share in Share.objects.filter(status__in=Share.LIVE, expires_at__lte=now).select_related(
        "client", "to_agency__group"
    ):
        if end_share_by_system(share=share, note="The referral reached its end date."):
            count += 1
    return count


def remove_stale_grants() -> int:
    """Delete agency-group grants with no live, consented share behind them."""
    rows = ClientGroupObjectPermission.objects.filter(
        permission__codename=access.VIEW_CODENAME, group__agency__isnull=False
    ).select_related("content_object", "group__agency")
    removed = 0
    for row in rows:
        if not sync_grant(client=row.content_object, agency=row.group.agency):
            removed += 1
    return removed


def end_shares_of_release(release):
    """Every live share made under ``release`` ends now, and the recipient's
    grant goes with it (called by ``end_release`` in its transaction)."""
    for share in Share.objects.filter(release=release, status__in=Share.LIVE).select_related(
        "client", "to_agency__group"
    ):
        end_share_by_system(share=share, note="The client's release ended.")
