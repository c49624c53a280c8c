"""Where an HMIS CSV import's CPU goes (on demand, never in CI).

    python -m tests.benchmarks.profile_hmis_csv_import --clients 20000

Uses the benchmark's database and zip (``bench_hmis_csv`` makes both; this
makes them too when ``--setup`` is given). Runs ``run_import`` in this process
only (no worker processes, so every Python microsecond is counted here) inside
a transaction that is rolled back at the end (and the database vacuumed
before each run), so runs repeat on the same database. Prints, per part, microseconds of CPU per client: this process
(user + sys) and the PostgreSQL backend serving it (``/proc/<pid>/stat``).
"""

import argparse
import os
import resource
import time
from collections import defaultdict

from tests.benchmarks import bench_hmis_csv as bench

TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Meter:
    """Exclusive CPU (own and backend) per named part, parts nested."""

    def __init__(self, pid):
        self.pid = pid
        self.own = defaultdict(float)
        self.pg = defaultdict(float)
        self.wall = defaultdict(float)
        self.stack = []
        self.mark = (time.process_time(), backend_cpu(pid), time.perf_counter())

    def _charge(self):
        now = (time.process_time(), backend_cpu(self.pid), time.perf_counter())
        part = self.stack[-1] if self.stack else "(other)"
        self.own[part] += now[0] - self.mark[0]
        self.pg[part] += now[1] - self.mark[1]
        self.wall[part] += now[2] - self.mark[2]
        self.mark = now

    def wrap(self, name, function):
        meter = self

        def wrapped(*args, **kwargs):
            label = name(*args, **kwargs) if callable(name) else name
            meter._charge()
            meter.stack.append(label)
            try:
                return function(*args, **kwargs)
            finally:
                meter._charge()
                meter.stack.pop()

        return wrapped


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--database-url", default=bench.DEFAULT_DB)
    parser.add_argument("--zip", default="/tmp/hmis-csv-bench.zip")
    parser.add_argument("--setup", action="store_true", help="make the database and the zip first")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--workers", action="store_true", help="keep the import's worker processes (their CPU is not counted)"
    )
    parser.add_argument("--sql", default="", help="SQL run in the transaction before the import (then undone)")
    parser.add_argument("--drop-index", default="", help="indexes to drop (then restored) for the run: a,b,c")
    args = parser.parse_args()
    if args.setup:
        bench.ensure_empty_database(args.database_url)
    bench.setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection, transaction

    if args.setup:
        call_command("migrate", verbosity=0)
        bench.seed_world()
        bench.write_generated_zip(args.zip, args.clients)

    from clients.hmis_csv import actions, importer
    from hmis.models import Agency, User

    if not args.workers:
        importer.PARALLEL_MIN_ROWS = 10**12  # everything in this process
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    lead = User.objects.get(username="bench-lead")
    agency = Agency.objects.get(slug="harbor")
    originals = {
        name: getattr(importer, name)
        for name in (
            "check_file",
            "_write_projects",
            "_write_clients",
            "_write_enrollments",
            "_write_assessments",
            "_write_audit",
            "_prepare_clients",
            "_assessment_tokens",
            "_match_clients",
            "_copy_lines",
            "_already_imported",
            "_local_ids",
            "encrypt_many",
        )
        if hasattr(importer, name)
    }
    for run in range(args.repeat):
        meter = Meter(pid)
        for name, function in originals.items():
            if args.workers and name in ("_prepare_clients", "_assessment_tokens", "encrypt_many"):
                continue  # they run on the workers (sent by reference)
            label = (lambda cursor, table, *a, **k: f"COPY {table}") if name == "_copy_lines" else name
            setattr(importer, name, meter.wrap(label, function))
        # The last run's rolled-back rows are dead entries in every index: vacuum them, or each
        # run would find more of them than the one before.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers_before = children.ru_utime + children.ru_stime
        started = time.perf_counter()
        load = os.getloadavg()[0]
        try:
            with transaction.atomic():
                for index in filter(None, args.drop_index.split(",")):
                    with connection.cursor() as cursor:
                        cursor.execute(f'DROP INDEX "{index}"')
                if args.sql:
                    with connection.cursor() as cursor:
                        cursor.execute(args.sql)
                meter.__init__(pid)  # after the drops
                with open(args.zip, "rb") as source:
                    hmis_import, checked = meter.wrap("run_import", actions.run_import)(
                        acting_user=lead, agency=agency, source=source
                    )
                assert hmis_import.clients_created == args.clients, hmis_import.clients_created
                meter._charge()
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        wall = time.perf_counter() - started
        n = args.clients
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = children.ru_utime + children.ru_stime - workers_before
        print(f"\nrun {run + 1}: {n:,} clients, wall {wall:.1f} s, load {load:.1f} (us of CPU per client)")
        print(f"{'part':34} {'python':>8} {'postgres':>9} {'wall':>8}")
        for part in sorted(meter.own, key=lambda p: -(meter.own[p] + meter.pg[p])):
            print(
                f"{part:34} {meter.own[part] / n * 1e6:8.1f} {meter.pg[part] / n * 1e6:9.1f}"
                f" {meter.wall[part] / n * 1e6:8.1f}"
            )
        own, pg = sum(meter.own.values()), sum(meter.pg.values())
        print(f"{'total':34} {own / n * 1e6:8.1f} {pg / n * 1e6:9.1f}   = {(own + pg) / n * 1e6:.0f} us/client")
        if args.workers:
            print(
                f"{'worker processes':34} {workers / n * 1e6:8.1f}"
                f"   all together {(own + pg + workers) / n * 1e6:.0f} us/client,"
                f" {n / wall:,.0f} clients/s"
            )
    for name, function in originals.items():
        setattr(importer, name, function)


if __name__ == "__main__":
    main()
