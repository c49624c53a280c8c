"""Data-quality page benchmark (on demand, never in CI).

    python -m tests.benchmarks.bench_data_quality --clients 100000

1. Creates (or reuses) a dedicated database (default ``hmis_dq_bench``),
   migrates it and writes, with COPY, one agency's N clients (plus a tenth as
   many at a second agency, which must not be counted) with a mix of HUD
   data-quality codes, 1.3 enrollments each in three projects (some
   overlapping, some relationship 99, some exited before the range) and
   intake assessments for most enrollments. The encrypted columns hold a
   placeholder that does not decrypt: the page must never decrypt them, and
   would fail loudly if it did.
2. Times the page's one query for a supervisor of that agency (the counts
   per element and the first page of records to fix), for every project over
   the last year and for one project: p50 and p95 over repeated runs, with
   the number of queries. The target is under one second.
"""

import argparse
import datetime
import os
import random
import time
import uuid

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hmis_dq_bench"
NOT_A_TOKEN = "bench-placeholder"  # non-NULL, and not a Fernet token: decrypting it raises


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.settings"
    import django

    django.setup()


def ensure_database(database_url):
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _quality(rng):
    """A HUD data-quality code, mostly complete."""
    return rng.choices([1, 2, 8, 9, 99], weights=[85, 5, 3, 3, 4])[0]


def _copy(cursor, table, columns, rows):
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(n_clients):
    from django.db import connection

    from clients.models import Client, Project
    from hmis.models import Role
    from tests.builders.factories import AgencyFactory, UserFactory

    if Client.objects.count() >= n_clients:
        print("reusing the population", flush=True)
        from hmis.models import User

        return User.objects.get(username="bench-supervisor"), Project.objects.filter(agency__slug="harbor").first()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE clients_client, clients_project CASCADE")
    harbor = AgencyFactory(slug="harbor", name="Harbor Family Services")
    other = AgencyFactory(slug="bench-other", name="Bench Other Agency")
    supervisor = UserFactory(username="bench-supervisor", agency=harbor, roles=[Role.SUPERVISOR])
    creator = UserFactory(username="bench-intake", agency=harbor, roles=[Role.INTAKE])
    projects = [Project.objects.create(agency=harbor, name=f"Project {k}", project_type=0) for k in range(3)]
    their_project = Project.objects.create(agency=other, name="Theirs", project_type=0)

    t0 = time.perf_counter()
    rng = random.Random(2026)
    now = datetime.datetime.now(datetime.UTC)
    today = datetime.date.today()
    clients, enrollments, assessments = [], [], []
    for i in range(n_clients + n_clients // 10):
        ours = i < n_clients
        cid = uuid.UUID(int=rng.getrandbits(128), version=4)
        name_q, ssn_q, dob_q = _quality(rng), _quality(rng), _quality(rng)
        stored = lambda q: NOT_A_TOKEN if q in (1, 2) and rng.random() > 0.01 else None  # noqa: E731
        race = rng.choices(["{5}", "{3,6}", "{8}", "{9}", "{99}", "{}"], weights=[60, 30, 3, 3, 3, 1])[0]
        clients.append(
            [
                cid, f"C-B{i:09d}", harbor.pk if ours else other.pk, creator.pk, now, now,
                stored(name_q), stored(name_q), name_q, stored(ssn_q), ssn_q, stored(dob_q), dob_q,
                race, rng.choices([0, 1, 8, 9, 99], weights=[48, 48, 1, 1, 2])[0],
                rng.choices([0, 1, 8, 9, 99], weights=[85, 10, 1, 1, 3])[0], False, False,
            ]
        )  # fmt: skip
        for _ in range(1 if rng.random() < 0.7 else 2):
            entry = today - datetime.timedelta(days=rng.randrange(900))
            exit_ = entry + datetime.timedelta(days=rng.randrange(200)) if rng.random() < 0.6 else None
            exit_ = exit_ if exit_ is None or exit_ <= today else None
            eid = uuid.UUID(int=rng.getrandbits(128), version=4)
            project = rng.choice(projects) if ours else their_project
            enrollments.append(
                [eid, cid, project.pk, entry, exit_, 410 if exit_ else None,
                 rng.choices([1, 2, 3, 99], weights=[80, 10, 7, 3])[0], creator.pk, now]
            )  # fmt: skip
            if rng.random() < 0.9:
                assessments.append(
                    [uuid.uuid4(), eid, entry, 116, 4, *[NOT_A_TOKEN] * 5, None, None, None, creator.pk, now]
                )
    with connection.cursor() as cursor:
        _copy(
            cursor, "clients_client",
            ["id", "reference", "owning_agency_id", "created_by_id", "created_at", "updated_at", "first_name",
             "last_name", "name_data_quality", "ssn", "ssn_data_quality", "dob", "dob_data_quality",
             "race_ethnicity", "sex", "veteran_status", "confidential", "is_anonymous"],
            clients,
        )  # fmt: skip
        _copy(
            cursor, "clients_enrollment",
            ["id", "client_id", "project_id", "entry_date", "exit_date", "destination", "relationship_to_hoh",
             "created_by_id", "created_at"],
            enrollments,
        )  # fmt: skip
        _copy(
            cursor, "clients_assessment",
            ["id", "enrollment_id", "assessment_date", "prior_living_situation", "length_of_stay",
             "disabling_condition", "income_from_any_source", "non_cash_benefits", "health_insurance",
             "domestic_violence_survivor", "monthly_income", "currently_fleeing", "notes", "created_by_id",
             "created_at"],
            assessments,
        )  # fmt: skip
        cursor.execute("ANALYZE")  # every table, as autovacuum would: the planner needs the projects and users too
    print(
        f"wrote {len(clients)} clients, {len(enrollments)} enrollments, {len(assessments)} assessments "
        f"in {time.perf_counter() - t0:.1f}s",
        flush=True,
    )
    return supervisor, projects[0]


def time_page(user, filters, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clients import data_quality

    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            report = data_quality.report_for(user, filters, limit=51)
            timings.append((time.perf_counter() - t0) * 1000)
        queries = len(captured.captured_queries)
    return sorted(timings), queries, report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("HMIS_BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    supervisor, project = seed(args.clients)

    from clients.data_quality import Filters

    today = datetime.date.today()
    year = Filters(start=today - datetime.timedelta(days=365), end=today)
    for label, filters in (
        ("every project, last year", year),
        ("one project, last year", Filters(year.start, today, project)),
    ):
        time_page(supervisor, filters, 1)  # warm up
        timings, queries, report = time_page(supervisor, filters, args.runs)
        p50, p95 = timings[len(timings) // 2], timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        print(
            f"{label}: {report.clients} clients served, {report.records_to_fix} to fix, "
            f"{queries} queries, p50 {p50:.0f} ms, p95 {p95:.0f} ms (target < 1000 ms)",
            flush=True,
        )
        assert len(report.records) == 51


if __name__ == "__main__":
    main()
