"""Progress and cancellation of an HMIS CSV job that runs in one transaction.

The job's own writes are invisible until it commits, so progress goes
through a second connection of its own: rows done and total, at most once a
second, and the answer tells the job whether its requester cancelled it.
"""

import time

from django.db import connections


class JobProgress:
    def __init__(self, model, pk, cancelled_error):
        self.table = model._meta.db_table
        self.pk = pk
        self.cancelled_error = cancelled_error
        self.last = 0.0
        self.connection = connections.create_connection("default")

    def __call__(self, done, total):
        now = time.monotonic()
        if now - self.last < 1 and done < total:
            return
        self.last = now
        with self.connection.cursor() as cursor:
            # The table name comes from the model; values are parameters.
            cursor.execute(
                f"UPDATE {self.table} SET rows_done = %s, rows_total = %s WHERE id = %s "  # noqa: S608
                "RETURNING cancel_requested",
                [done, total, self.pk],
            )
            row = cursor.fetchone()
        if row and row[0]:
            raise self.cancelled_error

    def close(self):
        self.connection.close()


def time_left(job) -> int | None:
    """Seconds left at the pace so far (None until there is a pace)."""
    if not job.started_at or not job.rows_done or not job.rows_total:
        return None
    from django.utils import timezone

    elapsed = (timezone.now() - job.started_at).total_seconds()
    return max(0, round(elapsed / job.rows_done * (job.rows_total - job.rows_done)))
