"""Agency user management for agency leads (and the system admin)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from hmis import actions, queries
from hmis.confirm import confirmation_page, plural
from hmis.forms import InviteUserForm, RolesForm, TrainingForm, apply_validation_error
from hmis.models import Agency
from hmis.network import client_ip
from hmis.permissions import MANAGE_USERS, requires
from hmis.views.outcome import run_action


@requires(MANAGE_USERS)
def user_list(request):
    users = queries.users_visible_to(request.user).order_by("agency__name", "username")
    return render(request, "hmis/users/list.html", {"users": users})


@requires(MANAGE_USERS)
def user_invite(request):
    acting = request.user
    agencies = Agency.objects.all() if acting.is_system_admin else None
    form = InviteUserForm(request.POST or None, acting_user=acting, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, _token = actions.invite_user(
                acting_user=acting,
                agency=data.get("agency") or acting.agency,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                roles=data["roles"],
                privacy_training_on=data.get("privacy_training_on"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {user.username}. The link works once, for 72 hours.")
            return redirect("user-detail", user_id=user.pk)
    return render(request, "hmis/users/invite.html", {"form": form})


def _detail_page(request, subject, *, form=None, training_form=None):
    """The user page. One's own page shows no roles or training form: another
    lead of the agency or the system admin changes those."""
    if form is None:
        form = RolesForm(acting_user=request.user, initial={"roles": sorted(subject.role_names)})
    if training_form is None:
        training_form = TrainingForm(initial={"completed_on": subject.privacy_training_on})
    return render(
        request,
        "hmis/users/detail.html",
        {
            "subject": subject,
            "form": form,
            "is_self": subject.pk == request.user.pk,
            "can_deactivate": subject.is_active and subject.pk != request.user.pk,
            "awaiting_password": not subject.has_usable_password(),
            "training_form": training_form,
            "training_state": subject.standing(),
        },
    )


@requires(MANAGE_USERS)
def user_detail(request, user_id):
    subject = queries.get_user_for(request.user, user_id)
    if request.method != "POST":
        return _detail_page(request, subject)
    form = RolesForm(request.POST, acting_user=request.user)
    if form.is_valid():
        try:
            actions.assign_roles(acting_user=request.user, user=subject, roles=form.cleaned_data["roles"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Roles saved.")
            return redirect("user-detail", user_id=subject.pk)
    return _detail_page(request, subject, form=form)


@requires(MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_deactivate(request, user_id):
    """GET: what deactivating does; POST: deactivate."""
    subject = queries.get_user_for(request.user, user_id)
    if request.method == "GET":
        return confirmation_page(
            request,
            title=f"Deactivate {subject.username}?",
            consequences=[
                f"{subject.username} is signed out now, on every device.",
                f"{subject.username} can no longer sign in until an HMIS lead reactivates the account.",
            ],
            button="Deactivate and sign out now",
            cancel_url=reverse("user-detail", args=[subject.pk]),
        )
    return run_action(
        request,
        lambda: actions.deactivate_user(acting_user=request.user, user=subject, ip_address=client_ip(request)),
        success=f"{subject.username} is deactivated and signed out everywhere.",
        to=reverse("user-detail", args=[subject.pk]),
    )


@requires(MANAGE_USERS)
@require_POST
def user_reactivate(request, user_id):
    subject = queries.get_user_for(request.user, user_id)
    return run_action(
        request,
        lambda: actions.reactivate_user(acting_user=request.user, user=subject),
        success=f"{subject.username} can sign in again.",
        to=reverse("user-detail", args=[subject.pk]),
    )


@requires(MANAGE_USERS)
@require_POST
def user_reinvite(request, user_id):
    subject = queries.get_user_for(request.user, user_id)
    return run_action(
        request,
        lambda: actions.reissue_invitation(acting_user=request.user, user=subject),
        success="A new invitation was sent; older links no longer work.",
        to=reverse("user-detail", args=[subject.pk]),
    )


@requires(MANAGE_USERS)
@require_POST
def user_training(request, user_id):
    subject = queries.get_user_for(request.user, user_id)
    form = TrainingForm(request.POST)
    if form.is_valid():
        try:
            actions.record_privacy_training(
                acting_user=request.user, user=subject, completed_on=form.cleaned_data["completed_on"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Training date saved.")
            return redirect("user-detail", user_id=subject.pk)
    return _detail_page(request, subject, training_form=form)


@requires(MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_reset_sign_in(request, user_id):
    """GET: what a reset does; POST: reset."""
    subject = queries.get_user_for(request.user, user_id)
    if request.method == "GET":
        codes = queries.unused_backup_code_count(subject)
        return confirmation_page(
            request,
            title=f"Reset {subject.username}'s sign-in?",
            consequences=[
                f"{subject.username}'s password, authenticator app and {plural(codes, 'unused backup code')} "
                "stop working now, and any session of theirs ends.",
                "A new one-time link to set a password goes to the e-mail address on file.",
                "Check it is really them first, by calling a number already on file.",
            ],
            button="Reset sign-in",
            cancel_url=reverse("user-detail", args=[subject.pk]),
        )
    return run_action(
        request,
        lambda: actions.reset_sign_in(acting_user=request.user, user=subject),
        success=f"{subject.username}'s password and authenticator no longer work; a new one-time link was sent.",
        to=reverse("user-detail", args=[subject.pk]),
    )
