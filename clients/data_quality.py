"""Data quality of an agency's client records, in counts (HUD's data-quality
framework: APR / CAPER question 6a "Personally Identifying Information" and
6b "Universal Data Elements").

A queries-style module: every function takes the reader and reads only the
clients ``queries.clients_listed_for(user)`` shows that the user's own agency
holds (never clients shared in by a referral, never another agency's).

Who is counted (HUD's "active clients" rule of the Reporting Glossary): a
client with at least one enrollment in one of the agency's projects (or the
chosen project) that overlaps the date range: entered on or before its last
day and not exited before its first day. Every field's share is of those
clients, so the rows compare.

Each field puts each client in one state, in HUD's order of precedence
(as in question 6: "client doesn't know / prefers not to answer", then
"information missing", then "data issues"):

* Name (3.01): 8 / 9 as recorded; missing is quality 99 or no first or last
  name stored; a data issue is quality 2 (partial, street or code name).
* SSN (3.02): 8 / 9; missing is 99 or no SSN stored; a data issue is quality
  2 (partial SSN). HUD also counts SSNs that cannot be real; the form and the
  import refuse those, and checking again would mean decrypting every SSN.
* Date of birth (3.03): 8 / 9; missing is 99 or no date stored; a data issue
  is quality 2 (approximate). HUD's other DOB issues (before 1915, after the
  project start) need the encrypted date: the form refuses future and
  pre-1900 dates and a start before birth.
* Race and ethnicity (3.04): 8 / 9 among the answers; missing is 99 or none.
* Sex (3.06): 8 / 9; missing is 99.
* Veteran status (3.07): 8 / 9; missing is 99. HUD asks it of adults only;
  age needs the encrypted birth date, so every client counts here.
* Project start date (3.10): always stored; a data issue is an enrollment in
  the range overlapping another stay of the same client in the same project.
* Relationship to head of household (3.15): missing is 99 on an enrollment in
  the range. (Households are not grouped here, so "no single head" is not
  checked.)
* Disabling condition (3.08): missing is an enrollment in the range with no
  intake assessment. The answer itself is encrypted health information, so
  a recorded 8 / 9 / 99 is not counted (that would decrypt every assessment).

Enrollment CoC (3.16) is not recorded by this system and has no row.

Nothing is decrypted: states come from the stored data-quality codes and from
whether an encrypted column is empty (NULL). The page shows counts, project
names and reference codes only.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce

from clients import queries
from clients.models import Assessment, Enrollment

# The states of one field of one client.
COMPLETE, DOESNT_KNOW, PREFERS_NOT, MISSING, DATA_ISSUE = 0, 8, 9, 99, 2
STATE_LABELS = {
    DOESNT_KNOW: "client doesn't know",
    PREFERS_NOT: "client prefers not to answer",
    MISSING: "missing",
    DATA_ISSUE: "data issue",
}
# Chart order and colours (bars carry text labels and a table too).
CHART_STATES = (
    (COMPLETE, "Complete", "#2d6b3d"),
    (DOESNT_KNOW, "Client doesn't know", "#b36b00"),
    (PREFERS_NOT, "Client prefers not to answer", "#6b2d8f"),
    (MISSING, "Missing", "#a40000"),
    (DATA_ISSUE, "Data issue", "#2060a0"),
)
FAR_FUTURE = datetime.date(9999, 12, 31)


def _coded(column, *, missing=None, issue=None):
    """The state of a field stored with HUD's 8 / 9 / 99 codes in ``column``
    (``missing``: also missing when this holds, ``issue``: a data issue)."""
    not_collected = Q(**{column: 99})
    whens = [
        When(**{column: 8}, then=Value(DOESNT_KNOW)),
        When(**{column: 9}, then=Value(PREFERS_NOT)),
        When(not_collected | missing if missing is not None else not_collected, then=Value(MISSING)),
    ]
    if issue is not None:
        whens.append(When(issue, then=Value(DATA_ISSUE)))
    return Case(*whens, default=Value(COMPLETE), output_field=IntegerField())


def _race():
    return Case(
        When(race_ethnicity__contains=[8], then=Value(DOESNT_KNOW)),
        When(race_ethnicity__contains=[9], then=Value(PREFERS_NOT)),
        When(Q(race_ethnicity__contains=[99]) | Q(race_ethnicity__len=0), then=Value(MISSING)),
        default=Value(COMPLETE),
        output_field=IntegerField(),
    )


def _flag(client_ids, state):
    """A client is in ``state`` when it is among ``client_ids`` (an uncorrelated
    subquery, which PostgreSQL hashes once instead of probing per client)."""
    return Case(When(pk__in=client_ids, then=Value(state)), default=Value(COMPLETE), output_field=IntegerField())


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    hud: str  # the HUD data element number


ELEMENTS = (
    Element("name", "Name", "3.01"),
    Element("ssn", "SSN", "3.02"),
    Element("dob", "Date of birth", "3.03"),
    Element("race", "Race and ethnicity", "3.04"),
    Element("sex", "Sex", "3.06"),
    Element("veteran", "Veteran status", "3.07"),
    Element("start", "Project start date", "3.10"),
    Element("relationship", "Relationship to head of household", "3.15"),
    Element("disabling", "Disabling condition (intake assessment)", "3.08"),
)


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date
    project: object = None  # a Project of the user's agency, or None for all of them


def _enrollments_in_range(user, filters: Filters):
    enrollments = Enrollment.objects.filter(
        project__agency_id=user.agency_id,
        entry_date__lte=filters.end,
    ).filter(Q(exit_date__isnull=True) | Q(exit_date__gte=filters.start))
    if filters.project is not None:
        enrollments = enrollments.filter(project=filters.project)
    return enrollments


def _states(user, filters: Filters):
    """The clients counted, each annotated with one state per element (``<key>_state``)."""
    in_range = _enrollments_in_range(user, filters)
    other_stay = Enrollment.objects.filter(client_id=OuterRef("client_id"), project_id=OuterRef("project_id")).exclude(
        pk=OuterRef("pk")
    )
    overlapping = in_range.filter(
        Exists(
            other_stay.filter(
                entry_date__lte=Coalesce(OuterRef("exit_date"), Value(FAR_FUTURE)),
            ).filter(Q(exit_date__isnull=True) | Q(exit_date__gte=OuterRef("entry_date")))
        )
    )
    unassessed = in_range.filter(~Exists(Assessment.objects.filter(enrollment_id=OuterRef("pk"))))
    clients = queries.clients_listed_for(user).filter(owning_agency_id=user.agency_id)
    return clients.filter(pk__in=in_range.values("client_id")).annotate(
        name_state=_coded(
            "name_data_quality",
            missing=Q(first_name__isnull=True) | Q(last_name__isnull=True),
            issue=Q(name_data_quality=2),
        ),
        ssn_state=_coded("ssn_data_quality", missing=Q(ssn__isnull=True), issue=Q(ssn_data_quality=2)),
        dob_state=_coded("dob_data_quality", missing=Q(dob__isnull=True), issue=Q(dob_data_quality=2)),
        race_state=_race(),
        sex_state=_coded("sex"),
        veteran_state=_coded("veteran_status"),
        start_state=_flag(overlapping.values("client_id"), DATA_ISSUE),
        relationship_state=_flag(in_range.filter(relationship_to_hoh=99).values("client_id"), MISSING),
        disabling_state=_flag(unassessed.values("client_id"), MISSING),
    )


def _any_issue():
    return Q(*[~Q(**{f"{e.key}_state": COMPLETE}) for e in ELEMENTS], _connector=Q.OR)


@dataclass
class Segment:
    label: str
    colour: str
    count: int
    x: float  # chart units, 0..100
    width: float


@dataclass
class Row:
    element: Element
    total: int
    counts: dict  # state -> clients
    segments: list = field(default_factory=list)

    @property
    def complete(self):
        return self.counts[COMPLETE]

    @property
    def doesnt_know(self):
        return self.counts[DOESNT_KNOW]

    @property
    def prefers_not(self):
        return self.counts[PREFERS_NOT]

    @property
    def missing(self):
        return self.counts[MISSING]

    @property
    def data_issue(self):
        return self.counts[DATA_ISSUE]

    @property
    def not_complete(self) -> int:
        return self.total - self.complete

    @property
    def issue_rate(self) -> float:
        """HUD's "% of issue rate": the share not complete, in percent."""
        return 100 * self.not_complete / self.total if self.total else 0.0


