from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Consent and care-coordination sharing"

    def ready(self):
        # Shares end, and partners lose their grant, when a release ends.
        from sharing import access

        access.register_hooks()
