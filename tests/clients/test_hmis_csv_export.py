"""HMIS CSV export: own agency only, de-identified by default, PII only with a
supervisor, a reason and a second person, audited and watermarked."""

import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from clients import actions as client_actions
from clients.hmis_csv import actions, schema
from clients.hmis_csv.models import HmisExport
from hmis.models import AccessEvent, Role
from tests.builders.clients import assessment_answers, make_client, make_enrollment
from tests.builders.factories import AgencyFactory, UserFactory
from tests.builders.hmis_csv import export_bytes, headers, read_zip, zip_text
from tests.canaries import CANARY_DOB, CANARY_FIRST, CANARY_LAST, CANARY_SSN

TODAY = datetime.date.today()
START, END = TODAY - datetime.timedelta(days=365), TODAY


@pytest.fixture
def second_supervisor(harbor):
    return UserFactory(username="harbor-supervisor-2", agency=harbor, roles=[Role.SUPERVISOR])


@pytest.fixture
def harbor_data(intake):
    client = make_client(intake)
    enrollment = make_enrollment(intake, client)
    client_actions.record_assessment(acting_user=intake, enrollment=enrollment, **assessment_answers())
    return client, enrollment


def pii_export(supervisor, approver, reason="HUD APR for the CoC"):
    export = actions.request_export(
        acting_user=supervisor, start_date=START, end_date=END, with_pii=True, reason=reason
    )
    return actions.approve_export(acting_user=approver, export=export)


def test_default_export_is_deidentified_and_keeps_data_quality(supervisor, harbor_data):
    client, enrollment = harbor_data
    export = actions.request_export(acting_user=supervisor, start_date=START, end_date=END)
    data = export_bytes(export)
    text = zip_text(data)
    for canary in (CANARY_FIRST, CANARY_LAST, CANARY_SSN, "x" + CANARY_SSN[-4:], CANARY_DOB.isoformat()):
        assert canary not in text
    files = read_zip(data)
    (row,) = files["Client.csv"]
    assert row["PersonalID"] == client.pk.hex
    assert (row["FirstName"], row["LastName"], row["SSN"]) == ("", "", "")
    assert row["DOB"] == f"{CANARY_DOB.year}-01-01"
    assert (row["NameDataQuality"], row["SSNDataQuality"], row["DOBDataQuality"]) == ("1", "1", "1")
    assert row["White"] == "1" and row["Asian"] == "0" and row["Sex"] == "0"
    assert files["Export.csv"][0]["HashStatus"] == "1"
    assert files["Export.csv"][0]["CSVVersion"] == schema.CSV_VERSION
    (enrolled,) = files["Enrollment.csv"]
    assert enrolled["EnrollmentID"] == enrollment.pk.hex
    assert enrolled["LivingSituation"] == "116" and enrolled["DisablingCondition"] == "1"
    assert files["IncomeBenefits.csv"][0]["TotalMonthlyIncome"] == "640.00"
    assert headers(data) == {name: schema.BY_NAME[name].header for name in files}
    assert set(files) == set(schema.BY_NAME)


def test_export_holds_only_the_agency_own_clients_never_shared_in(supervisor, intake, other_intake, harbor_data):
    theirs = make_client(other_intake, first_name="Other", last_name="Person", ssn="219870001")
    make_enrollment(other_intake, theirs)
    # Shared into harbor (a live referral grant): still not harbor's to export.
    client_actions.grant_client_access(group_or_user=Group.objects.get(agency=intake.agency), client=theirs)
    export = actions.request_export(acting_user=supervisor, start_date=START, end_date=END)
    files = read_zip(export_bytes(export))
    assert [r["PersonalID"] for r in files["Client.csv"]] == [harbor_data[0].pk.hex]
    assert {r["OrganizationID"] for r in files["Project.csv"]} == {intake.agency.pk.hex}


def test_only_enrollments_active_in_the_period_are_exported(supervisor, intake):
    old = make_client(intake, first_name="Old", ssn="219870002")
    enrollment = make_enrollment(intake, old, entry_date=TODAY - datetime.timedelta(days=100))
    client_actions.exit_enrollment(
        acting_user=intake, enrollment=enrollment, exit_date=TODAY - datetime.timedelta(days=90), destination=410
    )
    export = actions.request_export(
        acting_user=supervisor, start_date=TODAY - datetime.timedelta(days=30), end_date=TODAY
    )
    files = read_zip(export_bytes(export))
    assert files["Client.csv"] == [] and files["Exit.csv"] == []


