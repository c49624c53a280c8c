"""Escalation with the real parts: a Celery worker process on the Redis broker
and a real SMTP server. Every recipient gets the message whatever happens to
the worker or the mail server: exactly once, except when a worker dies after
handing a message over and the relay kept it (then a second copy under the
same Message-ID)."""

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incidents.models import Incident, Notification
from tests.incidents.support import AFTER_DOT, BEFORE_DOT, CANARY, fast_worker_env, kill_at, report, stall_at

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
State = Notification.State
SECURITY = "harbor-security@example.org"


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


def test_each_of_the_four_recipients_gets_exactly_one_message_without_pii(
    controlled_smtp, celery_worker_factory, intake, escalation_staff
):
    controlled_smtp.start()
    celery_worker_factory(fast_worker_env(controlled_smtp))
    incident = report(intake)
    controlled_smtp.wait_for(4)
    wait_for_states(incident, [State.SENT] * 4)
    time.sleep(1.5)  # a duplicate would arrive now
    assert controlled_smtp.recipients() == expected_recipients()
    for message in controlled_smtp.messages:
        text = message["subject"] + message["body"] + str(message["message"])
        assert incident.reference in text and "Lost or stolen device" in text
        assert CANARY not in text and "bus" not in text
    assert {m["message"]["Message-ID"] for m in controlled_smtp.messages} == set(
        incident.notifications.values_list("message_id", flat=True)
    )


def test_an_incident_in_a_rolled_back_transaction_sends_nothing(
    controlled_smtp, celery_worker_factory, intake, escalation_staff
):
    controlled_smtp.start()
    celery_worker_factory(fast_worker_env(controlled_smtp))

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        report(intake, category="phishing")
        raise Abort
    committed = report(intake)
    controlled_smtp.wait_for(4)
    time.sleep(1.5)
    assert len(controlled_smtp.messages) == 4
    assert all(committed.reference in m["subject"] for m in controlled_smtp.messages)
    assert Incident.objects.count() == 1


def test_worker_killed_mid_send_before_the_handoff_is_replaced_and_nobody_gets_two(
    controlled_smtp, celery_worker_factory, intake, escalation_staff
):
    """SIGKILL while the SMTP conversation for one recipient is stalled (the
    server has no message yet). A new worker's sweep reclaims the row once
    its lease expires and sends it."""
    controlled_smtp.stall_rcpt[SECURITY] = 20
    controlled_smtp.start()
    first = celery_worker_factory(fast_worker_env(controlled_smtp))
    incident = report(intake)
    controlled_smtp.wait_until_stalled(SECURITY)
    assert incident.notifications.get(address=SECURITY).state == State.SENDING
    first.kill()
    celery_worker_factory(fast_worker_env(controlled_smtp), beat=True)
    controlled_smtp.wait_for(4)
    wait_for_states(incident, [State.SENT] * 4)
    time.sleep(2.5)  # beyond a lease and two sweeps: any duplicate would be here
    assert controlled_smtp.recipients() == expected_recipients()
    assert Counter(controlled_smtp.recipients())[SECURITY] == 1
    assert incident.notifications.get(address=SECURITY).attempts == 2


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


@pytest.mark.parametrize("keeps", [True, False], ids=["relay-keeps", "relay-drops"])
@pytest.mark.parametrize("moment", [BEFORE_DOT, AFTER_DOT], ids=["before-dot", "after-dot"])
def test_worker_killed_mid_send_every_recipient_gets_the_message_under_one_message_id(
    controlled_smtp, celery_worker_factory, intake, escalation_staff, moment, keeps
):
    """SIGKILL while the security officer's message is in flight: before the
    final "." (the relay never completes it) or after it, before the relay's
    reply (a relay may keep or drop a message whose sender hung up). After
    the lease a new worker sends the unconfirmed message again under the same
    Message-ID, so nobody is left without it and a second copy is the same
    message; the timeline says when it was re-sent."""
    controlled_smtp.keeps_unanswered = keeps
    stall_at(controlled_smtp, SECURITY, moment)
    controlled_smtp.start()
    first = celery_worker_factory(fast_worker_env(controlled_smtp))
    incident = report(intake)
    kill_at(controlled_smtp, first, SECURITY, moment)
    killed_at = timezone.now()
    assert incident.notifications.get(address=SECURITY).state == State.HANDED_OFF
    kept_by_the_relay = len(copies_by_recipient(controlled_smtp).get(SECURITY, []))
    assert kept_by_the_relay == (1 if moment == AFTER_DOT and keeps else 0)

    second = celery_worker_factory(fast_worker_env(controlled_smtp), beat=True)
    wait_until_everyone_has_a_copy(controlled_smtp)
    wait_for_states(incident, [State.SENT] * 4)  # sent rows are never sent again
    second.kill()  # nothing is left to send; a warm shutdown only slows the suite

    copies = copies_by_recipient(controlled_smtp)
    assert sorted(copies) == expected_recipients()
    message_ids = dict(incident.notifications.values_list("address", "message_id"))
    assert {address: set(ids) for address, ids in copies.items()} == {a: {m} for a, m in message_ids.items()}
    assert len(copies[SECURITY]) == kept_by_the_relay + 1
    assert all(len(ids) == 1 for address, ids in copies.items() if address != SECURITY)

    assert incident.notifications.get(address=SECURITY).attempts == 2
    (resent,) = [e for e in incident.timeline.all() if "re-sent after an unconfirmed hand-off" in (e.note or "")]
    assert "Agency security officer" in resent.note
    last_copy_at = datetime.fromtimestamp(max(m["at"] for m in controlled_smtp.messages if SECURITY in m["to"]), UTC)
    assert killed_at < resent.at < last_copy_at
    assert not any("@" in note for note in incident.timeline.values_list("note", flat=True))


def test_smtp_down_at_first_then_up_every_message_is_delivered_after_retries(
    controlled_smtp, celery_worker_factory, intake, escalation_staff
):
    celery_worker_factory(fast_worker_env(controlled_smtp))  # nothing listens on the port yet
    incident = report(intake)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if all(n.attempts >= 1 and n.last_error for n in incident.notifications.all()):
            break
        time.sleep(0.1)
    rows = list(incident.notifications.all())
    assert all(n.state == State.PENDING and n.last_error == "ConnectionRefusedError" for n in rows)
    controlled_smtp.start()
    controlled_smtp.wait_for(4, timeout=30)
    wait_for_states(incident, [State.SENT] * 4)
    time.sleep(1.5)
    assert controlled_smtp.recipients() == expected_recipients()
    assert all(n.attempts >= 2 for n in incident.notifications.all())
