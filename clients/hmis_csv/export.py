"""Write one agency's records as an HMIS CSV zip (``write_export``).

Steps:
1. One repeatable-read snapshot, so every file describes the same moment.
2. Select the agency's own projects, and the enrollments active in the period
   (entry on or before its end, no exit or an exit on or after its start) of
   the agency's own clients in those projects. Shared-in clients are never
   read: both the client and the project must belong to the agency.
3. Stream each file row by row into the zip (rows are never all in memory);
   every row passes the file's schema as it is written.
4. Without PII (the default) names and SSN are left empty, HashStatus is 1,
   the birth date is reduced to the 1st of January of the birth year, and
   the data-quality codes stay as recorded. With PII, anonymous and
   confidential records and a victim service provider's records still carry
   none.
"""

import datetime
import uuid
import zipfile

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery, TextField
from django.utils import timezone

from clients.hmis_csv import schema
from clients.models import Assessment, Client, Enrollment, Project
from hmis.blind_index import blind_index
from hmis.fernet_batch import Decryptor, stored_token
from hmis.models import AccessEvent, User

SOFTWARE_NAME = "HMIS case management"
SOURCE_TYPE_AGENCY = 2  # 1.9: an agency-specific database (no CoC code is kept here)
PERIOD_REPORTING = 3  # 1.1
DIRECTIVE_FULL_REFRESH = 2  # 1.2
HASH_UNHASHED = 1  # 1.5
STAGE_ENTRY, STAGE_UPDATE = 1, 2  # 5.03.1
FLUSH_EVERY = 1000
# Organization and project rows have no creator here; User.csv lists this one for them.
SYSTEM_USER_ID = "system"


class Cancelled(Exception):
    """The requester cancelled the job; nothing is kept."""


def hud_id(value: uuid.UUID | None) -> str | None:
    """UUIDs fit HUD's S32 identifiers as 32 hex digits."""
    return value.hex if value else None


def user_id(value: uuid.UUID | None) -> str:
    return value.hex if value else SYSTEM_USER_ID


def local_time(value: datetime.datetime, zone=None) -> datetime.datetime:
    """HUD's T values are local wall-clock times to the second."""
    return value.astimezone(zone or timezone.get_default_timezone()).replace(tzinfo=None, microsecond=0)


def implementation_id() -> str:
    """Stable per installation (derived from its index key) and revealing nothing."""
    return blind_index("hmis-csv-implementation", "v1", bits=128)


def watermark(export) -> str:
    who = export.requested_by.username if export.requested_by else "command line"
    approved = export.approved_by.username if export.approved_by else "-"
    kind = "PII" if export.with_pii else "de-identified"
    return (
        f"{kind} export {export.pk.hex} by {who} approved by {approved} at "
        f"{local_time(export.created_at):%Y-%m-%d %H:%M:%S}; reason: {(export.reason or '-').strip()}"
    )[:350]


def file_name(export) -> str:
    stamp = local_time(export.created_at).strftime("%Y%m%dT%H%M")
    name = f"hmis-csv-{export.agency.slug}-{export.pk.hex[:8]}-{stamp}"
    if export.with_pii:
        who = export.requested_by.username if export.requested_by else "cli"
        name += f"-PII-{who}"
    return name + ".zip"


class Progress:
    """Counts rows and reports them (every ``FLUSH_EVERY``) to ``callback(done, total)``,
    which may raise ``Cancelled``."""

    def __init__(self, total, callback=None):
        self.total, self.done, self.callback = total, 0, callback

    def add(self, rows):
        self.done += rows
        if self.callback:
            self.callback(self.done, self.total)


def _selection(agency, start, end):
    enrollments = Enrollment.objects.filter(
        project__agency=agency, client__owning_agency=agency, entry_date__lte=end
    ).filter(Q(exit_date__isnull=True) | Q(exit_date__gte=start))
    clients = Client.objects.filter(owning_agency=agency, pk__in=enrollments.values("client_id"))
    assessments = Assessment.objects.filter(enrollment__in=enrollments, assessment_date__lte=end)
    projects = Project.objects.filter(agency=agency)
    return projects, clients, enrollments, assessments


