"""Consent belongs to the agency that holds the record (issue 10, item 1).

Only the client's own agency records, decides, sees and revokes releases; a
partner reaches a referred client through the referral page alone; the
consent gate counts only releases the disclosing agency obtained; releases
that earlier code let another agency record are revoked by a data migration.
"""

import datetime
import importlib

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from clients.actions import grant_client_access
from clients.models import ClientGroupObjectPermission
from hmis.models import AccessEvent
from sharing import actions
from sharing.consent import check_consent
from sharing.models import DataCategory, Disclosure, Purpose, Release, ReleaseStatusChange, Share
from tests.builders.clients import make_client, make_enrollment
from tests.builders.sharing import HOUSING, care_release, outside_release
from tests.canaries import CANARY_SSN
from tests.hmis.test_free_text_migrations import BEFORE, migrate, migrate_to_latest

pytestmark = pytest.mark.django_db

EVERY_CATEGORY = [c.value for c in DataCategory]
EVERY_PURPOSE = [p.value for p in Purpose]
SHARE_NOTE = "The release it was sent under was recorded by another agency and has been revoked."
FOREIGN_REASON = "Revoked automatically: recorded by another agency, which may not take consent for this record."


def recorded_the_old_way(client, agency, requester, approver=None, **values):
    """A release of ``client`` obtained by ``agency`` (not the record's agency),
    written as the code before this fix let it be: active unless ``approver`` is None."""
    now = timezone.now()
    fields = {
        "kind": Release.Kind.CARE_COORDINATION,
        "all_partners": True,
        "categories": EVERY_CATEGORY,
        "purposes": EVERY_PURPOSE,
        "consent_method": Release.Method.VERBAL_WITNESSED,
        "witness_name": "A. Witness",
        "effective_at": now - datetime.timedelta(days=1),
        "expires_at": now + datetime.timedelta(days=365),
    }
    fields.update(values)
    status = Release.Status.ACTIVE if approver is not None else Release.Status.PENDING
    return Release.objects.create(
        client=client,
        obtaining_agency=agency,
        requested_by=requester,
        status=status,
        decided_by=approver,
        decided_at=now if approver is not None else None,
        **fields,
    )


def broad_release_form():
    return {
        "kind": "care_coordination",
        "all_partners": "on",
        "categories": EVERY_CATEGORY,
        "purposes": EVERY_PURPOSE,
        "consent_method": "verbal_witnessed",
        "witness_name": "A. Witness",
        "effective_date": timezone.localdate().isoformat(),
        "expiry_date": "",
    }


def housing_referral_form(eastside):
    return {
        "to_agency": str(eastside.pk),
        "purpose": Purpose.HOUSING_PLACEMENT,
        "categories": HOUSING,
    }


def reveal_ssn(http, share):
    return http.post(reverse("sharing:share-reveal", args=[share.pk]), {"field": "ssn", "reason": "service"})


def has_grant(client, agency):
    return ClientGroupObjectPermission.objects.filter(content_object=client, group=agency.group).exists()


# --- The scenario that was seen, end to end through the pages ---------------------------------


