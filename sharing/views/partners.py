"""The partner directory: every partner agency with its verification state
and contacts. Only the system admin verifies, suspends or reinstates."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from hmis.confirm import confirmation_page, plural
from hmis.forms import AgencyVerificationForm
from hmis.permissions import MANAGE_AGENCIES, MANAGE_PARTNERS, VIEW_PARTNERS, has_permission, requires
from hmis.views.outcome import run_action
from sharing import actions, queries
from sharing.forms_shares import PartnerContactForm, SuspendForm


@requires(VIEW_PARTNERS)
def partner_list(request):
    return render(request, "sharing/partners/list.html", {"partners": queries.partners()})


@requires(VIEW_PARTNERS)
def partner_detail(request, agency_id):
    agency = queries.get_partner(agency_id)
    can_manage = has_permission(request.user, MANAGE_PARTNERS)
    return render(
        request,
        "sharing/partners/detail.html",
        {
            "agency": agency,
            "contacts": agency.partner_contacts.all(),
            "can_manage": can_manage,
            # Verifying the agency writes its own record: the agency-settings permission.
            "verify_form": AgencyVerificationForm() if has_permission(request.user, MANAGE_AGENCIES) else None,
            "contact_form": PartnerContactForm() if can_manage else None,
        },
    )



@requires(MANAGE_PARTNERS)
@require_http_methods(["GET", "POST"])
def partner_suspend(request, agency_id):
    """GET: what suspending takes away, and the reason; POST: suspend."""
    agency = queries.get_partner(agency_id)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return run_action(
            request,
            lambda: actions.suspend_partner(
                acting_user=request.user, agency=agency, reason=form.cleaned_data["reason"]
            ),
            success=f"{agency.name} is suspended: it receives no referrals and lost access to open ones.",
            to=reverse("sharing:partner-detail", args=[agency.pk]),
        )
    [(_, count)] = queries.live_referral_counts(to_agency=agency) or [(agency.name, 0)]
    return confirmation_page(
        request,
        title=f"Suspend {agency.name}?",
        consequences=[
            f"{agency.name} loses access to {plural(count, 'referral')} now.",
            f"{agency.name} receives no new referrals until it is reinstated.",
        ],
        button="Suspend this agency",
        cancel_url=reverse("sharing:partner-detail", args=[agency.pk]),
        form=form,
        status=400 if request.method == "POST" else 200,
    )


@requires(MANAGE_PARTNERS)
@require_POST
def partner_reinstate(request, agency_id):
    agency = queries.get_partner(agency_id)
    return run_action(
        request,
        lambda: actions.reinstate_partner(acting_user=request.user, agency=agency),
        success=f"{agency.name} is active again.",
        to=reverse("sharing:partner-detail", args=[agency.pk]),
    )


@requires(MANAGE_PARTNERS)
@require_POST
def contact_add(request, agency_id):
    agency = queries.get_partner(agency_id)
    form = PartnerContactForm(request.POST)
    return run_action(
        request,
        lambda: actions.add_partner_contact(acting_user=request.user, agency=agency, **form.cleaned_data),
        form=form,
        invalid="Enter the contact's name and a valid e-mail address, if any.",
        success="Contact added. Verify it before relying on it.",
        to=reverse("sharing:partner-detail", args=[agency.pk]),
    )


@requires(MANAGE_PARTNERS)
@require_POST
def contact_verify(request, contact_id):
    contact = queries.get_partner_contact(contact_id)
    form = AgencyVerificationForm(request.POST)
    return run_action(
        request,
        lambda: actions.verify_partner_contact(
            acting_user=request.user, contact=contact, method=form.cleaned_data["verification_method"]
        ),
        form=form,
        invalid="Say how the contact was verified.",
        success="Contact recorded as verified.",
        to=reverse("sharing:partner-detail", args=[contact.agency_id]),
    )
