"""The HMIS CSV files this product reads and writes, one schema per file, and
the validator both directions use.

Column names, order, types (S = string of a length, I = integer, D = date
``yyyy-mm-dd``, T = date and time ``yyyy-mm-dd hh:mm:ss``, M = money, M+ =
money that is not negative), nullability and list values follow HUD's
HMIS CSV Format Specifications FY2026; where a detail could not be confirmed
the FY2024 specification is followed (see the README). Lists are checked
where the product stores the value; other integer columns are type-checked.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import compress

from clients import hud

CSV_VERSION = "2026v1.0"
DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_INTEGER = re.compile(r"^-?\d+$")
_MONEY = re.compile(r"^-?\d+(\.\d{1,2})?$")
# OWASP CSV injection: a spreadsheet runs a cell that starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _values(choices) -> frozenset:
    """The stored values of Django choices, grouped or not."""
    out = set()
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            out.update(v for v, _ in label)
        else:
            out.add(value)
    return frozenset(out)


NO_YES = frozenset({0, 1})  # 1.10
NO_YES_MISSING = frozenset({0, 1, 8, 9, 99})  # 1.8
NO_YES_99 = frozenset({0, 1, 99})  # 1.7
MISSING = frozenset({8, 9, 99})  # 1.6
DATA_QUALITY = frozenset({1, 2, 8, 9, 99})
SEX = _values(hud.Sex.choices)
PROJECT_TYPE = _values(hud.ProjectType.choices)
RELATIONSHIP = _values(hud.RelationshipToHoH.choices)
LIVING_SITUATION = _values(hud.LIVING_SITUATION_CHOICES)
DESTINATION = _values(hud.DESTINATION_CHOICES)
LENGTH_OF_STAY = _values(hud.LengthOfStay.choices)
DATA_COLLECTION_STAGE = frozenset({1, 2, 3, 5, 6})  # 5.03.1
SOURCE_TYPE = frozenset({1, 2, 3, 4})  # 1.9
EXPORT_PERIOD_TYPE = frozenset({1, 2, 3, 4})  # 1.1
EXPORT_DIRECTIVE = frozenset({1, 2, 3})  # 1.2
HASH_STATUS = frozenset({1, 2, 3, 4})  # 1.5
RRH_SUBTYPE = frozenset({1, 2})  # 2.02.A


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "S", "I", "D", "T", "M", "M+"
    length: int | None = None
    nullable: bool = False
    choices: frozenset | None = None

    @property
    def is_text(self) -> bool:
        return self.kind == "S"

    def parse(self, raw: str | None):
        """(value, problem): the Python value of a cell, or why it is not valid."""
        if raw is None or raw == "":
            return None, None if self.nullable else "is empty but is required"
        if self.kind == "S":
            if self.length and len(raw) > self.length:
                return None, f"is {len(raw)} characters long; at most {self.length} are allowed"
            return raw, None
        if self.kind == "I":
            if not _INTEGER.match(raw):
                return None, f"should be a whole number, not \u201c{_shown(raw)}\u201d"
            value = int(raw)
            if self.choices is not None and value not in self.choices:
                allowed = ", ".join(str(v) for v in sorted(self.choices))
                return None, f"{value} is not one of the allowed values ({allowed})"
            return value, None
        if self.kind == "D":
            if not _DATE.match(raw):
                return None, f"should be a date written yyyy-mm-dd, not \u201c{_shown(raw)}\u201d"
            try:
                return datetime.date.fromisoformat(raw), None
            except ValueError:
                return None, f"{_shown(raw)} is not a real date"
        if self.kind == "T":
            if not _TIMESTAMP.match(raw):
                return None, f"should be a date and time written yyyy-mm-dd hh:mm:ss, not \u201c{_shown(raw)}\u201d"
            try:
                return datetime.datetime.fromisoformat(raw), None
            except ValueError:
                return None, f"{_shown(raw)} is not a real date and time"
        # Money.
        if not _MONEY.match(raw):
            return None, f"should be an amount such as 640.00, not \u201c{_shown(raw)}\u201d"
        try:
            value = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern already refused it
            return None, "is not an amount"
        if self.kind == "M+" and value < 0:
            return None, "cannot be negative"
        return value, None

    def format(self, value) -> str:
        """One CSV cell: strings quoted (formulas neutralised), numbers and nulls bare."""
        if value is None:
            return ""
        if self.kind == "I":
            return str(int(value))
        if self.kind == "D":
            return '"' + value.strftime(DATE_FORMAT) + '"'
        if self.kind == "T":
            return '"' + value.strftime(TIMESTAMP_FORMAT) + '"'
        if self.kind in ("M", "M+"):
            return f"{Decimal(value):.2f}"
        text = neutralise(str(value))
        return '"' + text.replace('"', '""') + '"'


def neutralise(text: str) -> str:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unneutralise(text: str) -> str:
    """Undo ``neutralise`` on import, so a round trip keeps the value."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _shown(raw: str) -> str:
    # Enough to find the cell; never a whole value (it may be a name or an SSN).
    return raw if len(raw) <= 12 else raw[:10] + "\u2026"


