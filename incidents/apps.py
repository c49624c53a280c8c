from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents and security events"

    def ready(self):
        from incidents import signals  # noqa: F401  (connects django-axes and auth signals)
