"""Reads of incidents and of the security-event patterns behind them, scoped by the reader.

``incidents_visible_to`` is the one place that says who sees which incident;
``get_incident_for`` answers 404 for "missing" and "not yours" alike.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, TruncDate
from django.http import Http404
from django.utils import timezone

from hmis import permissions
from hmis.models import AccessEvent, Role, SecurityEvent, User
from hmis.queries import security_events_visible_to
from hmis.signin_names import username_label
from incidents.models import CorrectiveAction, Incident


def incidents_visible_to(user):
    """System admins: every incident. Security officers and agency leads: their
    agency's. Everyone: the incidents they reported themselves."""
    incidents = Incident.objects.select_related("agency", "reporter", "assigned_to")
    if not permissions.has_permission(user, permissions.REPORT_INCIDENTS):
        return incidents.none()
    if user.is_system_admin:
        return incidents
    visible = Q(reporter=user)
    if permissions.has_permission(user, permissions.VIEW_INCIDENTS) and user.agency_id:
        visible |= Q(agency_id=user.agency_id)
    return incidents.filter(visible)


def open_actions_owned_by(user):
    """Corrective actions the user owns and has not finished, on incidents they can open."""
    return (
        CorrectiveAction.objects.filter(owner=user, done_at__isnull=True, incident__in=incidents_visible_to(user))
        .select_related("incident")
        .order_by("due_on")
    )


def get_incident_for(user, incident_id):
    incident = incidents_visible_to(user).filter(pk=incident_id).first()
    if incident is None:
        raise Http404
    return incident


def affected_client_references(incident) -> list[str]:
    return list(incident.affected_clients.order_by("client__reference").values_list("client__reference", flat=True))


def can_triage(user, incident) -> bool:
    if not permissions.has_permission(user, permissions.TRIAGE_INCIDENTS):
        return False
    return user.is_system_admin or (incident.agency_id is not None and incident.agency_id == user.agency_id)


def assignable_users(incident):
    """Who an incident may be assigned to: the agency's security officers and the system admins."""
    users = User.objects.filter(is_active=True)
    return (
        users.filter(
            Q(groups__name=Role.SYSTEM_ADMIN) | Q(agency_id=incident.agency_id, groups__name=Role.SECURITY_OFFICER)
        )
        .distinct()
        .order_by("username")
    )


def corrective_action_owned_by(user, incident_id, action_id):
    """The corrective action ``user`` owns, or None (its owner may mark it done
    without otherwise seeing the incident)."""
    from incidents.models import CorrectiveAction

    return (
        CorrectiveAction.objects.select_related("incident", "owner")
        .filter(pk=action_id, incident_id=incident_id, owner=user)
        .first()
    )


def action_owners(incident):
    """Who may own a corrective action: active users of the agency, and system admins."""
    users = User.objects.filter(is_active=True)
    return (
        users.filter(Q(agency_id=incident.agency_id) | Q(groups__name=Role.SYSTEM_ADMIN))
        .distinct()
        .order_by("username")
    )


# --- The security dashboard ------------------------------------------------------------------

FAILED_KINDS = [
    SecurityEvent.Kind.LOGIN_FAILED,
    SecurityEvent.Kind.SECOND_FACTOR_FAILED,
    SecurityEvent.Kind.PASSKEY_FAILED,
    SecurityEvent.Kind.REAUTH_FAILED,  # a wrong current password counts toward the same lockout
]
ANOMALY_KINDS = [
    SecurityEvent.Kind.SESSION_REPLACED,
    SecurityEvent.Kind.NETWORK_REFUSED,
    SecurityEvent.Kind.BULK_ACCESS,
]
OFF_HOURS = (7, 19)  # local working hours; access outside them counts as an anomaly


def _access_events_visible_to(user):
    events = AccessEvent.objects.all()
    if user.is_system_admin:
        return events
    if user.has_role(Role.SECURITY_OFFICER) and user.agency_id:
        return events.filter(actor_agency_id=user.agency_id)
    return events.none()


