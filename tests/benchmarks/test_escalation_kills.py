"""Escalation when the worker is killed mid-send: does every recipient get it?

On demand: ``pytest tests/benchmarks/test_escalation_kills.py -m benchmark -s``
(``HMIS_BENCH_KILL_TRIALS``, default 24). Each trial: a real SMTP relay that
keeps or drops a message whose sender hangs up before its reply (alternating),
with 30 ms latency before each reply; a real Celery worker; 8 incidents of 4
recipients; one SIGKILL of the worker, in turn before the final "." of a
random recipient's message, after it (before the reply), or at a random time
from the first report (1.5 s at most, while the 32 messages go out); then a new worker with beat. Prints how many
recipients got at least one copy, how many got two, the distinct Message-IDs
per recipient and the time from the first report to full delivery.
"""

import logging
import os
import random
import statistics
import threading
import time
from collections import Counter

import pytest

from hmis.celery import app
from incidents.models import Notification
from tests.builders.incidents import AFTER_DOT, BEFORE_DOT, fast_worker_env, kill_at, report, stall_at
from tests.conftest import SmtpSink

pytestmark = [pytest.mark.benchmark, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TRIALS = int(os.environ.get("HMIS_BENCH_KILL_TRIALS", "24"))
INCIDENTS = 8
RANDOM_TIME = "at a random time"
MOMENTS = [BEFORE_DOT, AFTER_DOT, RANDOM_TIME]
RECIPIENTS = [
    "harbor-security@example.org",
    "harbor-lead@example.org",
    "hmis-lead@example.org",
    "vendor-support@example.org",
]


@pytest.fixture(autouse=True)
def only_on_demand(request):
    if "benchmark" not in (request.config.option.markexpr or ""):
        pytest.skip("benchmark: run with -m benchmark")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command


def copies_by_recipient(sink):
    """{(incident reference, address): [Message-ID of each copy]}"""
    copies = {}
    for message in sink.messages:
        reference = message["subject"].split()[2]  # "[HMIS incident] <reference> ..."
        for address in message["to"]:
            copies.setdefault((reference, address), []).append(message["message"]["Message-ID"])
    return copies


def run_trial(number, celery_worker_factory, intake, rng):
    moment = MOMENTS[number % len(MOMENTS)]
    keeps = (number // len(MOMENTS)) % 2 == 0
    sink = SmtpSink(keeps_unanswered=keeps, reply_delay=0.03)
    address = rng.choice(RECIPIENTS)
    if moment != RANDOM_TIME:
        stall_at(sink, address, moment)
    sink.start()
    try:
        first = celery_worker_factory(fast_worker_env(sink))
        killer = threading.Timer(rng.uniform(0, 1.5), first.kill)
        started = time.time()
        if moment == RANDOM_TIME:
            killer.start()
        incidents = [report(intake) for _ in range(INCIDENTS)]
        if moment == RANDOM_TIME:
            killer.join()
        else:
            kill_at(sink, first, address, moment)
        second = celery_worker_factory(fast_worker_env(sink), beat=True)
        rows = Notification.objects.filter(incident__in=incidents)
        expected = {(n.incident.reference, n.address) for n in rows.select_related("incident")}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and (
            set(copies_by_recipient(sink)) < expected or rows.exclude(state=Notification.State.SENT).exists()
        ):
            time.sleep(0.05)
        second.kill()  # every row is sent: nothing is in flight
        copies = copies_by_recipient(sink)
        first_copies = [
            min(m["at"] for m in sink.messages if key[0] in m["subject"] and key[1] in m["to"])
            for key in expected & set(copies)
        ]
        return {
            "moment": moment,
            "keeps": keeps,
            "expected": len(expected),
            "received": len(expected & set(copies)),
            "duplicates": sum(1 for key in expected if len(copies.get(key, [])) > 1),
            "message_ids": [len(set(copies[key])) for key in expected & set(copies)],
            "message_id_is_the_rows": all(
                set(copies[(n.incident.reference, n.address)]) == {n.message_id}
                for n in rows.select_related("incident")
                if (n.incident.reference, n.address) in copies
            ),
            "resends_noted": sum(
                sum("re-sent after an unconfirmed hand-off" in (e.note or "") for e in i.timeline.all())
                for i in incidents
            ),
            "full_delivery": max(first_copies) - started if len(first_copies) == len(expected) else None,
        }
    finally:
        sink.stop()
        app.control.purge()


def test_every_recipient_gets_the_escalation_when_the_worker_is_killed(
    celery_worker_factory, intake, security_officer, agency_lead
):
    rng = random.Random(int(os.environ.get("HMIS_BENCH_SEED", "10")))
    results = [run_trial(n, celery_worker_factory, intake, rng) for n in range(TRIALS)]

    expected = sum(r["expected"] for r in results)
    received = sum(r["received"] for r in results)
    ids = Counter(n for r in results for n in r["message_ids"])
    times = [r["full_delivery"] for r in results if r["full_delivery"] is not None]
    by_kind = Counter((r["moment"], "relay keeps" if r["keeps"] else "relay drops") for r in results)
    lines = [
        f"trials: {len(results)} ({INCIDENTS} incidents x 4 recipients each)",
        *(f"  killed {moment}, {relay}: {count}" for (moment, relay), count in sorted(by_kind.items())),
        f"recipients expected: {expected}",
        f"recipients with >= 1 copy: {received}",
        f"recipients without the message: {expected - received}",
        f"recipients with duplicates: {sum(r['duplicates'] for r in results)}",
        f"distinct Message-IDs per recipient: {dict(sorted(ids.items()))}",
        f"re-sends noted on timelines: {sum(r['resends_noted'] for r in results)}",
        f"time from first report to full delivery: median {statistics.median(times):.1f} s, "
        f"worst {max(times):.1f} s, best {min(times):.1f} s (lease 2 s, sweep every 1 s)",
    ]
    print("\nEscalation with the worker killed mid-send\n" + "\n".join(lines))
    assert received == expected
    assert set(ids) == {1}
    assert all(r["message_id_is_the_rows"] for r in results)
