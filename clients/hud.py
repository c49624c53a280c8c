"""HUD HMIS Data Standards (FY2026) response codes, stored as the values HUD
uses so exports and reports need no translation."""

from django.db import models

NOT_PROVIDED = frozenset({8, 9, 99})


class NameDataQuality(models.IntegerChoices):
    FULL = 1, "Full name reported"
    PARTIAL = 2, "Partial, street name, or code name reported"
    CLIENT_DOESNT_KNOW = 8, "Client doesn't know"
    CLIENT_PREFERS_NOT = 9, "Client prefers not to answer"
    NOT_COLLECTED = 99, "Data not collected"


class SSNDataQuality(models.IntegerChoices):
    FULL = 1, "Full SSN reported"
    PARTIAL = 2, "Approximate or partial SSN reported"
    CLIENT_DOESNT_KNOW = 8, "Client doesn't know"
    CLIENT_PREFERS_NOT = 9, "Client prefers not to answer"
    NOT_COLLECTED = 99, "Data not collected"


class DOBDataQuality(models.IntegerChoices):
    FULL = 1, "Full DOB reported"
    PARTIAL = 2, "Approximate or partial DOB reported"
    CLIENT_DOESNT_KNOW = 8, "Client doesn't know"
    CLIENT_PREFERS_NOT = 9, "Client prefers not to answer"
    NOT_COLLECTED = 99, "Data not collected"


class NoYes(models.IntegerChoices):
    """The HUD "No/Yes/Reasons for missing data" list (1.8)."""

    NO = 0, "No"
    YES = 1, "Yes"
    CLIENT_DOESNT_KNOW = 8, "Client doesn't know"
    CLIENT_PREFERS_NOT = 9, "Client prefers not to answer"
    NOT_COLLECTED = 99, "Data not collected"


class RaceEthnicity(models.IntegerChoices):
    """3.04 Race and Ethnicity (multi-select); 8, 9 and 99 stand alone."""

    AM_IND_AK_NATIVE = 1, "American Indian, Alaska Native, or Indigenous"
    ASIAN = 2, "Asian or Asian American"
    BLACK = 3, "Black, African American, or African"
    NATIVE_HI_PACIFIC = 4, "Native Hawaiian or Pacific Islander"
    WHITE = 5, "White"
    HISPANIC_LATINAEO = 6, "Hispanic/Latina/e/o"
    MID_EAST_N_AFRICAN = 7, "Middle Eastern or North African"
    CLIENT_DOESNT_KNOW = 8, "Client doesn't know"
    CLIENT_PREFERS_NOT = 9, "Client prefers not to answer"
    NOT_COLLECTED = 99, "Data not collected"


class Sex(models.IntegerChoices):
    """3.06 Sex (FY2026)."""

    FEMALE = 0, "Female"
    MALE = 1, "Male"
    CLIENT_DOESNT_KNOW = 8, "Client doesn't know"
    CLIENT_PREFERS_NOT = 9, "Client prefers not to answer"
    NOT_COLLECTED = 99, "Data not collected"


class ProjectType(models.IntegerChoices):
    """2.02.6 Project Type."""

    ES_ENTRY_EXIT = 0, "Emergency Shelter - Entry Exit"
    ES_NIGHT_BY_NIGHT = 1, "Emergency Shelter - Night-by-Night"
    TRANSITIONAL_HOUSING = 2, "Transitional Housing"
    PH_PSH = 3, "PH - Permanent Supportive Housing"
    STREET_OUTREACH = 4, "Street Outreach"
    SERVICES_ONLY = 6, "Services Only"
    OTHER = 7, "Other"
    SAFE_HAVEN = 8, "Safe Haven"
    PH_HOUSING_ONLY = 9, "PH - Housing Only"
    PH_HOUSING_WITH_SERVICES = 10, "PH - Housing with Services (no disability required for entry)"
    DAY_SHELTER = 11, "Day Shelter"
    HOMELESSNESS_PREVENTION = 12, "Homelessness Prevention"
    PH_RRH = 13, "PH - Rapid Re-Housing"
    COORDINATED_ENTRY = 14, "Coordinated Entry"


