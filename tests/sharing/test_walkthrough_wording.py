"""Referral form and sharing pages after the walk-through (issue 12, section 6):
choosing a purpose ticks its minimum categories, also without JavaScript;
intake staff are not told "another supervisor" decides; the lead
organisation's verification does not read "by —"."""

import re

import pytest
from django.urls import reverse

from sharing.models import PURPOSE_DEFAULT_CATEGORIES, Purpose, Share
from tests.builders.clients import make_client
from tests.builders.sharing import care_release, record

pytestmark = pytest.mark.django_db


def ticked(page):
    return sorted(re.findall(r'<input type="checkbox" name="categories" value="([^"]+)"[^>]*checked', page))


def test_sending_a_referral_with_nothing_ticked_ticks_the_purpose_minimum_and_sends_nothing(
    client_for, intake, supervisor, eastside
):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    url = reverse("sharing:share-create", args=[client.pk])
    response = client_for(intake).post(url, {"to_agency": eastside.pk, "purpose": Purpose.COUNSELING})
    page = response.content.decode()
    assert response.status_code == 200
    assert ticked(page) == sorted(PURPOSE_DEFAULT_CATEGORIES[Purpose.COUNSELING])
    assert 'id="minimum-ticked"' in page and "Nothing was sent" in page
    assert not Share.objects.exists()
    # The same page offers each purpose's minimum to the page script.
    assert '<script id="purpose-minimums" type="application/json">' in page


def test_intake_staff_are_told_a_supervisor_decides_their_release(client_for, intake, harbor_client, eastside):  # noqa: F811
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    page = client_for(intake).get(reverse("sharing:release-detail", args=[release.pk])).content.decode()
    assert "another supervisor" not in page
    assert "A supervisor of your agency decides it" in page


def test_a_supervisor_who_recorded_a_release_is_told_another_decides(client_for, supervisor, harbor_client, eastside):  # noqa: F811
    release = record(supervisor, harbor_client, recipient_agencies=[eastside])
    page = client_for(supervisor).get(reverse("sharing:release-detail", args=[release.pk])).content.decode()
    assert "You recorded this release, so another supervisor of your agency decides it." in page
