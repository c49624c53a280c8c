"""The security officer's day: one page with sections (a change returns to
its own), breach notifications as records that gate closing, corrective
actions done by their owner and verified, and reopening with a reason."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from incidents import actions
from incidents.deadlines import deadlines_for
from incidents.models import BreachNotice, Determination, Incident, Status, TimelineEntry
from tests.builders.incidents import ready_to_close, report, walk_to

pytestmark = pytest.mark.django_db


def breach(incident, officer, *, affected=600, state="WA"):
    actions.record_assessment(
        acting_user=officer,
        incident=incident,
        determination=Determination.BREACH,
        affected_count=affected,
        affected_state=state,
        summary="A spreadsheet of clients was e-mailed outside the agency.",
    )
    return Incident.objects.get(pk=incident.pk)


def notify(incident, officer, audience, count=600):
    return actions.record_breach_notice(
        acting_user=officer,
        incident=incident,
        audience=audience,
        notified_on=timezone.localdate(),
        method=BreachNotice.Method.LETTER,
        notified_count=count,
        sent_by="Privacy office, Harbor",
    )


def test_each_change_returns_to_its_section(client_for, intake, security_officer):
    incident = report(intake)
    http = client_for(security_officer)
    triage = http.post(reverse("incidents:triage", args=[incident.pk]), {"severity": "high", "assigned_to": ""})
    assert triage["Location"].endswith("#triage")
    assess = http.post(
        reverse("incidents:assess", args=[incident.pk]),
        {"determination": "no", "affected_count": 0, "affected_state": "WA", "summary": "Nothing exposed."},
    )
    assert assess["Location"].endswith("#assessment")
    added = http.post(
        reverse("incidents:action-add", args=[incident.pk]),
        {"what": "Retrain", "owner": intake.pk, "due_on": timezone.localdate().isoformat()},
    )
    assert added["Location"].endswith("#actions")
    page = http.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    for anchor in ('id="triage"', 'id="assessment"', 'id="actions"', 'id="timeline"'):
        assert anchor in page


def test_only_its_owner_marks_a_corrective_action_done(client_for, intake, security_officer):
    incident = report(intake)
    action = actions.add_corrective_action(
        acting_user=security_officer, incident=incident, what="Retrain", owner=intake, due_on=timezone.localdate()
    )
    url = reverse("incidents:action-done", args=[incident.pk, action.pk])
    refused = client_for(security_officer).post(url, follow=True).content.decode()
    assert "Only its owner, harbor-intake, marks this corrective action done." in refused
    action.refresh_from_db()
    assert action.done_at is None
    client_for(intake).post(url)
    action.refresh_from_db()
    assert action.done_by == intake


def test_an_unverified_action_blocks_closing(intake, security_officer):
    incident = walk_to(report(intake), security_officer, Status.CORRECTIVE_ACTION)
    actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.NOT_BREACH,
        affected_count=0,
        affected_state="WA",
        summary="Nothing exposed.",
    )
    action = actions.add_corrective_action(
        acting_user=security_officer, incident=incident, what="Retrain", owner=intake, due_on=timezone.localdate()
    )
    actions.complete_corrective_action(acting_user=intake, action=action)
    assert "The security officer verifies every corrective action" in " ".join(
        Incident.objects.get(pk=incident.pk).closing_problems()
    )


def test_a_breach_cannot_close_while_a_required_notification_is_unrecorded(client_for, intake, security_officer):
    incident = walk_to(report(intake), security_officer, Status.CORRECTIVE_ACTION)
    ready_to_close(incident, security_officer)
    incident = breach(incident, security_officer)
    problems = " ".join(incident.closing_problems())
    for audience in ("the affected people", "hhs", "prominent media", "the state attorney general"):
        assert f"Record the notification of {audience}" in problems
    notify(incident, security_officer, BreachNotice.Audience.AFFECTED_PEOPLE)
    notify(incident, security_officer, BreachNotice.Audience.HHS)
    notify(incident, security_officer, BreachNotice.Audience.MEDIA)
    assert [p for p in incident.closing_problems()] == [
        "Record the notification of the state attorney general "
        "(Washington: notify the Attorney General (more than 500 residents))."
    ]
    page = client_for(security_officer).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "notified (recorded)" in page and "days" in page  # met rules say so; the open one counts down
    notify(incident, security_officer, BreachNotice.Audience.STATE_AG)
    assert incident.closing_problems() == []
    assert all(deadline.met for deadline in deadlines_for(incident))
    incident = actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.CLOSED)
    assert incident.status == Status.CLOSED


def test_a_notification_is_recorded_through_the_page_with_its_free_text_encrypted(client_for, intake, security_officer):
    incident = breach(report(intake), security_officer, affected=3)
    answer = client_for(security_officer).post(
        reverse("incidents:breach-notice-add", args=[incident.pk]),
        {
            "audience": "affected_people",
            "notified_on": timezone.localdate().isoformat(),
            "method": "letter",
            "notified_count": 3,
            "sent_by": "Wilhelmina Privacyofficer",
            "details": "Letters posted by certified mail",
        },
    )
    assert answer["Location"].endswith("#assessment")
    notice = BreachNotice.objects.get()
    assert (notice.audience, notice.notified_count, notice.recorded_by) == ("affected_people", 3, security_officer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sent_by, details FROM incidents_breachnotice")
        raw = " ".join(cursor.fetchone())
    assert "Wilhelmina" not in raw and "certified" not in raw
    assert incident.timeline.filter(kind=TimelineEntry.Kind.BREACH_NOTICE).exists()


def test_a_notification_date_in_the_future_is_refused(client_for, intake, security_officer):
    incident = breach(report(intake), security_officer, affected=3)
    page = client_for(security_officer).post(
        reverse("incidents:breach-notice-add", args=[incident.pk]),
        {
            "audience": "affected_people",
            "notified_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "method": "letter",
            "notified_count": 3,
            "sent_by": "Privacy office",
        },
        follow=True,
    )
    assert "cannot be in the future" in page.content.decode()
    assert not BreachNotice.objects.exists()


def test_reopening_takes_a_reason_and_is_on_the_timeline(client_for, intake, security_officer):
    incident = walk_to(report(intake), security_officer, Status.CORRECTIVE_ACTION)
    ready_to_close(incident, security_officer)
    actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.CLOSED)
    with pytest.raises(ValidationError, match="closed cannot move to corrective action"):
        actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.CORRECTIVE_ACTION)
    http = client_for(security_officer)
    url = reverse("incidents:reopen", args=[incident.pk])
    assert "Say why the incident is reopened." in http.post(url, {"reason": ""}, follow=True).content.decode()
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED
    answer = http.post(url, {"reason": "The laptop turned up with a note inside."})
    assert answer["Location"].endswith("#timeline")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.CORRECTIVE_ACTION and incident.closed_at is None
    entry = incident.timeline.get(kind=TimelineEntry.Kind.REOPENED)
    assert entry.note == "The laptop turned up with a note inside." and entry.actor == security_officer
    # The machine's record has the same move, besides the timeline's story.
    reopened = incident.status_changes.last()
    assert (reopened.from_status, reopened.to_status) == (Status.CLOSED, Status.CORRECTIVE_ACTION)
    assert (reopened.changed_by, reopened.note) == (security_officer, "The laptop turned up with a note inside.")


def test_the_officers_home_lists_incidents_by_what_they_wait_for(client_for, intake, security_officer, supervisor):
    waiting_triage = report(intake)
    breached = walk_to(report(intake), security_officer, Status.TRIAGED)
    breached = breach(breached, security_officer, affected=3)
    actions.add_corrective_action(
        acting_user=security_officer, incident=breached, what="Retrain", owner=intake, due_on=timezone.localdate()
    )
    response = client_for(security_officer).get(reverse("dashboard"))
    work = response.context["incident_worklist"]
    assert [item.incident for item in work["triage"]] == [waiting_triage]
    assert waiting_triage in [item.incident for item in work["assessment"]]
    [notifications] = work["notifications"]
    assert notifications.incident == breached and "the affected people" in notifications.what
    assert "left" in notifications.countdown
    [due] = work["actions"]
    assert due.incident == breached and due.countdown == "0 days left"
    page = response.content.decode()
    assert "Incidents waiting for you" in page and f"{waiting_triage.pk}/#triage" in page
    assert "incident_worklist" not in client_for(supervisor).get(reverse("dashboard")).context


def test_reminders_count_down_the_notification_deadlines(intake, security_officer):
    from incidents.emails import reminder_message

    incident = breach(report(intake), security_officer, affected=3)
    body = reminder_message(incident, "officer@example.org", 1).body
    assert "Deadline: HIPAA: notify the affected individuals: due" in body and "days" in body and "left)" in body
    notify(incident, security_officer, BreachNotice.Audience.AFFECTED_PEOPLE, count=3)
    assert "HIPAA: notify the affected individuals" not in reminder_message(incident, "officer@example.org", 2).body
