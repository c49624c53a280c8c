"""Logging that keeps values and sign-in secrets out of logs.

Exception messages can carry values (a database error quoting a row, a
validation error quoting input), so a logged exception keeps its type and
where it happened, never its message or local variables.

A one-time sign-in link (``/password/set/<token>/``) is as good as a
password for 72 hours, so every log record, from any library and any
process (web worker, gunicorn's access log, Celery worker), has such links
and other long opaque tokens replaced as it is created.
"""

import logging
import re
import traceback

REDACTED = "[redacted]"
_SIGN_IN_SECRETS = [
    # Our one-time link, and Django's reset link shape /reset/<uidb64>/<token>/.
    (re.compile(r"(/password/set/)[^/\s\"'?#]+"), rf"\g<1>{REDACTED}"),
    (re.compile(r"(/reset/)[^/\s\"'?#]+(?:/[^/\s\"'?#]+)?"), rf"\g<1>{REDACTED}"),
    (re.compile(r"([?&](?:token|uidb64|key|code)=)[^&\s\"']+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    # A bare token as it travels in a task message (secrets.token_urlsafe(32)
    # is 43 characters; UUIDs, at 36, stay readable).
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])"), REDACTED),
]


def redact_sign_in_secrets(text: str) -> str:
    for pattern, replacement in _SIGN_IN_SECRETS:
        text = pattern.sub(replacement, text)
    return text


def install_redacting_record_factory() -> None:
    """Redact every record at creation, so no handler (ours, a library's,
    a test's) ever sees a sign-in link. Idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts_sign_in_secrets", False):
        return

    def factory(*args, **kwargs):
        record = current(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call is logging's to report, not ours
            return record
        redacted = redact_sign_in_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return record

    factory.redacts_sign_in_secrets = True
    logging.setLogRecordFactory(factory)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            frames = traceback.extract_tb(tb)
            where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames[-6:]))
            record.msg = f"{record.getMessage()} [{exc_type.__name__} at {where}]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        # An unmatched URL is whatever was typed; never log it verbatim.
        if record.name in ("django.request", "django.server") and record.getMessage().startswith("Not Found"):
            record.args = tuple(
                "[unmatched path]" if isinstance(a, str) and a.startswith("/") else a for a in (record.args or ())
            )
        # django.request attaches the request; its repr is harmless but its
        # body is not, so drop it rather than trust every handler.
        if hasattr(record, "request"):
            record.request = None
        return True