def test_seen_scenario_a_partner_holding_a_referral_cannot_take_consent_and_revocation_stops_everything(
    client_for, intake, supervisor, other_intake, other_supervisor, eastside
):
    harbor_intake, harbor_supervisor = client_for(intake), client_for(supervisor)
    east_intake, east_supervisor = client_for(other_intake), client_for(other_supervisor)
    client = make_client(intake)

    # Harbor takes the client's consent for eastside and refers them.
    form = {**broad_release_form(), "all_partners": "", "recipient_agencies": [str(eastside.pk)]}
    form.update(categories=HOUSING, purposes=[Purpose.HOUSING_PLACEMENT])
    assert harbor_intake.post(reverse("sharing:release-create", args=[client.pk]), form).status_code == 302
    harbors = Release.objects.get()
    assert harbor_supervisor.post(reverse("sharing:release-approve", args=[harbors.pk])).status_code == 302
    sent = harbor_intake.post(reverse("sharing:share-create", args=[client.pk]), housing_referral_form(eastside))
    assert sent.status_code == 302
    first = Share.objects.get()
    assert east_intake.get(reverse("sharing:share-detail", args=[first.pk])).status_code == 200

    # Eastside, holding the live referral, tries to record a broad release itself.
    create_url = reverse("sharing:release-create", args=[client.pk])
    assert east_intake.get(create_url).status_code == 404
    assert east_intake.post(create_url, broad_release_form()).status_code == 404
    assert not Release.objects.filter(obtaining_agency=eastside).exists()
    assert east_supervisor.get(reverse("sharing:release-queue")).context["pending"] == []

    # The client revokes consent at harbor.
    revoked = harbor_intake.post(reverse("sharing:release-revoke", args=[harbors.pk]), {"reason": "Client asked"})
    assert revoked.status_code == 302
    page = harbor_intake.get(reverse("clients:detail", args=[client.pk]))
    assert page.context["releases"]["active"] == []
    assert "No active release" in page.content.decode()

    # Harbor's new referral stops at the gate; eastside reveals nothing.
    again = harbor_intake.post(reverse("sharing:share-create", args=[client.pk]), housing_referral_form(eastside))
    assert again.status_code == 400
    assert "No active release covers" in again.context["consent_refusal"]
    assert Share.objects.count() == 1
    assert east_intake.get(reverse("sharing:share-detail", args=[first.pk])).status_code == 404
    response = reveal_ssn(east_intake, first)
    assert response.status_code == 404
    assert CANARY_SSN not in response.content.decode()
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL, subject_id=client.pk).exists()
    assert not has_grant(client, eastside)


def test_a_release_another_agency_obtained_never_covers_the_record_agencys_referral(
    client_for, intake, supervisor, other_intake, other_supervisor, eastside
):
    """The seen gate failure on its own: eastside's release (left from before
    the fix) is active, harbor's is revoked; harbor's referral is refused and
    eastside's referral page and reveal answer 404."""
    client = make_client(intake)
    harbors = care_release(intake, supervisor, client, eastside)
    first = actions.send_share(
        acting_user=intake, client=client, to_agency=eastside, purpose=Purpose.HOUSING_PLACEMENT, categories=HOUSING
    )
    recorded_the_old_way(client, eastside, other_intake, other_supervisor)
    harbor_intake, east_intake = client_for(intake), client_for(other_intake)

    harbor_intake.post(reverse("sharing:release-revoke", args=[harbors.pk]), {"reason": "Client asked"})
    again = harbor_intake.post(reverse("sharing:share-create", args=[client.pk]), housing_referral_form(eastside))

    assert again.status_code == 400
    assert "No active release covers" in again.context["consent_refusal"]
    assert Share.objects.count() == 1
    assert east_intake.get(reverse("sharing:share-detail", args=[first.pk])).status_code == 404
    assert reveal_ssn(east_intake, first).status_code == 404
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL, subject_id=client.pk).exists()


def test_the_gate_counts_only_releases_the_disclosing_agency_obtained(
    intake, supervisor, other_intake, other_supervisor, eastside
):
    client = make_client(intake)
    foreign = recorded_the_old_way(client, eastside, other_intake, other_supervisor)
    ask = {"client": client, "categories": HOUSING, "purpose": Purpose.HOUSING_PLACEMENT, "recipient_agency": eastside}

    assert not check_consent(**ask).allowed
    assert not check_consent(**ask, disclosing_agency=eastside).allowed
    harbors = care_release(intake, supervisor, client, eastside)
    answer = check_consent(**ask)
    assert answer.allowed and answer.release == harbors != foreign
    assert check_consent(**ask, disclosing_agency=intake.agency).release == harbors
    # Only the record's agency discloses its client, whatever release exists.
    refused = check_consent(**ask, disclosing_agency=eastside)
    assert not refused.allowed and "holds the client's record" in refused.reason


# --- The "additional release" variant ---------------------------------------------------------


