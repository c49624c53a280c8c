"""Issue 15, item 4: one status machine (``hmis.status``).

A release's history keeps its table (``release`` -> ``subject``, ``reason``
-> ``note``). The generic ``StatusChange`` (a subject type and id, no foreign
key) is split into one history table per machine, its rows copied over
(notes are copied as stored: the same encrypted tokens), then dropped;
migrating back copies them into it again.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import hmis.crypto

COPY_TO = """
INSERT INTO sharing_{table} (subject_id, from_status, to_status, changed_by_id, changed_at, note)
SELECT c.subject_id, c.from_status, c.to_status, c.by_id, c.at, c.note
FROM sharing_statuschange c JOIN sharing_{subject} s ON s.id = c.subject_id
WHERE c.subject_type = 'sharing.{subject}'
ORDER BY c.at, c.id
"""

COPY_BACK = """
INSERT INTO sharing_statuschange (subject_type, subject_id, from_status, to_status, by_id, at, note)
SELECT 'sharing.{subject}', subject_id, from_status, to_status, changed_by_id, changed_at, note
FROM sharing_{table} ORDER BY changed_at, id
"""


def copy(subject, table):
    return migrations.RunSQL(
        COPY_TO.format(subject=subject, table=table), COPY_BACK.format(subject=subject, table=table)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0005_notice_and_security_event_in_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="releasestatuschange", old_name="release", new_name="subject"),
        migrations.RenameField(model_name="releasestatuschange", old_name="reason", new_name="note"),
        migrations.AlterField(
            model_name="releasestatuschange",
            name="from_status",
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AlterField(
            model_name="releasestatuschange",
            name="to_status",
            field=models.CharField(max_length=30),
        ),
        migrations.CreateModel(
            name="ExternalRequestStatusChange",
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
                        to="sharing.externalrequest",
                    ),
                ),
            ],
            options={
                "ordering": ["changed_at", "id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ShareStatusChange",
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
                        on_delete=django.db.models.deletion.CASCADE, related_name="status_changes", to="sharing.share"
                    ),
                ),
            ],
            options={
                "ordering": ["changed_at", "id"],
                "abstract": False,
            },
        ),
        copy("share", "sharestatuschange"),
        copy("externalrequest", "externalrequeststatuschange"),
        migrations.DeleteModel(name="StatusChange"),
    ]
