"""Expected answers for the clients app's URLs.

The harbor client belongs to harbor: eastside staff hold the roles but get
404 (the same answer as a missing client). Security officers and agency
leads see their agency's clients masked and cannot reveal or edit. The
system admin reviews possible duplicates across agencies, merges and undoes
merges, and does not open client records; a supervisor reviews and merges
the pairs within their agency.
"""

from clients.actions import merge_clients, request_correction
from clients.models import PossibleDuplicate
from tests.authz.base import HARBOR_ROLES, OTHER_ROLES, Expect
from tests.builders.clients import make_client, make_enrollment

STAFF = ("intake", "supervisor")
OTHER_STAFF = ("other_intake", "other_supervisor")


def build_world(world):
    intake = world.personas["intake"]
    world.harbor_client = make_client(intake)
    world.harbor_enrollment = make_enrollment(intake, world.harbor_client)
    world.confidential_client = make_client(intake, first_name="Quiet", ssn="219870009", confidential=True)
    other = make_client(world.personas["other_intake"], first_name="Other", last_name="Person", ssn="219870001")
    world.correction = request_correction(
        acting_user=intake, client=world.harbor_client, field="first_name", requested_value="Quilla", reason="Spelling"
    )
    world.duplicate = PossibleDuplicate.objects.create(
        new_client=other, existing_client=world.harbor_client, score=0.95, found_by=world.personas["other_intake"]
    )
    # A pair within harbor (its supervisor merges it) and a merge to undo (the system admin).
    second = make_client(intake, first_name="Second", ssn="219870002")
    world.own_duplicate = PossibleDuplicate.objects.create(
        new_client=second, existing_client=world.harbor_client, score=0.95, found_by=intake
    )
    kept = make_client(intake, first_name="Kept", ssn="219870003")
    gone = make_client(intake, first_name="Gone", ssn="219870004")
    world.merge = merge_clients(acting_user=world.personas["supervisor"], kept=kept, merged=gone, choices={})


def harbor_client(world):
    return {"client_id": world.harbor_client.pk}


def harbor_correction(world):
    return {"client_id": world.harbor_client.pk, "correction_id": world.correction.pk}


def harbor_enrollment(world):
    return {"client_id": world.harbor_client.pk, "enrollment_id": world.harbor_enrollment.pk}


EXPECTATIONS = {
    "clients:list": Expect(allowed=(*HARBOR_ROLES, *OTHER_ROLES)),
    "clients:search": Expect(allowed=(*STAFF, *OTHER_STAFF)),
    # Without a search first, creating sends the worker back to search.
    "clients:create": Expect(allowed=(*STAFF, *OTHER_STAFF), ok=302),
    "clients:projects": Expect(allowed=("supervisor", "agency_lead", "other_supervisor", "other_agency_lead")),
    "clients:data-quality": Expect(allowed=("supervisor", "agency_lead", "other_supervisor", "other_agency_lead")),
    # Supervisors review the pairs within their agency; the system admin every pair.
    "clients:duplicates": Expect(allowed=("supervisor", "other_supervisor", "system_admin")),
    # A cross-agency pair: only the system admin; the supervisors of either agency get 404.
    "clients:duplicate-resolve": Expect(
        allowed=("system_admin",),
        outsiders=("supervisor", "other_supervisor"),
        ok=302,
        method="post",
        data={"status": "distinct"},
        kwargs=lambda w: {"duplicate_id": w.duplicate.pk},
    ),
    # A pair within harbor: its supervisor and the system admin merge it; eastside's supervisor gets 404.
    "clients:duplicate-merge": Expect(
        allowed=("supervisor", "system_admin"),
        outsiders=("other_supervisor",),
        kwargs=lambda w: {"duplicate_id": w.own_duplicate.pk},
    ),
    "clients:merge-undo": Expect(allowed=("system_admin",), kwargs=lambda w: {"merge_id": w.merge.pk}),
    "clients:detail": Expect(allowed=HARBOR_ROLES, outsiders=OTHER_ROLES, kwargs=harbor_client),
    "clients:reveal": Expect(
        allowed=STAFF,
        ok=302,
        outsiders=OTHER_STAFF,
        method="post",
        data={"field": "ssn", "reason": "service"},
        kwargs=harbor_client,
    ),
    # A used or unknown token shows the masked page.
    "clients:revealed": Expect(
        allowed=STAFF, outsiders=OTHER_STAFF, kwargs=lambda w: {**harbor_client(w), "token": "no-such-token"}
    ),
    # Only staff named on a confidential record see it (its creator here): others get 404.
    "clients:named-staff": Expect(
        allowed=("intake",),
        ok=302,
        outsiders=("supervisor", *OTHER_STAFF),
        method="post",
        kwargs=lambda w: {"client_id": w.confidential_client.pk},
        data=lambda w: {"staff_user": str(w.personas["other_intake"].pk)},  # refused: state stays
    ),
    # The client's own copy: staff of the record's agency who may see its fields; a partner never (404).
    "clients:print-copy": Expect(
        allowed=STAFF,
        ok=302,
        outsiders=OTHER_STAFF,
        method="post",
        data={"identity_check": "photo_id", "language": "en"},
        kwargs=harbor_client,
    ),
    # A used or unknown token shows a page that says the copy opens once, with no client data.
    "clients:client-copy": Expect(
        allowed=STAFF, outsiders=OTHER_STAFF, kwargs=lambda w: {**harbor_client(w), "token": "no-such-token"}
    ),
    "clients:history": Expect(allowed=(*HARBOR_ROLES,), outsiders=OTHER_ROLES, kwargs=harbor_client),
    "clients:edit": Expect(allowed=STAFF, outsiders=OTHER_STAFF, kwargs=harbor_client),
    "clients:enrol": Expect(allowed=STAFF, outsiders=OTHER_STAFF, kwargs=harbor_client),
    "clients:assess": Expect(allowed=STAFF, outsiders=OTHER_STAFF, kwargs=harbor_enrollment),
    "clients:exit": Expect(allowed=STAFF, outsiders=OTHER_STAFF, kwargs=harbor_enrollment),
    # Correction requests: the record's agency's case workers record them (refused here: empty,
    # state stays); only its supervisors (never another agency's: 404) see and decide one.
    "clients:correction-create": Expect(
        allowed=STAFF, ok=302, outsiders=OTHER_STAFF, method="post", kwargs=harbor_client
    ),
    "clients:correction": Expect(allowed=("supervisor",), outsiders=("other_supervisor",), kwargs=harbor_correction),
    "clients:correction-revealed": Expect(
        allowed=("supervisor",),
        outsiders=("other_supervisor",),
        kwargs=lambda w: {**harbor_correction(w), "token": "no-such-token"},
    ),
    # A masked field only: a name is refused with a message (302), nothing is recorded.
    "clients:correction-reveal": Expect(
        allowed=("supervisor",),
        ok=302,
        outsiders=("other_supervisor",),
        method="post",
        data={"reason": "client_request"},
        kwargs=harbor_correction,
    ),
    # GET asks for confirmation; nothing changes.
    "clients:correction-accept": Expect(
        allowed=("supervisor",), outsiders=("other_supervisor",), kwargs=harbor_correction
    ),
    "clients:correction-refuse": Expect(
        allowed=("supervisor",), ok=302, outsiders=("other_supervisor",), method="post", kwargs=harbor_correction
    ),
}
