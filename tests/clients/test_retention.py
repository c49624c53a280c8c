"""Retention under a controlled clock: which records are counted, what keeps
one, what de-identifying erases and keeps, legal holds, and the audit.

The batches run in-process here; tests/clients/test_retention_worker.py runs
them on a real Celery worker."""

import ast
import datetime
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clients import actions, queries, retention
from clients.masking import Viewer
from clients.models import Assessment, Client, LegalHold, RetentionRun
from clients.signals import retention_rules
from hmis.models import AccessEvent
from sharing import actions as sharing_actions
from sharing import evidence
from sharing.models import Release
from tests.builders.clients import assessment_answers, make_client, make_enrollment
from tests.builders.hmis_csv import export_bytes, read_zip
from tests.builders.sharing import care_release, housing_share, outside_release, record, upload
from tests.canaries import CANARY_DOB, CANARY_FIRST, CANARY_LAST, CANARY_PHONE, CANARY_SSN

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2031, 3, 10, 12, 0, tzinfo=datetime.UTC)
CUTOFF = NOW.replace(year=NOW.year - 7)
LONG_AGO = CUTOFF - datetime.timedelta(days=1)  # changed 7 years and a day ago
NOT_SO_LONG_AGO = CUTOFF + datetime.timedelta(days=1)  # 7 years less a day


def at(moment):
    return time_machine.travel(moment, tick=False)


def client_at(moment, intake, **values):
    """A client whose only enrollment ended the day it began."""
    with at(moment):
        client = make_client(intake, **values)
        enrollment = make_enrollment(intake, client, entry_date=moment.date())
        actions.record_assessment(
            acting_user=intake,
            enrollment=enrollment,
            **assessment_answers(assessment_date=moment.date(), notes="Sleeps at the 7th street bridge"),
        )
        actions.exit_enrollment(acting_user=intake, enrollment=enrollment, exit_date=moment.date(), destination=101)
    return client


def count_now(system_admin):
    with at(NOW):
        return retention.plan_retention(acting_user=system_admin)


def counted(system_admin):
    run = count_now(system_admin)
    return run.planned_counts if run else {}


def confirm_and_run(system_admin, run, django_capture_on_commit_callbacks):
    with at(NOW + datetime.timedelta(hours=1)):
        with django_capture_on_commit_callbacks() as queued:
            retention.confirm_retention_run(acting_user=system_admin, run=run)
        assert len(queued) == 1  # the worker is asked only after the commit
        return retention.run_confirmed(run.pk)


# --- What is due --------------------------------------------------------------------------


def test_changed_seven_years_and_a_day_ago_is_counted_a_day_less_is_not(intake, system_admin, harbor):
    client_at(LONG_AGO, intake)
    client_at(NOT_SO_LONG_AGO, intake, first_name="Recent", ssn="219870011")
    assert counted(system_admin) == {str(harbor.pk): 1}


def test_counts_are_per_agency(intake, other_intake, system_admin, harbor, eastside):
    client_at(LONG_AGO, intake)
    client_at(LONG_AGO, intake, first_name="Second", ssn="219870012")
    client_at(LONG_AGO, other_intake, first_name="Third", ssn="219870013")
    assert counted(system_admin) == {str(harbor.pk): 2, str(eastside.pk): 1}


def _edit_own_field(intake, supervisor, eastside, client):
    actions.update_client(acting_user=intake, client=client, phone="555-0199")


def _new_enrollment_exited(intake, supervisor, eastside, client):
    today = datetime.date.today()
    enrollment = make_enrollment(intake, client, entry_date=today)
    actions.exit_enrollment(acting_user=intake, enrollment=enrollment, exit_date=today, destination=101)


def _exit_backdated(intake, supervisor, eastside, client):
    # An enrollment left open long ago, exited now with its old date: exiting is the change.
    with at(LONG_AGO - datetime.timedelta(days=400)):
        enrollment = make_enrollment(intake, client, entry_date=datetime.date.today(), project=None)
    actions.exit_enrollment(acting_user=intake, enrollment=enrollment, exit_date=enrollment.entry_date, destination=101)