@dataclass
class Summary:
    clients: int
    records_to_fix: int
    rows: list  # worst first


def summary_for(user, filters: Filters) -> Summary:
    """The counts per element and state, in one query; rows worst first."""
    aggregates = {"clients": Count("pk"), "to_fix": Count("pk", filter=_any_issue())}
    for element in ELEMENTS:
        for state, _label, _colour in CHART_STATES:
            aggregates[f"{element.key}_{state}"] = Count("pk", filter=Q(**{f"{element.key}_state": state}))
    counted = _states(user, filters).order_by().aggregate(**aggregates)
    total = counted["clients"]
    rows = []
    for element in ELEMENTS:
        counts = {state: counted[f"{element.key}_{state}"] for state, _l, _c in CHART_STATES}
        row = Row(element, total, counts)
        x = 0.0
        for state, label, colour in CHART_STATES:
            width = 100 * counts[state] / total if total else 0.0
            if width:
                row.segments.append(Segment(label, colour, counts[state], round(x, 3), round(width, 3)))
            x += width
        rows.append(row)
    rows.sort(key=lambda r: (-r.not_complete, ELEMENTS.index(r.element)))
    return Summary(clients=total, records_to_fix=counted["to_fix"], rows=rows)


@dataclass
class RecordToFix:
    id: object
    reference: str
    problems: list  # (element label, state label)


def records_to_fix(user, filters: Filters, *, limit, offset=0) -> list[RecordToFix]:
    """The counted clients with any element not complete, by reference code:
    the id and reference only (nothing encrypted is loaded)."""
    keys = [f"{e.key}_state" for e in ELEMENTS]
    found = (
        _states(user, filters)
        .filter(_any_issue())
        .order_by("reference")
        .values("id", "reference", *keys)[offset : offset + limit]
    )
    return [
        RecordToFix(
            row["id"],
            row["reference"],
            [(e.label, STATE_LABELS[row[f"{e.key}_state"]]) for e in ELEMENTS if row[f"{e.key}_state"] != COMPLETE],
        )
        for row in found
    ]
