"""The intake flow through the pages: search, create, enrol, assess."""

import datetime

import pytest

from clients.models import Assessment, Client, Enrollment
from hmis.models import AccessEvent
from tests.builders.clients import make_project
from tests.canaries import CANARY_FIRST, CANARY_LAST

pytestmark = pytest.mark.django_db


def test_create_without_a_search_sends_the_worker_to_search(intake, client_for):
    response = client_for(intake).get("/clients/intake/new/")
    assert response.status_code == 302 and response.headers["Location"] == "/clients/intake/"


def test_search_needs_two_pieces(intake, client_for):
    page = client_for(intake).post("/clients/intake/", {"last_name": CANARY_LAST}).content.decode()
    assert "at least two" in page


def test_search_then_create_enrol_and_assess(intake, client_for):
    project = make_project(intake)
    browser = client_for(intake)
    terms = {"first_name": CANARY_FIRST, "last_name": CANARY_LAST, "dob": "1983-07-19"}
    page = browser.post("/clients/intake/", terms).content.decode()
    assert "No matching client" in page
    prefilled = browser.post("/clients/intake/new/", {"prefill": "1", **terms}).content.decode()
    assert f'value="{CANARY_FIRST}"' in prefilled
    response = browser.post(
        "/clients/intake/new/",
        {
            **terms,
            "name_data_quality": 1,
            "ssn": "219-87-3456",
            "ssn_data_quality": 1,
            "dob_data_quality": 1,
            "race_ethnicity": [3, 6],
            "sex": 1,
            "veteran_status": 0,
        },
    )
    client = Client.objects.get()
    assert response.headers["Location"] == f"/clients/{client.pk}/enrol/"
    today = datetime.date.today().isoformat()
    response = browser.post(
        f"/clients/{client.pk}/enrol/", {"project": project.pk, "entry_date": today, "relationship_to_hoh": 1}
    )
    enrollment = Enrollment.objects.get()
    assert response.headers["Location"] == f"/clients/{client.pk}/enrollments/{enrollment.pk}/assessment/"
    response = browser.post(
        f"/clients/{client.pk}/enrollments/{enrollment.pk}/assessment/",
        {
            "assessment_date": today,
            "prior_living_situation": 116,
            "length_of_stay": 3,
            "disabling_condition": 0,
            "income_from_any_source": 0,
            "non_cash_benefits": 1,
            "health_insurance": 1,
            "domestic_violence_survivor": 9,
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Assessment.objects.filter(enrollment=enrollment).count() == 1
    actions = set(AccessEvent.objects.filter(subject_id=client.pk).values_list("action", flat=True))
    assert {"create", "edit"} <= actions


def test_enrolment_refuses_another_agencys_project(intake, other_intake, client_for):
    from django.core.exceptions import ValidationError

    from clients import actions
    from tests.builders.clients import make_client

    client = make_client(intake)
    with pytest.raises(ValidationError):
        actions.enrol_client(
            acting_user=intake,
            client=client,
            project=make_project(other_intake, name="Eastside Shelter"),
            entry_date=datetime.date.today(),
            relationship_to_hoh=1,
        )


def test_supervisor_adds_a_project(supervisor, client_for):
    response = client_for(supervisor).post("/clients/projects/", {"name": "Harbor RRH", "project_type": 13})
    assert response.status_code == 302
    assert supervisor.agency.projects.get().get_project_type_display() == "PH - Rapid Re-Housing"