class InvalidRow(ValueError):
    def __init__(self, file, column, problem):
        super().__init__(f"{file} {column} {problem}")
        self.file, self.column, self.problem = file, column, problem


@dataclass(frozen=True)
class FileSchema:
    name: str
    key: str
    columns: tuple[Column, ...]
    by_name: dict = field(init=False, repr=False, compare=False)
    positions: dict = field(init=False, repr=False, compare=False)
    required: tuple = field(init=False, repr=False, compare=False)
    names: tuple = field(init=False, repr=False, compare=False)
    required_positions: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})
        object.__setattr__(self, "positions", {c.name: i for i, c in enumerate(self.columns)})
        object.__setattr__(self, "required", tuple(c.name for c in self.columns if not c.nullable))
        object.__setattr__(self, "names", tuple(c.name for c in self.columns))
        object.__setattr__(self, "required_positions", tuple(i for i, c in enumerate(self.columns) if not c.nullable))

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def header_line(self) -> str:
        return ",".join(self.header) + "\r\n"

    def format_row(self, values: dict) -> str:
        """One CSV line; raises ``InvalidRow`` (naming the column, never the value) if the
        values break the schema, so every file written is checked as it is written."""
        cells = [""] * len(self.columns)
        for name, value in values.items():
            if value is None:
                continue
            column = self.by_name[name]
            if column.choices is not None and value not in column.choices:
                raise InvalidRow(self.name, name, f"{value} is not one of the allowed values")
            if column.length and len(value) > column.length:
                raise InvalidRow(self.name, name, f"is longer than {column.length} characters")
            cells[self.positions[name]] = column.format(value)
        for name in self.required:
            if values.get(name) is None:
                raise InvalidRow(self.name, name, "is empty but is required")
        return ",".join(cells) + "\r\n"

    def check_header(self, header: list[str]) -> list[str]:
        """Problems with a file's first line (columns missing, unexpected or out of order)."""
        expected = self.header
        if header == expected:
            return []
        missing = [n for n in expected if n not in header]
        extra = [n for n in header if n not in expected]
        problems = []
        if missing:
            problems.append("columns missing: " + ", ".join(missing))
        if extra:
            problems.append("columns not in the specification: " + ", ".join(extra))
        if not problems:
            problems.append("columns are not in the order the specification gives")
        return problems

    def parse_row(self, cells: list[str], cache: dict | None = None) -> tuple[dict, list[tuple[str, str]]]:
        """(values by column, [(column, problem)]) for one data row.

        ``cache`` (one dict per file read, never kept) holds what each number, date
        and time cell parsed to: most recur (DateCreated, list codes). Text is never cached.
        """
        if cache is not None and len(cells) == len(self.columns):
            values = self._parse_clean(cells, cache)
            if values is not None:
                return values, []
        return self._parse_row(cells, cache)

    def _parse_clean(self, cells, cache):
        """The values of a row without a problem, looking only at its non-empty cells
        (most cells of most files are empty); None when any cell has a problem, so
        ``_parse_row`` reports the problems in column order."""
        for i in self.required_positions:
            if not cells[i]:
                return None
        names, columns = self.names, self.columns
        values = dict.fromkeys(names)
        for i in compress(range(len(cells)), cells):
            raw = cells[i]
            column = columns[i]
            if column.kind == "S":
                if raw[0] == "'":
                    raw = unneutralise(raw)
                if column.length and len(raw) > column.length:
                    return None
                values[names[i]] = raw or None
                continue
            key = (names[i], raw)
            parsed = cache.get(key)
            if parsed is None:
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                parsed = cache[key] = column.parse(raw)
            if parsed[1]:
                return None
            values[names[i]] = parsed[0]
        return values

    def _parse_row(self, cells, cache):
        if len(cells) != len(self.columns):
            return {}, [("", f"has {len(cells)} cells; the header has {len(self.columns)}")]
        values, problems = {}, []
        for column, raw in zip(self.columns, cells, strict=True):
            name = column.name
            if not raw and column.nullable:  # most cells of most files: skip the parser
                values[name] = None
                continue
            if column.is_text:
                if raw:
                    raw = unneutralise(raw)
                value, problem = column.parse(raw)
            elif cache is None:
                value, problem = column.parse(raw)
            else:
                parsed = cache.get((name, raw))
                if parsed is None:
                    if len(cache) >= CACHE_LIMIT:
                        cache.clear()
                    parsed = cache[(name, raw)] = column.parse(raw)
                value, problem = parsed
            if problem:
                problems.append((name, problem))
            values[name] = value
        return values, problems


