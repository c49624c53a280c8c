"""A victim service provider creates de-identified records only (VAWA)."""

import pytest
from django.core.exceptions import ValidationError

from clients.models import Client
from tests.builders.clients import make_client
from tests.builders.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def vsp_intake(db):
    agency = AgencyFactory(slug="safe-harbor-dv", name="Safe Harbor DV Program", is_victim_service_provider=True)
    return UserFactory(username="dv-intake", agency=agency, roles=["intake"])


def test_victim_service_provider_refuses_identifying_values(vsp_intake):
    with pytest.raises(ValidationError) as caught:
        make_client(vsp_intake)
    errors = caught.value.message_dict
    assert {"first_name", "last_name", "ssn", "dob", "phone", "email", "last_permanent_address"} <= set(errors)
    assert "VAWA" in errors["ssn"][0]
    assert not Client.objects.exists()


def test_victim_service_provider_creates_a_deidentified_record(vsp_intake, client_for):
    browser = client_for(vsp_intake)
    search_page = browser.get("/clients/intake/").content.decode()
    assert "victim service provider" in search_page
    form_page = browser.get("/clients/intake/new/").content.decode()
    assert "VAWA" in form_page
    assert 'name="first_name"' not in form_page and 'name="ssn"' not in form_page and 'name="dob"' not in form_page
    response = browser.post(
        "/clients/intake/new/", {"birth_year": 1990, "race_ethnicity": [9], "sex": 9, "veteran_status": 9}
    )
    assert response.status_code == 302
    client = Client.objects.get()
    assert client.is_anonymous and client.first_name is None and client.ssn is None and client.birth_year == 1990
    assert client.name_data_quality == 9


def test_posting_pii_to_a_victim_service_provider_form_is_ignored_or_refused(vsp_intake, client_for):
    browser = client_for(vsp_intake)
    browser.get("/clients/intake/")
    browser.post(
        "/clients/intake/new/",
        {
            "birth_year": 1990,
            "race_ethnicity": [9],
            "sex": 9,
            "veteran_status": 9,
            "first_name": "Sneaky",
            "ssn": "219873456",
        },
    )
    client = Client.objects.get()
    assert client.first_name is None and client.ssn is None
