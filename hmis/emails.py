"""Every e-mail the product sends, in one place for the "no PII in e-mail" review.

The text of e-mail ``<name>`` is ``templates/emails/<name>_subject.txt`` and
``templates/emails/<name>_body.txt``: plain text (no HTML escaping), rendered
only by ``render_email``. ``EMAILS`` lists every e-mail and the context it
takes; ``render_email`` refuses any other name or context, and
``tests/test_emails_have_no_pii.py`` sends each one built from canary client
data and finds none of it.
"""

from functools import cache

from django.conf import settings
from django.template import Context, Engine

# name -> the context keys its templates are given (exactly these).
EMAILS = {
    # hmis/tasks.py: a new account's one-time link to set a password.
    "account_invitation": frozenset({"username", "link", "hours", "base_url"}),
    # hmis/tasks.py: the same link after an agency lead reset the sign-in.
    "sign_in_reset": frozenset({"username", "link", "hours", "base_url"}),
    # incidents/emails.py: one escalation to one recipient.
    "incident_escalation": frozenset(
        {
            "incident",
            "notification",
            "for_vendor_support",
            "nobody_acknowledged",
            "incident_link",
            "acknowledge_link",
            "lead_name",
            "lead_email",
        }
    ),
    # incidents/emails.py: a reminder of an unacknowledged escalation.
    "incident_reminder": frozenset({"incident", "number", "deadlines", "acknowledge_link"}),
    # clients/tasks.py: the requester's HMIS CSV export can be downloaded.
    "hmis_csv_export_ready": frozenset({"hours", "max_downloads", "link"}),
    # hmis/tasks.py (email_for): the copy of an in-app notice.
    "notice": frozenset({"notice", "link"}),
}


@cache
def _engine():
    # Its own engine: autoescape off (plain text) and no context processors,
    # so a template sees only what its sender passed.
    return Engine(dirs=[settings.BASE_DIR / "templates"], autoescape=False)


def render_email(name: str, context: dict) -> tuple[str, str]:
    """(subject, body) of e-mail ``name``. The subject is one line; the body
    loses the trailing newline of its file."""
    if name not in EMAILS:
        raise ValueError(f"Unregistered e-mail: {name}")
    if set(context) != EMAILS[name]:
        raise ValueError(f"E-mail {name} takes {sorted(EMAILS[name])}, not {sorted(context)}")
    subject = _engine().get_template(f"emails/{name}_subject.txt").render(Context(context)).strip()
    if "\n" in subject or "\r" in subject:
        raise ValueError(f"The subject of e-mail {name} is more than one line")
    body = _engine().get_template(f"emails/{name}_body.txt").render(Context(context)).removesuffix("\n")
    return subject, body
