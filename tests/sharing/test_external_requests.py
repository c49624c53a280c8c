"""External requests: any staff member records one, it goes to the HMIS lead
at once, the recorder sees what to tell the requester, and only the system
admin can review, answer or decline it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from hmis.models import Notice
from sharing import actions
from sharing.forms_shares import ExternalRequestForm
from sharing.models import ExternalRequest

pytestmark = pytest.mark.django_db


def record(user, **overrides):
    values = {
        "requester_name": "Det. Example",
        "requester_organisation": "County sheriff",
        "requester_type": ExternalRequest.RequesterType.LAW_ENFORCEMENT,
        "channel": ExternalRequest.Channel.PHONE,
        "what_was_asked": "Whether a named person stayed at the shelter last week",
    }
    values.update(overrides)
    return actions.record_external_request(acting_user=user, **values)


def test_any_staff_member_records_a_request_and_it_is_routed_to_the_system_admin(security_officer, system_admin):
    request = record(security_officer)
    assert request.status == ExternalRequest.Status.ROUTED
    assert request.reference.startswith("EXT-")
    notice = Notice.objects.get(recipient=system_admin)
    assert request.reference in notice.text
    assert "Det. Example" not in notice.text and "named person" not in notice.text


def test_the_form_has_no_client_field():
    assert set(ExternalRequestForm().fields) == {
        "requester_name",
        "requester_organisation",
        "requester_type",
        "channel",
        "what_was_asked",
    }
    assert not any("client" in f for f in ExternalRequest._meta.get_fields() if hasattr(f, "name") for f in [f.name])


def test_the_recorder_sees_what_to_tell_the_requester(client_for, intake, system_admin, settings):
    response = client_for(intake).post(
        reverse("sharing:external-request-create"),
        {
            "requester_name": "A reporter",
            "requester_organisation": "Daily News",
            "requester_type": "media",
            "channel": "email",
            "what_was_asked": "Numbers of people served",
        },
    )
    ExternalRequest.objects.get()
    assert response.status_code == 302
    page = client_for(intake).get(response["Location"]).content.decode()
    assert settings.HMIS_LEAD_EMAIL in page and 'id="what-to-tell"' in page
    assert "Record answer and close" not in page


def test_a_missing_requester_is_refused(intake):
    with pytest.raises(ValidationError):
        record(intake, requester_name=" ")
    assert not ExternalRequest.objects.exists()


@pytest.mark.parametrize("persona", ["intake", "supervisor", "security_officer", "agency_lead", "other_agency_lead"])
def test_nobody_but_the_system_admin_answers_or_closes(request, persona, intake):
    found = record(intake)
    user = request.getfixturevalue(persona)
    for status in ("under_review", "answered", "declined"):
        with pytest.raises(PermissionDenied):
            actions.move_external_request(acting_user=user, request=found, to_status=status, answer="Here you go")
    found.refresh_from_db()
    assert found.status == ExternalRequest.Status.ROUTED


def test_the_system_admin_reviews_and_answers_and_the_answer_is_recorded(intake, system_admin):
    found = record(intake)
    actions.move_external_request(acting_user=system_admin, request=found, to_status="under_review")
    with pytest.raises(ValidationError):
        actions.move_external_request(acting_user=system_admin, request=found, to_status="answered", answer="")
    answered = actions.move_external_request(
        acting_user=system_admin, request=found, to_status="answered", answer="Referred to county counsel; no data."
    )
    assert answered.status == ExternalRequest.Status.ANSWERED
    assert answered.answered_by == system_admin and answered.answer.startswith("Referred")
    assert Notice.objects.filter(recipient=intake, text__contains=found.reference).exists()
    with pytest.raises(ValidationError):
        actions.move_external_request(acting_user=system_admin, request=found, to_status="declined", answer="x")


def test_staff_cannot_answer_through_the_page(client_for, intake, supervisor):
    found = record(intake)
    response = client_for(supervisor).post(
        reverse("sharing:external-request-move", args=[found.pk]), {"to_status": "answered", "answer": "Yes"}
    )
    assert response.status_code == 403
    found.refresh_from_db()
    assert found.status == ExternalRequest.Status.ROUTED


def test_the_system_admin_answers_through_the_page(client_for, intake, system_admin):
    found = record(intake)
    response = client_for(system_admin).post(
        reverse("sharing:external-request-move", args=[found.pk]),
        {"to_status": "declined", "answer": "Needs a court order."},
    )
    assert response.status_code == 302
    found.refresh_from_db()
    assert found.status == ExternalRequest.Status.DECLINED


def test_requests_are_visible_only_to_their_recorder_and_the_system_admin(intake, supervisor, system_admin):
    from sharing import queries

    found = record(intake)
    assert list(queries.external_requests_for(intake)) == [found]
    assert list(queries.external_requests_for(supervisor)) == []
    assert list(queries.external_requests_for(system_admin)) == [found]
