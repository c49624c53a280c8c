"""Expected answers for the incidents URLs.

The world has a harbor incident reported by harbor's intake worker, with one
corrective action. Intake staff see only their own reports; security
officers and agency leads see their agency's; the system admin sees all.
"""

from datetime import timedelta

from django.utils import timezone

from tests.authz.base import HARBOR_ROLES, OTHER_ROLES, SIGNED_IN, Expect

TRIAGE = ("security_officer", "system_admin")
VIEWERS = ("intake", "security_officer", "agency_lead", "system_admin")  # intake is the reporter


def build_world(world):
    from incidents import actions

    intake = world.personas["intake"]
    now = timezone.now()
    world.incident = actions.report_incident(
        acting_user=intake,
        category="phishing",
        occurred_at=now - timedelta(hours=2),
        discovered_at=now - timedelta(hours=1),
        description="An e-mail asked for my HMIS password.",
    )
    world.corrective_action = actions.add_corrective_action(
        acting_user=world.personas["security_officer"],
        incident=world.incident,
        what="Warn staff about the phishing message",
        owner=world.personas["security_officer"],
        due_on=timezone.localdate(),
    )


def incident(world):
    return {"incident_id": world.incident.pk}


def corrective_action(world):
    return {"incident_id": world.incident.pk, "action_id": world.corrective_action.pk}


OUTSIDERS = ("other_intake", "other_supervisor", "other_security_officer", "other_agency_lead")

EXPECTATIONS = {
    "incidents:list": Expect(allowed=SIGNED_IN),
    "incidents:report": Expect(allowed=SIGNED_IN),
    "incidents:report-client-search": Expect(allowed=SIGNED_IN, method="post", data={"q": "CL"}),
    "incidents:dashboard": Expect(allowed=TRIAGE, overrides={"other_security_officer": 200}),
    # Harbor's supervisor did not report it: 404 like an outsider.
    "incidents:detail": Expect(allowed=VIEWERS, outsiders=("supervisor", *OUTSIDERS), kwargs=incident),
    "incidents:acknowledge": Expect(
        allowed=("security_officer", "agency_lead", "system_admin"),
        outsiders=("other_security_officer", "other_agency_lead"),
        kwargs=incident,
    ),
    "incidents:triage": Expect(
        allowed=TRIAGE, ok=302, outsiders=("other_security_officer",), method="post", kwargs=incident
    ),
    "incidents:move": Expect(
        allowed=TRIAGE, ok=302, outsiders=("other_security_officer",), method="post", kwargs=incident
    ),
    "incidents:assess": Expect(
        allowed=TRIAGE, ok=302, outsiders=("other_security_officer",), method="post", kwargs=incident
    ),
    "incidents:waive": Expect(allowed=("system_admin",), ok=302, method="post", kwargs=incident),
    "incidents:action-add": Expect(
        allowed=TRIAGE, ok=302, outsiders=("other_security_officer",), method="post", kwargs=incident
    ),
    # Refused with a message (not a breach; not closed), after the same checks as any change.
    "incidents:breach-notice-add": Expect(
        allowed=TRIAGE, ok=302, outsiders=("other_security_officer",), method="post", kwargs=incident
    ),
    "incidents:reopen": Expect(
        allowed=TRIAGE,
        ok=302,
        outsiders=("other_security_officer",),
        method="post",
        kwargs=incident,
        data={"reason": "New facts."},
    ),
    # Its owner (the security officer here) marks it done; the system admin is told who must.
    "incidents:action-done": Expect(
        allowed=TRIAGE, ok=302, outsiders=("other_security_officer",), method="post", kwargs=corrective_action
    ),
    "incidents:action-verify": Expect(
        allowed=TRIAGE, ok=302, outsiders=("other_security_officer",), method="post", kwargs=corrective_action
    ),
}

assert set(HARBOR_ROLES) | set(OTHER_ROLES) <= set(SIGNED_IN)
