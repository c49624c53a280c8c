"""HMIS CSV benchmark (on demand, never in CI).

    python -m tests.benchmarks.bench_hmis_csv --clients 100000

1. Creates (or empties) a dedicated database (default ``hmis_csv_bench``),
   migrates it and makes one agency with a lead and two supervisors.
2. Writes a generated HMIS CSV zip of N clients, each with one enrollment,
   an exit for half of them and one IncomeBenefits and HealthAndDV record
   (client i is made from seed i; every list value occurs).
3. Import, in a child process: ``clients.hmis_csv.actions.run_import``
   (checking, blind-index matching, encryption on two worker processes, COPY,
   audit). Prints clients/s, seconds, the child's peak RSS (not its forked
   workers') and CPU time (with the workers'). Target: >= 5,000 clients/s.
4. Export, in a child process: the agency's de-identified export
   (``run_export``) and then one with PII. Prints seconds, clients/s and
   peak RSS. Targets: < 60 s and < 200 MB.
"""

import argparse
import datetime
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hmis_csv_bench"
STAMP = datetime.datetime(2025, 1, 2, 3, 4, 5)


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.settings"
    import django

    django.setup()


def ensure_empty_database(database_url):
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not ``ru_maxrss``: Linux keeps that across
    exec, so a phase would report the generator's memory of the parent that started it."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the import's workers): on a
    shared machine, wall time also measures the neighbours."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _name(rng, k):
    return "".join(rng.choice("BCDFGHJKLMNPRSTVWZ") + rng.choice("AEIOU") for _ in range(k)).capitalize()


def generated_rows(n):
    """(file schema, row values) of a synthetic file of ``n`` clients."""
    from clients import hud
    from clients.hmis_csv import schema

    def values(choices):
        return sorted(schema._values(choices))

    sexes, races = values(hud.Sex.choices), list(schema.RACE_COLUMNS)
    living, stays = values(hud.LIVING_SITUATION_CHOICES), values(hud.LengthOfStay.choices)
    destinations, no_yes = values(hud.DESTINATION_CHOICES), values(hud.NoYes.choices)
    meta = {"DateCreated": STAMP, "DateUpdated": STAMP, "UserID": "import", "ExportID": "bench"}
    project = "b" * 32
    yield (
        schema.EXPORT,
        {
            "ExportID": "bench",
            "SourceType": 2,
            "SourceName": "Generated",
            "ExportDate": STAMP,
            "ExportStartDate": datetime.date(2020, 1, 1),
            "ExportEndDate": datetime.date(2025, 12, 31),
            "SoftwareName": "bench",
            "ExportPeriodType": 3,
            "ExportDirective": 2,
            "HashStatus": 1,
            "ImplementationID": "bench",
        },
    )
    yield schema.ORGANIZATION, {"OrganizationID": "o", "OrganizationName": "Old", "VictimServiceProvider": 0, **meta}
    yield (
        schema.PROJECT,
        {
            "ProjectID": project,
            "OrganizationID": "o",
            "ProjectName": "Generated Shelter",
            "OperatingStartDate": datetime.date(2020, 1, 1),
            "ContinuumProject": 1,
            "ProjectType": 0,
            **meta,
        },
    )
    for i in range(n):
        rng = random.Random(i)
        personal = f"{i:032x}"
        ssn = f"{rng.randint(100, 665):03d}{rng.randint(10, 99):02d}{rng.randint(1000, 9999):04d}"
        race = rng.choice(races)
        yield (
            schema.CLIENT,
            {
                "PersonalID": personal,
                "FirstName": _name(rng, 2),
                "LastName": _name(rng, 3),
                "NameDataQuality": 1,
                "SSN": ssn,
                "SSNDataQuality": 1,
                "DOB": datetime.date(1940 + rng.randint(0, 60), rng.randint(1, 12), rng.randint(1, 28)),
                "DOBDataQuality": 1,
                "Sex": sexes[i % len(sexes)],
                **{column: int(column == race) for column in races},
                "VeteranStatus": no_yes[i % len(no_yes)],
                **meta,
            },
        )
    for i in range(n):
        entry = datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 300)
        yield (
            schema.ENROLLMENT,
            {
                "EnrollmentID": f"e{i:031x}",
                "PersonalID": f"{i:032x}",
                "ProjectID": project,
                "EntryDate": entry,
                "HouseholdID": f"h{i}",
                "RelationshipToHoH": 1,
                "LivingSituation": living[i % len(living)],
                "LengthOfStay": stays[i % len(stays)],
                "DisablingCondition": no_yes[i % len(no_yes)],
                **meta,
            },
        )
    for i in range(0, n, 2):
        yield (
            schema.EXIT,
            {
                "ExitID": f"x{i}",
                "EnrollmentID": f"e{i:031x}",
                "PersonalID": f"{i:032x}",
                "ExitDate": datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 300 + 20),
                "Destination": destinations[i % len(destinations)],
                **meta,
            },
        )
    for i in range(n):
        entry = datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 300)
        common = {"EnrollmentID": f"e{i:031x}", "PersonalID": f"{i:032x}", "InformationDate": entry}
        income = no_yes[i % len(no_yes)]
        yield (
            schema.INCOME_BENEFITS,
            {
                "IncomeBenefitsID": f"a{i:031x}",
                **common,
                "IncomeFromAnySource": income,
                "TotalMonthlyIncome": 500 + i % 700 if income == 1 else None,
                "BenefitsFromAnySource": no_yes[(i + 1) % 5],
                "InsuranceFromAnySource": no_yes[(i + 2) % 5],
                "DataCollectionStage": 1,
                **meta,
            },
        )
        yield (
            schema.HEALTH_AND_DV,
            {
                "HealthAndDVID": f"a{i:031x}",
                **common,
                "DomesticViolenceSurvivor": no_yes[(i + 3) % 5],
                "DataCollectionStage": 1,
                **meta,
            },
        )


