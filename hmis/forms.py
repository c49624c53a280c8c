from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from hmis.models import Agency, Role, validate_networks


class SignInForm(forms.Form):
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


# Backup codes have letters: phones show their full keyboard, not a number pad.
CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app, or a backup code",
        max_length=16,
        widget=forms.TextInput(attrs={**CODE_ATTRS, "autofocus": True}),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    token = forms.CharField(
        label="Code from your authenticator app, or a backup code",
        max_length=16,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, needs_code=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["token"]


class EnrolForm(forms.Form):
    token = forms.RegexField(
        label="6-digit code shown by your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the 6 digits shown in your app."},
        widget=forms.TextInput(attrs={**CODE_ATTRS, "autofocus": True}),
    )


class ChangePasswordForm(forms.Form):
    old_password = forms.CharField(
        label="Current password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="New password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="New password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


def role_choices(acting_user):
    if acting_user.is_system_admin:
        return Role.choices
    return [(v, label) for v, label in Role.choices if v != Role.SYSTEM_ADMIN]


class InviteUserForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[a-z0-9][a-z0-9.\-_]{2,60}$",
        help_text="Lower-case letters, digits, dots and dashes. One person, one account: never shared.",
        error_messages={"invalid": "Use 3 to 60 lower-case letters, digits, dots, dashes or underscores."},
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="The one-time sign-up link goes here. Use the person's work address.")
    roles = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    privacy_training_on = forms.DateField(
        label="Privacy training completed on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty if not done yet: the account works once you record the training.",
    )

    def __init__(self, *args, acting_user, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices(acting_user)
        if agencies is not None:
            self.fields["agency"] = forms.ModelChoiceField(queryset=agencies)
            self.order_fields(["agency"])


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices(acting_user)


class NetworksField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        return [line.strip() for line in (value or "").replace(",", "\n").splitlines() if line.strip()]

    def validate(self, value):
        validate_networks(value)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value


class AgencyForm(forms.ModelForm):
    allowed_networks = NetworksField(
        required=False,
        help_text="One CIDR range per line (for example the agency VPN, 10.20.0.0/16). Leave empty to allow any.",
    )

    class Meta:
        model = Agency
        fields = [
            "name",
            "slug",
            "kind",
            "status",
            "is_victim_service_provider",
            "phone",
            "allowed_networks",
            "client_contact",
            "grievance_contact",
        ]
        labels = {"slug": "Short name"}
        help_texts = {
            "slug": "A short, unique identifier for the agency: lower-case letters, digits and dashes "
            "(for example harbor). Used where the full name does not fit; it never changes what anyone can see."
        }


class AgencyContactForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["client_contact", "grievance_contact"]


class AgencyVerificationForm(forms.Form):
    verification_method = forms.CharField(
        max_length=200,
        help_text="How you confirmed this agency, e.g. 'call-back to the number already on file'.",
    )
    verification_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TrainingForm(forms.Form):
    completed_on = forms.DateField(
        label="Privacy training completed on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Access lasts one year from this date.",
    )


def add_further_errors(form, error, *, related=None):
    """A form already refused: add what the action's own checks (``error``)
    say about the other fields, so the user sees every problem in one round.
    A field's message is skipped when that field, or one it depends on
    (``related``: field -> fields), already has an error: that message
    would only repeat it or follow from it."""
    refused = set(form.errors)
    for field, errors in getattr(error, "message_dict", {}).items():
        if field in refused or refused & set((related or {}).get(field, ())):
            continue
        form.add_error(field if field in form.fields else None, errors)


def apply_validation_error(form, error):
    """Show an action's ``ValidationError`` on the form: keyed messages on
    their fields (or the form when the form has no such field), others on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class PasskeyRuleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"), required=False, empty_label="Every agency"
    )
    required = forms.TypedChoiceField(
        label="Passkey",
        choices=[("1", "Required"), ("0", "Optional")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    grace_days = forms.IntegerField(
        label="Days to add one",
        min_value=0,
        max_value=365,
        initial=14,
        help_text="Counted from the user's first sign-in under the rule; after it, signing in needs a passkey.",
    )
