from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from hmis.views import agencies, auth, dashboard, notices, passkeys, privacy, security, standing, users
from incidents import views as incident_views

# The admin site requires a verified second factor, like every other page.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "HMIS administration"
# Password changes go through our page (re-authentication, lockout count), never the admin's own form.
admin.site.password_change = lambda request, extra_context=None: redirect("change-password")

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", auth.sign_in, name="login"),
    # "That wasn't me" opens an incident, so the incidents app answers it.
    path("login/not-me/", incident_views.session_not_me, name="login-not-me"),
    path("login/verify/", auth.second_factor, name="login-second-factor"),
    path("login/enrol/", auth.enrol, name="login-enrol"),
    path("logout/", auth.sign_out, name="logout"),
    path("password/set/<str:token>/", auth.set_password, name="password-set"),
    path("account/password/", auth.change_password, name="change-password"),
    path("account/backup-codes/", auth.regenerate_backup_codes, name="backup-codes"),
    path("account/confirm/", auth.reauthenticate, name="reauthenticate"),
    path("account/passkeys/", passkeys.passkey_list, name="passkeys"),
    path("account/passkeys/add/begin/", passkeys.passkey_register_begin, name="passkey-add-begin"),
    path("account/passkeys/add/complete/", passkeys.passkey_register_complete, name="passkey-add-complete"),
    path("account/passkeys/<slug:key>/rename/", passkeys.passkey_rename, name="passkey-rename"),
    path("account/passkeys/<slug:key>/remove/", passkeys.passkey_remove, name="passkey-remove"),
    path("login/passkey/begin/", passkeys.passkey_sign_in_begin, name="login-passkey-begin"),
    path("login/passkey/complete/", passkeys.passkey_sign_in_complete, name="login-passkey-complete"),
    path("security/passkey-policy/", passkeys.passkey_policy, name="passkey-policy"),
    path("security/passkey-policy/<uuid:rule_id>/delete/", passkeys.passkey_rule_delete, name="passkey-rule-delete"),
    path("account/agreement/", standing.user_agreement, name="user-agreement"),
    path("account/training-required/", standing.training_required, name="training-required"),
    path("session/status/", auth.session_status, name="session-status"),
    path("session/extend/", auth.session_extend, name="session-extend"),
    path("health/", auth.health, name="health"),
    path("favicon.ico", auth.favicon, name="favicon"),
    path("privacy-screen/", privacy.privacy_screen, name="privacy-screen"),
    path("notices/", notices.notice_list, name="notices"),
    path("notices/read/", notices.notices_read, name="notices-read"),
    path("sharing/notices/", notices.notices_old_address, name="notices-old-address"),
    path("agency/users/", users.user_list, name="user-list"),
    path("agency/users/invite/", users.user_invite, name="user-invite"),
    path("agency/users/<uuid:user_id>/", users.user_detail, name="user-detail"),
    path("agency/users/<uuid:user_id>/deactivate/", users.user_deactivate, name="user-deactivate"),
    path("agency/users/<uuid:user_id>/reactivate/", users.user_reactivate, name="user-reactivate"),
    path("agency/users/<uuid:user_id>/reinvite/", users.user_reinvite, name="user-reinvite"),
    path("agency/users/<uuid:user_id>/reset-sign-in/", users.user_reset_sign_in, name="user-reset-sign-in"),
    path("agency/users/<uuid:user_id>/training/", users.user_training, name="user-training"),
    path("agency/contact/", agencies.agency_contact, name="agency-contact"),
    path("agencies/", agencies.agency_list, name="agency-list"),
    path("agencies/new/", agencies.agency_create, name="agency-create"),
    path("agencies/<uuid:agency_id>/", agencies.agency_edit, name="agency-edit"),
    path("agencies/<uuid:agency_id>/verify/", agencies.agency_verify, name="agency-verify"),
    path("security/", security.security_events, name="security-events"),
    path("security/unlock/<uuid:user_id>/", security.unlock, name="security-unlock"),
    path("clients/", include("clients.urls")),
    path("sharing/", include("sharing.urls")),
    path("incidents/", include("incidents.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "hmis.views.errors.not_found"
handler500 = "hmis.views.errors.server_error"
handler403 = "hmis.views.errors.forbidden"