def _stream(zf, file_schema, rows, progress=None):
    """Write one file; ``progress`` counts its rows (the files sized in advance only)."""
    progress = progress or Progress(0)
    with zf.open(file_schema.name, "w", force_zip64=True) as raw:
        raw.write(file_schema.header_line().encode("utf-8"))
        buffer = []
        for row in rows:
            buffer.append(file_schema.format_row(row))
            if len(buffer) == FLUSH_EVERY:
                raw.write("".join(buffer).encode("utf-8"))
                progress.add(len(buffer))
                buffer.clear()
        raw.write("".join(buffer).encode("utf-8"))
        progress.add(len(buffer))


def _decrypted_int(decrypt, token):
    return None if token is None else int(decrypt(token))


def _meta(created, updated, creator, export_id, users):
    users.add(creator)
    return {
        "DateCreated": local_time(created),
        "DateUpdated": local_time(updated),
        "UserID": user_id(creator),
        "ExportID": export_id,
    }


def _export_row(export, export_id):
    user = export.requested_by
    return {
        "ExportID": export_id,
        "SourceType": SOURCE_TYPE_AGENCY,
        "SourceID": watermark(export),
        "SourceName": export.agency.name[:50],
        "SourceContactFirst": (user.first_name or None)[:50] if user and user.first_name else None,
        "SourceContactLast": (user.last_name or None)[:50] if user and user.last_name else None,
        "SourceContactEmail": (user.email or None) if user else None,
        "ExportDate": local_time(export.created_at),
        "ExportStartDate": export.start_date,
        "ExportEndDate": export.end_date,
        "SoftwareName": SOFTWARE_NAME,
        "CSVVersion": schema.CSV_VERSION,
        "ExportPeriodType": PERIOD_REPORTING,
        "ExportDirective": DIRECTIVE_FULL_REFRESH,
        "HashStatus": HASH_UNHASHED,
        "ImplementationID": implementation_id(),
    }


def _organization_rows(agency, export_id, users, first_user):
    yield {
        "OrganizationID": hud_id(agency.pk),
        "OrganizationName": agency.name,
        "VictimServiceProvider": int(agency.is_victim_service_provider),
        **_meta(agency.created_at, agency.created_at, first_user, export_id, users),
    }


def _project_rows(projects, export_id, users, creator):
    for project in projects.order_by("id").iterator(chunk_size=2000):
        yield {
            "ProjectID": hud_id(project.pk),
            "OrganizationID": hud_id(project.agency_id),
            "ProjectName": project.name,
            "OperatingStartDate": timezone.localdate(project.created_at),
            "ContinuumProject": 1,
            "ProjectType": project.project_type,
            # Required by the specification for these types; the product does not record them.
            "RRHSubType": 2 if project.project_type == 13 else None,
            "ResidentialAffiliation": 0 if project.project_type == 6 else None,
            **_meta(project.created_at, project.created_at, creator, export_id, users),
        }


def client_row(client, *, with_pii, agency_is_vsp):
    """The Client.csv values of one client (without metadata)."""
    race = set(client["race_ethnicity"] or [])
    missing = race & schema.MISSING
    row = {
        "PersonalID": hud_id(client["id"]),
        "NameDataQuality": client["name_data_quality"],
        "SSNDataQuality": client["ssn_data_quality"],
        "DOBDataQuality": client["dob_data_quality"],
        "Sex": client["sex"],
        **{column: int(code in race) for column, code in schema.RACE_COLUMNS.items()},
        "RaceNone": min(missing) if missing else None,
        "VeteranStatus": client["veteran_status"],
    }
    dob = client["dob"]
    identified = with_pii and not (agency_is_vsp or client["is_anonymous"] or client["confidential"])
    if identified:
        ssn = client["ssn"] or ""
        row.update(
            FirstName=client["first_name"],
            MiddleName=client["middle_name"],
            LastName=client["last_name"],
            NameSuffix=client["name_suffix"],
            # A partial SSN is its last four; HUD marks the missing digits with x.
            SSN=ssn.rjust(9, "x") if ssn else None,
            DOB=dob,
        )
    else:
        row["DOB"] = dob.replace(month=1, day=1) if dob else None
    return row


