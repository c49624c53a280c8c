"""What a page may show of a client: views build a ``MaskedClient`` and hand
only that to templates, so a template never holds a value its reader may
not see.

* Case workers (``clients.names``) see names; everyone else sees initials.
* SSN shows its last four to case workers, nothing to others; the birth date
  shows as year and age; phone, e-mail and address are hidden.
* One field at a time can be revealed (``actions.reveal_client_field``); the
  page that answers the reveal shows it, the next page masks it again.
* Privacy screen mode shows initials and the reference code, and nothing else.
"""

import datetime
from dataclasses import dataclass, field

from clients import hud

HIDDEN = "Hidden"
NONE = "—"
REVEALABLE = {
    "ssn": "SSN",
    "dob": "Date of birth",
    "phone": "Phone",
    "email": "E-mail",
    "last_permanent_address": "Last permanent address",
}


@dataclass(frozen=True)
class Viewer:
    names: bool = False  # may see names (else initials)
    privacy: bool = False  # privacy screen mode is on


def initials(client) -> str:
    letters = [n.strip()[0].upper() for n in (client.first_name, client.last_name) if n and n.strip()]
    return ". ".join(letters) + "." if letters else "Anonymous" if client.is_anonymous else "No name"


def full_name(client) -> str:
    parts = [client.first_name, client.middle_name, client.last_name, client.name_suffix]
    text = " ".join(p.strip() for p in parts if p and p.strip())
    return text or ("Anonymous" if client.is_anonymous else "No name")


def age_on(dob, today=None) -> int:
    today = today or datetime.date.today()
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def _missing(label_source, code) -> str:
    return dict(label_source.choices).get(code, NONE)


