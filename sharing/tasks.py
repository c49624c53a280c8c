"""Background jobs of the sharing app. Tasks take ids, load and call an
action; they are safe to run twice (acks are late)."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from sharing import actions
from sharing.models import Notice, Release


@shared_task
def expire_releases():
    """Beat job (``CELERY_BEAT_SCHEDULE["expire-releases"]``).

    1. Find active releases whose expiry moment has passed (the consent gate
       already refuses them; this records it).
    2. End each one through ``actions.expire_release``, which ends its
       referrals and removes the partners' grants in the same transaction,
       one release per transaction so one failure does not hold back the rest.

    Returns how many this run expired.
    """
    now = timezone.now()
    due = Release.objects.filter(status=Release.Status.ACTIVE, expires_at__lte=now).values_list("pk", flat=True)
    return sum(actions.expire_release(release_id=release_id, now=now) for release_id in list(due))


# --- Shares, external requests, pressure reports ---


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=600, max_retries=8)
def send_notice_email(self, notice_id: str):
    """E-mail a copy of one notice (reference and link only).

    The conditional update claims the notice, so two deliveries of the same
    message send one e-mail; a failed send releases the claim for the retry.
    """
    from sharing.notifications import email_for

    now = timezone.now()
    if not Notice.objects.filter(pk=notice_id, emailed_at__isnull=True).update(emailed_at=now):
        return "skipped"
    notice = Notice.objects.select_related("recipient").get(pk=notice_id)
    subject, body = email_for(notice)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notice.recipient.email])
    except OSError:
        Notice.objects.filter(pk=notice_id, emailed_at=now).update(emailed_at=None)
        raise
    return "sent"


@shared_task
def remove_stale_grants():
    """The sweep behind live access (DESIGN section 6: the rows are the truth).

    1. Move shares past their own expiry to ``expired``.
    2. Delete every agency-group ``view_client`` grant that has no live,
       consented share behind it (a lost message, a release that ran out by
       date, a suspended partner).
    """
    expired = actions.expire_overdue_shares()
    removed = actions.remove_stale_grants()
    return {"expired": expired, "removed": removed}
