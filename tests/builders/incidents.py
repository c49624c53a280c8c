"""Incidents for tests: reported and moved through the real actions; factories
for data the actions do not make; the worker settings and SMTP moments of the
escalation tests."""

import time
from datetime import timedelta

import factory
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from incidents import actions
from incidents.models import (
    Category,
    CorrectiveAction,
    Determination,
    Incident,
    Notification,
    RecipientRole,
    Status,
    TimelineEntry,
)
from tests.builders.factories import AgencyFactory, UserFactory
from tests.canaries import CANARY_NOTE

SECURITY = "harbor-security@example.org"
FORM_TIME = "%Y-%m-%dT%H:%M"  # what a datetime-local input posts


def report(user, *, category="lost_device", description=None, occurred_hours_ago=3, discovered_hours_ago=1):
    """Report through the real action (escalation is dispatched on commit)."""
    now = timezone.now()
    return actions.report_incident(
        acting_user=user,
        category=category,
        occurred_at=now - timedelta(hours=occurred_hours_ago),
        discovered_at=now - timedelta(hours=discovered_hours_ago),
        description=description or f"Work laptop left on the 7 bus. Note for test: {CANARY_NOTE}",
    )


def report_form_data(**overrides):
    """What the reporting page posts."""
    now = timezone.localtime()
    data = {
        "category": Category.LOST_DEVICE,
        "occurred_at": (now - timedelta(hours=5)).strftime(FORM_TIME),
        "discovered_at": (now - timedelta(hours=1)).strftime(FORM_TIME),
        "description": "Laptop left in a taxi after the outreach shift.",
    }
    data.update(overrides)
    return data


def walk_to(incident, user, status):
    order = [Status.REPORTED, Status.TRIAGED, Status.CONTAINED, Status.CORRECTIVE_ACTION, Status.CLOSED]
    for target in order[order.index(incident.status) + 1 : order.index(status) + 1]:
        incident = actions.move_incident(acting_user=user, incident=incident, to_status=target)
    return incident


def ready_to_close(incident, officer):
    """Assessed, and one corrective action done by its owner (the reporter) and verified by ``officer``."""
    actions.record_assessment(
        acting_user=officer,
        incident=incident,
        determination=Determination.NOT_BREACH,
        affected_count=0,
        affected_state="WA",
        summary="Laptop was encrypted and recovered the same day.",
    )
    action = actions.add_corrective_action(
        acting_user=officer,
        incident=incident,
        what="Enable remote wipe on all laptops",
        owner=incident.reporter,
        due_on=timezone.localdate() + timedelta(days=7),
    )
    actions.complete_corrective_action(acting_user=incident.reporter, action=action)
    actions.verify_corrective_action(acting_user=officer, action=action)
    return action


# --- Factories ---------------------------------------------------------------------------


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    reference = factory.Sequence(lambda n: f"INC-1999-{n:05d}")
    agency = factory.SubFactory(AgencyFactory)
    reporter = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..agency"))
    category = Category.PHISHING
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    discovered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    description = "A message asked for HMIS passwords."


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    incident = factory.SubFactory(IncidentFactory)
    kind = TimelineEntry.Kind.REPORTED


class CorrectiveActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorrectiveAction

    incident = factory.SubFactory(IncidentFactory)
    what = "Remind staff how to recognise phishing"
    owner = factory.SelfAttribute("incident.reporter")
    created_by = factory.SelfAttribute("incident.reporter")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    incident = factory.SubFactory(IncidentFactory)
    role = RecipientRole.VENDOR_SUPPORT
    address = factory.Sequence(lambda n: f"recipient-{n}@example.org")
    message_id = factory.Sequence(lambda n: f"<test-{n}@example.org>")


# --- Escalation with a real worker and SMTP sink ---------------------------------------


def fast_worker_env(sink, **extra):
    env = {
        "EMAIL_HOST": sink.host,
        "EMAIL_PORT": str(sink.port),
        "HMIS_NOTIFICATION_LEASE_SECONDS": "2",
        "HMIS_NOTIFICATION_SWEEP_SECONDS": "1",
        "HMIS_NOTIFICATION_RETRY_SECONDS": "1",
        "EMAIL_TIMEOUT": "5",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def expected_recipients():
    return sorted([SECURITY, "harbor-lead@example.org", settings.HMIS_LEAD_EMAIL, settings.HMIS_VENDOR_SUPPORT_EMAIL])


def wait_for_states(incident, states, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = sorted(incident.notifications.values_list("state", flat=True))
        if current == sorted(states):
            return current
        time.sleep(0.1)
    raise AssertionError(f"notification states {current}, expected {sorted(states)}")


def copies_by_recipient(sink):
    """The Message-ID of every copy the relay delivered, by recipient address."""
    copies = {}
    for message in sink.messages:
        for address in message["to"]:
            copies.setdefault(address, []).append(message["message"]["Message-ID"])
    return copies


def wait_until_everyone_has_a_copy(sink, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        missing = set(expected_recipients()) - set(copies_by_recipient(sink))
        if not missing:
            return
        time.sleep(0.1)
    raise AssertionError(f"recipients without the message: {sorted(missing)}")


# --- Killing a worker at a chosen moment of the SMTP conversation -------------------------

BEFORE_DOT = "before the final dot"
AFTER_DOT = "after the final dot"


def stall_at(sink, address, moment, seconds=20):
    """Have ``sink`` hold the first message to ``address`` where ``kill_at`` needs it."""
    (sink.stall_rcpt if moment == BEFORE_DOT else sink.stall_data)[address] = seconds


def kill_at(sink, worker, address, moment):
    """SIGKILL ``worker`` at ``moment`` of its message to ``address`` (see ``stall_at``).

    After the final ".": the relay has the whole message and holds its reply.
    Before it: the test locks the notification row and lets the conversation
    go on, so the worker writes the whole message body, then waits in its
    hand-off (the conditional update made just before sending the "."); it
    dies there. Its waiting statement still runs once the lock is gone (the
    database already has it), so the row is handed off although the relay
    never got the ".": the worker died between the two.
    """
    sink.wait_until_stalled(address)
    if moment == AFTER_DOT:
        worker.kill()
        return
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(address=address, state=Notification.State.SENDING)
        sink.release()
        _wait_for_a_blocked_hand_off(connection)
        worker.kill()
    deadline = time.monotonic() + 10
    while Notification.objects.filter(pk=row.pk, state=Notification.State.SENDING).exists():
        assert time.monotonic() < deadline, "the dead worker's hand-off never ran"
        time.sleep(0.01)


def _wait_for_a_blocked_hand_off(connection, timeout=15.0):
    """Until another session waits for this one's row lock (only the worker writes the row)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    raise AssertionError("the worker never reached its hand-off")
