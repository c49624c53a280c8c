"""Post/redirect/get for reveals: the value is shown once.

A reveal POST records its access event, then holds the revealed field name
under a random token in the session and redirects to a page that takes the
token. Taking it removes it, so reloading that page or coming Back to it
shows the masked page and records nothing more; a token also dies after
``REVEAL_TOKEN_SECONDS``. The session holds field names only, never values.
"""

import secrets
import time

from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from hmis.forms import apply_validation_error
from hmis.privacy import privacy_screen_on

REVEAL_TOKEN_SECONDS = 60
SESSION_KEY = "reveal_once"


def hold(request, *, subject_id, field) -> str:
    """Keep ``field`` of ``subject_id`` for one showing; returns the token for the redirect."""
    now = time.time()
    held = {token: entry for token, entry in request.session.get(SESSION_KEY, {}).items() if entry["until"] > now}
    token = secrets.token_urlsafe(16)
    held[token] = {"subject": str(subject_id), "field": field, "until": now + REVEAL_TOKEN_SECONDS}
    request.session[SESSION_KEY] = held
    return token


def take(request, token, *, subject_id) -> str:
    """The field held under ``token`` for ``subject_id`` (once), or "" when used, expired or foreign."""
    held = dict(request.session.get(SESSION_KEY, {}))
    entry = held.pop(token, None)
    request.session[SESSION_KEY] = held
    if not entry or entry["subject"] != str(subject_id) or entry["until"] <= time.time():
        return ""
    return entry["field"]


def reveal_and_redirect(request, form, reveal, *, subject_id, to, **url_kwargs):
    """The reveal POST of any page: with a valid reason ``form``, run the
    reveal action ``reveal(field=, reason=, reason_text=, privacy_screen=)``
    (it checks permission, validates and records the access event), hold the
    field for one showing and redirect to the ``to`` page with the token.

    Returns None when the form or the action refused; the refusal is then on
    the form, for the view to show the page again with it."""
    if not form.is_valid():
        return None
    try:
        field = reveal(
            field=form.cleaned_data["field"],
            reason=form.cleaned_data["reason"],
            reason_text=form.cleaned_data["reason_text"],
            privacy_screen=privacy_screen_on(request),
        )
    except ValidationError as error:
        apply_validation_error(form, error)
        return None
    return redirect(to, token=hold(request, subject_id=subject_id, field=field), **url_kwargs)
