"""Writes of the incidents app. Security events are recorded by the system
(sign-in machinery, middleware), so they take no permission check beyond
being called from trusted code; everything a person does goes through a
function that takes ``acting_user``."""

from django.contrib.auth import get_user_model

from incidents.models import SecurityEvent


def record_security_event(*, kind, user=None, username="", ip_address=None, actor=None, detail="", agency=None):
    """Store one security event. ``detail`` must not contain client data."""
    if user is None and username:
        user = get_user_model().objects.filter(username=username).select_related("agency").first()
    if agency is None and user is not None:
        agency = user.agency
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=(user.username if user is not None else username)[:150],
        ip_address=ip_address or None,
        actor=actor,
        agency=agency,
        detail=detail[:300],
    )
