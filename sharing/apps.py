from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Consent and care-coordination sharing"

    def ready(self):
        # Load the actions so every @on_release_ended hook defined there is
        # registered in each process (web, worker, beat) before a release ends.
        from sharing import access, actions  # noqa: F401

        # Shares end, and partners lose their grant, when a release ends.
        access.register_hooks()
