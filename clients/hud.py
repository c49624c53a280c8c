"""HUD HMIS Data Standards (FY2026) response codes, stored as the values HUD
uses so exports and reports need no translation. Labels are translatable:
the copy a client takes home shows them in the client's language."""

from django.db import models
from django.utils.translation import gettext_lazy as _

NOT_PROVIDED = frozenset({8, 9, 99})


class NameDataQuality(models.IntegerChoices):
    FULL = 1, _("Full name reported")
    PARTIAL = 2, _("Partial, street name, or code name reported")
    CLIENT_DOESNT_KNOW = 8, _("Client doesn't know")
    CLIENT_PREFERS_NOT = 9, _("Client prefers not to answer")
    NOT_COLLECTED = 99, _("Data not collected")


class SSNDataQuality(models.IntegerChoices):
    FULL = 1, _("Full SSN reported")
    PARTIAL = 2, _("Approximate or partial SSN reported")
    CLIENT_DOESNT_KNOW = 8, _("Client doesn't know")
    CLIENT_PREFERS_NOT = 9, _("Client prefers not to answer")
    NOT_COLLECTED = 99, _("Data not collected")


class DOBDataQuality(models.IntegerChoices):
    FULL = 1, _("Full DOB reported")
    PARTIAL = 2, _("Approximate or partial DOB reported")
    CLIENT_DOESNT_KNOW = 8, _("Client doesn't know")
    CLIENT_PREFERS_NOT = 9, _("Client prefers not to answer")
    NOT_COLLECTED = 99, _("Data not collected")


class NoYes(models.IntegerChoices):
    """The HUD "No/Yes/Reasons for missing data" list (1.8)."""

    NO = 0, _("No")
    YES = 1, _("Yes")
    CLIENT_DOESNT_KNOW = 8, _("Client doesn't know")
    CLIENT_PREFERS_NOT = 9, _("Client prefers not to answer")
    NOT_COLLECTED = 99, _("Data not collected")


class RaceEthnicity(models.IntegerChoices):
    """3.04 Race and Ethnicity (multi-select); 8, 9 and 99 stand alone."""

    AM_IND_AK_NATIVE = 1, _("American Indian, Alaska Native, or Indigenous")
    ASIAN = 2, _("Asian or Asian American")
    BLACK = 3, _("Black, African American, or African")
    NATIVE_HI_PACIFIC = 4, _("Native Hawaiian or Pacific Islander")
    WHITE = 5, _("White")
    HISPANIC_LATINAEO = 6, _("Hispanic/Latina/e/o")
    MID_EAST_N_AFRICAN = 7, _("Middle Eastern or North African")
    CLIENT_DOESNT_KNOW = 8, _("Client doesn't know")
    CLIENT_PREFERS_NOT = 9, _("Client prefers not to answer")
    NOT_COLLECTED = 99, _("Data not collected")


class Sex(models.IntegerChoices):
    """3.06 Sex (FY2026)."""

    FEMALE = 0, _("Female")
    MALE = 1, _("Male")
    CLIENT_DOESNT_KNOW = 8, _("Client doesn't know")
    CLIENT_PREFERS_NOT = 9, _("Client prefers not to answer")
    NOT_COLLECTED = 99, _("Data not collected")


class ProjectType(models.IntegerChoices):
    """2.02.6 Project Type."""

    ES_ENTRY_EXIT = 0, _("Emergency Shelter - Entry Exit")
    ES_NIGHT_BY_NIGHT = 1, _("Emergency Shelter - Night-by-Night")
    TRANSITIONAL_HOUSING = 2, _("Transitional Housing")
    PH_PSH = 3, _("PH - Permanent Supportive Housing")
    STREET_OUTREACH = 4, _("Street Outreach")
    SERVICES_ONLY = 6, _("Services Only")
    OTHER = 7, _("Other")
    SAFE_HAVEN = 8, _("Safe Haven")
    PH_HOUSING_ONLY = 9, _("PH - Housing Only")
    PH_HOUSING_WITH_SERVICES = 10, _("PH - Housing with Services (no disability required for entry)")
    DAY_SHELTER = 11, _("Day Shelter")
    HOMELESSNESS_PREVENTION = 12, _("Homelessness Prevention")
    PH_RRH = 13, _("PH - Rapid Re-Housing")
    COORDINATED_ENTRY = 14, _("Coordinated Entry")


