"""The client page: masked by default, reveal with a reason (audited, one
page view), access history, and masked-only roles."""

import pytest

from hmis.models import AccessEvent
from tests.builders.clients import assessment_answers, make_client, make_enrollment
from tests.canaries import CANARY_ADDRESS, CANARY_FIRST, CANARY_PHONE, CANARY_SSN, CANARY_SSN_SHOWN

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def test_page_shows_names_to_case_workers_and_masks_other_pii(intake, client_for):
    client = make_client(intake)
    page = text(client_for(intake).get(f"/clients/{client.pk}/"))
    assert CANARY_FIRST in page
    assert "•••-••-3456" in page
    assert CANARY_SSN not in page and CANARY_SSN_SHOWN not in page
    assert "Born 1983 (age" in page and "1983-07-19" not in page
    assert CANARY_PHONE not in page and "Wallaby" not in page
    assert f"<title>Client {client.reference} · HMIS</title>" in page


def test_every_opening_is_an_access_event(intake, client_for):
    client = make_client(intake)
    client_for(intake).get(f"/clients/{client.pk}/")
    assert AccessEvent.objects.filter(subject_id=client.pk, action=AccessEvent.Action.VIEW, actor=intake).count() == 1


def test_reveal_needs_a_reason(intake, client_for):
    client = make_client(intake)
    response = client_for(intake).post(f"/clients/{client.pk}/reveal/", {"field": "ssn"})
    assert response.status_code == 400
    assert CANARY_SSN_SHOWN not in text(response)
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).exists()


def test_other_reason_needs_an_explanation(intake, client_for):
    client = make_client(intake)
    response = client_for(intake).post(f"/clients/{client.pk}/reveal/", {"field": "ssn", "reason": "other"})
    assert response.status_code == 400
    assert "Say why" in text(response)


def test_reveal_shows_one_field_for_this_page_view_and_is_recorded(intake, client_for):
    client = make_client(intake)
    browser = client_for(intake)
    response = browser.post(
        f"/clients/{client.pk}/reveal/",
        {"field": "ssn", "reason": "other", "reason_text": "Benefits application"},
        follow=True,
    )
    assert response.status_code == 200
    page = text(response)
    assert CANARY_SSN_SHOWN in page
    assert CANARY_PHONE not in page  # only the one field
    event = AccessEvent.objects.get(action=AccessEvent.Action.REVEAL)
    assert (event.actor, event.subject_id, event.fields, event.reason) == (intake, client.pk, ["ssn"], "other")
    assert event.reason_text == "Benefits application"
    assert "Revealed a field" in page and "Benefits application" in page  # in the access history
    # The next page view is masked again.
    assert CANARY_SSN_SHOWN not in text(browser.get(f"/clients/{client.pk}/"))


def test_reveal_phone_and_address(intake, client_for):
    client = make_client(intake)
    browser = client_for(intake)
    assert CANARY_PHONE in text(
        browser.post(f"/clients/{client.pk}/reveal/", {"field": "phone", "reason": "service"}, follow=True)
    )
    page = text(
        browser.post(
            f"/clients/{client.pk}/reveal/", {"field": "last_permanent_address", "reason": "service"}, follow=True
        )
    )
    assert CANARY_ADDRESS in page and CANARY_PHONE not in page


@pytest.mark.parametrize("persona", ["security_officer", "agency_lead"])
def test_security_officer_and_lead_see_masked_records_only(persona, intake, client_for, request):
    user = request.getfixturevalue(persona)
    client = make_client(intake)
    make_enrollment(intake, client)
    browser = client_for(user)
    page = text(browser.get(f"/clients/{client.pk}/"))
    assert CANARY_FIRST not in page and "Q. Z." in page
    assert "3456" not in page
    assert "Reveal a field" not in page and "Edit record" not in page
    assert "Access history" in page
    assert (
        browser.post(f"/clients/{client.pk}/reveal/", {"field": "ssn", "reason": "security_review"}).status_code == 403
    )
    assert CANARY_FIRST not in text(browser.get("/clients/"))


def test_sensitive_assessment_answers_hidden_from_masked_roles(intake, security_officer, client_for):
    from clients import actions

    client = make_client(intake)
    enrollment = make_enrollment(intake, client)
    actions.record_assessment(
        acting_user=intake,
        enrollment=enrollment,
        **assessment_answers(domestic_violence_survivor=1, currently_fleeing=1),
    )
    staff_page = text(client_for(intake).get(f"/clients/{client.pk}/"))
    assert "$640" in staff_page
    officer_page = text(client_for(security_officer).get(f"/clients/{client.pk}/"))
    assert "$640" not in officer_page and "Place not meant for habitation" in officer_page


def test_access_history_lists_who_what_when_why(intake, supervisor, client_for):
    client = make_client(intake)
    client_for(supervisor).post(f"/clients/{client.pk}/reveal/", {"field": "dob", "reason": "client_request"})
    page = text(client_for(intake).get(f"/clients/{client.pk}/"))
    assert "harbor-supervisor" in page and "The client asked" in page and "Created" in page


def test_edit_keeps_unshown_values_and_records_changed_field_names(intake, client_for):
    from clients.models import Client

    client = make_client(intake)
    browser = client_for(intake)
    form_page = text(browser.get(f"/clients/{client.pk}/edit/"))
    assert CANARY_SSN not in form_page and CANARY_PHONE not in form_page
    response = browser.post(
        f"/clients/{client.pk}/edit/",
        {
            "first_name": CANARY_FIRST,
            "last_name": "Zebrafinch",
            "name_data_quality": 1,
            "ssn_data_quality": 1,
            "dob_data_quality": 1,
            "race_ethnicity": [5],
            "sex": 0,
            "veteran_status": 0,
            "remove": ["phone"],
        },
    )
    assert response.status_code == 302, text(response)
    loaded = Client.objects.get(pk=client.pk)
    assert loaded.last_name == "Zebrafinch" and loaded.ssn == CANARY_SSN and loaded.phone is None
    event = AccessEvent.objects.get(action=AccessEvent.Action.EDIT)
    assert event.fields == ["last_name", "phone"]


def test_the_full_access_history_has_its_own_page(client_for, intake, supervisor, other_intake):
    from django.urls import reverse

    from tests.builders.clients import make_client

    record = make_client(intake)
    worker = client_for(intake)
    for _ in range(12):
        worker.get(reverse("clients:detail", args=[record.pk]))
    detail = worker.get(reverse("clients:detail", args=[record.pk])).content.decode()
    assert detail.count("<td>Opened</td>") == 10  # the latest ten on the client page
    full = client_for(supervisor).get(reverse("clients:history", args=[record.pk])).content.decode()
    assert full.count("<td>Opened</td>") == 13 and "<td>Created</td>" in full
    assert client_for(other_intake).get(reverse("clients:history", args=[record.pk])).status_code == 404
