"""The migration that gives incidents their status history (issue 15, item 4)
fills it from the moves already on the timeline, reopening reasons included."""

import pytest

from incidents import actions
from incidents.models import Status
from tests.builders.incidents import report
from tests.hmis.test_free_text_migrations import migrate, migrate_to_latest
from tests.incidents.test_workflow import ready_to_close, walk_to

REASON = "The laptop turned up with a note inside."


@pytest.mark.django_db(transaction=True)
def test_the_moves_on_the_timeline_become_the_incidents_status_history(intake, security_officer):
    incident = walk_to(report(intake), security_officer, Status.CORRECTIVE_ACTION)
    ready_to_close(incident, security_officer)
    actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.CLOSED)
    actions.reopen_incident(acting_user=security_officer, incident=incident, reason=REASON)
    try:
        migrate([("incidents", "0009_security_event_in_core")])  # before the history table
    finally:
        migrate_to_latest()

    officer = security_officer.pk
    assert list(incident.status_changes.values_list("from_status", "to_status", "changed_by", "note")) == [
        (Status.REPORTED, Status.TRIAGED, officer, ""),
        (Status.TRIAGED, Status.CONTAINED, officer, ""),
        (Status.CONTAINED, Status.CORRECTIVE_ACTION, officer, ""),
        (Status.CORRECTIVE_ACTION, Status.CLOSED, officer, ""),
        (Status.CLOSED, Status.CORRECTIVE_ACTION, officer, REASON),
    ]
