"""The release status machine: every move allowed and refused, the four-eyes
rule, and the single "release ended" step that ends referrals and removes grants."""

import datetime
from itertools import product

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from clients.models import ClientGroupObjectPermission
from hmis.status import IllegalTransition
from sharing import actions
from sharing.models import Release, ReleaseStatusChange, Share
from tests.builders.clients import make_client
from tests.builders.sharing import active_release, care_release, force_window, housing_share, record

pytestmark = pytest.mark.django_db
S = Release.Status


def has_grant(client, agency):
    return ClientGroupObjectPermission.objects.filter(content_object=client, group=agency.group).exists()


ALLOWED = {(S.PENDING, S.ACTIVE), (S.PENDING, S.DENIED), (S.ACTIVE, S.REVOKED), (S.ACTIVE, S.EXPIRED)}


def test_the_table_is_exactly_the_designed_machine():
    assert set(Release.TRANSITIONS) == ALLOWED


@pytest.mark.parametrize(("old", "new"), [p for p in product(S.values, S.values)])
def test_move_to_allows_only_the_table(intake, supervisor, harbor_client, old, new):
    release = record(intake, harbor_client, recipient_agencies=[], all_partners=True)
    Release.objects.filter(pk=release.pk).update(status=old, decision_reason="Set up")
    release.refresh_from_db()
    if (old, new) in ALLOWED:
        release.move_to(new, by=supervisor, note="Because")
        release.refresh_from_db()
        assert release.status == new
        change = release.status_changes.get()
        assert (change.from_status, change.to_status, change.changed_by, change.note) == (
            old,
            new,
            supervisor,
            "Because",
        )
    else:
        with pytest.raises(IllegalTransition):
            release.move_to(new, by=supervisor, note="Because")
        release.refresh_from_db()
        assert release.status == old
        assert not release.status_changes.exists()


def test_intake_records_a_pending_release(intake, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    assert release.status == S.PENDING
    assert release.requested_by == intake
    assert release.obtaining_agency == intake.agency
    assert release.recipient_agency_ids == [eastside.pk]


def test_expiry_defaults_to_one_year(intake, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    assert (release.expires_at - release.effective_at).days == 365
    assert timezone.localtime(release.effective_at).time() == datetime.time(0, 0)


def test_supervisor_approves_a_release_someone_else_recorded(intake, supervisor, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    actions.approve_release(acting_user=supervisor, release=release)
    assert release.status == S.ACTIVE
    assert (release.decided_by, release.decided_at is not None) == (supervisor, True)


def test_supervisor_cannot_approve_own_release(supervisor, harbor_client, eastside):
    release = record(supervisor, harbor_client, recipient_agencies=[eastside])
    with pytest.raises(PermissionDenied):
        actions.approve_release(acting_user=supervisor, release=release)
    with pytest.raises(PermissionDenied):
        actions.deny_release(acting_user=supervisor, release=release, reason="No")
    release.refresh_from_db()
    assert release.status == S.PENDING


def test_another_supervisor_decides_a_supervisors_release(supervisor, second_supervisor, harbor_client, eastside):
    release = record(supervisor, harbor_client, recipient_agencies=[eastside])
    actions.approve_release(acting_user=second_supervisor, release=release)
    assert release.status == S.ACTIVE


def test_the_database_refuses_a_self_decided_release(supervisor, harbor_client, eastside):
    release = record(supervisor, harbor_client, recipient_agencies=[eastside])
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(status=S.ACTIVE, decided_by=supervisor)


def test_intake_cannot_decide(intake, other_intake, harbor_client, eastside, supervisor):
    release = record(supervisor, harbor_client, recipient_agencies=[eastside])
    with pytest.raises(PermissionDenied):
        actions.approve_release(acting_user=intake, release=release)


def test_another_agencys_supervisor_cannot_see_the_release(intake, other_supervisor, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    with pytest.raises(Http404):
        actions.approve_release(acting_user=other_supervisor, release=release)


def test_a_denial_needs_a_reason(intake, supervisor, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    with pytest.raises(ValidationError) as error:
        actions.deny_release(acting_user=supervisor, release=release, reason="  ")
    assert "reason" in error.value.message_dict
    actions.deny_release(acting_user=supervisor, release=release, reason="The form is not signed.")
    assert (release.status, release.decision_reason) == (S.DENIED, "The form is not signed.")


def test_a_decided_release_cannot_be_decided_again(intake, supervisor, second_supervisor, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    actions.approve_release(acting_user=supervisor, release=release)
    with pytest.raises(IllegalTransition):
        actions.approve_release(acting_user=second_supervisor, release=release)
    with pytest.raises(IllegalTransition):
        actions.deny_release(acting_user=second_supervisor, release=release, reason="Late")


def test_a_release_past_its_expiry_cannot_be_approved(intake, supervisor, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    force_window(release, timezone.now() - datetime.timedelta(days=3), timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError):
        actions.approve_release(acting_user=supervisor, release=release)


def test_approval_rechecks_that_named_partners_are_still_verified(intake, supervisor, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    type(eastside).objects.filter(pk=eastside.pk).update(verified_at=None)
    with pytest.raises(ValidationError) as error:
        actions.approve_release(acting_user=supervisor, release=release)
    assert "recipient_agencies" in error.value.message_dict


@pytest.mark.parametrize("revoker", ["intake", "supervisor"])
def test_intake_or_supervisor_revokes_at_the_clients_request(
    request, intake, supervisor, harbor_client, eastside, revoker
):
    release = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside])
    user = request.getfixturevalue(revoker)
    actions.revoke_release(acting_user=user, release=release, reason="Client called to withdraw")
    assert release.status == S.REVOKED
    assert (release.ended_by, release.end_reason) == (user, "Client called to withdraw")
    assert release.ended_at <= timezone.now()


def test_revocation_has_a_default_reason(intake, supervisor, harbor_client, eastside):
    release = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside])
    actions.revoke_release(acting_user=intake, release=release)
    assert release.end_reason == actions.REVOCATION_REASON


@pytest.mark.parametrize("persona", ["security_officer", "agency_lead", "other_intake", "other_supervisor"])
def test_others_cannot_revoke(request, intake, supervisor, harbor_client, eastside, persona):
    release = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside])
    with pytest.raises((PermissionDenied, Http404)):
        actions.revoke_release(acting_user=request.getfixturevalue(persona), release=release)
    release.refresh_from_db()
    assert release.status == S.ACTIVE


def test_a_pending_release_cannot_be_revoked(intake, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    with pytest.raises(IllegalTransition):
        actions.revoke_release(acting_user=intake, release=release)


def test_revocation_needs_a_person(intake, supervisor, harbor_client, eastside):
    release = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside])
    with pytest.raises(PermissionDenied):
        actions.end_release(release=release, status=S.REVOKED, acting_user=None, reason="x")


def test_expiry_is_refused_before_the_expiry_moment(intake, supervisor, harbor_client, eastside):
    release = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside])
    with pytest.raises(ValidationError):
        actions.end_release(release=release, status=S.EXPIRED, reason="Early")
    assert not actions.expire_release(release_id=release.pk)
    release.refresh_from_db()
    assert release.status == S.ACTIVE


