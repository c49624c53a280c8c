"""Agency administration for the system admin (HMIS Lead Administrator)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hmis import actions, queries
from hmis.forms import AgencyContactForm, AgencyForm, AgencyVerificationForm, apply_validation_error
from hmis.models import Agency
from hmis.permissions import EDIT_AGENCY_CONTACT, MANAGE_AGENCIES, requires
from hmis.views.outcome import run_action


@requires(MANAGE_AGENCIES)
def agency_list(request):
    return render(request, "hmis/agencies/list.html", {"agencies": Agency.objects.select_related("verified_by")})


@requires(MANAGE_AGENCIES)
def agency_create(request):
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agency = actions.create_agency(
                acting_user=request.user,
                name=data["name"],
                slug=data["slug"],
                kind=data["kind"],
                is_victim_service_provider=data["is_victim_service_provider"],
                phone=data["phone"],
                allowed_networks=data["allowed_networks"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{agency.name} created. Verify it before it can receive referrals.")
            return redirect("agency-edit", agency_id=agency.pk)
    return render(request, "hmis/agencies/form.html", {"form": form, "creating": True})


@requires(MANAGE_AGENCIES)
def agency_edit(request, agency_id):
    agency = queries.get_agency(agency_id)
    form = AgencyForm(request.POST or None, instance=Agency.objects.get(pk=agency.pk))
    form.fields["slug"].disabled = True
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in form.changed_data if k != "slug"}
        try:
            actions.update_agency(acting_user=request.user, agency=agency, **changes)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Agency saved.")
            return redirect("agency-edit", agency_id=agency.pk)
    return render(
        request,
        "hmis/agencies/form.html",
        {"form": form, "agency": agency, "verify_form": AgencyVerificationForm()},
    )


@requires(EDIT_AGENCY_CONTACT)
def agency_contact(request):
    """The agency lead's page for what a client's copy says about reaching the agency and complaining."""
    agency = Agency.objects.get(pk=request.user.agency_id)
    form = AgencyContactForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_agency_contact(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Contact details saved.")
            return redirect("agency-contact")
    return render(request, "hmis/agencies/contact.html", {"form": form, "agency": agency})


@requires(MANAGE_AGENCIES)
@require_POST
def agency_verify(request, agency_id):
    agency = queries.get_agency(agency_id)
    form = AgencyVerificationForm(request.POST)
    return run_action(
        request,
        lambda: actions.record_agency_verification(
            acting_user=request.user,
            agency=agency,
            method=form.cleaned_data["verification_method"],
            notes=form.cleaned_data["verification_notes"],
        ),
        form=form,
        invalid="Say how the agency was verified.",
        success=f"{agency.name} is recorded as verified.",
        to=_back_to(request, default=reverse("agency-edit", args=[agency.pk])),
    )


def _back_to(request, *, default):
    """The page the form was on (the agency form or the partner page), if it is one of ours."""
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return default
