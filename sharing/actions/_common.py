"""What every sharing action module needs: the permission check."""

from django.core.exceptions import PermissionDenied

from hmis import permissions


def require(user, code):
    if not permissions.has_permission(user, code):
        raise PermissionDenied
