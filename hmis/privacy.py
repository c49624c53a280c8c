"""Privacy screen mode: a session flag that makes every page show initials
instead of names and hide all other client PII (for screen sharing and
public places). Pages read it through ``privacy_screen_on(request)``; the
masking itself happens on the server, so it works without JavaScript."""

SESSION_KEY = "hmis_privacy_screen"


def privacy_screen_on(request) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(SESSION_KEY))


def set_privacy_screen(request, on: bool) -> None:
    request.session[SESSION_KEY] = bool(on)
