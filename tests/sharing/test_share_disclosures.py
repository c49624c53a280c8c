"""The disclosure log: a disclosure outside HMIS needs an active additional
release naming that recipient and covering what and why; it appears in the
client's access history."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hmis.models import AccessEvent
from sharing import actions
from sharing.models import DataCategory, Disclosure, Purpose
from tests.builders.clients import make_client
from tests.builders.sharing import care_release, outside_release

pytestmark = pytest.mark.django_db


def disclose(user, client, release, **overrides):
    values = {
        "categories": [DataCategory.IDENTITY],
        "purpose": Purpose.HOUSING_PLACEMENT,
        "method": Disclosure.Method.PHONE,
        "description": "Confirmed enrolment dates",
    }
    values.update(overrides)
    return actions.record_disclosure(acting_user=user, client=client, release=release, **values)


def test_a_disclosure_under_an_additional_release_is_logged_and_in_the_access_history(client_for, intake, supervisor):
    client = make_client(intake)
    release = outside_release(intake, supervisor, client, "Seattle Housing Authority")
    disclosure = disclose(intake, client, release)
    assert disclosure.recipient == "Seattle Housing Authority" and disclosure.release == release
    event = AccessEvent.objects.get(action=AccessEvent.Action.DISCLOSURE, subject_id=client.pk)
    assert event.fields == [DataCategory.IDENTITY]
    page = client_for(intake).get(reverse("clients:detail", args=[client.pk])).content.decode()
    assert "Disclosed outside HMIS" in page


def test_refused_for_a_category_the_release_does_not_cover(intake, supervisor):
    client = make_client(intake)
    release = outside_release(intake, supervisor, client, "Seattle Housing Authority")
    with pytest.raises(ValidationError) as refused:
        disclose(intake, client, release, categories=[DataCategory.HEALTH_DISABILITY])
    assert refused.value.code == "consent"
    assert not Disclosure.objects.exists()
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.DISCLOSURE).exists()


def test_refused_for_a_purpose_the_release_does_not_cover(intake, supervisor):
    client = make_client(intake)
    release = outside_release(intake, supervisor, client, "Seattle Housing Authority")
    with pytest.raises(ValidationError):
        disclose(intake, client, release, purpose=Purpose.COUNSELING)
    assert not Disclosure.objects.exists()


def test_refused_under_a_care_coordination_release(intake, supervisor, eastside):
    client = make_client(intake)
    release = care_release(intake, supervisor, client, eastside)
    with pytest.raises(ValidationError) as refused:
        disclose(intake, client, release)
    assert "release" in refused.value.message_dict


def test_refused_once_the_release_is_revoked(intake, supervisor):
    client = make_client(intake)
    release = outside_release(intake, supervisor, client, "Seattle Housing Authority")
    actions.revoke_release(acting_user=intake, release=release, reason="The client asked")
    release.refresh_from_db()
    with pytest.raises(ValidationError):
        disclose(intake, client, release)
    assert not Disclosure.objects.exists()


def test_recording_through_the_page(client_for, intake, supervisor):
    client = make_client(intake)
    release = outside_release(intake, supervisor, client, "Seattle Housing Authority")
    url = reverse("sharing:disclosure-create", args=[client.pk])
    http = client_for(intake)
    assert "Seattle Housing Authority" in http.get(url).content.decode()
    refused = http.post(
        url,
        {"release": release.pk, "categories": ["income_benefits"], "purpose": "housing_placement", "method": "phone"},
    )
    assert refused.status_code == 400 and not Disclosure.objects.exists()
    response = http.post(
        url, {"release": release.pk, "categories": ["identity"], "purpose": "housing_placement", "method": "phone"}
    )
    assert response.status_code == 302
    assert Disclosure.objects.get().recorded_by == intake