def security_dashboard(user, *, days=14, now=None):
    """Failed sign-ins, lockouts, anomalies and PII reveals, per user and per day.

    Counts only: no client data. Returns ``{"per_user": [...], "per_day": [...]}``.
    """
    now = now or timezone.now()
    since = now - timedelta(days=days)
    events = security_events_visible_to(user).filter(at__gte=since)
    access = _access_events_visible_to(user).filter(at__gte=since)
    tz = timezone.get_current_timezone()
    rows = {}

    def row(name):
        return rows.setdefault(
            name, {"account": username_label(name), "failed": 0, "lockouts": 0, "anomalies": 0, "reveals": 0}
        )

    for item in events.values("username", "kind").annotate(n=Count("id")):
        name = item["username"] or "(unknown)"
        if item["kind"] in FAILED_KINDS:
            row(name)["failed"] += item["n"]
        elif item["kind"] == SecurityEvent.Kind.LOCKOUT:
            row(name)["lockouts"] += item["n"]
        elif item["kind"] in ANOMALY_KINDS:
            row(name)["anomalies"] += item["n"]
    for item in access.filter(action=AccessEvent.Action.REVEAL).values("actor__username").annotate(n=Count("id")):
        row(item["actor__username"])["reveals"] += item["n"]
    off_hours = (
        access.annotate(hour=ExtractHour("at", tzinfo=tz))
        .filter(Q(hour__lt=OFF_HOURS[0]) | Q(hour__gte=OFF_HOURS[1]))
        .values("actor__username")
        .annotate(n=Count("id"))
    )
    for item in off_hours:
        row(item["actor__username"])["anomalies"] += item["n"]
    per_user = sorted(
        rows.values(), key=lambda r: (-(r["lockouts"] * 10 + r["failed"] + r["anomalies"] + r["reveals"]), r["account"])
    )

    days_map = {}
    for offset in range(days, -1, -1):
        day = timezone.localdate(now) - timedelta(days=offset)
        days_map[day] = {"day": day, "failed": 0, "lockouts": 0, "anomalies": 0, "reveals": 0}
    for item in events.annotate(day=TruncDate("at", tzinfo=tz)).values("day", "kind").annotate(n=Count("id")):
        entry = days_map.get(item["day"])
        if entry is None:
            continue
        if item["kind"] in FAILED_KINDS:
            entry["failed"] += item["n"]
        elif item["kind"] == SecurityEvent.Kind.LOCKOUT:
            entry["lockouts"] += item["n"]
        elif item["kind"] in ANOMALY_KINDS:
            entry["anomalies"] += item["n"]
    reveals_by_day = access.filter(action=AccessEvent.Action.REVEAL).annotate(day=TruncDate("at", tzinfo=tz))
    for item in reveals_by_day.values("day").annotate(n=Count("id")):
        if item["day"] in days_map:
            days_map[item["day"]]["reveals"] += item["n"]
    return {"per_user": per_user, "per_day": list(days_map.values()), "since": since}


# --- The security officer's home: incidents by what they wait for ---------------------------


@dataclass(frozen=True)
class WaitingItem:
    incident: object
    what: str
    due: object  # a datetime or a date
    countdown: str


def incident_worklist(user) -> dict[str, list[WaitingItem]]:
    """Open incidents ``user`` triages, by what they wait for: triage,
    assessment, notifications due, actions due; each with its deadline,
    soonest first. Empty lists for users who do not triage."""
    from incidents.deadlines import deadlines_for, unrecorded_notifications
    from incidents.models import Determination, Status

    work = {"triage": [], "assessment": [], "notifications": [], "actions": []}
    if not permissions.has_permission(user, permissions.TRIAGE_INCIDENTS):
        return work
    incidents = incidents_visible_to(user).exclude(status=Status.CLOSED)
    if not user.is_system_admin:
        incidents = incidents.filter(agency_id=user.agency_id)
    for incident in incidents.prefetch_related("corrective_actions__owner", "breach_notices")[:200]:
        deadlines = deadlines_for(incident)
        first = min(deadlines, key=lambda d: d.due_at) if deadlines else None
        if incident.status == Status.REPORTED:
            work["triage"].append(_item(incident, "Triage", first))
        if incident.determination == Determination.UNDETERMINED:
            work["assessment"].append(_item(incident, "Breach assessment", first))
        if unrecorded_notifications(incident):
            unmet = min((d for d in deadlines if not d.met), key=lambda d: d.due_at)
            missing = ", ".join(label.lower() for d in deadlines for label in d.missing_labels)
            work["notifications"].append(_item(incident, f"Notify {missing}", unmet))
        for action in incident.corrective_actions.all():
            if action.verified_at is None:
                what = (
                    "Verify a corrective action" if action.done_at else f"Corrective action ({action.owner.username})"
                )
                work["actions"].append(WaitingItem(incident, what, action.due_on, _days_left(action.due_on)))
    for items in work.values():
        items.sort(key=lambda item: str(item.due))
    return work


def _item(incident, what, deadline):
    if deadline is None:
        return WaitingItem(incident, what, "", "")
    return WaitingItem(incident, what, deadline.due_at, deadline.countdown)


def _days_left(due_on):
    days = (due_on - timezone.localdate()).days
    if days < 0:
        return f"overdue by {-days} day{'s' if days != -1 else ''}"
    return f"{days} day{'s' if days != 1 else ''} left"