def _client_rows(clients, export_id, users, *, with_pii, agency_is_vsp):
    fields = [
        "id",
        "name_data_quality",
        "ssn_data_quality",
        "dob_data_quality",
        "race_ethnicity",
        "sex",
        "veteran_status",
        "is_anonymous",
        "confidential",
        "created_at",
        "updated_at",
        "created_by_id",
    ]
    encrypted = ["dob"]
    if with_pii and not agency_is_vsp:
        encrypted += ["first_name", "middle_name", "last_name", "name_suffix", "ssn"]
    tokens = {f"{name}_token": stored_token(name) for name in encrypted}
    decrypt = Decryptor()
    for client in clients.order_by("id").values(*fields, **tokens).iterator(chunk_size=2000):
        for name in encrypted:
            client[name] = decrypt(client.pop(f"{name}_token"))
        client["dob"] = datetime.date.fromisoformat(client["dob"]) if client["dob"] else None
        client.setdefault("ssn", None)
        yield {
            **client_row(client, with_pii=with_pii, agency_is_vsp=agency_is_vsp),
            **_meta(client["created_at"], client["updated_at"], client["created_by_id"], export_id, users),
        }


def _entry_assessment(field, output_field=None):
    first = Assessment.objects.filter(enrollment=OuterRef("pk")).order_by("assessment_date", "created_at", "id")
    return Subquery(first.values(field)[:1], output_field=output_field)


def _enrollment_rows(enrollments, export_id, users):
    rows = (
        enrollments.annotate(
            living_situation=_entry_assessment("prior_living_situation"),
            stay=_entry_assessment("length_of_stay"),
            disabling=_entry_assessment("disabling_condition", TextField()),
        )
        .order_by("id")
        .values(
            "id",
            "client_id",
            "project_id",
            "entry_date",
            "exit_date",
            "destination",
            "relationship_to_hoh",
            "created_at",
            "created_by_id",
            "living_situation",
            "stay",
            "disabling",
        )
    )
    decrypt = Decryptor()
    for e in rows.iterator(chunk_size=2000):
        meta = _meta(e["created_at"], e["created_at"], e["created_by_id"], export_id, users)
        yield {
            "EnrollmentID": hud_id(e["id"]),
            "PersonalID": hud_id(e["client_id"]),
            "ProjectID": hud_id(e["project_id"]),
            "EntryDate": e["entry_date"],
            # The product keeps no households: each enrollment is its own.
            "HouseholdID": hud_id(e["id"]),
            "RelationshipToHoH": e["relationship_to_hoh"],
            "LivingSituation": e["living_situation"],
            "LengthOfStay": e["stay"],
            # The subquery reads the stored token: decrypt it here.
            "DisablingCondition": 99 if e["disabling"] is None else int(decrypt(e["disabling"])),
            **meta,
        }


def _exit_rows(enrollments, export_id, users):
    exits = enrollments.filter(exit_date__isnull=False).order_by("id")
    for e in exits.values("id", "client_id", "exit_date", "destination", "created_at", "created_by_id").iterator(
        chunk_size=2000
    ):
        yield {
            "ExitID": hud_id(e["id"]),
            "EnrollmentID": hud_id(e["id"]),
            "PersonalID": hud_id(e["client_id"]),
            "ExitDate": e["exit_date"],
            "Destination": e["destination"],
            # The product keeps no separate time stamp for the exit.
            **_meta(e["created_at"], e["created_at"], e["created_by_id"], export_id, users),
        }


def _assessment_values(assessments, encrypted):
    rows = assessments.order_by("id").values(
        "id",
        "enrollment_id",
        "enrollment__client_id",
        "enrollment__entry_date",
        "assessment_date",
        "created_at",
        "created_by_id",
        **{f"{name}_token": stored_token(name) for name in encrypted},
    )
    decrypt = Decryptor()
    for row in rows.iterator(chunk_size=2000):
        for name in encrypted:
            row[name] = _decrypted_int(decrypt, row.pop(f"{name}_token"))
        yield row


def _assessment_common(a, export_id, users):
    return {
        "EnrollmentID": hud_id(a["enrollment_id"]),
        "PersonalID": hud_id(a["enrollment__client_id"]),
        "InformationDate": a["assessment_date"],
        "DataCollectionStage": STAGE_ENTRY if a["assessment_date"] == a["enrollment__entry_date"] else STAGE_UPDATE,
        **_meta(a["created_at"], a["created_at"], a["created_by_id"], export_id, users),
    }


def _income_rows(assessments, export_id, users):
    encrypted = ["income_from_any_source", "monthly_income", "non_cash_benefits", "health_insurance"]
    for a in _assessment_values(assessments, encrypted):
        yield {
            "IncomeBenefitsID": hud_id(a["id"]),
            "IncomeFromAnySource": a["income_from_any_source"],
            "TotalMonthlyIncome": a["monthly_income"],
            "BenefitsFromAnySource": a["non_cash_benefits"],
            "InsuranceFromAnySource": a["health_insurance"],
            **_assessment_common(a, export_id, users),
        }


