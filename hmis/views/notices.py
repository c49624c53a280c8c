"""The signed-in user's own notices (written by every app through ``hmis.actions.notify``)."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hmis import actions, queries
from hmis.permissions import SIGNED_IN, requires


@requires(SIGNED_IN)
def notice_list(request):
    notices = queries.notices_for(request.user)[:100]
    return render(request, "hmis/notices.html", {"notices": notices})


@requires(SIGNED_IN)
@require_POST
def notices_read(request):
    actions.mark_notices_read(acting_user=request.user)
    return redirect("notices")


@requires(SIGNED_IN)
def notices_old_address(request):
    """Notices lived at /sharing/notices/ before they moved to the core; e-mails
    already sent link there, so the old address keeps leading to them."""
    return redirect("notices", permanent=True)
