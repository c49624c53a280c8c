"""The Django admin: a read-only support view for the system admin. Every
change goes through the application's pages and actions (which check,
audit and end sessions); client models are not registered here at all."""

from django.contrib import admin

from hmis import permissions
from hmis.models import AccessEvent, Agency, User


class RegistryAdmin(admin.ModelAdmin):
    """Read access for whoever the permission registry allows into the admin
    (the system admin); Django's own model permissions are not used."""

    def has_module_permission(self, request):
        return permissions.has_permission(request.user, permissions.USE_ADMIN_SITE)

    def has_view_permission(self, request, obj=None):
        return permissions.has_permission(request.user, permissions.USE_ADMIN_SITE)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(RegistryAdmin):
    list_display = ["name", "slug", "kind", "status", "verified_at", "is_victim_service_provider"]
    readonly_fields = ["verified_at", "verified_by", "group"]


@admin.register(User)
class UserAdmin(RegistryAdmin):
    list_display = ["username", "agency", "is_active", "last_login"]
    list_filter = ["agency", "is_active"]
    fields = ["username", "first_name", "last_name", "email", "agency", "is_active", "last_login", "date_joined"]
    readonly_fields = fields  # changes go through the user pages, which audit and end sessions


@admin.register(AccessEvent)
class AccessEventAdmin(RegistryAdmin):
    list_display = ["at", "actor", "action", "subject_type", "subject_id", "reason"]
    list_filter = ["action", "subject_type"]
