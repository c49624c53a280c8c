"""Rules that open incidents from security events and access events, as data,
and the read-only checks that say when one matches.

Each event rule counts events of one kind for one account within a window;
at the threshold ``incidents.actions.apply_event_rules`` opens an incident (or
links the event to the one already open for that rule and account: never a
duplicate). The bulk-access rule counts distinct clients one user opened
within a window, from the access log (``hmis.models.AccessEvent``); it runs
periodically (``incidents.actions.check_bulk_access``). Nothing here writes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from hmis.models import AccessEvent, SecurityEvent, User
from incidents.models import Category, Incident, Severity, Status


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


@dataclass(frozen=True)
class EventRuleMatch:
    rule: EventRule
    description: str
    since: datetime  # the first event of the run that reached the threshold


def event_rule_matches(event) -> list[EventRuleMatch]:
    """The event rules that ``event`` brings to their threshold."""
    matches = []
    for rule in EVENT_RULES:
        if rule.kind != event.kind or not event.username:
            continue
        since = event.at - rule.window
        events = SecurityEvent.objects.filter(kind=rule.kind, username__iexact=event.username, at__gte=since)
        count = events.count()
        if count < rule.threshold():
            continue
        first = events.aggregate(first=Min("at"))["first"] or event.at
        description = rule.describe.format(
            count=count, account=event.account_label, hours=int(rule.window.total_seconds() // 3600)
        )
        matches.append(EventRuleMatch(rule, description, first))
    return matches


BULK_ACCESS_RULE = "bulk_access"


@dataclass(frozen=True)
class BulkAccess:
    user: User
    clients: int  # distinct clients opened within the window
    first: datetime


def bulk_access_candidates(*, now=None) -> list[BulkAccess]:
    """Users who opened more than ``HMIS_BULK_ACCESS_THRESHOLD`` distinct clients
    within ``HMIS_BULK_ACCESS_WINDOW_MINUTES`` and have no open bulk-access incident."""
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.HMIS_BULK_ACCESS_WINDOW_MINUTES)
    heavy = (
        AccessEvent.objects.filter(
            subject_type="clients.client", action=AccessEvent.Action.VIEW, at__gte=since, at__lte=now
        )
        .values("actor")
        .annotate(clients=Count("subject_id", distinct=True), first=Min("at"))
        .filter(clients__gt=settings.HMIS_BULK_ACCESS_THRESHOLD)
    )
    candidates = []
    users = User.objects.select_related("agency")
    for row in heavy:
        user = users.get(pk=row["actor"])
        if (
            Incident.objects.filter(rule=BULK_ACCESS_RULE, rule_key=user.username.lower())
            .exclude(status=Status.CLOSED)
            .exists()
        ):
            continue
        candidates.append(BulkAccess(user, row["clients"], row["first"]))
    return candidates
