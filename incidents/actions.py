"""Writes of the incidents app: one function per business action.

What the system does on its own (apply the rules to a security event the core
recorded, check bulk access, send reminders) takes no acting user and is
called from trusted code only: the signal receiver and the tasks. Everything
a person does goes through a function that takes ``acting_user``, checks
permission and the object's agency, validates, writes inside one
transaction, leaves a timeline entry (and an auditlog entry) and enqueues
work with ``on_commit``.
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from hmis import permissions
from hmis.actions import record_security_event
from hmis.audit import acting_as
from hmis.blind_index import normalize_name
from hmis.models import Role, SecurityEvent
from incidents import mailer, rules
from incidents.emails import reminder_message
from incidents.models import (
    DEFAULT_SEVERITY,
    AffectedClient,
    BreachNotice,
    Category,
    CorrectiveAction,
    Determination,
    Incident,
    Notification,
    RecipientRole,
    SecurityEventLink,
    Severity,
    Status,
    TimelineEntry,
)

log = logging.getLogger(__name__)


# --- Helpers ------------------------------------------------------------------------------


def _require(user, code):
    if not permissions.has_permission(user, code):
        raise PermissionDenied


def _require_triage(user, incident):
    """Triage roles of the incident's agency, or the system admin. Others: not found."""
    _require(user, permissions.TRIAGE_INCIDENTS)
    if not user.is_system_admin and (incident.agency_id is None or incident.agency_id != user.agency_id):
        raise Http404


def _timeline(incident, kind, actor=None, note="", from_status="", to_status=""):
    return TimelineEntry.objects.create(
        incident=incident, kind=kind, actor=actor, note=note[:300], from_status=from_status, to_status=to_status
    )


def _lock(incident):
    return Incident.objects.select_for_update().get(pk=incident.pk)


def next_reference(at) -> str:
    """``INC-YYYY-NNNNN``: one atomic upsert per number, so concurrent reports never share one."""
    year = timezone.localtime(at).year
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_referencecounter (year, last) VALUES (%s, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = incidents_referencecounter.last + 1 RETURNING last",
            [year],
        )
        (number,) = cursor.fetchone()
    return f"INC-{year}-{number:05d}"


# Free text must not carry client identifiers. This catches the obvious ones
# (an SSN); the form also tells people not to type names or dates of birth.
SSN_PATTERN = re.compile(r"\b\d{3}[- ]?\d{2}[- ]?\d{4}\b")


def _check_free_text(field, text, *, clients=()):
    """Refuse an SSN, and the name of any of ``clients`` (the incident's affected clients)."""
    if SSN_PATTERN.search(text or ""):
        raise ValidationError({field: "This looks like a Social Security number. Remove it: never type client PII."})
    _check_no_client_names(field, text, clients)


_WORDS = re.compile(r"[^\W\d_]+")


def _folded_words(text) -> set[str]:
    return {w for w in (normalize_name(word) for word in _WORDS.findall(text or "")) if w}


def _affected_clients(incident):
    return [link.client for link in incident.affected_clients.select_related("client")]


def _check_no_client_names(field, text, clients):
    """Refuse free text naming one of the picked clients (first or last name, any
    case or accents, whole words): the reference code identifies them instead.
    The message does not repeat the name."""
    typed = _folded_words(text)
    for client in clients:
        # One-letter parts (the O of O'Brien) would match ordinary words.
        names = {n for n in _folded_words(client.first_name) | _folded_words(client.last_name) if len(n) > 1}
        if typed & names:
            raise ValidationError(
                {
                    field: f"This names an affected client. Remove the name and use the client's reference code "
                    f"({client.reference}) instead."
                }
            )


# --- Escalation ----------------------------------------------------------------------------


def escalation_recipients(incident):
    """``(role, address, user)`` for each recipient of a new incident.

    The rule for the lead: the "HMIS Lead Administrator" recipient is the one
    configured mailbox ``HMIS_LEAD_EMAIL`` (exactly one message per incident).
    System-admin users are e-mailed only when an escalation stays
    unacknowledged past the reminder limit (``RecipientRole.SYSTEM_ADMIN``).
    """
    User = get_user_model()
    recipients = []
    if incident.agency_id:
        for role, recipient_role in (
            (Role.SECURITY_OFFICER, RecipientRole.SECURITY_OFFICER),
            (Role.AGENCY_LEAD, RecipientRole.AGENCY_LEAD),
        ):
            users = User.objects.filter(agency_id=incident.agency_id, is_active=True, groups__name=role).exclude(
                email=""
            )
            recipients += [(recipient_role, u.email.lower(), u) for u in users.order_by("username")]
    recipients.append((RecipientRole.HMIS_LEAD, settings.HMIS_LEAD_EMAIL.lower(), None))
    recipients.append((RecipientRole.VENDOR_SUPPORT, settings.HMIS_VENDOR_SUPPORT_EMAIL.lower(), None))
    return recipients


