"""Client pages. Thin: read through ``queries``, write through ``actions``,
hand templates masked values and ready booleans.

No PII in URLs (UUIDs only; search and reveal are POSTs), titles (templates
use "Client" and the reference code) or messages.
"""

import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from clients import actions, queries
from clients.client_copy import CopyChoice, build_copy
from clients.forms import (
    DEPENDS_ON,
    AssessmentForm,
    ClientEditForm,
    ClientForm,
    DeidentifiedClientForm,
    EnrollmentForm,
    ExitForm,
    PrintCopyForm,
    ProjectForm,
    RevealForm,
    SearchForm,
)
from clients.masking import MaskedClient, assessment_rows
from clients.views.corrections import corrections_context
from hmis import reveal_once
from hmis.confirm import confirmation_page
from hmis.forms import add_further_errors, apply_validation_error
from hmis.models import AccessEvent
from hmis.pagination import page_number
from hmis.permissions import (
    CREATE_CLIENTS,
    EDIT_CLIENTS,
    MANAGE_PROJECTS,
    NAME_STAFF_ON_CONFIDENTIAL,
    REVEAL_CLIENT_PII,
    SEND_SHARES,
    VIEW_CLIENTS,
    has_permission,
    requires,
)
from hmis.privacy import privacy_screen_on
from hmis.views.outcome import run_action

SEARCHED_AT = "clients_searched_at"  # a timestamp only: search terms never go in the session
SEARCH_FRESH_SECONDS = 30 * 60
PAGE_SIZE = 50


# --- List and search ----------------------------------------------------------------------


@requires(VIEW_CLIENTS)
def client_list(request):
    viewer = queries.viewer_for(request)
    page = page_number(request)
    clients = queries.masked_clients_for(request.user, viewer, page_size=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "clients/list.html",
        {
            "clients": clients[:PAGE_SIZE],
            "page": page,
            "has_next": len(clients) > PAGE_SIZE,
            "can_create": has_permission(request.user, CREATE_CLIENTS),
        },
    )


@requires(CREATE_CLIENTS)
def search(request):
    """Step 1 of intake: search before create. A POST, so no term reaches a URL or log."""
    agency = request.user.agency
    if agency.is_victim_service_provider:
        request.session[SEARCHED_AT] = int(time.time())
        return render(request, "clients/search.html", {"vawa": True})
    form = SearchForm(request.POST or None)
    context = {"form": form, "searched": False}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        viewer = queries.viewer_for(request)
        matches = queries.search_clients(
            request.user,
            viewer,
            first_name=data["first_name"],
            last_name=data["last_name"],
            dob=data["dob"],
            ssn4=data["ssn4"],
        )
        actions.record_search_matches(acting_user=request.user, client_ids=[m.client.id for m in matches])
        request.session[SEARCHED_AT] = int(time.time())
        context.update(searched=True, matches=matches, privacy=viewer.privacy)
        if viewer.privacy:
            # Do not echo what was typed while the screen may be seen by others.
            context["form"] = SearchForm()
    return render(request, "clients/search.html", context)


def _searched_recently(request) -> bool:
    return time.time() - request.session.get(SEARCHED_AT, 0) < SEARCH_FRESH_SECONDS


