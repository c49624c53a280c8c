"""Reads of security events, scoped by the reader."""

from hmis.models import Role
from incidents.models import SecurityEvent


def security_events_visible_to(user):
    """System admins see every agency's events; security officers their own agency's."""
    events = SecurityEvent.objects.select_related("user", "agency", "actor")
    if user.has_role(Role.SYSTEM_ADMIN):
        return events
    if user.has_role(Role.SECURITY_OFFICER) and user.agency_id:
        return events.filter(agency_id=user.agency_id)
    return events.none()
