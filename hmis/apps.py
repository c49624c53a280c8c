from django.apps import AppConfig


class HmisConfig(AppConfig):
    name = "hmis"
    verbose_name = "HMIS core"

    def ready(self):
        from hmis import audit, checks, signals  # noqa: F401  (checks and receivers register themselves)
        from hmis.logging import install_redacting_record_factory
        from hmis.models import Agency, Invitation, Notice, PasskeyRule, SecurityEvent, User

        audit.register_audited(Agency)
        audit.register_audited(User, exclude=["password", "last_login", "live_session_key"])
        audit.register_audited(Invitation, exclude=["token_hash"])
        audit.register_audited(PasskeyRule)
        audit.register_audited(SecurityEvent)
        audit.register_audited(Notice, exclude=["read_at", "emailed_at"])
        install_redacting_record_factory()
