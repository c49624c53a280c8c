"""Builders for release tests: clients and releases made through the real actions.

Import the fixtures you need into a test module (``from tests.sharing.release_fixtures import ...``).
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clients import actions as client_actions
from sharing import actions
from sharing.models import DataCategory, Purpose, Release

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def upload(data=PNG, name="signed-form.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def new_client(user, **values):
    defaults = {
        "first_name": "Rowan",
        "last_name": "Testperson",
        "name_data_quality": 1,
        "ssn_data_quality": 99,
        "dob_data_quality": 99,
        "race_ethnicity": [99],
    }
    return client_actions.create_client(acting_user=user, **{**defaults, **values})


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


def force_window(release, effective_at, expires_at):
    """Move a release's dates directly (tests of time, not of the date rules)."""
    Release.objects.filter(pk=release.pk).update(effective_at=effective_at, expires_at=expires_at)
    release.refresh_from_db()
    return release


def day(n=0):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def harbor_client(intake):
    return new_client(intake)


@pytest.fixture
def second_supervisor(harbor):
    from hmis.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="harbor-supervisor-2", agency=harbor, roles=[Role.SUPERVISOR])
