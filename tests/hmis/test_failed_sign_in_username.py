"""A failed sign-in keeps the typed username only when it names an account;
otherwise only its length and a keyed hash (issue 10, item 6)."""

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client

from hmis.models import SecurityEvent
from tests.builders.factories import PASSWORD

pytestmark = pytest.mark.django_db

# A password typed into the username box (it happens): it must never be kept or shown.
TYPED_PASSWORD = "Quokka-Horse-Battery-77"


def attempt(username, password="wrong password number", remote="10.0.0.5"):
    return Client().post("/login/", {"username": username, "password": password}, REMOTE_ADDR=remote)


def tables_containing(text):
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT count(*) FROM "{table}" t WHERE strpos(t::text, %s) > 0', [text])  # noqa: S608
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def test_a_password_typed_as_username_is_in_no_table_and_not_on_the_security_pages(
    client_for, intake, system_admin, security_officer
):
    for _ in range(6):  # past the lockout limit: axes and the lockout event see it too
        attempt(TYPED_PASSWORD)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).exists()
    assert tables_containing(TYPED_PASSWORD) == []
    assert tables_containing(TYPED_PASSWORD.lower()) == []
    for page in ("/security/", "/incidents/dashboard/", "/"):
        text = client_for(system_admin).get(page).content.decode()
        assert TYPED_PASSWORD not in text, page
    assert (
        f"unknown username ({len(TYPED_PASSWORD)} characters)"
        in client_for(system_admin).get("/security/").content.decode()
    )


def test_a_failed_sign_in_for_an_existing_account_keeps_its_username(client_for, intake, security_officer):
    attempt(intake.username)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_FAILED)
    assert event.username == intake.username and event.user == intake
    assert AccessAttempt.objects.get().username == intake.username
    assert intake.username in client_for(security_officer).get("/security/").content.decode()


def test_an_unknown_username_still_locks_out_by_username_and_address():
    for _ in range(5):
        attempt("no-such-person")
    assert attempt("no-such-person").status_code == 429
    assert attempt("no-such-person", remote="10.0.0.9").status_code != 429
    assert not AccessAttempt.objects.filter(username="no-such-person").exists()


def test_lockout_of_an_existing_account_still_holds_and_a_typo_does_not_open_it(intake):
    for _ in range(5):
        attempt(intake.username)
    assert attempt(intake.username, PASSWORD).status_code == 429
    # A variant of the name names no account, so it cannot sign in either.
    assert attempt(intake.username.upper(), PASSWORD).status_code != 302
    assert attempt(intake.username, PASSWORD).status_code == 429
