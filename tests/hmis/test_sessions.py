"""Idle timeout and absolute limit enforced by the server, with a controlled clock."""

import time

import pytest
import time_machine

pytestmark = pytest.mark.django_db


def test_idle_session_is_signed_out_by_the_server(client_for, intake, settings):
    settings.HMIS_IDLE_TIMEOUT_SECONDS = 900
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = client_for(intake)
        assert client.get("/").status_code == 200
    with time_machine.travel(start + 899, tick=False):
        assert client.get("/").status_code == 200  # activity restarts the clock
    with time_machine.travel(start + 899 + 901, tick=False):
        response = client.get("/")
        assert response.status_code == 302
        assert response.headers["Location"] == "/login/?ended=idle"
    assert client.get("/").headers["Location"].startswith("/login/")


def test_status_checks_do_not_keep_a_session_alive(client_for, intake, settings):
    settings.HMIS_IDLE_TIMEOUT_SECONDS = 900
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = client_for(intake)
        client.get("/")
    for minute in range(1, 15):
        with time_machine.travel(start + minute * 60, tick=False):
            data = client.get("/session/status/").json()
            assert data["signed_in"] is True
            assert data["remaining"] == 900 - minute * 60
    with time_machine.travel(start + 901, tick=False):
        response = client.get("/session/status/")
        assert response.status_code == 401
        assert response.json() == {"signed_in": False, "reason": "idle"}


def test_stay_signed_in_extends_the_session(client_for, intake, settings):
    settings.HMIS_IDLE_TIMEOUT_SECONDS = 900
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = client_for(intake)
    with time_machine.travel(start + 800, tick=False):
        assert client.post("/session/extend/").json() == {"signed_in": True, "remaining": 900}
    with time_machine.travel(start + 1600, tick=False):
        assert client.get("/session/status/").json()["remaining"] == 100


def test_absolute_limit_ends_even_an_active_session(client_for, intake, settings):
    settings.HMIS_SESSION_ABSOLUTE_SECONDS = 12 * 3600
    settings.HMIS_IDLE_TIMEOUT_SECONDS = 3600
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = client_for(intake)
    for step in range(1, 15):  # active every 50 minutes for 11h40
        with time_machine.travel(start + step * 3000, tick=False):
            assert client.post("/session/extend/").status_code == 200
    with time_machine.travel(start + 12 * 3600 + 1, tick=False):
        response = client.get("/")
        assert response.headers["Location"] == "/login/?ended=expired"


def test_session_cookie_ends_with_the_browser(client_for, intake, settings):
    client = client_for(intake)
    response = client.get("/")
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert response.status_code == 200
    # Django sets no Expires/Max-Age on a browser-session cookie.
    client.post("/session/extend/")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"


def _stored_last_seen(client):
    from django.contrib.sessions.models import Session

    from hmis.middleware import SESSION_LAST_SEEN

    key = client.cookies[client.session.session_key and "hmis_session"].value
    return Session.objects.get(pk=key).get_decoded()[SESSION_LAST_SEEN]


def test_activity_is_written_to_the_session_at_most_every_30_seconds(client_for, intake, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.HMIS_IDLE_TIMEOUT_SECONDS = 900
    start = int(time.time())
    with time_machine.travel(start, tick=False):
        client = client_for(intake)
        client.get("/")
    with time_machine.travel(start + 29, tick=False):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert _stored_last_seen(client) == start
    with time_machine.travel(start + 30, tick=False):
        assert client.get("/").status_code == 200
    assert _stored_last_seen(client) == start + 30
    # The idle timeout counts from the last write: exact to within 30 seconds.
    with time_machine.travel(start + 59, tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + 30 + 901, tick=False):
        assert client.get("/").headers["Location"] == "/login/?ended=idle"
