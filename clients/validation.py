"""Rules a client record must follow, in words an intake worker understands.

Called from ``Client.clean`` (so forms and ``full_clean`` in actions share
them). Every message names the field and says what to do.
"""

import datetime

from django.core.exceptions import ValidationError

from clients import hud
from clients.matching import PLACEHOLDER_DOBS, is_placeholder_ssn
from hmis.blind_index import normalize_ssn
from hmis.models import AccessEvent

NAME_FIELDS = ("first_name", "middle_name", "last_name", "name_suffix")
IDENTIFYING_FIELDS = (*NAME_FIELDS, "ssn", "dob", "phone", "email", "last_permanent_address")
VAWA_MESSAGE = (
    "Your agency is a victim service provider: under VAWA it may not enter identifying information "
    "(name, SSN, date of birth, contact, address) into HMIS. This record is de-identified."
)
ANONYMOUS_MESSAGE = "An anonymous record keeps no name, SSN, full date of birth, contact or address."
# Built once: the enum's ``choices`` is rebuilt on every access, which a bulk import feels.
_NAME_DQ_LABELS = dict(hud.NameDataQuality.choices)
_SSN_DQ_LABELS = dict(hud.SSNDataQuality.choices)
_DOB_DQ_LABELS = dict(hud.DOBDataQuality.choices)


def ssn_problem(digits: str) -> str | None:
    """Why a nine-digit SSN cannot be real (SSA rules), or None."""
    if len(digits) != 9:
        return "An SSN has nine digits."
    if is_placeholder_ssn(digits) or digits == "123456789":
        return "That is a placeholder, not an SSN. Leave it empty and choose why it is missing."
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area.startswith("9"):
        return "An SSN never starts with 000, 666 or 9."
    if group == "00":
        return "The middle two digits of an SSN are never 00."
    if serial == "0000":
        return "The last four digits of an SSN are never 0000."
    return None


def validate_client(client, *, today=None) -> None:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    today = today or datetime.date.today()
    deidentified = client.is_anonymous or (client.owning_agency_id and client.owning_agency.is_victim_service_provider)
    if deidentified:
        message = ANONYMOUS_MESSAGE if client.is_anonymous else VAWA_MESSAGE
        for name in IDENTIFYING_FIELDS:
            if getattr(client, name) not in (None, ""):
                add(name, message)

    # Name: empty exactly when its data quality says it was not given.
    names = [getattr(client, f) for f in NAME_FIELDS]
    label = _NAME_DQ_LABELS.get(client.name_data_quality, "")
    if client.name_data_quality in hud.NOT_PROVIDED:
        if any(names) and not deidentified:
            add("first_name", f"Name data quality is \u201c{label}\u201d: leave the name empty, or change the quality.")
    elif not deidentified:
        if client.name_data_quality == hud.NameDataQuality.FULL and not (client.first_name and client.last_name):
            add("last_name", "A full name needs a first and a last name (or choose \u201cpartial\u201d).")
        elif not (client.first_name or client.last_name):
            add("first_name", "Enter the name the client gave, or choose why it is missing.")
    elif client.name_data_quality in (1, 2):
        add("name_data_quality", "A de-identified record has no name: choose \u201cClient prefers not to answer\u201d.")

    # SSN: nine digits that could be real (quality 1), or the last four or nine digits (quality 2).
    digits = normalize_ssn(client.ssn)
    if client.ssn and len(digits) != len(client.ssn.replace("-", "").replace(" ", "")):
        add("ssn", "Use digits only (dashes are fine).")
    label = _SSN_DQ_LABELS.get(client.ssn_data_quality, "")
    if client.ssn_data_quality in hud.NOT_PROVIDED:
        if digits and not deidentified:
            add("ssn", f"SSN data quality is \u201c{label}\u201d: leave the SSN empty, or change the quality.")
    elif deidentified:
        add("ssn_data_quality", "A de-identified record has no SSN: choose \u201cClient prefers not to answer\u201d.")
    elif not digits:
        add("ssn", "Enter the SSN, or choose why it is missing.")
    elif client.ssn_data_quality == hud.SSNDataQuality.FULL:
        problem = ssn_problem(digits)
        if problem:
            add("ssn", problem)
    elif len(digits) not in (4, 9):
        add("ssn", "A partial SSN is the last four digits (or all nine).")
    elif is_placeholder_ssn(digits) or digits[-4:] == "0000":
        add("ssn", "That is a placeholder, not an SSN. Leave it empty and choose why it is missing.")

    # Date of birth.
    label = _DOB_DQ_LABELS.get(client.dob_data_quality, "")
    if client.dob_data_quality in hud.NOT_PROVIDED:
        if client.dob and not deidentified:
            add("dob", f"DOB data quality is \u201c{label}\u201d: leave the date empty, or change the quality.")
    elif deidentified:
        add(
            "dob_data_quality",
            "A de-identified record has no date of birth: choose \u201cClient prefers not to answer\u201d.",
        )
    elif not client.dob:
        add("dob", "Enter the date of birth (an approximate one is fine), or choose why it is missing.")
    if client.dob:
        if client.dob > today:
            add("dob", "The date of birth cannot be in the future.")
        elif client.dob in PLACEHOLDER_DOBS:
            add("dob", "1900-01-01 is a placeholder. Leave the date empty and choose why it is missing.")
        elif client.dob.year < 1900:
            add("dob", "Check the year of birth.")
    if client.birth_year is not None and not (1900 < client.birth_year <= today.year):
        add("birth_year", "Check the year of birth.")

    race = list(client.race_ethnicity or [])
    if not race:
        add("race_ethnicity", "Choose at least one, or why it is missing.")
    elif set(race) & hud.NOT_PROVIDED and len(race) > 1:
        add(
            "race_ethnicity",
            "\u201cDoesn't know\u201d, \u201cprefers not to answer\u201d and \u201cnot collected\u201d stand alone.",
        )

    if errors:
        raise ValidationError(errors)