# Cells a file read remembers the parse of (``FileSchema.parse_row``).
CACHE_LIMIT = 50_000


def S(name, length, *, null=False):
    return Column(name, "S", length, null)


def I(name, choices=None, *, null=False):  # noqa: E743
    return Column(name, "I", None, null, choices)


def D(name, *, null=False):
    return Column(name, "D", None, null)


def T(name, *, null=False):
    return Column(name, "T", None, null)


def M(name, *, positive=True, null=True):
    return Column(name, "M+" if positive else "M", None, null)


def _many(maker, names, **kwargs):
    return tuple(maker(n, **kwargs) for n in names.split())


METADATA = (T("DateCreated"), T("DateUpdated"), S("UserID", 32), T("DateDeleted", null=True), S("ExportID", 32))

EXPORT = FileSchema(
    "Export.csv",
    "ExportID",
    (
        S("ExportID", 32),
        I("SourceType", SOURCE_TYPE),
        S("SourceID", 350, null=True),
        S("SourceName", 50, null=True),
        S("SourceContactFirst", 50, null=True),
        S("SourceContactLast", 50, null=True),
        S("SourceContactPhone", 10, null=True),
        S("SourceContactExtension", 5, null=True),
        S("SourceContactEmail", 320, null=True),
        T("ExportDate"),
        D("ExportStartDate"),
        D("ExportEndDate"),
        S("SoftwareName", 50),
        S("SoftwareVersion", 50, null=True),
        S("CSVVersion", 50, null=True),
        I("ExportPeriodType", EXPORT_PERIOD_TYPE),
        I("ExportDirective", EXPORT_DIRECTIVE),
        I("HashStatus", HASH_STATUS),
        S("ImplementationID", 200),
    ),
)

ORGANIZATION = FileSchema(
    "Organization.csv",
    "OrganizationID",
    (
        S("OrganizationID", 32),
        S("OrganizationName", 200),
        I("VictimServiceProvider", NO_YES),
        S("OrganizationCommonName", 200, null=True),
        *METADATA,
    ),
)

USER = FileSchema(
    "User.csv",
    "UserID",
    (
        S("UserID", 32),
        S("UserFirstName", 50, null=True),
        S("UserLastName", 50, null=True),
        S("UserPhone", 10, null=True),
        S("UserExtension", 5, null=True),
        S("UserEmail", 320, null=True),
        T("DateCreated"),
        T("DateUpdated"),
        T("DateDeleted", null=True),
        S("ExportID", 32),
    ),
)

PROJECT = FileSchema(
    "Project.csv",
    "ProjectID",
    (
        S("ProjectID", 32),
        S("OrganizationID", 32),
        S("ProjectName", 200),
        S("ProjectCommonName", 200, null=True),
        D("OperatingStartDate"),
        D("OperatingEndDate", null=True),
        I("ContinuumProject", NO_YES),
        I("ProjectType", PROJECT_TYPE, null=True),
        I("HousingType", null=True),
        I("RRHSubType", RRH_SUBTYPE, null=True),
        I("ResidentialAffiliation", NO_YES, null=True),
        I("TargetPopulation", null=True),
        I("HOPWAMedAssistedLivingFac", null=True),
        I("PITCount", null=True),
        *METADATA,
    ),
)

RACE_COLUMNS = {
    "AmIndAKNative": hud.RaceEthnicity.AM_IND_AK_NATIVE,
    "Asian": hud.RaceEthnicity.ASIAN,
    "BlackAfAmerican": hud.RaceEthnicity.BLACK,
    "HispanicLatinaeo": hud.RaceEthnicity.HISPANIC_LATINAEO,
    "MidEastNAfrican": hud.RaceEthnicity.MID_EAST_N_AFRICAN,
    "NativeHIPacific": hud.RaceEthnicity.NATIVE_HI_PACIFIC,
    "White": hud.RaceEthnicity.WHITE,
}

