"""The clients list ("my agency's clients"): who is on it, in which order, a page at a time.

The page is read by ``queries.newest_listed_for`` (a union of the agency's
own clients and those named to the user); it must list exactly the clients
``queries.clients_listed_for`` holds, newest first, whatever the page."""

import pytest
from django.urls import reverse

from clients import actions, queries
from clients.masking import Viewer
from clients.models import Client
from tests.builders.clients import new_client

pytestmark = pytest.mark.django_db


def listed(user, *, page_size=50, offset=0):
    rows = queries.masked_clients_for(user, Viewer(names=True), page_size=page_size, offset=offset)
    return [c.reference for c in rows]


def test_list_shows_own_and_named_clients_but_not_confidential_shared_in_or_merged_away(
    intake, supervisor, other_intake
):
    own = new_client(intake, first_name="Own")
    confidential = new_client(supervisor, first_name="Secret", confidential=True)
    named_elsewhere = new_client(other_intake, first_name="Named")
    actions.grant_client_access(group_or_user=intake, client=named_elsewhere)
    named_confidential = new_client(supervisor, first_name="Trusted", confidential=True)
    actions.grant_client_access(group_or_user=intake, client=named_confidential)
    referred_in = new_client(other_intake, first_name="Referred")
    actions.grant_client_access(group_or_user=intake.agency.group, client=referred_in)
    kept, merged = new_client(intake, first_name="Kept"), new_client(intake, first_name="Duplicate")
    actions.merge_clients(acting_user=supervisor, kept=kept, merged=merged, choices={})

    assert listed(intake) == [kept.reference, named_confidential.reference, named_elsewhere.reference, own.reference]
    assert confidential.reference in listed(supervisor)  # its creator is named on it
    assert listed(other_intake) == [referred_in.reference, named_elsewhere.reference]


def test_pages_follow_each_other_without_repeating_or_skipping_a_client(intake, other_intake):
    """Own and named clients interleave in time; some share a creation time."""
    for k in range(7):
        new_client(intake, first_name=f"Own{k}")
        named = new_client(other_intake, first_name=f"Named{k}")
        actions.grant_client_access(group_or_user=intake, client=named)
    same_moment = Client.objects.order_by("created_at").values_list("created_at", flat=True)[3]
    Client.objects.filter(pk__in=Client.objects.order_by("created_at").values("pk")[3:9]).update(created_at=same_moment)
    expected = list(
        queries.clients_listed_for(intake).order_by(*queries.NEWEST_FIRST).values_list("reference", flat=True)
    )

    pages = [listed(intake, page_size=3, offset=offset) for offset in range(0, 15, 3)]

    assert len(expected) == 14
    assert [reference for page in pages for reference in page] == expected


def test_list_page_shows_the_newest_page_of_clients_and_links_the_next(intake, client_for):
    from clients.views.records import PAGE_SIZE

    for k in range(PAGE_SIZE + 1):
        new_client(intake, first_name=f"Person{k}")
    oldest, *newest = Client.objects.order_by("created_at").values_list("reference", flat=True)

    page = client_for(intake).get(reverse("clients:list")).content.decode()

    assert all(reference in page for reference in newest)
    assert oldest not in page
    assert "?page=2" in page