def test_the_disclosure_form_neither_offers_nor_accepts_another_agencys_additional_release(
    client_for, intake, other_intake, other_supervisor, eastside
):
    client = make_client(intake)
    foreign = recorded_the_old_way(
        client,
        eastside,
        other_intake,
        other_supervisor,
        kind=Release.Kind.ADDITIONAL,
        all_partners=False,
        outside_recipient_name="Maple Street Landlord",
        outside_recipient_key="maple street landlord",
        outside_recipient_contact="555-0100",
    )
    harbor_intake = client_for(intake)
    url = reverse("sharing:disclosure-create", args=[client.pk])

    page = harbor_intake.get(url)
    assert page.status_code == 200
    assert "Maple Street Landlord" not in page.content.decode()
    assert list(page.context["form"].fields["release"].queryset) == []

    posted = harbor_intake.post(
        url,
        {"release": str(foreign.pk), "categories": ["identity"], "purpose": "housing_placement", "method": "phone"},
    )
    assert posted.status_code == 400
    assert not Disclosure.objects.exists()
    with pytest.raises(ValidationError):
        actions.record_disclosure(
            acting_user=intake,
            client=client,
            release=foreign,
            categories=["identity"],
            purpose="housing_placement",
            method="phone",
        )
    assert not Disclosure.objects.exists()
    answer = check_consent(
        client=client, categories=["identity"], purpose="housing_placement", outside_recipient="Maple Street Landlord"
    )
    assert not answer.allowed


def test_the_outside_disclosure_is_recorded_under_the_record_agencys_own_release(
    intake, supervisor, other_intake, other_supervisor, eastside
):
    """With both agencies' additional releases naming the same recipient, the
    gate answers with harbor's, never eastside's (which covers more)."""
    client = make_client(intake)
    recorded_the_old_way(
        client,
        eastside,
        other_intake,
        other_supervisor,
        kind=Release.Kind.ADDITIONAL,
        all_partners=False,
        outside_recipient_name="Maple Street Landlord",
        outside_recipient_key="maple street landlord",
        outside_recipient_contact="555-0100",
    )
    harbors = outside_release(intake, supervisor, client, "Maple Street Landlord", categories=[DataCategory.IDENTITY])
    disclosure = actions.record_disclosure(
        acting_user=intake,
        client=client,
        release=harbors,
        categories=["identity"],
        purpose="housing_placement",
        method="phone",
    )
    assert disclosure.release == harbors
    with pytest.raises(ValidationError):
        actions.record_disclosure(
            acting_user=intake,
            client=client,
            release=harbors,
            categories=["identity", "health_disability"],
            purpose="housing_placement",
            method="phone",
        )


# --- A release expiring between the send and the opening -------------------------------------


def test_a_release_expiring_between_the_send_and_the_opening_ends_access(
    client_for, intake, supervisor, other_intake, other_supervisor, eastside
):
    client = make_client(intake)
    # Eastside's release (from before the fix) would outlive harbor's by a year.
    recorded_the_old_way(client, eastside, other_intake, other_supervisor)
    harbors = care_release(intake, supervisor, client, eastside)
    harbors = actions_expiring_in(harbors, days=10)
    share = actions.send_share(
        acting_user=intake, client=client, to_agency=eastside, purpose=Purpose.HOUSING_PLACEMENT, categories=HOUSING
    )
    assert share.release == harbors
    assert share.expires_at <= harbors.expires_at
    assert client_for(other_intake).get(reverse("sharing:share-detail", args=[share.pk])).status_code == 200

    # Opened after harbor's release expired, before the expiry job recorded it.
    with time_machine.travel(harbors.expires_at + datetime.timedelta(minutes=1), tick=False):
        east_intake = client_for(other_intake)
        assert east_intake.get(reverse("sharing:share-detail", args=[share.pk])).status_code == 404
        assert reveal_ssn(east_intake, share).status_code == 404
        assert east_intake.get(reverse("clients:detail", args=[client.pk]), follow=True).status_code == 404
    assert Release.objects.get(pk=harbors.pk).status == Release.Status.ACTIVE  # the job has not run
    assert not has_grant(client, eastside)


def actions_expiring_in(release, *, days):
    Release.objects.filter(pk=release.pk).update(expires_at=timezone.now() + datetime.timedelta(days=days))
    release.refresh_from_db()
    return release


# --- Release pages answer 404 to a partner ----------------------------------------------------

RELEASE_PAGES = [
    ("sharing:release-detail", "get", {}),
    ("sharing:release-approve", "post", {}),
    ("sharing:release-deny", "post", {"reason": "Not signed"}),
    ("sharing:release-revoke", "post", {"reason": "Client asked"}),
    ("sharing:release-evidence", "get", {}),
    ("sharing:release-print", "get", {}),
]


