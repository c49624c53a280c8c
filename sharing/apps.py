from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Consent and care-coordination sharing"

    def ready(self):
        from sharing import merging, retention  # noqa: F401  (follow a client merge; date and keep a client)
