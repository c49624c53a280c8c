"""Security events feed incidents: rules open one, never a duplicate of an open one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hmis.actions import record_security_event
from hmis.models import AccessEvent, SecurityEvent
from incidents import actions
from incidents.models import Category, Incident, Status

pytestmark = pytest.mark.django_db


def lockout(user):
    return record_security_event(kind=SecurityEvent.Kind.LOCKOUT, username=user.username)


def test_three_lockouts_of_one_account_in_a_day_open_one_incident(intake, settings):
    settings.HMIS_LOCKOUT_INCIDENT_THRESHOLD = 3
    lockout(intake)
    lockout(intake)
    assert not Incident.objects.exists()
    third = lockout(intake)
    incident = Incident.objects.get()
    assert incident.category == Category.REPEATED_FAILED_LOGINS
    assert incident.source == Incident.Source.RULE and incident.agency == intake.agency
    assert incident.security_events.count() == 3
    assert third.incidents.get() == incident
    lockout(intake)  # a fourth: linked to the open incident, not a new one
    assert Incident.objects.count() == 1
    assert incident.security_events.count() == 4
    assert incident.notifications.exists()


def test_a_new_incident_opens_after_the_previous_one_closed(intake, settings):
    settings.HMIS_LOCKOUT_INCIDENT_THRESHOLD = 1
    lockout(intake)
    Incident.objects.update(status=Status.CLOSED)
    lockout(intake)
    assert Incident.objects.count() == 2


def test_old_lockouts_do_not_count(intake, settings):
    settings.HMIS_LOCKOUT_INCIDENT_THRESHOLD = 3
    SecurityEvent.objects.bulk_create(
        [
            SecurityEvent(
                kind=SecurityEvent.Kind.LOCKOUT, username=intake.username, at=timezone.now() - timedelta(days=2)
            )
            for _ in range(2)
        ]
    )
    lockout(intake)
    assert not Incident.objects.exists()


def test_repeated_pressure_reports_open_one_incident(supervisor):
    """One report is the supervisors' call (see tests/sharing); three in a week are a pattern."""
    first = record_security_event(
        kind=SecurityEvent.Kind.PRESSURE_REPORT, user=supervisor, detail="Caller insisted on a client's address"
    )
    record_security_event(kind=SecurityEvent.Kind.PRESSURE_REPORT, user=supervisor)
    assert not Incident.objects.exists()
    record_security_event(kind=SecurityEvent.Kind.PRESSURE_REPORT, user=supervisor)
    incident = Incident.objects.get()
    assert incident.category == Category.SUSPICIOUS_ACCESS_REQUEST
    assert first.incidents.get() == incident
    record_security_event(kind=SecurityEvent.Kind.PRESSURE_REPORT, user=supervisor)
    assert Incident.objects.count() == 1


def test_open_incident_from_security_event_is_callable_directly(intake):
    event = record_security_event(kind=SecurityEvent.Kind.SESSION_REPLACED, user=intake)
    first, created = actions.open_incident_from_security_event(
        event=event, rule="manual", category=Category.SHARED_CREDENTIALS, description="Reviewed by hand"
    )
    again, created_again = actions.open_incident_from_security_event(
        event=event, rule="manual", category=Category.SHARED_CREDENTIALS, description="Reviewed by hand"
    )
    assert created and not created_again and first == again


def access(user, count, *, minutes_ago=10):
    import uuid

    at = timezone.now() - timedelta(minutes=minutes_ago)
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                actor=user,
                actor_agency=user.agency,
                action="view",
                subject_type="clients.client",
                subject_id=uuid.uuid4(),
                at=at,
            )
            for _ in range(count)
        ]
    )


def test_opening_more_distinct_clients_than_the_threshold_in_an_hour_opens_an_incident(intake, supervisor, settings):
    settings.HMIS_BULK_ACCESS_THRESHOLD = 20
    access(intake, 21)
    access(supervisor, 20)  # at the threshold, not over it
    access(supervisor, 30, minutes_ago=90)  # outside the window
    opened = actions.check_bulk_access()
    assert [i.rule_key for i in opened] == [intake.username]
    assert opened[0].category == Category.SUSPECTED_UNAUTHORIZED_ACCESS
    assert SecurityEvent.objects.get(kind=SecurityEvent.Kind.BULK_ACCESS).user == intake
    access(intake, 25)
    assert actions.check_bulk_access() == []  # still open: no duplicate
    assert Incident.objects.count() == 1


def test_the_same_client_opened_many_times_is_not_bulk_access(intake, settings):
    import uuid

    settings.HMIS_BULK_ACCESS_THRESHOLD = 5
    client_id = uuid.uuid4()
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(actor=intake, action="view", subject_type="clients.client", subject_id=client_id)
            for _ in range(30)
        ]
    )
    assert actions.check_bulk_access() == []
