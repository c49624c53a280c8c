"""Client benchmark (on demand, never in CI).

    python -m tests.benchmarks.bench_clients --clients 100000

1. Creates (or reuses) a dedicated database (default ``hmis_clients_bench``),
   migrates it and generates N synthetic clients with the real encryption
   and blind-index functions, written with COPY by two processes. Client i
   is generated from seed i, so its plaintext can be regenerated for the
   recall check without storing it anywhere.
2. Duplicate-check search latency (``clients.queries.search_clients``, the
   function the intake page calls: indexed candidate query, decryption,
   Jaro-Winkler ranking, visibility filter), p50 and p95, one user and 6
   concurrent processes; queries carry one typo.
3. Recall: the share of one-typo queries (first name, last name or birth
   date) whose true record is in the top 10 of the engine (``matching.find``,
   across agencies, as the duplicate check runs).
4. Throughput of the client page against a bare signed-in one-query view,
   both served by the same gunicorn, measured by concurrent keep-alive HTTP
   clients.
"""

import argparse
import datetime
import http.client
import itertools
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hmis_clients_bench"


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


# --- Synthetic people ----------------------------------------------------------------------

_NAMES = None


def names():
    global _NAMES
    if _NAMES is None:
        from faker.providers.person.en_US import Provider

        firsts = {**Provider.first_names_female, **Provider.first_names_male}
        lasts = Provider.last_names
        _NAMES = (
            list(firsts),
            list(itertools.accumulate(firsts.values())),
            list(lasts),
            list(itertools.accumulate(lasts.values())),
        )
    return _NAMES


def person(i):
    """The plaintext of synthetic client i (deterministic)."""
    rng = random.Random(i * 7919 + 17)
    firsts, first_w, lasts, last_w = names()
    first = rng.choices(firsts, cum_weights=first_w)[0]
    last = rng.choices(lasts, cum_weights=last_w)[0]
    dob = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(24000))
    area = rng.choice([a for a in range(1, 900) if a != 666])
    ssn = f"{area:03d}{rng.randrange(1, 100):02d}{rng.randrange(1, 10000):04d}"
    has_ssn = rng.random() > 0.05  # some clients have no SSN on file
    return {
        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "first": first,
        "last": last,
        "dob": dob,
        "ssn": ssn if has_ssn else None,
        "phone": f"555-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}",
    }


COLUMNS = None


def generate_chunk(args):
    """Child process: generate clients [start, stop) and COPY them in."""
    start, stop, agency_ids, creator_id = args
    from django.db import connection

    from clients import matching
    from clients.models import new_reference
    from hmis.crypto import encrypt_text

    connection.close()
    index_columns = list(matching.INDEX_COLUMNS)
    columns = [
        "id", "reference", "owning_agency_id", "created_by_id", "created_at", "updated_at",
        "first_name", "last_name", "name_data_quality", "ssn", "ssn_data_quality", "dob", "dob_data_quality",
        "race_ethnicity", "sex", "veteran_status", "phone", "confidential", "is_anonymous", *index_columns,
    ]  # fmt: skip
    now = datetime.datetime.now(datetime.UTC)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY clients_client ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(start, stop):
                p = person(i)
                keys = matching.Pieces.of(first_name=p["first"], last_name=p["last"], dob=p["dob"], ssn=p["ssn"]).keys()
                copy.write_row(
                    [
                        p["id"], new_reference() + f"{i:x}"[-2:], agency_ids[i % len(agency_ids)], creator_id, now, now,
                        encrypt_text(p["first"]), encrypt_text(p["last"]), 1,
                        encrypt_text(p["ssn"]) if p["ssn"] else None, 1 if p["ssn"] else 99,
                        encrypt_text(p["dob"].isoformat()), 1, "{5}", i % 2, 0, encrypt_text(p["phone"]), False, False,
                        *[keys[c] for c in index_columns],
                    ]
                )  # fmt: skip
    connection.close()
    return stop - start


