"""The system admin's retention pages: the count per agency waiting for
confirmation, the confirmation, past runs, and legal holds. Counts and
reference codes only, never a name."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clients import retention
from clients.forms import LegalHoldForm, ReleaseHoldForm
from hmis.confirm import confirmation_page, plural
from hmis.models import Agency
from hmis.permissions import MANAGE_RETENTION, requires
from hmis.views.outcome import run_action

RUNS_SHOWN = 20


def _agency_counts(run):
    """(agency name, clients due), by name."""
    names = {
        str(pk): name for pk, name in Agency.objects.filter(pk__in=list(run.planned_counts)).values_list("pk", "name")
    }
    return sorted((names.get(agency_id, "(agency removed)"), n) for agency_id, n in run.planned_counts.items())


@requires(MANAGE_RETENTION)
def report(request):
    waiting = retention.waiting_run_for(request.user)
    return render(
        request,
        "clients/retention.html",
        {
            "waiting": waiting,
            "waiting_counts": _agency_counts(waiting) if waiting else [],
            "runs": retention.retention_runs_for(request.user).exclude(pk=getattr(waiting, "pk", None))[:RUNS_SHOWN],
            "holds": retention.active_holds_for(request.user).count(),
            "retention_years": settings.HMIS_RETENTION_YEARS,
        },
    )


@requires(MANAGE_RETENTION)
@require_POST
def plan(request):
    return run_action(
        request,
        lambda: retention.plan_retention(acting_user=request.user),
        success="Counted again: the numbers below are current.",
        to=reverse("clients:retention"),
    )


@requires(MANAGE_RETENTION)
@require_http_methods(["GET", "POST"])
def confirm(request, run_id):
    """GET: what de-identifying does, with the counts; POST: confirm the run."""
    run = retention.get_run_for(request.user, run_id)
    if request.method == "GET":
        return confirmation_page(
            request,
            title="De-identify the records past the retention period?",
            consequences=[
                f"{plural(run.planned_total, 'client record')} last created or changed before "
                f"{run.cutoff:%Y-%m-%d} ({run.retention_years} years) lose their identifying details: names, SSN, "
                "date of birth (the birth year stays), phone, e-mail, address and assessment notes.",
                *(f"{name}: {plural(count, 'record')}." for name, count in _agency_counts(run)),
                "Search will not find these records again. HUD's non-identifying data (reference code, "
                "demographics, enrollments, assessment answers) stays for reporting.",
                "A record that gained a live release, an open enrollment or incident, or a legal hold since "
                "the count is left alone.",
                "This cannot be undone.",
            ],
            button="De-identify these records",
            cancel_url=reverse("clients:retention"),
        )
    return run_action(
        request,
        lambda: retention.confirm_retention_run(acting_user=request.user, run=run),
        success="Confirmed. The records are being de-identified in batches; this page shows the progress.",
        to=reverse("clients:retention"),
    )


@requires(MANAGE_RETENTION)
@require_http_methods(["GET", "POST"])
def legal_holds(request):
    """Active legal holds, and the form that sets one by reference code."""
    if request.method == "POST":
        form = LegalHoldForm(request.POST)

        def hold():
            client = retention.client_by_reference_for_hold(request.user, form.cleaned_data["reference"])
            if client is None:
                raise ValidationError("No client has that reference code.")
            retention.set_legal_hold(acting_user=request.user, client=client, reason=form.cleaned_data["reason"])

        return run_action(request, hold, success="Legal hold set.", to=reverse("clients:legal-holds"), form=form)
    return render(
        request,
        "clients/legal_holds.html",
        {
            "holds": retention.active_holds_for(request.user),
            "form": LegalHoldForm(),
        },
    )


@requires(MANAGE_RETENTION)
@require_POST
def legal_hold_release(request, hold_id):
    hold = retention.get_active_hold_for(request.user, hold_id)
    form = ReleaseHoldForm(request.POST)
    return run_action(
        request,
        lambda: retention.release_legal_hold(acting_user=request.user, hold=hold, reason=form.cleaned_data["reason"]),
        success="Legal hold released: the retention policy applies to the record again.",
        to=reverse("clients:legal-holds"),
        form=form,
    )
