"""Exactly one Celery beat, however many are started.

``SingleBeatScheduler`` is the ``celery beat`` scheduler of this project
(``CELERY_BEAT_SCHEDULER``). Before sending anything it takes a lock in
Redis (``HMIS_BEAT_LOCK_URL``, the broker by default) and renews it while
it runs. A second beat started against the same Redis finds the lock held
and stands by: it sends nothing, and takes over only when the holder has
not renewed the lock for ``HMIS_BEAT_LOCK_SECONDS`` (its machine died).
A beat that loses the lock (paused past the timeout) stops sending at its
next tick.

At a takeover the standby starts every period afresh from that moment, so a
job may run one period late but never twice in one period.
"""

import logging
import time

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

log = logging.getLogger(__name__)


def beat_lock_key() -> str:
    # The queue name keeps two deployments (or two test runs) sharing one Redis apart.
    return f"hmis:beat-lock:{settings.CELERY_TASK_DEFAULT_QUEUE}"


class SingleBeatScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.lock_seconds = settings.HMIS_BEAT_LOCK_SECONDS
        self._lock = redis.Redis.from_url(settings.HMIS_BEAT_LOCK_URL).lock(
            beat_lock_key(), timeout=self.lock_seconds, thread_local=False
        )
        self._holding = False
        self._renewed_at = 0.0
        self._stood_by = False
        super().__init__(*args, **kwargs)

    @property
    def renew_every(self) -> float:
        return self.lock_seconds / 3

    def tick(self, *args, **kwargs):
        if not self._hold_lock():
            return self.renew_every
        return min(super().tick(*args, **kwargs), self.renew_every)

    def _hold_lock(self) -> bool:
        now = time.monotonic()
        if self._holding and now - self._renewed_at < self.renew_every:
            return True
        try:
            if self._holding:
                self._lock.reacquire()
            elif not self._lock.acquire(blocking=False):
                if not self._stood_by:
                    log.warning("beat: another beat holds the lock; standing by")
                self._stood_by = True
                return False
            else:
                self._took_over()
        except (redis.exceptions.LockError, redis.exceptions.ConnectionError) as error:
            log.warning("beat: lost the lock (%s); standing by", type(error).__name__)
            self._holding = False
            self._stood_by = True
            return False
        self._holding = True
        self._renewed_at = now
        return True

    def _took_over(self):
        log.info("beat: holding the lock; scheduling")
        if self._stood_by:
            # The previous holder ran these jobs on its own clock; start afresh.
            now = self.app.now()
            for entry in self.schedule.values():
                entry.last_run_at = now
            self._heap = None

    def close(self):
        super().close()
        if self._holding:
            try:
                self._lock.release()
            except (redis.exceptions.LockError, redis.exceptions.ConnectionError):
                pass  # expired already, or Redis is gone: the timeout frees it
            self._holding = False
