"""Escalation with the real parts: a Celery worker process on the Redis broker
and a real SMTP server. Every recipient gets the message whatever happens to
the worker or the mail server: exactly once, except when a worker dies after
handing a message over and the relay kept it (then a second copy under the
same Message-ID)."""

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.utils import timezone

from incidents.models import Incident, Notification
from tests.builders.incidents import (
    AFTER_DOT,
    BEFORE_DOT,
    SECURITY,
    copies_by_recipient,
    expected_recipients,
    fast_worker_env,
    kill_at,
    report,
    stall_at,
    wait_for_states,
    wait_until_everyone_has_a_copy,
)
from tests.canaries import CANARY_NOTE

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
State = Notification.State


def test_each_of_the_four_recipients_gets_exactly_one_message_without_pii(
    smtp_sink, celery_worker_factory, intake, escalation_staff
):
    celery_worker_factory(fast_worker_env(smtp_sink))
    incident = report(intake)
    smtp_sink.wait_for(4)
    wait_for_states(incident, [State.SENT] * 4)
    time.sleep(1.5)  # a duplicate would arrive now
    assert smtp_sink.recipients() == expected_recipients()
    for message in smtp_sink.messages:
        text = message["subject"] + message["body"] + str(message["message"])
        assert incident.reference in text and "Lost or stolen device" in text
        assert CANARY_NOTE not in text and "bus" not in text
    assert {m["message"]["Message-ID"] for m in smtp_sink.messages} == set(
        incident.notifications.values_list("message_id", flat=True)
    )


def test_an_incident_in_a_rolled_back_transaction_sends_nothing(
    smtp_sink, celery_worker_factory, intake, escalation_staff
):
    celery_worker_factory(fast_worker_env(smtp_sink))

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        report(intake, category="phishing")
        raise Abort
    committed = report(intake)
    smtp_sink.wait_for(4)
    time.sleep(1.5)
    assert len(smtp_sink.messages) == 4
    assert all(committed.reference in m["subject"] for m in smtp_sink.messages)
    assert Incident.objects.count() == 1


def test_worker_killed_mid_send_before_the_handoff_is_replaced_and_nobody_gets_two(
    smtp_sink, celery_worker_factory, intake, escalation_staff
):
    """SIGKILL while the SMTP conversation for one recipient is stalled (the
    server has no message yet). A new worker's sweep reclaims the row once
    its lease expires and sends it."""
    smtp_sink.stall_rcpt[SECURITY] = 20
    first = celery_worker_factory(fast_worker_env(smtp_sink))
    incident = report(intake)
    smtp_sink.wait_until_stalled(SECURITY)
    assert incident.notifications.get(address=SECURITY).state == State.SENDING
    first.kill()
    celery_worker_factory(fast_worker_env(smtp_sink), beat=True)
    smtp_sink.wait_for(4)
    wait_for_states(incident, [State.SENT] * 4)
    time.sleep(2.5)  # beyond a lease and two sweeps: any duplicate would be here
    assert smtp_sink.recipients() == expected_recipients()
    assert Counter(smtp_sink.recipients())[SECURITY] == 1
    assert incident.notifications.get(address=SECURITY).attempts == 2


@pytest.mark.parametrize("keeps", [True, False], ids=["relay-keeps", "relay-drops"])
@pytest.mark.parametrize("moment", [BEFORE_DOT, AFTER_DOT], ids=["before-dot", "after-dot"])
def test_worker_killed_mid_send_every_recipient_gets_the_message_under_one_message_id(
    smtp_sink, celery_worker_factory, intake, escalation_staff, moment, keeps
):
    """SIGKILL while the security officer's message is in flight: before the
    final "." (the relay never completes it) or after it, before the relay's
    reply (a relay may keep or drop a message whose sender hung up). After
    the lease a new worker sends the unconfirmed message again under the same
    Message-ID, so nobody is left without it and a second copy is the same
    message; the timeline says when it was re-sent."""
    smtp_sink.keeps_unanswered = keeps
    stall_at(smtp_sink, SECURITY, moment)
    first = celery_worker_factory(fast_worker_env(smtp_sink))
    incident = report(intake)
    kill_at(smtp_sink, first, SECURITY, moment)
    killed_at = timezone.now()
    assert incident.notifications.get(address=SECURITY).state == State.HANDED_OFF
    kept_by_the_relay = len(copies_by_recipient(smtp_sink).get(SECURITY, []))
    assert kept_by_the_relay == (1 if moment == AFTER_DOT and keeps else 0)

    second = celery_worker_factory(fast_worker_env(smtp_sink), beat=True)
    wait_until_everyone_has_a_copy(smtp_sink)
    wait_for_states(incident, [State.SENT] * 4)  # sent rows are never sent again
    second.kill()  # nothing is left to send; a warm shutdown only slows the suite

    copies = copies_by_recipient(smtp_sink)
    assert sorted(copies) == expected_recipients()
    message_ids = dict(incident.notifications.values_list("address", "message_id"))
    assert {address: set(ids) for address, ids in copies.items()} == {a: {m} for a, m in message_ids.items()}
    assert len(copies[SECURITY]) == kept_by_the_relay + 1
    assert all(len(ids) == 1 for address, ids in copies.items() if address != SECURITY)

    assert incident.notifications.get(address=SECURITY).attempts == 2
    (resent,) = [e for e in incident.timeline.all() if "re-sent after an unconfirmed hand-off" in (e.note or "")]
    assert "Agency security officer" in resent.note
    last_copy_at = datetime.fromtimestamp(max(m["at"] for m in smtp_sink.messages if SECURITY in m["to"]), UTC)
    assert killed_at < resent.at < last_copy_at
    assert not any("@" in note for note in incident.timeline.values_list("note", flat=True))


def test_smtp_down_at_first_then_up_every_message_is_delivered_after_retries(
    smtp_sink, celery_worker_factory, intake, escalation_staff
):
    smtp_sink.stop()  # SMTP is down: nothing listens on the port yet
    celery_worker_factory(fast_worker_env(smtp_sink))
    incident = report(intake)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if all(n.attempts >= 1 and n.last_error for n in incident.notifications.all()):
            break
        time.sleep(0.1)
    rows = list(incident.notifications.all())
    assert all(n.state == State.PENDING and n.last_error == "ConnectionRefusedError" for n in rows)
    smtp_sink.start()
    smtp_sink.wait_for(4, timeout=30)
    wait_for_states(incident, [State.SENT] * 4)
    time.sleep(1.5)
    assert smtp_sink.recipients() == expected_recipients()
    assert all(n.attempts >= 2 for n in incident.notifications.all())
