"""A client's correction requests (HUD privacy standards: a client may ask to
correct their record): recorded by staff, decided by a supervisor."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clients import actions, queries
from clients.forms import (
    CorrectionRefusalForm,
    CorrectionRequestForm,
    CorrectionRevealForm,
)
from clients.masking import HIDDEN, REVEALABLE, MaskedClient, masked_field_value, value_text
from clients.models import CorrectionRequest
from hmis import reveal_once
from hmis.confirm import confirmation_page
from hmis.models import AccessEvent
from hmis.permissions import (
    DECIDE_CORRECTIONS,
    EDIT_CLIENTS,
    has_permission,
    requires,
)
from hmis.privacy import privacy_screen_on
from hmis.views.outcome import form_error_text, run_action, validation_text


def _correction_row(correction, viewer, *, revealed=False) -> dict:
    """What a page shows of one request: masked values, no model instance."""
    return {
        "id": correction.pk,
        "field_label": correction.field_label,
        "requested": masked_field_value(correction.field, correction.requested_value, viewer, revealed=revealed),
        "reason": HIDDEN if viewer.privacy else correction.reason,
        "status": correction.status,
        "status_label": correction.get_status_display(),
        "requested_by": correction.requested_by.username,
        "requested_at": correction.requested_at,
        "decided_by": correction.decided_by.username if correction.decided_by_id else "",
        "decided_at": correction.decided_at,
        "refusal_reason": HIDDEN if viewer.privacy else correction.refusal_reason,
    }


def corrections_context(user, client, viewer) -> dict:
    """The client page's "Corrections" section: the record's agency's case workers only."""
    if not queries.can_edit(user, client):
        return {"corrections_visible": False}
    rows = [_correction_row(c, viewer) for c in queries.corrections_of(user, client)]
    return {
        "corrections_visible": True,
        "open_corrections": [r for r in rows if r["status"] == CorrectionRequest.Status.OPEN],
        "decided_corrections": [r for r in rows if r["status"] != CorrectionRequest.Status.OPEN],
        "correction_fields": list(CorrectionRequest.FIELDS.items()),
        "can_decide_corrections": has_permission(user, DECIDE_CORRECTIONS),
    }


@requires(EDIT_CLIENTS)
@require_POST
def correction_create(request, client_id):
    """Record a client's request to correct their record (post/redirect/get)."""
    client = queries.get_client_of_record_for(request.user, client_id)
    form = CorrectionRequestForm(request.POST)
    return run_action(
        request,
        lambda: actions.request_correction(acting_user=request.user, client=client, **form.cleaned_data),
        success="Correction request recorded. A supervisor of the agency will accept or refuse it.",
        to=reverse("clients:detail", args=[client.pk]) + "#corrections",
        form=form,
    )


@requires(DECIDE_CORRECTIONS)
def correction(request, client_id, correction_id, token=""):
    """The supervisor's page for one request: current and requested values
    (masked; a masked field can be revealed with a reason, shown once), the
    client's reason, accept or refuse."""
    found = queries.get_correction_for(request.user, client_id, correction_id)
    client = found.client
    viewer = queries.viewer_for(request)
    revealed = bool(token) and reveal_once.take(request, token, subject_id=found.pk) == found.field
    is_open = found.status == CorrectionRequest.Status.OPEN
    own = found.requested_by_id == request.user.pk
    current = found.previous_value if not is_open else value_text(getattr(client, found.field))
    return render(
        request,
        "clients/correction.html",
        {
            "client": MaskedClient.of(client, viewer),
            "correction": _correction_row(found, viewer, revealed=revealed),
            "current": masked_field_value(found.field, current, viewer, revealed=revealed),
            "current_label": "Value before the correction" if found.status == "accepted" else "Recorded now",
            "revealed": revealed,
            "reveal_used": bool(token) and not revealed,
            "own_request": own,
            "can_decide": is_open and not own,
            "can_reveal": is_open
            and found.field in REVEALABLE
            and queries.can_reveal(request.user, client)
            and not viewer.privacy
            and not revealed,
            "reveal_reasons": AccessEvent.Reason.choices,
            "refusal_form": CorrectionRefusalForm(),
            "privacy": viewer.privacy,
        },
    )


def _correction_url(found) -> str:
    return reverse("clients:correction", args=[found.client.pk, found.pk])


@requires(DECIDE_CORRECTIONS)
@require_POST
def correction_reveal(request, client_id, correction_id):
    """Record the reveal, then show the values once (post/redirect/get)."""
    found = queries.get_correction_for(request.user, client_id, correction_id)
    form = CorrectionRevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(_correction_url(found))
    try:
        field = actions.reveal_correction_value(
            acting_user=request.user,
            request=found,
            privacy_screen=privacy_screen_on(request),
            **form.cleaned_data,
        )
    except ValidationError as error:
        messages.error(request, validation_text(error))
        return redirect(_correction_url(found))
    token = reveal_once.hold(request, subject_id=found.pk, field=field)
    return redirect("clients:correction-revealed", client_id=found.client.pk, correction_id=found.pk, token=token)


@requires(DECIDE_CORRECTIONS)
def correction_accept(request, client_id, correction_id):
    """Asks once (what will change), then accepts: the record is changed."""
    found = queries.get_correction_for(request.user, client_id, correction_id)
    if request.method != "POST" or request.POST.get("confirmed") != "yes":
        return confirmation_page(
            request,
            title="Accept this correction?",
            consequences=[
                f"The {found.field_label.lower()} on client {found.client.reference}'s record is changed "
                "to what the client asked for.",
                "The change is recorded in the record's audit trail with this request.",
                "The request is closed as accepted and cannot be decided again.",
            ],
            button="Accept correction",
            cancel_url=_correction_url(found),
            hidden={"confirmed": "yes"},
        )
    return run_action(
        request,
        lambda: actions.accept_correction(acting_user=request.user, request=found),
        success="Correction accepted: the record was changed.",
        to=_correction_url(found),
    )


@requires(DECIDE_CORRECTIONS)
@require_POST
def correction_refuse(request, client_id, correction_id):
    found = queries.get_correction_for(request.user, client_id, correction_id)
    form = CorrectionRefusalForm(request.POST)
    return run_action(
        request,
        lambda: actions.refuse_correction(acting_user=request.user, request=found, reason=form.cleaned_data["reason"]),
        success="Correction refused. The request and its reason stay on the client's record.",
        to=_correction_url(found),
        form=form,
    )
