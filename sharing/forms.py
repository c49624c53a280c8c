"""Forms of the sharing app. They type the input; the rules live in
``sharing.actions`` and the models, whose ``ValidationError``s the views put
back on these fields."""

from django import forms
from django.conf import settings
from django.utils import timezone

from sharing.models import DataCategory, Purpose, Release

# --- Releases ---


class DateInput(forms.DateInput):
    input_type = "date"


class ReleaseForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of release",
        choices=Release.Kind.choices,
        initial=Release.Kind.CARE_COORDINATION,
        widget=forms.RadioSelect,
    )
    all_partners = forms.BooleanField(
        label="Every verified HMIS partner agency (care coordination only)",
        required=False,
    )
    recipient_agencies = forms.ModelMultipleChoiceField(
        label="Partner agencies the client names",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    outside_recipient_name = forms.CharField(
        label="Recipient outside HMIS (additional release only)",
        max_length=200,
        required=False,
        help_text="The person or organisation the client asked you to share with.",
    )
    outside_recipient_contact = forms.CharField(
        label="How to reach that recipient (phone, e-mail or address)",
        max_length=300,
        required=False,
    )
    categories = forms.MultipleChoiceField(
        label="Information the client agrees to share",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of information the client agrees to share."},
    )
    purposes = forms.MultipleChoiceField(
        label="Purposes the client agrees to",
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one purpose the client agrees to."},
    )
    consent_method = forms.ChoiceField(
        label="How the client gave consent",
        choices=Release.Method.choices,
        initial=Release.Method.SIGNED_FORM,
        widget=forms.RadioSelect,
    )
    witness_name = forms.CharField(label="Witness (for verbal consent)", max_length=200, required=False)
    evidence = forms.FileField(
        label="Signed form (PDF, PNG or JPEG)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
    effective_date = forms.DateField(label="Effective date", widget=DateInput)
    expiry_date = forms.DateField(label="Expiry date (last day it applies)", required=False, widget=DateInput)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient_agencies"].queryset = agencies
        self.fields["effective_date"].initial = timezone.localdate()
        self.fields["evidence"].help_text = (
            f"Required for a signed form or an electronic signature. At most "
            f"{settings.HMIS_EVIDENCE_MAX_BYTES // (1024 * 1024)} MB."
        )
        self.fields["expiry_date"].help_text = (
            f"Leave empty for {settings.HMIS_RELEASE_DEFAULT_DAYS} days. "
            f"At most {settings.HMIS_RELEASE_MAX_DAYS} days after the effective date."
        )


class DenyForm(forms.Form):
    reason = forms.CharField(
        label="Why is it denied?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the release is denied, so the worker can put it right."},
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Why is the release revoked?",
        max_length=500,
        help_text="For example how the client asked. Do not write personal details.",
        error_messages={"required": "Say why the release is revoked."},
    )
