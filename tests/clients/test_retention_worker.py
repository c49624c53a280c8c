"""Retention on a real Celery worker: the nightly count runs as a task, and
after the system admin confirms on the page the worker de-identifies in
committed batches; a redelivered message repeats nothing."""

import datetime
import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients import queries, retention, tasks
from clients.masking import Viewer
from clients.models import Client, RetentionRun
from tests.builders.clients import make_client
from tests.canaries import CANARY_DOB, CANARY_FIRST

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError("the worker did not get there in time")


def test_a_real_worker_counts_then_deidentifies_in_batches_once(
    celery_worker_factory, client_for, intake, system_admin
):
    long_ago = retention.retention_cutoff(timezone.now()) - datetime.timedelta(days=1)
    with time_machine.travel(long_ago, tick=False):
        old = [make_client(intake, last_name=f"Zebra{'abcde'[n]}", ssn=f"21987005{n}") for n in range(5)]
    recent = make_client(intake, first_name="Recent", ssn="219870059")
    worker = celery_worker_factory({"HMIS_RETENTION_BATCH_SIZE": "2"})

    tasks.plan_retention.delay()  # what the beat sends nightly
    run = wait_for(lambda: RetentionRun.objects.filter(status=RetentionRun.Status.PLANNED).first())
    assert run.planned_total == 5 and run.planned_by is None

    http = client_for(system_admin)
    assert http.post(reverse("clients:retention-confirm", args=[run.pk])).status_code == 302
    wait_for(lambda: RetentionRun.objects.filter(pk=run.pk, status=RetentionRun.Status.DONE).exists())
    run.refresh_from_db()
    assert (run.batches, run.deidentified, run.confirmed_by) == (3, 5, system_admin)
    assert Client.objects.filter(pk__in=[c.pk for c in old], retained_deidentified_at__isnull=False).count() == 5
    assert Client.objects.get(pk=recent.pk).first_name == "Recent"
    found = queries.search_clients(
        intake, Viewer(names=True), first_name=CANARY_FIRST, last_name="Zebraa", dob=CANARY_DOB
    )
    assert found == []

    tasks.run_retention.delay(str(run.pk))  # the same message again
    wait_for(lambda: "'skipped'" in worker.output())
    run.refresh_from_db()
    assert (run.batches, run.deidentified) == (3, 5)