def _assessment(intake, supervisor, eastside, client):
    # Recorded late, dated within the old enrollment: recording it is the change.
    enrollment = client.enrollments.get()
    actions.record_assessment(
        acting_user=intake, enrollment=enrollment, **assessment_answers(assessment_date=enrollment.entry_date)
    )


def _release(intake, supervisor, eastside, client):
    care_release(intake, supervisor, client, eastside)


def _referral(intake, supervisor, eastside, client):
    care_release(intake, supervisor, client, eastside)
    housing_share(intake, client, eastside)


@pytest.mark.parametrize(
    "change", [_edit_own_field, _new_enrollment_exited, _exit_backdated, _assessment, _release, _referral]
)
def test_any_change_to_the_record_within_the_period_keeps_it(change, intake, supervisor, eastside, system_admin):
    client = client_at(LONG_AGO - datetime.timedelta(days=800), intake)
    with at(NOT_SO_LONG_AGO):
        change(intake, supervisor, eastside, client)
    assert counted(system_admin) == {}


def _open_enrollment(intake, supervisor, system_admin, eastside, client):
    with at(LONG_AGO):
        make_enrollment(intake, client, entry_date=LONG_AGO.date())


def _live_release(intake, supervisor, system_admin, eastside, client):
    with at(LONG_AGO):
        release = care_release(intake, supervisor, client, eastside)
    # Still in force today (long releases, or one imported with its dates).
    Release.objects.filter(pk=release.pk).update(expires_at=NOW + datetime.timedelta(days=30))


def _open_incident(intake, supervisor, system_admin, eastside, client):
    from incidents import actions as incident_actions

    with at(LONG_AGO):
        incident_actions.report_incident(
            acting_user=intake,
            category="lost_device",
            occurred_at=LONG_AGO - datetime.timedelta(hours=2),
            discovered_at=LONG_AGO - datetime.timedelta(hours=1),
            description="Laptop left on the bus",
            affected_clients=[client.pk],
        )


def _legal_hold(intake, supervisor, system_admin, eastside, client):
    with at(NOW):
        retention.set_legal_hold(acting_user=system_admin, client=client, reason="Court order 2031-CV-118")


@pytest.mark.parametrize("keep", [_open_enrollment, _live_release, _open_incident, _legal_hold])
def test_each_exclusion_keeps_an_old_record(keep, intake, supervisor, system_admin, eastside, harbor):
    kept = client_at(LONG_AGO - datetime.timedelta(days=2), intake)
    client_at(LONG_AGO - datetime.timedelta(days=2), intake, first_name="Other", ssn="219870014")
    keep(intake, supervisor, system_admin, eastside, kept)
    assert counted(system_admin) == {str(harbor.pk): 1}


def test_a_closed_incident_or_an_ended_release_keeps_nothing(intake, supervisor, system_admin, eastside, harbor):
    client = client_at(LONG_AGO - datetime.timedelta(days=2), intake)
    with at(LONG_AGO - datetime.timedelta(days=2)):
        care_release(intake, supervisor, client, eastside)  # expired years ago (the sweep never ran)
    assert counted(system_admin) == {str(harbor.pk): 1}


def test_sharing_and_incidents_both_tell_the_retention_job_what_keeps_a_client():
    """Without their answers an old client with a live release would be erased."""
    receivers = {receiver.__module__ for receiver, _rules in retention_rules.send(sender=Client, now=timezone.now())}
    assert receivers == {"sharing.retention", "incidents.retention"}


