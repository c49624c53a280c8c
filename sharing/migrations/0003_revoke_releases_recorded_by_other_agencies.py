"""Consent belongs to the agency that holds the record (issue 10, item 1).

Earlier code let a partner agency that saw a client through a referral record
(and approve) a release on that client, and the consent gate then counted it.
This ends every such release the way ``sharing.actions.end_release`` would,
with no person acting (like the expiry job):

1. an active one is revoked, a pending one denied, each with a reason the
   record's agency reads on the release page and a ``ReleaseStatusChange``;
2. every live referral sent under it ends (status ``expired``, a
   ``StatusChange`` saying why);
3. the recipient agency's grant on the client goes, unless another live
   referral of that client to that agency stands under the record agency's
   own active release (the grant sweep re-checks the gate in any case).

Releases already closed are left as they are. Backwards it does nothing: a
revoked release is not made active again.
"""

from django.db import migrations
from django.db.models import F
from django.utils import timezone

REASON = "Revoked automatically: recorded by another agency, which may not take consent for this record."
SHARE_NOTE = "The release it was sent under was recorded by another agency and has been revoked."
LIVE_SHARE = ("sent", "accepted")


def revoke_releases_recorded_by_other_agencies(apps, schema_editor):
    Release = apps.get_model("sharing", "Release")
    ReleaseStatusChange = apps.get_model("sharing", "ReleaseStatusChange")
    Share = apps.get_model("sharing", "Share")
    StatusChange = apps.get_model("sharing", "StatusChange")
    Agency = apps.get_model("hmis", "Agency")
    ClientGroupObjectPermission = apps.get_model("clients", "ClientGroupObjectPermission")
    now = timezone.now()

    foreign = Release.objects.exclude(obtaining_agency_id=F("client__owning_agency_id"))
    for release in foreign.filter(status__in=("pending", "active")):
        if release.status == "pending":
            Release.objects.filter(pk=release.pk).update(status="denied", decided_at=now, decision_reason=REASON)
            ReleaseStatusChange.objects.create(
                release_id=release.pk, from_status="pending", to_status="denied", changed_at=now, reason=REASON
            )
            continue
        Release.objects.filter(pk=release.pk).update(status="revoked", ended_at=now, end_reason=REASON)
        ReleaseStatusChange.objects.create(
            release_id=release.pk, from_status="active", to_status="revoked", changed_at=now, reason=REASON
        )
        for share in Share.objects.filter(release_id=release.pk, status__in=LIVE_SHARE):
            Share.objects.filter(pk=share.pk).update(status="expired", ended_at=now, end_reason=SHARE_NOTE[:200])
            StatusChange.objects.create(
                subject_type="sharing.share",
                subject_id=share.pk,
                from_status=share.status,
                to_status="expired",
                at=now,
                note=SHARE_NOTE,
            )
            still_referred = Share.objects.filter(
                client_id=share.client_id,
                to_agency_id=share.to_agency_id,
                status__in=LIVE_SHARE,
                expires_at__gt=now,
                release__status="active",
                release__obtaining_agency_id=F("client__owning_agency_id"),
            ).exists()
            if not still_referred:
                group_id = Agency.objects.filter(pk=share.to_agency_id).values_list("group_id", flat=True).first()
                ClientGroupObjectPermission.objects.filter(
                    content_object_id=share.client_id, group_id=group_id, permission__codename="view_client"
                ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
        ("hmis", "0003_agreement_and_training"),
        ("sharing", "0002_shares_requests_pressure"),
    ]

    operations = [
        migrations.RunPython(revoke_releases_recorded_by_other_agencies, migrations.RunPython.noop),
    ]
