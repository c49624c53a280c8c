"""The partner directory: every partner with its verification; only the
system admin verifies, suspends and manages contacts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from hmis import actions as hmis_actions
from hmis.models import Agency
from sharing import actions
from sharing.models import PartnerContact
from tests.builders.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def test_everyone_sees_partners_with_their_verification(client_for, security_officer, eastside):
    AgencyFactory(slug="new-partner", name="New Partner", verified_at=None)
    page = client_for(security_officer).get(reverse("sharing:partner-list")).content.decode()
    assert "Eastside Housing Collective" in page and "Call-back to the number on file" in page
    assert "New Partner" in page and "Not verified" in page


def test_the_system_admin_verifies_an_agency_recording_who_when_how(system_admin):
    agency = AgencyFactory(slug="new-partner", name="New Partner", verified_at=None, verification_method="")
    hmis_actions.record_agency_verification(
        acting_user=system_admin, agency=agency, method="Call-back to 555-0101 on file"
    )
    agency.refresh_from_db()
    assert agency.verified_by == system_admin and agency.verified_at
    assert agency.verification_method == "Call-back to 555-0101 on file"
    assert agency.can_receive_shares


def test_verifying_from_the_partner_page_records_it_and_comes_back_there(client_for, system_admin):
    agency = AgencyFactory(slug="new-partner", name="New Partner", verified_at=None, verification_method="")
    partner_page = reverse("sharing:partner-detail", args=[agency.pk])
    http = client_for(system_admin)
    assert f'action="{reverse("agency-verify", args=[agency.pk])}"' in http.get(partner_page).content.decode()
    answer = http.post(
        reverse("agency-verify", args=[agency.pk]),
        {"verification_method": "Call-back to 555-0101 on file", "next": partner_page},
        follow=True,
    )
    assert answer.redirect_chain == [(partner_page, 302)]
    assert "New Partner is recorded as verified." in answer.content.decode()
    agency.refresh_from_db()
    assert agency.verified_by == system_admin


def test_verifying_never_sends_the_browser_to_another_site(client_for, system_admin):
    agency = AgencyFactory(slug="new-partner", verified_at=None)
    answer = client_for(system_admin).post(
        reverse("agency-verify", args=[agency.pk]),
        {"verification_method": "Call-back", "next": "https://evil.example/phish"},
    )
    assert answer["Location"] == reverse("agency-edit", args=[agency.pk])


def test_verification_needs_a_method(system_admin):
    agency = AgencyFactory(slug="new-partner", verified_at=None)
    with pytest.raises(ValidationError):
        hmis_actions.record_agency_verification(acting_user=system_admin, agency=agency, method=" ")


@pytest.mark.parametrize("persona", ["intake", "supervisor", "agency_lead", "security_officer"])
def test_only_the_system_admin_verifies_or_suspends(request, persona, eastside):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        hmis_actions.record_agency_verification(acting_user=user, agency=eastside, method="I know them")
    with pytest.raises(PermissionDenied):
        actions.suspend_partner(acting_user=user, agency=eastside, reason="Verification lapsed.")


def test_suspension_and_reinstatement(system_admin, eastside):
    actions.suspend_partner(acting_user=system_admin, agency=eastside, reason="Verification lapsed.")
    eastside.refresh_from_db()
    assert eastside.status == Agency.Status.SUSPENDED and not eastside.can_receive_shares
    actions.reinstate_partner(acting_user=system_admin, agency=eastside)
    eastside.refresh_from_db()
    assert eastside.can_receive_shares


def test_contacts_are_listed_with_their_verification(client_for, system_admin, intake, eastside):
    contact = actions.add_partner_contact(
        acting_user=system_admin, agency=eastside, name="Casey Coordinator", role_title="Intake lead"
    )
    page = client_for(intake).get(reverse("sharing:partner-detail", args=[eastside.pk])).content.decode()
    assert "Casey Coordinator" in page and "Not verified" in page
    actions.verify_partner_contact(acting_user=system_admin, contact=contact, method="Called the agency's main line")
    page = client_for(intake).get(reverse("sharing:partner-detail", args=[eastside.pk])).content.decode()
    assert "Called the agency&#x27;s main line" in page
    with pytest.raises(PermissionDenied):
        actions.add_partner_contact(acting_user=intake, agency=eastside, name="Someone")
    assert PartnerContact.objects.count() == 1
