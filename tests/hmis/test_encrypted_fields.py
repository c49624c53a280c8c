"""Encrypted fields: values are ciphertext in the database and in the audit
log, keys rotate, and nothing but the configured keys can read them."""

import datetime

import pytest
from auditlog.models import LogEntry
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from hmis.crypto import DecryptionError
from tests.encryption_app.models import Secretive

CANARY_NAME = "Zyxwvut Canaryname"
CANARY_NOTE = "canary-note-7781"


def raw_row(obj):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, note, born, count, flag FROM encryption_app_secretive WHERE id = %s", [obj.pk])
        return cursor.fetchone()


@pytest.mark.django_db
def test_values_round_trip_with_their_types():
    obj = Secretive.objects.create(
        name=CANARY_NAME, note=CANARY_NOTE, born=datetime.date(1980, 2, 29), count=42, flag=False
    )
    loaded = Secretive.objects.get(pk=obj.pk)
    assert loaded.name == CANARY_NAME
    assert loaded.note == CANARY_NOTE
    assert loaded.born == datetime.date(1980, 2, 29)
    assert loaded.count == 42
    assert loaded.flag is False


@pytest.mark.django_db
def test_plaintext_is_absent_from_the_raw_database_row():
    obj = Secretive.objects.create(name=CANARY_NAME, note=CANARY_NOTE, born=datetime.date(1980, 2, 29), count=42)
    row = raw_row(obj)
    joined = " ".join(str(v) for v in row)
    assert CANARY_NAME not in joined
    assert CANARY_NOTE not in joined
    assert "1980" not in joined
    assert all(v is None or v.startswith("gAAAA") for v in row)  # Fernet tokens


@pytest.mark.django_db
def test_same_value_encrypts_differently_each_time():
    a = Secretive.objects.create(name=CANARY_NAME)
    b = Secretive.objects.create(name=CANARY_NAME)
    assert raw_row(a)[0] != raw_row(b)[0]


@pytest.mark.django_db
def test_null_stays_null():
    obj = Secretive.objects.create()
    assert raw_row(obj) == (None, None, None, None, None)
    assert Secretive.objects.filter(name__isnull=True).count() == 1


@pytest.mark.django_db
def test_filtering_on_an_encrypted_value_is_refused():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Secretive.objects.filter(name=CANARY_NAME))


@pytest.mark.django_db
def test_audit_log_records_only_that_an_encrypted_field_changed():
    obj = Secretive.objects.create(name=CANARY_NAME, note=CANARY_NOTE, label="first")
    obj.name = CANARY_NAME + " Changed"
    obj.label = "second"
    obj.save()
    entries = LogEntry.objects.get_for_object(obj)
    assert entries.count() == 2
    dump = " ".join(str(e.changes) + e.object_repr for e in entries)
    assert "Canaryname" not in dump
    assert CANARY_NOTE not in dump
    assert "Changed" not in dump
    update = entries.filter(action=LogEntry.Action.UPDATE).get()
    assert update.changes_dict["label"] == ["first", "second"]
    assert update.changes_dict["name"] == ["[encrypted value changed]"] * 2


@pytest.mark.django_db
def test_key_rotation_round_trip(settings, tmp_path):
    settings.HMIS_PRIVATE_STORAGE_DIR = tmp_path  # no evidence files of other tests
    old_key = settings.HMIS_FIELD_ENCRYPTION_KEYS[0]
    obj = Secretive.objects.create(name=CANARY_NAME, born=datetime.date(1975, 1, 2))
    before = raw_row(obj)
    new_key = Fernet.generate_key().decode()
    settings.HMIS_FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    # Old values still decrypt while the old key is listed.
    assert Secretive.objects.get(pk=obj.pk).name == CANARY_NAME
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))
    after = raw_row(obj)
    assert after[0] != before[0]
    assert Fernet(new_key.encode()).decrypt(after[0].encode()).decode() == CANARY_NAME

    # With the old key removed, every value still reads.
    settings.HMIS_FIELD_ENCRYPTION_KEYS = [new_key]
    loaded = Secretive.objects.get(pk=obj.pk)
    assert (loaded.name, loaded.born) == (CANARY_NAME, datetime.date(1975, 1, 2))


@pytest.mark.django_db
def test_a_value_under_an_unknown_key_fails_loudly_without_leaking(settings):
    obj = Secretive.objects.create(name=CANARY_NAME)
    settings.HMIS_FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError) as error:
        Secretive.objects.get(pk=obj.pk)
    assert "gAAAA" not in str(error.value)
    assert CANARY_NAME not in str(error.value)


def test_encryption_key_is_not_the_secret_key(settings):
    assert settings.SECRET_KEY not in settings.HMIS_FIELD_ENCRYPTION_KEYS
    assert settings.HMIS_BLIND_INDEX_KEY not in settings.HMIS_FIELD_ENCRYPTION_KEYS
