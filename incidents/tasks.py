"""Background jobs of the incidents app. Tasks take ids and are safe to run
twice (acks are late; a lost worker means a redelivery): every send claims
its row with a conditional update first."""

import logging

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from incidents import actions, delivery, mailer, rules
from incidents.emails import reminder_message
from incidents.models import Incident, Notification, RecipientRole, Status, TimelineEntry

log = logging.getLogger(__name__)


@shared_task
def escalate_incident(incident_id: str):
    """Dispatch delivery of every pending escalation row of the incident."""
    pending = Notification.objects.filter(incident_id=incident_id, state=Notification.State.PENDING)
    ids = [str(pk) for pk in pending.values_list("pk", flat=True)]
    for notification_id in ids:
        deliver_notification.delay(notification_id)
    return len(ids)


@shared_task(bind=True, max_retries=None)
def deliver_notification(self, notification_id: str):
    try:
        return delivery.deliver(notification_id)
    except delivery.RetryLater as later:
        raise self.retry(countdown=later.seconds) from None


@shared_task
def sweep_notifications():
    """Re-dispatch rows a lost message or a dead worker left behind."""
    ids = delivery.sweep()
    for notification_id in ids:
        deliver_notification.delay(notification_id)
    return len(ids)


@shared_task
def remind_unacknowledged():
    """Remind the internal recipients of unacknowledged escalations, on a
    schedule by severity; after the limit, e-mail the system admins once.

    Reminders are at most once per number (the claim moves the counter
    before sending); a lost reminder is followed by the next one.
    """
    from django.conf import settings

    now = timezone.now()
    open_unacked = Incident.objects.filter(acknowledged_at__isnull=True, status=Status.REPORTED)
    count = 0
    for incident in open_unacked.select_related("agency"):
        if not actions.reminder_due(incident, now):
            continue
        if incident.reminders_sent >= settings.HMIS_INCIDENT_REMINDER_LIMIT:
            if incident.escalated_to_admin_at is None:
                actions.escalate_to_system_admins(incident=incident)
            continue
        if not actions.claim_reminder(incident=incident, now=now):
            continue
        number = incident.reminders_sent + 1
        internal = incident.notifications.filter(
            Q(role__in=[RecipientRole.SECURITY_OFFICER, RecipientRole.AGENCY_LEAD, RecipientRole.HMIS_LEAD]),
            acknowledged_at__isnull=True,
        )
        for notification in internal:
            try:
                mailer.send(reminder_message(incident, notification.address, number), lambda: True)
            except (OSError, mailer.HandoffUncertain) as error:
                log.warning("reminder %s for incident %s not sent: %s", number, incident.pk, type(error).__name__)
        TimelineEntry.objects.create(
            incident=incident, kind=TimelineEntry.Kind.ESCALATION, note=f"Reminder {number} sent (not acknowledged)"
        )
        count += 1
    return count


@shared_task
def check_bulk_access():
    return len(rules.check_bulk_access())
