"""Who sees which client: clients_visible_to and get_client_for."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.http import Http404

from clients import actions, queries
from clients.models import Client
from tests.builders.clients import make_client

pytestmark = pytest.mark.django_db


def visible(user):
    return set(queries.clients_visible_to(user).values_list("pk", flat=True))


def test_own_agency_roles_see_their_agency_clients(intake, supervisor, security_officer, agency_lead):
    client = make_client(intake)
    for user in (intake, supervisor, security_officer, agency_lead):
        assert client.pk in visible(user), user.username
        assert queries.get_client_for(user, client.pk) == client


def test_other_agency_gets_404_like_a_missing_client(intake, other_intake, other_supervisor):
    client = make_client(intake)
    for user in (other_intake, other_supervisor):
        assert client.pk not in visible(user)
        with pytest.raises(Http404):
            queries.get_client_for(user, client.pk)
    with pytest.raises(Http404):
        queries.get_client_for(intake, "00000000-0000-0000-0000-000000000000")


def test_system_admin_does_not_open_client_records(intake, system_admin):
    make_client(intake)
    assert visible(system_admin) == set()


def test_confidential_client_is_seen_only_by_named_staff(intake, supervisor, security_officer):
    client = make_client(intake, confidential=True)
    assert client.pk in visible(intake)  # the creator is named on it
    assert client.pk not in visible(supervisor)
    assert client.pk not in visible(security_officer)
    actions.grant_client_access(group_or_user=supervisor, client=client, acting_user=intake)
    assert client.pk in visible(supervisor)
    actions.revoke_client_access(group_or_user=supervisor, client=client, acting_user=intake)
    assert client.pk not in visible(supervisor)


def test_supervisor_names_a_colleague_on_a_confidential_record(intake, supervisor, harbor):
    from tests.builders.factories import UserFactory

    colleague = UserFactory(username="harbor-intake-2", agency=harbor, roles=["intake"])
    client = make_client(supervisor, confidential=True)
    assert client.pk not in visible(colleague)
    actions.name_staff_on_client(acting_user=supervisor, client=client, staff_user=colleague)
    assert client.pk in visible(colleague)


def test_sharing_grants_the_other_agency_group_and_revoking_ends_it(
    intake, other_intake, other_security_officer, eastside
):
    client = make_client(intake)
    actions.grant_client_access(group_or_user=eastside.group, client=client)
    assert client.pk in visible(other_intake)
    # Only the partner's referral staff see it, not its security officer.
    assert client.pk not in visible(other_security_officer)
    # A shared-in client is reached through the referral, not listed or found by search.
    assert client.pk not in set(queries.clients_listed_for(other_intake).values_list("pk", flat=True))
    # Shared-in agencies read; they do not edit.
    assert not queries.can_edit(other_intake, client)
    actions.revoke_client_access(group_or_user=eastside.group, client=client)
    assert client.pk not in visible(other_intake)
    with pytest.raises(Http404):
        queries.get_client_for(other_intake, client.pk)


def test_grant_to_one_client_does_not_expose_others(intake, other_intake, eastside):
    shared = make_client(intake)
    kept = make_client(intake, first_name="Kept", ssn="219870002")
    actions.grant_client_access(group_or_user=eastside.group, client=shared)
    assert visible(other_intake) == {shared.pk}
    assert kept.pk not in visible(other_intake)


def test_role_groups_cannot_be_granted_a_client(intake):
    client = make_client(intake)
    with pytest.raises(ValueError):
        actions.grant_client_access(group_or_user=Group.objects.get(name="intake"), client=client)


def test_model_wide_view_permission_grants_nothing(intake, other_intake):
    """Even if someone granted the model permission, only the direct rows count."""
    client = make_client(intake)
    other_intake.user_permissions.add(Permission.objects.get(codename="view_client"))
    assert client.pk not in visible(other_intake)
    assert Client.objects.count() == 1


def test_outsiders_get_404_on_every_client_page(intake, other_intake, client_for):
    client = make_client(intake)
    browser = client_for(other_intake)
    for path in (f"/clients/{client.pk}/", f"/clients/{client.pk}/edit/", f"/clients/{client.pk}/enrol/"):
        assert browser.get(path).status_code == 404, path
    assert browser.post(f"/clients/{client.pk}/reveal/", {"field": "ssn", "reason": "service"}).status_code == 404
