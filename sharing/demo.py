"""Demo consent and referrals (called by ``seed_demo`` after the clients' demo).

Harbor's first demo client has an active care-coordination release covering
eastside for housing placement, and a referral sent under it; the second has
a release waiting in the harbor supervisor's queue. Idempotent: nothing is
added for a client that already has a release. Made with the real actions.
"""

import datetime

from clients.models import Client
from hmis.models import Agency, User
from sharing import actions
from sharing.models import DataCategory, Purpose, Release

HOUSING = [DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.DEMOGRAPHICS, DataCategory.HOUSING_HISTORY]


def seed(admin):
    intake = User.objects.filter(username="harbor-intake").first()
    supervisor = User.objects.filter(username="harbor-supervisor").first()
    eastside = Agency.objects.filter(slug="eastside").first()
    if not (intake and supervisor and eastside):
        return
    clients = list(Client.objects.filter(owning_agency=intake.agency).order_by("created_at")[:2])
    if len(clients) < 2 or Release.objects.filter(client__in=clients).exists():
        return
    active, pending = clients
    release = actions.record_release(
        acting_user=intake,
        client=active,
        kind=Release.Kind.CARE_COORDINATION,
        categories=HOUSING,
        purposes=[Purpose.HOUSING_PLACEMENT],
        consent_method=Release.Method.VERBAL_WITNESSED,
        witness_name="harbor-supervisor",
        effective_date=datetime.date.today(),
        recipient_agencies=[eastside],
    )
    actions.approve_release(acting_user=supervisor, release=release)
    actions.send_share(
        acting_user=intake, client=active, to_agency=eastside, purpose=Purpose.HOUSING_PLACEMENT, categories=HOUSING
    )
    actions.record_release(
        acting_user=intake,
        client=pending,
        kind=Release.Kind.CARE_COORDINATION,
        categories=[DataCategory.IDENTITY, DataCategory.CONTACT],
        purposes=[Purpose.FOOD_ASSISTANCE],
        consent_method=Release.Method.VERBAL_WITNESSED,
        witness_name="harbor-supervisor",
        effective_date=datetime.date.today(),
        all_partners=True,
    )
