"""In-app notices and their e-mail copies.

A notice's text is written by the calling action from references and agency
names only: never a client's name, birth date, SSN or any other PII. The
e-mail carries the same text and a link to the page, nothing more, and is
sent by a Celery task after the transaction commits.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hmis import permissions
from hmis.models import User
from sharing.models import Notice


def users_holding(code, *, agency=None):
    """Active users (of ``agency`` if given) whose roles hold permission ``code``."""
    roles = permissions.registry()[code].roles
    users = User.objects.filter(is_active=True, groups__name__in=roles).distinct()
    if agency is not None:
        users = users.filter(agency=agency)
    return users


def notify(*, recipients, text, link="", email=True):
    """Create one notice per recipient and, after commit, e-mail each a copy."""
    from sharing import tasks

    notices = [Notice(recipient=user, text=text[:300], link=link) for user in recipients]
    Notice.objects.bulk_create(notices)
    if email:
        for notice in notices:
            if notice.recipient.email:
                transaction.on_commit(lambda pk=str(notice.pk): tasks.send_notice_email.delay(pk))
    return notices


def notices_for(user):
    return Notice.objects.filter(recipient=user)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, acting_user, notice_ids=None):
    """Mark the user's own notices read (all of them when no ids are given)."""
    notices = Notice.objects.filter(recipient=acting_user, read_at__isnull=True)
    if notice_ids is not None:
        notices = notices.filter(pk__in=notice_ids)
    return notices.update(read_at=timezone.now())


def absolute_link(path: str) -> str:
    return settings.HMIS_BASE_URL + (path or reverse("sharing:notices"))


def email_for(notice):
    """(subject, body) of a notice's e-mail: the text and a link, nothing else."""
    subject = "HMIS notice"
    body = (
        f"{notice.text}\n\n"
        f"Sign in to HMIS to see it: {absolute_link(notice.link)}\n\n"
        "For the privacy of the people we serve, client details are never sent by e-mail."
    )
    return subject, body
