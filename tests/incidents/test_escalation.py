"""Escalation without a real worker (tasks run in-process, mail to locmem):
recipients, claims, retries, the sweep, reminders and acknowledgement."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents import actions, delivery, mailer, tasks
from incidents.models import Incident, Notification, RecipientRole, Severity, Status, TimelineEntry
from tests.builders.incidents import report
from tests.canaries import CANARY_NOTE

pytestmark = pytest.mark.django_db
State = Notification.State


@pytest.fixture
def reported(intake, escalation_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return report(intake)


def test_four_recipient_roles_each_get_exactly_one_message_without_pii(reported, settings):
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [
            "harbor-security@example.org",
            "harbor-lead@example.org",
            settings.HMIS_LEAD_EMAIL,
            settings.HMIS_VENDOR_SUPPORT_EMAIL,
        ]
    )
    for message in mail.outbox:
        text = message.subject + message.body
        assert reported.reference in text
        assert "Lost or stolen device" in text and "High" in text
        # Vendor support has no HMIS account: it gets no link (issue 12).
        has_link = reverse("incidents:detail", args=[reported.pk]) in message.body
        assert has_link == (message.to[0] != settings.HMIS_VENDOR_SUPPORT_EMAIL)
        assert CANARY_NOTE not in text and "bus" not in text  # never the description
    assert set(reported.notifications.values_list("state", flat=True)) == {State.SENT}
    assert all(n.attempts == 1 and n.sent_at for n in reported.notifications.all())


def test_running_the_task_again_sends_nothing_more(reported):
    tasks.escalate_incident.delay(str(reported.pk))
    for notification in reported.notifications.all():
        tasks.deliver_notification.delay(str(notification.pk))
    assert len(mail.outbox) == 4


def test_duplicate_recipient_rows_are_refused_by_the_database(reported):
    from django.db import IntegrityError

    existing = reported.notifications.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            incident=reported, role=existing.role, address=existing.address, message_id="<dup@example.org>"
        )


def test_nothing_is_sent_when_the_report_rolls_back(intake, escalation_staff, django_capture_on_commit_callbacks):
    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Abort), transaction.atomic():
            report(intake)
            raise Abort
    assert callbacks == []
    assert mail.outbox == []
    assert not Incident.objects.exists()


def test_a_claimed_row_cannot_be_claimed_again_until_its_lease_expires(intake, escalation_staff, settings):
    incident = report(intake)  # on_commit never runs here: rows stay pending
    row = incident.notifications.first()
    first = delivery.claim(row.pk)
    assert first is not None
    assert delivery.claim(row.pk) is None
    Notification.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.HMIS_NOTIFICATION_LEASE_SECONDS + 1)
    )
    second = delivery.claim(row.pk)
    assert second is not None and second[1] != first[1]
    assert Notification.objects.get(pk=row.pk).attempts == 2
    # The first worker wakes up: its hand-off is refused, so it never sends the final "."
    assert not delivery._move(row, first[1], [State.SENDING], state=State.HANDED_OFF)


def test_superseded_worker_delivers_nothing(intake, escalation_staff, settings, monkeypatch):
    incident = report(intake)
    row = incident.notifications.first()
    real_send = mailer.send

    def take_over_then_send(message, hand_off):
        Notification.objects.filter(pk=row.pk).update(claim_token=None)  # another worker took it
        return real_send(message, hand_off)

    monkeypatch.setattr(delivery.mailer, "send", take_over_then_send)
    assert delivery.deliver(row.pk) == "superseded"
    assert mail.outbox == []


def test_failed_send_goes_back_to_pending_with_backoff_then_fails_after_the_limit(
    intake, escalation_staff, settings, monkeypatch
):
    settings.HMIS_NOTIFICATION_MAX_ATTEMPTS = 2
    settings.HMIS_NOTIFICATION_RETRY_SECONDS = 30
    incident = report(intake)
    row = incident.notifications.first()

    def refuse(message, hand_off):
        raise ConnectionRefusedError

    monkeypatch.setattr(delivery.mailer, "send", refuse)
    with pytest.raises(delivery.RetryLater) as later:
        delivery.deliver(row.pk)
    assert later.value.seconds == 30
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (State.PENDING, 1, "ConnectionRefusedError")
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert delivery.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert row.state == State.FAILED
    assert any("failed after every retry" in e.note for e in incident.timeline.all())  # notes are encrypted
    assert delivery.backoff_seconds(3) == 120 and delivery.backoff_seconds(30) == 3600


def test_sweep_redispatches_lost_rows_and_dead_handoffs(intake, escalation_staff, settings):
    incident = report(intake)
    old = timezone.now() - timedelta(seconds=settings.HMIS_NOTIFICATION_LEASE_SECONDS + 60)
    pending, sending, handed, fresh = list(incident.notifications.order_by("role"))
    Notification.objects.filter(pk=pending.pk).update(next_attempt_at=old)
    Notification.objects.filter(pk=sending.pk).update(state=State.SENDING, claimed_at=old)
    Notification.objects.filter(pk=handed.pk).update(state=State.HANDED_OFF, handed_off_at=old, claimed_at=old)
    due = set(delivery.sweep())
    # The fresh row's own message is still on its way.
    assert due == {str(pending.pk), str(sending.pk), str(handed.pk)}
    handed.refresh_from_db()
    assert handed.state == State.UNCONFIRMED
    assert any("not confirmed (worker lost); it will be sent again" in (e.note or "") for e in incident.timeline.all())
    tasks.sweep_notifications.delay()
    assert len(mail.outbox) == 3
    assert fresh.pk not in {n.pk for n in Notification.objects.filter(state=State.SENT)}


def age_the_last_attempt(row, settings):
    old = timezone.now() - timedelta(seconds=settings.HMIS_NOTIFICATION_LEASE_SECONDS + 1)
    Notification.objects.filter(pk=row.pk).update(claimed_at=old, handed_off_at=old)


def test_an_unconfirmed_row_is_sent_again_after_its_lease_with_the_same_message_id(
    intake, escalation_staff, settings, monkeypatch
):
    incident = report(intake)
    row = incident.notifications.get(role=RecipientRole.SECURITY_OFFICER)
    real_send = mailer.send

    def lose_the_reply(message, hand_off):
        real_send(message, hand_off)  # the relay has it; the worker never hears
        raise mailer.HandoffUncertain("ConnectionResetError")

    monkeypatch.setattr(delivery.mailer, "send", lose_the_reply)
    assert delivery.deliver(row.pk) == "unconfirmed"
    monkeypatch.undo()
    assert delivery.deliver(row.pk) == "not-claimed"  # within the lease
    assert str(row.pk) not in delivery.sweep()
    age_the_last_attempt(row, settings)
    assert str(row.pk) in delivery.sweep()
    assert delivery.deliver(row.pk) == "sent"
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [row.message_id] * 2
    assert [m.message()["Message-ID"] for m in mail.outbox] == [row.message_id] * 2
    notes = list(incident.timeline.filter(kind=TimelineEntry.Kind.ESCALATION).values_list("note", flat=True))
    assert "Delivery to the Agency security officer not confirmed (connection lost); it will be sent again" in (
        " ".join(notes)
    )
    assert any(n.startswith("Escalation to the Agency security officer re-sent after an unconfirmed") for n in notes)
    # Confirmed: never sent again, whatever its age.
    age_the_last_attempt(row, settings)
    assert str(row.pk) not in delivery.sweep()
    assert delivery.deliver(row.pk) == "not-claimed"
    assert len(mail.outbox) == 2


def test_an_unconfirmed_row_is_not_sent_again_after_the_last_attempt(intake, escalation_staff, settings):
    settings.HMIS_NOTIFICATION_MAX_ATTEMPTS = 2
    incident = report(intake)
    row = incident.notifications.get(role=RecipientRole.SECURITY_OFFICER)
    Notification.objects.filter(pk=row.pk).update(state=State.HANDED_OFF, attempts=2)
    age_the_last_attempt(row, settings)
    assert str(row.pk) not in delivery.sweep()
    assert delivery.deliver(row.pk) == "not-claimed"
    row.refresh_from_db()
    assert row.state == State.UNCONFIRMED and mail.outbox == []
    assert any("no attempt left: contact the recipient directly" in (e.note or "") for e in incident.timeline.all())


def test_acknowledging_from_the_page_and_the_link(reported, client_for, security_officer, agency_lead):
    url = reverse("incidents:acknowledge", args=[reported.pk])
    page = client_for(agency_lead).get(url)
    assert page.status_code == 200 and "Acknowledge" in page.content.decode()
    client_for(agency_lead).post(url)
    row = reported.notifications.get(role=RecipientRole.AGENCY_LEAD)
    assert row.acknowledged_by == agency_lead
    reported.refresh_from_db()
    assert reported.acknowledged_at is not None
    detail = client_for(security_officer).get(reverse("incidents:detail", args=[reported.pk])).content.decode()
    assert "This escalation is addressed to you" in detail
    with pytest.raises(ValidationError):
        actions.acknowledge_escalation(acting_user=agency_lead, incident=reported)


def test_system_admin_acknowledges_for_the_hmis_lead_administrator(reported, system_admin):
    rows = actions.acknowledge_escalation(acting_user=system_admin, incident=reported)
    assert [r.role for r in rows] == [RecipientRole.HMIS_LEAD]


def test_unacknowledged_critical_incident_is_reminded_hourly_then_escalated_to_system_admins(
    reported, security_officer, system_admin, settings, django_capture_on_commit_callbacks
):
    import time_machine

    settings.HMIS_INCIDENT_REMINDER_LIMIT = 2
    Incident.objects.filter(pk=reported.pk).update(severity=Severity.CRITICAL)
    mail.outbox.clear()
    start = timezone.now()
    assert tasks.remind_unacknowledged() == 0  # not due yet
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert tasks.remind_unacknowledged() == 1
        assert tasks.remind_unacknowledged() == 0  # the same reminder never twice
    reminded = sorted(m.to[0] for m in mail.outbox)
    assert reminded == sorted(["harbor-security@example.org", "harbor-lead@example.org", settings.HMIS_LEAD_EMAIL])
    assert all("Reminder 1" in m.body and CANARY_NOTE not in m.body for m in mail.outbox)
    with time_machine.travel(start + timedelta(minutes=122), tick=False):
        assert tasks.remind_unacknowledged() == 1
    mail.outbox.clear()
    with time_machine.travel(start + timedelta(minutes=183), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.remind_unacknowledged()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.remind_unacknowledged()
    assert [m.to for m in mail.outbox] == [[system_admin.email]]
    assert "Nobody acknowledged" in mail.outbox[0].body
    reported.refresh_from_db()
    assert reported.escalated_to_admin_at is not None
    assert reported.notifications.filter(role=RecipientRole.SYSTEM_ADMIN, state=State.SENT).count() == 1


def test_acknowledged_incidents_are_not_reminded(reported, security_officer):
    import time_machine

    actions.acknowledge_escalation(acting_user=security_officer, incident=reported)
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert tasks.remind_unacknowledged() == 0
    assert mail.outbox == []


def test_agency_without_a_security_officer_is_noted_on_the_timeline(intake, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(intake)
    assert incident.notifications.count() == 2  # HMIS lead and vendor
    notes = list(incident.timeline.filter(kind=TimelineEntry.Kind.ESCALATION).values_list("note", flat=True))
    assert any("security officer" in n for n in notes) and any("hmis lead" in n.lower() for n in notes)
    assert incident.status == Status.REPORTED
