"""Expected answers for the consent-release URLs (sharing app).

Releases are seen and acted on only by the case workers (intake, supervisor)
of the agency that holds the client's record; eastside's case workers get 404
(they hold the role but not the object), even though eastside holds a live
referral for the client; security officers, agency leads and the system
admin hold no release permission (403).
"""

from tests.authz.base import Expect
from tests.builders.clients import new_client
from tests.builders.sharing import PNG, record, upload

STAFF = ("intake", "supervisor")
OTHER_STAFF = ("other_intake", "other_supervisor")


def build_world(world):
    intake, supervisor = world.personas["intake"], world.personas["supervisor"]
    world.release_client = new_client(intake)
    world.release = record(
        intake,
        world.release_client,
        recipient_agencies=[world.eastside],
        categories=["identity"],
        consent_method="signed_form",
        witness_name="",
        evidence=upload(PNG),
    )
    active = record(intake, world.release_client, recipient_agencies=[world.eastside], categories=["contact"])
    from sharing import actions

    world.active_release = actions.approve_release(acting_user=supervisor, release=active)
    # Eastside holds a live referral (and so a grant) for the client: still no release page.
    actions.send_share(
        acting_user=intake,
        client=world.release_client,
        to_agency=world.eastside,
        purpose="housing_placement",
        categories=["contact"],
    )


def client_kwargs(world):
    return {"client_id": world.release_client.pk}


def pending(world):
    return {"release_id": world.release.pk}


def active(world):
    return {"release_id": world.active_release.pk}


EXPECTATIONS = {
    "sharing:release-create": Expect(allowed=STAFF, outsiders=OTHER_STAFF, kwargs=client_kwargs),
    "sharing:release-queue": Expect(allowed=("supervisor", "other_supervisor")),
    "sharing:release-detail": Expect(allowed=STAFF, outsiders=OTHER_STAFF, kwargs=pending),
    "sharing:release-approve": Expect(
        allowed=("supervisor",), ok=302, outsiders=("other_supervisor",), method="post", kwargs=pending
    ),
    "sharing:release-deny": Expect(
        allowed=("supervisor",),
        ok=302,
        outsiders=("other_supervisor",),
        method="post",
        data={"reason": "The form is not signed."},
        kwargs=pending,
    ),
    "sharing:release-revoke": Expect(
        allowed=STAFF, ok=302, outsiders=OTHER_STAFF, method="post", kwargs=active, data={"reason": "Client asked."}
    ),
    "sharing:release-evidence": Expect(allowed=STAFF, outsiders=OTHER_STAFF, kwargs=pending),
    "sharing:release-print": Expect(allowed=STAFF, outsiders=OTHER_STAFF, kwargs=pending),
}
