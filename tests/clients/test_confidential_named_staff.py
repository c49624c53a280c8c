"""A confidential client is seen only by the staff named on it; a named worker
names or removes colleagues from the client page, and one must stay named."""

import pytest
from django.urls import reverse

from clients import queries
from tests.builders.clients import make_client

pytestmark = pytest.mark.django_db


def visible(user):
    return set(queries.clients_visible_to(user).values_list("pk", flat=True))


def test_named_worker_adds_and_removes_a_colleague(client_for, intake, supervisor, security_officer):
    record = make_client(intake, first_name="Quiet", ssn="219870009", confidential=True)
    assert record.pk in visible(intake) and record.pk not in visible(supervisor)
    worker = client_for(intake)
    page = worker.get(reverse("clients:detail", args=[record.pk])).content.decode()
    assert "Who may see this confidential record" in page and "harbor-supervisor" in page
    # The security officer's role sees no client records, so it is not offered.
    assert "harbor-security" not in page.split("Name a colleague")[1]
    url = reverse("clients:named-staff", args=[record.pk])
    assert worker.post(url, {"staff_user": supervisor.pk}).status_code == 302
    assert record.pk in visible(supervisor)
    assert client_for(supervisor).get(reverse("clients:detail", args=[record.pk])).status_code == 200
    worker.post(url, {"staff_user": supervisor.pk, "remove": "1"})
    assert record.pk not in visible(supervisor)


def test_the_last_named_person_cannot_be_removed(client_for, intake):
    record = make_client(intake, first_name="Quiet", ssn="219870009", confidential=True)
    response = client_for(intake).post(
        reverse("clients:named-staff", args=[record.pk]), {"staff_user": intake.pk, "remove": "1"}, follow=True
    )
    assert b"needs one named person" in response.content
    assert record.pk in visible(intake)


def test_colleagues_of_other_agencies_cannot_be_named(client_for, intake, other_intake):
    record = make_client(intake, first_name="Quiet", ssn="219870009", confidential=True)
    client_for(intake).post(reverse("clients:named-staff", args=[record.pk]), {"staff_user": other_intake.pk})
    assert record.pk not in visible(other_intake)


def test_a_colleague_who_is_not_named_cannot_change_the_list(client_for, intake, supervisor):
    record = make_client(intake, first_name="Quiet", ssn="219870009", confidential=True)
    response = client_for(supervisor).post(
        reverse("clients:named-staff", args=[record.pk]), {"staff_user": supervisor.pk}
    )
    assert response.status_code == 404
    assert record.pk not in visible(supervisor)
