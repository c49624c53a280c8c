"""Forms of the system admin's retention pages (clients.views_retention)."""

from django import forms


class LegalHoldForm(forms.Form):
    reference = forms.CharField(label="Client reference code", max_length=12)
    reason = forms.CharField(
        label="Why the record is held",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example the court order's or the investigation's number. No names.",
    )


class ReleaseHoldForm(forms.Form):
    reason = forms.CharField(label="Why the hold ends", max_length=500)
