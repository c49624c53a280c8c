"""Test helpers for escalation: an SMTP sink that can stall or be down, and
the worker settings that shorten leases and retries."""

import asyncio
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
    the message exists) or after receiving the whole message (the server has
    it; the client is still waiting for the 250)."""

    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    messages: list = field(default_factory=list)
    stall_rcpt: dict = field(default_factory=dict)
    stall_data: dict = field(default_factory=dict)
    stalled: list = field(default_factory=list)
    controller: object = None

    def start(self):
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                seconds = sink.stall_rcpt.pop(address, None)
                if seconds:
                    sink.stalled.append(address)
                    await asyncio.sleep(seconds)
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                message = message_from_bytes(envelope.content, policy=policy.default)
                sink.messages.append(
                    {
                        "to": list(envelope.rcpt_tos),
                        "message": message,
                        "subject": str(message["Subject"]),
                        "body": message.get_body(("plain",)).get_content(),
                        "at": time.time(),
                    }
                )
                for address in envelope.rcpt_tos:
                    seconds = sink.stall_data.pop(address, None)
                    if seconds:
                        sink.stalled.append(address)
                        await asyncio.sleep(seconds)
                return "250 OK"

        self.controller = Controller(Handler(), hostname=self.host, port=self.port)
        self.controller.start()
        return self

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
