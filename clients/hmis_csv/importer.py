"""Read an HMIS CSV zip into one agency (``check_file`` then ``write_import``).

Steps:
1. Check every file and row against the schemas and the product's own rules
   (``clients.validation``), collecting a report of (file, row, column,
   problem) in plain words. A row whose parent has a problem (an enrollment
   of a refused client) is refused too. Nothing is written in this step.
2. Write, in one transaction, only when the file is clean or the user chose
   "valid rows only": projects, clients, enrollments (with their exits) and
   assessments (IncomeBenefits.csv and HealthAndDV.csv rows of the same
   enrollment, date and stage make one assessment) with COPY. Values are
   encrypted and the blind indexes computed in Python, as the intake form
   does.
3. Each client is matched through the blind indexes first: the same person
   at this agency links (no new record), a strong match goes to the
   duplicate-review list, otherwise a record is created. A row with no
   name, SSN or birth date becomes an anonymous record and is not matched.
4. A source identifier already imported into the agency is skipped, and a
   file (by its SHA-256) is imported once: a re-run imports nothing twice.
5. Every created record gets an audit-log entry and every client an access
   event, naming the import.
"""

import csv
import datetime
import gc
import hashlib
import io
import json
import os
import re
import uuid
import zipfile
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP
from functools import lru_cache
from types import SimpleNamespace

import billiard
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from clients import hud, matching
from clients.hmis_csv import schema
from clients.hmis_csv.models import ImportedRecord
from clients.models import Assessment, Client, Enrollment, Project, new_references
from clients.validation import validate_assessment, validate_client, validate_enrollment
from hmis.fernet_batch import Decryptor, encrypt_many
from hmis.models import AccessEvent, User

MAX_REPORTED = 1000
BATCH = 5000
# Blind indexes and encryption of a file this big run on worker processes (one per core, at most
# two), a batch each, while this process matches, writes and audits the batch before.
PARALLEL_MIN_ROWS = 2 * BATCH
WORKERS = 2
EXACT_MATCH = 0.999
LINK_MIN_PIECES = 3
_SSN = re.compile(r"^[0-9xX]{9}$")
_HEX_ID = re.compile(r"^[0-9a-fA-F]{32}$")

CLIENT_COLUMNS = {
    "first_name": "FirstName",
    "middle_name": "MiddleName",
    "last_name": "LastName",
    "name_suffix": "NameSuffix",
    "name_data_quality": "NameDataQuality",
    "ssn": "SSN",
    "ssn_data_quality": "SSNDataQuality",
    "dob": "DOB",
    "dob_data_quality": "DOBDataQuality",
    "birth_year": "DOB",
    "race_ethnicity": "RaceNone",
}
ENROLLMENT_COLUMNS = {"entry_date": "EntryDate", "exit_date": "ExitDate", "destination": "Destination"}
ASSESSMENT_COLUMNS = {
    "assessment_date": "InformationDate",
    "monthly_income": "TotalMonthlyIncome",
    "currently_fleeing": "CurrentlyFleeing",
}


class Cancelled(Exception):
    """The user cancelled the import; the transaction is rolled back."""


@dataclass
class Report:
    problems: list = field(default_factory=list)
    count: int = 0

    def add(self, file, row, column, problem):
        self.count += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append([file, row, column, problem])

    def lines(self):
        for file, row, column, problem in self.problems:
            where = f"{file} row {row}" if row else file
            yield f"{where}, {column}: {problem}" if column else f"{where}: {problem}"
        if self.count > len(self.problems):
            yield f"... and {self.count - len(self.problems)} more problems."


@dataclass
class Checked:
    """What the write step needs from a checked file (compact: no whole rows)."""

    sha256: str
    report: Report
    rows_total: int = 0
    projects: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    enrollments: dict = field(default_factory=dict)
    assessments: dict = field(default_factory=dict)
    skipped_deleted: int = 0

    @property
    def clean(self) -> bool:
        return self.report.count == 0

    @property
    def valid_rows(self) -> int:
        return len(self.projects) + len(self.clients) + len(self.enrollments) + len(self.assessments)


def _rows(zf, file_schema, report):
    """(row number, values) of each valid row; problems go to ``report``."""
    with zf.open(file_schema.name) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        header = next(reader, None)
        if header is None:
            report.add(file_schema.name, None, "", "is empty (it needs at least the header line)")
            return
        problems = file_schema.check_header(header)
        for problem in problems:
            report.add(file_schema.name, 1, "", problem)
        if problems:
            return
        cache = {}
        for number, cells in enumerate(reader, start=2):
            if not cells:
                continue
            values, row_problems = file_schema.parse_row(cells, cache)
            for column, problem in row_problems:
                report.add(file_schema.name, number, column, problem)
            if not row_problems:
                yield number, values