@requires(CREATE_CLIENTS)
def create(request):
    """Step 2: create the client (only after a search)."""
    vawa = request.user.agency.is_victim_service_provider
    if not _searched_recently(request):
        messages.info(request, "Search first, so the same person is not entered twice.")
        return redirect("clients:search")
    form_class = DeidentifiedClientForm if vawa else ClientForm
    if request.method == "POST" and request.POST.get("prefill") == "1":
        # From the search page: carry what was typed into a fresh form (not validated yet).
        form = form_class(
            initial={
                "first_name": request.POST.get("first_name", ""),
                "last_name": request.POST.get("last_name", ""),
                "dob": request.POST.get("dob", ""),
                "ssn": request.POST.get("ssn4", ""),
                "ssn_data_quality": 2 if request.POST.get("ssn4") else 1,
            }
        )
    else:
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                client = actions.create_client(acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                request.session.pop(SEARCHED_AT, None)
                messages.success(request, f"Client {client.reference} created. Next: enrol them in a project.")
                return redirect("clients:enrol", client_id=client.pk)
        elif request.method == "POST":
            # Every problem in one round: the record's rules too, not only the form's.
            try:
                actions.check_new_client(acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_further_errors(form, error, related=DEPENDS_ON)
    return render(
        request,
        "clients/create.html",
        {"form": form, "vawa": vawa, "privacy": privacy_screen_on(request)},
    )


# --- One client -----------------------------------------------------------------------------


def _detail_context(request, client, *, revealed="", reveal_form=None, print_form=None):
    user = request.user
    viewer = queries.viewer_for(request)
    masked = MaskedClient.of(client, viewer, revealed=revealed)
    can_reveal = queries.can_reveal(user, client) and not viewer.privacy and bool(masked.revealable)
    enrollments = [
        {
            "enrollment": e,
            "assessments": [{"assessment": a, "rows": assessment_rows(a, viewer)} for a in e.assessments.all()],
        }
        for e in queries.enrollments_of(user, client)
    ]
    can_edit = queries.can_edit(user, client)
    return {
        "client": masked,
        "client_record": client,  # for sections of other apps (template tags), never shown as is
        "enrollments": enrollments,
        "history": queries.history_of(user, client),
        "can_edit": can_edit and not viewer.privacy,
        "can_enrol": can_edit,
        "can_reveal": can_reveal,
        "reveal_form": reveal_form or (RevealForm(fields=masked.revealable) if can_reveal else None),
        "reveal_fields": masked.revealable,
        "reveal_reasons": AccessEvent.Reason.choices,
        "privacy": viewer.privacy,
        "can_refer": has_permission(user, SEND_SHARES) and client.owning_agency_id == user.agency_id,
        "retained_on": client.retained_deidentified_at,
        "can_print_copy": queries.can_print_copy(user, client) and not viewer.privacy,
        "print_form": print_form or PrintCopyForm(),
        "client_has_ssn": bool(client.ssn),
        **_named_staff_context(user, client),
        **corrections_context(user, client, viewer),
    }


def _named_staff_context(user, client):
    if not client.confidential or client.owning_agency_id != user.agency_id:
        return {}
    can_name = has_permission(user, NAME_STAFF_ON_CONFIDENTIAL)
    return {
        "named_staff": queries.staff_named_on(client),
        "can_name_staff": can_name,
        "colleagues_to_name": queries.colleagues_to_name(user, client) if can_name else [],
    }


@requires(NAME_STAFF_ON_CONFIDENTIAL)
@require_POST
def named_staff(request, client_id):
    """Add or remove a colleague on a confidential record (a supervisor of its agency)."""
    client = queries.get_client_of_record_for(request.user, client_id)
    if not client.confidential:
        raise Http404
    try:
        staff_id = uuid.UUID(request.POST.get("staff_user", ""))
    except ValueError:
        staff = None  # not an id at all: the same answer as someone not of this agency
    else:
        staff = queries.users_of_agency(client.owning_agency_id).filter(pk=staff_id).first()
    if staff is None:
        messages.error(request, "Choose a colleague of this agency.")
        return redirect("clients:detail", client_id=client.pk)
    action = actions.unname_staff_on_client if request.POST.get("remove") else actions.name_staff_on_client
    return run_action(
        request,
        lambda: action(acting_user=request.user, client=client, staff_user=staff),
        success="Named staff updated.",
        to=reverse("clients:detail", args=[client.pk]),
    )


def _owner_or_share(request, client):
    """A partner agency that sees a client through a referral sees it only on
    the referral page (shared categories, consent re-checked): the sharing
    app finds the live, consented referral or answers 404."""
    if client.owning_agency_id == request.user.agency_id:
        return None
    return redirect("sharing:share-for-client", client_id=client.pk)


@requires(VIEW_CLIENTS)
def detail(request, client_id):
    try:
        client = queries.get_client_for(request.user, client_id)
    except Http404:
        # A record merged away opens the record it was merged into, for whoever may see that one.
        kept_id = queries.kept_record_for(request.user, client_id)
        if kept_id is None:
            raise
        return redirect("clients:detail", client_id=kept_id)
    elsewhere = _owner_or_share(request, client)
    if elsewhere is not None:
        return elsewhere
    actions.record_client_opened(acting_user=request.user, client=client)
    return render(request, "clients/detail.html", _detail_context(request, client))


HISTORY_PAGE = 100


@requires(VIEW_CLIENTS)
def history(request, client_id):
    """The full access history (the accounting of disclosures), a page at a time."""
    # A referral's recipient sees only what the referral shares.
    client = queries.get_client_of_record_for(request.user, client_id)
    page = page_number(request)
    events = list(queries.history_of(request.user, client, limit=HISTORY_PAGE + 1, offset=(page - 1) * HISTORY_PAGE))
    return render(
        request,
        "clients/history.html",
        {
            "client": client,
            "history": events[:HISTORY_PAGE],
            "page": page,
            "has_next": len(events) > HISTORY_PAGE,
            "privacy": privacy_screen_on(request),
        },
    )


@requires(REVEAL_CLIENT_PII)
@require_POST
def reveal(request, client_id):
    """Record the reveal, then redirect to a page that shows the field once
    (post/redirect/get: Back and reload record nothing more)."""
    # A referral's recipient reveals on the referral page, within the shared categories.
    client = queries.get_client_of_record_for(request.user, client_id)
    form = RevealForm(request.POST)
    if not queries.can_reveal(request.user, client):
        raise PermissionDenied
    shown = reveal_once.reveal_and_redirect(
        request,
        form,
        lambda **chosen: actions.reveal_client_field(acting_user=request.user, client=client, **chosen),
        subject_id=client.pk,
        to="clients:revealed",
        client_id=client.pk,
    )
    if shown:
        return shown
    # Keep the worker's choices, but list only fields that are still masked.
    masked = MaskedClient.of(client, queries.viewer_for(request))
    form.fields["field"].choices = masked.revealable or form.fields["field"].choices
    context = _detail_context(request, client, reveal_form=form)
    return render(request, "clients/detail.html", context, status=400)


@requires(REVEAL_CLIENT_PII)
def revealed(request, client_id, token):
    """The client page with the field a reveal just recorded, shown once.
    Records nothing: the reveal POST did."""
    client = queries.get_client_for(request.user, client_id)
    if client.owning_agency_id != request.user.agency_id or not queries.can_reveal(request.user, client):
        raise Http404
    field = reveal_once.take(request, token, subject_id=client.pk)
    context = _detail_context(request, client, revealed=field)
    context["reveal_used"] = not field
    return render(request, "clients/detail.html", context)


# --- The client's own copy ---------------------------------------------------------------


@requires(REVEAL_CLIENT_PII)
@require_POST
def print_copy(request, client_id):
    """ "Print for the client": record how identity was checked (and, when the
    client asks for their SSN, confirm it), then redirect to a page that shows
    the copy once (post/redirect/get with a single-use token, as for reveals)."""
    client = queries.get_client_of_record_for(request.user, client_id)
    form = PrintCopyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if data["include_ssn"] and client.ssn and request.POST.get("confirmed") != "yes":
            return confirmation_page(
                request,
                title="Print the Social Security number?",
                consequences=[
                    "The full Social Security number is printed on the client's copy.",
                    "Do this only because the client asked for it. Anyone who finds the page can use the number.",
                    "Your confirmation is recorded in the access history.",
                ],
                button="Print with the SSN",
                cancel_url=reverse("clients:detail", args=[client.pk]),
                hidden={
                    "identity_check": data["identity_check"],
                    "identity_note": data["identity_note"],
                    "language": data["language"],
                    "include_ssn": "on",
                    "confirmed": "yes",
                },
            )
        try:
            choice = actions.print_client_copy(
                acting_user=request.user,
                client=client,
                identity_check=data["identity_check"],
                identity_note=data["identity_note"],
                language=data["language"],
                include_ssn=data["include_ssn"],
                privacy_screen=privacy_screen_on(request),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            token = reveal_once.hold(request, subject_id=client.pk, field=choice.token_field())
            return redirect("clients:client-copy", client_id=client.pk, token=token)
    return render(request, "clients/detail.html", _detail_context(request, client, print_form=form), status=400)


@requires(REVEAL_CLIENT_PII)
def client_copy(request, client_id, token):
    """The printable copy, once, in the client's language. Records nothing:
    the print POST did. Reload, Back or the URL elsewhere show a page that
    says so and holds no client data."""
    client = queries.get_client_for(request.user, client_id)
    if not queries.can_print_copy(request.user, client):
        raise Http404
    choice = CopyChoice.from_token_field(reveal_once.take(request, token, subject_id=client.pk))
    if choice is None:
        return render(request, "clients/client_copy_used.html", {"client_id": client.pk})
    with translation.override(choice.language):
        response = render(
            request,
            "clients/client_copy.html",
            {
                "copy": build_copy(
                    client, queries.enrollments_of(request.user, client), include_ssn=choice.include_ssn
                ),
                "client_record": client,  # for the accounting section (sharing's template tag)
                "agency": client.owning_agency,
                "language": choice.language,
                "printed_at": timezone.now(),
                "hmis_lead": {
                    "name": settings.HMIS_LEAD_NAME,
                    "email": settings.HMIS_LEAD_EMAIL,
                    "phone": settings.HMIS_LEAD_PHONE,
                },
            },
        )
    response["Content-Language"] = choice.language
    # Every signed-in page is no-store already (SecurityHeadersMiddleware); this one must never depend on it.
    patch_cache_control(response, no_store=True, private=True)
    return response


@requires(EDIT_CLIENTS)
def edit(request, client_id):
    client = queries.get_client_of_record_for(request.user, client_id)
    if not queries.can_edit(request.user, client):
        raise PermissionDenied
    if privacy_screen_on(request):
        return render(
            request,
            "clients/edit.html",
            {"client": MaskedClient.of(client, queries.viewer_for(request)), "privacy": True},
        )
    vawa = client.owning_agency.is_victim_service_provider or client.is_anonymous
    form_class = DeidentifiedClientForm if vawa else ClientEditForm
    form = form_class(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        changes = form.changes() if hasattr(form, "changes") else dict(form.cleaned_data)
        try:
            actions.update_client(acting_user=request.user, client=client, **changes)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Client record saved.")
            return redirect("clients:detail", client_id=client.pk)
    return render(
        request,
        "clients/edit.html",
        {"client": MaskedClient.of(client, queries.viewer_for(request)), "form": form, "vawa": vawa},
    )


@requires(EDIT_CLIENTS)
def enrol(request, client_id):
    """Step 3: enrol in one of the agency's projects."""
    client = queries.get_client_of_record_for(request.user, client_id)
    if not queries.can_edit(request.user, client):
        raise PermissionDenied
    projects = queries.projects_of(request.user)
    form = EnrollmentForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment = actions.enrol_client(acting_user=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Enrolled. Next: the intake assessment.")
            return redirect("clients:assess", client_id=client.pk, enrollment_id=enrollment.pk)
    return render(
        request,
        "clients/enrol.html",
        {
            "client": MaskedClient.of(client, queries.viewer_for(request)),
            "form": form,
            "no_projects": not projects.exists(),
            "can_manage_projects": has_permission(request.user, MANAGE_PROJECTS),
        },
    )


@requires(EDIT_CLIENTS)
def assess(request, client_id, enrollment_id):
    """Step 4: the intake assessment of an enrollment."""
    client = queries.get_client_of_record_for(request.user, client_id)
    if not queries.can_edit(request.user, client):
        raise PermissionDenied
    enrollment = queries.get_enrollment_for(request.user, client, enrollment_id)
    form = AssessmentForm(request.POST or None)
    if privacy_screen_on(request):
        form = None
    elif request.method == "POST" and form.is_valid():
        try:
            actions.record_assessment(acting_user=request.user, enrollment=enrollment, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Assessment recorded.")
            return redirect("clients:detail", client_id=client.pk)
    return render(
        request,
        "clients/assess.html",
        {"client": MaskedClient.of(client, queries.viewer_for(request)), "enrollment": enrollment, "form": form},
    )


@requires(EDIT_CLIENTS)
def exit_enrollment(request, client_id, enrollment_id):
    client = queries.get_client_of_record_for(request.user, client_id)
    if not queries.can_edit(request.user, client):
        raise PermissionDenied
    enrollment = queries.get_enrollment_for(request.user, client, enrollment_id)
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.exit_enrollment(acting_user=request.user, enrollment=enrollment, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Exit recorded.")
            return redirect("clients:detail", client_id=client.pk)
    return render(
        request,
        "clients/exit.html",
        {"client": MaskedClient.of(client, queries.viewer_for(request)), "enrollment": enrollment, "form": form},
    )


# --- Projects ------------------------------------------------------------


@requires(MANAGE_PROJECTS)
def projects(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.create_project(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Project added.")
            return redirect("clients:projects")
    return render(
        request,
        "clients/projects.html",
        {"form": form, "projects": queries.projects_of(request.user, active_only=False)},
    )
