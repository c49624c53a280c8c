"""A big HMIS CSV file is indexed and encrypted on worker processes: what they make
is what the import makes on its own (the same records, tokens, indexes and links)."""

import io
import os

import pytest

from clients import matching
from clients.hmis_csv import actions, importer
from clients.models import Client, Enrollment
from tests.builders.clients import make_client
from tests.builders.hmis_csv import build_zip, client_row
from tests.clients.test_hmis_csv_round_trip import comparable, every_list_value, round_trip


def on_workers(monkeypatch):
    """Every file goes to the workers, one client or assessment per batch."""
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(importer, "BATCH", 1)
    started = []
    real = importer._batch_mapper.__init__

    def spy(self, rows):
        real(self, rows)
        started.append(self.pool is not None)

    monkeypatch.setattr(importer._batch_mapper, "__init__", spy)
    return started


def test_round_trip_through_the_workers_gives_the_same_file(intake, supervisor, agency_lead, monkeypatch):
    started = on_workers(monkeypatch)
    every_list_value(intake)
    first, second, hmis_import = round_trip(intake, supervisor, agency_lead)
    assert started == [True, True]  # checking, then writing
    assert hmis_import.clients_created == Client.objects.filter(owning_agency=intake.agency).count() > 20
    assert comparable(first) == comparable(second)


def test_workers_index_like_intake_and_link_the_same_person(agency_lead, intake, monkeypatch):
    started = on_workers(monkeypatch)
    existing = make_client(intake)
    other = client_row(
        PersonalID="5" * 32,
        FirstName="Quintessa",
        LastName="Marlowe-Brandt",
        SSN="",
        DOB="",
        SSNDataQuality="99",
        DOBDataQuality="99",
    )
    enrollments = [
        {
            "EnrollmentID": f"{n}" * 32,
            "PersonalID": personal,
            "ProjectID": "3" * 32,
            "EntryDate": "2024-01-02",
            "HouseholdID": f"h{n}",
            "RelationshipToHoH": "1",
            "LivingSituation": "116",
            "LengthOfStay": "4",
            "DisablingCondition": "0",
        }
        for n, personal in ((2, "1" * 32), (6, "5" * 32))
    ]
    hmis_import, checked = actions.run_import(
        acting_user=agency_lead,
        agency=agency_lead.agency,
        source=io.BytesIO(build_zip(clients=[client_row(), other], enrollments=enrollments)),
    )
    assert checked.clean and started == [True, True]  # checking, then writing
    assert hmis_import.clients_linked == 1 and hmis_import.clients_created == 1
    assert Enrollment.objects.get(client=existing)
    created = Client.objects.get(pk="5" * 32)
    assert (created.first_name, created.last_name, created.ssn, created.dob) == (
        "Quintessa",
        "Marlowe-Brandt",
        None,
        None,
    )
    assert created.name_neighbour_bidx == matching.stored_neighbour_keys("Quintessa", "Marlowe-Brandt")
    expected = matching.Pieces.of(first_name="Quintessa", last_name="Marlowe-Brandt").keys()
    assert {column: getattr(created, column) for column in matching.INDEX_COLUMNS} == expected


def _mapper_in_this_process(_):
    """Run in a daemonic billiard process, as in a Celery prefork worker."""
    import billiard

    with importer._batch_mapper(importer.PARALLEL_MIN_ROWS) as mapper:
        used_pool = mapper.pool is not None
        doubled = list(mapper(abs, [-1, -2, -3]))
    return billiard.current_process().daemon, used_pool, doubled


def test_a_daemonic_worker_process_still_starts_the_worker_processes():
    """A Celery prefork worker's process is daemonic: the standard library's pool refuses
    to start there, billiard's (the one the import uses) starts."""
    import billiard

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: the import never starts workers")
    with billiard.get_context("fork").Pool(1) as pool:
        daemonic, used_pool, results = pool.apply(_mapper_in_this_process, (None,))
    assert daemonic and used_pool and results == [1, 2, 3]