def seed_world(n_clients):
    from django.db import connection

    from clients.models import Client
    from hmis.models import Role
    from tests.factories import AgencyFactory, UserFactory

    agencies = [AgencyFactory(slug="harbor", name="Harbor Family Services")] + [
        AgencyFactory(slug=f"bench-{k}", name=f"Bench Agency {k}") for k in range(9)
    ]
    user = UserFactory(username="bench-intake", agency=agencies[0], roles=[Role.INTAKE])
    have = Client.objects.count()
    if have >= n_clients:
        print(f"reusing {have} clients", flush=True)
        return user
    if have:
        print(f"deleting {have} clients to regenerate exactly {n_clients}", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE clients_client CASCADE")
    t0 = time.perf_counter()
    step = 20000
    chunks = [(s, min(s + step, n_clients), [a.pk for a in agencies], user.pk) for s in range(0, n_clients, step)]
    connection.close()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        done = 0
        for count in pool.imap_unordered(generate_chunk, chunks):
            done += count
            print(f"  generated {done}/{n_clients} ({time.perf_counter() - t0:.0f}s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
    print(f"generated {n_clients} clients in {time.perf_counter() - t0:.1f}s", flush=True)
    return user


# --- Search -------------------------------------------------------------------------------


def typo_query(i, rng):
    p = person(i)
    terms = {"first_name": p["first"], "last_name": p["last"], "dob": p["dob"]}
    which = rng.choice(["first_name", "last_name", "dob"])
    if which == "dob":
        d = p["dob"]
        kind = rng.choice(["day", "month_day_swap", "year_digit"])
        if kind == "day":
            terms["dob"] = d + datetime.timedelta(days=rng.choice([-1, 1]))
        elif kind == "month_day_swap" and d.day <= 12 and d.day != d.month:
            terms["dob"] = d.replace(month=d.day, day=d.month)
        else:
            terms["dob"] = d.replace(year=d.year + rng.choice([-1, 1, -10, 10]), day=min(d.day, 28))
    else:
        word = terms[which]
        pos = rng.randrange(1, len(word)) if len(word) > 1 else 0
        op = rng.choice(["sub", "drop", "swap", "insert"])
        if op == "sub":
            word = word[:pos] + rng.choice("aeiourstnl") + word[pos + 1 :]
        elif op == "drop" and len(word) > 3:
            word = word[:pos] + word[pos + 1 :]
        elif op == "swap" and pos < len(word) - 1:
            word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
        else:
            word = word[:pos] + rng.choice("aeiourstnl") + word[pos:]
        terms[which] = word
    return p["id"], terms


def search_latencies(args):
    """Run searches as the bench user; return latencies in ms."""
    n_clients, count, seed = args
    from django.db import connection

    from clients import queries
    from clients.masking import Viewer
    from hmis.models import User

    connection.close()
    user = User.objects.get(username="bench-intake")
    viewer = Viewer(names=True)
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        _true_id, terms = typo_query(rng.randrange(n_clients), rng)
        t0 = time.perf_counter()
        queries.search_clients(user, viewer, **terms)
        out.append((time.perf_counter() - t0) * 1000)
    connection.close()
    return out


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def bench_search(n_clients, queries_single=400, per_process=200, processes=6):
    search_latencies((n_clients, 30, 999))  # warm up
    single = search_latencies((n_clients, queries_single, 1))
    from django.db import connection

    connection.close()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(search_latencies, [(n_clients, per_process, 100 + k) for k in range(processes)])
    concurrent = [v for part in parts for v in part]
    return single, concurrent


def bench_recall(n_clients, count=1000):
    from clients import matching

    rng = random.Random(4242)
    hits = 0
    for _ in range(count):
        true_id, terms = typo_query(rng.randrange(n_clients), rng)
        pieces = matching.Pieces.of(first_name=terms["first_name"], last_name=terms["last_name"], dob=terms["dob"])
        top = [r.client.pk for r in matching.find(pieces)[:10]]
        hits += true_id in top
    return hits / count


# --- Page throughput -------------------------------------------------------------------------


def signed_in_cookie(user):
    from django.conf import settings
    from django.test import Client as TestClient

    from tests.conftest import verified_session

    browser = verified_session(TestClient(), user)
    return f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


def hammer(port, paths, cookie, seconds, threads):
    stop = time.monotonic() + seconds
    counts = [0] * threads
    errors = [0] * threads

    def run(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        j = k
        while time.monotonic() < stop:
            path = paths[j % len(paths)]
            j += threads
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                counts[k] += 1
            else:
                errors[k] += 1

    workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / seconds, sum(errors)


def bench_pages(database_url, user, seconds, threads, gunicorn_workers):
    from django.conf import settings
    from django.utils import timezone

    from clients.models import Client
    from hmis.models import User

    # The bench user must be in good standing (agreement accepted, training current),
    # or every request is a redirect, not a page.
    User.objects.filter(pk=user.pk).update(
        agreement_version=settings.HMIS_USER_AGREEMENT_VERSION, privacy_training_on=timezone.localdate()
    )
    user.refresh_from_db()

    port = 18000 + os.getpid() % 1000
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="tests.benchmarks.settings")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hmis.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(gunicorn_workers), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/health/")
                break
            except OSError:
                time.sleep(0.2)
        ids = list(
            Client.objects.filter(owning_agency=user.agency).order_by("created_at").values_list("pk", flat=True)[:2000]
        )
        client_paths = [f"/clients/{pk}/" for pk in ids]
        cookie = signed_in_cookie(user)
        hammer(port, ["/bench/bare/"], cookie, 2, threads)  # warm up
        hammer(port, client_paths[:50], cookie, 2, threads)
        bare_rps, bare_err = hammer(port, ["/bench/bare/"], cookie, seconds, threads)
        page_rps, page_err = hammer(port, client_paths, cookie, seconds, threads)
        return bare_rps, page_rps, bare_err + page_err
    finally:
        server.terminate()
        server.wait(timeout=20)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("HMIS_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--seconds", type=int, default=15, help="per throughput measurement")
    parser.add_argument("--threads", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--recall-queries", type=int, default=1000)
    parser.add_argument("--pages-only", action="store_true", help="measure only the page throughput")
    args = parser.parse_args()

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user = seed_world(args.clients)

    if args.pages_only:
        single = concurrent = [0.0]
        recall = 0.0
    else:
        single, concurrent = bench_search(args.clients)
        recall = bench_recall(args.clients, args.recall_queries)
    bare_rps, page_rps, errors = bench_pages(args.database_url, user, args.seconds, args.threads, args.gunicorn_workers)

    print(f"\n=== clients benchmark: {args.clients:,} clients, {os.cpu_count()} CPUs ===")
    print(f"search, 1 user:        p50 {pct(single, 50):6.1f} ms  p95 {pct(single, 95):6.1f} ms  (n={len(single)})")
    print(
        f"search, 6 concurrent:  p50 {pct(concurrent, 50):6.1f} ms  p95 {pct(concurrent, 95):6.1f} ms  (n={len(concurrent)})"  # noqa: E501
    )
    print(f"one-typo top-10 recall: {recall:.1%}  (n={args.recall_queries})")
    print(f"bare signed-in view:   {bare_rps:7.1f} req/s")
    if not bare_rps:
        raise SystemExit(
            f"the bare view answered nothing successfully (errors: {errors}); is the bench user signed in?"
        )
    print(f"client page:           {page_rps:7.1f} req/s  = {page_rps / bare_rps:.0%} of bare  (errors: {errors})")
    print(f"search mean (1 user): {statistics.mean(single):.1f} ms")


if __name__ == "__main__":
    main()
