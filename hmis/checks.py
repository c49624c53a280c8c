"""System checks that ``manage.py check --deploy`` runs before a release."""

from django.conf import settings
from django.core.checks import Error, Tags, register


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