# The columns the checks read, per file parsed on a worker (it sends back only these).
_NEEDED = {
    "Client.csv": (
        "PersonalID",
        "FirstName",
        "MiddleName",
        "LastName",
        "NameSuffix",
        "NameDataQuality",
        "SSN",
        "SSNDataQuality",
        "DOB",
        "DOBDataQuality",
        "Sex",
        *schema.RACE_COLUMNS,
        "RaceNone",
        "VeteranStatus",
        "DateCreated",
        "DateUpdated",
        "UserID",
        "DateDeleted",
    ),
    "Enrollment.csv": (
        "EnrollmentID",
        "PersonalID",
        "ProjectID",
        "EntryDate",
        "RelationshipToHoH",
        "LivingSituation",
        "LengthOfStay",
        "DisablingCondition",
        "DateCreated",
        "UserID",
        "DateDeleted",
    ),
    "Exit.csv": ("EnrollmentID", "ExitDate", "Destination", "DateDeleted"),
    "IncomeBenefits.csv": (
        "IncomeBenefitsID",
        "EnrollmentID",
        "InformationDate",
        "DataCollectionStage",
        "IncomeFromAnySource",
        "TotalMonthlyIncome",
        "BenefitsFromAnySource",
        "InsuranceFromAnySource",
        "DateCreated",
        "UserID",
        "DateDeleted",
    ),
    "HealthAndDV.csv": (
        "HealthAndDVID",
        "EnrollmentID",
        "InformationDate",
        "DataCollectionStage",
        "DomesticViolenceSurvivor",
        "CurrentlyFleeing",
        "DateCreated",
        "UserID",
        "DateDeleted",
    ),
}


def _parse_file(task):
    """On a worker: check one file against its schema, as ``_rows`` does. Returns its
    problems (the first ``MAX_REPORTED``), how many there were, and the needed columns
    (``_NEEDED``) of each valid row."""
    data, name = task
    report = Report()
    needed = _NEEDED[name]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        rows = _rows(zf, schema.BY_NAME[name], report)
        kept = [(number, tuple(values[c] for c in needed)) for number, values in rows]
    return report.problems, report.count, kept


def _replay(result, name, report):
    """``_rows`` of a file parsed on a worker: the same rows, the problems added to
    ``report`` in the same order (each before the rows that follow it)."""
    problems, count, rows = result
    needed = _NEEDED[name]
    waiting = iter(problems)
    problem = next(waiting, None)
    for number, cells in rows:
        while problem is not None and (problem[1] or 0) < number:
            report.add(*problem)
            problem = next(waiting, None)
        yield number, dict(zip(needed, cells, strict=True))
    while problem is not None:
        report.add(*problem)
        problem = next(waiting, None)
    report.count += count - len(problems)  # the ones the worker counted but did not keep


def _model_problems(error, columns):
    for name, messages in error.message_dict.items():
        for message in messages:
            yield columns.get(name, name), message


def _blank(value):
    value = (value or "").strip()
    return value or None


def _client(values, agency):
    """The client (a plain namespace the product's validation accepts) of a Client.csv row."""
    race = [code for column, code in schema.RACE_COLUMNS.items() if values[column] == 1]
    if values["RaceNone"] is not None and not race:
        race = [values["RaceNone"]]
    ssn = values["SSN"]
    if ssn:
        ssn = ssn.lower().lstrip("x") if ssn.lower().startswith("x") else ssn
    names = [_blank(values[c]) for c in ("FirstName", "MiddleName", "LastName", "NameSuffix")]
    client = SimpleNamespace(
        first_name=names[0],
        middle_name=names[1],
        last_name=names[2],
        name_suffix=names[3],
        name_data_quality=values["NameDataQuality"],
        ssn=ssn or None,
        ssn_data_quality=values["SSNDataQuality"],
        dob=values["DOB"],
        dob_data_quality=values["DOBDataQuality"],
        birth_year=None,
        race_ethnicity=race,
        sex=hud.Sex.NOT_COLLECTED if values["Sex"] is None else values["Sex"],
        veteran_status=values["VeteranStatus"],
        phone=None,
        email=None,
        last_permanent_address=None,
        owning_agency_id=agency.pk,
        owning_agency=agency,
        created_at=values["DateCreated"],
        updated_at=values["DateUpdated"],
        user_source=values["UserID"],
    )
    # No identifying value at all: an anonymous record, as the intake form makes it.
    client.is_anonymous = agency.is_victim_service_provider or not (any(names) or client.ssn or client.dob)
    return client


