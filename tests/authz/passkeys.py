"""Expected answers for the passkey URLs (account page, sign-in step, policy).

The harbor intake worker has one passkey; it is nobody else's, so everyone
else gets 404 for it. The password-only persona is that intake worker.
"""

from django_otp_webauthn.models import WebAuthnCredential

from hmis.models import PasskeyRule, Role
from tests.authz.base import LOGIN, SIGNED_IN, Expect
from tests.passkey_authenticator import SoftwareAuthenticator

NOT_INTAKE = tuple(p for p in SIGNED_IN if p != "intake")


def build_world(world):
    authenticator = SoftwareAuthenticator()
    world.intake_passkey = WebAuthnCredential.objects.create(
        user=world.personas["intake"],
        name="Laptop",
        credential_id=authenticator.credential_id,
        public_key=authenticator._cose_public_key(),
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    world.passkey_rule = PasskeyRule.objects.create(role=Role.AGENCY_LEAD, agency=world.eastside, required=False)


def intake_passkey(world):
    return {"key": world.intake_passkey.credential_id_sha256}


EXPECTATIONS = {
    "passkeys": Expect(allowed=SIGNED_IN),
    "passkey-add-begin": Expect(allowed=SIGNED_IN, method="post"),
    # No name and no credential: refused, nothing stored.
    "passkey-add-complete": Expect(allowed=SIGNED_IN, method="post", ok=400),
    "passkey-rename": Expect(
        allowed=("intake",), ok=302, outsiders=NOT_INTAKE, method="post", kwargs=intake_passkey, data={"name": "New"}
    ),
    "passkey-remove": Expect(allowed=("intake",), ok=302, outsiders=NOT_INTAKE, method="post", kwargs=intake_passkey),
    # The second step: signed-in users are told to go on to the dashboard.
    "login-passkey-begin": Expect(
        method="post", overrides={"anonymous": LOGIN, "password_only": 200, **{p: 200 for p in SIGNED_IN}}
    ),
    # No challenge was asked for: refused (and not counted as a failure).
    "login-passkey-complete": Expect(
        method="post", overrides={"anonymous": LOGIN, "password_only": 400, **{p: 200 for p in SIGNED_IN}}
    ),
    "passkey-policy": Expect(allowed=("system_admin",)),
    "passkey-rule-delete": Expect(
        allowed=("system_admin",), ok=302, method="post", kwargs=lambda w: {"rule_id": w.passkey_rule.pk}
    ),
}
