"""Incident pages. Thin: scope through ``queries``, write through ``actions``.

POST-only sub-views report problems as messages and redirect to the incident:
a refused change leaves nothing changed (each action is one transaction)."""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hmis import actions as core_actions
from hmis import permissions
from hmis.confirm import confirmation_page, plural
from hmis.forms import apply_validation_error
from hmis.network import client_ip
from hmis.permissions import (
    ACKNOWLEDGE_INCIDENTS,
    REPORT_INCIDENTS,
    TRIAGE_INCIDENTS,
    VIEW_SECURITY_EVENTS,
    WAIVE_CORRECTIVE_ACTIONS,
    has_permission,
    public,
    requires,
)
from hmis.privacy import privacy_screen_on
from hmis.views.outcome import run_action
from incidents import actions, queries
from incidents.deadlines import deadlines_for
from incidents.forms import (
    AssessmentForm,
    BreachNoticeForm,
    CorrectiveActionForm,
    FilterForm,
    MoveForm,
    ReopenForm,
    ReportForm,
    TriageForm,
    WaiverForm,
)
from incidents.models import Determination, Notification, RecipientRole, Status, TimelineEntry


def _picker_label(client):
    from clients.masking import initials

    return f"{client.reference} · {initials(client)}"


def _affected_client_choices(request, *, search=""):
    """The clients ticked so far plus those the search finds: the reporter's own
    clients only, as (id, "reference · initials"), masked like any list."""
    from clients.queries import own_clients_among, pick_own_clients

    ticked = own_clients_among(request.user, request.POST.getlist("affected_clients"))
    found = [c for c in pick_own_clients(request.user, search) if c not in ticked]
    return [(str(c.pk), _picker_label(c)) for c in ticked + found]


def _can_pick_clients(user):
    return has_permission(user, permissions.VIEW_CLIENTS) and bool(user.agency_id)


@requires(REPORT_INCIDENTS)
@require_POST
def affected_client_search(request):
    """The picker's as-you-type answer (JSON): the reporter's own clients
    matching a reference code or initials. POST, so the typed text is never in a URL."""
    from clients.queries import pick_own_clients

    if not _can_pick_clients(request.user):
        return JsonResponse({"clients": []})
    found = pick_own_clients(request.user, request.POST.get("q", ""))
    return JsonResponse({"clients": [{"id": str(c.pk), "label": _picker_label(c)} for c in found]})