def test_end_release_only_ends(intake, supervisor, harbor_client, eastside):
    release = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside])
    with pytest.raises(ValueError):
        actions.end_release(release=release, status=S.DENIED, acting_user=supervisor, reason="x")


@pytest.fixture
def referred(intake, supervisor, eastside):
    """An active release naming eastside and a live referral to eastside under it."""
    client = make_client(intake)
    release = care_release(intake, supervisor, client, eastside)
    share = housing_share(intake, client, eastside)
    assert has_grant(client, eastside)
    return release, share


def test_revocation_ends_the_referrals_and_removes_the_grant(intake, eastside, referred):
    release, share = referred
    actions.revoke_release(acting_user=intake, release=release)
    share.refresh_from_db()
    assert share.status == Share.Status.EXPIRED and share.end_reason == "The client's release ended."
    assert not has_grant(share.client, eastside)


def test_expiry_ends_the_referrals_and_removes_the_grant(eastside, referred):
    release, share = referred
    force_window(release, release.effective_at - datetime.timedelta(days=5), timezone.now())
    assert actions.expire_release(release_id=release.pk)
    assert not actions.expire_release(release_id=release.pk)  # a second run does nothing
    release.refresh_from_db()
    assert (release.status, release.ended_by, release.end_reason) == (S.EXPIRED, None, actions.EXPIRY_REASON)
    share.refresh_from_db()
    assert share.status == Share.Status.EXPIRED
    assert not has_grant(share.client, eastside)


def test_a_failing_grant_removal_rolls_the_ending_back(monkeypatch, intake, eastside, referred):
    release, share = referred

    def broken(**kwargs):
        raise RuntimeError("grant removal failed")

    monkeypatch.setattr("sharing.actions.shares.sync_grant", broken)
    with pytest.raises(RuntimeError):
        actions.revoke_release(acting_user=intake, release=release)
    release.refresh_from_db()
    share.refresh_from_db()
    assert release.status == S.ACTIVE
    assert not ReleaseStatusChange.objects.filter(subject=release, to_status=S.REVOKED).exists()
    assert share.status == Share.Status.SENT
    assert has_grant(share.client, eastside)


def test_pending_decisions_and_endings_are_all_recorded_in_order(intake, supervisor, harbor_client, eastside):
    release = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside])
    actions.revoke_release(acting_user=intake, release=release)
    moves = list(release.status_changes.values_list("from_status", "to_status", "changed_by"))
    assert moves == [(S.PENDING, S.ACTIVE, supervisor.pk), (S.ACTIVE, S.REVOKED, intake.pk)]


def test_create_decision_and_revocation_are_in_the_audit_log(intake, supervisor, harbor_client, eastside):
    from auditlog.models import LogEntry

    release = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside])
    actions.revoke_release(acting_user=intake, release=release)
    entries = LogEntry.objects.get_for_object(release).order_by("timestamp")
    assert [(e.action, e.actor) for e in entries] == [
        (LogEntry.Action.CREATE, intake),
        (LogEntry.Action.UPDATE, supervisor),
        (LogEntry.Action.UPDATE, intake),
    ]
    assert "revoked" in str(entries.last().changes)
