"""Background jobs of the incidents app. Tasks take ids and are safe to run
twice (acks are late; a lost worker means a redelivery): every send claims
its row with a conditional update first. Tasks only call the writes in
``incidents.actions`` and ``incidents.delivery`` (the escalation e-mails)."""

from celery import shared_task

from incidents import actions, delivery


@shared_task
def escalate_incident(incident_id: str):
    """Dispatch delivery of every pending escalation row of the incident."""
    ids = delivery.pending_ids(incident_id)
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
    """Remind unacknowledged escalations (``actions.send_due_reminders``)."""
    return actions.send_due_reminders()


@shared_task
def check_bulk_access():
    return len(actions.check_bulk_access())
