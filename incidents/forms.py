from django import forms
from django.utils import timezone

from incidents.models import BreachNotice, Category, Determination, Severity, Status

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


class ReportForm(forms.Form):
    category = forms.ChoiceField(
        label="What kind of incident?",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the listed categories.", "required": "Choose a category."},
    )
    occurred_at = forms.DateTimeField(
        label="When did it happen? (your best estimate)", widget=_datetime_widget(), input_formats=[DATETIME_LOCAL]
    )
    discovered_at = forms.DateTimeField(
        label="When was it discovered?", widget=_datetime_widget(), input_formats=[DATETIME_LOCAL]
    )
    description = forms.CharField(
        label="What happened?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "<strong>Do not type client names, dates of birth, SSNs or any other client information.</strong> "
            "Describe what happened, where and which systems or devices were involved. "
            "If clients may be affected, find and tick them below instead."
        ),
    )
    client_search = forms.CharField(
        label="Find affected clients (optional)",
        required=False,
        max_length=20,
        help_text="Type a client's reference code or initials (for example QZ), then Find. Only your own clients.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-picker": "search"}),
    )
    affected_clients = forms.MultipleChoiceField(
        label="Affected clients",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"data-picker": "choice"}),
    )

    def __init__(self, *args, client_choices=(), can_pick=False, **kwargs):
        super().__init__(*args, **kwargs)
        if can_pick:
            self.fields["affected_clients"].choices = client_choices
        else:
            del self.fields["affected_clients"]
            del self.fields["client_search"]
        if not self.is_bound:
            self.initial.setdefault("discovered_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean(self):
        data = super().clean()
        now = timezone.now()
        occurred, discovered = data.get("occurred_at"), data.get("discovered_at")
        if occurred and occurred > now:
            self.add_error("occurred_at", "When it happened cannot be in the future.")
        if discovered and discovered > now:
            self.add_error("discovered_at", "When it was discovered cannot be in the future.")
        elif occurred and discovered and discovered < occurred:
            self.add_error("discovered_at", "It cannot have been discovered before it happened.")
        return data


class TriageForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices)
    assigned_to = forms.ModelChoiceField(queryset=None, required=False, label="Assigned to")

    def __init__(self, *args, assignable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = assignable


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=Status.choices)


class AssessmentForm(forms.Form):
    determination = forms.ChoiceField(
        label="Was this a breach?", choices=Determination.choices, widget=forms.RadioSelect
    )
    affected_count = forms.IntegerField(label="Number of affected people", min_value=0, initial=0)
    affected_state = forms.RegexField(
        label="State where they live",
        regex=r"^[A-Za-z]{2}$",
        initial="WA",
        max_length=2,
        error_messages={"invalid": "Use a two-letter state code such as WA."},
    )
    summary = forms.CharField(
        label="Summary (what happened, what was done; no client information)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CorrectiveActionForm(forms.Form):
    what = forms.CharField(label="What will be done", max_length=300)
    owner = forms.ModelChoiceField(queryset=None)
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class WaiverForm(forms.Form):
    waiver = forms.CharField(
        label="Written waiver (why the open corrective actions need not block closing)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BreachNoticeForm(forms.Form):
    audience = forms.ChoiceField(label="Who was notified?", choices=BreachNotice.Audience.choices)
    notified_on = forms.DateField(label="Date notified", widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label="How?", choices=BreachNotice.Method.choices)
    notified_count = forms.IntegerField(label="How many were notified?", min_value=0)
    sent_by = forms.CharField(label="Sent by (a name or office)", max_length=200)
    details = forms.CharField(
        label="Details (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example the letter's reference or the HHS portal receipt. Do not type client names.",
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why reopen it?",
        max_length=300,
        error_messages={"required": "Say why the incident is reopened."},
        help_text="Goes on the timeline. Do not type client names.",
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), ("open", "Open"), *Status.choices], required=False)
    severity = forms.ChoiceField(choices=[("", "Any severity"), *Severity.choices], required=False)
    category = forms.ChoiceField(choices=[("", "Any category"), *Category.choices], required=False)
    reference = forms.CharField(required=False, max_length=20)
