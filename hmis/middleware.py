"""Request-level security: headers, session policy, allowed networks, and the
fail-closed gate that every view passes."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from hmis.network import client_ip

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

SESSION_STARTED = "hmis_started"
SESSION_LAST_SEEN = "hmis_last_seen"
# Requests that report the session's state without counting as activity.
PASSIVE_PATHS = {"/session/status/"}
# Activity is written to the session at most this often, so most requests
# save no session; the idle timeout may end a session up to this much early.
LAST_SEEN_WRITE_SECONDS = 30


class SecurityHeadersMiddleware:
    """CSP, Permissions-Policy, and no-store for anyone signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or not request.path.startswith(settings.STATIC_URL):
            # Pages (signed in or not) are never kept by the browser or a proxy;
            # static files may be cached.
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class SessionPolicyMiddleware:
    """Idle timeout, absolute limit, one live session per user.

    Enforced here, on the server: the on-page countdown only tells the user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            ended = self._ended_reason(request)
            if ended:
                logout(request)
                request.hmis_session_ended = ended
                if request.path in PASSIVE_PATHS or request.headers.get("Accept") == "application/json":
                    return JsonResponse({"signed_in": False, "reason": ended}, status=401)
                return redirect(f"{reverse('login')}?ended={ended}")
            if request.path not in PASSIVE_PATHS:
                record_activity(request.session)
        return self.get_response(request)

    @staticmethod
    def _ended_reason(request):
        now = time.time()
        session = request.session
        started = session.get(SESSION_STARTED)
        last_seen = session.get(SESSION_LAST_SEEN, started)
        if started is None:
            return "expired"
        if now - last_seen > settings.HMIS_IDLE_TIMEOUT_SECONDS:
            return "idle"
        if now - started > settings.HMIS_SESSION_ABSOLUTE_SECONDS:
            return "expired"
        user = request.user
        if user.is_verified() and user.live_session_key and user.live_session_key != session.session_key:
            return "replaced"
        return None


def record_activity(session, *, always=False):
    """Note the user as active now (at most every ``LAST_SEEN_WRITE_SECONDS``, unless ``always``)."""
    now = int(time.time())
    if always or now - session.get(SESSION_LAST_SEEN, 0) >= LAST_SEEN_WRITE_SECONDS:
        session[SESSION_LAST_SEEN] = now


class AllowedNetworkMiddleware:
    """Refuse a signed-in user whose agency restricts networks (agency VPN)
    when the request comes from elsewhere, and record a security event."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.agency_id and not request.path.startswith(settings.STATIC_URL):
            ip = client_ip(request)
            if not user.agency.allows_ip(ip):
                from hmis.actions import record_security_event
                from hmis.models import SecurityEvent

                record_security_event(
                    kind=SecurityEvent.Kind.NETWORK_REFUSED,
                    user=user,
                    ip_address=ip,
                    detail="Request from outside the agency's allowed networks",
                )
                logout(request)
                return render(request, "hmis/network_refused.html", status=403)
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    """The fail-closed gate.

    Every view must declare its access with ``@public``, ``@password_only``
    or ``@requires(...)`` (see ``hmis.permissions``). A user who has not
    passed the second factor reaches only the public and password-only
    views; one who passed it with a backup code and has no authenticator
    reaches only those and the ``@enrolment_step`` views until they set one
    up. A view that declared nothing is refused (and is a hard error in
    development and tests, so it is caught before it ships).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        access = getattr(view_func, "hmis_access", None)
        is_admin = False
        if access is None:
            access = _admin_access(request)
            is_admin = access is not None
        if access is None:
            if settings.DEBUG or settings.HMIS_ENV == "test":
                raise ImproperlyConfigured(f"view {view_func.__module__}.{view_func.__name__} declares no access")
            return HttpResponseForbidden("Forbidden")
        kind, _code = access
        if kind == "public":
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('login')}")
        if kind == "password_only":
            return None
        if not user.is_verified():
            return redirect(reverse("login-second-factor"))
        if _must_set_up_authenticator(user) and not getattr(view_func, "hmis_enrolment_step", False):
            return redirect(reverse("login-enrol"))
        if kind == "standing_exempt":
            return None
        standing = user.standing()
        if standing == "agreement":
            return redirect(reverse("user-agreement"))
        if standing == "training":
            return redirect(reverse("training-required"))
        if is_admin:
            from hmis.permissions import check_permission

            check_permission(user, _code)
        return None


def _must_set_up_authenticator(user):
    """Signed in with a backup code and no authenticator: set one up before anything else,
    or the account runs out of second factors."""
    from django_otp.plugins.otp_static.models import StaticDevice

    from hmis.actions import has_totp

    return isinstance(user.otp_device, StaticDevice) and not has_totp(user)


def _admin_access(request):
    """The Django admin is not ours to decorate: it needs a verified system admin."""
    match = getattr(request, "resolver_match", None)
    if match is not None and "admin" in match.app_names:
        return ("requires", "admin.use")
    return None
