"""A model used only by the tests of the encrypted fields (installed by tests/settings.py)."""

import uuid

from django.db import models

from hmis.audit import register_audited
from hmis.crypto import (
    EncryptedBooleanField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedIntegerField,
    EncryptedTextField,
)


class Secretive(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    label = models.CharField(max_length=40, blank=True)
    name = EncryptedCharField(max_length=50, blank=True, null=True)
    note = EncryptedTextField(blank=True, null=True)
    born = EncryptedDateField(null=True, blank=True)
    count = EncryptedIntegerField(null=True, blank=True)
    flag = EncryptedBooleanField(null=True, blank=True)

    def __str__(self):
        return f"Secretive {self.pk}"


register_audited(Secretive)
