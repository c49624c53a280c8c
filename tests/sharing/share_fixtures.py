"""Builders for the sharing tests: clients with canary PII, releases and
referrals made through the real actions."""

import pytest
from django.utils import timezone

from clients import actions as client_actions
from sharing import actions
from sharing.models import DataCategory, Purpose, Release

# Canary values: none of them may ever appear in an e-mail, a notice, a URL or a title.
CANARY_FIRST = "Zebediah"
CANARY_LAST = "Quillfeather"
CANARY_SSN = "562781934"
CANARY_PHONE = "206-555-0199"
CANARY_EMAIL = "zeb.quill@example.org"
CANARY_ADDRESS = "77 Canary Lane"
CANARIES = (CANARY_FIRST, CANARY_LAST, CANARY_SSN, "562-78-1934", CANARY_PHONE, CANARY_EMAIL, CANARY_ADDRESS)

HOUSING = [DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.DEMOGRAPHICS, DataCategory.HOUSING_HISTORY]


def canary_client(user, **values):
    defaults = {
        "first_name": CANARY_FIRST,
        "last_name": CANARY_LAST,
        "name_data_quality": 1,
        "ssn": CANARY_SSN,
        "ssn_data_quality": 1,
        "dob": timezone.localdate().replace(year=1980, month=5, day=17),
        "dob_data_quality": 1,
        "race_ethnicity": [99],
        "phone": CANARY_PHONE,
        "email": CANARY_EMAIL,
        "last_permanent_address": CANARY_ADDRESS,
    }
    return client_actions.create_client(acting_user=user, **{**defaults, **values})


def care_release(requester, approver, client, recipient, *, categories=HOUSING, purposes=None):
    """An active care-coordination release naming ``recipient``."""
    release = actions.record_release(
        acting_user=requester,
        client=client,
        kind=Release.Kind.CARE_COORDINATION,
        categories=list(categories),
        purposes=list(purposes or [Purpose.HOUSING_PLACEMENT]),
        consent_method=Release.Method.VERBAL_WITNESSED,
        witness_name="A. Witness",
        effective_date=timezone.localdate(),
        recipient_agencies=[recipient],
    )
    return actions.approve_release(acting_user=approver, release=release)


def outside_release(requester, approver, client, recipient_name, *, categories=None, purposes=None):
    release = actions.record_release(
        acting_user=requester,
        client=client,
        kind=Release.Kind.ADDITIONAL,
        categories=list(categories or [DataCategory.IDENTITY, DataCategory.HOUSING_HISTORY]),
        purposes=list(purposes or [Purpose.HOUSING_PLACEMENT]),
        consent_method=Release.Method.VERBAL_WITNESSED,
        witness_name="A. Witness",
        effective_date=timezone.localdate(),
        outside_recipient_name=recipient_name,
        outside_recipient_contact="555-0142 (call-back verified)",
    )
    return actions.approve_release(acting_user=approver, release=release)


def housing_share(sender, client, recipient, **overrides):
    values = {"purpose": Purpose.HOUSING_PLACEMENT, "categories": HOUSING}
    values.update(overrides)
    return actions.send_share(acting_user=sender, client=client, to_agency=recipient, **values)


@pytest.fixture
def shared(intake, supervisor, eastside):
    """A harbor client referred to eastside for housing under an active release."""
    client = canary_client(intake)
    care_release(intake, supervisor, client, eastside)
    share = housing_share(intake, client, eastside)
    return share
