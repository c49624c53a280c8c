"""What cannot be undone asks once, on a page that says what will happen
(with counts), and works without JavaScript: revoke a release, suspend a
partner, deactivate a user, reset someone's sign-in, mark "same person",
close an incident. Revocation and suspension ask for the reason."""

import pytest
from django.urls import reverse

from clients.models import PossibleDuplicate
from hmis.models import Agency, User
from incidents.models import Incident, Status
from sharing.models import Release, Share
from tests.builders.clients import make_client
from tests.builders.incidents import ready_to_close, report, walk_to
from tests.builders.sharing import care_release, housing_share

pytestmark = pytest.mark.django_db


def consequences(response):
    page = response.content.decode()
    assert response.status_code == 200 and 'id="confirm-consequences"' in page
    return page


def three_referrals(intake, supervisor, eastside):
    client = make_client(intake)
    release = care_release(intake, supervisor, client, eastside, purposes=["housing_placement", "counseling"])
    for _ in range(3):
        housing_share(intake, client, eastside)
    return release


def test_revoking_a_release_says_who_loses_what_and_needs_a_reason(client_for, intake, supervisor, eastside):
    release = three_referrals(intake, supervisor, eastside)
    http = client_for(intake)
    url = reverse("sharing:release-revoke", args=[release.pk])
    detail = http.get(reverse("sharing:release-detail", args=[release.pk])).content.decode()
    assert f'href="{url}"' in detail  # the page's button leads to the question, it does not act
    page = consequences(http.get(url))
    assert "Eastside Housing Collective loses access to 3 referrals now." in page
    refused = http.post(url, {"reason": " "})
    assert refused.status_code == 400 and "Say why the release is revoked." in refused.content.decode()
    release.refresh_from_db()
    assert release.status == Release.Status.ACTIVE
    http.post(url, {"reason": "The client asked by phone."})
    release.refresh_from_db()
    assert release.status == Release.Status.REVOKED and release.end_reason == "The client asked by phone."
    assert not Share.objects.filter(release=release, status__in=Share.LIVE).exists()


def test_suspending_a_partner_says_what_it_loses_and_needs_a_reason(
    client_for, intake, supervisor, eastside, system_admin
):
    three_referrals(intake, supervisor, eastside)
    http = client_for(system_admin)
    url = reverse("sharing:partner-suspend", args=[eastside.pk])
    page = consequences(http.get(url))
    assert "Eastside Housing Collective loses access to 3 referrals now." in page
    assert http.post(url, {"reason": ""}).status_code == 400
    eastside.refresh_from_db()
    assert eastside.status == Agency.Status.ACTIVE
    http.post(url, {"reason": "Agreement lapsed."})
    eastside.refresh_from_db()
    assert eastside.status == Agency.Status.SUSPENDED and eastside.suspension_reason == "Agreement lapsed."


def test_deactivating_a_user_asks_first(client_for, agency_lead, intake):
    http = client_for(agency_lead)
    url = reverse("user-deactivate", args=[intake.pk])
    page = consequences(http.get(url))
    assert "harbor-intake is signed out now" in page
    assert User.objects.get(pk=intake.pk).is_active
    http.post(url)
    assert not User.objects.get(pk=intake.pk).is_active


def test_resetting_a_sign_in_asks_first_and_counts_backup_codes(client_for, agency_lead, intake):
    from hmis import actions as hmis_actions

    hmis_actions.issue_backup_codes(user=intake)
    http = client_for(agency_lead)
    page = consequences(http.get(reverse("user-reset-sign-in", args=[intake.pk])))
    assert "10 unused backup codes" in page
    assert User.objects.get(pk=intake.pk).has_usable_password()


def test_same_person_asks_first(client_for, intake, other_intake, system_admin):
    make_client(intake)
    make_client(other_intake)
    pair = PossibleDuplicate.objects.get()
    http = client_for(system_admin)
    url = reverse("clients:duplicate-resolve", args=[pair.pk])
    page = consequences(http.post(url, {"status": "duplicate"}))
    assert pair.new_client.reference in page and "recorded as one person" in page
    pair.refresh_from_db()
    assert pair.status == PossibleDuplicate.Status.OPEN
    http.post(url, {"status": "duplicate", "confirmed": "yes"})
    pair.refresh_from_db()
    assert pair.status == PossibleDuplicate.Status.DUPLICATE


def test_closing_an_incident_asks_first(client_for, intake, security_officer):
    incident = walk_to(report(intake), security_officer, Status.CORRECTIVE_ACTION)
    ready_to_close(incident, security_officer)
    http = client_for(security_officer)
    url = reverse("incidents:move", args=[incident.pk])
    page = consequences(http.post(url, {"to_status": Status.CLOSED}))
    assert f"Incident {incident.reference} closes" in page and "1 corrective action verified" in page
    assert Incident.objects.get(pk=incident.pk).status == Status.CORRECTIVE_ACTION
    http.post(url, {"to_status": Status.CLOSED, "confirmed": "yes"})
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED
