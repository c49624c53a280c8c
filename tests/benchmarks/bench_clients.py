"""Client benchmark (on demand, never in CI).

    python -m tests.benchmarks.bench_clients --clients 100000 [--names census|faker]

1. Creates (or reuses) a dedicated database (default ``hmis_clients_bench_census``,
   or ``hmis_clients_bench`` with ``--names faker``),
   migrates it and generates N synthetic clients with the real encryption
   and blind-index functions, written with COPY by two processes. Client i
   is generated from seed i, so its plaintext can be regenerated for the
   recall check without storing it anywhere. Names follow census-shaped
   frequencies (see "Synthetic people" below); how often full names repeat
   is reported first.
2. Duplicate-check search latency (``clients.queries.search_clients``, the
   function the intake page calls: indexed candidate query, decryption,
   Jaro-Winkler ranking, visibility filter), p50 and p95, one user and 6
   concurrent processes; queries carry one typo.
   Name-only one-typo queries are timed the same way.
3. Recall: the share of one-typo queries (first name, last name or birth
   date) whose true record is in the top 10 of the engine (``matching.find``,
   across agencies, as the duplicate check runs); then per kind of typo,
   name and birth date beside name only. With names only, a common name is
   shared by many people, so a query is also counted "ambiguous" when 10 or
   more records score at least as well as the true one: the name alone
   cannot pick it out.
4. Candidate counts for the most common names (rows per neighbour key
   before the cap, candidates after it).
5. "My agency's clients" (a page of 50, the agency holding a tenth of all
   clients): p50 and p95.
6. Throughput of the client page, the bare signed-in one-query view and a
   plain Django signed-in view (session and authentication middleware only),
   all served by the same gunicorn (``tests.benchmarks.wsgi``), measured by
   concurrent keep-alive HTTP clients.

The summary is printed and, with ``--json PATH``, written as JSON.
"""

import argparse
import collections
import datetime
import http.client
import itertools
import json
import multiprocessing
import os
import random
import subprocess
import sys
import threading
import time
import uuid

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hmis_clients_bench"  # + "_census" for the census names


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
#
# Two populations (--names):
#
# "faker" (the first one): Faker's 1,000 census surnames and 690 SSA first names by their
# weights. At 1M the median full name is shared by about 5 people, far more than in life.
#
# "census" (the default): the same common names for the share of people they cover in life,
# and a Zipf-like long tail of synthetic names (syllable combinations) for the rest. The
# parameters follow approximate census figures (quoted from memory, not downloaded):
# - Surnames (Census 2000): Smith is about 0.88 % of people; Faker weighs it 2.17 % of its top
#   1,000, so those 1,000 cover about 41 %. About 150,000 surnames with 100 or more bearers
#   cover about 90 %, of some 6 million distinct. The tail: ranks 1,001 to 6 million drawn
#   with P(rank) ~ rank^-1.25, which gives the top 151,671 ranks about 89 % of people.
# - First names (1990 census): about 1,200 male and 4,300 female names cover 90 %, the most
#   common (James, Mary) about 3 % of each sex. Faker's 690 take 80 %, and a tail of ranks up
#   to 100,000 with P(rank) ~ rank^-1.2 the rest.
# At 1M that makes ~86 % of full names unique and under 1 % of people share their full name
# with 10 or more others (first and last names drawn independently, which understates the
# clustering of e.g. "Maria Garcia" a little).

NAME_MODES = ("census", "faker")
COMMON_LAST_SHARE, LAST_TAIL_RANKS, LAST_TAIL_EXPONENT = 0.41, 6_000_000, 1.25
COMMON_FIRST_SHARE, FIRST_TAIL_RANKS, FIRST_TAIL_EXPONENT = 0.80, 100_000, 1.2
_ONSETS = "b d f g h j k l m n p r s t v w z br ch dr gr kr pr sh st tr".split()
_VOWELS = "a e i o u ay ee oo".split()
_CODAS = ("", "n", "r", "s", "l", "t", "k", "m", "nd", "rt", "son", "man")

