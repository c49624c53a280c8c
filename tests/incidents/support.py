"""Test helpers for escalation: an SMTP sink that can stall or be down, and
the worker settings that shorten leases and retries; killing a worker at a
chosen moment of the SMTP conversation."""

import asyncio
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest

from tests.conftest import free_port


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


@dataclass
class ControlledSmtpSink:
    """A real aiosmtpd server on a fixed port that may be started late (SMTP
    down, then up) and can stall once for a recipient: during RCPT (before
    the message exists) or after receiving the whole message (the client is
    still waiting for the 250). A stall ends after its seconds or at
    ``release()``.

    ``keeps_unanswered`` is the relay's choice for a message whose sender
    hangs up after the final "." but before the reply: True keeps (delivers)
    it, False drops it, as real relays may do either. ``reply_delay`` is the
    relay's latency before every final reply."""

    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    keeps_unanswered: bool = True
    reply_delay: float = 0.0
    messages: list = field(default_factory=list)
    stall_rcpt: dict = field(default_factory=dict)
    stall_data: dict = field(default_factory=dict)
    stalled: list = field(default_factory=list)
    stalled_peers: dict = field(default_factory=dict)
    released: threading.Event = field(default_factory=threading.Event)
    controller: object = None

    def start(self):
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                await sink._stall(sink.stall_rcpt, address, session.peer)
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                # A sender that hangs up cancels this coroutine (aiosmtpd), so
                # a message kept only at the reply is dropped with the sender.
                if sink.keeps_unanswered:
                    sink._keep(envelope)
                for address in envelope.rcpt_tos:
                    await sink._stall(sink.stall_data, address, session.peer)
                if sink.reply_delay:
                    await asyncio.sleep(sink.reply_delay)
                if not sink.keeps_unanswered:
                    sink._keep(envelope)
                return "250 OK"

        self.controller = Controller(Handler(), hostname=self.host, port=self.port)
        self.controller.start()
        return self

    async def _stall(self, stalls, address, peer):
        seconds = stalls.pop(address, None)
        if not seconds:
            return
        self.stalled_peers[address] = peer  # the sender's (host, port): which process is sending
        self.stalled.append(address)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.released.is_set():
            await asyncio.sleep(0.02)

    def _keep(self, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "message": message,
                "subject": str(message["Subject"]),
                "body": message.get_body(("plain",)).get_content(),
                "at": time.time(),
            }
        )

    def release(self):
        self.released.set()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.02)
        raise AssertionError(f"expected {count} message(s), the SMTP sink holds {len(self.messages)}")

    def wait_until_stalled(self, address, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if address in self.stalled:
                return
            time.sleep(0.02)
        raise AssertionError(f"no connection stalled for {address}")

    def recipients(self):
        return sorted(address for m in self.messages for address in m["to"])

    def for_reference(self, reference):
        return [m for m in self.messages if reference in m["subject"]]


CANARY = "CANARY-Jane-Q-Public 1985-04-12"


def report(user, *, category="lost_device", description=None, occurred_hours_ago=3, discovered_hours_ago=1):
    """Report through the real action (escalation is dispatched on commit)."""
    from datetime import timedelta

    from django.utils import timezone

    from incidents import actions

    now = timezone.now()
    return actions.report_incident(
        acting_user=user,
        category=category,
        occurred_at=now - timedelta(hours=occurred_hours_ago),
        discovered_at=now - timedelta(hours=discovered_hours_ago),
        description=description or f"Work laptop left on the 7 bus. Note for test: {CANARY}",
    )


@pytest.fixture
def controlled_smtp():
    """A stoppable, stallable SMTP sink; not started (call ``.start()``).
    Import this fixture where it is needed."""
    sink = ControlledSmtpSink()
    yield sink
    sink.stop()


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
    from django.db import connection, transaction

    from incidents.models import Notification

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
