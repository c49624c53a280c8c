"""What sharing tells the retention job (``clients.retention``) about a
client: its releases and referrals date the record, and a live one keeps
its identifying data."""

from django.db.models import Exists, OuterRef, Q
from django.dispatch import receiver

from clients.models import Client
from clients.retention import latest_of
from clients.signals import RetentionRules, retention_rules
from sharing.models import Release, Share


@receiver(retention_rules, sender=Client, dispatch_uid="sharing.retention")
def releases_and_referrals(sender, *, now, **kwargs):
    # Active and not yet expired: Release.is_live, and one approved but not yet effective.
    live_release = Release.objects.filter(client=OuterRef("pk"), status=Release.Status.ACTIVE, expires_at__gt=now)
    live_referral = Share.objects.filter(client=OuterRef("pk"), status__in=Share.LIVE, expires_at__gt=now)
    return RetentionRules(
        last_changed=(
            latest_of(Release.objects.all(), "client", "requested_at", "decided_at", "ended_at"),
            latest_of(Share.objects.all(), "client", "sent_at", "responded_at", "ended_at"),
        ),
        keeps=(Q(Exists(live_release)), Q(Exists(live_referral))),
    )
