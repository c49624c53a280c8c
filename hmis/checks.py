"""System checks that ``manage.py check --deploy`` runs before a release:
e-mail goes to an SMTP host, and passkeys work only where the relying party
id and the origins match the site people actually open."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.http.request import validate_host


@register(Tags.security, deploy=True)
def email_goes_to_an_smtp_host(app_configs, **kwargs):
    """Without an SMTP host, invitation and reset links (valid 72 hours)
    would have nowhere to go but a log."""
    if settings.HMIS_ENV != "production":
        return []
    errors = []
    if not settings.EMAIL_HOST:
        errors.append(
            Error(
                "EMAIL_HOST is not set: production sends sign-in links only through an SMTP host.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).",
                id="hmis.E001",
            )
        )
    if settings.EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend":
        errors.append(Error("Production must send e-mail over SMTP, never to the console or a file.", id="hmis.E002"))
    return errors


def _within(host: str, rp_id: str) -> bool:
    return host == rp_id or host.endswith(f".{rp_id}")


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@register(Tags.security, deploy=True)
def check_passkey_settings(app_configs=None, **kwargs):
    if not settings.PRODUCTION:
        return []
    rp_id = settings.HMIS_WEBAUTHN_RP_ID
    hint = "Set HMIS_WEBAUTHN_RP_ID to the site's domain and HMIS_WEBAUTHN_ORIGINS to its https:// address(es)."
    if not rp_id:
        return [Error("HMIS_WEBAUTHN_RP_ID is not set: passkeys cannot work.", hint=hint, id="hmis.E101")]
    if rp_id == "localhost" or _is_ip(rp_id) or "." not in rp_id:
        return [Error(f"HMIS_WEBAUTHN_RP_ID {rp_id!r} is not a public domain.", hint=hint, id="hmis.E101")]
    errors = []
    base_host = urlsplit(settings.HMIS_BASE_URL).hostname or ""
    if not _within(base_host, rp_id):
        errors.append(
            Error(
                f"HMIS_BASE_URL's host {base_host!r} is not {rp_id!r} or below it: passkeys would not work there.",
                hint=hint,
                id="hmis.E102",
            )
        )
    origins = settings.HMIS_WEBAUTHN_ORIGINS
    if not origins:
        errors.append(Error("HMIS_WEBAUTHN_ORIGINS is empty.", hint=hint, id="hmis.E103"))
    for origin in origins:
        parts = urlsplit(origin)
        host = parts.hostname or ""
        if parts.scheme != "https" or parts.path not in ("", "/") or not _within(host, rp_id):
            errors.append(
                Error(f"Passkey origin {origin!r} is not https:// at {rp_id!r} or below it.", hint=hint, id="hmis.E103")
            )
        elif not validate_host(host, settings.ALLOWED_HOSTS):
            errors.append(
                Error(
                    f"Passkey origin {origin!r} is not in ALLOWED_HOSTS.",
                    hint="Add its host to DJANGO_ALLOWED_HOSTS or remove it from HMIS_WEBAUTHN_ORIGINS.",
                    id="hmis.E104",
                )
            )
    return errors
