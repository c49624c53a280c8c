"""Search before create: blind-index candidates, ranking, placeholders,
hidden strong matches going to the duplicate-review list, and recall."""

import datetime
import random

import pytest

from clients import actions, matching, queries
from clients.masking import Viewer
from clients.models import Client, PossibleDuplicate
from tests.builders.clients import client_values, make_client
from tests.canaries import CANARY_DOB, CANARY_FIRST, CANARY_LAST

pytestmark = pytest.mark.django_db
STAFF_VIEW = Viewer(names=True)


def search(user, **terms):
    return queries.search_clients(user, STAFF_VIEW, **terms)


def test_exact_match_ranks_first_and_is_shown_masked(intake):
    target = make_client(intake)
    make_client(intake, first_name="Quentin", last_name="Zebrafinch", ssn="219870003", dob=datetime.date(1990, 2, 2))
    results = search(intake, first_name=CANARY_FIRST, last_name=CANARY_LAST, dob=CANARY_DOB)
    assert results[0].client.id == target.pk
    assert results[0].score == pytest.approx(1.0)
    shown = results[0].client
    assert shown.name == "Q. Z."
    assert shown.birth_year == "1983"
    assert shown.agency_name == intake.agency.name
    assert CANARY_FIRST not in repr(shown)


def test_one_typo_in_each_field_still_finds_the_client(intake):
    target = make_client(intake)
    for terms in (
        {"first_name": "Quilionaire", "last_name": CANARY_LAST, "dob": CANARY_DOB},
        {"first_name": CANARY_FIRST, "last_name": "Zebrafinchly", "dob": CANARY_DOB},
        {"first_name": CANARY_FIRST, "last_name": CANARY_LAST, "dob": datetime.date(1983, 7, 17)},
        {"last_name": "Zebrafinchley", "ssn4": "3456"},
        {"dob": CANARY_DOB, "ssn4": "3456"},
        {"first_name": "Quillionair", "ssn4": "3456"},
    ):
        assert [r.client.id for r in search(intake, **terms)][:1] == [target.pk], terms


def test_placeholder_values_never_match(intake):
    a = make_client(
        intake, ssn="", ssn_data_quality=99, dob=None, dob_data_quality=8, first_name="Ann", last_name="Lee"
    )
    make_client(intake, ssn="", ssn_data_quality=99, dob=None, dob_data_quality=8, first_name="Bo", last_name="Kim")
    assert all(
        getattr(a, column) is None for column in ("ssn4_dob_bidx", "initials_dob_bidx", "ssn4_last_initial_bidx")
    )
    assert search(intake, dob=datetime.date(1900, 1, 1), ssn4="0000") == []
    pieces = matching.Pieces.of(first_name="Ann", last_name="Lee", dob=datetime.date(1900, 1, 1), ssn="000000000")
    assert pieces.dob == "" and pieces.ssn4 == ""
    assert matching.Pieces.of(ssn="111111111").ssn4 == ""


def test_index_values_are_truncated_keyed_hashes(intake):
    client = make_client(intake)
    assert len(client.name_bidx) == 5 and len(client.ssn4_last_initial_bidx) == 4
    raw = Client.objects.filter(pk=client.pk).values_list(*matching.INDEX_COLUMNS).get()
    assert not any("3456" in v or "1983" in v for v in raw)


def test_search_only_shows_clients_the_user_may_see(intake, other_intake):
    make_client(intake)
    assert search(other_intake, first_name=CANARY_FIRST, last_name=CANARY_LAST, dob=CANARY_DOB) == []


def test_candidates_are_capped(intake):
    # Many clients sharing the same name keys: at most the cap is decrypted.
    values = client_values()
    for i in range(matching.PER_KEY_LIMIT + 5):
        values["ssn"] = f"2198{70000 + i + 10:05d}"
        values["dob"] = datetime.date(1950, 1, 1) + datetime.timedelta(days=i)
        actions.create_client(acting_user=intake, **values)
    ids = matching.candidate_ids(matching.Pieces.of(first_name=CANARY_FIRST, last_name=CANARY_LAST))
    assert len(ids) <= 2 * matching.PER_KEY_LIMIT


def test_hidden_strong_match_goes_to_review_without_telling_the_worker(intake, other_intake, client_for):
    existing = make_client(intake)
    browser = client_for(other_intake)
    response = browser.post(
        "/clients/intake/", {"first_name": CANARY_FIRST, "last_name": CANARY_LAST, "dob": CANARY_DOB.isoformat()}
    )
    assert response.status_code == 200
    assert b"No matching client that you can see" in response.content
    assert existing.reference.encode() not in response.content
    assert intake.agency.name.encode() not in response.content
    new = make_client(other_intake)
    pair = PossibleDuplicate.objects.get()
    assert (pair.new_client, pair.existing_client, pair.found_by) == (new, existing, other_intake)
    assert pair.score >= matching.STRONG_MATCH


def test_confidential_hidden_match_is_not_listed_for_review(intake, other_intake):
    make_client(intake, confidential=True)
    make_client(other_intake)
    assert not PossibleDuplicate.objects.exists()


def test_visible_match_goes_to_the_agency_supervisors_list(intake, supervisor):
    existing = make_client(intake)
    new = make_client(supervisor)
    pair = PossibleDuplicate.objects.get()
    assert (pair.new_client, pair.existing_client) == (new, existing)


def test_system_admin_reviews_possible_duplicates(intake, other_intake, system_admin, client_for):
    make_client(intake)
    make_client(other_intake)
    pair = PossibleDuplicate.objects.get()
    browser = client_for(system_admin)
    page = browser.get("/clients/duplicates/")
    assert pair.existing_client.reference.encode() in page.content
    assert CANARY_LAST.encode() not in page.content
    browser.post(f"/clients/duplicates/{pair.pk}/", {"status": "distinct"})
    pair.refresh_from_db()
    assert pair.status == "distinct" and pair.resolved_by == system_admin


