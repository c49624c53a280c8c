from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hmis.permissions import SIGNED_IN, requires
from hmis.privacy import privacy_screen_on, set_privacy_screen


@requires(SIGNED_IN)
@require_POST
def privacy_screen(request):
    """Switch privacy screen mode on or off for this session, then go back.

    ``next`` is the path of the page the button was on (UUIDs only, no PII).
    """
    wanted = request.POST.get("on")
    set_privacy_screen(request, (wanted == "1") if wanted in ("0", "1") else not privacy_screen_on(request))
    target = request.POST.get("next", "")
    # Only a path on this site: not a URL name (redirect() would look it up),
    # not another host, nothing a header cannot carry.
    if (
        not target.startswith("/")
        or not target.isprintable()
        or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    ):
        target = "/"
    return HttpResponseRedirect(target)
