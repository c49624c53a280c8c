"""Scaling out: two web servers (real gunicorn processes) and two Celery
workers, each with an embedded beat, on one database and one broker, as
several machines would run them. The invariants hold across processes:
one live session per user whichever server signs in, every escalation
recipient gets the message once under one Message-ID when a worker dies
mid-send, and only one of the beats schedules (hmis/beat.py)."""

import re
import subprocess
import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache

from hmis.models import SecurityEvent
from incidents.models import Incident, Notification
from tests.builders.incidents import (
    AFTER_DOT,
    SECURITY,
    copies_by_recipient,
    expected_recipients,
    fast_worker_env,
    kill_at,
    report_form_data,
    stall_at,
    wait_for_states,
    wait_until_everyone_has_a_copy,
)
from tests.conftest import current_totp
from tests.http_client import HttpBrowser

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
SWEEP_RECEIVED = re.compile(r"Task incidents\.tasks\.sweep_notifications\[[^]]+\] received")
STANDING_BY = "another beat holds the lock; standing by"


@dataclass
class Cluster:
    web: list
    workers: list


@pytest.fixture
def start_cluster(web_server_factory, celery_worker_factory):
    """``start_cluster(worker_env)``: two web servers and two workers each running a beat, started at once."""

    clusters = []

    def start(worker_env=None):
        web = [web_server_factory(wait=False) for _ in range(2)]
        workers = [celery_worker_factory(worker_env, beat=True, wait=False) for _ in range(2)]
        for process in web + workers:
            process.wait_until_ready(timeout=60)
        clusters.append(Cluster(web, workers))
        return clusters[-1]

    yield start
    for cluster in clusters:
        for worker in cluster.workers:
            worker.kill()  # nothing is left in flight; a warm shutdown only slows the suite


def user_sessions(user):
    return [s.session_key for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]


def test_signing_in_on_the_second_server_ends_the_session_on_the_first(start_cluster, intake):
    server_a, server_b = start_cluster().web
    laptop, phone = HttpBrowser(user_agent="laptop"), HttpBrowser(user_agent="phone")

    laptop.sign_in(server_a.url, intake, current_totp(intake))
    assert laptop.get(f"{server_a.url}/").path == "/"
    laptop_key = laptop.session_key(settings.SESSION_COOKIE_NAME)
    assert Session.objects.filter(session_key=laptop_key).exists()
    phone.sign_in(server_b.url, intake, current_totp(intake, offset_steps=1))

    assert laptop.get(f"{server_a.url}/").path == "/login/"  # its session no longer signs anyone in
    assert laptop.get(f"{server_b.url}/").path == "/login/"
    # The row may stay (emptied, holding only why it ended, for "That wasn't me"), but carries no sign-in.
    ended = Session.objects.filter(session_key=laptop_key).first()
    assert ended is None or "_auth_user_id" not in ended.get_decoded()
    # Sessions live in the database: any server serves the live one, as behind a load balancer.
    assert phone.get(f"{server_a.url}/").path == "/"
    assert phone.get(f"{server_b.url}/").path == "/"
    assert user_sessions(intake) == [phone.session_key(settings.SESSION_COOKIE_NAME)]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_REPLACED, user=intake).count() == 1


def test_that_wasnt_me_refusals_are_counted_across_servers(web_server_factory):
    """The per-address limit lives in the shared cache (Redis), so a second
    server behind the load balancer does not grant another 20 guesses."""
    server_a, server_b = web_server_factory(wait=False), web_server_factory(wait=False)
    for server in (server_a, server_b):
        server.wait_until_ready(timeout=60)
    cache.delete("hmis:not-me-refused:127.0.0.1")  # this run's earlier tests may have counted some
    guesser = HttpBrowser()
    guesser.get(f"{server_a.url}/login/")  # a CSRF token, as a browser would have
    on_a = [guesser.post(f"{server_a.url}/login/not-me/", {"token": "x"}).status for _ in range(20)]
    assert on_a == [400] * 20
    assert guesser.post(f"{server_b.url}/login/not-me/", {"token": "x"}).status == 429


@pytest.fixture
def relay_that_drops(smtp_sink):
    """A real SMTP relay that drops a message whose sender hangs up before its reply."""
    smtp_sink.keeps_unanswered = False
    return smtp_sink


def worker_sending_to(sink, address, workers):
    """The worker whose process holds the stalled SMTP connection for ``address``."""
    sink.wait_until_stalled(address)
    _, port = sink.stalled_peers[address]
    sockets = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    pids = {int(pid) for pid in re.findall(r"pid=(\d+)", sockets)}
    (sender,) = [worker for worker in workers if worker.pids() & pids]
    return sender


def test_escalation_reaches_every_recipient_once_when_one_of_two_workers_dies_mid_send(
    start_cluster, relay_that_drops, intake, security_officer, agency_lead
):
    """Reported through one web server; the worker sending to the security
    officer is SIGKILLed after the final "." and the relay drops that
    unanswered message. The other worker (its beat takes over the sweep if
    the dead one held it) sends it again under the same Message-ID."""
    stall_at(relay_that_drops, SECURITY, AFTER_DOT)
    cluster = start_cluster(fast_worker_env(relay_that_drops))
    server_b = cluster.web[1]
    browser = HttpBrowser()
    browser.sign_in(server_b.url, intake, current_totp(intake))
    browser.get(f"{server_b.url}/incidents/report/")
    reported = browser.post(f"{server_b.url}/incidents/report/", report_form_data())
    incident = Incident.objects.get()
    assert incident.reference in reported.text

    dead = worker_sending_to(relay_that_drops, SECURITY, cluster.workers)
    kill_at(relay_that_drops, dead, SECURITY, AFTER_DOT)
    assert incident.notifications.get(address=SECURITY).state == Notification.State.HANDED_OFF
    wait_until_everyone_has_a_copy(relay_that_drops, timeout=40)
    wait_for_states(incident, [Notification.State.SENT] * 4)

    copies = copies_by_recipient(relay_that_drops)
    assert sorted(copies) == expected_recipients()
    message_ids = dict(incident.notifications.values_list("address", "message_id"))
    assert {address: ids for address, ids in copies.items()} == {a: [m] for a, m in message_ids.items()}
    assert incident.notifications.get(address=SECURITY).attempts == 2
    notes = [entry.note or "" for entry in incident.timeline.all()]  # encrypted: read, not filtered
    assert sum("re-sent after an unconfirmed hand-off" in note for note in notes) == 1


def sweeps_received(workers):
    return sum(len(SWEEP_RECEIVED.findall(worker.output())) for worker in workers if worker.process.poll() is None)


def count_sweeps_over(workers, seconds):
    before = sweeps_received(workers)
    time.sleep(seconds)
    return sweeps_received(workers) - before


def test_two_beats_send_each_periodic_job_once_per_period(start_cluster):
    """Both workers run a beat; one holds the lock and the other stands by.
    The notification sweep (every second) reaches the workers once a second,
    not twice; when the holder's machine dies the other beat takes over."""
    workers = start_cluster({"HMIS_NOTIFICATION_SWEEP_SECONDS": "1"}).workers
    time.sleep(2)  # both beats have ticked
    window = 6
    assert window - 2 <= count_sweeps_over(workers, window) <= window + 1
    holders = [w for w in workers if STANDING_BY not in w.output()]
    assert len(holders) == 1

    holders[0].kill()
    time.sleep(2 + 1)  # the lock expires (HMIS_BEAT_LOCK_SECONDS=2 in tests); the standby takes it
    assert window - 2 <= count_sweeps_over(workers, window) <= window + 1