def format_ssn(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 9 else f"•••-••-{digits}"


@dataclass
class ListRow:
    """What the clients list reads of one client, decrypted (only the parts
    the viewer is shown: see ``clients.queries.masked_clients_for``)."""

    pk: object
    reference: str
    agency_name: str
    is_anonymous: bool
    confidential: bool
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    name_suffix: str | None = None
    year_of_birth: int | None = None


@dataclass
class MaskedClient:
    id: object
    reference: str
    agency_name: str
    name: str
    confidential: bool = False
    is_anonymous: bool = False
    ssn: str = HIDDEN
    dob: str = HIDDEN
    phone: str = HIDDEN
    email: str = HIDDEN
    last_permanent_address: str = HIDDEN
    birth_year: str = HIDDEN
    demographics: list = field(default_factory=list)  # (label, value) pairs
    revealed: str = ""
    revealable: list = field(default_factory=list)  # (field, label) still masked and present

    def __str__(self):
        return self.reference

    @classmethod
    def of(cls, client, viewer: Viewer, *, revealed: str = ""):
        privacy = viewer.privacy
        masked = cls(
            id=client.pk,
            reference=client.reference,
            agency_name=client.owning_agency.name,
            name=initials(client) if (privacy or not viewer.names) else full_name(client),
            confidential=client.confidential,
            is_anonymous=client.is_anonymous,
        )
        if privacy:
            return masked
        revealed = revealed if revealed in REVEALABLE else ""
        masked.revealed = revealed
        year = client.year_of_birth
        masked.birth_year = str(year) if year else NONE

        # SSN: last four for case workers, nothing for others; full when revealed.
        digits = client.ssn or ""
        if not digits:
            masked.ssn = _missing(hud.SSNDataQuality, client.ssn_data_quality)
        elif revealed == "ssn":
            masked.ssn = format_ssn(digits)
        elif viewer.names:
            masked.ssn = f"•••-••-{digits[-4:]}"
        else:
            masked.ssn = "•••-••-••••"

        if client.dob is None:
            masked.dob = f"Born {year}" if year else _missing(hud.DOBDataQuality, client.dob_data_quality)
        elif revealed == "dob":
            masked.dob = client.dob.isoformat()
        else:
            masked.dob = f"Born {client.dob.year} (age {age_on(client.dob)})"

        for name in ("phone", "email", "last_permanent_address"):
            value = getattr(client, name)
            setattr(masked, name, value if (value and revealed == name) else (HIDDEN if value else NONE))

        masked.revealable = [
            (name, label)
            for name, label in REVEALABLE.items()
            if name != revealed and getattr(client, name) and (name != "ssn" or len(client.ssn) == 9)
        ]
        race = dict(hud.RaceEthnicity.choices)
        masked.demographics = [
            ("Race and ethnicity", ", ".join(str(race.get(v, v)) for v in client.race_ethnicity) or NONE),
            ("Sex", client.get_sex_display()),
            ("Veteran status", client.get_veteran_status_display()),
            ("Name data quality", client.get_name_data_quality_display()),
        ]
        return masked

    @classmethod
    def for_list(cls, row: ListRow, viewer: Viewer):
        """The clients list: name (initials under the privacy screen or without
        name rights), birth year and agency; nothing that needs the SSN or contact."""
        year = row.year_of_birth
        return cls(
            id=row.pk,
            reference=row.reference,
            agency_name=row.agency_name,
            name=initials(row) if (viewer.privacy or not viewer.names) else full_name(row),
            confidential=row.confidential,
            is_anonymous=row.is_anonymous,
            birth_year=HIDDEN if viewer.privacy else (str(year) if year else NONE),
        )

    @classmethod
    def for_search(cls, client, viewer: Viewer):
        """Search results: initials, birth year and agency only."""
        return cls(
            id=client.pk,
            reference=client.reference,
            agency_name=client.owning_agency.name,
            name=initials(client),
            birth_year=NONE if viewer.privacy else (str(client.year_of_birth) if client.year_of_birth else NONE),
        )


def assessment_rows(assessment, viewer: Viewer):
    """(label, value) pairs of an assessment; sensitive answers only for case
    workers outside privacy mode."""
    show = viewer.names and not viewer.privacy
    # Where someone lived and for how long identify them to an onlooker: hidden with the privacy screen.
    rows = [
        ("Prior living situation", HIDDEN if viewer.privacy else assessment.get_prior_living_situation_display()),
        ("Length of stay", HIDDEN if viewer.privacy else assessment.get_length_of_stay_display()),
    ]
    for name in assessment.SENSITIVE_ANSWERS:
        model_field = assessment._meta.get_field(name)
        value = getattr(assessment, name)
        if not show:
            shown = HIDDEN
        elif value is None or value == "":
            shown = NONE
        elif model_field.choices:
            shown = getattr(assessment, f"get_{name}_display")()
        elif name == "monthly_income":
            shown = f"${value:,}"
        else:
            shown = value
        rows.append((model_field.verbose_name.capitalize(), shown))
    return rows


MERGE_LABELS = {
    "name": "Name",
    "ssn": "SSN",
    "dob": "Date of birth",
    "race_ethnicity": "Race and ethnicity",
    "sex": "Sex",
    "veteran_status": "Veteran status",
    "phone": "Phone",
    "email": "E-mail",
    "last_permanent_address": "Last permanent address",
}


def _merge_value(masked: MaskedClient, group: str) -> str:
    demographics = dict(masked.demographics)
    if group in ("race_ethnicity", "sex", "veteran_status"):
        return demographics.get(MERGE_LABELS[group], HIDDEN)
    return getattr(masked, group)


def merge_rows(first, second, groups, viewer: Viewer):
    """The merge page's rows: (group, label, first's masked value, second's,
    whether the stored values are the same). Masked as on a client page."""
    masked = [MaskedClient.of(c, viewer) for c in (first, second)]
    return [
        (
            group,
            MERGE_LABELS[group],
            _merge_value(masked[0], group),
            _merge_value(masked[1], group),
            all(getattr(first, name) == getattr(second, name) for name in fields),
        )
        for group, fields in groups.items()
    ]


def value_text(value) -> str:
    """A field's value as text (how a correction request stores a value)."""
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def masked_field_value(field, text, viewer: Viewer, *, revealed=False) -> str:
    """One field's value given as text (a correction request's requested or
    replaced value), masked as the client page masks that field."""
    if viewer.privacy:
        return HIDDEN
    if not text:
        return NONE
    if field == "sex":
        return dict(hud.Sex.choices).get(int(text), text)
    if field == "veteran_status":
        return dict(hud.NoYes.choices).get(int(text), text)
    if field == "ssn":
        if revealed:
            return format_ssn(text)
        return f"•••-••-{text[-4:]}" if viewer.names else "•••-••-••••"
    if field == "dob":
        return text if revealed else f"Born {text[:4]}"
    if field in REVEALABLE:
        return text if revealed else HIDDEN
    # A name: case workers see it, others its initial.
    return text if viewer.names else f"{text.strip()[0].upper()}."
