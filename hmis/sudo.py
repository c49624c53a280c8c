"""Re-authentication ("sudo mode") for account changes.

Changing the password, making new backup codes and adding or replacing an
authenticator need the current password and a second-factor code, unless
both were given within ``HMIS_REAUTH_SECONDS`` (signing in counts). Someone
at an unattended, signed-in workstation then cannot take over the account.

A wrong current password goes through ``authenticate()``, so django-axes
counts it with the sign-in failures of the same username and address; at the
limit the session ends and sign-in is paused.
"""

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from hmis.network import client_ip

SESSION_REAUTH_AT = "hmis_reauth_at"


def mark_reauthenticated(request):
    request.session[SESSION_REAUTH_AT] = int(time.time())


def is_recent(request) -> bool:
    given_at = request.session.get(SESSION_REAUTH_AT)
    return given_at is not None and time.time() - given_at <= settings.HMIS_REAUTH_SECONDS


def safe_next(request, default="/"):
    """The local page to return to (from POST or GET ``next``), never another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts=set(), require_https=request.is_secure()):
        return target
    return default


def redirect_to_reauth(request):
    # Back to this page by GET afterwards: a POST's form data is not replayed.
    return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': request.path})}")


def require_sudo_mode(view):
    """Decorate a view (under its access declaration): ask for the password and
    a code again unless both were given recently."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_recent(request):
            return redirect_to_reauth(request)
        return view(request, *args, **kwargs)

    return wrapped


def confirm_current_password(request, password) -> bool:
    """Whether ``password`` is the signed-in user's.

    A wrong one is a security event and a sign-in failure for django-axes
    (same username and address). When it reaches the lockout limit the
    session ends here and ``request.axes_locked_out`` is set.
    """
    from hmis.actions import record_security_event, release_live_session
    from hmis.models import SecurityEvent

    user = request.user
    if authenticate(request, username=user.get_username(), password=password) is not None:
        return True
    record_security_event(kind=SecurityEvent.Kind.REAUTH_FAILED, user=user, ip_address=client_ip(request))
    if getattr(request, "axes_locked_out", False):
        release_live_session(user=user, session_key=request.session.session_key)
        logout(request)
    return False
