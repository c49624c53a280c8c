"""What every sharing action module needs: the permission check and the status history row."""

from django.core.exceptions import PermissionDenied

from hmis import permissions
from sharing.models import StatusChange


def require(user, code):
    if not permissions.has_permission(user, code):
        raise PermissionDenied


def record_status_change(obj, *, from_status, to_status, by, note=""):
    StatusChange.objects.create(
        subject_type=obj._meta.label_lower,
        subject_id=obj.pk,
        from_status=from_status,
        to_status=to_status,
        by=by,
        note=(note or "")[:500],
    )
