from django.apps import AppConfig


class HmisConfig(AppConfig):
    name = "hmis"
    verbose_name = "HMIS core"

    def ready(self):
        from hmis import audit, checks  # noqa: F401  (checks register themselves)
        from hmis.logging import install_redacting_record_factory
        from hmis.models import Agency, Invitation, PasskeyRule, User

        audit.register_audited(Agency)
        audit.register_audited(User, exclude=["password", "last_login", "live_session_key"])
        audit.register_audited(Invitation, exclude=["token_hash"])
        audit.register_audited(PasskeyRule)
        install_redacting_record_factory()
