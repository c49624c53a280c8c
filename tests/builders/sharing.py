"""Releases and referrals for tests, made through the real sharing actions."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sharing import actions
from sharing.models import DataCategory, Purpose, Release

HOUSING = [DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.DEMOGRAPHICS, DataCategory.HOUSING_HISTORY]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def upload(data=PNG, name="signed-form.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def release_values(**overrides):
    values = {
        "kind": Release.Kind.CARE_COORDINATION,
        "categories": [DataCategory.IDENTITY, DataCategory.CONTACT],
        "purposes": [Purpose.HOUSING_PLACEMENT],
        "consent_method": Release.Method.VERBAL_WITNESSED,
        "witness_name": "A. Witness",
        "effective_date": timezone.localdate(),
    }
    values.update(overrides)
    return values


def record(user, client, **overrides):
    return actions.record_release(acting_user=user, client=client, **release_values(**overrides))


def active_release(requester, approver, client, **overrides):
    release = record(requester, client, **overrides)
    return actions.approve_release(acting_user=approver, release=release)


def care_release(requester, approver, client, recipient, *, categories=HOUSING, purposes=None):
    """An active care-coordination release naming ``recipient``."""
    return active_release(
        requester,
        approver,
        client,
        categories=list(categories),
        purposes=list(purposes or [Purpose.HOUSING_PLACEMENT]),
        recipient_agencies=[recipient],
    )


def outside_release(requester, approver, client, recipient_name, *, categories=None, purposes=None):
    return active_release(
        requester,
        approver,
        client,
        kind=Release.Kind.ADDITIONAL,
        categories=list(categories or [DataCategory.IDENTITY, DataCategory.HOUSING_HISTORY]),
        purposes=list(purposes or [Purpose.HOUSING_PLACEMENT]),
        outside_recipient_name=recipient_name,
        outside_recipient_contact="555-0142 (call-back verified)",
    )


def housing_share(sender, client, recipient, **overrides):
    values = {"purpose": Purpose.HOUSING_PLACEMENT, "categories": HOUSING}
    values.update(overrides)
    return actions.send_share(acting_user=sender, client=client, to_agency=recipient, **values)


def force_window(release, effective_at, expires_at):
    """Move a release's dates directly (tests of time, not of the date rules)."""
    Release.objects.filter(pk=release.pk).update(effective_at=effective_at, expires_at=expires_at)
    release.refresh_from_db()
    return release


def day(n=0):
    return timezone.localdate() + datetime.timedelta(days=n)