class RelationshipToHoH(models.IntegerChoices):
    """3.15 Relationship to Head of Household."""

    SELF = 1, _("Self (head of household)")
    CHILD = 2, _("Head of household's child")
    SPOUSE_PARTNER = 3, _("Head of household's spouse or partner")
    OTHER_RELATION = 4, _("Head of household's other relation member")
    NON_RELATION = 5, _("Other: non-relation member")
    NOT_COLLECTED = 99, _("Data not collected")


_HOMELESS = [
    (116, _("Place not meant for habitation")),
    (101, _("Emergency shelter, including hotel or motel paid for with emergency shelter voucher, host home shelter")),
    (118, _("Safe Haven")),
]
_INSTITUTIONAL = [
    (215, _("Foster care home or foster care group home")),
    (206, _("Hospital or other residential non-psychiatric medical facility")),
    (207, _("Jail, prison, or juvenile detention facility")),
    (225, _("Long-term care facility or nursing home")),
    (204, _("Psychiatric hospital or other psychiatric facility")),
    (205, _("Substance abuse treatment facility or detox center")),
]
_TEMPORARY = [
    (302, _("Transitional housing for homeless persons")),
    (329, _("Residential project or halfway house with no homeless criteria")),
    (314, _("Hotel or motel paid for without emergency shelter voucher")),
    (332, _("Host Home (non-crisis)")),
    (335, _("Staying or living in a family member's room, apartment, or house")),
    (336, _("Staying or living in a friend's room, apartment, or house")),
]
_PERMANENT = [
    (422, _("Staying or living with family, permanent tenure")),
    (423, _("Staying or living with friends, permanent tenure")),
    (410, _("Rental by client, no ongoing housing subsidy")),
    (435, _("Rental by client, with ongoing housing subsidy")),
    (421, _("Owned by client, with ongoing housing subsidy")),
    (411, _("Owned by client, no ongoing housing subsidy")),
]
_MISSING = [(8, _("Client doesn't know")), (9, _("Client prefers not to answer")), (99, _("Data not collected"))]

# 3.917 Prior Living Situation.
LIVING_SITUATION_CHOICES = [
    (_("Homeless situations"), _HOMELESS),
    (_("Institutional situations"), _INSTITUTIONAL),
    (_("Temporary housing situations"), _TEMPORARY),
    (_("Permanent housing situations"), _PERMANENT),
    (_("Other"), _MISSING),
]
# 3.12 Destination.
DESTINATION_CHOICES = [
    (_("Homeless situations"), _HOMELESS),
    (_("Institutional situations"), _INSTITUTIONAL),
    (_("Temporary housing situations"), _TEMPORARY),
    (_("Permanent housing situations"), [*_PERMANENT, (426, _("Moved from one HOPWA funded project to HOPWA PH"))]),
    (
        _("Other"),
        [
            (24, _("Deceased")),
            (37, _("Worker unable to determine")),
            (17, _("Other")),
            (30, _("No exit interview completed")),
            *_MISSING,
        ],
    ),
]


class LengthOfStay(models.IntegerChoices):
    """3.917 Length of stay in prior living situation."""

    ONE_NIGHT_OR_LESS = 10, _("One night or less")
    TWO_TO_SIX_NIGHTS = 11, _("Two to six nights")
    ONE_WEEK_TO_MONTH = 2, _("One week or more, but less than one month")
    ONE_MONTH_TO_90_DAYS = 3, _("One month or more, but less than 90 days")
    NINETY_DAYS_TO_YEAR = 4, _("90 days or more, but less than one year")
    ONE_YEAR_OR_LONGER = 5, _("One year or longer")
    CLIENT_DOESNT_KNOW = 8, _("Client doesn't know")
    CLIENT_PREFERS_NOT = 9, _("Client prefers not to answer")
    NOT_COLLECTED = 99, _("Data not collected")
