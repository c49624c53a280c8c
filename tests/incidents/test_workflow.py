"""Triage and the incident workflow: status table, timeline, breach assessment,
deadlines, corrective actions and the closing rule."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from incidents import actions
from incidents.deadlines import deadlines_for
from incidents.models import Determination, Incident, Severity, Status, TimelineEntry
from tests.builders.incidents import ready_to_close, report, walk_to

pytestmark = pytest.mark.django_db


def test_status_moves_follow_the_table_and_each_is_on_the_timeline(intake, security_officer):
    incident = report(intake)
    incident = walk_to(incident, security_officer, Status.CORRECTIVE_ACTION)
    moves = list(incident.timeline.filter(kind=TimelineEntry.Kind.STATUS).values_list("from_status", "to_status"))
    assert moves == [
        (Status.REPORTED, Status.TRIAGED),
        (Status.TRIAGED, Status.CONTAINED),
        (Status.CONTAINED, Status.CORRECTIVE_ACTION),
    ]
    assert set(incident.timeline.filter(kind=TimelineEntry.Kind.STATUS).values_list("actor", flat=True)) == {
        security_officer.pk
    }
    assert set(moves) <= set(Incident.TRANSITIONS)
    assert list(incident.status_changes.values_list("from_status", "to_status", "changed_by")) == [
        (frm, to, security_officer.pk) for frm, to in moves
    ]


def test_illegal_move_is_refused_and_nothing_changes(intake, security_officer):
    incident = report(intake)
    with pytest.raises(ValidationError, match="cannot move to closed"):
        actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.CLOSED)
    with pytest.raises(ValidationError):
        actions.move_incident(acting_user=security_officer, incident=incident, to_status="deleted")
    incident.refresh_from_db()
    assert incident.status == Status.REPORTED
    assert not incident.timeline.filter(kind=TimelineEntry.Kind.STATUS).exists()
    assert not incident.status_changes.exists()


def test_cannot_close_without_determination_summary_and_done_actions(intake, security_officer, client_for):
    incident = walk_to(report(intake), security_officer, Status.CORRECTIVE_ACTION)
    with pytest.raises(ValidationError) as caught:
        actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.CLOSED)
    text = " ".join(caught.value.messages)
    assert "breach determination" in text and "closing summary" in text and "corrective action" in text
    action = actions.add_corrective_action(
        acting_user=security_officer,
        incident=incident,
        what="Retrain on device storage",
        owner=intake,
        due_on=timezone.localdate(),
    )
    actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.NOT_BREACH,
        affected_count=0,
        affected_state="WA",
        summary="No data exposed.",
    )
    # Through the page: refused with the reason, nothing changed.
    response = client_for(security_officer).post(
        reverse("incidents:move", args=[incident.pk]), {"to_status": Status.CLOSED}, follow=True
    )
    assert "Complete every corrective action" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.CORRECTIVE_ACTION and incident.closed_at is None
    actions.complete_corrective_action(acting_user=intake, action=action)
    with pytest.raises(ValidationError, match="verifies every corrective action"):
        actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.CLOSED)
    actions.verify_corrective_action(acting_user=security_officer, action=action)
    incident = actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.CLOSED)
    assert incident.status == Status.CLOSED and incident.closed_at is not None


def test_system_admin_waiver_lets_an_incident_close_with_open_actions(intake, security_officer, system_admin):
    incident = walk_to(report(intake), security_officer, Status.CORRECTIVE_ACTION)
    actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.NOT_BREACH,
        affected_count=0,
        affected_state="WA",
        summary="Phone found in the office.",
    )
    actions.add_corrective_action(
        acting_user=security_officer,
        incident=incident,
        what="Replace the lock screen policy",
        owner=security_officer,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    with pytest.raises(Exception):  # noqa: B017 - security officers cannot waive
        actions.waive_corrective_actions(acting_user=security_officer, incident=incident, text="Not needed at all.")
    with pytest.raises(ValidationError):
        actions.waive_corrective_actions(acting_user=system_admin, incident=incident, text="no")
    actions.waive_corrective_actions(
        acting_user=system_admin, incident=incident, text="Policy change is tracked in the regional plan instead."
    )
    incident = actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.CLOSED)
    assert incident.status == Status.CLOSED
    assert incident.waived_by == system_admin


def test_triage_sets_severity_and_assignee_and_counts_as_acknowledgement(intake, security_officer, system_admin):
    incident = report(intake)
    incident = actions.triage_incident(
        acting_user=security_officer, incident=incident, severity=Severity.CRITICAL, assigned_to=security_officer
    )
    assert (incident.severity, incident.assigned_to) == (Severity.CRITICAL, security_officer)
    assert incident.acknowledged_at is not None
    entry = incident.timeline.get(kind=TimelineEntry.Kind.TRIAGE)
    assert entry.actor == security_officer and "Critical" in entry.note
    with pytest.raises(ValidationError):
        actions.triage_incident(acting_user=security_officer, incident=incident, severity="apocalyptic")
    with pytest.raises(ValidationError):
        actions.triage_incident(acting_user=security_officer, incident=incident, severity="low", assigned_to=intake)


def test_security_officer_of_another_agency_cannot_triage(intake, other_security_officer):
    incident = report(intake)
    with pytest.raises(Http404):
        actions.triage_incident(acting_user=other_security_officer, incident=incident, severity=Severity.LOW)
    with pytest.raises(Http404):
        actions.move_incident(acting_user=other_security_officer, incident=incident, to_status=Status.TRIAGED)


def test_intake_cannot_triage_their_own_report(intake):
    from django.core.exceptions import PermissionDenied

    incident = report(intake)
    with pytest.raises(PermissionDenied):
        actions.move_incident(acting_user=intake, incident=incident, to_status=Status.TRIAGED)


def test_deadlines_are_computed_from_discovery_by_rule(intake, security_officer):
    incident = report(intake)
    pending = deadlines_for(incident)
    assert [d.rule.key for d in pending] == ["hipaa_individuals"]
    assert pending[0].provisional
    assert pending[0].due_at == incident.discovered_at + timedelta(days=60)

    actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.BREACH,
        affected_count=12,
        affected_state="wa",
    )
    incident.refresh_from_db()
    keys = {d.rule.key: d for d in deadlines_for(incident)}
    assert set(keys) == {"hipaa_individuals", "wa_residents"}
    assert keys["wa_residents"].due_at == incident.discovered_at + timedelta(days=30)
    assert "left" in keys["wa_residents"].countdown

    actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.BREACH,
        affected_count=501,
        affected_state="WA",
    )
    incident.refresh_from_db()
    assert {d.rule.key for d in deadlines_for(incident)} == {
        "hipaa_individuals",
        "hipaa_hhs_media",
        "wa_residents",
        "wa_attorney_general",
    }
    actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.BREACH,
        affected_count=501,
        affected_state="OR",
    )
    incident.refresh_from_db()
    assert {d.rule.key for d in deadlines_for(incident)} == {"hipaa_individuals", "hipaa_hhs_media"}
    later = deadlines_for(incident, now=incident.discovered_at + timedelta(days=61))
    assert later[0].overdue and "overdue" in later[0].countdown

    actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.NOT_BREACH,
        affected_count=0,
        affected_state="WA",
    )
    incident.refresh_from_db()
    assert deadlines_for(incident) == []


def test_detail_page_shows_deadline_countdowns(intake, security_officer, client_for):
    incident = report(intake)
    actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.BREACH,
        affected_count=600,
        affected_state="WA",
    )
    page = client_for(security_officer).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Attorney General" in page
    assert "29 days" in page or "30 days" in page


def test_bad_assessment_is_refused(intake, security_officer, client_for):
    incident = report(intake)
    client = client_for(security_officer)
    response = client.post(
        reverse("incidents:assess", args=[incident.pk]),
        {"determination": "maybe", "affected_count": "-3", "affected_state": "Washington"},
        follow=True,
    )
    page = response.content.decode()
    assert "Select a valid choice" in page
    incident.refresh_from_db()
    assert incident.determination == Determination.UNDETERMINED and incident.affected_count == 0


def test_verification_needs_a_second_person(intake, security_officer, system_admin):
    incident = report(intake)
    action = actions.add_corrective_action(
        acting_user=security_officer,
        incident=incident,
        what="Reset the reporter's password",
        owner=security_officer,
        due_on=timezone.localdate(),
    )
    with pytest.raises(ValidationError, match="before verifying"):
        actions.verify_corrective_action(acting_user=system_admin, action=action)
    actions.complete_corrective_action(acting_user=security_officer, action=action)
    with pytest.raises(ValidationError, match="Someone other"):
        actions.verify_corrective_action(acting_user=security_officer, action=action)
    action = actions.verify_corrective_action(acting_user=system_admin, action=action)
    assert action.verified_by == system_admin


def test_corrective_action_owner_must_belong_to_the_agency(intake, security_officer, other_intake):
    incident = report(intake)
    with pytest.raises(ValidationError, match="owner"):
        actions.add_corrective_action(
            acting_user=security_officer,
            incident=incident,
            what="Anything",
            owner=other_intake,
            due_on=timezone.localdate(),
        )


def test_every_change_is_audited(intake, security_officer):
    incident = report(intake)
    ready_to_close(incident, security_officer)
    walk_to(Incident.objects.get(pk=incident.pk), security_officer, Status.CLOSED)
    entries = LogEntry.objects.get_for_object(Incident.objects.get(pk=incident.pk))
    assert entries.filter(actor=security_officer).exists()
    assert entries.filter(actor=intake).exists()  # the report itself
    assert LogEntry.objects.filter(content_type__model="correctiveaction", actor=security_officer).exists()
    # Notification rows are delivery bookkeeping (their own columns record
    # attempts and times); a person's acknowledgement is audited.
    actions.acknowledge_escalation(acting_user=security_officer, incident=incident)
    assert LogEntry.objects.filter(content_type__model="notification", actor=security_officer).exists()
    assert LogEntry.objects.filter(content_type__model="timelineentry").exists()
