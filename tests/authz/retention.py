"""Expected answers for the retention pages: the system admin's alone (the
count per agency, its confirmation and legal holds); everyone else 403."""

from django.utils import timezone

from clients import retention
from clients.models import RetentionRun
from tests.authz.base import Expect
from tests.builders.clients import make_client


def build_world(world):
    admin = world.personas["system_admin"]
    now = timezone.now()
    world.retention_run = RetentionRun.objects.create(
        cutoff=retention.retention_cutoff(now), retention_years=7, planned_at=now, planned_counts={}, planned_total=0
    )
    held = make_client(world.personas["intake"], first_name="Held", ssn="219870041")
    world.legal_hold = retention.set_legal_hold(acting_user=admin, client=held, reason="Court order 2031-CV-118")


ADMIN = ("system_admin",)

EXPECTATIONS = {
    "clients:retention": Expect(allowed=ADMIN),
    "clients:retention-plan": Expect(allowed=ADMIN, ok=302, method="post"),
    # GET asks (the confirmation page); the POST that acts is tested in tests/clients/test_retention.py.
    "clients:retention-confirm": Expect(allowed=ADMIN, kwargs=lambda w: {"run_id": w.retention_run.pk}),
    "clients:legal-holds": Expect(allowed=ADMIN),
    # No reason given: refused with a message, the hold stays.
    "clients:legal-hold-release": Expect(
        allowed=ADMIN, ok=302, method="post", kwargs=lambda w: {"hold_id": w.legal_hold.pk}
    ),
}
