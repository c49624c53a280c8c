"""Merging duplicate records: a supervisor within the agency, the system
admin across agencies; tombstones; undo within the undo period."""

import datetime
import json

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from clients import actions, matching, queries
from clients.masking import Viewer
from clients.models import Assessment, Client, Enrollment, PossibleDuplicate
from hmis.models import AccessEvent
from incidents import actions as incident_actions
from incidents.models import AffectedClient
from sharing import actions as sharing_actions
from sharing.models import Disclosure, Purpose, Release, Share
from tests.builders.clients import assessment_answers, make_client, make_enrollment
from tests.builders.sharing import care_release, housing_share, outside_release
from tests.canaries import CANARY_ADDRESS, CANARY_EMAIL, CANARY_FIRST, CANARY_LAST, CANARY_PHONE, CANARY_SSN

NEW_FIRST, NEW_LAST, NEW_SSN = "Quillionare", "Zebrafinchly", "219873457"
CANARIES = (CANARY_FIRST, CANARY_LAST, NEW_FIRST, NEW_LAST, CANARY_SSN, NEW_SSN, CANARY_PHONE, CANARY_EMAIL)


@pytest.fixture
def pair(intake, supervisor):
    """Two records of one person at harbor: the second, a typo away, is on the supervisor's list."""
    existing = make_client(intake)
    duplicate = make_client(intake, first_name=NEW_FIRST, last_name=NEW_LAST, ssn=NEW_SSN, phone="555-000-1111")
    found = PossibleDuplicate.objects.get(new_client=duplicate, existing_client=existing)
    return existing, duplicate, found


def search_ids(user, first, last):
    return [m.client.id for m in queries.search_clients(user, Viewer(names=True), first_name=first, last_name=last)]


def test_a_strong_match_within_the_agency_goes_to_its_supervisors_list_only(pair, supervisor, other_supervisor):
    *_, found = pair
    assert list(queries.open_duplicates_for(supervisor)) == [found]
    assert not queries.open_duplicates_for(other_supervisor).exists()


def test_supervisor_merges_two_own_records_and_everything_moves(pair, intake, supervisor, eastside, system_admin):
    existing, duplicate, found = pair
    enrollment = make_enrollment(intake, duplicate)
    actions.record_assessment(acting_user=intake, enrollment=enrollment, **assessment_answers())
    care = care_release(intake, supervisor, duplicate, eastside)
    share = housing_share(intake, duplicate, eastside)
    outside = outside_release(intake, supervisor, duplicate, "County Health Department")
    disclosure = sharing_actions.record_disclosure(
        acting_user=intake,
        client=duplicate,
        release=outside,
        categories=list(outside.categories),
        purpose=Purpose.HOUSING_PLACEMENT,
        method=Disclosure.Method.PHONE,
    )
    incident = incident_actions.report_incident(
        acting_user=intake,
        category="lost_device",
        occurred_at=timezone.now(),
        discovered_at=timezone.now(),
        description="Laptop lost",
        affected_clients=[duplicate.pk],
    )
    actions.record_client_opened(acting_user=supervisor, client=duplicate)
    events_before = AccessEvent.objects.filter(subject_id=duplicate.pk).count()

    merge = actions.merge_clients(
        acting_user=supervisor, kept=existing, merged=duplicate, choices={"ssn": "merged", "phone": "merged"}
    )

    existing.refresh_from_db()
    duplicate.refresh_from_db()
    # The chosen values, and blind indexes that match them.
    assert (existing.first_name, existing.ssn, existing.phone) == (CANARY_FIRST, NEW_SSN, "555-000-1111")
    expected = Client(first_name=CANARY_FIRST, last_name=CANARY_LAST, dob=existing.dob, ssn=NEW_SSN)
    expected.refresh_indexes()
    for column in (*matching.INDEX_COLUMNS, matching.NEIGHBOUR_COLUMN):
        assert getattr(existing, column) == getattr(expected, column)
    # Everything about the client is on the kept record now.
    assert Enrollment.objects.get(pk=enrollment.pk).client == existing
    assert Assessment.objects.filter(enrollment__client=existing).count() == 1
    assert {r.pk for r in Release.objects.filter(client=existing)} == {care.pk, outside.pk}
    assert Share.objects.get(pk=share.pk).client == existing
    assert Disclosure.objects.get(pk=disclosure.pk).client == existing
    assert AffectedClient.objects.get(incident=incident).client == existing
    assert not AccessEvent.objects.filter(subject_id=duplicate.pk).exclude(action="merge").exists()
    assert AccessEvent.objects.filter(subject_id=existing.pk).count() >= events_before
    # The duplicate is a tombstone that nobody's scope or search returns.
    assert duplicate.merged_into == existing
    assert duplicate.name_bidx is None and duplicate.name_neighbour_bidx is None
    assert duplicate.first_name == NEW_FIRST  # kept (encrypted) for an undo
    assert not queries.clients_visible_to(supervisor).filter(pk=duplicate.pk).exists()
    assert duplicate.pk not in search_ids(supervisor, NEW_FIRST, NEW_LAST)
    assert search_ids(supervisor, CANARY_FIRST, CANARY_LAST) == [existing.pk]
    found.refresh_from_db()
    assert found.status == PossibleDuplicate.Status.DUPLICATE and found.resolved_by == supervisor
    # What moved is on the merge, ids only.
    assert str(enrollment.pk) in merge.moved["clients.enrollment"]
    assert str(share.pk) in merge.moved["sharing.share"]
    assert json.dumps(merge.moved).find(CANARY_FIRST) == -1


