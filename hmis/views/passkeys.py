"""Passkeys: the account page (add, name, see last use, remove; after
re-authentication), signing in with one as the second step, and the system
admin's passkey policy. The browser side is static/js/passkeys.js; the JSON
endpoints answer it and nothing else."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp_webauthn import exceptions as webauthn_errors

from hmis import passkeys, sudo
from hmis.forms import PasskeyRuleForm, apply_validation_error
from hmis.models import PasskeyRule, SecurityEvent
from hmis.network import client_ip
from hmis.permissions import MANAGE_PASSKEY_POLICY, SIGNED_IN, password_only, requires
from hmis.views.outcome import run_action, validation_text

# What the person sees when the server refuses a passkey: never the library's technical text.
REFUSED = {
    "credential_not_found": "That passkey is not registered to your account (it may have been removed). "
    "Use another passkey or your code.",
    "credential_user_mismatch": "That passkey belongs to another account.",
    "credential_disabled": "That passkey cannot be used.",
    "invalid_state": "That attempt expired. Press the button again.",
}
NOT_ACCEPTED = "That passkey was not accepted here. Use a passkey made for this site, or your code."


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(error) -> tuple[str, int]:
    return REFUSED.get(getattr(error, "code", ""), NOT_ACCEPTED), getattr(error, "status_code", 400)


# --- The account page -----------------------------------------------------------------------


@requires(SIGNED_IN)
@sudo.require_sudo_mode
def passkey_list(request):
    standing = passkeys.passkey_standing(request.user)
    return render(
        request,
        "hmis/passkeys.html",
        {
            "passkeys": passkeys.user_passkeys(request.user),
            "standing": standing,
            "name_max_length": passkeys.NAME_MAX_LENGTH,
        },
    )


def _sudo_expired():
    return JsonResponse(
        {
            "detail": "Confirm it is you again first.",
            "redirect_url": f"{reverse('reauthenticate')}?next=/account/passkeys/",
        },
        status=403,
    )


@requires(SIGNED_IN)
@require_POST
def passkey_register_begin(request):
    if not sudo.is_recent(request):
        return _sudo_expired()
    return JsonResponse(passkeys.begin_registration(request=request))


@requires(SIGNED_IN)
@require_POST
def passkey_register_complete(request):
    if not sudo.is_recent(request):
        return _sudo_expired()
    body = _json_body(request)
    credential = body.get("credential")
    try:
        passkey = passkeys.complete_registration(
            request=request, name=body.get("name"), credential=credential if isinstance(credential, dict) else {}
        )
    except ValidationError as error:
        return JsonResponse({"detail": validation_text(error)}, status=400)
    except webauthn_errors.OTPWebAuthnApiError as error:
        detail, status = _refusal(error)
        return JsonResponse({"detail": detail}, status=status)
    messages.success(request, f"Passkey “{passkey.name}” added.")
    return JsonResponse({"redirect_url": reverse("passkeys")})


@requires(SIGNED_IN)
@sudo.require_sudo_mode
@require_POST
def passkey_rename(request, key):
    return run_action(
        request,
        lambda: passkeys.rename_passkey(
            acting_user=request.user, key=key, name=request.POST.get("name"), ip_address=client_ip(request)
        ),
        success="Passkey renamed.",
        to=reverse("passkeys"),
    )


@requires(SIGNED_IN)
@sudo.require_sudo_mode
@require_POST
def passkey_remove(request, key):
    return run_action(
        request,
        lambda: passkeys.remove_passkey(acting_user=request.user, key=key, ip_address=client_ip(request)),
        success="Passkey removed. It no longer signs you in.",
        to=reverse("passkeys"),
    )


# --- Signing in with a passkey (the second step) --------------------------------------------------


@password_only
@require_POST
def passkey_sign_in_begin(request):
    if request.user.is_verified():
        return JsonResponse({"redirect_url": reverse("dashboard")})
    if not passkeys.user_passkeys(request.user).exists():
        return JsonResponse({"detail": "This account has no passkey yet. Use your code."}, status=400)
    return JsonResponse(passkeys.begin_sign_in(request=request))


@password_only
@require_POST
def passkey_sign_in_complete(request):
    from hmis.views.auth import after_second_factor, locked_out

    if request.user.is_verified():
        return JsonResponse({"redirect_url": reverse("dashboard")})
    try:
        passkey = passkeys.complete_sign_in(request=request, credential=_json_body(request))
    except webauthn_errors.OTPWebAuthnApiError as error:
        detail, status = _refusal(error)
        if getattr(error, "code", "") == "invalid_state":
            return JsonResponse({"detail": detail}, status=status)
        if passkeys.second_factor_failed(
            request, kind=SecurityEvent.Kind.PASSKEY_FAILED, detail=f"Passkey refused ({error.code})"
        ):
            return locked_out(request)
        return JsonResponse({"detail": detail}, status=status)
    return JsonResponse({"redirect_url": after_second_factor(request, passkey)})


# --- The policy (system admin) ----------------------------------------------------------------------


@requires(MANAGE_PASSKEY_POLICY)
def passkey_policy(request):
    form = PasskeyRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule = passkeys.set_passkey_rule(
                acting_user=request.user,
                role=data["role"],
                agency=data["agency"],
                required=data["required"],
                grace_days=data["grace_days"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Saved: {rule}.")
            return redirect("passkey-policy")
    rules = PasskeyRule.objects.select_related("agency")
    return render(request, "hmis/passkey_policy.html", {"form": form, "rules": rules})


@requires(MANAGE_PASSKEY_POLICY)
@require_POST
def passkey_rule_delete(request, rule_id):
    return run_action(
        request,
        lambda: passkeys.delete_passkey_rule(acting_user=request.user, rule_id=rule_id),
        success="Rule removed.",
        to=reverse("passkey-policy"),
    )