_NAMES = None
NAME_MODE = "census"


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


def tail_rank(u, first_rank, last_rank, exponent):
    """A rank in [first_rank, last_rank] with P(rank) ~ rank^-exponent (inverse CDF of ``u``)."""
    k = 1 - exponent
    return int((first_rank**k + u * (last_rank**k - first_rank**k)) ** (1 / k))


def synthetic_name(rank, syllables, rank_bits):
    """A pronounceable name for a tail rank below 2**rank_bits: at least ``syllables``
    syllables and a coda. The rank is scrambled first (an odd multiplier is a bijection
    modulo a power of two), so neighbouring ranks do not differ by the coda only."""
    n = (rank * 2654435761) % (1 << rank_bits)
    n, coda = divmod(n, len(_CODAS))
    base = len(_ONSETS) * len(_VOWELS)
    n += base ** (syllables - 1)
    parts = []
    while n:
        n, d = divmod(n, base)
        onset, vowel = divmod(d, len(_VOWELS))
        parts.append(_ONSETS[onset] + _VOWELS[vowel])
    return ("".join(parts) + _CODAS[coda]).capitalize()  # lowest digit first: every initial occurs


def draw_first(rng):
    firsts, first_w, _lasts, _last_w = names()
    if NAME_MODE == "faker" or rng.random() < COMMON_FIRST_SHARE:
        return rng.choices(firsts, cum_weights=first_w)[0]
    return synthetic_name(tail_rank(rng.random(), len(firsts) + 1, FIRST_TAIL_RANKS, FIRST_TAIL_EXPONENT), 1, 17)


def draw_last(rng):
    _firsts, _first_w, lasts, last_w = names()
    if NAME_MODE == "faker" or rng.random() < COMMON_LAST_SHARE:
        return rng.choices(lasts, cum_weights=last_w)[0]
    return synthetic_name(tail_rank(rng.random(), len(lasts) + 1, LAST_TAIL_RANKS, LAST_TAIL_EXPONENT), 2, 23)


def person(i):
    """The plaintext of synthetic client i (deterministic)."""
    rng = random.Random(i * 7919 + 17)
    first = draw_first(rng)
    last = draw_last(rng)
    if rng.random() < 0.05:  # some carry a double (hyphenated) last name
        last = f"{last}-{draw_last(rng)}"
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
        matching.NEIGHBOUR_COLUMN,
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
                        matching.stored_neighbour_keys(p["first"], p["last"]),
                    ]
                )  # fmt: skip
    connection.close()
    return stop - start


def seed_world(n_clients):
    from django.db import connection

    from clients.models import Client
    from hmis.models import Role
    from tests.builders.factories import AgencyFactory, UserFactory

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
        cursor.execute("VACUUM ANALYZE clients_client")  # as autovacuum would after a bulk load
    print(f"generated {n_clients} clients in {time.perf_counter() - t0:.1f}s", flush=True)
    return user


def name_population(n_clients):
    """How often full names repeat in the population (what limits name-only search)."""
    bearers = collections.Counter()
    lasts = set()
    for i in range(n_clients):
        p = person(i)
        bearers[(p["first"], p["last"])] += 1
        lasts.add(p["last"])
    return {
        "distinct_last_names": len(lasts),
        "distinct_full_names": len(bearers),
        "unique_full_name": sum(c for c in bearers.values() if c == 1) / n_clients,
        "shares_with_10_or_more": sum(c for c in bearers.values() if c >= 11) / n_clients,
    }


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
        op = rng.choice(["substitution", "deletion", "transposition", "insertion"])
        terms[which] = one_edit(terms[which], op, rng)
    return p["id"], terms


EDITS = ("deletion", "substitution", "insertion", "transposition")
KINDS = (*EDITS, "swapped names", "partial double last name", "initial-only first name")


