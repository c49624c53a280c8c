"""Security events moved to the core (hmis 0008 renamed the table): the link
table points at ``hmis.SecurityEvent`` and the old model state goes. State only,
plus the incident's view of its events through the link table (no column)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0008_security_event_link"),
        ("hmis", "0008_security_events_and_notices_in_core"),
        # The pressure report's foreign key moves to the core's model first.
        ("sharing", "0005_notice_and_security_event_in_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="securityeventlink",
                    name="security_event",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="incident_link",
                        to="hmis.securityevent",
                    ),
                ),
                migrations.DeleteModel(name="SecurityEvent"),
            ],
        ),
        migrations.AddField(
            model_name="incident",
            name="security_events",
            field=models.ManyToManyField(
                blank=True, related_name="incidents", through="incidents.SecurityEventLink", to="hmis.securityevent"
            ),
        ),
    ]
