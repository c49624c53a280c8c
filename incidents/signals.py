"""Turn django-axes lockouts into security events."""

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone

from hmis.network import client_ip
from incidents.actions import record_security_event
from incidents.models import SecurityEvent


@receiver(user_locked_out)
def lockout_to_security_event(sender, request, username, ip_address, **kwargs):
    """One event per lockout: axes signals again for every attempt during it."""
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