@contextmanager
def _gc_paused():
    """The cyclic garbage collector paused for a bulk step: it would scan the millions
    of objects of a big file again and again (a third of the import's own time) for
    cycles such a step makes none of. Its worker processes, forked inside, inherit it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_file(source, agency) -> Checked:
    """Step 1: read and check everything; write nothing."""
    with _gc_paused():
        return _check_file(source, agency)


def _check_file(source, agency) -> Checked:
    digest = hashlib.sha256()
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    for chunk in iter(lambda: source.read(1 << 20), b""):
        digest.update(chunk)
    source.seek(0)
    report = Report()
    checked = Checked(sha256=digest.hexdigest(), report=report)
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        report.add("(the file)", None, "", "is not a zip file")
        return checked
    with zf:
        names = set(zf.namelist())
        for required in schema.REQUIRED:
            if required not in names:
                report.add(required, None, "", "is missing from the zip")
        if report.count:
            return checked
        # A big file's biggest files are checked on worker processes, each a file, while
        # this process links their rows (a Client.csv row is at least 80 bytes).
        estimated_rows = zf.getinfo("Client.csv").file_size // 80
        with _batch_mapper(estimated_rows) as mapper:
            if mapper.pool is None:
                parsed = {}
            else:
                source.seek(0)
                data = source.read()
                parsed = {
                    name: mapper.pool.apply_async(_parse_file, ((data, name),)) for name in _NEEDED if name in names
                }
            _check_rows(zf, names, agency, checked, parsed)
    return checked


def _deleted(values, checked) -> bool:
    if values.get("DateDeleted") is not None:
        checked.skipped_deleted += 1
        return True
    return False


def _check_rows(zf, names, agency, checked, parsed=None):
    report = checked.report
    parsed = parsed or {}

    def rows(file_schema):
        if file_schema.name in parsed:
            return _replay(parsed[file_schema.name].get(), file_schema.name, report)
        return _rows(zf, file_schema, report)

    today = timezone.localdate()
    day = datetime.date.today()  # the product's validation's "today", read once for the file
    for number, _values in rows(schema.EXPORT):
        if number > 2:
            report.add("Export.csv", number, "", "has more than one row (it must have exactly one)")
    for number, values in rows(schema.PROJECT):
        checked.rows_total += 1
        if _deleted(values, checked):
            continue
        if values["ProjectType"] is None:
            report.add("Project.csv", number, "ProjectType", "is empty; this system needs each project's type")
            continue
        checked.projects[values["ProjectID"]] = SimpleNamespace(
            name=values["ProjectName"].strip(), project_type=values["ProjectType"], created_at=values["DateCreated"]
        )
    for number, values in rows(schema.CLIENT):
        checked.rows_total += 1
        if _deleted(values, checked):
            continue
        if values["SSN"] and not _SSN.match(values["SSN"]):
            report.add("Client.csv", number, "SSN", "should be nine digits, with x for each missing digit")
            continue
        client = _client(values, agency)
        try:
            validate_client(client, today=day)
        except ValidationError as error:
            for column, problem in _model_problems(error, CLIENT_COLUMNS):
                report.add("Client.csv", number, column, problem)
            continue
        checked.clients[values["PersonalID"]] = client
    for number, values in rows(schema.ENROLLMENT):
        checked.rows_total += 1
        if _deleted(values, checked):
            continue
        client = checked.clients.get(values["PersonalID"])
        if client is None:
            report.add("Enrollment.csv", number, "PersonalID", "names no valid client of Client.csv")
            continue
        if values["ProjectID"] not in checked.projects:
            report.add("Enrollment.csv", number, "ProjectID", "names no valid project of Project.csv")
            continue
        enrollment = SimpleNamespace(
            client_source=values["PersonalID"],
            project_source=values["ProjectID"],
            entry_date=values["EntryDate"],
            exit_date=None,
            destination=None,
            relationship_to_hoh=values["RelationshipToHoH"],
            created_at=values["DateCreated"],
            user_source=values["UserID"],
            living_situation=values["LivingSituation"],
            length_of_stay=values["LengthOfStay"],
            disabling_condition=values["DisablingCondition"],
        )
        try:
            validate_enrollment(enrollment, client, today=day)
        except ValidationError as error:
            for column, problem in _model_problems(error, ENROLLMENT_COLUMNS):
                report.add("Enrollment.csv", number, column, problem)
            continue
        checked.enrollments[values["EnrollmentID"]] = enrollment
    if "Exit.csv" in names:
        for number, values in rows(schema.EXIT):
            checked.rows_total += 1
            if _deleted(values, checked):
                continue
            enrollment = checked.enrollments.get(values["EnrollmentID"])
            if enrollment is None:
                report.add("Exit.csv", number, "EnrollmentID", "names no valid enrollment of Enrollment.csv")
                continue
            exited = SimpleNamespace(**{**vars(enrollment), "exit_date": values["ExitDate"]})
            exited.destination = values["Destination"]
            try:
                validate_enrollment(exited, checked.clients[enrollment.client_source], today=day)
            except ValidationError as error:
                for column, problem in _model_problems(error, ENROLLMENT_COLUMNS):
                    report.add("Exit.csv", number, column, problem)
                continue
            enrollment.exit_date, enrollment.destination = exited.exit_date, exited.destination
    parts = defaultdict(dict)
    for file_schema in (schema.INCOME_BENEFITS, schema.HEALTH_AND_DV):
        if file_schema.name not in names:
            continue
        for number, values in rows(file_schema):
            checked.rows_total += 1
            if _deleted(values, checked):
                continue
            if values["EnrollmentID"] not in checked.enrollments:
                report.add(file_schema.name, number, "EnrollmentID", "names no valid enrollment of Enrollment.csv")
                continue
            key = (values["EnrollmentID"], values["InformationDate"], values["DataCollectionStage"])
            parts[key][file_schema.name] = (number, values)
    for (enrollment_source, date, _stage), files in parts.items():
        enrollment = checked.enrollments[enrollment_source]
        income = files.get("IncomeBenefits.csv", (None, {}))[1]
        health = files.get("HealthAndDV.csv", (None, {}))[1]
        first_file, (number, first) = next(iter(files.items()))
        amount = income.get("TotalMonthlyIncome")
        assessment = SimpleNamespace(
            source_id=first[schema.BY_NAME[first_file].key],
            enrollment_source=enrollment_source,
            assessment_date=date,
            prior_living_situation=_or_missing(enrollment.living_situation),
            length_of_stay=_or_missing(enrollment.length_of_stay),
            disabling_condition=enrollment.disabling_condition,
            income_from_any_source=_or_missing(income.get("IncomeFromAnySource")),
            monthly_income=None if amount is None else int(amount.quantize(1, ROUND_HALF_UP)),
            non_cash_benefits=_or_missing(income.get("BenefitsFromAnySource")),
            health_insurance=_or_missing(income.get("InsuranceFromAnySource")),
            domestic_violence_survivor=_or_missing(health.get("DomesticViolenceSurvivor")),
            currently_fleeing=health.get("CurrentlyFleeing"),
            created_at=first["DateCreated"],
            user_source=first["UserID"],
        )
        if date > today:
            report.add(first_file, number, "InformationDate", "is in the future")
            continue
        try:
            validate_assessment(assessment, enrollment, today=day)
        except ValidationError as error:
            for column, problem in _model_problems(error, ASSESSMENT_COLUMNS):
                report.add(first_file, number, column, problem)
            continue
        checked.assessments[assessment.source_id] = assessment


def _or_missing(value):
    return hud.NoYes.NOT_COLLECTED if value is None else value


# --- Step 2: write ---------------------------------------------------------------------------


def _aware(value):
    return _aware_in(value, timezone.get_default_timezone()) if timezone.is_naive(value) else value


@lru_cache(maxsize=1 << 14)
def _aware_in(value, zone):
    # DateCreated and DateUpdated recur across a file's rows: each one converted once.
    return timezone.make_aware(value, zone)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_cell(value) -> str:
    """One value in COPY's text format (faster than psycopg's per-row adaptation)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        # Most cells (tokens, keys, identifiers) need no escape: four memchr scans beat translate.
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    return str(value)


