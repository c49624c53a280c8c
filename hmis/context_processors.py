from django.conf import settings

from hmis import permissions
from hmis.models import Role
from hmis.privacy import privacy_screen_on
from sharing.notifications import unread_count


def shell(request):
    """What the page shell needs: navigation by role and the timeout settings."""
    user = getattr(request, "user", None)
    nav = []
    signed_in = bool(user and user.is_authenticated and user.is_verified())
    if signed_in:
        nav.append(("dashboard", "Dashboard"))
        if permissions.has_permission(user, permissions.MANAGE_USERS):
            nav.append(("user-list", "Users"))
        if permissions.has_permission(user, permissions.MANAGE_AGENCIES):
            nav.append(("agency-list", "Agencies"))
        if permissions.has_permission(user, permissions.VIEW_CLIENTS):
            nav.append(("clients:list", "Clients"))
        if permissions.has_permission(user, permissions.CREATE_CLIENTS):
            nav.append(("clients:search", "New intake"))
        if permissions.has_permission(user, permissions.REVIEW_DUPLICATES):
            nav.append(("clients:duplicates", "Possible duplicates"))
        # Care-coordination sharing (sharing app).
        if permissions.has_permission(user, permissions.RECEIVE_SHARES):
            nav.append(("sharing:share-list", "Referrals"))
        nav.append(("sharing:partner-list", "Partners"))
        nav.append(("sharing:external-request-list", "External requests"))
        if permissions.has_permission(user, permissions.REVIEW_PRESSURE):
            nav.append(("sharing:pressure-list", "Pressure reports"))
        nav.append(("sharing:pressure-report", "Report pressure"))
        unread = unread_count(user)
        nav.append(("sharing:notices", f"Notices ({unread})" if unread else "Notices"))
        if permissions.has_permission(user, permissions.VIEW_SECURITY_EVENTS):
            nav.append(("security-events", "Security"))
            nav.append(("incidents:dashboard", "Security dashboard"))
        if permissions.has_permission(user, permissions.VIEW_INCIDENTS):
            nav.append(("incidents:list", "Incidents"))
        elif permissions.has_permission(user, permissions.REPORT_INCIDENTS):
            nav.append(("incidents:list", "My reports"))
        if permissions.has_permission(user, permissions.REPORT_INCIDENTS):
            nav.append(("incidents:report", "Report an incident"))
    return {
        "training_due_soon": signed_in and user.training_due_soon(),
        "nav_items": nav,
        "signed_in": signed_in,
        # Every template can honour it; client data is masked server-side by the views.
        "privacy_screen": signed_in and privacy_screen_on(request),
        "idle_timeout_seconds": settings.HMIS_IDLE_TIMEOUT_SECONDS,
        "idle_warning_seconds": settings.HMIS_IDLE_WARNING_SECONDS,
        "hmis_lead_name": settings.HMIS_LEAD_NAME,
        "hmis_lead_email": settings.HMIS_LEAD_EMAIL,
        "Role": Role,
    }
