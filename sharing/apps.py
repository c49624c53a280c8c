from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Consent and care-coordination sharing"

    def ready(self):
        from sharing import merging  # noqa: F401  (releases, referrals and disclosures follow a client merge)
