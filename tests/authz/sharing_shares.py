"""Expected answers for the sharing app's partner, referral, notice,
external-request and pressure-report URLs."""

from tests.authz.base import SIGNED_IN, Expect

ADMIN = ("system_admin",)
STAFF = ("intake", "supervisor")
OTHER_STAFF = ("other_intake", "other_supervisor")


def build_world(world):
    from sharing import actions
    from sharing.models import PartnerContact
    from tests.builders.clients import make_client
    from tests.builders.sharing import care_release, housing_share

    intake = world.personas["intake"]
    supervisor = world.personas["supervisor"]
    client = make_client(intake)
    care_release(intake, supervisor, client, world.eastside)
    world.share = housing_share(intake, client, world.eastside)
    world.external_request = actions.record_external_request(
        acting_user=intake,
        requester_name="Officer Example",
        requester_organisation="City police",
        requester_type="law_enforcement",
        channel="phone",
        what_was_asked="Whether a person stays at the shelter",
    )
    world.pressure_report = actions.report_pressure(acting_user=intake, note="A caller insisted")
    world.contact = PartnerContact.objects.create(agency=world.harbor, name="Pat Partner")


def harbor_agency(world):
    return {"agency_id": world.harbor.pk}


def share(world):
    return {"share_id": world.share.pk}


def everyone_but(*allowed):
    return tuple(p for p in SIGNED_IN if p not in allowed)


EXPECTATIONS = {
    "sharing:partner-list": Expect(allowed=SIGNED_IN),
    "sharing:partner-detail": Expect(allowed=SIGNED_IN, kwargs=harbor_agency),
    "sharing:partner-suspend": Expect(
        allowed=ADMIN, ok=302, method="post", kwargs=harbor_agency, data={"reason": "Agreement lapsed."}
    ),
    "sharing:partner-reinstate": Expect(allowed=ADMIN, ok=302, method="post", kwargs=harbor_agency),
    "sharing:partner-contact-add": Expect(
        allowed=ADMIN, ok=302, method="post", kwargs=harbor_agency, data={"name": "Sam Contact"}
    ),
    "sharing:partner-contact-verify": Expect(
        allowed=ADMIN,
        ok=302,
        method="post",
        kwargs=lambda w: {"contact_id": w.contact.pk},
        data={"verification_method": "Call-back"},
    ),
    "sharing:share-list": Expect(allowed=STAFF + OTHER_STAFF),
    "sharing:share-create": Expect(
        allowed=STAFF, outsiders=OTHER_STAFF, kwargs=lambda w: {"client_id": w.share.client_id}
    ),
    # The recipient (eastside) opens a referral; the sender has its own page.
    "sharing:share-detail": Expect(allowed=OTHER_STAFF, outsiders=STAFF, kwargs=share),
    # Where the client page sends the recipient: its referral, or "not found" for the record's own agency.
    "sharing:share-for-client": Expect(
        allowed=OTHER_STAFF, ok=302, outsiders=STAFF, kwargs=lambda w: {"client_id": w.share.client_id}
    ),
    "sharing:share-notice": Expect(allowed=OTHER_STAFF, ok=302, outsiders=STAFF, kwargs=share),
    "sharing:share-reveal": Expect(
        allowed=OTHER_STAFF,
        ok=302,
        outsiders=STAFF,
        kwargs=share,
        method="post",
        data={"field": "phone", "reason": "service"},
    ),
    "sharing:share-revealed": Expect(
        allowed=OTHER_STAFF, outsiders=STAFF, kwargs=lambda w: {**share(w), "token": "no-such-token"}
    ),
    "sharing:share-accept": Expect(allowed=OTHER_STAFF, ok=302, outsiders=STAFF, kwargs=share, method="post"),
    "sharing:share-decline": Expect(
        allowed=OTHER_STAFF, ok=302, outsiders=STAFF, kwargs=share, method="post", data={"note": "No capacity"}
    ),
    "sharing:share-sent": Expect(allowed=STAFF, outsiders=OTHER_STAFF, kwargs=share),
    "sharing:share-withdraw": Expect(allowed=STAFF, ok=302, outsiders=OTHER_STAFF, kwargs=share, method="post"),
    "sharing:disclosure-create": Expect(
        allowed=STAFF, outsiders=OTHER_STAFF, kwargs=lambda w: {"client_id": w.share.client_id}
    ),
    "sharing:external-request-list": Expect(allowed=SIGNED_IN),
    "sharing:external-request-create": Expect(allowed=SIGNED_IN),
    # Only the recorder and the HMIS lead see a request; others get "not found".
    "sharing:external-request-detail": Expect(
        allowed=("intake", "system_admin"),
        outsiders=everyone_but("intake", "system_admin"),
        kwargs=lambda w: {"request_id": w.external_request.pk},
    ),
    "sharing:external-request-move": Expect(
        allowed=ADMIN,
        ok=302,
        method="post",
        kwargs=lambda w: {"request_id": w.external_request.pk},
        data={"to_status": "under_review"},
    ),
    "sharing:pressure-list": Expect(allowed=SIGNED_IN),
    "sharing:pressure-report": Expect(allowed=SIGNED_IN),
    "sharing:pressure-detail": Expect(
        allowed=STAFF, outsiders=everyone_but(*STAFF), kwargs=lambda w: {"report_id": w.pressure_report.pk}
    ),
    "sharing:pressure-review": Expect(
        allowed=("supervisor",),
        ok=302,
        outsiders=("other_supervisor",),
        method="post",
        kwargs=lambda w: {"report_id": w.pressure_report.pk},
    ),
    "sharing:pressure-incident": Expect(
        allowed=("supervisor",),
        ok=302,
        outsiders=("other_supervisor",),
        method="post",
        kwargs=lambda w: {"report_id": w.pressure_report.pk},
    ),
}
