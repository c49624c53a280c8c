"""HMIS CSV import: checked first, all or nothing, matched through the blind
indexes, encrypted and indexed like the intake form, audited, never twice."""

import datetime
import io
import uuid

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from clients import matching
from clients.hmis_csv import actions, importer
from clients.hmis_csv.models import HmisImport
from clients.models import Assessment, Client, Enrollment, PossibleDuplicate, Project
from hmis.crypto import decrypt_text
from hmis.fernet_batch import encrypt_many
from hmis.models import AccessEvent
from tests.builders.clients import make_client
from tests.builders.hmis_csv import PERSONAL_ID, build_zip, client_row
from tests.canaries import CANARY_DOB, CANARY_FIRST, CANARY_LAST, CANARY_SSN

TODAY = datetime.date.today()


def run(user, data, **kwargs):
    return actions.run_import(acting_user=user, agency=user.agency, source=io.BytesIO(data), **kwargs)


def test_a_clean_file_creates_encrypted_indexed_audited_records(agency_lead):
    data = build_zip(
        income=[
            {
                "IncomeBenefitsID": "4" * 32,
                "EnrollmentID": "2" * 32,
                "PersonalID": PERSONAL_ID,
                "InformationDate": (TODAY - datetime.timedelta(days=10)).isoformat(),
                "IncomeFromAnySource": "1",
                "TotalMonthlyIncome": "640.00",
                "DataCollectionStage": "1",
            }
        ]
    )
    hmis_import, checked = run(agency_lead, data)
    assert checked.clean and hmis_import.status == HmisImport.Status.DONE
    client = Client.objects.get(owning_agency=agency_lead.agency)
    assert client.pk.hex == PERSONAL_ID  # the source identifier is kept when free
    assert (client.first_name, client.last_name, client.ssn, client.dob) == (
        CANARY_FIRST,
        CANARY_LAST,
        CANARY_SSN,
        CANARY_DOB,
    )
    expected = matching.Pieces.of(first_name=CANARY_FIRST, last_name=CANARY_LAST, dob=CANARY_DOB, ssn=CANARY_SSN)
    assert client.name_bidx == expected.keys()["name_bidx"] and client.ssn4_dob_bidx
    # Found by a name-only search with a typo, like a client typed in at intake.
    assert client.name_neighbour_bidx == matching.stored_neighbour_keys(CANARY_FIRST, CANARY_LAST)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, ssn FROM clients_client WHERE id = %s", [client.pk])
        stored = cursor.fetchone()
    assert CANARY_FIRST not in stored[0] and CANARY_SSN not in stored[1]
    assessment = Assessment.objects.get()
    assert assessment.monthly_income == 640 and assessment.income_from_any_source == 1
    assert assessment.domestic_violence_survivor == 99 and assessment.prior_living_situation == 116
    assert Project.objects.get(agency=agency_lead.agency).name == "Imported Shelter"
    tag = {"hmis_import": str(hmis_import.pk)}
    assert LogEntry.objects.filter(additional_data=tag).count() == 4  # project, client, enrollment, assessment
    event = AccessEvent.objects.get(subject_id=client.pk)
    assert event.action == "create" and hmis_import.pk.hex[:8] in event.detail


def test_problems_are_reported_in_plain_words_and_nothing_is_written(agency_lead):
    bad = client_row(PersonalID="9" * 32, Sex="7", SSN="219870000", FirstName="")
    data = build_zip(clients=[client_row(), bad])
    hmis_import, checked = run(agency_lead, data)
    assert hmis_import is None
    lines = list(checked.report.lines())
    assert "Client.csv row 3, Sex: 7 is not one of the allowed values (0, 1, 8, 9, 99)" in lines
    assert Client.objects.count() == 0 and Project.objects.filter(agency=agency_lead.agency).count() == 0
    assert HmisImport.objects.count() == 0


def test_product_rules_are_checked_too(agency_lead):
    bad = client_row(SSN="123456789")
    _, checked = run(agency_lead, build_zip(clients=[bad]), dry_run=True)
    assert checked.report.problems[0][:3] == ["Client.csv", 2, "SSN"]
    assert "placeholder" in checked.report.problems[0][3]
    assert ["Enrollment.csv", 2, "PersonalID", "names no valid client of Client.csv"] in checked.report.problems


def test_valid_rows_only_imports_the_rest(agency_lead):
    bad = client_row(PersonalID="9" * 32, Sex="7")
    hmis_import, checked = run(agency_lead, build_zip(clients=[client_row(), bad]), valid_rows_only=True)
    assert hmis_import.clients_created == 1 and hmis_import.problem_count == 1
    assert Client.objects.count() == 1


def test_dry_run_writes_nothing(agency_lead):
    hmis_import, checked = run(agency_lead, build_zip(), dry_run=True)
    assert hmis_import is None and checked.clean and Client.objects.count() == 0


def test_the_same_file_is_never_imported_twice(agency_lead):
    data = build_zip()
    run(agency_lead, data)
    with pytest.raises(ValidationError) as again:
        run(agency_lead, data)
    assert "already imported" in str(again.value)
    # Another file carrying the same records: they are skipped, not duplicated.
    hmis_import, _ = run(agency_lead, build_zip(skip=("Exit.csv",)))
    assert hmis_import.clients_created == 0 and hmis_import.records_skipped == 3
    assert Client.objects.count() == 1 and Enrollment.objects.count() == 1


def test_an_existing_client_of_the_agency_is_linked_not_duplicated(agency_lead, intake):
    existing = make_client(intake)
    hmis_import, _ = run(agency_lead, build_zip())
    assert hmis_import.clients_linked == 1 and hmis_import.clients_created == 0
    assert Enrollment.objects.get().client == existing


