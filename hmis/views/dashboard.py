from django.shortcuts import render

from clients.queries import dashboard_corrections_for
from hmis import permissions, queries
from hmis.models import Role
from hmis.permissions import SIGNED_IN, has_permission, requires
from hmis.queries import security_events_visible_to
from incidents.queries import incident_worklist, open_actions_owned_by
from sharing.queries import dashboard_releases_for, dashboard_work_for


@requires(SIGNED_IN)
def dashboard(request):
    user = request.user
    context = {"roles": user.role_labels()}
    if has_permission(user, permissions.VIEW_SECURITY_EVENTS):
        context["recent_security_events"] = security_events_visible_to(user)[:10]
        context["locked_accounts"] = queries.locked_accounts_visible_to(user)
    if has_permission(user, permissions.MANAGE_USERS):
        active = queries.users_visible_to(user).filter(is_active=True)
        context["user_count"] = active.count()
        context["users_heading"] = "Users of every agency" if user.is_system_admin else "Your agency's users"
        context["training_attention"] = [u for u in active if not u.training_current() or u.training_due_soon()]
    context["my_corrective_actions"] = list(open_actions_owned_by(user))
    context["is_case_worker"] = user.has_role(Role.INTAKE, Role.SUPERVISOR)
    context["can_view_data_quality"] = has_permission(user, permissions.VIEW_DATA_QUALITY)
    if has_permission(user, permissions.TRIAGE_INCIDENTS):
        context["incident_worklist"] = incident_worklist(user)
    context.update(dashboard_releases_for(user))
    context.update(dashboard_work_for(user))
    context.update(dashboard_corrections_for(user))
    return render(request, "hmis/dashboard.html", context)
