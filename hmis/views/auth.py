"""Sign-in in two steps (password, then TOTP or a backup code), first-time
authenticator enrolment, re-authentication before account changes, sign-out,
password set from an invitation, the lockout page and the session heartbeat."""

import time
from pathlib import Path

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from hmis import actions, passkeys, sudo
from hmis import queries as core_queries
from hmis.actions import record_security_event
from hmis.forms import (
    ChangePasswordForm,
    EnrolForm,
    ReauthForm,
    SecondFactorForm,
    SetPasswordForm,
    SignInForm,
    apply_validation_error,
)
from hmis.middleware import SESSION_LAST_SEEN, SESSION_STARTED, record_activity
from hmis.models import SecurityEvent
from hmis.network import client_ip
from hmis.permissions import SIGNED_IN, enrolment_step, password_only, public, requires, standing_exempt

ENROL_DEVICE = "hmis_enrol_device"
ENDED_MESSAGES = {
    "idle": "You were signed out after a period of inactivity.",
    "expired": "Your session reached its time limit. Please sign in again.",
    "replaced": "You were signed out because your account signed in somewhere else. "
    "If that was not you, tell your agency's security officer now.",
    "signed_out": "You are signed out.",
}


@public
def sign_in(request):
    if request.user.is_authenticated and request.user.is_verified():
        return redirect("dashboard")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            record_security_event(
                kind=SecurityEvent.Kind.LOGIN_FAILED,
                username=form.cleaned_data["username"],
                ip_address=client_ip(request),
            )
            form.add_error(None, "That username and password do not match. Check them and try again.")
            if _failures_so_far(request, form.cleaned_data["username"]) == settings.AXES_FAILURE_LIMIT - 1:
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
                form.add_error(None, f"One more failed attempt pauses sign-in for {minutes} minutes.")
        elif user.agency_id and not user.agency.allows_ip(client_ip(request)):
            record_security_event(
                kind=SecurityEvent.Kind.NETWORK_REFUSED,
                user=user,
                ip_address=client_ip(request),
                detail="Sign-in from outside the agency's allowed networks",
            )
            return render(request, "hmis/network_refused.html", status=403)
        elif not actions.has_confirmed_device(user) and not actions.may_enrol_with_password_alone(user):
            return _no_usable_factor(request, user)
        elif passkeys.passkey_standing(user, start_clock=True).locked_out:
            record_security_event(kind=SecurityEvent.Kind.PASSKEY_MISSING, user=user, ip_address=client_ip(request))
            return render(request, "hmis/passkey_required.html", status=403)
        else:
            login(request, user)  # rotates the session key
            now = int(time.time())
            request.session[SESSION_STARTED] = now
            request.session[SESSION_LAST_SEEN] = now
            if actions.has_confirmed_device(user):
                return redirect("login-second-factor")
            return redirect("login-enrol")
    ended = request.GET.get("ended")
    replaced_by = request.session.get(actions.SESSION_REPLACED_BY)
    if replaced_by is not None:
        ended = "replaced"
    return render(
        request,
        "hmis/login.html",
        {
            "form": form,
            "ended_message": ENDED_MESSAGES.get(ended),
            "lead_name": settings.HMIS_LEAD_NAME,
            "not_me_token": actions.not_me_token(replaced_by) if replaced_by is not None else "",
        },
    )


def _no_usable_factor(request, user):
    """The password was right but no second factor can follow it: only the lead can help."""
    record_security_event(kind=SecurityEvent.Kind.NO_USABLE_FACTOR, user=user, ip_address=client_ip(request))
    if request.user.is_authenticated:
        logout(request)
    return render(request, "hmis/no_second_factor.html", {"hours": settings.HMIS_INVITATION_HOURS}, status=403)


def _finish_second_factor(request, device):
    otp_login(request, device)
    request.session.cycle_key()  # a new key once the second factor is passed
    sudo.mark_reauthenticated(request)  # signing in gives both the password and a code
    fingerprint = actions.device_fingerprint(client_ip(request), request.headers.get("User-Agent", ""))
    request.session[actions.SESSION_DEVICE] = fingerprint
    request.session.save()
    actions.claim_live_session(
        user=request.user,
        session_key=request.session.session_key,
        ip_address=client_ip(request),
        fingerprint=fingerprint,
    )


