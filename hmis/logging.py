"""A logging filter that keeps exception messages and request data out of logs.

Exception messages can carry values (a database error quoting a row, a
validation error quoting input), so a logged exception keeps its type and
where it happened, never its message or local variables.
"""

import logging
import traceback


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
