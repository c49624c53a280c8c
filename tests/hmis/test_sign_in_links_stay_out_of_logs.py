"""A one-time sign-in link is as good as a password for 72 hours: no log line
at any level, from any logger, carries one (issue 10, item 9)."""

import logging
import re

import pytest
from django.core import mail
from django.test import Client

from hmis.logging import REDACTED, redact_sign_in_secrets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture
def every_logger_at_debug(caplog):
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def link_path(message):
    return re.search(r"http://\S+(/password/set/\S+/)", message.body).group(1)


def use_the_link_every_way(path):
    """What a browser, a confused user and an attacker do with a link."""
    Client().get(path)
    Client().get(path + "?next=/x/")
    Client(enforce_csrf_checks=True).post(path, {"password1": "x", "password2": "y"})  # an expired form: 403
    Client().post(path, {"password1": "short", "password2": "short"})
    passphrase = "a long and private passphrase"
    Client().post(path, {"password1": passphrase, "password2": passphrase})
    Client().get(path)  # used: 404


def test_invitation_and_reset_links_never_reach_a_log(
    every_logger_at_debug, client_for, agency_lead, intake, django_capture_on_commit_callbacks
):
    lead = client_for(agency_lead)
    with django_capture_on_commit_callbacks(execute=True):
        lead.post(
            "/agency/users/invite/",
            {
                "username": "new-caseworker",
                "first_name": "Nia",
                "last_name": "Case",
                "email": "new-caseworker@example.org",
                "roles": ["intake"],
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        lead.post(f"/agency/users/{intake.pk}/reset-sign-in/")
    paths = [link_path(message) for message in mail.outbox]
    assert len(paths) == 2
    for path in paths:
        use_the_link_every_way(path)

    logged = "\n".join(
        f"{record.name} {record.getMessage()} {getattr(record, 'exc_text', '') or ''}"
        for record in every_logger_at_debug.records
    )
    assert every_logger_at_debug.records, "the requests were logged at all"
    for path in paths:
        token = path.rstrip("/").rsplit("/", 1)[-1]
        assert token not in logged
        assert token not in every_logger_at_debug.text


def test_redaction_keeps_the_rest_of_the_line_readable():
    token = "Zx9_" + "a" * 39
    line = f"GET /password/set/{token}/ 200 task args ('0b5a3c9e-3d1f-4a4e-9c1e-2f8d4a3b6c7d', '{token}')"
    redacted = redact_sign_in_secrets(line)
    assert token not in redacted
    assert f"/password/set/{REDACTED}/" in redacted
    assert "0b5a3c9e-3d1f-4a4e-9c1e-2f8d4a3b6c7d" in redacted  # ids stay useful
    assert redact_sign_in_secrets("/reset/MQ/c4k9-0123abcdef/") == f"/reset/{REDACTED}/"
    assert redact_sign_in_secrets("/x/?token=abc&page=2") == f"/x/?token={REDACTED}&page=2"