CLIENT = FileSchema(
    "Client.csv",
    "PersonalID",
    (
        S("PersonalID", 32),
        S("FirstName", 50, null=True),
        S("MiddleName", 50, null=True),
        S("LastName", 50, null=True),
        S("NameSuffix", 50, null=True),
        I("NameDataQuality", DATA_QUALITY),
        S("SSN", 9, null=True),
        I("SSNDataQuality", DATA_QUALITY),
        D("DOB", null=True),
        I("DOBDataQuality", DATA_QUALITY),
        # FY2026: the gender columns are gone and 4.21 Sex follows the birth date.
        I("Sex", SEX, null=True),
        *(I(name, NO_YES) for name in RACE_COLUMNS),
        I("RaceNone", MISSING, null=True),
        S("AdditionalRaceEthnicity", 100, null=True),
        I("VeteranStatus", NO_YES_MISSING),
        I("YearEnteredService", null=True),
        I("YearSeparated", null=True),
        *_many(
            I,
            "WorldWarII KoreanWar VietnamWar DesertStorm AfghanistanOEF IraqOIF IraqOND OtherTheater",
            choices=NO_YES_MISSING,
            null=True,
        ),
        I("MilitaryBranch", null=True),
        I("DischargeStatus", null=True),
        *METADATA,
    ),
)

_ENROLLMENT_OPTIONAL = (
    "ClientEnrolledInPATH ReasonNotEnrolled PercentAMI ReferralSource CountOutreachReferralApproaches"
)

ENROLLMENT = FileSchema(
    "Enrollment.csv",
    "EnrollmentID",
    (
        S("EnrollmentID", 32),
        S("PersonalID", 32),
        S("ProjectID", 32),
        D("EntryDate"),
        S("HouseholdID", 32),
        I("RelationshipToHoH", RELATIONSHIP),
        S("EnrollmentCoC", 6, null=True),
        I("LivingSituation", LIVING_SITUATION, null=True),
        I("RentalSubsidyType", null=True),
        I("LengthOfStay", LENGTH_OF_STAY, null=True),
        I("LOSUnderThreshold", NO_YES_99, null=True),
        I("PreviousStreetESSH", NO_YES_99, null=True),
        D("DateToStreetESSH", null=True),
        I("TimesHomelessPastThreeYears", null=True),
        I("MonthsHomelessPastThreeYears", null=True),
        I("DisablingCondition", NO_YES_MISSING),
        D("DateOfEngagement", null=True),
        D("MoveInDate", null=True),
        D("DateOfPATHStatus", null=True),
        *_many(I, _ENROLLMENT_OPTIONAL, null=True),
        D("DateOfBCPStatus", null=True),
        *_many(
            I,
            "EligibleForRHY ReasonNoServices RunawayYouth FormerWardChildWelfare ChildWelfareYears "
            "ChildWelfareMonths FormerWardJuvenileJustice JuvenileJusticeYears JuvenileJusticeMonths "
            "UnemploymentFam MentalHealthDisorderFam PhysicalDisabilityFam AlcoholDrugUseDisorderFam "
            "InsufficientIncome IncarceratedParent",
            null=True,
        ),
        S("VAMCStation", 5, null=True),
        *_many(
            I,
            "TargetScreenReqd TimeToHousingLoss AnnualPercentAMI LiteralHomelessHistory ClientLeaseholder "
            "HOHLeaseholder SubsidyAtRisk EvictionHistory CriminalRecord IncarceratedAdult PrisonDischarge "
            "SexOffender DisabledHoH CurrentPregnant SingleParent DependentUnder6 HH5Plus CoCPrioritized "
            "HPScreeningScore ThresholdScore MentalHealthConsultation",
            null=True,
        ),
        *METADATA,
    ),
)

