"""Turn django-axes lockouts into security events."""

from axes.signals import user_locked_out
from django.dispatch import receiver

from hmis.network import client_ip
from incidents.actions import record_security_event
from incidents.models import SecurityEvent


@receiver(user_locked_out)
def lockout_to_security_event(sender, request, username, ip_address, **kwargs):
    record_security_event(
        kind=SecurityEvent.Kind.LOCKOUT,
        username=username or "",
        ip_address=ip_address or (client_ip(request) if request is not None else None),
        detail="Locked after repeated failed sign-ins",
    )