def _message_id(notification_id):
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "hmis.invalid"
    return f"<{notification_id}.incident@{domain}>"


def _create_notifications(incident, recipients):
    """Create the rows (idempotent: the unique constraint drops duplicates) and
    dispatch their delivery once the transaction commits."""
    import uuid

    rows = []
    for role, address, user in recipients:
        pk = uuid.uuid4()
        rows.append(
            Notification(
                id=pk, incident=incident, role=role, address=address, recipient=user, message_id=_message_id(pk)
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    incident_id = str(incident.pk)

    def dispatch():
        from incidents import tasks

        tasks.escalate_incident.delay(incident_id)

    transaction.on_commit(dispatch)


def _start_escalation(incident):
    recipients = escalation_recipients(incident)
    roles = {r for r, _, _ in recipients}
    if incident.agency_id:
        for missing in {RecipientRole.SECURITY_OFFICER, RecipientRole.AGENCY_LEAD} - roles:
            _timeline(incident, TimelineEntry.Kind.ESCALATION, note=f"No active {missing.label.lower()} on file")
    _create_notifications(incident, recipients)


# --- Reporting ------------------------------------------------------------------------------


@transaction.atomic
def report_incident(*, acting_user, category, occurred_at, discovered_at, description, affected_clients=()):
    """Any signed-in user reports an incident for their agency. Escalation starts on commit.

    ``affected_clients`` are client ids picked by the reporter, each one a
    client the reporter's own list shows (``clients.queries.clients_listed_for``).
    """
    from clients.queries import clients_listed_for

    _require(acting_user, permissions.REPORT_INCIDENTS)
    if category not in Category.values:
        raise ValidationError({"category": "Choose one of the listed categories."})
    wanted = {str(c) for c in affected_clients}
    picked = list(clients_listed_for(acting_user).filter(pk__in=wanted)) if wanted else []
    if len(picked) != len(wanted):
        raise ValidationError({"affected_clients": "Pick affected clients from your own list only."})
    _check_free_text("description", description, clients=picked)
    now = timezone.now()
    incident = Incident(
        agency_id=acting_user.agency_id,
        reporter=acting_user,
        source=Incident.Source.REPORT,
        category=category,
        occurred_at=occurred_at,
        discovered_at=discovered_at,
        reported_at=now,
        description=(description or "").strip(),
        severity=DEFAULT_SEVERITY[category],
        reference="pending",
    )
    incident.full_clean(exclude=["reference"], validate_constraints=False)
    incident.reference = next_reference(now)
    with acting_as(acting_user):
        incident.save()
        AffectedClient.objects.bulk_create(
            [AffectedClient(incident=incident, client=client, linked_by=acting_user) for client in picked]
        )
        _timeline(incident, TimelineEntry.Kind.REPORTED, actor=acting_user, to_status=Status.REPORTED)
        _start_escalation(incident)
    return incident


@transaction.atomic
def open_incident_by_rule(*, rule, rule_key, agency, category, description, severity=None, occurred_at=None):
    """Open an incident for ``(rule, rule_key)`` unless one is open already.

    Returns ``(incident, created)``. The partial unique constraint makes this
    safe when two events race: the loser finds the winner's incident.
    """
    existing = Incident.objects.filter(rule=rule, rule_key=rule_key).exclude(status=Status.CLOSED).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    incident = Incident(
        agency=agency,
        source=Incident.Source.RULE,
        category=category,
        occurred_at=min(occurred_at or now, now),
        discovered_at=now,
        reported_at=now,
        description=description[:4000],
        severity=severity or DEFAULT_SEVERITY[category],
        rule=rule,
        rule_key=rule_key[:150],
        reference=next_reference(now),
    )
    try:
        with transaction.atomic():
            incident.save()
    except IntegrityError:
        return Incident.objects.filter(rule=rule, rule_key=rule_key).exclude(status=Status.CLOSED).get(), False
    _timeline(incident, TimelineEntry.Kind.OPENED_BY_RULE, to_status=Status.REPORTED, note=f"Rule: {rule}")
    _start_escalation(incident)
    return incident, True


@transaction.atomic
def open_incident_from_security_event(*, event, rule, category, description, severity=None, since=None):
    """Open (or find the open) incident for ``event`` and link the event and,
    when ``since`` is given, its earlier siblings of the same kind and account.

    For the sharing app's pressure reports and the rules in ``incidents.rules``.
    """
    key = (event.username or str(event.user_id or event.pk)).lower()
    incident, created = open_incident_by_rule(
        rule=rule,
        rule_key=key,
        agency=event.agency,
        category=category,
        description=description,
        severity=severity,
        occurred_at=event.at if since is None else since,
    )
    SecurityEventLink.objects.update_or_create(security_event_id=event.pk, defaults={"incident": incident})
    if since is not None:
        unlinked = SecurityEvent.objects.filter(
            kind=event.kind, username__iexact=event.username, at__gte=since, incident_link__isnull=True
        ).exclude(pk=event.pk)
        SecurityEventLink.objects.bulk_create(
            [SecurityEventLink(security_event=sibling, incident=incident) for sibling in unlinked],
            ignore_conflicts=True,
        )
    if not created:
        _timeline(incident, TimelineEntry.Kind.SECURITY_EVENT, note=f"Another event: {event.get_kind_display()}")
    return incident, created


def apply_event_rules(event):
    """Open or extend an incident for each rule ``event`` brings to its threshold
    (``incidents.rules``); returns the incidents touched. Runs inside the
    transaction that recorded the event (``hmis.signals.security_event_recorded``)."""
    touched = []
    for match in rules.event_rule_matches(event):
        incident, _ = open_incident_from_security_event(
            event=event,
            rule=match.rule.name,
            category=match.rule.category,
            severity=match.rule.severity,
            description=match.description,
            since=match.since,
        )
        touched.append(incident)
    return touched


def check_bulk_access(*, now=None):
    """Open an incident for each user who opened more than ``HMIS_BULK_ACCESS_THRESHOLD``
    distinct clients within ``HMIS_BULK_ACCESS_WINDOW_MINUTES``, with a security
    event for it, one transaction per user. Returns the incidents opened."""
    minutes = settings.HMIS_BULK_ACCESS_WINDOW_MINUTES
    opened = []
    for heavy in rules.bulk_access_candidates(now=now):
        with transaction.atomic():
            event = record_security_event(
                kind=SecurityEvent.Kind.BULK_ACCESS,
                user=heavy.user,
                detail=f"{heavy.clients} distinct clients opened within {minutes} minutes",
            )
            incident, created = open_incident_from_security_event(
                event=event,
                rule=rules.BULK_ACCESS_RULE,
                category=Category.SUSPECTED_UNAUTHORIZED_ACCESS,
                severity=Severity.HIGH,
                description=(
                    f"Opened automatically: account {heavy.user.username} opened {heavy.clients} distinct clients "
                    f"within {minutes} minutes (threshold {settings.HMIS_BULK_ACCESS_THRESHOLD})."
                ),
                since=heavy.first,
            )
        if created:
            opened.append(incident)
    return opened


@transaction.atomic
def report_session_not_me(*, event_id):
    """The holder of a session that a sign-in elsewhere ended says the sign-in
    was not theirs. Called from the signed-out browser, so there is no acting
    user: the caller has checked a signed token tied to that ended session.
    Opens (or adds to) one incident per account; no client data."""
    event = (
        SecurityEvent.objects.select_related("agency", "user")
        .filter(pk=event_id, kind=SecurityEvent.Kind.SESSION_REPLACED)
        .first()
    )
    if event is None:
        raise ValidationError("This report link is not valid.")
    incident, _ = open_incident_from_security_event(
        event=event,
        rule="session_not_me",
        category=Category.SUSPECTED_UNAUTHORIZED_ACCESS,
        severity=Severity.HIGH,
        description=(
            f"The holder of account {event.username} reported, from the browser whose session was ended, "
            "that the sign-in which ended it was not theirs."
        ),
    )
    _timeline(incident, TimelineEntry.Kind.SECURITY_EVENT, note="Reported by the account holder: that wasn't me")
    return incident


# --- Triage and workflow ---------------------------------------------------------------------


def _mark_acknowledged(incident, now):
    if incident.acknowledged_at is None:
        incident.acknowledged_at = now


@transaction.atomic
def triage_incident(*, acting_user, incident, severity, assigned_to=None):
    _require_triage(acting_user, incident)
    incident = _lock(incident)
    if severity not in Severity.values:
        raise ValidationError({"severity": "Choose a severity."})
    if assigned_to is not None and not (
        assigned_to.is_active
        and (
            assigned_to.is_system_admin
            or (assigned_to.agency_id == incident.agency_id and assigned_to.has_role(Role.SECURITY_OFFICER))
        )
    ):
        raise ValidationError({"assigned_to": "Assign the agency's security officer or a system administrator."})
    if incident.status == Status.CLOSED:
        raise ValidationError("This incident is closed.")
    changes = []
    if incident.severity != severity:
        changes.append(f"severity {incident.get_severity_display()} -> {Severity(severity).label}")
    if incident.assigned_to_id != (assigned_to.pk if assigned_to else None):
        changes.append(f"assigned to {assigned_to.username if assigned_to else 'nobody'}")
    incident.severity = severity
    incident.assigned_to = assigned_to
    _mark_acknowledged(incident, timezone.now())
    with acting_as(acting_user):
        incident.save()
        if changes:
            _timeline(incident, TimelineEntry.Kind.TRIAGE, actor=acting_user, note="; ".join(changes))
    return incident


@transaction.atomic
def move_incident(*, acting_user, incident, to_status):
    """A forward move along ``Incident.TRANSITIONS``; closing needs
    ``Incident.closing_problems()`` empty. Reopening is ``reopen_incident``."""
    _require_triage(acting_user, incident)
    incident = _lock(incident)
    if incident.status == Status.CLOSED or not incident.can_move_to(to_status):
        raise ValidationError(
            f"An incident that is {incident.get_status_display().lower()} cannot move to "
            f"{Status(to_status).label.lower() if to_status in Status.values else to_status}."
        )
    if to_status == Status.CLOSED:
        problems = incident.closing_problems()
        if problems:
            raise ValidationError(problems)
    _mark_acknowledged(incident, timezone.now())
    with acting_as(acting_user):
        from_status = incident.move_to(to_status, by=acting_user)
        _timeline(incident, TimelineEntry.Kind.STATUS, actor=acting_user, from_status=from_status, to_status=to_status)
    return incident


@transaction.atomic
def record_assessment(*, acting_user, incident, determination, affected_count, affected_state, summary=""):
    """Breach determination, the number of affected people and their state, the summary."""
    _require_triage(acting_user, incident)
    incident = _lock(incident)
    if incident.status == Status.CLOSED:
        raise ValidationError("This incident is closed.")
    if determination not in Determination.values:
        raise ValidationError({"determination": "Choose yes, no or undetermined."})
    if affected_count is None or int(affected_count) < 0:
        raise ValidationError({"affected_count": "Enter the number of affected people (0 or more)."})
    _check_free_text("summary", summary, clients=_affected_clients(incident))
    incident.determination = determination
    incident.affected_count = int(affected_count)
    incident.affected_state = (affected_state or "").strip().upper()
    incident.summary = (summary or "").strip()
    incident.full_clean(exclude=["reference"], validate_constraints=False)
    with acting_as(acting_user):
        incident.save()
        _timeline(
            incident,
            TimelineEntry.Kind.DETERMINATION,
            actor=acting_user,
            note=f"Breach: {incident.get_determination_display()}; {incident.affected_count} affected "
            f"({incident.affected_state})" + ("; summary updated" if incident.summary else ""),
        )
    return incident


@transaction.atomic
def add_corrective_action(*, acting_user, incident, what, owner, due_on):
    _require_triage(acting_user, incident)
    incident = _lock(incident)
    if incident.status == Status.CLOSED:
        raise ValidationError("This incident is closed.")
    what = (what or "").strip()
    if not what:
        raise ValidationError({"what": "Say what will be done."})
    _check_free_text("what", what, clients=_affected_clients(incident))
    if owner is None or not owner.is_active or (not owner.is_system_admin and owner.agency_id != incident.agency_id):
        raise ValidationError({"owner": "The owner must be an active user of the agency."})
    action = CorrectiveAction(incident=incident, what=what, owner=owner, due_on=due_on, created_by=acting_user)
    action.full_clean()
    with acting_as(acting_user):
        action.save()
        _timeline(
            incident,
            TimelineEntry.Kind.ACTION_ADDED,
            actor=acting_user,
            note=f"{what} (owner {owner.username}, due {due_on})",
        )
    return action


@transaction.atomic
def complete_corrective_action(*, acting_user, action):
    """Its owner marks it done (the security officer then verifies it)."""
    incident = action.incident
    if acting_user.pk != action.owner_id:
        raise ValidationError(f"Only its owner, {action.owner.username}, marks this corrective action done.")
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    if action.done_at is not None:
        raise ValidationError("This corrective action is already done.")
    action.done_at = timezone.now()
    action.done_by = acting_user
    with acting_as(acting_user):
        action.save()
        _timeline(incident, TimelineEntry.Kind.ACTION_DONE, actor=acting_user, note=action.what)
    return action


@transaction.atomic
def verify_corrective_action(*, acting_user, action):
    """A triage user other than the one who did it confirms it was done."""
    _require_triage(acting_user, action.incident)
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    if action.done_at is None:
        raise ValidationError("Mark the corrective action done before verifying it.")
    if action.verified_at is not None:
        raise ValidationError("This corrective action is already verified.")
    if action.done_by_id == acting_user.pk:
        raise ValidationError("Someone other than the person who did it verifies it.")
    action.verified_at = timezone.now()
    action.verified_by = acting_user
    with acting_as(acting_user):
        action.save()
        _timeline(action.incident, TimelineEntry.Kind.ACTION_VERIFIED, actor=acting_user, note=action.what)
    return action


@transaction.atomic
def record_breach_notice(*, acting_user, incident, audience, notified_on, method, notified_count, sent_by, details=""):
    """Record a breach notification that was made (to whom, when, how, by whom, how many).

    For an incident whose breach determination is "yes"; the closing check
    (``Incident.closing_problems``) needs one for each audience a deadline rule names.
    """
    _require_triage(acting_user, incident)
    incident = _lock(incident)
    errors = {}
    if not incident.is_open:
        raise ValidationError("This incident is closed: reopen it first.")
    if incident.determination != Determination.BREACH:
        errors["audience"] = "Record the breach determination as a breach before recording notifications."
    if audience not in BreachNotice.Audience.values:
        errors["audience"] = "Choose who was notified."
    if method not in BreachNotice.Method.values:
        errors["method"] = "Choose how they were notified."
    if notified_on and notified_on > timezone.localdate():
        errors["notified_on"] = "The date notified cannot be in the future."
    if notified_on and notified_on < timezone.localtime(incident.discovered_at).date():
        errors["notified_on"] = "The date notified cannot be before the incident was discovered."
    sent_by, details = (sent_by or "").strip(), (details or "").strip()
    if not sent_by:
        errors["sent_by"] = "Say who sent the notification (a name or office)."
    if errors:
        raise ValidationError(errors)
    clients = _affected_clients(incident)
    _check_free_text("sent_by", sent_by, clients=clients)
    _check_free_text("details", details, clients=clients)
    notice = BreachNotice(
        incident=incident,
        audience=audience,
        notified_on=notified_on,
        method=method,
        notified_count=notified_count,
        sent_by=sent_by,
        details=details,
        recorded_by=acting_user,
    )
    notice.full_clean()
    with acting_as(acting_user):
        notice.save()
        _timeline(
            incident,
            TimelineEntry.Kind.BREACH_NOTICE,
            actor=acting_user,
            note=f"{notice.get_audience_display()}: {notified_count} notified on {notified_on:%Y-%m-%d}",
        )
    return notice


@transaction.atomic
def reopen_incident(*, acting_user, incident, reason):
    """A closed incident goes back to corrective action, with the reason on the timeline."""
    _require_triage(acting_user, incident)
    incident = _lock(incident)
    if incident.is_open:
        raise ValidationError("This incident is open already.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the incident is reopened."})
    _check_free_text("reason", reason, clients=_affected_clients(incident))
    with acting_as(acting_user):
        incident.move_to(Status.CORRECTIVE_ACTION, by=acting_user, note=reason[:500])
        _timeline(
            incident,
            TimelineEntry.Kind.REOPENED,
            actor=acting_user,
            note=reason,
            from_status=Status.CLOSED,
            to_status=Status.CORRECTIVE_ACTION,
        )
    return incident


@transaction.atomic
def waive_corrective_actions(*, acting_user, incident, text):
    """A system admin's written waiver lets the incident close with actions open."""
    _require(acting_user, permissions.WAIVE_CORRECTIVE_ACTIONS)
    _require_triage(acting_user, incident)
    incident = _lock(incident)
    text = (text or "").strip()
    if len(text) < 10:
        raise ValidationError({"waiver": "Write why the open corrective actions are waived."})
    _check_free_text("waiver", text, clients=_affected_clients(incident))
    incident.waiver = text
    incident.waived_by = acting_user
    incident.waived_at = timezone.now()
    with acting_as(acting_user):
        incident.save()
        _timeline(incident, TimelineEntry.Kind.WAIVED, actor=acting_user)
    return incident


def acknowledgeable_notifications(user, incident):
    """The escalation rows ``user`` may acknowledge on ``incident``: their own,
    and for a system admin the HMIS Lead Administrator's and system admins' rows."""
    rows = incident.notifications.filter(acknowledged_at__isnull=True).exclude(role=RecipientRole.VENDOR_SUPPORT)
    mine = Q(recipient=user)
    if user.is_system_admin:
        mine |= Q(role__in=[RecipientRole.HMIS_LEAD, RecipientRole.SYSTEM_ADMIN])
    return rows.filter(mine)


@transaction.atomic
def acknowledge_escalation(*, acting_user, incident):
    """Record that the recipient has the escalation; reminders stop for the incident."""
    _require(acting_user, permissions.ACKNOWLEDGE_INCIDENTS)
    now = timezone.now()
    rows = list(acknowledgeable_notifications(acting_user, incident))
    if not rows:
        raise ValidationError("There is no escalation addressed to you to acknowledge.")
    with acting_as(acting_user):
        for row in rows:
            row.acknowledged_at = now
            row.acknowledged_by = acting_user
            row.save(update_fields=["acknowledged_at", "acknowledged_by"])
        Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)
        roles = ", ".join(sorted({r.get_role_display() for r in rows}))
        _timeline(incident, TimelineEntry.Kind.ACKNOWLEDGED, actor=acting_user, note=f"as {roles}")
    return rows