def _health_rows(assessments, export_id, users):
    for a in _assessment_values(assessments, ["domestic_violence_survivor", "currently_fleeing"]):
        yield {
            "HealthAndDVID": hud_id(a["id"]),
            "DomesticViolenceSurvivor": a["domestic_violence_survivor"],
            "CurrentlyFleeing": a["currently_fleeing"],
            **_assessment_common(a, export_id, users),
        }


def _user_rows(user_ids, export_id, agency, *, with_pii):
    if None in user_ids:
        created = local_time(agency.created_at)
        yield {"UserID": SYSTEM_USER_ID, "DateCreated": created, "DateUpdated": created, "ExportID": export_id}
    for user in User.objects.filter(pk__in=[u for u in user_ids if u]).order_by("id").iterator(chunk_size=2000):
        row = {
            "UserID": user_id(user.pk),
            "DateCreated": local_time(user.date_joined),
            "DateUpdated": local_time(user.date_joined),
            "ExportID": export_id,
        }
        if with_pii:
            row.update(
                UserFirstName=user.first_name[:50] or None,
                UserLastName=user.last_name[:50] or None,
                UserEmail=user.email or None,
            )
        yield row


def _record_disclosures(export, clients) -> int:
    """Every exported client's access history shows the export: one INSERT ... SELECT,
    so a large export neither holds the ids in memory nor sends them back and forth."""
    actor = export.requested_by
    detail = f"HMIS CSV export {export.pk.hex[:8]}" + (" with PII" if export.with_pii else "")
    selection, params = clients.values("id").query.sql_with_params()
    table = AccessEvent._meta.db_table
    with connection.cursor() as cursor:
        # The selection is Django's own SQL for the export's queryset; values are parameters.
        cursor.execute(
            f"INSERT INTO {table} (at, actor_id, actor_agency_id, action, subject_type, subject_id, fields, "  # noqa: S608
            f"reason, detail) SELECT now(), %s, %s, %s, 'clients.client', chosen.id, %s, '', %s "
            f"FROM ({selection}) AS chosen",
            [
                actor.pk,
                actor.agency_id,
                AccessEvent.Action.EXPORT.value,
                ["identifying"] if export.with_pii else [],
                detail,
                *params,
            ],
        )
        return cursor.rowcount


def write_export(export, out, *, progress_callback=None) -> int:
    """Write ``export`` (an ``HmisExport``) as a zip to the file object ``out``.

    Returns the number of clients. The caller has checked who asked and who
    approved (``clients.hmis_csv.actions``). Access events name every client
    exported; they are written in the same transaction as the reading, so a
    failed export leaves none.
    """
    agency = export.agency
    export_id = hud_id(export.pk)
    with_pii = export.with_pii
    agency_is_vsp = agency.is_victim_service_provider
    top_level = not connection.in_atomic_block
    with transaction.atomic():
        if top_level:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        projects, clients, enrollments, assessments = _selection(agency, export.start_date, export.end_date)
        n_enrollments = enrollments.count()
        n_assessments = assessments.count()
        client_count = clients.count()
        total = projects.count() + client_count + n_enrollments + enrollments.filter(exit_date__isnull=False).count()
        total += 2 * n_assessments
        progress = Progress(total, progress_callback)
        users: set = set()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            _stream(zf, schema.EXPORT, [_export_row(export, export_id)])
            _stream(zf, schema.ORGANIZATION, _organization_rows(agency, export_id, users, None))
            _stream(zf, schema.PROJECT, _project_rows(projects, export_id, users, None), progress)
            _stream(
                zf,
                schema.CLIENT,
                _client_rows(clients, export_id, users, with_pii=with_pii, agency_is_vsp=agency_is_vsp),
                progress,
            )
            _stream(zf, schema.ENROLLMENT, _enrollment_rows(enrollments, export_id, users), progress)
            _stream(zf, schema.EXIT, _exit_rows(enrollments, export_id, users), progress)
            _stream(zf, schema.INCOME_BENEFITS, _income_rows(assessments, export_id, users), progress)
            _stream(zf, schema.HEALTH_AND_DV, _health_rows(assessments, export_id, users), progress)
            _stream(zf, schema.USER, _user_rows(users, export_id, agency, with_pii=with_pii))
        if export.requested_by is not None:
            _record_disclosures(export, clients)
    return client_count
