"""One status machine for every record whose status moves: releases, shares
(referrals), external requests and incidents.

A model declares its allowed moves as data, ``TRANSITIONS = {(from, to):
"label"}`` (the label is the words on the button that makes the move), and a
history model with a foreign key ``subject`` to it (``related_name =
"status_changes"``). ``move_to`` is the only way the status changes: it
refuses a move not in the table and records who moved it, when and why in the
same transaction. Actions call it with the row locked (``select_for_update``).

Why our own ~80 lines and not django-fsm-2: its transitions are decorated
model methods that change state wherever they are called, and its history is
a separate generic table without a foreign key; here the table is plain data a
page and a test can read, and each machine's history is its own table, so
"who moved this release" is one join. The README's "How it is built" says so.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from hmis.crypto import EncryptedCharField


class IllegalTransition(ValidationError):
    """A status move that is not in the machine's ``TRANSITIONS``."""

    def __init__(self, subject, old, new):
        labels = subject.status_labels()
        noun = subject._meta.verbose_name
        article = "An" if noun[:1] in "aeiou" else "A"
        super().__init__(
            f"{article} {noun} that is {labels.get(old, old).lower()} cannot become {labels.get(new, new).lower()}.",
            code="illegal_transition",
        )
        self.old, self.new = old, new


class StatusMachine(models.Model):
    """Abstract base for a model with a ``status`` field and a ``TRANSITIONS`` table."""

    #: (from, to) -> label of the button that makes the move. Nothing else may happen.
    TRANSITIONS: dict = {}

    class Meta:
        abstract = True

    @classmethod
    def status_labels(cls) -> dict:
        return dict(cls._meta.get_field("status").choices)

    def can_move_to(self, status) -> bool:
        return (self.status, status) in self.TRANSITIONS

    def allowed_moves(self) -> list[tuple[str, str]]:
        """(to, label) for every move allowed from the current status, in table order."""
        return [(to, label) for (frm, to), label in self.TRANSITIONS.items() if frm == self.status]

    def move_to(self, status, *, by, note="", at=None):
        """Move to ``status`` or raise ``IllegalTransition``; record the move.
        ``by`` is None only for a scheduled job (expiry)."""
        if not self.can_move_to(status):
            raise IllegalTransition(self, self.status, status)
        at = at or timezone.now()
        old, self.status = self.status, status
        self.status_moved(old, status, by=by, at=at, note=note)
        self.save()
        self.status_changes.create(from_status=old, to_status=status, changed_by=by, changed_at=at, note=note)
        return old

    def record_initial_status(self, *, by, at=None):
        """The history row "— -> initial status", for a machine whose page
        shows how the record began; the action that creates the record calls it."""
        at = at or timezone.now()
        self.status_changes.create(from_status="", to_status=self.status, changed_by=by, changed_at=at)

    def status_moved(self, old, new, *, by, at, note):
        """Hook: set the fields a move sets besides the status (who decided, when it ended)."""


class StatusHistory(models.Model):
    """Abstract base of one machine's history: each move, who (empty for a
    scheduled job), when and why. The concrete model adds ``subject``."""

    id = models.BigAutoField(primary_key=True)
    from_status = models.CharField(max_length=30, blank=True)  # empty: the record was created
    to_status = models.CharField(max_length=30)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    note = EncryptedCharField(max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self._meta.label} {self.from_status} -> {self.to_status}"

    def _label(self, value):
        machine = self._meta.get_field("subject").related_model
        return machine.status_labels().get(value, value) if value else "—"

    @property
    def from_label(self):
        return self._label(self.from_status)

    @property
    def to_label(self):
        return self._label(self.to_status)
