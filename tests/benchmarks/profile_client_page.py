"""Where the client page's CPU goes, against the bare signed-in view (on demand, never in CI).

    python -m tests.benchmarks.profile_client_page --requests 600

Uses the client benchmark's database (``bench_clients`` makes it; census
names by default) and its user. Serves both pages in this process through
Django's test client, so no HTTP or gunicorn cost is counted, and prints per
request: milliseconds of CPU of this process and of the PostgreSQL backend
serving it (``/proc/<pid>/stat``), their ratio (what the throughput benchmark's
"client page = N % of bare" approaches when the machine is the limit), then
the client page's own parts, each exclusive of the parts it calls: reading
the client, the audited opening, the rest of the context, the release
section, the page's template alone, and each ORM fetch by model.
"""

import argparse
import os
import time
from collections import Counter

from tests.benchmarks.bench_clients import DEFAULT_DB, setup_django
from tests.benchmarks.profile_hmis_csv_import import backend_cpu


class Parts:
    """Exclusive CPU per named part of a request, parts nested."""

    def __init__(self):
        self.cpu = Counter()
        self.stack = []

    def timed(self, label, function, *args, **kwargs):
        self.stack.append([label, time.process_time(), 0.0])
        try:
            return function(*args, **kwargs)
        finally:
            _label, start, inner = self.stack.pop()
            spent = time.process_time() - start
            self.cpu[label] += spent - inner
            if self.stack:
                self.stack[-1][2] += spent

    def wrap(self, owner, name, label):
        function = getattr(owner, name)
        setattr(owner, name, lambda *args, **kwargs: self.timed(label, function, *args, **kwargs))


def install(parts):
    from django.db.models.query import QuerySet
    from django.template.base import Template

    import clients.actions
    import clients.queries
    import clients.views.records
    import sharing.templatetags.sharing_client_page

    parts.wrap(clients.queries, "get_client_for", "read the client (scope)")
    parts.wrap(clients.actions, "record_client_opened", "audited opening (access event)")
    parts.wrap(clients.views.records, "_detail_context", "the rest of the context")
    parts.wrap(sharing.templatetags.sharing_client_page, "release_section_for", "release section (context)")
    parts.wrap(Template, "render", "template alone")
    fetch_all = QuerySet._fetch_all

    def timed_fetch(self):
        if self._result_cache is not None:
            return fetch_all(self)
        shared = "" if parts.stack else " (the bare view's too)"  # middleware: session, user, device
        return parts.timed(f"ORM fetch: {self.model.__name__}{shared}", fetch_all, self)

    QuerySet._fetch_all = timed_fetch


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("HMIS_BENCH_DATABASE_URL", DEFAULT_DB + "_census"))
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client as TestClient

    from clients.models import Client
    from hmis.models import User
    from tests.conftest import verified_session

    user = User.objects.get(username="bench-intake")
    ids = Client.objects.filter(owning_agency=user.agency).order_by("created_at").values_list("pk", flat=True)[:400]
    client_paths = [f"/clients/{pk}/" for pk in ids]
    browser = verified_session(TestClient(), user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def measure(paths):
        for path in paths[:20]:  # warm up
            assert browser.get(path).status_code == 200, path
        own, pg = time.process_time(), backend_cpu(backend)
        for k in range(args.requests):
            browser.get(paths[k % len(paths)])
        return (
            (time.process_time() - own) * 1000 / args.requests,
            (backend_cpu(backend) - pg) * 1000 / args.requests,
        )

    print(f"=== client page against the bare view, in-process, {len(client_paths)} clients, ms of CPU per request ===")
    for run in range(1, args.repeat + 1):
        bare, page = measure(["/bench/bare/"]), measure(client_paths)
        ratio = sum(bare) / sum(page)
        print(
            f"run {run}: bare {bare[0]:.2f} + {bare[1]:.2f} PostgreSQL, "
            f"client page {page[0]:.2f} + {page[1]:.2f} PostgreSQL: {ratio:.0%}"
        )
    parts = Parts()
    install(parts)
    measure(client_paths)
    print("\nthe client page's own parts (this process, exclusive), ms per request")
    for label, cpu in parts.cpu.most_common():
        print(f"  {label:46s} {cpu * 1000 / (args.requests + 20):6.2f}")
    print("  (the rest of the request is what the bare view runs too: the middleware)")


if __name__ == "__main__":
    main()
