"""Expected answers for the core's URLs."""

from django.utils import timezone

from tests.authz.base import OTHER_ROLES, SIGNED_IN, Expect

MANAGERS = ("agency_lead", "system_admin")
SECURITY = ("security_officer", "system_admin")


def harbor_user(world):
    return {"user_id": world.target_user.pk}


def harbor_agency(world):
    return {"agency_id": world.harbor.pk}


EXPECTATIONS = {
    "dashboard": Expect(allowed=SIGNED_IN),
    "login": Expect(public=True, overrides={p: 302 for p in SIGNED_IN}),
    # Public (the browser is signed out), but only with a token for a session ended in that browser.
    "login-not-me": Expect(public=True, ok=400, method="post"),
    "login-second-factor": Expect(
        overrides={"anonymous": "login", "password_only": 200, **{p: 302 for p in SIGNED_IN}}
    ),
    "login-enrol": Expect(
        # A password-only user who already has a device is sent to the second step first.
        overrides={"anonymous": "login", "password_only": "second_factor", **{p: 200 for p in SIGNED_IN}}
    ),
    "logout": Expect(public=True, method="post", ok=200),
    "password-set": Expect(public=True, ok=404, kwargs=lambda w: {"token": "not-a-real-token"}),
    "backup-codes": Expect(allowed=SIGNED_IN),
    "change-password": Expect(allowed=SIGNED_IN),
    "reauthenticate": Expect(allowed=SIGNED_IN),
    "session-status": Expect(public=True, overrides={"anonymous": 401}),
    "session-extend": Expect(allowed=SIGNED_IN, method="post"),
    "user-agreement": Expect(allowed=SIGNED_IN),
    # Everyone in the matrix is trained, so the page sends them on to the dashboard.
    "training-required": Expect(allowed=SIGNED_IN, ok=302),
    "user-reset-sign-in": Expect(
        allowed=MANAGERS, ok=302, outsiders=("other_agency_lead",), method="post", kwargs=harbor_user
    ),
    "user-training": Expect(
        allowed=MANAGERS,
        ok=302,
        outsiders=("other_agency_lead",),
        method="post",
        kwargs=harbor_user,
        data=lambda w: {"completed_on": timezone.localdate().isoformat()},
    ),
    "health": Expect(public=True),
    "favicon": Expect(public=True),
    "privacy-screen": Expect(allowed=SIGNED_IN, ok=302, method="post", data={"next": "/"}),
    "notices": Expect(allowed=SIGNED_IN),
    "notices-read": Expect(allowed=SIGNED_IN, ok=302, method="post"),
    "notices-old-address": Expect(allowed=SIGNED_IN, ok=301),
    "user-list": Expect(allowed=MANAGERS, overrides={"other_agency_lead": 200}),
    "user-invite": Expect(allowed=MANAGERS, overrides={"other_agency_lead": 200}),
    "user-detail": Expect(allowed=MANAGERS, outsiders=("other_agency_lead",), kwargs=harbor_user),
    "user-deactivate": Expect(
        allowed=MANAGERS, ok=302, outsiders=("other_agency_lead",), method="post", kwargs=harbor_user
    ),
    "user-reactivate": Expect(
        allowed=MANAGERS, ok=302, outsiders=("other_agency_lead",), method="post", kwargs=harbor_user
    ),
    "user-reinvite": Expect(
        allowed=MANAGERS, ok=302, outsiders=("other_agency_lead",), method="post", kwargs=harbor_user
    ),
    "agency-list": Expect(allowed=("system_admin",)),
    "agency-create": Expect(allowed=("system_admin",)),
    "agency-contact": Expect(allowed=("agency_lead", "other_agency_lead")),
    "agency-edit": Expect(allowed=("system_admin",), kwargs=harbor_agency),
    "agency-verify": Expect(allowed=("system_admin",), ok=302, method="post", kwargs=harbor_agency),
    "security-events": Expect(allowed=SECURITY, overrides={"other_security_officer": 200}),
    "security-unlock": Expect(
        allowed=SECURITY, ok=302, outsiders=("other_security_officer",), method="post", kwargs=harbor_user
    ),
}

assert not set(OTHER_ROLES) - set(SIGNED_IN)