# --- Reminders and escalation to the system admin (called by tasks) --------------------------


def reminder_due(incident, now):
    minutes = settings.HMIS_INCIDENT_REMINDER_MINUTES[incident.severity]
    return (incident.last_reminded_at or incident.reported_at) + timedelta(minutes=minutes) <= now


@transaction.atomic
def escalate_to_system_admins(*, incident):
    """After the reminder limit: e-mail every active system admin, once."""
    if not Incident.objects.filter(pk=incident.pk, escalated_to_admin_at__isnull=True).update(
        escalated_to_admin_at=timezone.now()
    ):
        return False
    admins = get_user_model().objects.filter(is_active=True, groups__name=Role.SYSTEM_ADMIN).exclude(email="")
    _create_notifications(incident, [(RecipientRole.SYSTEM_ADMIN, u.email.lower(), u) for u in admins])
    _timeline(incident, TimelineEntry.Kind.ESCALATION, note="Unacknowledged after every reminder: system admins told")
    return True


def claim_reminder(*, incident, now):
    """Claim reminder number ``reminders_sent + 1`` with a conditional update (at most once)."""
    return (
        Incident.objects.filter(
            pk=incident.pk, reminders_sent=incident.reminders_sent, acknowledged_at__isnull=True
        ).update(reminders_sent=incident.reminders_sent + 1, last_reminded_at=now)
        == 1
    )


