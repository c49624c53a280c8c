"""Time from commit to the last escalation message handed to SMTP.

On demand: ``pytest tests/benchmarks/test_escalation_latency.py -m benchmark -s``.
One real Celery worker (prefork, concurrency 1) on Redis and a real SMTP
server; each incident has four recipients. Reports median and worst, for
incidents reported one at a time and for a burst reported back to back.
No timed assertion: the numbers are printed.
"""

import statistics
import time

import pytest

from tests.builders.incidents import fast_worker_env, report

pytestmark = [pytest.mark.benchmark, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
COUNT = 20


@pytest.fixture(autouse=True)
def only_on_demand(request):
    if "benchmark" not in (request.config.option.markexpr or ""):
        pytest.skip("benchmark: run with -m benchmark")


def latencies(sink, committed):
    result = []
    for reference, at in committed:
        handed = [m["at"] for m in sink.for_reference(reference)]
        assert len(handed) == 4, reference
        result.append(max(handed) - at)
    return result


def summary(label, values):
    ms = sorted(v * 1000 for v in values)
    return f"{label}: n={len(ms)} median={statistics.median(ms):.0f} ms worst={ms[-1]:.0f} ms best={ms[0]:.0f} ms"


def test_commit_to_last_smtp_message(smtp_sink, celery_worker_factory, intake, security_officer, agency_lead):
    celery_worker_factory(fast_worker_env(smtp_sink))
    report(intake)  # warm-up: the worker's first task opens its connections
    smtp_sink.wait_for(4)
    smtp_sink.messages.clear()

    sequential = []
    for _ in range(COUNT):
        incident = report(intake)
        sequential.append((incident.reference, time.time()))
        smtp_sink.wait_for(4 * len(sequential))
    one_at_a_time = latencies(smtp_sink, sequential)

    smtp_sink.messages.clear()
    burst = []
    for _ in range(COUNT):
        incident = report(intake)
        burst.append((incident.reference, time.time()))
    smtp_sink.wait_for(4 * COUNT, timeout=120)
    back_to_back = latencies(smtp_sink, burst)

    lines = [summary("one at a time", one_at_a_time), summary(f"burst of {COUNT}", back_to_back)]
    print("\nCommit to last of 4 messages handed to SMTP\n" + "\n".join(lines))