def test_tombstone_url_opens_the_kept_record_and_is_404_for_others(pair, supervisor, other_supervisor, client_for):
    existing, duplicate, _ = pair
    actions.merge_clients(acting_user=supervisor, kept=existing, merged=duplicate, choices={})
    response = client_for(supervisor).get(f"/clients/{duplicate.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/clients/{existing.pk}/"
    assert client_for(other_supervisor).get(f"/clients/{duplicate.pk}/").status_code == 404
    assert client_for(supervisor).get(f"/clients/{duplicate.pk}/edit/").status_code == 404


def test_intake_worker_may_not_merge(pair, intake):
    existing, duplicate, _ = pair
    with pytest.raises(PermissionDenied):
        actions.merge_clients(acting_user=intake, kept=existing, merged=duplicate, choices={})


def test_supervisor_may_not_merge_across_agencies(intake, other_intake, supervisor, client_for):
    ours = make_client(intake)
    theirs = make_client(other_intake)
    cross = PossibleDuplicate.objects.get(new_client=theirs)
    with pytest.raises(Http404):
        actions.merge_clients(acting_user=supervisor, kept=ours, merged=theirs, choices={})
    assert client_for(supervisor).get(f"/clients/duplicates/{cross.pk}/merge/").status_code == 404
    assert Client.objects.get(pk=theirs.pk).merged_into is None


def test_system_admin_merges_across_agencies_and_the_other_agency_sees_only_what_consent_allows(
    intake, other_intake, other_supervisor, system_admin, client_for
):
    ours = make_client(intake)
    theirs = make_client(other_intake)
    their_enrollment = make_enrollment(other_intake, theirs)
    actions.merge_clients(acting_user=system_admin, kept=ours, merged=theirs, choices={"name": "merged"})
    ours.refresh_from_db()
    assert ours.owning_agency == intake.agency
    # Eastside's enrollment stays in its project, under the kept record...
    assert Enrollment.objects.get(pk=their_enrollment.pk).client == ours
    # ...but eastside, holding no referral with consent, does not see harbor's record.
    assert not queries.clients_visible_to(other_supervisor).filter(pk=ours.pk).exists()
    browser = client_for(other_supervisor)
    assert browser.get(f"/clients/{ours.pk}/").status_code == 404
    assert browser.get(f"/clients/{theirs.pk}/").status_code == 404
    assert str(ours.reference).encode() not in browser.get("/clients/").content


def test_system_admin_undoes_a_merge_within_the_period(pair, intake, supervisor, eastside, system_admin):
    existing, duplicate, found = pair
    enrollment = make_enrollment(intake, duplicate)
    care_release(intake, supervisor, duplicate, eastside)
    share = housing_share(intake, duplicate, eastside)
    before = {name: getattr(existing, name) for name in actions.CLIENT_FIELDS}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        merge = actions.merge_clients(
            acting_user=supervisor, kept=existing, merged=duplicate, choices={"name": "merged", "ssn": "merged"}
        )
    with pytest.raises(PermissionDenied):
        actions.unmerge_clients(acting_user=supervisor, merge=merge)
    with time_machine.travel(start + datetime.timedelta(days=29), tick=False):
        actions.unmerge_clients(acting_user=system_admin, merge=merge)

    existing.refresh_from_db()
    duplicate.refresh_from_db()
    assert {name: getattr(existing, name) for name in actions.CLIENT_FIELDS} == before
    assert duplicate.merged_into is None and duplicate.first_name == NEW_FIRST
    assert Enrollment.objects.get(pk=enrollment.pk).client == duplicate
    assert Share.objects.get(pk=share.pk).client == duplicate
    assert duplicate.pk in search_ids(supervisor, NEW_FIRST, NEW_LAST)
    assert search_ids(supervisor, CANARY_FIRST, CANARY_LAST)[0] == existing.pk
    expected = Client(first_name=CANARY_FIRST, last_name=CANARY_LAST, dob=existing.dob, ssn=CANARY_SSN)
    expected.refresh_indexes()
    assert existing.ssn4_dob_bidx == expected.ssn4_dob_bidx
    found.refresh_from_db()
    assert found.status == PossibleDuplicate.Status.OPEN
    merge.refresh_from_db()
    assert merge.undone_by == system_admin
    with pytest.raises(ValidationError, match="already undone"):
        actions.unmerge_clients(acting_user=system_admin, merge=merge)


def test_undo_is_refused_after_the_period(pair, supervisor, system_admin, client_for):
    existing, duplicate, _ = pair
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        merge = actions.merge_clients(acting_user=supervisor, kept=existing, merged=duplicate, choices={})
    with time_machine.travel(start + datetime.timedelta(days=31), tick=False):
        with pytest.raises(ValidationError, match="30 days only"):
            actions.unmerge_clients(acting_user=system_admin, merge=merge)
        browser = client_for(system_admin)
        page = browser.post(f"/clients/merges/{merge.pk}/undo/", follow=True)
        assert b"can be undone for 30 days only" in page.content
    assert Client.objects.get(pk=duplicate.pk).merged_into_id == existing.pk


def test_merge_and_undo_are_in_both_histories_and_audited_without_pii(pair, supervisor, system_admin, caplog):
    existing, duplicate, _ = pair
    merge = actions.merge_clients(
        acting_user=supervisor, kept=existing, merged=duplicate, choices={"name": "merged", "phone": "merged"}
    )
    actions.unmerge_clients(acting_user=system_admin, merge=merge)
    for client in (existing, duplicate):
        actions_seen = [e.action for e in queries.history_of(supervisor, client, limit=100)]
        assert AccessEvent.Action.MERGE in actions_seen and AccessEvent.Action.UNMERGE in actions_seen
    entries = LogEntry.objects.get_for_object(merge)
    assert entries.filter(action=LogEntry.Action.CREATE, actor=supervisor).exists()
    assert entries.filter(actor=system_admin, changes__has_key="undone_at").exists()
    audit_text = json.dumps([e.changes for e in LogEntry.objects.all()]) + " ".join(
        e.detail for e in AccessEvent.objects.all()
    )
    logs = caplog.text
    for canary in CANARIES:
        assert canary not in audit_text
        assert canary not in logs


def test_supervisor_merges_through_the_pages(pair, supervisor, client_for):
    existing, duplicate, found = pair
    browser = client_for(supervisor)
    page = browser.get(f"/clients/duplicates/{found.pk}/merge/")
    assert page.status_code == 200
    assert b"\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2-\xe2\x80\xa2\xe2\x80\xa2-3456" in page.content  # masked SSN
    assert CANARY_PHONE.encode() not in page.content
    choices = {"keep": "a", "name": "a", "ssn": "b", "dob": "a", "race_ethnicity": "a", "sex": "a"}
    choices |= {"veteran_status": "a", "phone": "b", "email": "a", "last_permanent_address": "a"}
    confirm = browser.post(f"/clients/duplicates/{found.pk}/merge/", choices)
    assert b"Merge these two records?" in confirm.content and b"0 enrollments" in confirm.content
    assert not Client.objects.get(pk=duplicate.pk).merged_into_id
    done = browser.post(f"/clients/duplicates/{found.pk}/merge/", {**choices, "confirmed": "yes"})
    assert done["Location"] == f"/clients/{existing.pk}/"
    existing.refresh_from_db()
    assert existing.ssn == NEW_SSN and existing.first_name == CANARY_FIRST
    assert CANARY_ADDRESS.encode() not in browser.get("/clients/duplicates/").content
