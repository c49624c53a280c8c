"""Security events (from incidents) and notices (from sharing) move to the core.

The tables are renamed, rows kept (demo installs have data); only the model
state is created here. The content types move too, so the audit log entries
of existing rows stay attached to them. incidents 0009 and sharing 0005 drop
the old model state.
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVES = [("incidents", "securityevent"), ("sharing", "notice")]


def move_content_types(apps, schema_editor, *, backwards=False):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, model in MOVES:
        old, new = ("hmis", app_label) if backwards else (app_label, "hmis")
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, backwards=True)


def rename(old, new):
    return migrations.RunSQL(f"ALTER TABLE {old} RENAME TO {new}", reverse_sql=f"ALTER TABLE {new} RENAME TO {old}")


SECURITY_EVENT_KINDS = [
    ("lockout", "Account locked after failed sign-ins"),
    ("unlock", "Account unlocked"),
    ("login_failed", "Failed sign-in"),
    ("second_factor_failed", "Wrong second-factor code"),
    ("session_replaced", "Older session ended by a new sign-in"),
    ("network_refused", "Sign-in or request from a network the agency does not allow"),
    ("user_deactivated", "User deactivated"),
    ("backup_code_used", "Backup code used to sign in"),
    ("roles_changed", "Roles changed"),
    ("reauth_failed", "Wrong current password when confirming an account change"),
    ("no_usable_factor", "Sign-in refused: no authenticator and no unused backup code"),
    ("passkey_failed", "Passkey refused at sign-in"),
    ("passkey_added", "Passkey added"),
    ("passkey_removed", "Passkey removed"),
    ("passkey_renamed", "Passkey renamed"),
    ("passkey_missing", "Sign-in refused: a passkey is required and none was added in time"),
    ("pressure_report", "Someone pushed for access to client data"),
    ("bulk_access", "Many distinct clients opened in a short time"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("hmis", "0007_agency_suspension_reason"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0008_security_event_link"),
        ("sharing", "0004_encrypt_free_text"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                rename("incidents_securityevent", "hmis_securityevent"),
                rename("sharing_notice", "hmis_notice"),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="SecurityEvent",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("kind", models.CharField(choices=SECURITY_EVENT_KINDS, max_length=30)),
                        ("username", models.CharField(blank=True, max_length=150)),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                        ("detail", models.CharField(blank=True, max_length=300)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "agency",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="hmis.agency",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="security_events",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-at"],
                        "indexes": [models.Index(fields=["agency", "kind", "-at"], name="secevent_agency_kind_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="Notice",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("text", models.CharField(max_length=300)),
                        ("link", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("emailed_at", models.DateTimeField(blank=True, editable=False, null=True)),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notices",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(fields=["recipient", "read_at", "-created_at"], name="notice_inbox_idx")
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, content_types_back),
    ]