@pytest.fixture
def partner_world(intake, supervisor, other_intake, other_supervisor, eastside):
    """A harbor client referred to eastside, with harbor's own releases (one
    pending with evidence, one active) and eastside's release from before the fix."""
    from tests.builders.sharing import PNG, upload

    client = make_client(intake)
    active = care_release(intake, supervisor, client, eastside)
    pending = actions.record_release(
        acting_user=intake,
        client=client,
        kind=Release.Kind.CARE_COORDINATION,
        categories=[DataCategory.CONTACT],
        purposes=[Purpose.COUNSELING],
        consent_method=Release.Method.SIGNED_FORM,
        evidence=upload(PNG),
        effective_date=timezone.localdate(),
        recipient_agencies=[eastside],
    )
    share = actions.send_share(
        acting_user=intake, client=client, to_agency=eastside, purpose=Purpose.HOUSING_PLACEMENT, categories=HOUSING
    )
    foreign = recorded_the_old_way(client, eastside, other_intake, other_supervisor)
    return {"client": client, "active": active, "pending": pending, "share": share, "foreign": foreign}


def _leave_grant_behind(world, intake, eastside):
    """The referral ends but its grant stays (as before the sweep runs)."""
    actions.withdraw_share(acting_user=intake, share=world["share"])
    grant_client_access(group_or_user=eastside.group, client=world["client"])
    assert has_grant(world["client"], eastside)


@pytest.mark.parametrize("grant", ["live referral", "grant left behind", "no grant"])
@pytest.mark.parametrize("persona", ["other_intake", "other_supervisor"])
def test_every_release_page_answers_404_to_a_partner(
    request, client_for, intake, eastside, partner_world, grant, persona
):
    world = partner_world
    if grant == "grant left behind":
        _leave_grant_behind(world, intake, eastside)
    elif grant == "no grant":
        actions.withdraw_share(acting_user=intake, share=world["share"])
    http = client_for(request.getfixturevalue(persona))
    before = {r.pk: r.status for r in Release.objects.all()}

    answers = {}
    create = reverse("sharing:release-create", args=[world["client"].pk])
    answers["create"] = http.get(create).status_code
    answers["create-post"] = http.post(create, broad_release_form()).status_code
    for name, method, data in RELEASE_PAGES:
        for which in ("active", "pending", "foreign"):
            url = reverse(name, args=[world[which].pk])
            answers[f"{name} {which}"] = getattr(http, method)(url, data).status_code
    # An intake worker holds no "decide" permission at all: refused by role
    # (403) as in the authorization matrix, before any object is looked up.
    refused_by_role = persona == "other_intake"
    expected = {key: 403 if refused_by_role and ("-approve" in key or "-deny" in key) else 404 for key in answers}
    assert answers == expected
    assert {r.pk: r.status for r in Release.objects.all()} == before
    assert not AccessEvent.objects.filter(
        action__in=[AccessEvent.Action.EVIDENCE_VIEW, AccessEvent.Action.PRINT], actor__agency=eastside
    ).exists()


def test_the_actions_refuse_a_partner_whatever_the_view(
    intake, other_intake, other_supervisor, eastside, partner_world
):
    world = partner_world
    with pytest.raises(Http404):
        actions.record_release(
            acting_user=other_intake,
            client=world["client"],
            kind=Release.Kind.CARE_COORDINATION,
            all_partners=True,
            categories=EVERY_CATEGORY,
            purposes=EVERY_PURPOSE,
            consent_method=Release.Method.VERBAL_WITNESSED,
            witness_name="A. Witness",
            effective_date=timezone.localdate(),
        )
    for call in (
        lambda: actions.approve_release(acting_user=other_supervisor, release=world["pending"]),
        lambda: actions.deny_release(acting_user=other_supervisor, release=world["pending"], reason="No"),
        lambda: actions.revoke_release(acting_user=other_intake, release=world["active"]),
        lambda: actions.revoke_release(acting_user=other_intake, release=world["foreign"]),
        lambda: actions.record_evidence_viewed(acting_user=other_intake, release=world["pending"]),
        lambda: actions.record_summary_printed(acting_user=other_intake, release=world["foreign"]),
    ):
        with pytest.raises(Http404):
            call()
    assert Release.objects.get(pk=world["foreign"].pk).status == Release.Status.ACTIVE


