"""Background jobs of the core. Tasks take ids, load, and act; they are safe
to run twice (acks are late, so a lost worker means a redelivery)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from hmis.emails import render_email
from hmis.models import Invitation, Notice


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=600, max_retries=8)
def send_invitation_email(self, invitation_id: str, token: str, reason: str = "invite"):
    """Mail the one-time link. The message names no client and holds no PII:
    only the username (which the recipient chose nothing about) and the link."""
    invitation = Invitation.objects.select_related("user").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_usable:
        return "skipped"
    subject, body = render_email(
        "sign_in_reset" if reason == "reset" else "account_invitation",
        {
            "username": invitation.user.username,
            "link": settings.HMIS_BASE_URL + reverse("password-set", args=[token]),
            "hours": settings.HMIS_INVITATION_HOURS,
            "base_url": settings.HMIS_BASE_URL,
        },
    )
    send_mail(
        subject=subject,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.user.email],
    )
    return "sent"


@shared_task
def expire_invitations():
    """Delete unused links a week past their expiry (they stopped working at expiry)."""
    cutoff = timezone.now() - timedelta(days=7)
    return Invitation.objects.filter(used_at__isnull=True, expires_at__lte=cutoff).delete()[0]


@shared_task
def clear_expired_sessions():
    return Session.objects.filter(expire_date__lte=timezone.now()).delete()[0]


def absolute_link(path: str) -> str:
    return settings.HMIS_BASE_URL + (path or reverse("notices"))


def email_for(notice):
    """(subject, body) of a notice's e-mail: the text and a link, nothing else (templates/emails/notice_*.txt)."""
    return render_email("notice", {"notice": notice, "link": absolute_link(notice.link)})


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=600, max_retries=8)
def send_notice_email(self, notice_id: str):
    """E-mail a copy of one notice (reference and link only).

    The conditional update claims the notice, so two deliveries of the same
    message send one e-mail; a failed send releases the claim for the retry.
    """
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