def send_due_reminders(*, now=None):
    """Remind the internal recipients of unacknowledged escalations, on a
    schedule by severity; after the limit, e-mail the system admins once.
    Returns how many incidents were reminded.

    Reminders are at most once per number (the claim moves the counter
    before sending); a lost reminder is followed by the next one.
    """
    now = now or timezone.now()
    open_unacked = Incident.objects.filter(acknowledged_at__isnull=True, status=Status.REPORTED)
    count = 0
    for incident in open_unacked.select_related("agency"):
        if not reminder_due(incident, now):
            continue
        if incident.reminders_sent >= settings.HMIS_INCIDENT_REMINDER_LIMIT:
            if incident.escalated_to_admin_at is None:
                escalate_to_system_admins(incident=incident)
            continue
        if not claim_reminder(incident=incident, now=now):
            continue
        number = incident.reminders_sent + 1
        internal = incident.notifications.filter(
            Q(role__in=[RecipientRole.SECURITY_OFFICER, RecipientRole.AGENCY_LEAD, RecipientRole.HMIS_LEAD]),
            acknowledged_at__isnull=True,
        )
        for notification in internal:
            try:
                mailer.send(reminder_message(incident, notification.address, number), lambda: True)
            except (OSError, mailer.HandoffUncertain) as error:
                log.warning("reminder %s for incident %s not sent: %s", number, incident.pk, type(error).__name__)
        _timeline(incident, TimelineEntry.Kind.ESCALATION, note=f"Reminder {number} sent (not acknowledged)")
        count += 1
    return count
