"""Sending a referral: minimum necessary, verified partners only, and the
consent gate covering recipient, every category and the purpose."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.models import ClientGroupObjectPermission
from hmis.models import Agency
from sharing import actions
from sharing.models import PURPOSE_DEFAULT_CATEGORIES, DataCategory, Purpose, Share
from tests.builders.clients import make_client
from tests.builders.factories import AgencyFactory
from tests.builders.sharing import HOUSING, care_release, housing_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_with_release(intake, supervisor, eastside):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    return client


def grant_exists(client, agency):
    return ClientGroupObjectPermission.objects.filter(content_object=client, group=agency.group).exists()


def test_every_purpose_has_a_minimal_default_within_the_known_categories():
    assert set(PURPOSE_DEFAULT_CATEGORIES) == set(Purpose.values)
    for categories in PURPOSE_DEFAULT_CATEGORIES.values():
        assert categories <= set(DataCategory.values)
        assert DataCategory.HEALTH_DISABILITY not in categories
        assert DataCategory.INCOME_BENEFITS not in categories
    assert PURPOSE_DEFAULT_CATEGORIES[Purpose.FOOD_ASSISTANCE] == {DataCategory.IDENTITY, DataCategory.CONTACT}


def test_intake_sends_a_housing_referral_and_the_partner_gets_a_grant(intake, eastside, client_with_release):
    share = housing_share(intake, client_with_release, eastside)
    assert share.status == Share.Status.SENT
    assert share.release.client_id == client_with_release.pk
    assert sorted(share.categories) == sorted(HOUSING)
    assert share.expires_at > timezone.now()
    assert grant_exists(client_with_release, eastside)


def test_a_category_beyond_the_purpose_default_needs_a_justification(intake, supervisor, eastside):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside, categories=[*HOUSING, DataCategory.INCOME_BENEFITS])
    with pytest.raises(ValidationError) as refused:
        housing_share(intake, client, eastside, categories=[*HOUSING, DataCategory.INCOME_BENEFITS], justification=" ")
    assert "justification" in refused.value.message_dict
    assert not Share.objects.exists()
    share = housing_share(
        intake,
        client,
        eastside,
        categories=[*HOUSING, DataCategory.INCOME_BENEFITS],
        justification="The housing program checks income eligibility.",
    )
    assert DataCategory.INCOME_BENEFITS in share.categories


def test_the_default_categories_need_no_justification(intake, eastside, client_with_release):
    share = housing_share(intake, client_with_release, eastside, categories=[DataCategory.IDENTITY])
    assert share.justification == ""


def test_refused_when_the_release_does_not_cover_a_category(intake, supervisor, eastside):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside, categories=[DataCategory.IDENTITY, DataCategory.CONTACT])
    with pytest.raises(ValidationError) as refused:
        housing_share(intake, client, eastside)
    assert refused.value.code == "consent"
    assert "No active release covers" in refused.value.messages[0]
    assert not Share.objects.exists()
    assert not grant_exists(client, eastside)


def test_refused_when_the_release_does_not_cover_the_purpose(intake, eastside, client_with_release):
    with pytest.raises(ValidationError) as refused:
        actions.send_share(
            acting_user=intake,
            client=client_with_release,
            to_agency=eastside,
            purpose=Purpose.FOOD_ASSISTANCE,
            categories=[DataCategory.IDENTITY, DataCategory.CONTACT],
        )
    assert refused.value.code == "consent"
    assert not Share.objects.exists()


def test_refused_when_the_release_names_another_agency(intake, supervisor, eastside):
    northside = AgencyFactory(slug="northside", name="Northside Services")
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    with pytest.raises(ValidationError) as refused:
        housing_share(intake, client, northside)
    assert refused.value.code == "consent"


def test_refused_without_any_release(intake, eastside):
    client = make_client(intake)
    with pytest.raises(ValidationError):
        housing_share(intake, client, eastside)
    assert not Share.objects.exists()


def test_refused_to_an_unverified_partner(intake, supervisor, eastside, client_with_release):
    Agency.objects.filter(pk=eastside.pk).update(verified_at=None)
    eastside.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        housing_share(intake, client_with_release, eastside)
    assert "verified" in refused.value.message_dict["to_agency"][0]
    assert not Share.objects.exists()


def test_refused_to_a_suspended_partner(intake, system_admin, eastside, client_with_release):
    actions.suspend_partner(acting_user=system_admin, agency=eastside, reason="Verification lapsed.")
    with pytest.raises(ValidationError) as refused:
        housing_share(intake, client_with_release, eastside)
    assert "to_agency" in refused.value.message_dict


def test_refused_to_ones_own_agency(intake, harbor, client_with_release):
    with pytest.raises(ValidationError) as refused:
        housing_share(intake, client_with_release, harbor)
    assert "own agency" in refused.value.message_dict["to_agency"][0]


def test_refused_for_a_client_the_user_cannot_see(other_intake, intake, harbor, client_with_release):
    with pytest.raises(ValidationError) as refused:
        housing_share(other_intake, client_with_release, harbor)
    assert refused.value.code == "not_visible"
    assert not Share.objects.exists()


def test_a_recipient_cannot_pass_a_shared_client_on(other_intake, intake, harbor, client_with_release, eastside):
    housing_share(intake, client_with_release, eastside)
    with pytest.raises(ValidationError) as refused:
        housing_share(other_intake, client_with_release, harbor)
    assert refused.value.code == "not_owner"


def test_security_officer_cannot_send(security_officer, eastside, client_with_release):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        housing_share(security_officer, client_with_release, eastside)


# --- The page -----------------------------------------------------------------------------


def test_the_page_shows_the_gate_refusal_with_a_link_to_record_a_release(client_for, intake, eastside):
    client = make_client(intake)
    response = client_for(intake).post(
        reverse("sharing:share-create", args=[client.pk]),
        {"to_agency": eastside.pk, "purpose": "housing_placement", "categories": HOUSING},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Not sent: No active release covers" in body
    assert 'id="consent-refusal"' in body
    assert not Share.objects.exists()


def test_the_page_lists_only_verified_active_partners(client_for, intake, eastside, system_admin, lead_org):
    AgencyFactory(slug="unverified", name="Unverified Agency", verified_at=None)
    client = make_client(intake)
    body = client_for(intake).get(reverse("sharing:share-create", args=[client.pk])).content.decode()
    assert eastside.name in body
    assert "Unverified Agency" not in body
    assert "Harbor Family Services</option>" not in body
    assert f"{lead_org.name}</option>" not in body


def test_sending_through_the_page(client_for, intake, eastside, client_with_release):
    response = client_for(intake).post(
        reverse("sharing:share-create", args=[client_with_release.pk]),
        {"to_agency": eastside.pk, "purpose": "housing_placement", "categories": HOUSING},
    )
    share = Share.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:share-sent", args=[share.pk])


def test_the_justification_error_is_shown_on_the_page(client_for, intake, eastside, client_with_release):
    response = client_for(intake).post(
        reverse("sharing:share-create", args=[client_with_release.pk]),
        {"to_agency": eastside.pk, "purpose": "food_assistance", "categories": HOUSING},
    )
    assert response.status_code == 400
    assert "Explain why" in response.content.decode()
    assert not Share.objects.exists()


def test_the_client_page_offers_a_referral_to_its_own_agency(client_for, intake, security_officer):
    client = make_client(intake)
    url = reverse("clients:detail", args=[client.pk])
    assert 'id="send-referral"' in client_for(intake).get(url).content.decode()
    assert 'id="send-referral"' not in client_for(security_officer).get(url).content.decode()
