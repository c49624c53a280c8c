"""gunicorn settings for bin/run and production (gunicorn reads this file
from the working directory; bin/run names it with -c).

gthread: a connection waits in the worker's poller until it has sent
something, and each request gets a thread, so an idle or slow client holds
at most one thread, never the worker (a sync worker sat 30 s on a
connection that sent nothing, then was killed). Put a buffering reverse
proxy in front in production all the same.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("HMIS_WEB_WORKERS", "2"))
threads = int(os.environ.get("HMIS_WEB_THREADS", "8"))
timeout = 30
graceful_timeout = 30
keepalive = 5
# Request line and headers stay small; bodies are bounded per view by the app.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
