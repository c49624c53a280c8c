"""Notices moved to the core (hmis 0008 renamed the table); a pressure report's
security event is now ``hmis.SecurityEvent`` (same table, renamed). State only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0004_encrypt_free_text"),
        ("hmis", "0008_security_events_and_notices_in_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="pressurereport",
                    name="security_event",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hmis.securityevent",
                    ),
                ),
                migrations.DeleteModel(name="Notice"),
            ],
        ),
    ]