def one_edit(word, op, rng):
    """``word`` with one edit of kind ``op`` after its first letter (an
    edit that cannot apply to a short word falls back to an insertion)."""
    pos = rng.randrange(1, len(word)) if len(word) > 1 else 0
    if op == "substitution":
        letter = rng.choice([c for c in "aeiourstnl" if c != word[pos : pos + 1].lower()])
        return word[:pos] + letter + word[pos + 1 :]
    if op == "deletion" and len(word) > 3:
        return word[:pos] + word[pos + 1 :]
    if op == "transposition" and pos < len(word) - 1 and word[pos] != word[pos + 1]:
        return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    return word[:pos] + rng.choice("aeiourstnl") + word[pos:]


def kind_query(n_clients, kind, rng):
    """(true id, true person, first, last) of a name query with one typo of ``kind``."""
    i = rng.randrange(n_clients)
    if kind == "partial double last name":
        while "-" not in person(i)["last"]:
            i = rng.randrange(n_clients)
    p = person(i)
    first, last = p["first"], p["last"]
    if kind in EDITS or kind == "swapped names":
        op = kind if kind in EDITS else rng.choice(EDITS)
        if rng.random() < 0.5:
            first = one_edit(first, op, rng)
        else:
            last = one_edit(last, op, rng)
        if kind == "swapped names":
            first, last = last, first
    elif kind == "partial double last name":
        last = rng.choice(last.split("-"))
    else:
        first = first[0]
    return p, first, last


def search_latencies(args):
    """Run searches as the bench user; return latencies in ms."""
    n_clients, count, seed, name_only = args
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
        if name_only:
            _p, first, last = kind_query(n_clients, rng.choice(EDITS), rng)
            terms = {"first_name": first, "last_name": last}
        else:
            _true_id, terms = typo_query(rng.randrange(n_clients), rng)
        t0 = time.perf_counter()
        queries.search_clients(user, viewer, **terms)
        out.append((time.perf_counter() - t0) * 1000)
    connection.close()
    return out


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def bench_search(n_clients, name_only=False, queries_single=400, per_process=200, processes=6):
    search_latencies((n_clients, 30, 999, name_only))  # warm up
    single = search_latencies((n_clients, queries_single, 1, name_only))
    from django.db import connection

    connection.close()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(search_latencies, [(n_clients, per_process, 100 + k, name_only) for k in range(processes)])
    concurrent = [v for part in parts for v in part]
    return single, concurrent


def bench_recall(n_clients, count=1000):
    from clients import matching

    rng = random.Random(4242)
    hits = 0
    for _ in range(count):
        true_id, terms = typo_query(rng.randrange(n_clients), rng)
        pieces = matching.Pieces.of(first_name=terms["first_name"], last_name=terms["last_name"], dob=terms["dob"])
        top = [r.client_id for r in matching.find(pieces)[:10]]
        hits += true_id in top
    return hits / count


def bench_recall_by_kind(n_clients, count):
    """Per kind: (with DOB found, name only found, name only ambiguous) as shares."""
    from clients import matching

    out = {}
    for k, kind in enumerate(KINDS):
        rng = random.Random(777 + k)
        with_dob = found = ambiguous = 0
        for _ in range(count):
            p, first, last = kind_query(n_clients, kind, rng)
            dated = matching.Pieces.of(first_name=first, last_name=last, dob=p["dob"])
            with_dob += p["id"] in [r.client_id for r in matching.find(dated)[:10]]
            query = matching.Pieces.of(first_name=first, last_name=last)
            top = matching.find(query)[:10]
            if p["id"] in [r.client_id for r in top]:
                found += 1
            elif len(top) == 10:
                truth = matching.similarity(query, matching.Pieces.of(first_name=p["first"], last_name=p["last"]))
                ambiguous += top[-1].score >= truth - 1e-9
        out[kind] = (with_dob / count, found / count, ambiguous / count)
    return out


COMMON_NAMES = (("James", "Smith"), ("Michael", "Johnson"), ("Mary", "Williams"), ("J", "Smith"), ("Jmes", "Smith"))


