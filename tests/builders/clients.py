"""Clients, projects and enrolments for tests, made through the real actions."""

import datetime

from clients import actions
from clients.hud import ProjectType
from tests.canaries import (
    CANARY_ADDRESS,
    CANARY_DOB,
    CANARY_EMAIL,
    CANARY_FIRST,
    CANARY_LAST,
    CANARY_PHONE,
    CANARY_SSN,
)


def client_values(**overrides):
    values = {
        "first_name": CANARY_FIRST,
        "last_name": CANARY_LAST,
        "name_data_quality": 1,
        "ssn": CANARY_SSN,
        "ssn_data_quality": 1,
        "dob": CANARY_DOB,
        "dob_data_quality": 1,
        "race_ethnicity": [5],
        "sex": 0,
        "veteran_status": 0,
        "phone": CANARY_PHONE,
        "email": CANARY_EMAIL,
        "last_permanent_address": CANARY_ADDRESS,
    }
    values.update(overrides)
    return values


def make_client(user, **overrides):
    """A client carrying every canary value (``tests/canaries.py``)."""
    return actions.create_client(acting_user=user, **client_values(**overrides))


def new_client(user, **values):
    """A client with a name only (no SSN, birth date or contact details)."""
    defaults = {
        "first_name": "Rowan",
        "last_name": "Testperson",
        "name_data_quality": 1,
        "ssn_data_quality": 99,
        "dob_data_quality": 99,
        "race_ethnicity": [99],
    }
    return actions.create_client(acting_user=user, **{**defaults, **values})


def make_project(user, name="Harbor Shelter", project_type=ProjectType.ES_ENTRY_EXIT):
    from clients.models import Project

    # Projects are set up by supervisors or leads; tests make them directly for any agency.
    return Project.objects.get_or_create(agency=user.agency, name=name, defaults={"project_type": project_type})[0]


def make_enrollment(user, client, *, entry_date=None, project=None):
    return actions.enrol_client(
        acting_user=user,
        client=client,
        project=project or make_project(user),
        entry_date=entry_date or datetime.date.today() - datetime.timedelta(days=3),
        relationship_to_hoh=1,
    )


def assessment_answers(**overrides):
    answers = {
        "assessment_date": datetime.date.today() - datetime.timedelta(days=1),
        "prior_living_situation": 116,
        "length_of_stay": 4,
        "disabling_condition": 1,
        "income_from_any_source": 1,
        "monthly_income": 640,
        "non_cash_benefits": 0,
        "health_insurance": 1,
        "domestic_violence_survivor": 0,
        "currently_fleeing": None,
        "notes": "",
    }
    answers.update(overrides)
    return answers
