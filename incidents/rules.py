"""Rules that open incidents from security events and access events, as data.

Each event rule counts events of one kind for one account within a window;
at the threshold it opens an incident (or links the event to the one already
open for that rule and account: never a duplicate). The bulk-access rule
counts distinct clients one user opened within a window, from the access
log (``hmis.models.AccessEvent``), and runs periodically.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from hmis.models import AccessEvent
from incidents.models import Category, Incident, SecurityEvent, Severity, Status


@dataclass(frozen=True)
class EventRule:
    name: str
    kind: str
    threshold: Callable[[], int]
    window: timedelta
    category: str
    severity: str
    describe: str  # formatted with count, account and hours: no client data


EVENT_RULES = [
    EventRule(
        "repeated_lockouts",
        SecurityEvent.Kind.LOCKOUT,
        lambda: settings.HMIS_LOCKOUT_INCIDENT_THRESHOLD,
        timedelta(days=1),
        Category.REPEATED_FAILED_LOGINS,
        Severity.HIGH,
        "Opened automatically: {count} lockouts of account {account} within {hours} hours.",
    ),
    EventRule(
        "repeated_session_replacement",
        SecurityEvent.Kind.SESSION_REPLACED,
        lambda: settings.HMIS_SESSION_REPLACED_INCIDENT_THRESHOLD,
        timedelta(days=1),
        Category.SHARED_CREDENTIALS,
        Severity.MEDIUM,
        "Opened automatically: {count} sign-ins ended another live session of account {account} "
        "within {hours} hours (possible shared credentials).",
    ),
    EventRule(
        "refused_networks",
        SecurityEvent.Kind.NETWORK_REFUSED,
        lambda: settings.HMIS_NETWORK_REFUSED_INCIDENT_THRESHOLD,
        timedelta(days=1),
        Category.SUSPECTED_UNAUTHORIZED_ACCESS,
        Severity.MEDIUM,
        "Opened automatically: {count} requests for account {account} from networks the agency does not allow "
        "within {hours} hours.",
    ),
    # One pressure report goes to the supervisors, who decide whether it is an
    # incident; a pattern of them opens one without waiting.
    EventRule(
        "pressure_to_share",
        SecurityEvent.Kind.PRESSURE_REPORT,
        lambda: settings.HMIS_PRESSURE_INCIDENT_THRESHOLD,
        timedelta(days=7),
        Category.SUSPICIOUS_ACCESS_REQUEST,
        Severity.MEDIUM,
        "Opened automatically: staff account {account} reported being pushed for access to client data "
        "{count} times within {hours} hours.",
    ),
]


def apply_event_rules(event):
    """Open or extend incidents for ``event``; returns the incidents touched."""
    from incidents.actions import open_incident_from_security_event

    touched = []
    for rule in EVENT_RULES:
        if rule.kind != event.kind or not event.username:
            continue
        since = event.at - rule.window
        events = SecurityEvent.objects.filter(kind=rule.kind, username__iexact=event.username, at__gte=since)
        count = events.count()
        if count < rule.threshold():
            continue
        first = events.aggregate(first=Min("at"))["first"] or event.at
        with transaction.atomic():
            incident, _ = open_incident_from_security_event(
                event=event,
                rule=rule.name,
                category=rule.category,
                severity=rule.severity,
                description=rule.describe.format(
                    count=count, account=event.account_label, hours=int(rule.window.total_seconds() // 3600)
                ),
                since=first,
            )
        touched.append(incident)
    return touched


BULK_ACCESS_RULE = "bulk_access"


def check_bulk_access(*, now=None):
    """Open an incident for each user who opened more than ``HMIS_BULK_ACCESS_THRESHOLD``
    distinct clients within ``HMIS_BULK_ACCESS_WINDOW_MINUTES``. Returns the incidents opened."""
    from incidents.actions import open_incident_from_security_event, record_security_event

    now = now or timezone.now()
    minutes = settings.HMIS_BULK_ACCESS_WINDOW_MINUTES
    since = now - timedelta(minutes=minutes)
    heavy = (
        AccessEvent.objects.filter(
            subject_type="clients.client", action=AccessEvent.Action.VIEW, at__gte=since, at__lte=now
        )
        .values("actor")
        .annotate(clients=Count("subject_id", distinct=True), first=Min("at"))
        .filter(clients__gt=settings.HMIS_BULK_ACCESS_THRESHOLD)
    )
    opened = []
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.select_related("agency")
    for row in heavy:
        user = users.get(pk=row["actor"])
        if (
            Incident.objects.filter(rule=BULK_ACCESS_RULE, rule_key=user.username.lower())
            .exclude(status=Status.CLOSED)
            .exists()
        ):
            continue
        with transaction.atomic():
            event = record_security_event(
                kind=SecurityEvent.Kind.BULK_ACCESS,
                user=user,
                detail=f"{row['clients']} distinct clients opened within {minutes} minutes",
            )
            incident, created = open_incident_from_security_event(
                event=event,
                rule=BULK_ACCESS_RULE,
                category=Category.SUSPECTED_UNAUTHORIZED_ACCESS,
                severity=Severity.HIGH,
                description=(
                    f"Opened automatically: account {user.username} opened {row['clients']} distinct clients "
                    f"within {minutes} minutes (threshold {settings.HMIS_BULK_ACCESS_THRESHOLD})."
                ),
                since=row["first"],
            )
        if created:
            opened.append(incident)
    return opened