def write_generated_zip(path, n):
    from clients.hmis_csv import schema

    streams = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for file_schema in schema.FILES:
            streams[file_schema.name] = []
        for file_schema, row in generated_rows(n):
            streams[file_schema.name].append(file_schema.format_row(row))
        for file_schema in schema.FILES:
            zf.writestr(file_schema.name, file_schema.header_line() + "".join(streams.pop(file_schema.name)))


def seed_world():
    from hmis.models import Role
    from tests.builders.factories import AgencyFactory, UserFactory

    agency = AgencyFactory(slug="harbor", name="Harbor Family Services")
    UserFactory(username="bench-lead", agency=agency, roles=[Role.AGENCY_LEAD])
    UserFactory(username="bench-supervisor", agency=agency, roles=[Role.SUPERVISOR])
    UserFactory(username="bench-supervisor-2", agency=agency, roles=[Role.SUPERVISOR])


def phase_import(path, n):
    from clients.hmis_csv import actions
    from hmis.models import Agency, User

    lead = User.objects.get(username="bench-lead")
    start, cpu = time.perf_counter(), cpu_seconds()
    with open(path, "rb") as source:
        hmis_import, checked = actions.run_import(
            acting_user=lead, agency=Agency.objects.get(slug="harbor"), source=source
        )
    seconds = time.perf_counter() - start
    assert checked.clean, list(checked.report.lines())[:5]
    assert hmis_import.clients_created == n, hmis_import.clients_created
    cpu = cpu_seconds() - cpu
    print(f"RESULT import {seconds:.2f} {n / seconds:.0f} {peak_rss_mb():.0f} {cpu:.1f}", flush=True)


def phase_export(n, with_pii):
    from clients.hmis_csv import actions
    from hmis.models import User

    supervisor = User.objects.get(username="bench-supervisor")
    export = actions.request_export(
        acting_user=supervisor,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date.today(),
        with_pii=with_pii,
        reason="benchmark",
    )
    if with_pii:
        export = actions.approve_export(acting_user=User.objects.get(username="bench-supervisor-2"), export=export)
    start, cpu = time.perf_counter(), cpu_seconds()
    with tempfile.TemporaryFile() as out:
        export = actions.run_export(export=export, out=out)
        size = out.tell()
    seconds = time.perf_counter() - start
    assert export.client_count == n, export.client_count
    label = "export-pii" if with_pii else "export"
    cpu = cpu_seconds() - cpu
    print(f"RESULT {label} {seconds:.2f} {n / seconds:.0f} {peak_rss_mb():.0f} {cpu:.1f} {size / 1e6:.1f}", flush=True)


def child(args, phase):
    command = [sys.executable, "-m", "tests.benchmarks.bench_hmis_csv", "--phase", phase]
    command += ["--clients", str(args.clients), "--database-url", args.database_url, "--zip", args.zip]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    return line.split()[2:]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("HMIS_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--zip", default=os.path.join(tempfile.gettempdir(), "hmis-csv-bench.zip"))
    parser.add_argument("--phase", choices=["import", "export", "export-pii"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        setup_django(args.database_url)
        if args.phase == "import":
            phase_import(args.zip, args.clients)
        else:
            phase_export(args.clients, args.phase == "export-pii")
        return

    ensure_empty_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    seed_world()
    connection.close()
    started = time.perf_counter()
    write_generated_zip(args.zip, args.clients)
    print(f"generated {args.clients:,} clients in {time.perf_counter() - started:.1f}s ({args.zip})", flush=True)

    report(args, "import", child(args, "import"))
    for phase in ("export", "export-pii"):
        report(args, phase, child(args, phase))


def report(args, phase, figures):
    seconds, rate, rss, cpu, *size = figures
    if phase == "import":
        load = os.getloadavg()[0]
        print(f"\n=== HMIS CSV benchmark: {args.clients:,} clients, {os.cpu_count()} CPUs, load {load:.1f} ===")
    target = "(target >= 5,000/s)" if phase == "import" else "(target < 60 s, < 200 MB)"
    zipped = f"  zip {size[0]} MB" if size else ""
    print(
        f"{phase + ':':12} {float(seconds):7.1f} s  {int(rate):>7,} clients/s  peak RSS {rss} MB  "
        f"CPU {cpu} s{zipped}  {target}",
        flush=True,
    )


if __name__ == "__main__":
    main()