EXIT = FileSchema(
    "Exit.csv",
    "ExitID",
    (
        S("ExitID", 32),
        S("EnrollmentID", 32),
        S("PersonalID", 32),
        D("ExitDate"),
        I("Destination", DESTINATION),
        I("DestinationSubsidyType", null=True),
        S("OtherDestination", 50, null=True),
        *_many(
            I,
            "HousingAssessment SubsidyInformation ProjectCompletionStatus EarlyExitReason ExchangeForSex "
            "ExchangeForSexPastThreeMonths CountOfExchangeForSex AskedOrForcedToExchangeForSex "
            "AskedOrForcedToExchangeForSexPastThreeMonths WorkplaceViolenceThreats WorkplacePromiseDifference "
            "CoercedToContinueWork LaborExploitPastThreeMonths CounselingReceived IndividualCounseling "
            "FamilyCounseling GroupCounseling SessionCountAtExit PostExitCounselingPlan SessionsInPlan "
            "DestinationSafeClient DestinationSafeWorker PosAdultConnections PosPeerConnections "
            "PosCommunityConnections",
            null=True,
        ),
        D("AftercareDate", null=True),
        *_many(
            I, "AftercareProvided EmailSocialMedia Telephone InPersonIndividual InPersonGroup CMExitReason", null=True
        ),
        *METADATA,
    ),
)

_INCOME_SOURCES = (
    "Earned Unemployment SSI SSDI VADisabilityService VADisabilityNonService PrivateDisability WorkersComp "
    "TANF GA SocSecRetirement Pension ChildSupport Alimony"
).split()


def _income_columns():
    for source in _INCOME_SOURCES:
        yield I(source, NO_YES_99, null=True)
        yield M(f"{source}Amount")
    yield I("OtherIncomeSource", NO_YES_99, null=True)
    yield M("OtherIncomeAmount")
    yield S("OtherIncomeSourceIdentify", 50, null=True)


def _insurance_columns():
    for name, reason in (
        ("Medicaid", "NoMedicaidReason"),
        ("Medicare", "NoMedicareReason"),
        ("SCHIP", "NoSCHIPReason"),
        ("VHAServices", "NoVHAReason"),
        ("EmployerProvided", "NoEmployerProvidedReason"),
        ("COBRA", "NoCOBRAReason"),
        ("PrivatePay", "NoPrivatePayReason"),
        ("StateHealthIns", "NoStateHealthInsReason"),
        ("IndianHealthServices", "NoIndianHealthServicesReason"),
    ):
        yield I(name, NO_YES_99, null=True)
        yield I(reason, null=True)
    yield I("OtherInsurance", NO_YES_99, null=True)
    yield S("OtherInsuranceIdentify", 50, null=True)


INCOME_BENEFITS = FileSchema(
    "IncomeBenefits.csv",
    "IncomeBenefitsID",
    (
        S("IncomeBenefitsID", 32),
        S("EnrollmentID", 32),
        S("PersonalID", 32),
        D("InformationDate"),
        I("IncomeFromAnySource", NO_YES_MISSING, null=True),
        M("TotalMonthlyIncome"),
        *_income_columns(),
        I("BenefitsFromAnySource", NO_YES_MISSING, null=True),
        *_many(
            I, "SNAP WIC TANFChildCare TANFTransportation OtherTANF OtherBenefitsSource", choices=NO_YES_99, null=True
        ),
        S("OtherBenefitsSourceIdentify", 50, null=True),
        I("InsuranceFromAnySource", NO_YES_MISSING, null=True),
        *_insurance_columns(),
        *_many(I, "ADAP NoADAPReason RyanWhiteMedDent NoRyanWhiteReason ConnectionWithSOAR", null=True),
        I("DataCollectionStage", DATA_COLLECTION_STAGE),
        *METADATA,
    ),
)

HEALTH_AND_DV = FileSchema(
    "HealthAndDV.csv",
    "HealthAndDVID",
    (
        S("HealthAndDVID", 32),
        S("EnrollmentID", 32),
        S("PersonalID", 32),
        D("InformationDate"),
        I("DomesticViolenceSurvivor", NO_YES_MISSING, null=True),
        I("WhenOccurred", null=True),
        I("CurrentlyFleeing", NO_YES_MISSING, null=True),
        I("GeneralHealthStatus", null=True),
        I("DentalHealthStatus", null=True),
        I("MentalHealthStatus", null=True),
        I("PregnancyStatus", NO_YES_MISSING, null=True),
        D("DueDate", null=True),
        I("DataCollectionStage", DATA_COLLECTION_STAGE),
        *METADATA,
    ),
)

# In the order they are written (and validated on import: parents before children).
FILES = (EXPORT, ORGANIZATION, USER, PROJECT, CLIENT, ENROLLMENT, EXIT, INCOME_BENEFITS, HEALTH_AND_DV)
BY_NAME = {schema.name: schema for schema in FILES}
REQUIRED = ("Export.csv", "Organization.csv", "Project.csv", "Client.csv", "Enrollment.csv")
