"""Reads of staff accounts, agencies, security events and notices, scoped by the reader."""

import math

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from hmis import permissions
from hmis.models import Agency, Notice, Role, SecurityEvent, User


def users_visible_to(user):
    """Agency leads see their agency's users; the system admin sees everyone."""
    users = User.objects.select_related("agency").prefetch_related("groups")
    if user.is_system_admin:
        return users
    if user.agency_id:
        return users.filter(agency_id=user.agency_id)
    return users.none()


def get_user_for(user, user_id):
    """404 for a missing user and for another agency's user alike."""
    found = users_visible_to(user).filter(pk=user_id).first()
    if found is None:
        raise Http404
    return found


def unused_backup_code_count(user) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user).count()


def get_agency(agency_id):
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    return agency


def locked_accounts_visible_to(user):
    """(user, attempt) pairs currently locked out by django-axes, scoped like users."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")
    by_name = {u.username: u for u in users_visible_to(user).filter(username__in=[a.username for a in attempts])}
    return [(by_name[a.username], a) for a in attempts if a.username in by_name]


def security_events_visible_to(user):
    """System admins see every agency's events; security officers their own agency's."""
    events = SecurityEvent.objects.select_related("user", "agency", "actor")
    if user.has_role(Role.SYSTEM_ADMIN):
        return events
    if user.has_role(Role.SECURITY_OFFICER) and user.agency_id:
        return events.filter(agency_id=user.agency_id)
    return events.none()


def users_holding(code, *, agency=None):
    """Active users (of ``agency`` if given) whose roles hold permission ``code``."""
    roles = permissions.registry()[code].roles
    users = User.objects.filter(is_active=True, groups__name__in=roles).distinct()
    if agency is not None:
        users = users.filter(agency=agency)
    return users


def notices_for(user):
    return Notice.objects.filter(recipient=user)


def unread_notice_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    loaded = getattr(user, "loaded_unread_notices", None)  # counted with the user, once per request
    if loaded is not None:
        return loaded
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def second_factor_wait_seconds(user) -> int:
    """How long the account's authenticators refuse every code after wrong
    ones (django-otp's per-device throttle: 1, 2, 4... seconds, kept on the
    device row, so new sign-ins do not reset it); 0 when a code is accepted."""
    now = timezone.now()
    wait = 0
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            allowed, data = device.verify_is_allowed()
            locked_until = (data or {}).get("locked_until")
            if not allowed and locked_until:
                wait = max(wait, math.ceil((locked_until - now).total_seconds()))
    return wait
