"""The gate fails closed, and logs never carry values."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from hmis.logging import ScrubFilter
from hmis.middleware import RequireSecondFactorMiddleware


def undeclared_view(request):
    return HttpResponse("should never run")


def test_a_view_that_declares_no_access_is_an_error_in_tests(settings):
    request = RequestFactory().get("/x/")
    middleware = RequireSecondFactorMiddleware(lambda r: HttpResponse())
    with pytest.raises(ImproperlyConfigured):
        middleware.process_view(request, undeclared_view, (), {})


def test_a_view_that_declares_no_access_is_refused_in_production(settings):
    settings.HMIS_ENV = "production"
    request = RequestFactory().get("/x/")
    response = RequireSecondFactorMiddleware(lambda r: HttpResponse()).process_view(request, undeclared_view, (), {})
    assert response.status_code == 403


def test_logged_exceptions_keep_type_and_place_but_not_the_message():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x/",), None
    )
    try:
        raise ValueError("SSN 123-45-6789 for Canary Person")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    ScrubFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "ValueError" in text and "test_fail_closed_and_logs.py" in text
    assert "123-45-6789" not in text and "Canary" not in text


@pytest.mark.django_db
def test_server_errors_show_no_details(client_for, intake, settings, monkeypatch):
    from hmis.views import dashboard as dashboard_module

    def explode(*args, **kwargs):
        raise RuntimeError("Canary Person SSN 123-45-6789")

    monkeypatch.setattr(dashboard_module, "security_events_visible_to", explode)
    from hmis.models import Role
    from tests.builders.factories import UserFactory

    officer = UserFactory(username="officer-x", agency=intake.agency, roles=[Role.SECURITY_OFFICER])
    client = client_for(officer)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert b"Canary" not in response.content and b"123-45" not in response.content


@pytest.mark.django_db
def test_every_change_records_its_actor(client_for, agency_lead, intake):
    from auditlog.models import LogEntry

    client_for(agency_lead).post(f"/agency/users/{intake.pk}/deactivate/")
    entry = LogEntry.objects.get_for_object(intake).latest("timestamp")
    assert entry.actor == agency_lead
    assert "is_active" in entry.changes_dict


@pytest.mark.django_db
def test_a_typed_url_is_not_logged_verbatim(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/clients/Canary-Person-123-45-6789/")
    # caplog sees records before handlers' filters; apply ours as the handler does.
    for record in caplog.records:
        ScrubFilter().filter(record)
        assert "Canary" not in record.getMessage()
