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
import json
import uuid
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
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
class RecordToFix:
    id: uuid.UUID
    reference: str
    problems: list  # (element label, state label)


@dataclass
class Report:
    clients: int
    records_to_fix: int
    rows: list  # worst first
    records: list  # one page of RecordToFix, by reference code


STATE_COLUMNS = [f"{e.key}_state" for e in ELEMENTS]
# SQL built from module constants only: no input reaches its text.
_ANY_ISSUE = " OR ".join(f"s.{column} <> {COMPLETE}" for column in STATE_COLUMNS)
_COUNTS = ", ".join(
    f"COUNT(*) FILTER (WHERE s.{column} = {state})" for column in STATE_COLUMNS for state, _l, _c in CHART_STATES
)
_PAGE_ROW = ", ".join(["p.id", "p.reference", *(f"p.{column}" for column in STATE_COLUMNS)])
_REPORT_SQL = f"""
WITH s AS MATERIALIZED ({{states}}),
page AS (SELECT * FROM s WHERE {_ANY_ISSUE} ORDER BY s.reference LIMIT %s OFFSET %s)
SELECT COUNT(*), COUNT(*) FILTER (WHERE {_ANY_ISSUE}), {_COUNTS},
       (SELECT COALESCE(json_agg(json_build_array({_PAGE_ROW}) ORDER BY p.reference), '[]') FROM page p)
FROM s"""  # noqa: S608


def report_for(user, filters: Filters, *, limit, offset=0) -> Report:
    """The counts per element and state (rows worst first) and one page of
    the records to fix (any element not complete, by reference code; ids and
    references only, nothing encrypted is loaded), in one query.

    Each client's states are computed once, in a materialized CTE, and read
    by name: an ORM aggregate or filter over the annotations (or a plain
    subquery, which PostgreSQL inlines) would repeat every CASE and its
    subqueries for each use, about 50 times."""
    states = _states(user, filters).order_by().values("id", "reference", *STATE_COLUMNS)
    states_sql, states_params = states.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_REPORT_SQL.format(states=states_sql), [*states_params, limit, offset])
        counted = cursor.fetchone()
    total, to_fix, page = counted[0], counted[1], counted[-1]
    per_state = iter(counted[2:-1])
    rows = []
    for element in ELEMENTS:
        counts = {state: next(per_state) for state, _l, _c in CHART_STATES}
        row = Row(element, total, counts)
        x = 0.0
        for state, label, colour in CHART_STATES:
            width = 100 * counts[state] / total if total else 0.0
            if width:
                row.segments.append(Segment(label, colour, counts[state], round(x, 3), round(width, 3)))
            x += width
        rows.append(row)
    rows.sort(key=lambda r: (-r.not_complete, ELEMENTS.index(r.element)))
    if isinstance(page, str):  # json, unless the driver already parsed it
        page = json.loads(page)
    records = [
        RecordToFix(
            uuid.UUID(client_id),
            reference,
            [(e.label, STATE_LABELS[state]) for e, state in zip(ELEMENTS, states, strict=True) if state != COMPLETE],
        )
        for client_id, reference, *states in page
    ]
    return Report(clients=total, records_to_fix=to_fix, rows=rows, records=records)
