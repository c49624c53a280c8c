"""The consent gate: one function, one query, over a table of scopes, dates and statuses."""

import datetime

import pytest
from django.utils import timezone

from sharing import actions
from sharing.consent import ConsentAnswer, check_consent
from sharing.models import DataCategory as C
from sharing.models import Purpose as P
from sharing.models import Release
from tests.builders.clients import new_client
from tests.builders.factories import AgencyFactory
from tests.builders.sharing import active_release, force_window, record

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
END = START + datetime.timedelta(days=30)
TICK = datetime.timedelta(microseconds=1)


@pytest.fixture
def northside(db):
    return AgencyFactory(slug="northside", name="Northside Food Bank")


@pytest.fixture
def unverified(db):
    return AgencyFactory(slug="unverified", name="Unverified Shelter", verified_at=None)


@pytest.fixture
def scoped(intake, supervisor, harbor_client, eastside):
    """Active care-coordination release: Eastside, identity + contact, housing placement + counseling."""
    release = active_release(
        intake,
        supervisor,
        harbor_client,
        recipient_agencies=[eastside],
        categories=[C.IDENTITY, C.CONTACT],
        purposes=[P.HOUSING_PLACEMENT, P.COUNSELING],
    )
    return force_window(release, START, END)


def ask(client, agency=None, categories=(C.CONTACT,), purpose=P.COUNSELING, at=None, outside=None):
    return check_consent(
        client=client,
        categories=list(categories),
        purpose=purpose,
        recipient_agency=agency,
        outside_recipient=outside,
        at=at or START + datetime.timedelta(days=1),
    )


# (categories, purpose, at, allowed)
SCOPE_TABLE = [
    ([C.CONTACT], P.COUNSELING, START + TICK, True),
    ([C.IDENTITY, C.CONTACT], P.HOUSING_PLACEMENT, START + datetime.timedelta(days=3), True),
    ([C.IDENTITY], P.HOUSING_PLACEMENT, START, True),  # the first moment it is in force
    ([C.IDENTITY], P.HOUSING_PLACEMENT, END - TICK, True),  # the last moment
    ([C.IDENTITY], P.HOUSING_PLACEMENT, END, False),  # the moment of expiry
    ([C.IDENTITY], P.HOUSING_PLACEMENT, END + datetime.timedelta(days=1), False),
    ([C.IDENTITY], P.HOUSING_PLACEMENT, START - TICK, False),  # before it takes effect
    ([C.HEALTH_DISABILITY], P.COUNSELING, START + TICK, False),  # category not released
    ([C.CONTACT, C.INCOME_BENEFITS], P.COUNSELING, START + TICK, False),  # one category too many
    ([C.CONTACT], P.FOOD_ASSISTANCE, START + TICK, False),  # purpose not released
    ([C.CONTACT], P.CARE_COORDINATION, START + TICK, False),
]


@pytest.mark.parametrize(("categories", "purpose", "at", "allowed"), SCOPE_TABLE)
def test_gate_over_scope_and_time(scoped, harbor_client, eastside, categories, purpose, at, allowed):
    answer = ask(harbor_client, eastside, categories, purpose, at)
    assert answer.allowed is allowed
    assert answer.release == (scoped if allowed else None)
    assert bool(answer) is allowed


