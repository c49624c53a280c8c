"""Sharing's rows follow a merge of duplicate client records (the clients app
sends ``clients_merged`` / ``clients_unmerged`` and imports nothing of ours).

Releases, referrals (shares) and disclosures move to the kept record; undo
moves back exactly the rows listed on the merge. Afterwards each partner
agency's grant is made to match its live, consented referrals again, on both
records: the consent rules, not the merge, decide who still sees the client.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import receiver

from clients.signals import clients_merged, clients_unmerged, moved_ids
from sharing.actions.shares import sync_grant
from sharing.models import Disclosure, Release, Share

MOVED_MODELS = {"sharing.release": Release, "sharing.share": Share, "sharing.disclosure": Disclosure}
SAME_SCOPE = (
    "Both records have a pending or active release with exactly the same scope. "
    "Revoke one of them before merging (or undoing the merge)."
)


def _move(model, ids, to_client):
    try:
        with transaction.atomic():  # a savepoint: the refusal below leaves the merge's transaction usable
            model.objects.filter(pk__in=ids).update(client=to_client)
    except IntegrityError as error:  # one live release per client and scope
        raise ValidationError(SAME_SCOPE) from error


def _resync_after_move(kept, merged, share_ids):
    agencies = {s.to_agency for s in Share.objects.filter(pk__in=share_ids).select_related("to_agency__group")}
    for agency in agencies:
        for client in (kept, merged):
            sync_grant(client=client, agency=agency)


@receiver(clients_merged, dispatch_uid="sharing.merging.move_to_kept")
def move_to_kept(sender, kept, merged, merge, **kwargs):
    moved = {}
    for label, model in MOVED_MODELS.items():
        ids = list(model.objects.filter(client=merged).values_list("pk", flat=True))
        _move(model, ids, kept)
        moved[label] = [str(pk) for pk in ids]
    _resync_after_move(kept, merged, moved["sharing.share"])
    return moved


@receiver(clients_unmerged, dispatch_uid="sharing.merging.move_back")
def move_back(sender, kept, merged, merge, **kwargs):
    for label, model in MOVED_MODELS.items():
        _move(model, model.objects.filter(pk__in=moved_ids(merge, label), client=kept).values("pk"), merged)
    _resync_after_move(kept, merged, moved_ids(merge, "sharing.share"))
