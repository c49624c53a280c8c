"""Requests for HMIS data from outside: recorded by any staff member, answered by the HMIS lead."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from hmis import permissions
from hmis.actions import notify
from hmis.audit import acting_as
from hmis.queries import users_holding
from sharing.actions._common import require
from sharing.models import ExternalRequest


def _external_link(request):
    return reverse("sharing:external-request-detail", args=[request.pk])


@transaction.atomic
def record_external_request(
    *, acting_user, requester_name, requester_type, channel, what_was_asked, requester_organisation=""
):
    """Any staff member logs a request for HMIS data from outside; it goes to the
    HMIS lead (system admins) at once. Nothing about any client is attached."""
    require(acting_user, permissions.RECORD_EXTERNAL_REQUESTS)
    request = ExternalRequest(
        agency=acting_user.agency,
        received_by=acting_user,
        requester_name=(requester_name or "").strip(),
        requester_organisation=(requester_organisation or "").strip(),
        requester_type=requester_type,
        channel=channel,
        what_was_asked=(what_was_asked or "").strip(),
    )
    request.full_clean()
    with acting_as(acting_user):
        request.save()
        request.record_initial_status(by=acting_user)
        notify(
            recipients=users_holding(permissions.ANSWER_EXTERNAL_REQUESTS),
            text=(
                f"External request {request.reference} ({request.get_requester_type_display().lower()}) "
                f"recorded at {request.agency.name if request.agency else 'an agency'}. Review it in HMIS."
            ),
            link=_external_link(request),
        )
    return request


@transaction.atomic
def move_external_request(*, acting_user, request, to_status, answer=""):
    """Only the system admin moves an external request: review, answer, decline.
    Answering or declining records what was answered."""
    require(acting_user, permissions.ANSWER_EXTERNAL_REQUESTS)
    locked = ExternalRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.can_move_to(to_status):
        raise ValidationError("That step is not possible for this request.")
    answer = (answer or "").strip()
    if to_status in ExternalRequest.CLOSED:
        if not answer:
            raise ValidationError({"answer": "Record what was answered to the requester."})
        locked.answer = answer
    with acting_as(acting_user):
        locked.move_to(to_status, by=acting_user)
        if to_status in ExternalRequest.CLOSED:
            notify(
                recipients=[locked.received_by],
                text=f"External request {locked.reference} was {locked.get_status_display().lower()} by the HMIS lead.",
                link=_external_link(locked),
            )
    return locked
