"""The data migrations of issue 10, item 6: existing free text is encrypted in
place (and decrypted again when migrating back); outside recipients are
re-indexed by blind index."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from hmis.models import AccessEvent
from incidents import actions as incident_actions
from incidents.models import Incident
from sharing import actions as sharing_actions
from sharing.access import check_consent_outside
from sharing.models import DataCategory, Purpose, Release, normalize_recipient, recipient_index
from tests.builders.clients import make_client
from tests.builders.sharing import outside_release

BEFORE = [
    ("hmis", "0004_user_sign_in_reset_at"),
    ("incidents", "0004_security_event_kinds_for_accounts"),
    ("sharing", "0003_revoke_releases_recorded_by_other_agencies"),
]
AFTER = [
    ("hmis", "0005_encrypt_access_reason_text"),
    ("incidents", "0005_encrypt_free_text"),
    ("sharing", "0004_encrypt_free_text"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def migrate_to_latest():
    """AFTER and every later migration: the tests that follow expect today's schema."""
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_migrations_encrypt_existing_free_text_and_reverse(intake, supervisor):
    incident = incident_actions.report_incident(
        acting_user=intake,
        category="pii_in_view",
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
        discovered_at=timezone.now() - datetime.timedelta(hours=1),
        description="printout for Rosa Alvarez left on the shared printer",
    )
    client = make_client(intake)
    release = outside_release(intake, supervisor, client, "Quokka  Legal Aid")
    sharing_actions.revoke_release(acting_user=intake, release=release, reason="Client asked to stop")
    release = outside_release(intake, supervisor, client, "Quokka Legal Aid")
    revoked = Release.objects.filter(status=Release.Status.REVOKED).get()
    quiet_event = AccessEvent.objects.filter(reason_text__isnull=True).latest("id")

    try:
        migrate(BEFORE)
        assert raw("SELECT description FROM incidents_incident WHERE id = %s", [incident.pk]) == (
            "printout for Rosa Alvarez left on the shared printer",
        )
        assert raw(
            "SELECT outside_recipient_name, outside_recipient_key, end_reason FROM sharing_release WHERE id = %s",
            [revoked.pk],
        ) == ("Quokka Legal Aid", "quokka legal aid", "Client asked to stop")
        assert raw("SELECT reason_text FROM hmis_accessevent WHERE id = %s", [quiet_event.pk]) == ("",)
    finally:
        migrate(AFTER)
        migrate_to_latest()

    (description,) = raw("SELECT description FROM incidents_incident WHERE id = %s", [incident.pk])
    assert "Alvarez" not in description
    assert Incident.objects.get(pk=incident.pk).description == "printout for Rosa Alvarez left on the shared printer"
    name, key, reason = raw(
        "SELECT outside_recipient_name, outside_recipient_key, end_reason FROM sharing_release WHERE id = %s",
        [revoked.pk],
    )
    assert "Quokka" not in name and "Client asked" not in reason
    assert key == recipient_index("Quokka Legal Aid") != normalize_recipient("Quokka Legal Aid")
    revoked.refresh_from_db()
    assert (revoked.outside_recipient_name, revoked.end_reason) == ("Quokka Legal Aid", "Client asked to stop")
    assert raw("SELECT reason_text FROM hmis_accessevent WHERE id = %s", [quiet_event.pk]) == (None,)
    # The gate still finds the live release by its re-indexed recipient.
    answer = check_consent_outside(
        client=client,
        categories=[DataCategory.IDENTITY],
        purpose=Purpose.HOUSING_PLACEMENT,
        recipient="quokka legal aid",
        disclosing_agency=intake.agency,
    )
    assert answer.allowed and answer.release.pk == release.pk
