"""Forms for search, intake and reveal. Labels and help say what HUD asks
and why; validation messages come from ``clients.validation``."""

import datetime
import re

from django import forms

from clients import hud
from clients.client_copy import IdentityCheck, Language
from clients.masking import REVEALABLE
from clients.models import Assessment, Client, CorrectionRequest, Enrollment, PossibleDuplicate, Project
from hmis.models import AccessEvent

DATE = forms.DateInput(attrs={"type": "date"})
_SSN_CHARS = re.compile(r"^[\d\- ]*$")


class SearchForm(forms.Form):
    first_name = forms.CharField(max_length=50, required=False)
    last_name = forms.CharField(max_length=50, required=False)
    dob = forms.DateField(label="Date of birth", required=False, widget=DATE)
    ssn4 = forms.CharField(
        label="SSN last four",
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": r"\d{4}"}),
    )

    def clean_ssn4(self):
        value = self.cleaned_data["ssn4"].strip()
        if value and not re.fullmatch(r"\d{4}", value):
            raise forms.ValidationError("Enter the last four digits of the SSN.")
        return value

    def clean(self):
        data = super().clean()
        given = [k for k in ("first_name", "last_name", "dob", "ssn4") if data.get(k)]
        if len(given) < 2:
            raise forms.ValidationError(
                "Enter at least two of: first name, last name, date of birth, SSN last four. "
                "One of them alone matches too many people."
            )
        return data


# A record rule's message on the key field follows from the value of these
# (a missing SSN is fine when its quality says "not collected").
DEPENDS_ON = {
    "first_name": ("name_data_quality",),
    "last_name": ("name_data_quality",),
    "ssn": ("ssn_data_quality",),
    "dob": ("dob_data_quality",),
}


