"""The link from a security event to the incident opened for it becomes a table
of this app (``SecurityEventLink``) instead of a column of the event, so that
security events can live in the core (next: hmis 0008). Links are copied."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_breach_notices_and_reopening"),
    ]

    operations = [
        migrations.CreateModel(
            name="SecurityEventLink",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="incidents.incident"
                    ),
                ),
                (
                    "security_event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="incident_link",
                        to="incidents.securityevent",
                    ),
                ),
            ],
        ),
        migrations.RunSQL(
            sql="INSERT INTO incidents_securityeventlink (security_event_id, incident_id) "
            "SELECT id, incident_id FROM incidents_securityevent WHERE incident_id IS NOT NULL",
            reverse_sql="UPDATE incidents_securityevent AS event SET incident_id = link.incident_id "
            "FROM incidents_securityeventlink AS link WHERE link.security_event_id = event.id",
        ),
        migrations.RemoveField(model_name="securityevent", name="incident"),
    ]
