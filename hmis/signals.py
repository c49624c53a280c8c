"""Signals the core sends so that feature apps can react without the core
importing them, and the core's own receivers (django-axes lockouts)."""

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import Signal, receiver
from django.utils import timezone

from hmis.network import client_ip

# Sent by ``hmis.actions.record_security_event`` with ``event=`` (a saved
# ``SecurityEvent``), inside the transaction that wrote it: a receiver's writes
# (the incidents app opening an incident) commit or roll back with the event.
security_event_recorded = Signal()


@receiver(user_locked_out)
def lockout_to_security_event(sender, request, username, ip_address, **kwargs):
    """One event per lockout: axes signals again for every attempt during it."""
    from hmis.actions import record_security_event
    from hmis.models import SecurityEvent

    ip = ip_address or (client_ip(request) if request is not None else None)
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    if SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOCKOUT, username=username or "", ip_address=ip, at__gte=since
    ).exists():
        return
    record_security_event(
        kind=SecurityEvent.Kind.LOCKOUT,
        username=username or "",
        ip_address=ip,
        detail="Locked after repeated failed sign-ins",
    )
