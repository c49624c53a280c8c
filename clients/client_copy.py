"""The copy of their record a client takes home ("Print for the client").

HUD's HMIS privacy standards give clients the right to see and get a copy
of what an agency holds about them. Staff of the owning agency record how
they checked the client's identity (``actions.print_client_copy``), then a
single-use page shows everything, unmasked, in the client's language, with
"Who has seen or received your information" (``sharing.accounting``).

The Social Security number is left off unless the client asks for it and
staff confirm: a printed page leaves the agency, and the SSN (even its last
four digits, which banks and benefit offices use to confirm who someone is)
is the one value that lets a finder act as the client. The page says how to
ask for it.
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.masking import format_ssn, full_name

# Prefix of what the single-use token holds (hmis.reveal_once): "client-copy:<language>[:ssn]".
TOKEN_PREFIX = "client-copy"


class IdentityCheck(models.TextChoices):
    """How staff confirmed that the person asking is the client (no values of the document)."""

    PHOTO_ID = "photo_id", "Photo ID"
    KNOWN_TO_STAFF = "known_to_staff", "Known to staff"
    OTHER = "other", "Other (describe)"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español"


# What a copy prints, named in its access event (never the values).
PRINTED_FIELDS = (
    "name",
    "dob",
    "phone",
    "email",
    "last_permanent_address",
    "demographics",
    "enrollments",
    "assessments",
    "access_history",
)


@dataclass(frozen=True)
class CopyChoice:
    """What the client asked for: the language and whether the SSN is printed."""

    language: str
    include_ssn: bool = False

    def token_field(self) -> str:
        return ":".join([TOKEN_PREFIX, self.language, *(["ssn"] if self.include_ssn else [])])

    @classmethod
    def from_token_field(cls, held: str):
        """The choice held under a print token, or None (a used token, or one of a reveal)."""
        parts = (held or "").split(":")
        if len(parts) not in (2, 3) or parts[0] != TOKEN_PREFIX or parts[1] not in Language.values:
            return None
        return cls(language=parts[1], include_ssn=parts[2:] == ["ssn"])


# Plain-language labels of the assessment answers, in the client's language.
ASSESSMENT_LABELS = {
    "prior_living_situation": _("Where you were staying before"),
    "length_of_stay": _("How long you stayed there"),
    "disabling_condition": _("A disabling condition"),
    "income_from_any_source": _("Income from any source"),
    "monthly_income": _("Total monthly income"),
    "non_cash_benefits": _("Non-cash benefits (for example food stamps)"),
    "health_insurance": _("Health insurance"),
    "domestic_violence_survivor": _("Survivor of domestic violence"),
    "currently_fleeing": _("Fleeing domestic violence now"),
    "notes": _("Notes staff wrote"),
}


@dataclass
class ClientCopy:
    reference: str
    name: str
    ssn: object  # the formatted SSN, or None when not printed or not held
    ssn_held: bool
    dob: object  # a date, or None
    birth_year: object
    phone: str
    email: str
    last_permanent_address: str
    demographics: list = field(default_factory=list)  # (label, value)
    enrollments: list = field(default_factory=list)  # dicts with the enrollment and its assessment rows


def _answer(assessment, name):
    value = getattr(assessment, name)
    if value is None or value == "":
        return ""
    if assessment._meta.get_field(name).choices:
        return getattr(assessment, f"get_{name}_display")()
    if name == "monthly_income":
        return f"${value:,}"
    return value


def build_copy(client, enrollments, *, include_ssn: bool) -> ClientCopy:
    """Everything the agency holds about ``client``, unmasked (the SSN only when
    ``include_ssn``). ``enrollments`` come from ``queries.enrollments_of`` with
    their assessments prefetched. Labels stay lazy: the page renders them in
    the client's language."""
    from clients import hud

    race = dict(hud.RaceEthnicity.choices)
    return ClientCopy(
        reference=client.reference,
        name="" if client.is_anonymous else full_name(client),
        ssn=format_ssn(client.ssn) if (include_ssn and client.ssn) else None,
        ssn_held=bool(client.ssn),
        dob=client.dob,
        birth_year=client.year_of_birth,
        phone=client.phone or "",
        email=client.email or "",
        last_permanent_address=client.last_permanent_address or "",
        demographics=[
            (_("Race and ethnicity"), [race.get(v, v) for v in client.race_ethnicity]),
            (_("Sex"), [client.get_sex_display()]),
            (_("Veteran"), [client.get_veteran_status_display()]),
        ],
        enrollments=[
            {
                "enrollment": e,
                "assessments": [
                    {
                        "date": a.assessment_date,
                        "rows": [(label, _answer(a, name)) for name, label in ASSESSMENT_LABELS.items()],
                    }
                    for a in e.assessments.all()
                ],
            }
            for e in enrollments
        ],
    )
