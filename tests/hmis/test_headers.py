"""Security headers on every kind of page."""

import pytest

pytestmark = pytest.mark.django_db

CSP_PARTS = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def assert_no_store(response):
    assert "no-store" in response.headers["Cache-Control"]


def test_login_page(client):
    response = client.get("/login/")
    assert_security_headers(response)
    assert_no_store(response)


def test_signed_in_pages_are_never_stored(client_for, agency_lead, system_admin, security_officer):
    for user, url in [
        (agency_lead, "/"),
        (agency_lead, "/agency/users/"),
        (system_admin, "/agencies/"),
        (security_officer, "/security/"),
    ]:
        response = client_for(user).get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        assert_no_store(response)


def test_json_endpoint_and_error_pages(client_for, intake):
    client = client_for(intake)
    for url, status in [("/session/status/", 200), ("/no-such-page/", 404), ("/agencies/", 403)]:
        response = client.get(url)
        assert response.status_code == status
        assert_security_headers(response)
        assert_no_store(response)


def test_static_files_are_served_by_the_app_with_headers(client):
    response = client.get("/static/vendor/pico-2.1.1.min.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_load_no_third_party_resources(client_for, intake):
    body = client_for(intake).get("/").content.decode()
    assert "http://" not in body.replace("http://127.0.0.1", "") and "https://" not in body
    assert "<script>" not in body and "style=" not in body and " onclick=" not in body


def test_the_enrolment_qr_code_needs_no_inline_style(harbor):
    from django.test import Client

    from tests.builders.factories import UserFactory
    from tests.conftest import password_only_session

    user = UserFactory(username="qr-check", agency=harbor, roles=["intake"], totp=False)
    body = password_only_session(Client(), user).get("/login/enrol/").content.decode()
    assert "<svg" in body and "style=" not in body and "<script>" not in body
