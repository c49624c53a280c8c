"""The one status machine (``hmis.status``), for every model built on it:
its table is made of real statuses and leaves none unreachable, a move not in
the table is refused and writes nothing, and a move in it writes exactly one
history row saying who, when and why."""

from itertools import product

import pytest
from django.apps import apps
from django.utils import timezone

from clients.actions import request_correction
from clients.models import RetentionRun
from hmis.status import IllegalTransition, StatusHistory, StatusMachine
from sharing import actions as sharing_actions
from tests.builders.clients import make_client
from tests.builders.incidents import report
from tests.builders.sharing import care_release, housing_share, record

MACHINES = sorted(
    (m for m in apps.get_models() if issubclass(m, StatusMachine) and not m._meta.abstract),
    key=lambda m: m._meta.label,
)


def statuses(machine):
    return set(machine.status_labels())


def test_the_four_machines_are_built_on_it():
    labels = {m._meta.label for m in MACHINES}
    assert {"sharing.Release", "sharing.Share", "sharing.ExternalRequest", "incidents.Incident"} <= labels


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m._meta.label)
def test_the_table_names_real_statuses_and_labels_each_move(machine):
    assert machine.TRANSITIONS
    for (frm, to), label in machine.TRANSITIONS.items():
        assert {frm, to} <= statuses(machine), (frm, to)
        assert frm != to
        assert isinstance(label, str) and label.strip()


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m._meta.label)
def test_every_status_is_the_initial_one_or_reachable(machine):
    initial = machine._meta.get_field("status").default
    reachable = {to for _frm, to in machine.TRANSITIONS}
    assert initial in statuses(machine)
    assert statuses(machine) - reachable - {initial} == set()


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m._meta.label)
def test_each_machine_has_its_own_history_with_a_foreign_key(machine):
    history = machine._meta.get_field("status_changes").related_model
    assert issubclass(history, StatusHistory)
    assert history._meta.get_field("subject").related_model is machine


# --- Moves, on a real record of each machine ----------------------------------------------


def new_release(intake, supervisor, eastside):
    return record(intake, make_client(intake), recipient_agencies=[eastside])


def new_share(intake, supervisor, eastside):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    return housing_share(intake, client, eastside)


def new_external_request(intake, supervisor, eastside):
    return sharing_actions.record_external_request(
        acting_user=intake,
        requester_name="A caller",
        requester_type="unknown_caller",
        channel="phone",
        what_was_asked="Whether someone stays at the shelter",
    )


def new_incident(intake, supervisor, eastside):
    return report(intake)


def new_correction_request(intake, supervisor, eastside):
    client = make_client(intake)
    return request_correction(
        acting_user=intake, client=client, field="phone", requested_value="555-000-1234", reason="New phone"
    )


def force_correction_status(subject, status, by):
    """A decided request names who decided it and when (a database constraint)."""
    decided = {"decided_by": None, "decided_at": None}
    if status != "open":
        decided = {"decided_by": by, "decided_at": timezone.now()}
    type(subject).objects.filter(pk=subject.pk).update(status=status, **decided)


def new_retention_run(intake, supervisor, eastside):
    now = timezone.now()
    return RetentionRun.objects.create(
        cutoff=now, retention_years=7, planned_at=now, planned_counts={str(eastside.pk): 1}, planned_total=1
    )


#: How to make a record of each machine. A new machine without one fails here.
MAKERS = {
    "sharing.Release": new_release,
    "sharing.Share": new_share,
    "sharing.ExternalRequest": new_external_request,
    "incidents.Incident": new_incident,
    "clients.RetentionRun": new_retention_run,
    "clients.CorrectionRequest": new_correction_request,
}


def force_status(subject, status, by):
    type(subject).objects.filter(pk=subject.pk).update(status=status)


#: How to put a record in any status for the test, where more than the status must agree.
FORCE_STATUS = {"clients.CorrectionRequest": force_correction_status}


def test_every_machine_can_be_tried():
    assert {m._meta.label for m in MACHINES} == set(MAKERS)


@pytest.mark.django_db
@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m._meta.label)
def test_move_to_makes_exactly_the_moves_in_the_table(machine, intake, supervisor, eastside):
    subject = MAKERS[machine._meta.label](intake, supervisor, eastside)
    # The mover is not the one who recorded it (a release's four-eyes rule).
    for old, new in product(sorted(statuses(machine)), repeat=2):
        FORCE_STATUS.get(machine._meta.label, force_status)(subject, old, supervisor)
        subject.refresh_from_db()
        before = set(subject.status_changes.values_list("pk", flat=True))
        if (old, new) not in machine.TRANSITIONS:
            with pytest.raises(IllegalTransition):
                subject.move_to(new, by=supervisor, note="Because")
            subject.refresh_from_db()
            assert subject.status == old, (old, new)
            assert set(subject.status_changes.values_list("pk", flat=True)) == before, (old, new)
            continue
        started = timezone.now()
        assert subject.move_to(new, by=supervisor, note="Because") == old
        subject.refresh_from_db()
        assert subject.status == new
        (change,) = subject.status_changes.exclude(pk__in=before)
        assert (change.from_status, change.to_status) == (old, new)
        assert (change.changed_by, change.note) == (supervisor, "Because")
        assert started <= change.changed_at <= timezone.now()
        assert (change.from_label, change.to_label) == (machine.status_labels()[old], machine.status_labels()[new])


@pytest.mark.django_db
def test_an_illegal_move_says_what_the_record_is_and_cannot_become(intake, supervisor, eastside):
    release = new_release(intake, supervisor, eastside)
    with pytest.raises(IllegalTransition) as refused:
        release.move_to("expired", by=supervisor)
    assert refused.value.messages == ["A release that is waiting for a supervisor cannot become expired."]
    incident = new_incident(intake, supervisor, eastside)
    with pytest.raises(IllegalTransition) as refused:
        incident.move_to("closed", by=supervisor)
    assert refused.value.messages == ["An incident that is reported cannot become closed."]


@pytest.mark.django_db
def test_the_first_history_row_tells_how_the_record_began(intake, supervisor, eastside):
    request = new_external_request(intake, supervisor, eastside)
    (change,) = request.status_changes.all()
    assert (change.from_label, change.to_label, change.changed_by) == ("—", "Routed to the HMIS lead", intake)