def test_a_release_is_always_obtained_by_the_record_agency(intake, other_intake, eastside):
    client = make_client(intake)
    release = Release(
        client=client,
        obtaining_agency=eastside,
        kind=Release.Kind.CARE_COORDINATION,
        all_partners=True,
        categories=["identity"],
        purposes=["housing_placement"],
        consent_method=Release.Method.VERBAL_WITNESSED,
        witness_name="A. Witness",
        effective_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=30),
        requested_by=other_intake,
    )
    with pytest.raises(ValidationError) as error:
        release.full_clean()
    assert "obtaining_agency" in error.value.message_dict


# --- A grant left behind opens nothing but the referral page ----------------------------------


def test_a_grant_left_behind_opens_nothing_but_the_referral_page(
    client_for, intake, other_intake, eastside, partner_world
):
    world = partner_world
    _leave_grant_behind(world, intake, eastside)
    client = world["client"]
    http = client_for(other_intake)
    client_pages = [
        reverse("clients:detail", args=[client.pk]),
        reverse("clients:history", args=[client.pk]),
        reverse("clients:edit", args=[client.pk]),
        reverse("clients:enrol", args=[client.pk]),
        reverse("sharing:release-create", args=[client.pk]),
        reverse("sharing:share-create", args=[client.pk]),
        reverse("sharing:disclosure-create", args=[client.pk]),
    ]
    enrollment = make_enrollment(intake, client)
    client_pages += [
        reverse("clients:assess", args=[client.pk, enrollment.pk]),
        reverse("clients:exit", args=[client.pk, enrollment.pk]),
    ]
    # The client page hands a non-owner to the sharing app, which finds no live referral.
    answers = {url: http.get(url, follow=True).status_code for url in client_pages}
    for url in (reverse("clients:reveal", args=[client.pk]), reverse("clients:named-staff", args=[client.pk])):
        answers[url] = http.post(url, {"field": "ssn", "reason": "care", "staff_user": other_intake.pk}).status_code
    # 404 everywhere, as for a client that does not exist: a 403 would tell the partner it does.
    assert set(answers.values()) == {404}, answers
    # The referral page asks the gate (and the ended referral) and drops the grant.
    assert http.get(reverse("sharing:share-detail", args=[world["share"].pk])).status_code == 404
    assert not has_grant(client, eastside)


def test_the_referral_page_asks_the_gate_on_every_opening(client_for, intake, other_intake, eastside, partner_world):
    """Harbor's release ended without ending its referrals (a lost worker): the referral is
    still "sent" and the grant still there, and eastside's release from before
    the fix would cover it. The opening asks the gate, which refuses."""
    world = partner_world
    Release.objects.filter(pk=world["active"].pk).update(status=Release.Status.REVOKED)
    assert Share.objects.get(pk=world["share"].pk).status == Share.Status.SENT
    assert has_grant(world["client"], eastside)

    http = client_for(other_intake)
    assert http.get(reverse("sharing:share-detail", args=[world["share"].pk])).status_code == 404
    assert not has_grant(world["client"], eastside)
    assert http.get(reverse("clients:detail", args=[world["client"].pk]), follow=True).status_code == 404


# --- The record's agency sees and revokes every release on its client -----------------------


