"""Escalation with the real parts: a Celery worker process on the Redis broker
and a real SMTP server. Every recipient gets exactly one message, whatever
happens to the worker or the mail server."""

import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import transaction

from incidents.models import Incident, Notification
from tests.incidents.support import CANARY, fast_worker_env, report

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


def test_worker_killed_after_handing_the_message_over_never_sends_it_again(
    controlled_smtp, celery_worker_factory, intake, escalation_staff
):
    """SIGKILL after the server received the whole message but before the
    worker saw the 250: the row is ``unconfirmed`` (shown to the security
    officer), never re-sent, and the recipient has exactly one copy."""
    controlled_smtp.stall_data[SECURITY] = 20
    controlled_smtp.start()
    first = celery_worker_factory(fast_worker_env(controlled_smtp))
    incident = report(intake)
    controlled_smtp.wait_until_stalled(SECURITY)
    assert incident.notifications.get(address=SECURITY).state == State.HANDED_OFF
    first.kill()
    celery_worker_factory(fast_worker_env(controlled_smtp), beat=True)
    controlled_smtp.wait_for(4)
    wait_for_states(incident, [State.SENT, State.SENT, State.SENT, State.UNCONFIRMED])
    time.sleep(2.5)
    assert controlled_smtp.recipients() == expected_recipients()
    assert incident.notifications.get(address=SECURITY).state == State.UNCONFIRMED


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