class ClientForm(forms.ModelForm):
    """The HUD Universal Data Elements of a client."""

    ssn = forms.CharField(
        label="SSN",
        required=False,
        max_length=11,
        help_text="Nine digits, or the last four when only those are known (data quality: partial).",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    race_ethnicity = forms.TypedMultipleChoiceField(
        label="Race and ethnicity (choose all that apply)",
        choices=hud.RaceEthnicity.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Client
        fields = [
            "first_name",
            "middle_name",
            "last_name",
            "name_suffix",
            "name_data_quality",
            "ssn",
            "ssn_data_quality",
            "dob",
            "dob_data_quality",
            "race_ethnicity",
            "sex",
            "veteran_status",
            "phone",
            "email",
            "last_permanent_address",
            "confidential",
            "is_anonymous",
        ]
        widgets = {
            "dob": DATE,
            "last_permanent_address": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"autocomplete": "off"}),
            "email": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "is_anonymous": (
                "For a client fleeing or in danger from domestic violence, or who disclosed HIV-positive status: "
                "keeps no name, SSN, full birth date, contact or address (anything typed above is erased). "
                "The birth year is kept."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name_data_quality", "ssn_data_quality", "dob_data_quality"):
            self.fields[name].initial = 1
        self.fields["email"].required = False

    def clean_ssn(self):
        value = self.cleaned_data.get("ssn", "")
        if value and not _SSN_CHARS.match(value):
            raise forms.ValidationError("Use digits only (dashes are fine).")
        return value

    def _post_clean(self):
        # Validation runs in the action (with the acting user's agency); skip the model's here.
        pass


class ClientEditForm(ClientForm):
    """Editing: identifying values are not put back into the page. Leave SSN,
    date of birth, phone, e-mail or address empty to keep what is recorded, or
    tick "remove" to clear it."""

    KEEPABLE = ("ssn", "dob", "phone", "email", "last_permanent_address")
    remove = forms.MultipleChoiceField(
        label="Remove recorded values",
        required=False,
        choices=[(k, REVEALABLE[k]) for k in KEEPABLE],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        recorded = [name for name in self.KEEPABLE if getattr(self.instance, name) not in (None, "")]
        for name in self.KEEPABLE:
            label = REVEALABLE[name]
            self.fields[name].help_text = (
                "A value is recorded (not shown here). Leave empty to keep it, type a new one to replace "
                f"it, or tick \u201c{label}\u201d under \u201cRemove recorded values\u201d below to clear it."
                if name in recorded
                else "Nothing recorded yet."
            )
            self.initial.pop(name, None)
        # Only what is recorded can be removed.
        self.fields["remove"].choices = [(k, REVEALABLE[k]) for k in recorded]
        if not recorded:
            del self.fields["remove"]
        self.fields["is_anonymous"].label = "Make this an anonymous record (erases identifying values for good)"

    def changes(self):
        data = dict(self.cleaned_data)
        remove = set(data.pop("remove", None) or [])
        for name in self.KEEPABLE:
            if name in remove:
                data[name] = None
            elif data.get(name) in (None, ""):
                data.pop(name, None)
        return data


class DeidentifiedClientForm(forms.ModelForm):
    """For victim service providers (VAWA): no name, SSN, date of birth or contact."""

    race_ethnicity = ClientForm.base_fields["race_ethnicity"]
    birth_year = forms.IntegerField(label="Year of birth (optional)", required=False, min_value=1901)

    class Meta:
        model = Client
        fields = ["birth_year", "race_ethnicity", "sex", "veteran_status"]

    def _post_clean(self):
        pass


class RevealForm(forms.Form):
    field = forms.ChoiceField(label="Field", choices=list(REVEALABLE.items()))
    reason = forms.ChoiceField(label="Why do you need to see it?", choices=AccessEvent.Reason.choices)
    reason_text = forms.CharField(label="Explain (required for \u201cOther\u201d)", required=False, max_length=500)

    def __init__(self, *args, fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fields is not None:
            self.fields["field"].choices = fields


class PrintCopyForm(forms.Form):
    """ "Print for the client": how staff checked who is asking, and what the client wants."""

    identity_check = forms.ChoiceField(
        label="How did you check that this is the client?", choices=IdentityCheck.choices, widget=forms.RadioSelect
    )
    identity_note = forms.CharField(
        label="How (required for \u201cOther\u201d; no ID numbers)", required=False, max_length=500
    )
    language = forms.ChoiceField(label="Language of the copy", choices=Language.choices, initial=Language.ENGLISH)
    include_ssn = forms.BooleanField(
        label="The client asks for their Social Security number on the copy",
        required=False,
        help_text="Left off unless the client asks: a lost page with it lets someone act as the client.",
    )


class EnrollmentForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ["project", "entry_date", "relationship_to_hoh"]
        widgets = {"entry_date": DATE}

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["entry_date"].initial = datetime.date.today
        self.fields["relationship_to_hoh"].initial = hud.RelationshipToHoH.SELF

    def _post_clean(self):
        pass


class ExitForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ["exit_date", "destination"]
        widgets = {"exit_date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exit_date"].required = True
        self.fields["destination"].required = True

    def _post_clean(self):
        pass


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = Assessment.ANSWERS
        widgets = {"assessment_date": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment_date"].initial = datetime.date.today

    def _post_clean(self):
        pass


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "project_type"]

    def _post_clean(self):
        pass


class DuplicateResolutionForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (PossibleDuplicate.Status.DUPLICATE, "Same person"),
            (PossibleDuplicate.Status.DISTINCT, "Different people"),
        ]
    )


class _AgencyProjectField(forms.ModelChoiceField):
    """A project of the agency; anything else (a malformed id too) is one plain message."""

    default_error_messages = {"invalid_choice": "Choose one of your agency's projects."}

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class DataQualityFilterForm(forms.Form):
    """The data-quality page's filters (a GET form). Bound to defaults when
    nothing is asked, so the page opens on the last year of every project."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    project = _AgencyProjectField(queryset=Project.objects.none(), required=False, empty_label="Every project")

    def __init__(self, data, *, projects):
        if not any(data.get(name) for name in ("start", "end", "project")):
            today = datetime.date.today()
            data = {"start": today - datetime.timedelta(days=365), "end": today}
        super().__init__(data)
        self.fields["project"].queryset = projects

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "The range ends before it starts: choose a later date.")
        return cleaned


class MergeForm(forms.Form):
    """Which record stays (``A`` or ``B``), and per value group whose value it keeps."""

    SIDES = [("a", "A"), ("b", "B")]

    keep = forms.ChoiceField(choices=SIDES, label="Record to keep")

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        for group in groups:
            self.fields[group] = forms.ChoiceField(choices=self.SIDES, initial="a")

    def merge_choices(self) -> dict:
        """{group: "kept" | "merged"} for ``actions.merge_clients``."""
        keep = self.cleaned_data["keep"]
        return {
            name: ("kept" if value == keep else "merged") for name, value in self.cleaned_data.items() if name != "keep"
        }


class CorrectionRequestForm(forms.Form):
    """A client's request to correct their record, as staff record it."""

    field = forms.ChoiceField(
        label="What does the client want corrected?",
        choices=list(CorrectionRequest.FIELDS.items()),
        error_messages={"invalid_choice": "Choose the field the client wants corrected."},
    )
    requested_value = forms.CharField(
        label="What should it say?",
        max_length=500,
        help_text="Dates as YYYY-MM-DD; for sex or veteran status, one of the choices on the record.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(label="The client's reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CorrectionRefusalForm(forms.Form):
    reason = forms.CharField(
        label="Why is the request refused? (the client will be given this reason)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CorrectionRevealForm(forms.Form):
    reason = forms.ChoiceField(label="Why do you need to see it?", choices=AccessEvent.Reason.choices)
    reason_text = forms.CharField(label="Explain (required for \u201cOther\u201d)", required=False, max_length=500)


# --- Retention (the system admin's legal holds) ---


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