def validate_enrollment(enrollment, client, *, today=None) -> None:
    today = today or datetime.date.today()
    errors = {}
    if enrollment.entry_date and enrollment.entry_date > today:
        errors["entry_date"] = "The entry date cannot be in the future."
    elif enrollment.entry_date and client.dob and client.dob > enrollment.entry_date:
        errors["entry_date"] = "The entry date is before the client's date of birth. Check both dates."
    if enrollment.exit_date:
        if enrollment.exit_date > today:
            errors["exit_date"] = "The exit date cannot be in the future."
        elif enrollment.entry_date and enrollment.exit_date < enrollment.entry_date:
            errors["exit_date"] = "The exit date cannot be before the entry date."
        if enrollment.destination is None:
            errors["destination"] = "Choose where the client went (or why it is not known)."
    elif enrollment.destination is not None:
        errors["destination"] = "A destination is recorded with an exit date."
    if errors:
        raise ValidationError(errors)


def validate_assessment(assessment, enrollment, *, today=None) -> None:
    today = today or datetime.date.today()
    errors = {}
    if assessment.assessment_date > today:
        errors["assessment_date"] = "The assessment date cannot be in the future."
    elif assessment.assessment_date < enrollment.entry_date:
        errors["assessment_date"] = "The assessment date cannot be before the entry date."
    elif enrollment.exit_date and assessment.assessment_date > enrollment.exit_date:
        errors["assessment_date"] = "The assessment date cannot be after the exit date."
    if assessment.monthly_income is not None:
        if assessment.monthly_income < 0:
            errors["monthly_income"] = "Income cannot be negative."
        elif assessment.income_from_any_source != hud.NoYes.YES and assessment.monthly_income > 0:
            errors["monthly_income"] = "Income is recorded only when \u201cincome from any source\u201d is Yes."
    if assessment.domestic_violence_survivor != hud.NoYes.YES and assessment.currently_fleeing not in (None, 99):
        errors["currently_fleeing"] = "Answer \u201ccurrently fleeing\u201d only for a survivor."
    if errors:
        raise ValidationError(errors)


def validate_reveal(*, client, field, revealable, reason, reason_text, privacy_screen) -> None:
    """The rules of revealing one field with a reason, on the client page and
    on a referral alike: a revealable field with a value, a known reason (with
    words for "other"), and no privacy screen. ``ValidationError`` keyed by field."""
    errors = {}
    if field not in revealable:
        errors["field"] = "Choose a field to reveal."
    elif getattr(client, field, None) in (None, ""):
        errors["field"] = "There is nothing recorded in that field."
    if reason not in AccessEvent.Reason.values:
        errors["reason"] = "Choose why you need to see it."
    elif reason == AccessEvent.Reason.OTHER and not (reason_text or "").strip():
        errors["reason_text"] = "Say why you need to see it."
    if privacy_screen:
        errors.setdefault("field", "The privacy screen is on. Switch it off to reveal a field.")
    if errors:
        raise ValidationError(errors)