class RelationshipToHoH(models.IntegerChoices):
    """3.15 Relationship to Head of Household."""

    SELF = 1, "Self (head of household)"
    CHILD = 2, "Head of household's child"
    SPOUSE_PARTNER = 3, "Head of household's spouse or partner"
    OTHER_RELATION = 4, "Head of household's other relation member"
    NON_RELATION = 5, "Other: non-relation member"
    NOT_COLLECTED = 99, "Data not collected"


_HOMELESS = [
    (116, "Place not meant for habitation"),
    (101, "Emergency shelter, including hotel or motel paid for with emergency shelter voucher, host home shelter"),
    (118, "Safe Haven"),
]
_INSTITUTIONAL = [
    (215, "Foster care home or foster care group home"),
    (206, "Hospital or other residential non-psychiatric medical facility"),
    (207, "Jail, prison, or juvenile detention facility"),
    (225, "Long-term care facility or nursing home"),
    (204, "Psychiatric hospital or other psychiatric facility"),
    (205, "Substance abuse treatment facility or detox center"),
]
_TEMPORARY = [
    (302, "Transitional housing for homeless persons"),
    (329, "Residential project or halfway house with no homeless criteria"),
    (314, "Hotel or motel paid for without emergency shelter voucher"),
    (332, "Host Home (non-crisis)"),
    (335, "Staying or living in a family member's room, apartment, or house"),
    (336, "Staying or living in a friend's room, apartment, or house"),
]
_PERMANENT = [
    (422, "Staying or living with family, permanent tenure"),
    (423, "Staying or living with friends, permanent tenure"),
    (410, "Rental by client, no ongoing housing subsidy"),
    (435, "Rental by client, with ongoing housing subsidy"),
    (421, "Owned by client, with ongoing housing subsidy"),
    (411, "Owned by client, no ongoing housing subsidy"),
]
_MISSING = [(8, "Client doesn't know"), (9, "Client prefers not to answer"), (99, "Data not collected")]

# 3.917 Prior Living Situation.
LIVING_SITUATION_CHOICES = [
    ("Homeless situations", _HOMELESS),
    ("Institutional situations", _INSTITUTIONAL),
    ("Temporary housing situations", _TEMPORARY),
    ("Permanent housing situations", _PERMANENT),
    ("Other", _MISSING),
]
# 3.12 Destination.
DESTINATION_CHOICES = [
    ("Homeless situations", _HOMELESS),
    ("Institutional situations", _INSTITUTIONAL),
    ("Temporary housing situations", _TEMPORARY),
    ("Permanent housing situations", [*_PERMANENT, (426, "Moved from one HOPWA funded project to HOPWA PH")]),
    (
        "Other",
        [
            (24, "Deceased"),
            (37, "Worker unable to determine"),
            (17, "Other"),
            (30, "No exit interview completed"),
            *_MISSING,
        ],
    ),
]


class LengthOfStay(models.IntegerChoices):
    """3.917 Length of stay in prior living situation."""

    ONE_NIGHT_OR_LESS = 10, "One night or less"
    TWO_TO_SIX_NIGHTS = 11, "Two to six nights"
    ONE_WEEK_TO_MONTH = 2, "One week or more, but less than one month"
    ONE_MONTH_TO_90_DAYS = 3, "One month or more, but less than 90 days"
    NINETY_DAYS_TO_YEAR = 4, "90 days or more, but less than one year"
    ONE_YEAR_OR_LONGER = 5, "One year or longer"
    CLIENT_DOESNT_KNOW = 8, "Client doesn't know"
    CLIENT_PREFERS_NOT = 9, "Client prefers not to answer"
    NOT_COLLECTED = 99, "Data not collected"