def test_pii_export_needs_a_supervisor_a_reason_and_a_second_person(
    supervisor, second_supervisor, agency_lead, intake, security_officer, other_supervisor
):
    with pytest.raises(PermissionDenied):
        actions.request_export(acting_user=intake, start_date=START, end_date=END, with_pii=True, reason="x")
    with pytest.raises(ValidationError) as refused:
        actions.request_export(acting_user=agency_lead, start_date=START, end_date=END, with_pii=True, reason="x")
    assert "Only a supervisor" in str(refused.value)
    with pytest.raises(ValidationError) as no_reason:
        actions.request_export(acting_user=supervisor, start_date=START, end_date=END, with_pii=True, reason=" ")
    assert "Say why" in str(no_reason.value)
    export = actions.request_export(acting_user=supervisor, start_date=START, end_date=END, with_pii=True, reason="APR")
    assert export.status == HmisExport.Status.AWAITING_APPROVAL
    with pytest.raises(ValidationError):
        actions.run_export(export=export, out=io.BytesIO())  # not approved yet
    with pytest.raises(ValidationError):
        actions.approve_export(acting_user=supervisor, export=export)  # not oneself
    with pytest.raises(PermissionDenied):
        actions.approve_export(acting_user=security_officer, export=export)
    with pytest.raises(PermissionDenied):
        actions.approve_export(acting_user=other_supervisor, export=export)  # another agency
    assert actions.approve_export(acting_user=agency_lead, export=export).status == HmisExport.Status.QUEUED
    second = actions.request_export(acting_user=supervisor, start_date=START, end_date=END, with_pii=True, reason="x")
    assert actions.approve_export(acting_user=second_supervisor, export=second).approved_by == second_supervisor


def test_pii_export_is_watermarked_and_in_every_client_access_history(supervisor, agency_lead, harbor_data):
    client, _ = harbor_data
    export = pii_export(supervisor, agency_lead)
    files = read_zip(export_bytes(export))
    (row,) = files["Client.csv"]
    assert (row["FirstName"], row["LastName"], row["SSN"], row["DOB"]) == (
        CANARY_FIRST,
        CANARY_LAST,
        CANARY_SSN,
        CANARY_DOB.isoformat(),
    )
    source = files["Export.csv"][0]["SourceID"]
    assert export.pk.hex in source and "harbor-supervisor" in source and "harbor-lead" in source
    assert "HUD APR for the CoC" in source
    export.refresh_from_db()
    assert "PII" in export.file_name and export.pk.hex[:8] in export.file_name
    event = AccessEvent.objects.get(subject_id=client.pk, action=AccessEvent.Action.EXPORT)
    assert event.actor == supervisor and event.fields == ["identifying"] and export.pk.hex[:8] in event.detail


def test_anonymous_and_confidential_records_never_carry_pii(supervisor, agency_lead, intake):
    anonymous = make_client(intake, is_anonymous=True)
    make_enrollment(intake, anonymous)
    confidential = make_client(intake, first_name="Quiet", ssn="219870009", confidential=True)
    make_enrollment(intake, confidential)
    text = zip_text(export_bytes(pii_export(supervisor, agency_lead)))
    assert "Quiet" not in text and "219870009" not in text and CANARY_LAST not in text


def test_a_victim_service_provider_export_never_carries_pii(db):
    vsp = AgencyFactory(slug="safe-haven", name="Safe Haven", is_victim_service_provider=True)
    worker = UserFactory(username="vsp-intake", agency=vsp, roles=[Role.INTAKE])
    boss = UserFactory(username="vsp-supervisor", agency=vsp, roles=[Role.SUPERVISOR])
    lead = UserFactory(username="vsp-lead", agency=vsp, roles=[Role.AGENCY_LEAD])
    client = client_actions.create_client(
        acting_user=worker,
        name_data_quality=9,
        ssn_data_quality=9,
        dob_data_quality=9,
        race_ethnicity=[9],
        sex=0,
        veteran_status=0,
    )
    make_enrollment(worker, client)
    files = read_zip(export_bytes(pii_export(boss, lead)))
    assert files["Organization.csv"][0]["VictimServiceProvider"] == "1"
    (row,) = files["Client.csv"]
    assert (row["FirstName"], row["SSN"], row["DOB"], row["RaceNone"]) == ("", "", "", "9")


def test_formula_cells_are_neutralised(supervisor, agency_lead, intake):
    client = make_client(intake, first_name="=HYPERLINK(1)", last_name="+Plus", ssn="219870003")
    make_enrollment(intake, client)
    files = read_zip(export_bytes(pii_export(supervisor, agency_lead)))
    row = next(r for r in files["Client.csv"] if r["PersonalID"] == client.pk.hex)
    assert row["FirstName"].startswith("'=") and row["LastName"] == "'+Plus"


def test_command_writes_a_watermarked_pii_zip(tmp_path, supervisor, agency_lead, harbor_data):
    out = tmp_path / "harbor.zip"
    stdout = io.StringIO()
    call_command(
        "export_hmis_csv",
        "--agency=harbor",
        f"--start={START}",
        f"--end={END}",
        f"--out={out}",
        "--with-pii",
        "--reason=APR",
        "--requested-by=harbor-supervisor",
        "--approved-by=harbor-lead",
        stdout=stdout,
    )
    (written,) = list(tmp_path.iterdir())
    assert "-PII-harbor-supervisor" in written.name
    assert CANARY_LAST.encode() in __import__("zipfile").ZipFile(written).read("Client.csv")
    assert "1 clients" in stdout.getvalue()


def test_command_refuses_pii_without_approval(tmp_path, harbor_data):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "export_hmis_csv",
            "--agency=harbor",
            f"--start={START}",
            f"--end={END}",
            f"--out={tmp_path}/x.zip",
            "--with-pii",
            "--reason=x",
            "--requested-by=harbor-supervisor",
        )
    assert list(tmp_path.iterdir()) == []
