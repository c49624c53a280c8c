"""Which address a request came from.

``REMOTE_ADDR`` unless ``HMIS_TRUSTED_PROXY_COUNT`` says how many reverse
proxies of ours stand in front; then the address that the outermost trusted
proxy saw. A client cannot dodge lockout by sending its own
``X-Forwarded-For``: with no trusted proxy the header is ignored, and with one
only the entry our proxy appended is read.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    count = settings.HMIS_TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if not count:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]
