"""A refused form shows every problem in one round, with a summary on top
whose items link to their fields; help text is reachable from its field."""

import re

import pytest

from clients.models import Client
from tests.canaries import CANARY_FIRST, CANARY_LAST

pytestmark = pytest.mark.django_db


def searched(browser):
    browser.post("/clients/intake/", {"first_name": CANARY_FIRST, "last_name": CANARY_LAST, "dob": "1983-07-19"})
    return browser


def summary_of(page):
    match = re.search(r'<div class="error-summary" id="error-summary".*?</div>', page, re.S)
    assert match, "the refused form has an error summary"
    return match.group(0)


def test_create_client_with_three_problems_shows_all_three(intake, client_for):
    browser = searched(client_for(intake))
    response = browser.post(
        "/clients/intake/new/",
        {
            "first_name": CANARY_FIRST,
            "last_name": CANARY_LAST,
            "name_data_quality": 1,
            "ssn": "123-45-6789",  # a placeholder
            "ssn_data_quality": 1,
            "dob": "1900-01-01",  # a placeholder
            "dob_data_quality": 1,
            # no race or ethnicity chosen
            "sex": 1,
            "veteran_status": 0,
        },
    )
    page = response.content.decode()
    summary = summary_of(page)
    assert '<a href="#id_race_ethnicity_0">' in summary and "This field is required." in summary
    assert '<a href="#id_ssn">' in summary and "That is a placeholder, not an SSN." in summary
    assert '<a href="#id_dob">' in summary and "1900-01-01 is a placeholder." in summary
    # Each link leads to a field of the form.
    for target in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{target}"' in page
    assert not Client.objects.exists()


def test_a_field_error_that_follows_from_another_is_not_repeated(intake, client_for):
    browser = searched(client_for(intake))
    page = browser.post(
        "/clients/intake/new/",
        {"first_name": CANARY_FIRST, "last_name": CANARY_LAST, "name_data_quality": 1, "ssn_data_quality": "x"},
    ).content.decode()
    summary = summary_of(page)
    assert "SSN data quality" in summary
    assert "Enter the SSN" not in summary


@pytest.mark.parametrize(
    ("url", "field", "words"),
    [
        ("/incidents/report/", "description", "Do not type client names"),
        ("/clients/intake/new/", "ssn", "Nine digits"),
    ],
)
def test_help_text_is_what_its_field_is_described_by(intake, client_for, url, field, words):
    page = searched(client_for(intake)).get(url).content.decode()
    tag = re.search(rf'<(?:input|textarea)[^>]*id="id_{field}"[^>]*>', page).group(0)
    described_by = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
    texts = [re.search(rf'id="{id_}"[^>]*>(.*?)</small>', page, re.S) for id_ in described_by]
    assert all(texts), f"aria-describedby {described_by} names a missing element"
    assert any(words in t.group(1) for t in texts)


def test_edit_form_says_how_to_clear_a_recorded_phone_and_address(intake, client_for):
    from tests.builders.clients import make_client

    client = make_client(intake, email=None)
    browser = client_for(intake)
    page = browser.get(f"/clients/{client.pk}/edit/").content.decode()
    phone_help = re.search(r'<small id="id_phone_helptext">(.*?)</small>', page).group(1)
    assert "Leave empty to keep it" in phone_help and "to clear it" in phone_help
    # Only recorded values are offered for removal.
    offered = re.findall(r'name="remove" value="([^"]+)"', page)
    assert "phone" in offered and "last_permanent_address" in offered and "email" not in offered
    assert "Nothing recorded yet." in re.search(r'<small id="id_email_helptext">(.*?)</small>', page).group(1)
    response = browser.post(
        f"/clients/{client.pk}/edit/",
        {
            "first_name": client.first_name,
            "last_name": client.last_name,
            "name_data_quality": 1,
            "ssn_data_quality": 1,
            "dob_data_quality": 1,
            "race_ethnicity": [5],
            "sex": 0,
            "veteran_status": 0,
            "remove": ["phone", "last_permanent_address"],
        },
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.phone is None and client.last_permanent_address is None