def test_a_later_batch_of_the_file_is_matched_against_the_records_it_made(agency_lead, monkeypatch):
    """Each batch is matched against the clients the batches before it created (ranked on
    the values they were made from, as decrypting them would give): the same person
    again links, a near match goes to duplicate review."""
    monkeypatch.setattr(importer, "BATCH", 1)
    twin = client_row(PersonalID="6" * 32)
    near = client_row(PersonalID="7" * 32, FirstName=CANARY_FIRST + "e")
    hmis_import, checked = run(agency_lead, build_zip(clients=[client_row(), twin, near]))
    assert checked.clean
    assert (hmis_import.clients_created, hmis_import.clients_linked, hmis_import.possible_duplicates) == (2, 1, 1)
    first = Client.objects.get(pk=PERSONAL_ID)
    duplicate = PossibleDuplicate.objects.get()
    assert duplicate.existing_client == first and str(duplicate.new_client_id) == str(uuid.UUID("7" * 32))


def test_a_strong_match_at_another_agency_goes_to_duplicate_review(agency_lead, other_intake):
    theirs = make_client(other_intake)
    hmis_import, _ = run(agency_lead, build_zip(clients=[client_row(FirstName="Quillionair")]))
    assert hmis_import.clients_created == 1 and hmis_import.possible_duplicates == 1
    duplicate = PossibleDuplicate.objects.get()
    assert duplicate.existing_client == theirs and duplicate.found_by == agency_lead


def test_a_row_without_identifiers_becomes_an_anonymous_record(agency_lead):
    anonymous = client_row(
        FirstName="", LastName="", SSN="", DOB="", NameDataQuality="9", SSNDataQuality="9", DOBDataQuality="9"
    )
    run(agency_lead, build_zip(clients=[anonymous]))
    client = Client.objects.get()
    assert client.is_anonymous and client.name_bidx is None


def test_a_partial_ssn_keeps_its_last_four(agency_lead):
    run(agency_lead, build_zip(clients=[client_row(SSN="xxxxx3456", SSNDataQuality="2")]))
    assert Client.objects.get().ssn == "3456"


def test_a_victim_service_provider_refuses_identifying_values(agency_lead):
    agency = agency_lead.agency
    agency.is_victim_service_provider = True
    agency.save()
    _, checked = run(agency_lead, build_zip(), dry_run=True)
    assert {p[2] for p in checked.report.problems} >= {"FirstName", "SSN", "DOB"}


def test_only_the_system_admin_or_the_agency_own_lead_imports(agency_lead, supervisor, other_agency_lead, system_admin):
    with pytest.raises(PermissionDenied):
        run(supervisor, build_zip())
    with pytest.raises(PermissionDenied):
        actions.run_import(acting_user=other_agency_lead, agency=agency_lead.agency, source=io.BytesIO(build_zip()))
    hmis_import, _ = actions.run_import(
        acting_user=system_admin, agency=agency_lead.agency, source=io.BytesIO(build_zip())
    )
    assert hmis_import.status == HmisImport.Status.DONE


def test_a_failure_halfway_leaves_nothing(agency_lead, monkeypatch):
    from clients.hmis_csv import importer

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_write_enrollments", broken)
    with pytest.raises(RuntimeError):
        run(agency_lead, build_zip())
    assert Client.objects.count() == 0 and HmisImport.objects.count() == 0
    assert Project.objects.filter(agency=agency_lead.agency).count() == 0


def test_missing_files_and_bad_zips_are_reported(agency_lead):
    _, checked = run(agency_lead, build_zip(skip=("Client.csv",)), dry_run=True)
    assert ["Client.csv", None, "", "is missing from the zip"] in checked.report.problems
    _, checked = run(agency_lead, b"not a zip", dry_run=True)
    assert list(checked.report.lines()) == ["(the file): is not a zip file"]


def test_command_reports_problems_and_refuses(tmp_path, agency_lead):
    path = tmp_path / "in.zip"
    path.write_bytes(build_zip(clients=[client_row(Sex="7")]))
    stdout = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_hmis_csv", str(path), "--agency=harbor", "--user=harbor-lead", stdout=stdout)
    assert "Nothing was written" in str(refused.value)
    assert "Client.csv row 2, Sex" in stdout.getvalue()
    path.write_bytes(build_zip())
    call_command("import_hmis_csv", str(path), "--agency=harbor", "--user=harbor-lead", stdout=stdout)
    assert "1 clients created" in stdout.getvalue()


def test_batch_encryption_makes_standard_tokens():
    values = ["Maria", "", None, "x" * 15, "y" * 40, "Zoë"]
    tokens = encrypt_many(values)
    assert tokens[2] is None
    assert [decrypt_text(t) for t in tokens if t] == [v for v in values if v is not None]
    assert len(set(encrypt_many(["same", "same"]))) == 2  # a random IV each


def test_blind_index_is_still_standard_hmac_sha256(settings):
    import hashlib
    import hmac

    from hmis.blind_index import blind_index

    for key in ("k" * 40, "long-" * 30):
        settings.HMIS_BLIND_INDEX_KEY = key
        expected = hmac.new(key.encode(), b"name_bidx\x00LEE|ANN", hashlib.sha256).hexdigest()[:5]
        assert blind_index("name_bidx", "LEE|ANN", bits=20) == expected


def test_a_name_alone_never_links_to_an_existing_client(agency_lead, intake):
    make_client(intake, ssn=None, ssn_data_quality=99, dob=None, dob_data_quality=99)
    name_only = client_row(SSN="", SSNDataQuality="99", DOB="", DOBDataQuality="99")
    hmis_import, _ = run(agency_lead, build_zip(clients=[name_only]))
    assert hmis_import.clients_linked == 0 and hmis_import.clients_created == 1
