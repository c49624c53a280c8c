"""Security officer pages: the agency's security events and locked accounts."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hmis import actions, queries
from hmis.network import client_ip
from hmis.permissions import UNLOCK_ACCOUNTS, VIEW_SECURITY_EVENTS, has_permission, requires
from hmis.views.outcome import run_action


@requires(VIEW_SECURITY_EVENTS)
def security_events(request):
    events = queries.security_events_visible_to(request.user)[:200]
    return render(
        request,
        "hmis/security/events.html",
        {
            "events": events,
            "locked_accounts": queries.locked_accounts_visible_to(request.user),
            "can_unlock": has_permission(request.user, UNLOCK_ACCOUNTS),
        },
    )


@requires(UNLOCK_ACCOUNTS)
@require_POST
def unlock(request, user_id):
    subject = queries.get_user_for(request.user, user_id)
    return run_action(
        request,
        lambda: actions.unlock_account(acting_user=request.user, user=subject, ip_address=client_ip(request)),
        success=f"{subject.username} can try to sign in again.",
        to=reverse("security-events"),
    )
