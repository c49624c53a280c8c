"""What sharing tells the retention job (``clients.retention``) about a
client: its releases and referrals date the record, and a live one keeps
its identifying data; and what sharing erases when a client is de-identified."""

from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.dispatch import receiver

from clients.models import Client
from clients.retention import latest_of
from clients.signals import RetentionRules, clients_deidentified, retention_rules
from sharing import evidence
from sharing.models import Disclosure, Release, ReleaseStatusChange, Share, ShareStatusChange

# An outside recipient's blind index cannot be empty on an additional release
# (a constraint); once the name is erased it matches no one.
ERASED_RECIPIENT_KEY = "erased"


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


@receiver(clients_deidentified, sender=Client, dispatch_uid="sharing.retention.erase")
def erase_identifying_free_text(sender, *, client_ids, **kwargs):
    """The consent forms (files), witnesses, outside recipients and every free
    text of these clients' releases, referrals and disclosures. What was
    shared, with which agency, for what and when stays for the accounting."""
    releases = Release.objects.filter(client_id__in=client_ids)
    forms = list(releases.exclude(evidence_file="").values_list("evidence_file", flat=True))
    releases.update(
        witness_name="",
        outside_recipient_name="",
        outside_recipient_contact=None,
        outside_recipient_key=Case(When(outside_recipient_key="", then=Value("")), default=Value(ERASED_RECIPIENT_KEY)),
        decision_reason="",
        end_reason="",
        evidence_file="",
        evidence_content_type="",
        evidence_size=None,
    )
    ReleaseStatusChange.objects.filter(subject__client_id__in=client_ids).update(note="")
    Share.objects.filter(client_id__in=client_ids).update(justification="", response_note="", end_reason="")
    ShareStatusChange.objects.filter(subject__client_id__in=client_ids).update(note="")
    Disclosure.objects.filter(client_id__in=client_ids).update(recipient="", description="")
    # The files go once the erasure is committed (a rolled-back batch keeps them).
    transaction.on_commit(lambda: [evidence.delete(name) for name in forms])
