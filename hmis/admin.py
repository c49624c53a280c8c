"""The Django admin, for the system admin's support work. Encrypted values
never appear here: client models are not registered, and staff records show
no secrets."""

from django.contrib import admin

from hmis.models import AccessEvent, Agency, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "status", "verified_at", "is_victim_service_provider"]
    readonly_fields = ["verified_at", "verified_by", "group"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "agency", "is_active", "last_login"]
    list_filter = ["agency", "is_active"]
    fields = ["username", "first_name", "last_name", "email", "agency", "is_active", "last_login", "date_joined"]
    readonly_fields = fields  # changes go through the user pages, which audit and end sessions

    def has_add_permission(self, request):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "subject_type", "subject_id", "reason"]
    list_filter = ["action", "subject_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
