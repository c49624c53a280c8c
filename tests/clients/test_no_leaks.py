"""Nothing leaks: canary values never appear in the database outside their
encrypted columns, in audit rows, logs, URLs, page titles or error pages."""

import logging
import re

import pytest
from auditlog.models import LogEntry
from django.db import connection

from clients import actions
from hmis.models import AccessEvent
from tests.builders.clients import assessment_answers, make_client, make_enrollment
from tests.canaries import CANARIES, CANARY_FIRST, CANARY_LAST, CANARY_NOTE

pytestmark = pytest.mark.django_db


def database_dump() -> str:
    """Every row of every table, as text (what a stolen backup would hold)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')  # noqa: S608
            chunks.extend(row[0] for row in cursor.fetchall())
    return "\n".join(chunks)


def exercise_everything(intake, supervisor, client_for):
    client = make_client(intake)
    enrollment = make_enrollment(intake, client)
    actions.record_assessment(acting_user=intake, enrollment=enrollment, **assessment_answers(notes=CANARY_NOTE))
    actions.update_client(acting_user=intake, client=client, last_name=CANARY_LAST + "son", phone="555-867-0000")
    browser = client_for(supervisor)
    responses = [
        browser.get(f"/clients/{client.pk}/"),
        browser.post(f"/clients/{client.pk}/reveal/", {"field": "ssn", "reason": "service"}, follow=True),
        browser.post("/clients/intake/", {"first_name": CANARY_FIRST, "last_name": CANARY_LAST}),
        browser.get("/clients/"),
    ]
    return client, responses


def test_canaries_are_absent_from_the_database_dump_and_audit_rows(intake, supervisor, client_for):
    exercise_everything(intake, supervisor, client_for)
    dump = database_dump()
    assert "clients_client" in str(connection.introspection.table_names())
    for canary in [*CANARIES, CANARY_NOTE, CANARY_LAST + "son"]:
        assert canary not in dump, canary
    audit = " ".join(str(e.changes) + e.object_repr for e in LogEntry.objects.all())
    assert "[encrypted value changed]" in audit
    for canary in CANARIES:
        assert canary not in audit, canary
    events = " ".join(f"{e.detail} {e.reason_text} {e.fields}" for e in AccessEvent.objects.all())
    for canary in CANARIES:
        assert canary not in events


def test_canaries_are_absent_from_logs_urls_and_titles(intake, supervisor, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    _client, responses = exercise_everything(intake, supervisor, client_for)
    for canary in CANARIES:
        assert canary not in caplog.text, canary
    for response in responses:
        page = response.content.decode()
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        hrefs = " ".join(re.findall(r'(?:href|action)="([^"]*)"', page))
        for canary in CANARIES:
            assert canary not in title and canary not in hrefs, canary
            assert canary not in response.headers.get("Location", "")


def test_error_pages_do_not_echo_the_request(intake, client_for, caplog):
    browser = client_for(intake)
    # The app never builds such a URL; if someone types one, the page does not repeat it.
    response = browser.get(f"/clients/{CANARY_LAST}/")
    assert response.status_code == 404
    assert CANARY_LAST not in response.content.decode()
    caplog.clear()
    response = browser.post("/clients/00000000-0000-0000-0000-000000000000/reveal/", {"reason_text": CANARY_FIRST})
    assert response.status_code == 404 and CANARY_FIRST not in response.content.decode()
    assert CANARY_FIRST not in caplog.text and CANARY_LAST not in caplog.text


def test_validation_errors_do_not_quote_the_value(intake):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        make_client(intake, ssn="666873456")
    assert "666873456" not in str(caught.value)