def test_the_clients_app_retention_imports_no_feature_app():
    tree = ast.parse(Path(retention.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {name for name in imported if name.split(".")[0] in ("sharing", "incidents")}


def test_a_newer_count_replaces_the_one_waiting(intake, system_admin):
    client_at(LONG_AGO, intake)
    first = count_now(system_admin)
    second = count_now(system_admin)
    first.refresh_from_db()
    assert first.status == RetentionRun.Status.SUPERSEDED
    assert second.status == RetentionRun.Status.PLANNED
    with pytest.raises(ValidationError):
        retention.confirm_retention_run(acting_user=system_admin, run=first)


def test_a_count_older_than_two_days_must_be_made_again(intake, system_admin):
    client_at(LONG_AGO, intake)
    run = count_now(system_admin)
    with at(NOW + datetime.timedelta(days=3)), pytest.raises(ValidationError, match="Count again"):
        retention.confirm_retention_run(acting_user=system_admin, run=run)


# --- De-identification ----------------------------------------------------------------------


def test_confirmed_run_deidentifies_in_batches_and_keeps_hud_data(
    intake, system_admin, settings, django_capture_on_commit_callbacks
):
    settings.HMIS_RETENTION_BATCH_SIZE = 2
    old = [client_at(LONG_AGO, intake, first_name=f"Old{n}", ssn=f"21987002{n}") for n in range(3)]
    kept = client_at(NOT_SO_LONG_AGO, intake)
    run = count_now(system_admin)
    assert confirm_and_run(system_admin, run, django_capture_on_commit_callbacks) == "done"
    run.refresh_from_db()
    assert (run.status, run.batches, run.deidentified) == (RetentionRun.Status.DONE, 2, 3)
    for client in old:
        client.refresh_from_db()
        assert client.retained_deidentified_at == NOW + datetime.timedelta(hours=1)
        assert (client.first_name, client.last_name, client.ssn, client.dob, client.phone, client.email) == (None,) * 6
        assert client.last_permanent_address is None
        assert client.birth_year == CANARY_DOB.year
        assert (client.name_data_quality, client.ssn_data_quality, client.race_ethnicity) == (1, 1, [5])
        assert client.name_bidx is None and client.ssn4_dob_bidx is None and client.name_neighbour_bidx is None
        assert client.enrollments.count() == 1
    assessments = Assessment.objects.filter(enrollment__client__in=old)
    assert [a.notes for a in assessments] == [None, None, None]
    assert {a.monthly_income for a in assessments} == {640}
    kept.refresh_from_db()
    assert kept.first_name == CANARY_FIRST and kept.retained_deidentified_at is None


def test_deidentifying_erases_consent_forms_and_the_free_text_of_releases_referrals_and_disclosures(
    intake, supervisor, system_admin, eastside, django_capture_on_commit_callbacks
):
    client = client_at(LONG_AGO - datetime.timedelta(days=3), intake)
    with at(LONG_AGO - datetime.timedelta(days=2)):  # all expired years ago
        signed = record(
            intake,
            client,
            recipient_agencies=[eastside],
            consent_method=Release.Method.SIGNED_FORM,
            evidence=upload(),
            witness_name="",
        )
        sharing_actions.record_evidence_viewed(acting_user=supervisor, release=signed)
        signed = sharing_actions.approve_release(acting_user=supervisor, release=signed)
        outside = outside_release(intake, supervisor, client, f"{CANARY_FIRST}'s sister")
        care_release(intake, supervisor, client, eastside)
        share = housing_share(intake, client, eastside, justification=f"{CANARY_LAST} needs a quiet room")
        disclosure = sharing_actions.record_disclosure(
            acting_user=intake,
            client=client,
            release=outside,
            categories=outside.categories,
            purpose=outside.purposes[0],
            method="phone",
            description=f"Told the sister {CANARY_PHONE}",
        )
    form_path = evidence._path(signed.evidence_file)
    assert form_path.exists()
    run = count_now(system_admin)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_and_run(system_admin, run, django_capture_on_commit_callbacks)
    signed.refresh_from_db()
    outside.refresh_from_db()
    share.refresh_from_db()
    disclosure.refresh_from_db()
    assert (signed.evidence_file, signed.has_evidence) == ("", False)
    assert not form_path.exists()
    assert (outside.outside_recipient_name, outside.outside_recipient_contact, outside.witness_name) == ("", None, "")
    assert (share.justification, disclosure.recipient, disclosure.description) == ("", "", "")
    # What was shared, with whom and when stays for the accounting of disclosures.
    assert (share.to_agency, share.purpose, disclosure.method) == (eastside, "housing_placement", "phone")


def test_a_rerun_changes_nothing(intake, system_admin, django_capture_on_commit_callbacks):
    client = client_at(LONG_AGO, intake)
    run = count_now(system_admin)
    confirm_and_run(system_admin, run, django_capture_on_commit_callbacks)
    client.refresh_from_db()
    done_at = client.retained_deidentified_at
    with at(NOW + datetime.timedelta(days=1)):
        assert retention.run_confirmed(run.pk) == "skipped"
        assert retention.deidentify_batch(run) == 0
        assert retention.plan_retention(acting_user=system_admin) is None
    client.refresh_from_db()
    run.refresh_from_db()
    assert client.retained_deidentified_at == done_at and run.deidentified == 1


def test_a_redelivered_run_carries_on_without_repeating(intake, system_admin, settings):
    settings.HMIS_RETENTION_BATCH_SIZE = 1
    for n in range(2):
        client_at(LONG_AGO, intake, first_name=f"Old{n}", ssn=f"21987003{n}")
    run = count_now(system_admin)
    with at(NOW):
        retention.confirm_retention_run(acting_user=system_admin, run=run)
        # The worker died after its first batch; the broker delivers the message again.
        RetentionRun.objects.filter(pk=run.pk).update(status=RetentionRun.Status.RUNNING)
        assert retention.deidentify_batch(run) == 1
        assert retention.run_confirmed(run.pk) == "done"
    run.refresh_from_db()
    assert (run.status, run.deidentified, run.batches) == (RetentionRun.Status.DONE, 2, 2)


def test_search_no_longer_finds_a_deidentified_client(intake, system_admin, django_capture_on_commit_callbacks):
    client_at(LONG_AGO, intake)

    def found():
        staff = Viewer(names=True)
        exact = queries.search_clients(intake, staff, first_name=CANARY_FIRST, last_name=CANARY_LAST, dob=CANARY_DOB)
        one_typo_name_only = queries.search_clients(intake, staff, first_name=CANARY_FIRST + "x", last_name=CANARY_LAST)
        return len(exact) + len(one_typo_name_only)

    assert found() == 2
    confirm_and_run(system_admin, count_now(system_admin), django_capture_on_commit_callbacks)
    assert found() == 0


def test_a_legal_hold_set_after_the_count_keeps_the_record(intake, system_admin, django_capture_on_commit_callbacks):
    held = client_at(LONG_AGO, intake)
    run = count_now(system_admin)
    with at(NOW):
        retention.set_legal_hold(acting_user=system_admin, client=held, reason="Subpoena 44-B")
    confirm_and_run(system_admin, run, django_capture_on_commit_callbacks)
    held.refresh_from_db()
    assert held.first_name == CANARY_FIRST and held.retained_deidentified_at is None


def test_audit_holds_counts_never_names(intake, system_admin, django_capture_on_commit_callbacks):
    client = client_at(LONG_AGO, intake)
    events_before = AccessEvent.objects.count()
    run = count_now(system_admin)
    confirm_and_run(system_admin, run, django_capture_on_commit_callbacks)
    entries = LogEntry.objects.filter(content_type__model="retentionrun", object_pk=str(run.pk))
    assert any("deidentified" in str(entry.changes) for entry in entries)
    assert entries.filter(actor=system_admin).count() == entries.count()
    everything = " ".join(str(e.changes) for e in LogEntry.objects.filter(timestamp__gte=NOW))
    for value in (CANARY_FIRST, CANARY_LAST, CANARY_SSN, CANARY_PHONE, str(client.pk)):
        assert value not in everything
    assert AccessEvent.objects.count() == events_before


# --- Pages --------------------------------------------------------------------------------


def test_the_system_admin_sees_counts_per_agency_and_confirms_on_a_page(
    intake, system_admin, client_for, harbor, django_capture_on_commit_callbacks
):
    # Signed in on the real clock: the record is 7 years and a day older than today.
    client_at(retention.retention_cutoff(timezone.now()) - datetime.timedelta(days=1), intake)
    http = client_for(system_admin)
    http.post(reverse("clients:retention-plan"))
    page = http.get(reverse("clients:retention")).content.decode()
    run = RetentionRun.objects.get(status=RetentionRun.Status.PLANNED)
    assert harbor.name in page and 'id="retention-total">1<' in page
    assert CANARY_FIRST not in page and CANARY_LAST not in page
    confirm_url = reverse("clients:retention-confirm", args=[run.pk])
    question = http.get(confirm_url).content.decode()
    assert f"{harbor.name}: 1 record." in question and "cannot be undone" in question
    with django_capture_on_commit_callbacks() as queued:
        response = http.post(confirm_url)
    assert response.status_code == 302 and len(queued) == 1
    run.refresh_from_db()
    assert run.status == RetentionRun.Status.CONFIRMED and run.confirmed_by == system_admin


def test_a_deidentified_record_says_so_and_cannot_be_edited(
    intake, system_admin, client_for, django_capture_on_commit_callbacks
):
    client = client_at(LONG_AGO, intake)
    confirm_and_run(system_admin, count_now(system_admin), django_capture_on_commit_callbacks)
    http = client_for(intake)
    page = http.get(reverse("clients:detail", args=[client.pk])).content.decode()
    assert "Identifying details removed on" in page and "under the retention policy" in page
    for value in (CANARY_FIRST, CANARY_LAST, CANARY_SSN[-4:], CANARY_PHONE, CANARY_DOB.isoformat()):
        assert value not in page
    assert reverse("clients:edit", args=[client.pk]) not in page
    assert http.get(reverse("clients:edit", args=[client.pk])).status_code == 403
    client.refresh_from_db()
    with pytest.raises(PermissionDenied):
        actions.update_client(acting_user=intake, client=client, phone="555-0100")


def test_hmis_csv_export_still_carries_a_deidentified_record(
    intake, supervisor, system_admin, django_capture_on_commit_callbacks
):
    from clients.hmis_csv import actions as csv_actions

    client_at(LONG_AGO, intake)
    confirm_and_run(system_admin, count_now(system_admin), django_capture_on_commit_callbacks)
    export = csv_actions.request_export(
        acting_user=supervisor, start_date=LONG_AGO.date() - datetime.timedelta(days=1), end_date=datetime.date.today()
    )
    files = read_zip(export_bytes(export))
    (row,) = files["Client.csv"]
    assert (row["FirstName"], row["LastName"], row["SSN"], row["DOB"]) == ("", "", "", "")
    assert (row["NameDataQuality"], row["White"], row["VeteranStatus"]) == ("1", "1", "0")
    assert len(files["Enrollment.csv"]) == 1 and len(files["Exit.csv"]) == 1


# --- Legal holds and who may do what ------------------------------------------------------


def test_legal_hold_needs_a_reason_and_its_release_lets_the_policy_apply(intake, system_admin, client_for, harbor):
    client = client_at(LONG_AGO, intake)
    http = client_for(system_admin)
    http.post(reverse("clients:legal-holds"), {"reference": client.reference.lower(), "reason": " "})
    assert not LegalHold.objects.exists()
    http.post(reverse("clients:legal-holds"), {"reference": client.reference, "reason": "Court order 2031-CV-118"})
    hold = LegalHold.objects.get(client=client, released_at__isnull=True)
    assert "Court order 2031-CV-118" in http.get(reverse("clients:legal-holds")).content.decode()
    assert counted(system_admin) == {}
    http.post(reverse("clients:legal-hold-release", args=[hold.pk]), {"reason": "Case closed"})
    hold.refresh_from_db()
    assert hold.released_by == system_admin and hold.release_reason == "Case closed"
    assert counted(system_admin) == {str(harbor.pk): 1}


def test_only_the_system_admin_counts_confirms_and_holds(intake, supervisor, agency_lead, security_officer):
    client = make_client(intake)
    for user in (intake, supervisor, agency_lead, security_officer):
        with pytest.raises(PermissionDenied):
            retention.plan_retention(acting_user=user)
        with pytest.raises(PermissionDenied):
            retention.set_legal_hold(acting_user=user, client=client, reason="No")


def test_retention_shorter_than_seven_years_is_refused_at_start_up():
    def start(years):
        return subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env={
                **__import__("os").environ,
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "HMIS_RETENTION_YEARS": years,
            },
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
        )

    refused = start("5")
    assert refused.returncode != 0
    assert "HMIS_RETENTION_YEARS must be at least 7: HUD's HMIS privacy standards" in refused.stderr
    assert start("10").returncode == 0