def bench_candidates():
    """Per common name: the largest number of rows one neighbour key matches, and the capped candidate count."""
    from django.db import connection

    from clients import matching

    out = {}
    with connection.cursor() as cursor:
        for first, last in COMMON_NAMES:
            pieces = matching.Pieces.of(first_name=first, last_name=last)
            largest = 0
            for key in pieces.neighbour_keys():
                cursor.execute(
                    f"SELECT count(*) FROM clients_client WHERE {matching.NEIGHBOUR_COLUMN} @> ARRAY[%s]::integer[]",  # noqa: S608
                    [key],
                )
                largest = max(largest, cursor.fetchone()[0])
            out[f"{first} {last}"] = (largest, len(matching.candidate_ids(pieces)))
    return out


def bench_agency_list(user, n_clients, count=300):
    """Latency (ms) of a page of 50 of "my agency's clients", pages 1 to 20 (the agency has a tenth)."""
    from clients import queries
    from clients.masking import Viewer

    viewer = Viewer(names=True)
    rng = random.Random(5)
    out = []
    for k in range(count + 20):
        offset = 50 * rng.randrange(max(1, min(20, n_clients // 10 // 50 - 1)))
        t0 = time.perf_counter()
        rows = queries.masked_clients_for(user, viewer, page_size=51, offset=offset)
        if k >= 20:  # warm up first
            out.append((time.perf_counter() - t0) * 1000)
        assert len(rows) == 51 or n_clients < 1000
    return out


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
        [sys.executable, "-m", "gunicorn", "tests.benchmarks.wsgi:application", "-b", f"127.0.0.1:{port}",
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
        hammer(port, ["/bench/plain/"], cookie, 2, threads)  # warm up
        hammer(port, ["/bench/bare/"], cookie, 2, threads)
        hammer(port, client_paths[:50], cookie, 2, threads)
        plain_rps, plain_err = hammer(port, ["/bench/plain/"], cookie, seconds, threads)
        bare_rps, bare_err = hammer(port, ["/bench/bare/"], cookie, seconds, threads)
        page_rps, page_err = hammer(port, client_paths, cookie, seconds, threads)
        return plain_rps, bare_rps, page_rps, plain_err + bare_err + page_err
    finally:
        server.terminate()
        server.wait(timeout=20)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("HMIS_BENCH_DATABASE_URL"))
    parser.add_argument(
        "--names", choices=NAME_MODES, default="census",
        help="census: common names at their real share plus a long tail (default); faker: the first, "
        "690 first and 1,000 last names only. Each has its own default database.",
    )  # fmt: skip
    parser.add_argument("--seconds", type=int, default=15, help="per throughput measurement")
    parser.add_argument("--threads", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--recall-queries", type=int, default=1000)
    parser.add_argument("--kind-queries", type=int, default=300, help="recall queries per kind of typo")
    parser.add_argument("--pages-only", action="store_true", help="measure only the page throughput")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args()
    global NAME_MODE
    NAME_MODE = args.names
    if not args.database_url:
        args.database_url = DEFAULT_DB + ("_census" if args.names == "census" else "")

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user = seed_world(args.clients)
    figures = {"clients": args.clients, "cpus": os.cpu_count(), "names": args.names}

    if not args.pages_only:
        figures["population"] = name_population(args.clients)
        figures["load_before_search"] = os.getloadavg()[0]
        for label, name_only in (("search", False), ("search_name_only", True)):
            single, concurrent = bench_search(args.clients, name_only=name_only)
            figures[label] = {
                "single_p50_ms": pct(single, 50), "single_p95_ms": pct(single, 95), "single_n": len(single),
                "concurrent6_p50_ms": pct(concurrent, 50), "concurrent6_p95_ms": pct(concurrent, 95),
                "concurrent6_n": len(concurrent),
            }  # fmt: skip
        figures["recall_with_dob"] = bench_recall(args.clients, args.recall_queries)
        figures["recall_by_kind"] = {
            kind: {
                "with_dob": a, "name_only": b, "name_only_ambiguous": c,
                "name_only_of_identifiable": b / (1 - c) if c < 1 else 1.0,
            }  # fmt: skip
            for kind, (a, b, c) in bench_recall_by_kind(args.clients, args.kind_queries).items()
        }
        figures["candidates"] = {
            name: {"largest_key_rows": rows, "candidates_after_cap": capped}
            for name, (rows, capped) in bench_candidates().items()
        }
        listing = bench_agency_list(user, args.clients)
        figures["agency_list"] = {"p50_ms": pct(listing, 50), "p95_ms": pct(listing, 95), "n": len(listing)}
    plain_rps, bare_rps, page_rps, errors = bench_pages(
        args.database_url, user, args.seconds, args.threads, args.gunicorn_workers
    )
    figures["pages"] = {"plain_rps": plain_rps, "bare_rps": bare_rps, "client_page_rps": page_rps, "errors": errors}
    if not bare_rps or not plain_rps:
        raise SystemExit(
            f"a signed-in view answered nothing successfully (errors: {errors}); is the bench user signed in?"
        )
    figures["pages"]["client_page_of_bare"] = page_rps / bare_rps
    figures["pages"]["bare_of_plain"] = bare_rps / plain_rps
    print_summary(figures, args)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


def print_summary(figures, args):
    print(f"\n=== clients benchmark: {args.clients:,} clients ({args.names} names), {os.cpu_count()} CPUs ===")
    if "load_before_search" in figures:
        print(f"load average (1 min) before the search timings: {figures['load_before_search']:.1f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
    if "population" in figures:
        f = figures["population"]
        print(
            f"names: {f['distinct_full_names']:,} full names, {f['distinct_last_names']:,} last names; "
            f"{f['unique_full_name']:.1%} of people have a unique full name, "
            f"{f['shares_with_10_or_more']:.1%} share it with 10 or more others"
        )
    for label, title in (("search", "name + DOB"), ("search_name_only", "name only")):
        if label in figures:
            f = figures[label]
            print(f"search ({title}), 1 user:       p50 {f['single_p50_ms']:6.1f} ms  p95 {f['single_p95_ms']:6.1f} ms")
            print(
                f"search ({title}), 6 at once:    p50 {f['concurrent6_p50_ms']:6.1f} ms  "
                f"p95 {f['concurrent6_p95_ms']:6.1f} ms"
            )
    if "recall_with_dob" in figures:
        print(f"one-typo top-10 recall (name + DOB, typo in a name or the DOB): {figures['recall_with_dob']:.1%}")
        print(
            f"\n{'top-10 recall by typo':28} {'name + DOB':>10} {'name only':>10} {'ambiguous':>10} {'sum':>6}"
            f" {'of identifiable':>16}"
        )
        for kind, r in figures["recall_by_kind"].items():
            both = r["name_only"] + r["name_only_ambiguous"]
            print(
                f"{kind:28} {r['with_dob']:10.1%} {r['name_only']:10.1%} {r['name_only_ambiguous']:10.1%} {both:6.1%}"
                f" {r['name_only_of_identifiable']:16.1%}"
            )
        print(f"(n={args.kind_queries} per kind; ambiguous: 10 or more records score at least as well by name alone;")
        print(" of identifiable: name-only recall over the queries that are not ambiguous)")
        print(f"\n{'candidates for a common name':28} {'largest key':>12} {'after cap':>10}")
        for name, c in figures["candidates"].items():
            print(f"{name:28} {c['largest_key_rows']:12} {c['candidates_after_cap']:10}")
        f = figures["agency_list"]
        print(f"\nmy agency's clients (50):  p50 {f['p50_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f} ms  (n={f['n']})")
    f = figures["pages"]
    print(f"\nplain Django signed-in view: {f['plain_rps']:7.1f} req/s")
    print(f"bare signed-in view:         {f['bare_rps']:7.1f} req/s  = {f['bare_of_plain']:.0%} of plain")
    print(
        f"client page:                 {f['client_page_rps']:7.1f} req/s  = {f['client_page_of_bare']:.0%} of bare"
        f"  (errors: {f['errors']})"
    )


if __name__ == "__main__":
    main()