def test_gate_is_one_query(scoped, harbor_client, eastside, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert ask(harbor_client, eastside).allowed
    with django_assert_num_queries(1):
        assert not ask(harbor_client, eastside, [C.HEALTH_DISABILITY]).allowed
    with django_assert_num_queries(1):
        assert not ask(harbor_client, outside="Someone Else").allowed


def test_refusal_says_what_is_missing_in_plain_words(scoped, harbor_client, eastside):
    answer = ask(harbor_client, eastside, [C.CONTACT], P.FOOD_ASSISTANCE)
    assert answer == ConsentAnswer(
        False, None, "No active release covers Eastside Housing Collective for contact, food assistance."
    )


def test_an_agency_the_release_does_not_name_is_refused(scoped, harbor_client, northside):
    assert not ask(harbor_client, northside).allowed


def test_another_clients_release_covers_nothing_here(scoped, intake, eastside):
    other = new_client(intake, first_name="Sam")
    assert not ask(other, eastside).allowed


@pytest.mark.parametrize("status", ["pending", "denied", "revoked", "expired"])
def test_only_an_active_release_covers(intake, supervisor, harbor_client, eastside, status):
    release = record(
        intake, harbor_client, recipient_agencies=[eastside], categories=[C.CONTACT], purposes=[P.COUNSELING]
    )
    if status == "denied":
        actions.deny_release(acting_user=supervisor, release=release, reason="Form unsigned")
    elif status in ("revoked", "expired"):
        actions.approve_release(acting_user=supervisor, release=release)
        if status == "revoked":
            actions.revoke_release(acting_user=intake, release=release)
        else:
            force_window(release, START - datetime.timedelta(days=40), START)
            assert actions.expire_release(release_id=release.pk)
    release.refresh_from_db()
    assert release.status == status
    assert not ask(harbor_client, eastside, at=timezone.now()).allowed


def test_revocation_takes_effect_at_once(scoped, intake, harbor_client, eastside):
    assert ask(harbor_client, eastside).allowed
    actions.revoke_release(acting_user=intake, release=scoped)
    assert not ask(harbor_client, eastside).allowed


def test_a_release_past_expiry_is_refused_before_the_job_runs(scoped, harbor_client, eastside):
    force_window(scoped, START, timezone.now() - TICK)
    scoped.refresh_from_db()
    assert scoped.status == Release.Status.ACTIVE
    assert not ask(harbor_client, eastside, at=timezone.now()).allowed
    assert not check_consent(
        client=harbor_client, categories=[C.CONTACT], purpose=P.COUNSELING, recipient_agency=eastside
    )


def test_at_defaults_to_now(scoped, harbor_client, eastside):
    assert check_consent(client=harbor_client, categories=[C.CONTACT], purpose=P.COUNSELING, recipient_agency=eastside)


def test_all_verified_partners_covers_any_verified_active_partner(
    intake, supervisor, harbor_client, eastside, northside, unverified
):
    release = active_release(intake, supervisor, harbor_client, all_partners=True, recipient_agencies=[])
    for agency in (eastside, northside):
        answer = check_consent(
            client=harbor_client, categories=[C.IDENTITY], purpose=P.HOUSING_PLACEMENT, recipient_agency=agency
        )
        assert answer.allowed and answer.release == release
    answer = check_consent(
        client=harbor_client, categories=[C.IDENTITY], purpose=P.HOUSING_PLACEMENT, recipient_agency=unverified
    )
    assert not answer.allowed
    assert "not a verified" in answer.reason


def test_a_named_partner_that_loses_verification_is_refused(scoped, harbor_client, eastside):
    eastside.verified_at = None
    assert not ask(harbor_client, eastside).allowed
    eastside.verified_at = timezone.now()
    eastside.status = eastside.Status.SUSPENDED
    assert not ask(harbor_client, eastside).allowed


def test_outside_recipient_needs_an_additional_release_naming_them(intake, supervisor, harbor_client, eastside):
    release = active_release(
        intake,
        supervisor,
        harbor_client,
        kind=Release.Kind.ADDITIONAL,
        recipient_agencies=[],
        outside_recipient_name="Maple Street  Landlord LLC",
        outside_recipient_contact="555-0199",
        categories=[C.CONTACT, C.INCOME_BENEFITS],
        purposes=[P.HOUSING_PLACEMENT],
    )
    ok = check_consent(
        client=harbor_client,
        categories=[C.INCOME_BENEFITS],
        purpose=P.HOUSING_PLACEMENT,
        outside_recipient="maple street landlord llc",
    )
    assert ok.allowed and ok.release == release
    for name in ("Oak Street Landlord", "Maple Street"):
        assert not check_consent(
            client=harbor_client, categories=[C.CONTACT], purpose=P.HOUSING_PLACEMENT, outside_recipient=name
        ).allowed
    # An outside release names nobody in HMIS.
    assert not check_consent(
        client=harbor_client, categories=[C.CONTACT], purpose=P.HOUSING_PLACEMENT, recipient_agency=eastside
    ).allowed


def test_a_care_coordination_release_never_covers_an_outside_recipient(scoped, harbor_client):
    assert not ask(harbor_client, outside="Eastside Housing Collective").allowed


def test_an_additional_release_may_name_a_partner_for_more_data(intake, supervisor, harbor_client, eastside):
    active_release(
        intake,
        supervisor,
        harbor_client,
        kind=Release.Kind.ADDITIONAL,
        recipient_agencies=[eastside],
        categories=[C.HEALTH_DISABILITY],
        purposes=[P.COUNSELING],
    )
    assert check_consent(
        client=harbor_client, categories=[C.HEALTH_DISABILITY], purpose=P.COUNSELING, recipient_agency=eastside
    ).allowed


def test_of_two_covering_releases_the_one_lasting_longest_answers(scoped, intake, supervisor, harbor_client, eastside):
    longer = active_release(
        intake,
        supervisor,
        harbor_client,
        recipient_agencies=[eastside],
        categories=[C.CONTACT],
        purposes=[P.COUNSELING],
    )
    force_window(longer, START, END + datetime.timedelta(days=10))
    assert ask(harbor_client, eastside).release == longer
    assert ask(harbor_client, eastside, [C.IDENTITY], P.HOUSING_PLACEMENT).release == scoped


@pytest.mark.parametrize(
    "kwargs",
    [
        {"categories": [], "purpose": P.COUNSELING},
        {"categories": ["ssn"], "purpose": P.COUNSELING},
        {"categories": [C.CONTACT], "purpose": "marketing"},
    ],
)
def test_a_malformed_question_is_a_programming_error(harbor_client, eastside, kwargs):
    with pytest.raises(ValueError):
        check_consent(client=harbor_client, recipient_agency=eastside, **kwargs)


def test_exactly_one_recipient_is_asked_about(harbor_client, eastside):
    with pytest.raises(ValueError):
        check_consent(client=harbor_client, categories=[C.CONTACT], purpose=P.COUNSELING)
    with pytest.raises(ValueError):
        check_consent(
            client=harbor_client,
            categories=[C.CONTACT],
            purpose=P.COUNSELING,
            recipient_agency=eastside,
            outside_recipient="X",
        )


def test_the_gate_query_is_answered_from_an_index(scoped, harbor_client, eastside, django_assert_num_queries):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        with django_assert_num_queries(1) as captured:
            ask(harbor_client, eastside)
        sql = captured.captured_queries[0]["sql"]
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan and "Index" in plan, plan
