"""What is kept of the username typed at a failed sign-in.

People type passwords into the username box. So the typed text is kept only
when it names an existing account; anything else is kept as a key: its length
and a keyed hash (``hmis.blind_index``), shaped ``#<length>.<hash>``. The same
typing gives the same key, so failures still count and lock out per username
and address (django-axes uses ``axes_username`` as its username), and the
security page can say "unknown username (12 characters)" without showing it.
"""

import re

from hmis.blind_index import blind_index

# "#" is never in a Django username (letters, digits and @.+-_ only), so a key
# never names an account.
_KEY = re.compile(r"#\d+\.[0-9a-f]{16}")


def failed_sign_in_name(typed: str | None) -> str:
    """``typed`` if an account has exactly that username, else its key ("" for nothing typed).

    Idempotent: a key (what axes hands the lockout signal) stays as it is.
    """
    from hmis.models import User

    typed = typed or ""
    if not typed or _KEY.fullmatch(typed) or User.objects.filter(username=typed).exists():
        return typed
    return f"#{len(typed)}.{blind_index('failed_sign_in.username', typed, bits=64)}"


def username_label(stored: str) -> str:
    """How a stored failed-sign-in username is shown to a security officer."""
    if _KEY.fullmatch(stored or ""):
        length = stored[1:].partition(".")[0]
        return f"unknown username ({length} characters)"
    return stored


def axes_username(request, credentials=None) -> str:
    """``AXES_USERNAME_CALLABLE``: axes stores and locks out by this, never by unknown typed text."""
    if credentials:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "POST", {}).get("username")
    return failed_sign_in_name(typed)