@requires(REPORT_INCIDENTS)
def incident_report(request):
    finding = "find_clients" in request.POST
    form = ReportForm(
        request.POST or None,
        client_choices=_affected_client_choices(request, search=request.POST.get("client_search", "")),
        can_pick=_can_pick_clients(request.user),
    )
    if finding:
        # The no-JavaScript search: the same page with the matches to tick; nothing is sent yet.
        form.errors.clear()
        return render(request, "incidents/report.html", {"form": form, "searched": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = actions.report_incident(
                acting_user=request.user,
                category=data["category"],
                occurred_at=data["occurred_at"],
                discovered_at=data["discovered_at"],
                description=data["description"],
                affected_clients=data.get("affected_clients") or (),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Thank you. Your report is {incident.reference}.")
            return redirect("incidents:detail", incident_id=incident.pk)
    return render(request, "incidents/report.html", {"form": form})


@requires(REPORT_INCIDENTS)
def incident_list(request):
    user = request.user
    incidents = queries.incidents_visible_to(user)
    filters = FilterForm(request.GET or None)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"] == "open":
            incidents = incidents.exclude(status=Status.CLOSED)
        elif data["status"]:
            incidents = incidents.filter(status=data["status"])
        if data["severity"]:
            incidents = incidents.filter(severity=data["severity"])
        if data["category"]:
            incidents = incidents.filter(category=data["category"])
        if data["reference"]:
            incidents = incidents.filter(reference__icontains=data["reference"].strip())
    sees_agency = has_permission(user, permissions.VIEW_INCIDENTS)
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": incidents[:300],
            "filters": filters,
            "sees_agency": sees_agency,
            "show_agency": user.is_system_admin,
        },
    )


@requires(REPORT_INCIDENTS)
def incident_detail(request, incident_id):
    user = request.user
    incident = queries.get_incident_for(user, incident_id)
    can_triage = queries.can_triage(user, incident)
    sees_all = can_triage or has_permission(user, permissions.VIEW_INCIDENTS)
    is_reporter = incident.reporter_id == user.pk
    # Free text may name people despite the rules: hidden with the privacy screen on.
    privacy = privacy_screen_on(request)
    context = {
        "incident": incident,
        "privacy": privacy,
        "can_triage": can_triage and incident.is_open,
        "sees_all": sees_all,
        "is_reporter": is_reporter,
        "deadlines": deadlines_for(incident),
        "timeline": incident.timeline.select_related("actor"),
        "corrective_actions": incident.corrective_actions.select_related("owner", "done_by", "verified_by"),
        "breach_notices": incident.breach_notices.select_related("recorded_by"),
        "my_open_actions": incident.corrective_actions.filter(owner=user, done_at__isnull=True),
        "escalated_roles": sorted({n.get_role_display() for n in incident.notifications.all()}),
        # Reference codes only: the incident pages never show who a client is.
        "affected_references": queries.affected_client_references(incident),
        "can_acknowledge": has_permission(user, ACKNOWLEDGE_INCIDENTS)
        and actions.acknowledgeable_notifications(user, incident).exists(),
    }
    if sees_all:
        context["notifications"] = incident.notifications.select_related("acknowledged_by")
        # An unconfirmed hand-off with attempts left is sent again by itself;
        # only one that will not be is for the security officer to chase.
        context["uncertain"] = incident.notifications.filter(
            Q(state=Notification.State.FAILED)
            | Q(state=Notification.State.UNCONFIRMED, attempts__gte=settings.HMIS_NOTIFICATION_MAX_ATTEMPTS)
        ).exists()
    if not sees_all:
        # Reporters follow the status; the timeline's notes are for the security officer.
        context["timeline"] = incident.timeline.filter(
            kind__in=[TimelineEntry.Kind.REPORTED, TimelineEntry.Kind.OPENED_BY_RULE, TimelineEntry.Kind.STATUS]
        )
    if can_triage and incident.is_open:
        context.update(
            triage_form=TriageForm(
                initial={"severity": incident.severity, "assigned_to": incident.assigned_to_id},
                assignable=queries.assignable_users(incident),
            ),
            # Its summary field would show the text: no assessment form with the privacy screen on.
            assessment_form=None
            if privacy
            else AssessmentForm(
                initial={
                    "determination": incident.determination,
                    "affected_count": incident.affected_count,
                    "affected_state": incident.affected_state,
                    "summary": incident.summary,
                }
            ),
            action_form=CorrectiveActionForm(owners=queries.action_owners(incident)),
            moves=incident.allowed_moves(),
            closing_problems=incident.closing_problems(),
            can_waive=has_permission(user, WAIVE_CORRECTIVE_ACTIONS) and not incident.waiver,
            waiver_form=WaiverForm(),
            breach_notice_form=BreachNoticeForm(initial={"notified_count": incident.affected_count})
            if incident.determination == Determination.BREACH
            else None,
        )
    if can_triage and not incident.is_open:
        context["reopen_form"] = ReopenForm()
    return render(request, "incidents/detail.html", context)


@requires(ACKNOWLEDGE_INCIDENTS)
def incident_acknowledge(request, incident_id):
    incident = queries.get_incident_for(request.user, incident_id)
    pending = actions.acknowledgeable_notifications(request.user, incident)
    if request.method == "POST":
        return run_action(
            request,
            lambda: actions.acknowledge_escalation(acting_user=request.user, incident=incident),
            success=f"Acknowledged {incident.reference}. Reminders stop.",
            to=reverse("incidents:detail", args=[incident.pk]),
        )
    return render(request, "incidents/acknowledge.html", {"incident": incident, "pending": pending})


def _triage_target(request, incident_id):
    incident = queries.get_incident_for(request.user, incident_id)
    if not queries.can_triage(request.user, incident):
        raise Http404
    return incident


# The incident page's sections: a change returns to its own section.
TRIAGE_SECTION, ASSESSMENT_SECTION, ACTIONS_SECTION, TIMELINE_SECTION = "triage", "assessment", "actions", "timeline"


def _section(incident, section) -> str:
    return reverse("incidents:detail", args=[incident.pk]) + f"#{section}"


@requires(TRIAGE_INCIDENTS)
@require_POST
def incident_triage(request, incident_id):
    incident = _triage_target(request, incident_id)
    form = TriageForm(request.POST, assignable=queries.assignable_users(incident))
    return run_action(
        request,
        lambda: actions.triage_incident(
            acting_user=request.user,
            incident=incident,
            severity=form.cleaned_data["severity"],
            assigned_to=form.cleaned_data["assigned_to"],
        ),
        form=form,
        success="Triage saved.",
        to=_section(incident, TRIAGE_SECTION),
    )


@requires(TRIAGE_INCIDENTS)
@require_POST
def incident_move(request, incident_id):
    incident = _triage_target(request, incident_id)
    form = MoveForm(request.POST)
    to_status = form.cleaned_data["to_status"] if form.is_valid() else None
    if to_status == Status.CLOSED and request.POST.get("confirmed") != "yes":
        return _confirm_close(request, incident)
    return run_action(
        request,
        lambda: actions.move_incident(acting_user=request.user, incident=incident, to_status=to_status),
        form=form,
        invalid="Choose a status.",
        success=lambda _moved: f"Status: {Status(to_status).label}.",
        to=_section(incident, TRIAGE_SECTION),
    )


def _confirm_close(request, incident):
    """Closing asks once, saying what closing means for this incident."""
    problems = incident.closing_problems()
    if problems:
        messages.error(request, " ".join(problems))
        return redirect(_section(incident, TRIAGE_SECTION))
    verified = incident.corrective_actions.filter(verified_at__isnull=False).count()
    consequences = [
        f"Incident {incident.reference} closes and its reminders stop.",
        f"Breach determination: {incident.get_determination_display().lower()}; "
        f"affected people: {incident.affected_count}.",
        f"{plural(verified, 'corrective action')} verified"
        + ("; a system administrator's waiver covers the rest." if incident.waiver else "."),
    ]
    return confirmation_page(
        request,
        title=f"Close incident {incident.reference}?",
        consequences=consequences,
        button="Close incident",
        cancel_url=reverse("incidents:detail", args=[incident.pk]),
        hidden={"to_status": Status.CLOSED, "confirmed": "yes"},
    )


@requires(TRIAGE_INCIDENTS)
@require_POST
def incident_assess(request, incident_id):
    incident = _triage_target(request, incident_id)
    form = AssessmentForm(request.POST)
    return run_action(
        request,
        lambda: actions.record_assessment(
            acting_user=request.user,
            incident=incident,
            determination=form.cleaned_data["determination"],
            affected_count=form.cleaned_data["affected_count"],
            affected_state=form.cleaned_data["affected_state"],
            summary=form.cleaned_data["summary"],
        ),
        form=form,
        success="Assessment saved.",
        to=_section(incident, ASSESSMENT_SECTION),
    )


@requires(WAIVE_CORRECTIVE_ACTIONS)
@require_POST
def incident_waive(request, incident_id):
    incident = _triage_target(request, incident_id)
    form = WaiverForm(request.POST)
    return run_action(
        request,
        lambda: actions.waive_corrective_actions(
            acting_user=request.user, incident=incident, text=form.cleaned_data["waiver"]
        ),
        form=form,
        success="Waiver recorded.",
        to=_section(incident, ACTIONS_SECTION),
    )


@requires(TRIAGE_INCIDENTS)
@require_POST
def action_add(request, incident_id):
    incident = _triage_target(request, incident_id)
    form = CorrectiveActionForm(request.POST, owners=queries.action_owners(incident))
    return run_action(
        request,
        lambda: actions.add_corrective_action(
            acting_user=request.user,
            incident=incident,
            what=form.cleaned_data["what"],
            owner=form.cleaned_data["owner"],
            due_on=form.cleaned_data["due_on"],
        ),
        form=form,
        success="Corrective action added.",
        to=_section(incident, ACTIONS_SECTION),
    )


def _corrective_action(incident, action_id):
    action = incident.corrective_actions.filter(pk=action_id).first()
    if action is None:
        raise Http404
    return action


@requires(REPORT_INCIDENTS)
@require_POST
def action_done(request, incident_id, action_id):
    """Its owner marks it done; anyone else who may triage is told who must."""
    action = queries.corrective_action_owned_by(request.user, incident_id, action_id)
    if action is not None:
        incident = action.incident
    else:
        if not has_permission(request.user, TRIAGE_INCIDENTS):
            raise PermissionDenied
        incident = _triage_target(request, incident_id)
        action = _corrective_action(incident, action_id)
    return run_action(
        request,
        lambda: actions.complete_corrective_action(acting_user=request.user, action=action),
        success="Corrective action done.",
        to=_section(incident, ACTIONS_SECTION),
    )


@requires(TRIAGE_INCIDENTS)
@require_POST
def action_verify(request, incident_id, action_id):
    incident = _triage_target(request, incident_id)
    action = _corrective_action(incident, action_id)
    return run_action(
        request,
        lambda: actions.verify_corrective_action(acting_user=request.user, action=action),
        success="Corrective action verified.",
        to=_section(incident, ACTIONS_SECTION),
    )


@requires(TRIAGE_INCIDENTS)
@require_POST
def breach_notice_add(request, incident_id):
    incident = _triage_target(request, incident_id)
    form = BreachNoticeForm(request.POST)
    return run_action(
        request,
        lambda: actions.record_breach_notice(acting_user=request.user, incident=incident, **form.cleaned_data),
        form=form,
        success="Notification recorded.",
        to=_section(incident, ASSESSMENT_SECTION),
    )


@requires(TRIAGE_INCIDENTS)
@require_POST
def incident_reopen(request, incident_id):
    incident = _triage_target(request, incident_id)
    form = ReopenForm(request.POST)
    return run_action(
        request,
        lambda: actions.reopen_incident(
            acting_user=request.user, incident=incident, reason=form.cleaned_data["reason"]
        ),
        form=form,
        success="Incident reopened.",
        # The reopen form is with the triage controls; a reopened incident's first news is its timeline.
        to=_section(incident, TIMELINE_SECTION if form.is_valid() else TRIAGE_SECTION),
    )


@requires(VIEW_SECURITY_EVENTS)
def security_dashboard(request):
    user = request.user
    try:
        days = max(1, min(90, int(request.GET.get("days", 14))))
    except ValueError:
        days = 14
    open_incidents = queries.incidents_visible_to(user).exclude(status=Status.CLOSED)
    if not user.is_system_admin:
        open_incidents = open_incidents.filter(agency_id=user.agency_id)
    return render(
        request,
        "incidents/dashboard.html",
        {
            "open_incidents": open_incidents[:50],
            "stats": queries.security_dashboard(user, days=days),
            "days": days,
            "day_choices": [7, 14, 30, 90],
            "recipient_roles": RecipientRole,
        },
    )


# --- "That wasn't me", from the sign-in page ---------------------------------------------

NOT_ME_REFUSALS_PER_ADDRESS_PER_HOUR = 20  # against guessing; a real report needs its browser's session


@public
@require_POST
def session_not_me(request):
    """ "That wasn't me", from the browser whose session a sign-in elsewhere ended.

    Public (that browser is signed out) but bound to it: the signed token must
    name the security event kept in this browser's ended session, which is
    then forgotten, so each ended session reports once
    (``hmis.actions.replaced_session_event_id``). CSRF-protected and limited
    per address. Opens an incident through ``incidents.actions``.
    """
    refusals_key = f"hmis:not-me-refused:{client_ip(request) or 'unknown'}"
    if cache.get(refusals_key, 0) >= NOT_ME_REFUSALS_PER_ADDRESS_PER_HOUR:
        refused = "Too many reports from here. Call your agency's security officer."
        return render(request, "incidents/session_not_me.html", {"refused": refused}, status=429)
    event_id = core_actions.replaced_session_event_id(request.session, request.POST.get("token", ""))
    if event_id is None:
        cache.add(refusals_key, 0, 3600)
        cache.incr(refusals_key)
        return render(
            request,
            "incidents/session_not_me.html",
            {
                "refused": "This report could not be matched to a session ended in this browser. "
                "Call your agency's security officer."
            },
            status=400,
        )
    incident = actions.report_session_not_me(event_id=event_id)
    request.session.pop(core_actions.SESSION_REPLACED_BY, None)
    return render(request, "incidents/session_not_me.html", {"reference": incident.reference})