def after_second_factor(request, device) -> str:
    """Finish signing in with ``device``; the page to go to next."""
    _finish_second_factor(request, device)
    user = request.user
    if not actions.has_totp(user) and not isinstance(device, passkeys.WebAuthnCredential):
        messages.warning(request, "You signed in with a backup code. Set up an authenticator app now.")
        return reverse("login-enrol")
    standing = passkeys.passkey_standing(user)
    if standing.should_add:
        messages.warning(
            request,
            f"Your role must sign in with a passkey. Add one now: from {date_format(localtime(standing.deadline))} "
            "you cannot sign in without it.",
        )
        return reverse("passkeys")
    return reverse("dashboard")


def _code_refused(user) -> str:
    wait = core_queries.second_factor_wait_seconds(user)
    if wait > 2:  # the throttle doubles from 1 second: after one or two wrong codes the code itself was wrong
        return (
            f"Too many wrong codes: no code is accepted for {wait} more seconds. "
            "Wait, then enter the code your app shows at that time."
        )
    return "That code did not work. Codes change every 30 seconds and each works once."


@password_only
def second_factor(request):
    user = request.user
    if user.is_verified():
        return redirect("dashboard")
    if not actions.has_confirmed_device(user):
        return redirect("login-enrol")
    # After the policy's grace period a code no longer passes this step: only a passkey does.
    passkey_only = passkeys.passkey_standing(user).passkey_only
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and passkey_only:
        messages.error(request, "Your role must sign in with a passkey: a code is not accepted.")
        return redirect("login-second-factor")
    if request.method == "POST" and form.is_valid():
        device = actions.verify_any_second_factor(
            user=user, token=form.cleaned_data["token"], ip_address=client_ip(request)
        )
        if device is None:
            if passkeys.second_factor_failed(request):
                return locked_out(request)
            form.add_error("token", _code_refused(user))
        else:
            return redirect(after_second_factor(request, device))
    return render(
        request,
        "hmis/second_factor.html",
        {
            "form": form,
            "has_passkeys": passkeys.user_passkeys(user).exists(),
            "passkey_only": passkey_only,
            "has_authenticator": actions.has_totp(user),
        },
    )


@password_only
def enrol(request):
    """Set up an authenticator app: QR code, confirm with a code, then backup codes once.

    Someone who knows only the password must not be able to add a device: a
    user who has a usable one passes the second factor first, and otherwise
    the password alone enrols only a new account or one within 72 hours of a
    lead's "reset sign-in".
    A signed-in user adding or replacing one confirms it is them again.
    """
    user = request.user
    if user.is_verified():
        if not sudo.is_recent(request):
            return sudo.redirect_to_reauth(request)
    elif actions.has_confirmed_device(user):
        return redirect("login-second-factor")
    elif not actions.may_enrol_with_password_alone(user):
        return _no_usable_factor(request, user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False, pk=request.session.get(ENROL_DEVICE)).first()
    if device is None:
        device = actions.start_totp_enrolment(user=user)
        request.session[ENROL_DEVICE] = device.pk
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed, codes = actions.confirm_totp_enrolment(
            user=user, device_id=device.pk, token=form.cleaned_data["token"].strip()
        )
        if confirmed is None:
            form.add_error("token", "That code did not match. Check the time on your phone and try the next code.")
        else:
            request.session.pop(ENROL_DEVICE, None)
            if user.is_verified():
                # The session's old authenticator was just replaced: bind it to the new one.
                otp_login(request, confirmed)
            else:
                _finish_second_factor(request, confirmed)
            # Shown in this response only; never stored in the session.
            return render(request, "hmis/backup_codes.html", {"codes": codes, "first_time": True})
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, omitsize=False)
    secret = _base32_secret(device)
    return render(request, "hmis/enrol.html", {"form": form, "qr_svg": qr_svg, "secret": secret})


def _base32_secret(device):
    import base64

    raw = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@standing_exempt
