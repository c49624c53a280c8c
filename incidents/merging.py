"""Incident links follow a merge of duplicate client records (the clients app
sends ``clients_merged`` / ``clients_unmerged`` and imports nothing of ours).

An incident that names the merged record names the kept one instead; one
that already names both keeps its link to the kept record and leaves the
other on the tombstone (an incident names a client once). Undo moves back
exactly the links listed on the merge.
"""

from django.dispatch import receiver

from clients.signals import clients_merged, clients_unmerged, moved_ids
from incidents.models import AffectedClient

LABEL = "incidents.affectedclient"


@receiver(clients_merged, dispatch_uid="incidents.merging.move_to_kept")
def move_to_kept(sender, kept, merged, merge, **kwargs):
    already = AffectedClient.objects.filter(client=kept).values("incident_id")
    links = AffectedClient.objects.filter(client=merged).exclude(incident_id__in=already)
    ids = list(links.values_list("pk", flat=True))
    AffectedClient.objects.filter(pk__in=ids).update(client=kept)
    return {LABEL: ids}


@receiver(clients_unmerged, dispatch_uid="incidents.merging.move_back")
def move_back(sender, kept, merged, merge, **kwargs):
    AffectedClient.objects.filter(pk__in=moved_ids(merge, LABEL), client=kept).update(client=merged)