def test_the_record_agency_sees_and_revokes_a_release_another_agency_recorded(
    client_for, intake, supervisor, other_intake, other_supervisor, eastside
):
    client = make_client(intake)
    foreign = recorded_the_old_way(client, eastside, other_intake, other_supervisor)
    grant_client_access(group_or_user=eastside.group, client=client)
    harbor_intake = client_for(intake)

    section = harbor_intake.get(reverse("clients:detail", args=[client.pk])).context["releases"]
    assert [v.release for v in section["active"]] == [foreign]
    assert section["active"][0].recorded_elsewhere
    detail = harbor_intake.get(reverse("sharing:release-detail", args=[foreign.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "Eastside Housing Collective" in body and "cannot take consent for this record" in body
    assert detail.context["view"].can_revoke and not detail.context["view"].can_decide

    revoked = harbor_intake.post(reverse("sharing:release-revoke", args=[foreign.pk]), {"reason": "Client asked"})
    assert revoked.status_code == 302
    foreign.refresh_from_db()
    assert (foreign.status, foreign.ended_by, foreign.end_reason) == (Release.Status.REVOKED, intake, "Client asked")
    assert client_for(supervisor).get(reverse("sharing:release-print", args=[foreign.pk])).status_code == 200


def test_a_pending_release_another_agency_recorded_cannot_be_approved(
    client_for, intake, supervisor, other_intake, eastside
):
    client = make_client(intake)
    foreign = recorded_the_old_way(client, eastside, other_intake)
    with pytest.raises(ValidationError):
        actions.approve_release(acting_user=supervisor, release=foreign)
    assert Release.objects.get(pk=foreign.pk).status == Release.Status.PENDING
    response = client_for(supervisor).post(reverse("sharing:release-approve", args=[foreign.pk]))
    assert response.status_code == 302
    assert Release.objects.get(pk=foreign.pk).status == Release.Status.PENDING


# --- The data migration -----------------------------------------------------------------------


MIGRATION = ("sharing", "0003_revoke_releases_recorded_by_other_agencies")


def run_the_migration_twice():
    """Run the data migration's function where it ran: on the schema of its
    day (migrated back, then forward again to today's)."""
    try:
        migrate(BEFORE)
        historical = MigrationExecutor(connection).loader.project_state(MIGRATION, at_end=True).apps
        module = importlib.import_module(f"sharing.migrations.{MIGRATION[1]}")
        revoke = module.revoke_releases_recorded_by_other_agencies
        revoke(historical, None)
        revoke(historical, None)  # running it again changes nothing
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_the_migration_revokes_releases_another_agency_recorded_and_ends_what_they_allowed(
    client_for, intake, supervisor, other_intake, other_supervisor, eastside
):
    client = make_client(intake)
    other_client = make_client(intake, first_name="Other")
    harbors = care_release(intake, supervisor, other_client, eastside)
    foreign_active = recorded_the_old_way(client, eastside, other_intake, other_supervisor)
    foreign_pending = recorded_the_old_way(client, eastside, other_intake, categories=["contact"])
    foreign_denied = recorded_the_old_way(client, eastside, other_intake, categories=["identity"])
    Release.objects.filter(pk=foreign_denied.pk).update(status=Release.Status.DENIED, decision_reason="No")
    # A harbor referral the old gate let through under eastside's release.
    share = Share.objects.create(
        client=client,
        from_agency=intake.agency,
        to_agency=eastside,
        purpose=Purpose.HOUSING_PLACEMENT,
        categories=HOUSING,
        release=foreign_active,
        sent_by=intake,
        expires_at=timezone.now() + datetime.timedelta(days=90),
    )
    grant_client_access(group_or_user=eastside.group, client=client)
    kept_share = actions.send_share(
        acting_user=intake,
        client=other_client,
        to_agency=eastside,
        purpose=Purpose.HOUSING_PLACEMENT,
        categories=HOUSING,
    )

    run_the_migration_twice()

    foreign_active.refresh_from_db()
    assert foreign_active.status == Release.Status.REVOKED
    assert foreign_active.end_reason == FOREIGN_REASON and foreign_active.ended_at is not None
    change = ReleaseStatusChange.objects.get(subject=foreign_active)
    assert (change.from_status, change.to_status, change.note) == ("active", "revoked", FOREIGN_REASON)
    foreign_pending.refresh_from_db()
    assert (foreign_pending.status, foreign_pending.decision_reason) == (Release.Status.DENIED, FOREIGN_REASON)
    assert ReleaseStatusChange.objects.get(subject=foreign_pending).to_status == "denied"
    assert Release.objects.get(pk=foreign_denied.pk).decision_reason == "No"
    assert not ReleaseStatusChange.objects.filter(subject=foreign_denied).exists()
    assert Release.objects.get(pk=harbors.pk).status == Release.Status.ACTIVE

    share.refresh_from_db()
    assert share.status == Share.Status.EXPIRED and share.ended_at is not None
    change = share.status_changes.get(to_status="expired")
    assert (change.from_status, change.note) == ("sent", SHARE_NOTE)
    assert not has_grant(client, eastside)
    assert Share.objects.get(pk=kept_share.pk).status == Share.Status.SENT
    assert has_grant(other_client, eastside)
    assert not check_consent(
        client=client, categories=HOUSING, purpose=Purpose.HOUSING_PLACEMENT, recipient_agency=eastside
    ).allowed

    # Harbor reads why; the second run changed nothing.
    body = client_for(intake).get(reverse("sharing:release-detail", args=[foreign_active.pk])).content.decode()
    assert FOREIGN_REASON in body
    assert ReleaseStatusChange.objects.filter(subject__client=client).count() == 2
