"""PgBouncer in transaction mode hands each transaction whichever server
connection is free, so nothing may outlive a transaction on a connection:
no session-level advisory locks, SET, LISTEN/NOTIFY, temporary tables,
named (server-side) cursors or prepared statements. ``HMIS_PGBOUNCER=1``
turns off the two Django and psycopg do on their own; the scan below keeps
the project's code free of the rest."""

import json
import re
import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import worker_environment

PROJECT_CODE = ["hmis", "clients", "sharing", "incidents", "bin"]

# (pattern, why it breaks under transaction pooling). SQL keywords are matched
# in capitals, as the project writes them, so prose ("Set the key to ...") passes.
SESSION_STATE = [
    (r"pg_(try_)?advisory_(un)?lock(_shared)?\b", "session-level advisory lock: use pg_advisory_xact_lock"),
    (r"""(?-i:["']\s*SET\s+(SESSION\s+)?(?!LOCAL\b|CONSTRAINTS\b)[\w.]+\s*(=|TO\s))""", "session SET: use SET LOCAL"),
    (r"set_config\([^)]*,\s*false\s*\)", "session set_config: pass true (transaction-local)"),
    (r"""(?-i:["']\s*(UN)?LISTEN\b|["']\s*NOTIFY\b)|pg_notify\(""", "LISTEN/NOTIFY needs one session"),
    (r"\bTEMP(ORARY)?\s+TABLE\b", "temporary tables live in the session"),
    (r"\bDECLARE\b.*\bCURSOR\b|\bWITH\s+HOLD\b|cursor\(\s*name\s*=", "named cursors outlive the transaction"),
    (r"""["']\s*PREPARE\s|prepare\s*=\s*True|server_side_binding""", "prepared statements are per server connection"),
    (r"\.iterator\(\s*\)", "iterator(): pass chunk_size, or use keyset batches (HMIS_PGBOUNCER makes it client-side)"),
]


def violations(text):
    return [why for pattern, why in SESSION_STATE if re.search(pattern, text, re.IGNORECASE)]


def project_files():
    for folder in PROJECT_CODE:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.is_file() and (path.suffix == ".py" or folder == "bin"):
                yield path


def test_the_project_keeps_no_state_on_a_database_session():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}: {why}"
        for path in project_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for why in violations(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        'cursor.execute("SELECT pg_advisory_lock(%s)", [42])',
        'cursor.execute("SELECT pg_try_advisory_lock(1)")',
        'cursor.execute("SET statement_timeout = 5000")',
        "cursor.execute('SET search_path TO hmis')",
        "cursor.execute(\"SELECT set_config('app.user', %s, false)\", [1])",
        'cursor.execute("LISTEN incidents")',
        "cursor.execute(\"SELECT pg_notify('incidents', 'x')\")",
        'cursor.execute("CREATE TEMP TABLE batch (id int)")',
        'with connection.cursor(name="big") as cursor:',
        'cursor.execute("DECLARE c CURSOR WITH HOLD FOR SELECT 1")',
        'cursor.execute("SELECT 1", prepare=True)',
        'DATABASES["default"]["OPTIONS"]["server_side_binding"] = True',
        "for client in Client.objects.iterator():",
    ],
)
def test_the_scan_catches_each_kind_of_session_state(line):
    assert violations(line)


@pytest.mark.parametrize(
    "line",
    [
        'cursor.execute(f"UPDATE {table} SET {sets} WHERE {pk} = %s", values)',
        'cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")',
        'cursor.execute("SET LOCAL enable_seqscan = off")',
        'cursor.execute("SELECT pg_advisory_xact_lock(%s)", [42])',
        "for client in Client.objects.iterator(chunk_size=500):",
    ],
)
def test_the_scan_allows_what_ends_with_the_transaction(line):
    assert violations(line) == []


PROBE = """
import json, django
django.setup()
from django.db import connection, transaction
from hmis.models import User
with transaction.atomic():
    for _ in range(8):  # psycopg prepares a statement on its 6th run by default
        User.objects.filter(pk=0).exists()
    with connection.cursor() as cursor:
        for _ in User.objects.iterator():
            cursor.execute("SELECT count(*) FROM pg_cursors")
            break
        named_cursors = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        prepared = cursor.fetchone()[0]
threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold", 5)
print(json.dumps({"prepared": prepared, "named_cursors": named_cursors, "threshold": threshold}))
"""


@pytest.mark.django_db(transaction=True)
def test_hmis_pgbouncer_turns_off_prepared_statements_and_server_side_cursors(intake):
    def probe(pgbouncer):
        env = worker_environment({"HMIS_PGBOUNCER": pgbouncer})
        result = subprocess.run(
            [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, check=True
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    # Django binds parameters on the client unless told otherwise (the scan refuses
    # server_side_binding), so nothing is prepared either way; the threshold guards
    # any connection psycopg would prepare on.
    assert probe("0") == {"prepared": 0, "named_cursors": 1, "threshold": 5}  # a pooler cannot carry the cursor
    assert probe("1") == {"prepared": 0, "named_cursors": 0, "threshold": None}
