"""The vocabulary of the authorization matrix.

Each app lists, per URL name, how to build the URL's arguments and what
every persona gets back. ``tests/test_authorization_matrix.py`` walks every
URL pattern of the project and fails for any URL name without an entry.

Personas: ``anonymous``, ``password_only`` (password passed, second factor
not yet), the four harbor roles ``intake``, ``supervisor``,
``security_officer``, ``agency_lead``; the same four at eastside as
``other_intake`` ... ``other_agency_lead``; and ``system_admin``.
Objects in URL arguments belong to harbor unless an entry says otherwise.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.conftest import STAFF_PERSONAS

HARBOR_ROLES = tuple(name for name, persona in STAFF_PERSONAS.items() if persona.agency == "harbor")
OTHER_ROLES = tuple(name for name, persona in STAFF_PERSONAS.items() if persona.agency == "eastside")
SIGNED_IN = tuple(STAFF_PERSONAS)
PERSONAS = ("anonymous", "password_only", *SIGNED_IN)

LOGIN = "login"  # a redirect to the sign-in page
SECOND_FACTOR = "second_factor"  # a redirect to the second step


@dataclass
class Expect:
    """What each persona gets from one URL.

    ``allowed`` personas get ``ok`` (200 unless set); ``outsiders`` get 404
    (they hold the role but the object is another agency's); everyone else
    signed in gets ``denied`` (403). Anonymous users are sent to sign in and
    password-only users to the second step, unless the URL is ``public``.
    """

    allowed: tuple = ()
    ok: int = 200
    outsiders: tuple = ()
    denied: int = 403
    method: str = "get"
    data: dict | Callable | None = None
    kwargs: Callable | None = None
    public: bool = False
    overrides: dict = field(default_factory=dict)

    def expected(self, persona):
        if persona in self.overrides:
            return self.overrides[persona]
        if self.public:
            return self.ok
        if persona == "anonymous":
            return LOGIN
        if persona == "password_only":
            return SECOND_FACTOR
        if persona in self.allowed:
            return self.ok
        if persona in self.outsiders:
            return 404
        return self.denied
