"""Who may have live access through a share: the rules, read only.

The recipient agency's group may hold ``view_client`` on a client only while
at least one share of that client to that agency is live (sent or accepted,
not past its expiry, the partner still verified and active) and the consent
gate still allows it. ``sharing.actions.sync_grant`` makes the grant follow
these answers.
"""

from django.utils import timezone

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
