"""Delivering escalation notifications: every recipient gets the message,
exactly once where the relay confirms it (see ``Notification``).

Steps of ``deliver(notification_id)``:
1. Claim the row with a conditional update: ``pending``, or one whose last
   attempt's lease expired without an answer; a fresh claim token identifies
   this attempt.
2. Build the message (its Message-ID was stored on the row when the row was
   made, so every attempt sends the same one) and send it through
   ``incidents.mailer``; just before the final "." the row moves
   ``sending -> handed_off`` for this claim token only.
3. On the server's 250: ``handed_off -> sent`` (never sent again). On a
   refusal or a connection error before the hand-off: back to ``pending``
   with a backoff, or ``failed`` after the last attempt. On a lost connection
   after the hand-off: ``unconfirmed``.

An unconfirmed hand-off (the connection or the worker was lost after the
body went out) may or may not have reached the recipient: a relay may keep
or drop a message whose sender hung up. After the lease it is sent again
under the same Message-ID, so a second copy is recognisably the same message
(mail clients and relays de-duplicate on it), and the timeline says it was
re-sent; at most ``HMIS_NOTIFICATION_MAX_ATTEMPTS`` attempts in all.

``sweep()`` (periodic) turns hand-offs whose worker died into
``unconfirmed`` and re-dispatches every row left behind.
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


def _lease_expired(now):
    """Rows whose last attempt neither finished nor answered within the lease:
    its worker died before the hand-off (nothing delivered), or after it or
    lost the connection (``unconfirmed``: sent again while attempts remain)."""
    cutoff = lease_cutoff(now)
    quiet = Q(claimed_at__lt=cutoff) & (Q(handed_off_at__isnull=True) | Q(handed_off_at__lt=cutoff))
    unconfirmed = Q(
        state__in=[State.HANDED_OFF, State.UNCONFIRMED], attempts__lt=settings.HMIS_NOTIFICATION_MAX_ATTEMPTS
    )
    return quiet & (Q(state=State.SENDING) | unconfirmed)


def pending_ids(incident_id) -> list[str]:
    """The incident's rows waiting for their first attempt."""
    pending = Notification.objects.filter(incident_id=incident_id, state=Notification.State.PENDING)
    return [str(pk) for pk in pending.values_list("pk", flat=True)]


def claim(notification_id):
    """Claim the row for one attempt; ``(notification, token)`` or None if not ours to send."""
    import uuid

    now = timezone.now()
    token = uuid.uuid4()
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .filter(Q(state=State.PENDING) | _lease_expired(now))
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


def _note_unconfirmed(notification, cause):
    if notification.attempts < settings.HMIS_NOTIFICATION_MAX_ATTEMPTS:
        then = "it will be sent again with the same Message-ID"
    else:
        then = "no attempt left: contact the recipient directly"
    _note(notification, f"Delivery to the {notification.get_role_display()} not confirmed ({cause}); {then}")


def deliver(notification_id) -> str:
    """Send one notification if it is ours to send. Raises ``RetryLater`` after a failed attempt."""
    claimed = claim(notification_id)
    if claimed is None:
        return "not-claimed"
    notification, token = claimed
    message = escalation_message(notification)
    # An earlier attempt got as far as the final ".": the recipient may already have a copy.
    resending = notification.handed_off_at is not None

    def hand_off():
        moved = _move(notification, token, [State.SENDING], state=State.HANDED_OFF, handed_off_at=timezone.now())
        if moved and resending:
            _note(
                notification,
                f"Escalation to the {notification.get_role_display()} re-sent after an unconfirmed hand-off "
                "(same Message-ID: the recipient may see two copies of one message)",
            )
        return moved

    try:
        mailer.send(message, hand_off)
    except mailer.Superseded:
        return "superseded"
    except mailer.HandoffUncertain as error:
        _move(notification, token, [State.HANDED_OFF], state=State.UNCONFIRMED, last_error=str(error)[:200])
        _note_unconfirmed(notification, "connection lost")
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
            _note_unconfirmed(notification, "worker lost")
    grace = timedelta(seconds=settings.HMIS_NOTIFICATION_SWEEP_SECONDS)
    due = Notification.objects.filter(Q(state=State.PENDING, next_attempt_at__lte=now - grace) | _lease_expired(now))
    return [str(pk) for pk in due.values_list("pk", flat=True)]
