"""Delivering escalation notifications exactly once (see ``Notification``).

Steps of ``deliver(notification_id)``:
1. Claim the row with a conditional update: ``pending``, or ``sending`` whose
   lease expired; a fresh claim token identifies this attempt.
2. Build the message and send it through ``incidents.mailer``; just before the
   final "." the row moves ``sending -> handed_off`` for this claim token only.
3. On the server's 250: ``handed_off -> sent``. On a refusal or a connection
   error before the hand-off: back to ``pending`` with a backoff, or
   ``failed`` after the last attempt. On a lost connection after the hand-off:
   ``unconfirmed`` (never re-sent).

``sweep()`` (periodic) re-dispatches rows a lost message left behind and
turns hand-offs whose worker died into ``unconfirmed``.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from incidents import mailer
from incidents.emails import escalation_message
from incidents.models import Notification, TimelineEntry

log = logging.getLogger(__name__)
State = Notification.State


class RetryLater(Exception):
    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


def backoff_seconds(attempts: int) -> int:
    return min(3600, settings.HMIS_NOTIFICATION_RETRY_SECONDS * 2 ** max(0, attempts - 1))


def lease_cutoff(now):
    return now - timedelta(seconds=settings.HMIS_NOTIFICATION_LEASE_SECONDS)


def claim(notification_id):
    """Claim the row for one attempt; ``(notification, token)`` or None if not ours to send."""
    import uuid

    now = timezone.now()
    token = uuid.uuid4()
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .filter(Q(state=State.PENDING) | Q(state=State.SENDING, claimed_at__lt=lease_cutoff(now)))
        .update(state=State.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return None
    notification = Notification.objects.select_related("incident", "incident__agency").get(pk=notification_id)
    return notification, token


def _move(notification, token, from_states, **changes):
    return (
        Notification.objects.filter(pk=notification.pk, claim_token=token, state__in=from_states).update(**changes) == 1
    )


def _note(notification, text):
    TimelineEntry.objects.create(
        incident_id=notification.incident_id, kind=TimelineEntry.Kind.ESCALATION, note=text[:300]
    )


def deliver(notification_id) -> str:
    """Send one notification if it is ours to send. Raises ``RetryLater`` after a failed attempt."""
    claimed = claim(notification_id)
    if claimed is None:
        return "not-claimed"
    notification, token = claimed
    message = escalation_message(notification)

    def hand_off():
        return _move(notification, token, [State.SENDING], state=State.HANDED_OFF, handed_off_at=timezone.now())

    try:
        mailer.send(message, hand_off)
    except mailer.Superseded:
        return "superseded"
    except mailer.HandoffUncertain as error:
        _move(notification, token, [State.HANDED_OFF], state=State.UNCONFIRMED, last_error=str(error)[:200])
        _note(notification, f"Delivery to the {notification.get_role_display()} not confirmed (connection lost)")
        return "unconfirmed"
    except OSError as error:  # includes every smtplib error
        reason = f"{type(error).__name__} {error}"[:200] if isinstance(error, mailer.Refused) else type(error).__name__
        if notification.attempts >= settings.HMIS_NOTIFICATION_MAX_ATTEMPTS:
            if _move(notification, token, [State.SENDING, State.HANDED_OFF], state=State.FAILED, last_error=reason):
                _note(notification, f"Escalation to the {notification.get_role_display()} failed after every retry")
            return "failed"
        delay = backoff_seconds(notification.attempts)
        _move(
            notification,
            token,
            [State.SENDING, State.HANDED_OFF],
            state=State.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error=reason,
        )
        log.warning(
            "notification %s attempt %s failed (%s); retry in %ss",
            notification.pk,
            notification.attempts,
            reason,
            delay,
        )
        raise RetryLater(delay) from None
    # Also from ``unconfirmed``: the sweep may have given up on a slow server that then answered.
    if _move(
        notification,
        token,
        [State.HANDED_OFF, State.UNCONFIRMED],
        state=State.SENT,
        sent_at=timezone.now(),
        last_error="",
    ):
        return "sent"
    return "sent-unrecorded"


def sweep(*, now=None) -> list[str]:
    """Rows to dispatch again; marks dead hand-offs ``unconfirmed``. Returns the ids to dispatch."""
    now = now or timezone.now()
    for notification in Notification.objects.filter(state=State.HANDED_OFF, handed_off_at__lt=lease_cutoff(now)):
        if _move(notification, notification.claim_token, [State.HANDED_OFF], state=State.UNCONFIRMED):
            _note(notification, f"Delivery to the {notification.get_role_display()} not confirmed (worker lost)")
    grace = timedelta(seconds=settings.HMIS_NOTIFICATION_SWEEP_SECONDS)
    due = Notification.objects.filter(
        Q(state=State.PENDING, next_attempt_at__lte=now - grace)
        | Q(state=State.SENDING, claimed_at__lt=lease_cutoff(now))
    )
    return [str(pk) for pk in due.values_list("pk", flat=True)]
