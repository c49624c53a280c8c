import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from hmis import permissions
from hmis.models import Role
from hmis.privacy import privacy_screen_on
from hmis.queries import unread_notice_count


def navigation(user):
    """The page shell's links by role: a short main row, a "Report" menu with
    what anyone may need to report at once, and "More" for the rest."""
    can = lambda code: permissions.has_permission(user, code)  # noqa: E731
    main, report, more = [("dashboard", "Dashboard")], [], []
    if can(permissions.CREATE_CLIENTS):
        main += [("clients:list", "Clients"), ("clients:search", "New intake")]
    elif can(permissions.VIEW_CLIENTS):
        more.append(("clients:list", "Clients"))
    if can(permissions.RECEIVE_SHARES):
        main.append(("sharing:share-list", "Referrals"))
    if can(permissions.VIEW_INCIDENTS):
        main.append(("incidents:list", "Incidents"))
    elif can(permissions.REPORT_INCIDENTS):
        more.append(("incidents:list", "My incident reports"))
    if can(permissions.VIEW_SECURITY_EVENTS):
        main.append(("incidents:dashboard", "Security dashboard"))
        more.append(("security-events", "Sign-in events and lockouts"))
    if can(permissions.MANAGE_USERS):
        main.append(("user-list", "Users"))
    if can(permissions.MANAGE_AGENCIES):
        main.append(("agency-list", "Agencies"))
    if can(permissions.EDIT_AGENCY_CONTACT):
        more.append(("agency-contact", "Contact for clients"))
    if can(permissions.MANAGE_PASSKEY_POLICY):
        more.append(("passkey-policy", "Passkey policy"))
    if can(permissions.VIEW_DATA_QUALITY):
        more.append(("clients:data-quality", "Data quality"))
    if can(permissions.REVIEW_DUPLICATES):
        more.append(("clients:duplicates", "Possible duplicates"))
    if can(permissions.MANAGE_RETENTION):
        more.append(("clients:retention", "Retention"))
    if can(permissions.REVIEW_PRESSURE):
        more.append(("sharing:pressure-list", "Pressure reports"))
    more += [("sharing:partner-list", "Partner agencies"), ("sharing:external-request-list", "External requests")]
    if can(permissions.REPORT_INCIDENTS):
        report.append(("incidents:report", "Report an incident"))
    if can(permissions.REPORT_PRESSURE):
        report.append(("sharing:pressure-report", "Report pressure to share"))
    if can(permissions.RECORD_EXTERNAL_REQUESTS):
        report.append(("sharing:external-request-create", "Record an external request"))
    unread = unread_notice_count(user)
    main.append(("notices", f"Notices ({unread})" if unread else "Notices"))
    return _with_paths(main), _with_paths(report), _with_paths(more)


@functools.lru_cache(maxsize=256)
def _path(name, urlconf, script_prefix):
    # The shell's links take no arguments, so their paths never change while
    # the URL configuration and prefix stay the same: reverse each once.
    return reverse(name, urlconf=urlconf)


def _with_paths(items):
    urlconf, prefix = get_urlconf(), get_script_prefix()
    return [(name, label, _path(name, urlconf, prefix)) for name, label in items]


def shell_paths():
    """The page shell's own fixed links (session keep-alive, privacy screen, sign-out)."""
    urlconf, prefix = get_urlconf(), get_script_prefix()
    return {
        name.replace("-", "_"): _path(name, urlconf, prefix)
        for name in ("session-status", "session-extend", "login", "privacy-screen", "logout")
    }


def shell(request):
    """What the page shell needs: navigation by role and the timeout settings."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated and user.is_verified())
    nav_main, nav_report, nav_more = navigation(user) if signed_in else ([], [], [])
    return {
        "training_due_soon": signed_in and user.training_due_soon(),
        "nav_items": nav_main,
        "nav_report": nav_report,
        "nav_more": nav_more,
        "signed_in": signed_in,
        "shell_paths": shell_paths() if signed_in else {},
        # Every template can honour it; client data is masked server-side by the views.
        "privacy_screen": signed_in and privacy_screen_on(request),
        "idle_timeout_seconds": settings.HMIS_IDLE_TIMEOUT_SECONDS,
        "idle_warning_seconds": settings.HMIS_IDLE_WARNING_SECONDS,
        "hmis_lead_name": settings.HMIS_LEAD_NAME,
        "hmis_lead_email": settings.HMIS_LEAD_EMAIL,
        "hmis_base_url": settings.HMIS_BASE_URL,
        "Role": Role,
    }
