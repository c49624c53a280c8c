"""Issue 15, item 4: one status machine (``hmis.status``). An incident's
status moves get their own history table; the moves already on the timeline
(status changes and reopenings) are copied into it, notes as stored (the
same encrypted tokens). Migrating back drops the table; the timeline stays."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import hmis.crypto

COPY_MOVES = """
INSERT INTO incidents_incidentstatuschange (subject_id, from_status, to_status, changed_by_id, changed_at, note)
SELECT incident_id, from_status, to_status, actor_id, at, note
FROM incidents_timelineentry
WHERE kind IN ('status', 'reopened') AND from_status <> '' AND to_status <> ''
ORDER BY at, id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_security_event_in_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IncidentStatusChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("from_status", models.CharField(blank=True, max_length=30)),
                ("to_status", models.CharField(max_length=30)),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("note", hmis.crypto.EncryptedCharField(blank=True, max_length=500)),
                (
                    "changed_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="status_changes",
                        to="incidents.incident",
                    ),
                ),
            ],
            options={
                "ordering": ["changed_at", "id"],
                "abstract": False,
            },
        ),
        migrations.RunSQL(COPY_MOVES, migrations.RunSQL.noop),
    ]
