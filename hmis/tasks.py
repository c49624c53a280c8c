"""Background jobs of the core. Tasks take ids, load, and act; they are safe
to run twice (acks are late, so a lost worker means a redelivery)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from hmis.models import Invitation, Notice


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=600, max_retries=8)
def send_invitation_email(self, invitation_id: str, token: str, reason: str = "invite"):
    """Mail the one-time link. The message names no client and holds no PII:
    only the username (which the recipient chose nothing about) and the link."""
    invitation = Invitation.objects.select_related("user").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_usable:
        return "skipped"
    link = settings.HMIS_BASE_URL + reverse("password-set", args=[token])
    opening = (
        f"Your HMIS sign-in was reset by your agency's HMIS lead (username: {invitation.user.username}). "
        "Your old password, authenticator and backup codes no longer work."
        if reason == "reset"
        else f"An HMIS account was created for you (username: {invitation.user.username})."
    )
    send_mail(
        subject="Your HMIS sign-in was reset" if reason == "reset" else "Your HMIS account",
        message=(
            f"{opening}\n\n"
            f"Set your password within {settings.HMIS_INVITATION_HOURS} hours using this one-time link:\n{link}\n\n"
            f"A real HMIS link starts with {settings.HMIS_BASE_URL}/, the address shown on the HMIS sign-in page; "
            "it asks you to choose a new password, never for your current one or your codes.\n"
            "If you did not expect this, or the link starts with any other address, do not use it "
            "and tell your agency's HMIS lead.\n"
            "HMIS staff will never ask you for your password or codes."
        ),
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
    """(subject, body) of a notice's e-mail: the text and a link, nothing else."""
    subject = "HMIS notice"
    body = (
        f"{notice.text}\n\n"
        f"Sign in to HMIS to see it: {absolute_link(notice.link)}\n\n"
        "For the privacy of the people we serve, client details are never sent by e-mail."
    )
    return subject, body


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
