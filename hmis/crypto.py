"""Encrypted model fields on ``cryptography``'s MultiFernet.

Keys come from ``HMIS_FIELD_ENCRYPTION_KEYS`` (newest first): the first key
encrypts, every key decrypts, and ``manage.py rotate_encryption_keys``
re-encrypts stored values under the newest one. The key is never
``SECRET_KEY``. Values are stored as Fernet tokens of their text form and
parsed back with a fixed type conversion: nothing is unpickled.

Encrypted columns cannot be filtered on (only ``isnull``); search goes
through blind indexes (``hmis.blind_index``).
"""

import datetime
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=1)
def _keyring() -> MultiFernet:
    keys = settings.HMIS_FIELD_ENCRYPTION_KEYS
    if not keys:
        raise RuntimeError("HMIS_FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def _reset_keyring(*, setting, **kwargs):
    if setting == "HMIS_FIELD_ENCRYPTION_KEYS":
        _keyring.cache_clear()


setting_changed.connect(_reset_keyring)


def encrypt_text(plain: str) -> str:
    return _keyring().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return _keyring().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        # Never include the token or any part of a value in the message.
        raise DecryptionError("stored value does not decrypt with any configured key") from None


def encrypt_bytes(plain: bytes) -> bytes:
    """Encrypt a file's bytes (consent evidence) with the same keyring as fields."""
    return _keyring().encrypt(plain)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _keyring().decrypt(token)
    except InvalidToken:
        raise DecryptionError("stored file does not decrypt with any configured key") from None


def is_under_newest_key(token: bytes) -> bool:
    try:
        _keyring()._fernets[0].decrypt(token)
    except InvalidToken:
        return False
    return True


def rotate_bytes(token: bytes) -> bytes:
    """The same token if the newest key already encrypts it, else re-encrypted under it."""
    if is_under_newest_key(token):
        return token
    try:
        return _keyring().rotate(token)
    except InvalidToken:
        raise DecryptionError("stored file does not decrypt with any configured key") from None


def rotate_token(token: str) -> str:
    """Re-encrypt a stored token under the newest key (keeps its timestamp)."""
    try:
        return _keyring().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DecryptionError("stored value does not decrypt with any configured key") from None


class EncryptedMixin:
    """Stores ``to_plain(value)`` encrypted in a text column; loads ``from_plain``."""

    encrypted = True

    def db_type(self, connection):
        return "text"

    def to_plain(self, value) -> str:
        return str(value)

    def from_plain(self, plain: str):
        return plain

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_plain(decrypt_text(value))

    def get_prep_value(self, value):
        value = self.to_python(value)
        if value is None:
            return None
        return encrypt_text(self.to_plain(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        # Skip the base type's adaptation: the column holds a token, not a date or int.
        return value if prepared else self.get_prep_value(value)

    def get_db_prep_save(self, value, connection):
        return self.get_db_prep_value(value, connection, prepared=False)

    def get_lookup(self, lookup_name):
        # Comparing against ciphertext would silently match nothing.
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):
    """The column is text; ``max_length`` limits the plain value (forms, full_clean)."""


class EncryptedDateField(EncryptedMixin, models.DateField):
    def to_plain(self, value) -> str:
        return value.isoformat()

    def from_plain(self, plain: str):
        return datetime.date.fromisoformat(plain)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": forms.DateField, **kwargs})


class EncryptedIntegerField(EncryptedMixin, models.IntegerField):
    def from_plain(self, plain: str):
        return int(plain)


class EncryptedBooleanField(EncryptedMixin, models.BooleanField):
    def to_plain(self, value) -> str:
        return "1" if value else "0"

    def from_plain(self, plain: str):
        return plain == "1"


def encrypted_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]


def encrypt_columns_in_place(table: str, columns: list[str], *, empty_as_null: tuple[str, ...] = ()):
    """A migration operation that encrypts the plaintext values of ``columns``
    in ``table`` (after an ``AlterField`` to an encrypted type); reversing it
    decrypts them again. Works on raw column values, so no model code or audit
    entry is involved. Columns in ``empty_as_null`` store "" as NULL (one
    UPDATE, so a large table only encrypts the rows that hold text)."""
    from django.db import migrations

    def convert(schema_editor, transform):
        quote = schema_editor.quote_name
        cols = ", ".join(quote(c) for c in columns)
        some_value = " OR ".join(f"{quote(c)} IS NOT NULL" for c in columns)
        assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
        with schema_editor.connection.cursor() as cursor:
            # Names come from the migration itself, quoted; values are parameters.
            cursor.execute(f"SELECT id, {cols} FROM {quote(table)} WHERE {some_value}")  # noqa: S608
            rows = cursor.fetchall()
            for pk, *values in rows:
                new = [None if value is None else transform(value) for value in values]
                cursor.execute(f"UPDATE {quote(table)} SET {assignments} WHERE id = %s", [*new, pk])  # noqa: S608
            # Fire the deferred foreign-key checks now: an ALTER TABLE later in the
            # same migration (when reversing) refuses to run with them pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def forward(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            for column in empty_as_null:
                column = schema_editor.quote_name(column)
                cursor.execute(f"UPDATE {schema_editor.quote_name(table)} SET {column} = NULL WHERE {column} = ''")  # noqa: S608
        convert(schema_editor, encrypt_text)

    def backward(apps, schema_editor):
        convert(schema_editor, decrypt_text)
        with schema_editor.connection.cursor() as cursor:
            for column in empty_as_null:
                column = schema_editor.quote_name(column)
                cursor.execute(f"UPDATE {schema_editor.quote_name(table)} SET {column} = '' WHERE {column} IS NULL")  # noqa: S608

    return migrations.RunPython(forward, backward, elidable=False)
