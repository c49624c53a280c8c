"""Audit helpers: django-auditlog registration that never stores an encrypted
value, and the access-event API the apps call when someone opens, reveals,
exports or discloses client data."""

from auditlog.context import set_actor
from auditlog.registry import auditlog

from hmis.crypto import encrypted_fields

ENCRYPTED_MARK = "[encrypted value changed]"


def mask_encrypted(value) -> str:
    """auditlog mask callable: record only that the field changed.

    auditlog's own mask keeps half of each value (an SSN's last digits), so
    encrypted fields are masked to a constant instead.
    """
    return ENCRYPTED_MARK


def register_audited(model, *, exclude=()):
    """Register ``model`` with auditlog; its encrypted fields appear only as changed."""
    masked = [f.name for f in encrypted_fields(model)]
    auditlog.register(
        model,
        mask_fields=masked,
        mask_callable="hmis.audit.mask_encrypted",
        exclude_fields=list(exclude),
        serialize_data=False,
    )
    return model


def acting_as(user):
    """Context manager: auditlog entries written inside name ``user`` as actor
    (for actions called from tasks and commands, where no request is)."""
    return set_actor(user)


def record_access(*, actor, action, subject, fields=(), reason="", reason_text="", detail=""):
    """Record that ``actor`` did ``action`` on ``subject`` (a model instance with a UUID pk).

    ``detail`` is a short, PII-free note (a reference such as a share id),
    never a value of the record.
    """
    from hmis.models import AccessEvent

    return AccessEvent.objects.create(
        actor=actor,
        actor_agency_id=getattr(actor, "agency_id", None),
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        fields=list(fields),
        reason=reason,
        reason_text=reason_text[:500] or None,  # most events have none: skip encrypting ""
        detail=detail[:200],
    )


def access_history(subject):
    from hmis.models import AccessEvent

    return AccessEvent.objects.filter(subject_type=subject._meta.label_lower, subject_id=subject.pk).select_related(
        "actor", "actor_agency"
    )
