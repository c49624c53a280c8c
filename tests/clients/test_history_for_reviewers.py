"""Security officers and agency leads see a client's access history without
release metadata or disclosure recipients (DESIGN.md section 1; issue 10, item 6)."""

import pytest

from clients import actions as client_actions
from hmis.models import AccessEvent
from sharing import actions as sharing_actions
from sharing.models import DataCategory, Disclosure, Purpose
from tests.builders.clients import make_client
from tests.builders.sharing import outside_release

pytestmark = pytest.mark.django_db

RECIPIENT = "Quokka Legal Aid"


@pytest.fixture
def disclosed(intake, supervisor):
    client = make_client(intake)
    release = outside_release(intake, supervisor, client, RECIPIENT)
    sharing_actions.record_disclosure(
        acting_user=intake,
        client=client,
        release=release,
        categories=[DataCategory.IDENTITY, DataCategory.HOUSING_HISTORY],
        purpose=Purpose.HOUSING_PLACEMENT,
        method=Disclosure.Method.PHONE,
    )
    client_actions.reveal_client_field(
        acting_user=intake, client=client, field="ssn", reason=AccessEvent.Reason.OTHER, reason_text="Quokka form"
    )
    return client


@pytest.mark.parametrize("reviewer", ["security_officer", "agency_lead"])
@pytest.mark.parametrize("page", ["detail", "history"])
def test_reviewers_see_who_did_what_but_not_to_whom_or_what_was_disclosed(
    request, client_for, disclosed, reviewer, page
):
    user = request.getfixturevalue(reviewer)
    url = f"/clients/{disclosed.pk}/" if page == "detail" else f"/clients/{disclosed.pk}/history/"
    response = client_for(user).get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Disclosed outside HMIS" in text and "Revealed a field" in text  # the history is there
    assert "Quokka" not in text and "Legal Aid" not in text
    assert "housing_history" not in text


def test_the_case_worker_still_sees_the_accounting_of_disclosures(client_for, intake, disclosed):
    text = client_for(intake).get(f"/clients/{disclosed.pk}/history/").content.decode()
    assert f"To {RECIPIENT} for housing placement" in text
    assert "housing_history" in text
