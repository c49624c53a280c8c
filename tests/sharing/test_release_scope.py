"""The client page's release section reads one client's releases without the
visibility subqueries (``sharing.queries.releases_on_client_for``): it must
hold exactly what ``releases_visible_to`` holds for that client, for everyone."""

import pytest

from clients import actions as client_actions
from sharing.queries import releases_on_client_for, releases_visible_to
from tests.builders.clients import new_client
from tests.builders.sharing import record

pytestmark = pytest.mark.django_db

PERSONAS = ("intake", "supervisor", "security_officer", "agency_lead", "other_intake", "other_supervisor")


def _same_as_the_scope(user, client):
    expected = list(releases_visible_to(user).filter(client=client).order_by("-requested_at"))
    found = releases_on_client_for(user, client)
    assert found == expected, user.username
    return found


def test_release_section_holds_what_the_release_scope_holds_for_every_persona(request, intake, supervisor, eastside):
    ordinary = new_client(intake, first_name="Ordinary")
    confidential = new_client(intake, first_name="Secret", confidential=True)  # intake, its creator, is named
    for client in (ordinary, confidential):
        record(intake, client, recipient_agencies=[eastside])
        record(intake, client, recipient_agencies=[eastside], categories=["identity"])
    users = {name: request.getfixturevalue(name) for name in PERSONAS}

    seen = {(name, client.pk): bool(_same_as_the_scope(user, client)) for name, user in users.items()
            for client in (ordinary, confidential)}  # fmt: skip

    assert seen[("intake", ordinary.pk)] and seen[("intake", confidential.pk)]
    assert seen[("supervisor", ordinary.pk)] and not seen[("supervisor", confidential.pk)]
    assert not seen[("other_intake", ordinary.pk)] and not seen[("other_supervisor", ordinary.pk)]
    client_actions.name_staff_on_client(acting_user=intake, client=confidential, staff_user=supervisor)
    assert len(_same_as_the_scope(supervisor, confidential)) == 2


def test_a_merged_away_record_shows_no_release(intake, supervisor, eastside):
    kept, merged = new_client(intake, first_name="Kept"), new_client(intake, first_name="Duplicate")
    record(intake, merged, recipient_agencies=[eastside])
    client_actions.merge_clients(acting_user=supervisor, kept=kept, merged=merged, choices={})
    for user in (intake, supervisor):
        _same_as_the_scope(user, merged)
