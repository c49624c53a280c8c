"""Live access for a share's recipient: guardian grants that follow consent.

The recipient agency's group holds ``view_client`` on a client only while at
least one share of that client to that agency is live (sent or accepted, not
past its expiry, the partner still verified and active) and the consent gate
still allows it. Every change of a share or release calls ``sync_grant`` in
the same transaction; the periodic sweep (``sharing.tasks.remove_stale_grants``)
deletes any grant left behind.
"""

from django.utils import timezone

from clients import actions as client_actions
from clients.models import ClientGroupObjectPermission
from hmis.models import Agency
from sharing.models import Share

VIEW_CODENAME = "view_client"


def consent_for(share, *, at=None):
    """The consent gate's answer for ``share`` right now (or at ``at``)."""
    from sharing.consent import check_consent

    return check_consent(
        client=share.client,
        categories=list(share.categories),
        purpose=share.purpose,
        recipient_agency=share.to_agency,
        disclosing_agency=share.from_agency_id,
        at=at,
    )


def live_shares(*, now=None):
    """Shares that may still give access, before the consent check."""
    now = now or timezone.now()
    return Share.objects.filter(
        status__in=Share.LIVE,
        expires_at__gt=now,
        to_agency__verified_at__isnull=False,
        to_agency__status=Agency.Status.ACTIVE,
    )


def share_gives_access(share) -> bool:
    """Live, sent to a partner that can still receive, and consented now."""
    return share.is_live and share.to_agency.can_receive_shares and consent_for(share).allowed


def agency_may_see(*, client, agency) -> bool:
    shares = live_shares().filter(client=client, to_agency=agency).select_related("client", "to_agency")
    return any(consent_for(share).allowed for share in shares)


def sync_grant(*, client, agency, acting_user=None) -> bool:
    """Make the agency's grant on ``client`` match its live, consented shares.

    Returns whether the agency keeps access. Idempotent; safe to call from
    any action, the opening check and the sweep.
    """
    if agency_may_see(client=client, agency=agency):
        client_actions.grant_client_access(group_or_user=agency.group, client=client, acting_user=acting_user)
        return True
    client_actions.revoke_client_access(group_or_user=agency.group, client=client, acting_user=acting_user)
    return False


def expire_overdue_shares(*, now=None) -> int:
    """Move live shares past their own expiry to ``expired`` (grant removed)."""
    from sharing import actions

    now = now or timezone.now()
    count = 0
    for share in Share.objects.filter(status__in=Share.LIVE, expires_at__lte=now).select_related(
        "client", "to_agency__group"
    ):
        if actions.end_share_by_system(share=share, note="The referral reached its end date."):
            count += 1
    return count


def remove_stale_grants() -> int:
    """Delete agency-group grants with no live, consented share behind them."""
    rows = ClientGroupObjectPermission.objects.filter(
        permission__codename=VIEW_CODENAME, group__agency__isnull=False
    ).select_related("content_object", "group__agency")
    removed = 0
    for row in rows:
        if not sync_grant(client=row.content_object, agency=row.group.agency):
            removed += 1
    return removed


def end_shares_of_release(release):
    """Release-ended hook: every live share made under ``release`` ends now, and
    the recipient's grant goes with it (in the release action's transaction)."""
    from sharing import actions

    for share in Share.objects.filter(release=release, status__in=Share.LIVE).select_related(
        "client", "to_agency__group"
    ):
        actions.end_share_by_system(share=share, note="The client's release ended.")


def register_hooks():
    """Called from ``SharingConfig.ready``."""
    from sharing import hooks

    hooks.on_release_ended(end_shares_of_release)


def check_consent_outside(*, client, categories, purpose, recipient, disclosing_agency, at=None):
    """The gate for a disclosure outside HMIS (an additional release naming ``recipient``)."""
    from sharing.consent import check_consent

    return check_consent(
        client=client,
        categories=categories,
        purpose=purpose,
        outside_recipient=recipient,
        disclosing_agency=disclosing_agency,
        at=at,
    )
