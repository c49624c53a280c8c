"""Expiry with a real Celery worker and beat: the beat job records the expiry
of a release whose moment has passed (the gate refused it already) and leaves
the others alone."""

import datetime
import time

import pytest
from django.utils import timezone

from sharing.consent import check_consent
from sharing.models import Release
from tests.builders.clients import new_client
from tests.builders.sharing import active_release, force_window

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for_status(release, status, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        release.refresh_from_db()
        if release.status == status:
            return release
        time.sleep(0.25)
    raise AssertionError(f"release still {release.status} after {timeout}s")


def test_beat_expires_a_release_at_its_expiry_and_records_it(celery_worker_factory, intake, supervisor, eastside):
    client = new_client(intake)
    due = active_release(intake, supervisor, client, recipient_agencies=[eastside], categories=["contact"])
    later = active_release(intake, supervisor, client, recipient_agencies=[eastside], categories=["identity"])
    now = timezone.now()
    force_window(due, now - datetime.timedelta(days=10), now + datetime.timedelta(seconds=1))
    ask = dict(client=client, categories=["contact"], purpose="housing_placement", recipient_agency=eastside)
    assert check_consent(**ask).allowed
    time.sleep(1.1)
    # Exact to the moment: refused before any job has run.
    assert not check_consent(**ask).allowed
    assert Release.objects.get(pk=due.pk).status == Release.Status.ACTIVE

    worker = celery_worker_factory({"HMIS_RELEASE_EXPIRY_SWEEP_SECONDS": "1"}, beat=True)
    wait_for_status(due, Release.Status.EXPIRED)
    assert due.ended_by is None and due.end_reason == "Reached its expiry date."
    change = due.status_changes.get(to_status=Release.Status.EXPIRED)
    assert change.changed_by is None
    later.refresh_from_db()
    assert later.status == Release.Status.ACTIVE
    assert "sharing.tasks.expire_releases" in worker.output()