def _pg_array(values) -> str | None:
    """An integer array in COPY's text format (None stays NULL)."""
    return None if values is None else "{" + ",".join(map(str, values)) + "}"


def _copy_line(row) -> str:
    return "\t".join(map(_copy_cell, row))


def _copy(cursor, table, columns, rows):
    _copy_lines(cursor, table, columns, map(_copy_line, rows))


COPY_LINES = 1000


def _copy_lines(cursor, table, columns, lines):
    """COPY lines already in COPY's text format (``_copy_line``), ``COPY_LINES`` per write:
    PostgreSQL takes each write while the next lines are made."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = []
        for line in lines:
            buffer.append(line)
            if len(buffer) == COPY_LINES:
                copy.write("\n".join(buffer) + "\n")
                buffer.clear()
        if buffer:
            copy.write("\n".join(buffer) + "\n")


def _text_array(values) -> str:
    """A text array literal, every element quoted: one parameter instead of a list
    psycopg adapts element by element (most of a batch's matching time)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _hex_array(values) -> str:
    """An array literal of values that need no quoting (hexadecimal keys, UUIDs)."""
    return "{" + ",".join(values) + "}"


def _taken(cursor, table, ids) -> set:
    """The canonical text of each of ``ids`` (canonical UUID text) already used in ``table``."""
    found = set()
    ids = list(ids)
    for start in range(0, len(ids), 50000):
        cursor.execute(
            f"SELECT id::text FROM {table} WHERE id = ANY(%s::uuid[])",  # noqa: S608
            [_hex_array(ids[start : start + 50000])],
        )
        found.update(row[0] for row in cursor.fetchall())
    return found


def _canonical_uuid(hex32: str) -> str:
    """``str(uuid.UUID(hex32))`` for 32 hex digits, without making the object."""
    h = hex32.lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _local_ids(cursor, table, sources) -> dict:
    """Keep a source identifier as the new record's id when it is a free UUID (so a
    round trip keeps identifiers); otherwise a new one. Ids are UUID text (as COPY
    takes them)."""
    wanted = {s: _canonical_uuid(s) for s in sources if len(s) == 32 and _HEX_ID.match(s)}
    taken = _taken(cursor, table, wanted.values())
    return {s: (wanted[s] if s in wanted and wanted[s] not in taken else str(uuid.uuid4())) for s in sources}


def _already_imported(cursor, agency, kind, sources) -> dict:
    mapped = {}
    sources = list(sources)
    for start in range(0, len(sources), 50000):
        cursor.execute(
            f"SELECT source_id, local_id::text FROM {ImportedRecord._meta.db_table}"  # noqa: S608
            " WHERE agency_id = %s AND kind = %s AND source_id = ANY(%s::text[])",
            [agency.pk, kind, _text_array(sources[start : start + 50000])],
        )
        mapped.update(cursor.fetchall())
    return mapped


def _filled(pieces) -> int:
    """``Pieces.filled`` of a pieces tuple (``_pieces_tuple``)."""
    return sum(1 for value in pieces[:4] if value)


def _match_clients(cursor, agency, pending, made):
    """Blind-index search for a whole batch: {source id: (existing id, score, same agency,
    confidential)}, ids as text.

    One query per index column for all the batch's keys, then only the
    candidates are decrypted and ranked (``clients.matching.similarity``). The
    clients this import created (``made``, not written yet) are found through their
    keys and ranked on the pieces they were made from: what the probe and decrypting
    them would give.
    """
    by_column = [defaultdict(list) for _ in matching.INDEX_COLUMNS]
    for source_id, (_pieces, keys) in pending.items():
        for sources, value in zip(by_column, keys, strict=True):
            if value:
                sources[value].append(source_id)
    candidates = defaultdict(set)
    for column, sources in zip(matching.INDEX_COLUMNS, by_column, strict=True):
        if not sources:
            continue
        assert column in matching.KEYS
        cursor.execute(
            f"SELECT id::text, {column} FROM clients_client WHERE {column} = ANY(%s::text[])",  # noqa: S608
            [_hex_array(sources)],  # blind-index keys are hexadecimal
        )
        for client_id, value in cursor.fetchall():
            for source_id in sources[value]:
                candidates[source_id].add(client_id)
    for sources, created in zip(by_column, made.by_key, strict=True):
        for value in sources.keys() & created.keys():
            for source_id in sources[value]:
                candidates[source_id].update(created[value])
    if not candidates:
        return {}
    wanted = set().union(*candidates.values())
    loaded = {client_id: (matching.Pieces(*made[client_id]), True, False) for client_id in wanted & made.keys()}
    others = wanted - made.keys()
    if others:
        # Only the candidates are decrypted (one shared AES context, each token's HMAC checked).
        decrypt = Decryptor()
        cursor.execute(
            "SELECT id::text, owning_agency_id, confidential, first_name, last_name, dob, ssn"
            " FROM clients_client WHERE id = ANY(%s::uuid[])",
            [_hex_array(others)],
        )
        for client_id, owning_agency_id, confidential, first, last, dob, ssn in cursor.fetchall():
            names = {"first_name": decrypt(first), "last_name": decrypt(last)}
            found = matching.Pieces.of(**names, dob=decrypt(dob), ssn=decrypt(ssn))
            loaded[client_id] = (found, owning_agency_id == agency.pk, confidential)
    best = {}
    for source_id, client_ids in candidates.items():
        query = matching.Pieces(*pending[source_id][0])
        ranked = []
        for client_id in client_ids:
            found, same_agency, confidential = loaded[client_id]
            ranked.append((matching.similarity(query, found), same_agency, client_id, confidential))
        ranked.sort(key=lambda r: (-r[0], not r[1], r[2]))
        score, same_agency, client_id, confidential = ranked[0]
        if score >= matching.STRONG_MATCH:
            best[source_id] = (client_id, score, same_agency, confidential)
    return best


@dataclass
class Written:
    created: list = field(default_factory=list)  # (model label, id, repr)
    clients_created: int = 0
    clients_linked: int = 0
    possible_duplicates: int = 0
    skipped: int = 0
    touched_clients: dict = field(default_factory=dict)  # id -> "create" | "edit"
    mappings: list = field(default_factory=list)  # (kind, source id, local id)
    creators: dict = field(default_factory=dict)

    def creator(self, source_user_id):
        return self.creators.get(source_user_id, self.creators[None])


def _creators(agency, acting_user) -> dict:
    """A UserID naming an active user of the agency here (a file this installation
    exported) keeps that user as the creator; any other is the importing user.
    No account is ever created from User.csv."""
    creators = {
        user_id.hex: user_id
        for user_id in User.objects.filter(agency=agency, is_active=True).values_list("id", flat=True)
    }
    creators[None] = acting_user.pk
    return creators


def write_import(checked, hmis_import, *, acting_user, progress=None):
    """Step 2. Call inside one transaction (``actions.run_import``)."""
    with _gc_paused():
        return _write_import(checked, hmis_import, acting_user=acting_user, progress=progress)


def _write_import(checked, hmis_import, *, acting_user, progress=None):
    agency = hmis_import.agency
    written = Written(creators=_creators(agency, acting_user))
    now = timezone.now()
    with _batch_mapper(len(checked.clients) + len(checked.assessments)) as mapper, connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor, for COPY
        project_ids = _write_projects(cursor, checked, agency, written)
        _tick(progress, len(checked.projects))
        client_ids = _write_clients(cursor, checked, agency, acting_user, written, now, progress, mapper)
        enrollment_ids = _write_enrollments(cursor, checked, agency, acting_user, written, client_ids, project_ids)
        _tick(progress, len(checked.enrollments))
        _write_assessments(cursor, checked, agency, acting_user, written, enrollment_ids, mapper)
        _tick(progress, len(checked.assessments))
        _write_audit(cursor, hmis_import, acting_user, written, now)
    return written


class _batch_mapper:
    """``map`` over batches: on worker processes for a big file, here otherwise.

    Workers are forked (they inherit the settings and keys, and never touch the
    database connection: they only compute), results come back in order, and the
    pool is ended with the step, whatever happens. The pool is billiard's (Celery's
    fork of multiprocessing): unlike the standard library's, it also starts from a
    Celery prefork worker's process, which is daemonic.
    """

    def __init__(self, rows):
        self.pool = None
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        workers = min(WORKERS, cores)
        if rows >= PARALLEL_MIN_ROWS and workers > 1:
            self.pool = billiard.get_context("fork").Pool(workers)

    def __enter__(self):
        return self

    def __call__(self, function, batches):
        return self.pool.imap(function, batches) if self.pool else map(function, batches)

    def __exit__(self, *exc):
        if self.pool:
            self.pool.terminate()
            self.pool.join()


def _tick(progress, rows):
    if progress:
        progress(rows)


def _write_projects(cursor, checked, agency, written):
    mapped = _already_imported(cursor, agency, "project", checked.projects)
    written.skipped += len(mapped)
    by_name = dict(Project.objects.filter(agency=agency).values_list("name", "id"))
    new = {}
    for source_id, project in checked.projects.items():
        if source_id in mapped:
            continue
        if project.name in by_name:
            # The agency already runs a project of that name: the file's enrollments go to it.
            mapped[source_id] = by_name[project.name]
            written.mappings.append(("project", source_id, by_name[project.name]))
            continue
        new[source_id] = project
        by_name[project.name] = None  # two rows of one name: the first creates it
    ids = _local_ids(cursor, Project._meta.db_table, new)
    rows = []
    for source_id, project in new.items():
        pk = ids[source_id]
        by_name[project.name] = pk
        mapped[source_id] = pk
        rows.append((pk, agency.pk, project.name, project.project_type, True, _aware(project.created_at)))
        written.created.append(("clients.project", pk, project.name))
        written.mappings.append(("project", source_id, pk))
    for source_id, project in checked.projects.items():
        mapped.setdefault(source_id, by_name[project.name])
    _copy(cursor, "clients_project", ["id", "agency_id", "name", "project_type", "is_active", "created_at"], rows)
    return mapped


ENCRYPTED_CLIENT_FIELDS = ("first_name", "middle_name", "last_name", "name_suffix", "ssn", "dob")
CLIENT_TABLE_COLUMNS = [
    "id",
    "reference",
    "owning_agency_id",
    "created_by_id",
    "created_at",
    "updated_at",
    "name_data_quality",
    "ssn_data_quality",
    "dob_data_quality",
    "race_ethnicity",
    "sex",
    "veteran_status",
    "confidential",
    "is_anonymous",
    # The rest of a line is made on a worker (``_prepare_clients``).
    *ENCRYPTED_CLIENT_FIELDS,
    *matching.INDEX_COLUMNS,
    matching.NEIGHBOUR_COLUMN,
]


def _client_plain(client) -> tuple:
    """What a worker needs of a client: the values to encrypt and index, nothing else."""
    return (
        client.is_anonymous,
        *(None if getattr(client, name) is None else str(getattr(client, name)) for name in ENCRYPTED_CLIENT_FIELDS),
    )


def _prepare_clients(batch):
    """For each client of a batch (``_client_plain``), as at intake: its matching pieces
    (``Pieces`` as a tuple; None when anonymous), its
    blind-index keys (in ``INDEX_COLUMNS`` order) and the end of its COPY line: six
    Fernet tokens, the keys and the name-neighbour keys. Runs on a worker: what it
    sends back is small to pickle."""
    out = []
    tokens = encrypt_many([value for plain in batch for value in plain[1:]])
    width = len(ENCRYPTED_CLIENT_FIELDS)
    no_keys = (None,) * len(matching.INDEX_COLUMNS)
    for n, (anonymous, first, _middle, last, _suffix, ssn, dob) in enumerate(batch):
        if anonymous:
            pieces, keys = None, no_keys
        else:
            found = matching.Pieces.of(first_name=first, last_name=last, dob=dob, ssn=ssn)
            keys = tuple(found.keys().values())
            pieces = _pieces_tuple(found)
        neighbours = _pg_array(matching.stored_neighbour_keys(first, last))
        out.append((pieces, keys, _copy_line((*tokens[n * width : n * width + width], *keys, neighbours))))
    return out


def _pieces_tuple(pieces) -> tuple:
    return (pieces.first, pieces.last, pieces.dob, pieces.ssn4, pieces.first_parts, pieces.last_parts)


def _write_clients(cursor, checked, agency, acting_user, written, now, progress, mapper):
    mapped = _already_imported(cursor, agency, "client", checked.clients)
    written.skipped += len(mapped)
    todo = [s for s in checked.clients if s not in mapped]
    ids = _local_ids(cursor, Client._meta.db_table, todo)
    batches = [todo[start : start + BATCH] for start in range(0, len(todo), BATCH)]
    prepared = mapper(_prepare_clients, ([_client_plain(checked.clients[s]) for s in batch] for batch in batches))
    agency_pk = str(agency.pk)
    # Every client is matched before any is written, so the index probes meet only the
    # records that were there before; the records this import creates are matched here,
    # on the keys and pieces they are made from (what the probes and the decryption
    # would have given), batch after batch as before.
    made = Made()
    lines, duplicates = [], []
    for batch, results in zip(batches, prepared, strict=True):
        pending = {s: (checked.clients[s], *result) for s, result in zip(batch, results, strict=True)}
        # As at intake: fewer than two pieces (a name alone) is not enough to match on.
        matchable = {s: p[1:3] for s, p in pending.items() if p[1] is not None and _filled(p[1]) >= 2}
        matches = _match_clients(cursor, agency, matchable, made)
        references = new_references(len(batch))
        lines.extend(_client_lines(pending, matches, references, ids, mapped, written, duplicates, agency_pk, made))
        _tick(progress, len(batch))
    _copy_lines(cursor, "clients_client", CLIENT_TABLE_COLUMNS, lines)
    del lines
    _copy(
        cursor,
        "clients_possibleduplicate",
        ["id", "new_client_id", "existing_client_id", "score", "found_by_id", "found_at", "status"],
        ((uuid.uuid4(), new, old, score, acting_user.pk, now, "open") for new, old, score in duplicates),
    )
    written.possible_duplicates += len(duplicates)
    return mapped


class Made(dict):
    """The clients this import has created so far: id -> pieces tuple, and for each
    index column, key -> ids (the blind-index probe of the rows not yet written)."""

    def __init__(self):
        super().__init__()
        self.by_key = [defaultdict(list) for _ in matching.INDEX_COLUMNS]

    def add(self, pk, pieces, keys):
        self[pk] = pieces
        for index, value in zip(self.by_key, keys, strict=True):
            if value:
                index[value].append(pk)


def _client_lines(pending, matches, references, ids, mapped, written, duplicates, agency_pk, made):
    """The COPY line of each client of a batch to create; a client matched beyond doubt
    is linked instead."""
    for n, (source_id, (client, pieces, keys, tail)) in enumerate(pending.items()):
        match = matches.get(source_id) if pieces is not None else None
        # Linking needs the same person beyond doubt: every piece given agrees, and three at least.
        if match and match[2] and match[1] >= EXACT_MATCH and _filled(pieces) >= LINK_MIN_PIECES:
            mapped[source_id] = match[0]  # the same person at this agency: link
            written.clients_linked += 1
            written.touched_clients[match[0]] = "edit"
            written.mappings.append(("client", source_id, match[0]))
            continue
        pk = ids[source_id]
        mapped[source_id] = pk
        if match and not match[3]:
            duplicates.append((pk, match[0], round(match[1], 3)))
        reference = references[n]
        if pieces is not None:
            made.add(pk, pieces, keys)
        written.created.append(("clients.client", pk, f"Client {reference}"))
        written.touched_clients[pk] = "create"
        written.mappings.append(("client", source_id, pk))
        written.clients_created += 1
        head = _copy_line(
            (
                pk,
                reference,
                agency_pk,
                written.creator(client.user_source),
                _aware(client.created_at),
                _aware(client.updated_at),
                client.name_data_quality,
                client.ssn_data_quality,
                client.dob_data_quality,
                _pg_array(client.race_ethnicity),
                client.sex,
                client.veteran_status,
                False,
                client.is_anonymous,
            )
        )
        yield f"{head}\t{tail}"


def _write_enrollments(cursor, checked, agency, acting_user, written, client_ids, project_ids):
    mapped = _already_imported(cursor, agency, "enrollment", checked.enrollments)
    written.skipped += len(mapped)
    todo = [s for s in checked.enrollments if s not in mapped]
    ids = _local_ids(cursor, Enrollment._meta.db_table, todo)
    rows = []
    for source_id in todo:
        e = checked.enrollments[source_id]
        pk = ids[source_id]
        mapped[source_id] = pk
        rows.append(
            (
                pk,
                client_ids[e.client_source],
                project_ids[e.project_source],
                e.entry_date,
                e.exit_date,
                e.destination,
                e.relationship_to_hoh,
                written.creator(e.user_source),
                _aware(e.created_at),
            )
        )
        written.created.append(("clients.enrollment", pk, f"Enrollment {pk}"))
        written.mappings.append(("enrollment", source_id, pk))
    _copy(
        cursor,
        "clients_enrollment",
        [
            "id",
            "client_id",
            "project_id",
            "entry_date",
            "exit_date",
            "destination",
            "relationship_to_hoh",
            "created_by_id",
            "created_at",
        ],
        rows,
    )
    return mapped


# HMIS CSV carries no free-text notes: every other sensitive answer is imported.
ENCRYPTED_ASSESSMENT_FIELDS = tuple(name for name in Assessment.SENSITIVE_ANSWERS if name != "notes")


def _assessment_tokens(batch):
    """The Fernet tokens of a batch of assessments' answers (one list per assessment). Runs on a worker."""
    width = len(ENCRYPTED_ASSESSMENT_FIELDS)
    tokens = encrypt_many([value for plain in batch for value in plain])
    return [tokens[n * width : n * width + width] for n in range(len(batch))]


def _write_assessments(cursor, checked, agency, acting_user, written, enrollment_ids, mapper):
    mapped = _already_imported(cursor, agency, "assessment", checked.assessments)
    written.skipped += len(mapped)
    todo = [s for s in checked.assessments if s not in mapped]
    ids = _local_ids(cursor, Assessment._meta.db_table, todo)
    batches = [todo[start : start + BATCH] for start in range(0, len(todo), BATCH)]

    def plain(source_id):
        a = checked.assessments[source_id]
        return [None if getattr(a, name) is None else str(getattr(a, name)) for name in ENCRYPTED_ASSESSMENT_FIELDS]

    encrypted = mapper(_assessment_tokens, ([plain(s) for s in batch] for batch in batches))
    for batch, tokens in zip(batches, encrypted, strict=True):
        lines = []
        for source_id, answers in zip(batch, tokens, strict=True):
            a = checked.assessments[source_id]
            pk = ids[source_id]
            lines.append(
                _copy_line(
                    (
                        pk,
                        enrollment_ids[a.enrollment_source],
                        a.assessment_date,
                        a.prior_living_situation,
                        a.length_of_stay,
                        *answers,
                        written.creator(a.user_source),
                        _aware(a.created_at),
                    )
                )
            )
            written.created.append(("clients.assessment", pk, f"Assessment {pk}"))
            written.mappings.append(("assessment", source_id, pk))
        _copy_lines(
            cursor,
            "clients_assessment",
            [
                "id",
                "enrollment_id",
                "assessment_date",
                "prior_living_situation",
                "length_of_stay",
                *ENCRYPTED_ASSESSMENT_FIELDS,
                "created_by_id",
                "created_at",
            ],
            lines,
        )


def _write_audit(cursor, hmis_import, acting_user, written, now):
    """Bulk audit: an audit-log entry per created record, an access event per client
    touched, and the source-id map (so the same records are never imported twice)."""
    content_types = {
        label: ContentType.objects.get_by_natural_key(*label.split(".")).pk
        for label in ("clients.project", "clients.client", "clients.enrollment", "clients.assessment")
    }
    extra = json.dumps({"hmis_import": str(hmis_import.pk)})
    changes = json.dumps({"imported": ["", f"HMIS CSV import {hmis_import.pk}"]})
    # The same values on every row are formatted once.
    audit_tail = _copy_line((0, "", changes, acting_user.pk, now, extra))
    _copy_lines(
        cursor,
        "auditlog_logentry",
        [
            "content_type_id",
            "object_pk",
            "object_repr",
            "action",
            "changes_text",
            "changes",
            "actor_id",
            "timestamp",
            "additional_data",
        ],
        (f"{content_types[label]}\t{pk}\t{_copy_cell(text)}\t{audit_tail}" for label, pk, text in written.created),
    )
    detail = f"HMIS CSV import {hmis_import.pk.hex[:8]}"
    event_head = _copy_line((now, acting_user.pk, acting_user.agency_id))
    event_tail = _copy_line(("{}", "", detail))
    _copy_lines(
        cursor,
        AccessEvent._meta.db_table,
        ["at", "actor_id", "actor_agency_id", "action", "subject_type", "subject_id", "fields", "reason", "detail"],
        (
            f"{event_head}\t{action}\tclients.client\t{pk}\t{event_tail}"
            for pk, action in written.touched_clients.items()
        ),
    )
    import_pk = hmis_import.pk
    _copy_lines(
        cursor,
        ImportedRecord._meta.db_table,
        ["agency_id", "kind", "source_id", "local_id", "hmis_import_id"],
        (
            f"{hmis_import.agency_id}\t{kind}\t{_copy_cell(source)}\t{local}\t{import_pk}"
            for kind, source, local in written.mappings
        ),
    )