FIRST = [
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Aisha",
    "Wei",
    "Carlos",
    "Fatima",
    "Olga",
    "Dmitri",
    "Priya",
    "Kwame",
    "Sofia",
    "Liam",
    "Noah",
    "Emma",
    "Ava",
    "Mateo",
    "Yusuf",
    "Hana",
    "Ines",
    "Tariq",
    "Rosa",
    "Pavel",
]
LAST = [
    "Smith",
    "Johnson",
    "Nguyen",
    "Garcia",
    "Okafor",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Brown",
    "Rossi",
    "Silva",
    "Ivanova",
    "Mensah",
    "Schmidt",
    "Dubois",
    "Lopez",
    "Khan",
    "Murphy",
    "Andersen",
    "Novak",
    "Ortiz",
    "Chen",
]


def typo(word, rng):
    i = rng.randrange(1, len(word))
    kind = rng.choice(["swap", "drop", "sub"])
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


def test_one_typo_recall_on_a_small_generated_set(intake):
    """Top-10 recall of one-typo queries (name or birth date) on 300 generated clients."""
    rng = random.Random(7)
    made = []
    for i in range(300):
        dob = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
        values = client_values(
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            dob=dob,
            ssn=f"21{i:07d}"[:9],
            phone="",
            email="",
            last_permanent_address="",
        )
        values["ssn"] = f"{rng.randrange(1, 665):03d}{rng.randrange(1, 99):02d}{rng.randrange(1, 9999):04d}"
        made.append((actions.create_client(acting_user=intake, **values), values))
    hits = 0
    sample = rng.sample(made, 60)
    for n, (client, values) in enumerate(sample):
        terms = {"first_name": values["first_name"], "last_name": values["last_name"], "dob": values["dob"]}
        field = ("first_name", "last_name", "dob")[n % 3]
        if field == "dob":
            d = values["dob"]
            terms["dob"] = d.replace(day=min(28, d.day % 28 + 1))
        else:
            terms[field] = typo(values[field], rng)
        top = [r.client.id for r in search(intake, **terms)[:10]]
        hits += client.pk in top
    assert hits / len(sample) >= 0.95


# --- Name only, one typo (issue 11) -----------------------------------------------------


def _people(intake):
    """A few clients with names near each other, each with its own DOB and SSN."""
    people = {}
    for k, (first, last) in enumerate(
        [
            ("Maria", "Delgado"),
            ("James", "Whitfield"),
            ("Mario", "Delgado"),
            ("Maria", "Salgado"),
            ("Jane", "Whitfield"),
            ("Rosa", "Garcia-Lopez"),
            ("Rosa", "Garcia"),
        ]
    ):
        people[(first, last)] = make_client(
            intake, first_name=first, last_name=last, ssn=f"21987{1000 + k:04d}", dob=datetime.date(1970 + k, 3, 4)
        )
    return people


def _intake_search(browser, first, last):
    response = browser.post("/clients/intake/", {"first_name": first, "last_name": last})
    assert response.status_code == 200
    return response.content.decode()


def _first_result_reference(page):
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return rows.split("<td>", 2)[1].split("</td>", 1)[0] if rows else None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (("Maria", "Delgato"), ("Maria", "Delgado")),  # a letter changed
        (("Jmes", "Whitfield"), ("James", "Whitfield")),  # a letter dropped
        (("Maria", "Deglado"), ("Maria", "Delgado")),  # two letters swapped
        (("Jamies", "Whitfield"), ("James", "Whitfield")),  # a letter added
        (("Delgado", "Marai"), ("Maria", "Delgado")),  # names swapped, with a typo
        (("Rosa", "Lopez"), ("Rosa", "Garcia-Lopez")),  # a double last name in part
        (("J", "Whitfield"), ("James", "Whitfield")),  # a first initial only
    ],
)
def test_name_only_search_with_one_typo_finds_the_client_on_the_intake_page(intake, client_for, typed, expected):
    people = _people(intake)
    page = _intake_search(client_for(intake), *typed)
    assert people[expected].reference in page
    if typed[0] != "J":  # an initial matches James and Jane alike
        assert _first_result_reference(page) == people[expected].reference


def test_neighbour_index_is_truncated_keyed_hashes_only(intake):
    client = make_client(intake, first_name="Maria", last_name="Delgado")
    keys = Client.objects.values_list("name_neighbour_bidx", flat=True).get(pk=client.pk)
    assert 10 <= len(keys) <= 40
    assert all(0 <= k < 2**matching.NEIGHBOUR_BITS for k in keys)
    # Keyed: the same names under another key give other values.
    from django.test import override_settings

    with override_settings(HMIS_BLIND_INDEX_KEY="another key entirely, 32 bytes or more"):
        assert set(matching.stored_neighbour_keys("Maria", "Delgado")).isdisjoint(keys)


def test_migration_backfills_neighbour_keys_of_existing_clients(intake):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("clients.migrations.0002_name_neighbour_blind_index")
    people = _people(intake)
    Client.objects.update(name_neighbour_bidx=None)
    migration.BATCH = 3  # more than one batch
    migration.backfill_name_neighbours(apps, None)
    for (first, last), client in people.items():
        stored = Client.objects.values_list("name_neighbour_bidx", flat=True).get(pk=client.pk)
        assert stored == matching.stored_neighbour_keys(first, last)


def test_name_neighbour_index_keeps_its_pending_list_small():
    # Every name search scans the GIN pending list once per key: at the 4 MB default that was most of its time.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'client_name_neighbour_idx'")
        assert cursor.fetchone()[0] == ["gin_pending_list_limit=64"]
