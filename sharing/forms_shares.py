"""Forms of the care-coordination sharing pages (partners, referrals,
external requests, pressure reports). No form carries a client picker except
the referral form, which is opened from one client's page."""

from django import forms

from hmis.models import AccessEvent
from sharing.models import ExternalRequest


class ShareForm(forms.Form):
    to_agency = forms.ModelChoiceField(label="Partner agency", queryset=None, empty_label="Choose a verified partner")
    purpose = forms.ChoiceField(label="Purpose", choices=())
    categories = forms.MultipleChoiceField(
        label="What to share", widget=forms.CheckboxSelectMultiple, choices=(), required=False
    )
    justification = forms.CharField(
        label="Justification for anything beyond the purpose's minimum",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you add a category beyond the default for the purpose. No client details.",
    )

    def __init__(self, *args, recipients, **kwargs):
        from sharing.models import DataCategory, Purpose

        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = recipients
        self.fields["purpose"].choices = [("", "Choose a purpose"), *Purpose.choices]
        self.fields["categories"].choices = DataCategory.choices


class ShareResponseForm(forms.Form):
    note = forms.CharField(label="Note (no client details)", required=False, max_length=500)


class ShareRevealForm(forms.Form):
    field = forms.ChoiceField(label="Field", choices=())
    reason = forms.ChoiceField(label="Why do you need to see it?", choices=AccessEvent.Reason.choices)
    reason_text = forms.CharField(label="Explain (required for \u201cOther\u201d)", required=False, max_length=500)

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = list(fields)


class PartnerContactForm(forms.Form):
    name = forms.CharField(max_length=150)
    role_title = forms.CharField(label="Role", max_length=150, required=False)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.EmailField(required=False)


class ExternalRequestForm(forms.ModelForm):
    """Who asked and what: deliberately no client field of any kind."""

    class Meta:
        model = ExternalRequest
        fields = ["requester_name", "requester_organisation", "requester_type", "channel", "what_was_asked"]
        widgets = {
            "requester_name": forms.TextInput(),
            "requester_organisation": forms.TextInput(),
            "what_was_asked": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "what_was_asked": "Describe the request in general terms. Do not write client names or identifiers.",
        }


class ExternalRequestAnswerForm(forms.Form):
    answer = forms.CharField(
        label="What was answered (recorded)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PressureReportForm(forms.Form):
    note = forms.CharField(
        label="What happened (optional, no client details)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    note = forms.CharField(label="Review note", required=False, max_length=500)


class DisclosureForm(forms.Form):
    """A disclosure outside HMIS, under one of the client's additional releases."""

    release = forms.ModelChoiceField(label="Under which additional release", queryset=None, empty_label=None)
    categories = forms.MultipleChoiceField(label="What was disclosed", widget=forms.CheckboxSelectMultiple, choices=())
    purpose = forms.ChoiceField(label="Purpose", choices=())
    method = forms.ChoiceField(label="How", choices=())
    disclosed_at = forms.DateTimeField(
        label="When (leave empty for now)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    description = forms.CharField(
        label="Note (what, in general terms)", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, releases, privacy=False, **kwargs):
        from sharing.models import DataCategory, Disclosure, Purpose

        super().__init__(*args, **kwargs)
        self.fields["release"].queryset = releases
        # The privacy screen hides who the outside recipient is.
        self.fields["release"].label_from_instance = lambda r: (
            f"To {'a recipient outside HMIS' if privacy else r.outside_recipient_name}, until {r.expires_at:%Y-%m-%d}"
        )
        self.fields["categories"].choices = DataCategory.choices
        self.fields["purpose"].choices = Purpose.choices
        self.fields["method"].choices = Disclosure.Method.choices


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Why is the agency suspended?",
        max_length=500,
        help_text="For example a lapsed agreement or a reported breach. No client details.",
        error_messages={"required": "Say why the agency is suspended."},
    )
