"""What incidents tell the retention job (``clients.retention``): a client
named as affected by an incident that is not closed keeps its identifying data."""

from django.db.models import Exists, OuterRef, Q
from django.dispatch import receiver

from clients.models import Client
from clients.signals import RetentionRules, retention_rules
from incidents.models import AffectedClient, Status


@receiver(retention_rules, sender=Client, dispatch_uid="incidents.retention")
def open_incidents(sender, *, now, **kwargs):
    open_incident = AffectedClient.objects.filter(client=OuterRef("pk")).exclude(incident__status=Status.CLOSED)
    return RetentionRules(keeps=(Q(Exists(open_incident)),))
