"""Live access for the recipient: only the shared categories, every opening
re-checks the gate and is recorded, and access ends at once with consent."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import queries as client_queries
from clients.models import ClientGroupObjectPermission
from hmis.models import AccessEvent, Agency
from sharing import actions, tasks
from sharing.models import DataCategory, Purpose, Release, Share
from tests.builders.clients import make_client
from tests.builders.sharing import care_release, housing_share
from tests.canaries import CANARY_ADDRESS, CANARY_FIRST, CANARY_PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(intake, supervisor, eastside):
    client = make_client(intake)
    release = care_release(
        intake,
        supervisor,
        client,
        eastside,
        categories=[
            DataCategory.IDENTITY,
            DataCategory.CONTACT,
            DataCategory.DEMOGRAPHICS,
            DataCategory.HOUSING_HISTORY,
            DataCategory.INCOME_BENEFITS,
        ],
        purposes=[Purpose.HOUSING_PLACEMENT, Purpose.FOOD_ASSISTANCE],
    )
    share = housing_share(intake, client, eastside)
    return client, release, share


def open_share(http, share):
    return http.get(reverse("sharing:share-detail", args=[share.pk]))


def has_grant(client, agency):
    return ClientGroupObjectPermission.objects.filter(content_object=client, group=agency.group).exists()


def test_recipient_sees_only_the_shared_categories_masked(client_for, other_intake, setup):
    client, _release, share = setup
    response = open_share(client_for(other_intake), share)
    assert response.status_code == 200
    body = response.content.decode()
    assert CANARY_FIRST in body  # identity is shared; case workers see names
    assert CANARY_PHONE not in body and CANARY_ADDRESS not in body  # contact shared but masked
    for section in ("identity", "contact", "demographics", "housing_history"):
        assert f'id="section-{section}"' in body
    # Released, but not part of this referral:
    assert 'id="section-income_benefits"' not in body
    assert 'id="section-health_disability"' not in body
    assert CANARY_FIRST not in body.split("<title>")[1].split("</title>")[0]


def test_a_food_referral_shows_identity_and_contact_only(client_for, intake, other_intake, eastside, setup):
    client, _release, _ = setup
    share = actions.send_share(
        acting_user=intake,
        client=client,
        to_agency=eastside,
        purpose=Purpose.FOOD_ASSISTANCE,
        categories=[DataCategory.IDENTITY, DataCategory.CONTACT],
    )
    body = open_share(client_for(other_intake), share).content.decode()
    assert 'id="section-identity"' in body and 'id="section-contact"' in body
    assert 'id="section-demographics"' not in body and 'id="section-housing_history"' not in body


def test_every_opening_is_an_access_event_on_the_client(client_for, other_intake, setup):
    client, _release, share = setup
    http = client_for(other_intake)
    open_share(http, share)
    open_share(http, share)
    events = AccessEvent.objects.filter(subject_id=client.pk, action=AccessEvent.Action.SHARE_OPEN)
    assert events.count() == 2
    assert {e.actor_id for e in events} == {other_intake.pk}
    assert events.first().detail == f"Referral {share.reference}"


def test_revoking_the_release_cuts_access_at_once(client_for, intake, other_intake, eastside, setup):
    client, release, share = setup
    http = client_for(other_intake)
    assert open_share(http, share).status_code == 200
    actions.revoke_release(acting_user=intake, release=release, reason="The client asked")
    assert open_share(http, share).status_code == 404
    share.refresh_from_db()
    assert share.status == Share.Status.EXPIRED
    assert "release ended" in share.end_reason
    assert not has_grant(client, eastside)
    assert not client_queries.clients_visible_to(other_intake).filter(pk=client.pk).exists()


def test_release_expiry_cuts_access_before_the_expiry_job_runs(client_for, other_intake, eastside, setup):
    client, release, share = setup
    http = client_for(other_intake)
    Release.objects.filter(pk=release.pk).update(
        effective_at=timezone.now() - timedelta(days=30), expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert open_share(http, share).status_code == 404
    # The refused opening removed the grant on the spot.
    assert not has_grant(client, eastside)
    # The expiry job then records it, and ending the release ends the share.
    from sharing.tasks import expire_releases

    assert expire_releases() == 1
    share.refresh_from_db()
    assert share.status == Share.Status.EXPIRED


def test_withdrawing_the_share_cuts_access(client_for, intake, other_intake, eastside, setup):
    client, _release, share = setup
    http = client_for(other_intake)
    actions.withdraw_share(acting_user=intake, share=share, note="Placed elsewhere")
    assert open_share(http, share).status_code == 404
    assert not has_grant(client, eastside)


def test_declining_ends_access_and_needs_a_note(client_for, other_intake, eastside, setup):
    from django.core.exceptions import ValidationError

    client, _release, share = setup
    with pytest.raises(ValidationError):
        actions.decline_share(acting_user=other_intake, share=share, note="  ")
    actions.decline_share(acting_user=other_intake, share=share, note="No capacity")
    assert open_share(client_for(other_intake), share).status_code == 404
    assert not has_grant(client, eastside)


def test_accepting_keeps_access(client_for, other_supervisor, setup):
    _client, _release, share = setup
    http = client_for(other_supervisor)
    response = http.post(reverse("sharing:share-accept", args=[share.pk]), {"note": "We have a unit"})
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.status == Share.Status.ACCEPTED
    assert share.responded_by == other_supervisor
    assert open_share(http, share).status_code == 200


def test_a_share_past_its_own_end_date_is_refused_and_the_sweep_ends_it(client_for, other_intake, eastside, setup):
    client, _release, share = setup
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert open_share(client_for(other_intake), share).status_code == 404
    result = tasks.remove_stale_grants()
    assert result["expired"] == 1
    share.refresh_from_db()
    assert share.status == Share.Status.EXPIRED


def test_the_sweep_removes_a_grant_left_behind(intake, eastside, setup):
    from clients.actions import grant_client_access

    client, release, share = setup
    other = make_client(intake, first_name="Other", ssn=None, ssn_data_quality=99)
    # A grant with no share behind it (a lost message, a manual mistake).
    grant_client_access(group_or_user=eastside.group, client=other)
    # And a grant whose release ran out by date (the expiry job has not run yet).
    Release.objects.filter(pk=release.pk).update(
        effective_at=timezone.now() - timedelta(days=30), expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert has_grant(other, eastside) and has_grant(client, eastside)
    assert tasks.remove_stale_grants()["removed"] == 2
    assert not has_grant(other, eastside) and not has_grant(client, eastside)


def test_the_sweep_keeps_live_consented_grants(eastside, setup):
    client, _release, _share = setup
    assert tasks.remove_stale_grants() == {"expired": 0, "removed": 0}
    assert has_grant(client, eastside)


def test_suspending_the_partner_cuts_access(client_for, system_admin, other_intake, eastside, setup):
    client, _release, share = setup
    actions.suspend_partner(acting_user=system_admin, agency=eastside, reason="Verification lapsed.")
    assert Agency.objects.get(pk=eastside.pk).status == Agency.Status.SUSPENDED
    assert open_share(client_for(other_intake), share).status_code == 404
    assert not has_grant(client, eastside)
    actions.reinstate_partner(acting_user=system_admin, agency=eastside)
    assert has_grant(client, eastside)
    assert open_share(client_for(other_intake), share).status_code == 200


def test_only_the_recipient_agency_opens_it(client_for, intake, other_security_officer, setup):
    _client, _release, share = setup
    assert open_share(client_for(intake), share).status_code == 404
    assert open_share(client_for(other_security_officer), share).status_code == 403


# --- The regular client page for a non-owner -----------------------------------------------


def test_the_client_page_sends_the_recipient_to_the_referral(client_for, other_intake, setup):
    client, _release, share = setup
    response = client_for(other_intake).get(reverse("clients:detail", args=[client.pk]), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1] == (reverse("sharing:share-detail", args=[share.pk]), 302)


def test_the_client_page_is_404_for_the_recipient_once_consent_ended(client_for, intake, other_intake, setup):
    client, release, _share = setup
    http = client_for(other_intake)
    actions.revoke_release(acting_user=intake, release=release, reason="The client asked")
    assert http.get(reverse("clients:detail", args=[client.pk]), follow=True).status_code == 404


def test_the_recipient_cannot_reveal_on_the_client_page(client_for, other_intake, setup):
    client, _release, _share = setup
    response = client_for(other_intake).post(
        reverse("clients:reveal", args=[client.pk]), {"field": "ssn", "reason": "service"}
    )
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).exists()


def test_the_recipient_reveals_a_shared_field_with_a_reason(client_for, other_intake, setup):
    client, _release, share = setup
    http = client_for(other_intake)
    response = http.post(
        reverse("sharing:share-reveal", args=[share.pk]), {"field": "phone", "reason": "service"}, follow=True
    )
    assert response.status_code == 200
    assert CANARY_PHONE in response.content.decode()
    event = AccessEvent.objects.get(action=AccessEvent.Action.REVEAL)
    assert event.fields == ["phone"] and event.subject_id == client.pk
    # The next page masks it again.
    assert CANARY_PHONE not in open_share(http, share).content.decode()


def test_the_recipient_cannot_reveal_a_field_outside_the_shared_categories(
    client_for, intake, other_intake, eastside, setup
):
    client, _release, _ = setup
    share = actions.send_share(
        acting_user=intake,
        client=client,
        to_agency=eastside,
        purpose=Purpose.FOOD_ASSISTANCE,
        categories=[DataCategory.IDENTITY],
        justification="",
    )
    response = client_for(other_intake).post(
        reverse("sharing:share-reveal", args=[share.pk]), {"field": "phone", "reason": "service"}
    )
    assert response.status_code == 400
    assert CANARY_PHONE not in response.content.decode()


def test_the_partners_dashboard_lists_referrals_to_answer_in_plain_words(
    client_for, intake, supervisor, eastside, other_intake
):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    shared = housing_share(intake, client, eastside)
    page = client_for(other_intake).get("/").content.decode()
    assert "Referrals to answer" in page and shared.reference in page
    detail = client_for(other_intake).get(reverse("sharing:share-detail", args=[shared.pk])).content.decode()
    assert "housing_history" not in detail.split('id="shared-categories"')[1][:200]
    actions.accept_share(acting_user=other_intake, share=shared, note="We have a unit")
    assert shared.reference not in client_for(other_intake).get("/").content.decode()
