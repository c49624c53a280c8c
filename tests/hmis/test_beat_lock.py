"""The one-beat lock (hmis/beat.py) in one process, with the real Redis: who
sends, who stands by, and a beat that lost its lock while paused."""

import time

import pytest

from hmis.beat import SingleBeatScheduler
from hmis.celery import app
from tests.conftest import forget_beat_lock

EVERY_TENTH_OF_A_SECOND = {"probe": {"task": "hmis.tasks.expire_invitations", "schedule": 0.1}}


class RecordingScheduler(SingleBeatScheduler):
    """Records what it would send instead of sending it."""

    def __init__(self, name, sent, **kwargs):
        self.beat_name, self.sent = name, sent
        super().__init__(app=app, **kwargs)

    def apply_entry(self, entry, producer=None):
        self.sent.append(self.beat_name)


@pytest.fixture
def two_beats(tmp_path, settings):
    settings.HMIS_BEAT_LOCK_SECONDS = 3  # renewed every second
    schedule, app.conf.beat_schedule = app.conf.beat_schedule, EVERY_TENTH_OF_A_SECOND
    forget_beat_lock()
    sent = []
    beats = [RecordingScheduler(name, sent, schedule_filename=str(tmp_path / name)) for name in ("first", "second")]
    yield beats, sent
    for beat in beats:
        beat.close()
    app.conf.beat_schedule = schedule
    forget_beat_lock()


def run(beats, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for beat in beats:
            beat.tick()
        time.sleep(0.02)


def test_only_the_beat_holding_the_lock_sends(two_beats):
    (first, second), sent = two_beats
    run([first, second], 0.6)
    assert set(sent) == {"first"} and len(sent) >= 3


def test_a_beat_whose_lock_expired_while_paused_stops_sending_and_the_other_takes_over(two_beats):
    (first, second), sent = two_beats
    run([first, second], 0.3)
    forget_beat_lock()  # the first beat was paused past the timeout: its lock expired
    time.sleep(1.1)  # long enough that the first beat renews at its next tick
    sent.clear()
    run([second, first], 0.6)
    assert set(sent) == {"second"}


def test_a_broker_that_is_not_redis_needs_a_redis_for_the_beat_lock():
    from tests.hmis.test_production_settings import PRODUCTION_ENV, manage

    rabbit = {**PRODUCTION_ENV, "CELERY_BROKER_URL": "amqp://hmis@rabbit.example.org//"}
    refused = manage("check", env=rabbit)
    assert refused.returncode != 0 and "HMIS_BEAT_LOCK_URL must be a Redis URL" in refused.stderr
    assert manage("check", env={**rabbit, "HMIS_BEAT_LOCK_URL": "redis://redis.example.org:6379/0"}).returncode == 0
