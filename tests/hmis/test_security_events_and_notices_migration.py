"""Security events and notices moved into the core (hmis 0008) with their rows:
the tables are renamed, not copied, and an event's incident survives as a row
of the incidents app's link table. Migrating back restores the old tables."""

import pytest
from django.db import connection

from hmis.actions import notify, record_security_event
from hmis.models import Notice, SecurityEvent
from incidents.models import Incident
from tests.hmis.test_free_text_migrations import migrate, migrate_to_latest, raw

BEFORE = [("incidents", "0007_breach_notices_and_reopening"), ("sharing", "0004_encrypt_free_text")]


def tables():
    return set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True)
def test_security_events_notices_and_their_incident_links_survive_the_move(intake, agency_lead, settings):
    settings.HMIS_LOCKOUT_INCIDENT_THRESHOLD = 1
    event = record_security_event(kind=SecurityEvent.Kind.LOCKOUT, username=intake.username)
    incident = Incident.objects.get()
    (notice,) = notify(recipients=[agency_lead], text="Roles changed", email=False)

    try:
        migrate(BEFORE)
        assert {"incidents_securityevent", "sharing_notice"} <= tables()
        assert not {"hmis_securityevent", "hmis_notice", "incidents_securityeventlink"} & tables()
        assert raw("SELECT incident_id FROM incidents_securityevent WHERE id = %s", [event.pk]) == (incident.pk,)
        assert raw("SELECT text FROM sharing_notice WHERE id = %s", [notice.pk]) == ("Roles changed",)
    finally:
        migrate_to_latest()

    assert not {"incidents_securityevent", "sharing_notice"} & tables()
    assert SecurityEvent.objects.get(pk=event.pk).incidents.get() == incident
    assert Notice.objects.get(pk=notice.pk).recipient == agency_lead
