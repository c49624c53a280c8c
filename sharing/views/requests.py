"""External requests for HMIS data and "someone is pushing for access" reports.

External requests go to the HMIS lead: staff record them and see what to tell
the requester; only the system admin reviews, answers or declines. Pressure
reports go to the agency's supervisors.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hmis.forms import apply_validation_error
from hmis.permissions import (
    ANSWER_EXTERNAL_REQUESTS,
    RECORD_EXTERNAL_REQUESTS,
    REPORT_PRESSURE,
    REVIEW_PRESSURE,
    has_permission,
    requires,
)
from hmis.views.outcome import run_action
from sharing import actions, queries
from sharing.forms_shares import ExternalRequestAnswerForm, ExternalRequestForm, PressureReportForm, ReviewForm
from sharing.models import ExternalRequest


def what_to_tell_the_requester() -> str:
    return (
        f"HMIS data requests are handled by {settings.HMIS_LEAD_NAME}. "
        f"Please contact {settings.HMIS_LEAD_EMAIL} ({settings.HMIS_LEAD_PHONE}). "
        "I cannot confirm or deny whether any person receives services, or share any information."
    )


# --- External requests ----------------------------------------------------------------


@requires(RECORD_EXTERNAL_REQUESTS)
def external_request_list(request):
    return render(
        request,
        "sharing/requests/list.html",
        {
            "requests": queries.external_requests_for(request.user)[:200],
            "is_lead": has_permission(request.user, ANSWER_EXTERNAL_REQUESTS),
        },
    )


@requires(RECORD_EXTERNAL_REQUESTS)
def external_request_create(request):
    form = ExternalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            found = actions.record_external_request(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Request {found.reference} recorded and sent to the HMIS lead.")
            return redirect("sharing:external-request-detail", request_id=found.pk)
    return render(
        request,
        "sharing/requests/create.html",
        {"form": form, "what_to_tell": what_to_tell_the_requester()},
    )


@requires(RECORD_EXTERNAL_REQUESTS)
def external_request_detail(request, request_id):
    found = queries.get_external_request_for(request.user, request_id)
    is_lead = has_permission(request.user, ANSWER_EXTERNAL_REQUESTS)
    Status = ExternalRequest.Status
    moves = [(s, Status(s).label) for s in (Status.UNDER_REVIEW, Status.ANSWERED, Status.DECLINED)]
    return render(
        request,
        "sharing/requests/detail.html",
        {
            "req": found,
            "what_to_tell": what_to_tell_the_requester(),
            "history": queries.status_history(found),
            "can_answer": is_lead and found.status not in ExternalRequest.CLOSED,
            "can_start_review": is_lead and found.status == Status.ROUTED,
            "answer_form": ExternalRequestAnswerForm(),
            "moves": moves,
        },
    )


@requires(ANSWER_EXTERNAL_REQUESTS)
@require_POST
def external_request_move(request, request_id):
    found = queries.get_external_request_for(request.user, request_id)
    to_status = request.POST.get("to_status", "")
    if to_status not in ExternalRequest.Status.values:
        raise Http404
    form = ExternalRequestAnswerForm(request.POST)
    form.is_valid()
    return run_action(
        request,
        lambda: actions.move_external_request(
            acting_user=request.user, request=found, to_status=to_status, answer=form.cleaned_data.get("answer", "")
        ),
        success=f"Request {found.reference}: {ExternalRequest.Status(to_status).label.lower()}.",
        to=reverse("sharing:external-request-detail", args=[found.pk]),
    )


# --- Pressure to share ------------------------------------------------------------------


@requires(REPORT_PRESSURE)
def pressure_list(request):
    return render(
        request,
        "sharing/pressure/list.html",
        {
            "reports": queries.pressure_reports_for(request.user)[:200],
            "is_supervisor": has_permission(request.user, REVIEW_PRESSURE),
        },
    )


@requires(REPORT_PRESSURE)
def pressure_report(request):
    """One click: the page is a single button (with an optional note)."""
    form = PressureReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        report = actions.report_pressure(acting_user=request.user, note=form.cleaned_data["note"])
        messages.success(
            request,
            f"Report {report.reference} sent to your supervisors. Do not share anything: stop and talk with them.",
        )
        return redirect("sharing:pressure-detail", report_id=report.pk)
    return render(request, "sharing/pressure/report.html", {"form": form})


@requires(REPORT_PRESSURE)
def pressure_detail(request, report_id):
    report = queries.get_pressure_report_for(request.user, report_id)
    is_supervisor = has_permission(request.user, REVIEW_PRESSURE) and report.agency_id == request.user.agency_id
    return render(
        request,
        "sharing/pressure/detail.html",
        {
            "report": report,
            "is_supervisor": is_supervisor,
            "can_review": is_supervisor and report.reviewed_at is None,
            "can_open_incident": is_supervisor and not report.incident_id,
            "review_form": ReviewForm(),
        },
    )


@requires(REVIEW_PRESSURE)
@require_POST
def pressure_review(request, report_id):
    report = queries.get_pressure_report_for(request.user, report_id)
    form = ReviewForm(request.POST)
    form.is_valid()
    return run_action(
        request,
        lambda: actions.review_pressure_report(
            acting_user=request.user, report=report, note=form.cleaned_data.get("note", "")
        ),
        success="Review recorded.",
        to=reverse("sharing:pressure-detail", args=[report.pk]),
    )


@requires(REVIEW_PRESSURE)
@require_POST
def pressure_open_incident(request, report_id):
    report = queries.get_pressure_report_for(request.user, report_id)
    return run_action(
        request,
        lambda: actions.open_incident_from_pressure_report(acting_user=request.user, report=report),
        success=lambda incident: f"Incident {incident.reference} opened.",
        to=reverse("sharing:pressure-detail", args=[report.pk]),
    )