@enrolment_step
def reauthenticate(request):
    """Ask for the current password and a code, then go back to the page that asked."""
    user = request.user
    # Someone who signed in with their last backup code has no code left to
    # give; the access middleware keeps them on the enrol page, which their
    # password alone then opens (else they would be stuck until a lead resets).
    needs_code = actions.has_confirmed_device(user)
    form = ReauthForm(request.POST or None, initial={"next": sudo.safe_next(request)}, needs_code=needs_code)
    if request.method == "POST" and form.is_valid():
        if not sudo.confirm_current_password(request, form.cleaned_data["password"]):
            if not request.user.is_authenticated:  # the lockout limit ended the session
                return locked_out(request)
            form.add_error("password", "That is not your current password.")
        elif not needs_code or actions.verify_any_second_factor(
            user=user, token=form.cleaned_data["token"], ip_address=client_ip(request)
        ):
            sudo.mark_reauthenticated(request)
            return redirect(sudo.safe_next(request))
        else:
            record_security_event(
                kind=SecurityEvent.Kind.SECOND_FACTOR_FAILED, user=user, ip_address=client_ip(request)
            )
            form.add_error("token", _code_refused(user))
    return render(request, "hmis/reauthenticate.html", {"form": form, "needs_code": needs_code})


@requires(SIGNED_IN)
@sudo.require_sudo_mode
def regenerate_backup_codes(request):
    if request.method != "POST":
        return render(request, "hmis/backup_codes_confirm.html")
    codes = actions.issue_backup_codes(user=request.user)
    return render(request, "hmis/backup_codes.html", {"codes": codes, "first_time": False})


@requires(SIGNED_IN)
@sudo.require_sudo_mode
def change_password(request):
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not sudo.confirm_current_password(request, form.cleaned_data["old_password"]):
            if not request.user.is_authenticated:  # the lockout limit ended the session
                return locked_out(request)
            form.add_error("old_password", "Your current password was entered incorrectly.")
            return render(request, "hmis/change_password.html", {"form": form})
        try:
            actions.change_own_password(
                acting_user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            update_session_auth_hash(request, request.user)  # this session stays signed in, under a new key
            actions.claim_live_session(
                user=request.user,
                session_key=request.session.session_key,
                ip_address=client_ip(request),
                fingerprint=request.session.get(actions.SESSION_DEVICE, ""),
            )
            messages.success(request, "Your password is changed.")
            return redirect("dashboard")
    return render(request, "hmis/change_password.html", {"form": form})


@public
@require_POST
def sign_out(request):
    if request.user.is_authenticated:
        actions.release_live_session(user=request.user, session_key=request.session.session_key)
    logout(request)
    return render(request, "hmis/signed_out.html")


@public
def set_password(request, token):
    invitation = actions.invitation_for_token(token)
    if invitation is None:
        return render(request, "hmis/invitation_invalid.html", status=404)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.accept_invitation(token=token, password=form.cleaned_data["password1"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error("password1", message)
        else:
            messages.success(request, "Your password is set. Sign in, then set up your authenticator app.")
            return redirect("login")
    return render(request, "hmis/set_password.html", {"form": form, "username": invitation.user.username})


def _failures_so_far(request, username) -> int:
    """django-axes' count for this username and address (the lockout's own key),
    the same for an account that exists and one that does not."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.get_failures(request, {"username": username})


def locked_out(request, original_response=None, credentials=None):
    """django-axes lockout page: what to do, without saying whether the account exists."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.content_type == "application/json":  # the passkey script: it shows the text, then the page
        detail = f"Sign-in is paused for {minutes} minutes after too many failed attempts."
        return JsonResponse({"detail": detail, "redirect_url": reverse("login")}, status=429)
    return render(
        request,
        "hmis/locked_out.html",
        {"minutes": minutes},
        status=429,
    )


@public
def session_status(request):
    """Seconds left before the idle timeout; does not count as activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    last_seen = request.session.get(SESSION_LAST_SEEN, int(time.time()))
    remaining = settings.HMIS_IDLE_TIMEOUT_SECONDS - (int(time.time()) - last_seen)
    return JsonResponse({"signed_in": True, "remaining": max(0, remaining)})


@standing_exempt
@enrolment_step
@require_POST
def session_extend(request):
    # Asked for explicitly: recorded now, not within the middleware's write interval.
    record_activity(request.session, always=True)
    return JsonResponse({"signed_in": True, "remaining": settings.HMIS_IDLE_TIMEOUT_SECONDS})


@public
def favicon(request):
    """The icon browsers ask for at /favicon.ico (pages name the same file in a link)."""
    icon = finders.find("favicon.svg")
    response = HttpResponse(Path(icon).read_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@public
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
