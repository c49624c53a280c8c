"""HMIS CSV zips for tests: built to import, and read back after an export."""

import csv
import datetime
import io
import zipfile

from clients.hmis_csv import schema
from tests.canaries import CANARY_DOB, CANARY_FIRST, CANARY_LAST, CANARY_SSN

STAMP = "2025-01-02 03:04:05"
PERSONAL_ID = "1" * 32


def _line(file_schema, values):
    full = dict.fromkeys(file_schema.header, "")
    full.update({"DateCreated": STAMP, "DateUpdated": STAMP, "UserID": "u1", "ExportID": "e1"})
    full.update(values)
    return [full[name] for name in file_schema.header]


def client_row(**overrides):
    values = {
        "PersonalID": PERSONAL_ID,
        "FirstName": CANARY_FIRST,
        "LastName": CANARY_LAST,
        "NameDataQuality": "1",
        "SSN": CANARY_SSN,
        "SSNDataQuality": "1",
        "DOB": CANARY_DOB.isoformat(),
        "DOBDataQuality": "1",
        "Sex": "1",
        **dict.fromkeys(schema.RACE_COLUMNS, "0"),
        "VeteranStatus": "0",
    }
    values["Asian"] = "1"
    values.update(overrides)
    return values


def build_zip(clients=None, enrollments=None, exits=(), income=(), health=(), skip=()):
    today = datetime.date.today()
    entry = (today - datetime.timedelta(days=10)).isoformat()
    if clients is None:
        clients = [client_row()]
    if enrollments is None:
        enrollments = [
            {
                "EnrollmentID": "2" * 32,
                "PersonalID": PERSONAL_ID,
                "ProjectID": "3" * 32,
                "EntryDate": entry,
                "HouseholdID": "h1",
                "RelationshipToHoH": "1",
                "LivingSituation": "116",
                "LengthOfStay": "4",
                "DisablingCondition": "0",
            }
        ]
    files = {
        schema.EXPORT: [
            {
                "ExportID": "e1",
                "SourceType": "1",
                "ExportDate": STAMP,
                "ExportStartDate": "2025-01-01",
                "ExportEndDate": today.isoformat(),
                "SoftwareName": "Other HMIS",
                "ExportPeriodType": "3",
                "ExportDirective": "2",
                "HashStatus": "1",
                "ImplementationID": "x",
            }
        ],
        schema.ORGANIZATION: [{"OrganizationID": "o1", "OrganizationName": "Old Org", "VictimServiceProvider": "0"}],
        schema.PROJECT: [
            {
                "ProjectID": "3" * 32,
                "OrganizationID": "o1",
                "ProjectName": "Imported Shelter",
                "OperatingStartDate": "2020-01-01",
                "ContinuumProject": "1",
                "ProjectType": "0",
            }
        ],
        schema.CLIENT: clients,
        schema.ENROLLMENT: enrollments,
        schema.EXIT: list(exits),
        schema.INCOME_BENEFITS: list(income),
        schema.HEALTH_AND_DV: list(health),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for file_schema, rows in files.items():
            if file_schema.name in skip:
                continue
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(file_schema.header)
            for row in rows:
                writer.writerow(_line(file_schema, row))
            zf.writestr(file_schema.name, text.getvalue())
    return out.getvalue()


def read_zip(data: bytes) -> dict[str, list[dict]]:
    files = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8")
            files[name] = list(csv.DictReader(io.StringIO(text)))
    return files


def export_bytes(export) -> bytes:
    from clients.hmis_csv import actions

    out = io.BytesIO()
    actions.run_export(export=export, out=out)
    return out.getvalue()


def zip_text(data: bytes) -> str:
    """Every file of the zip, decompressed, in one string (to look for a value anywhere)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(zf.read(name).decode("utf-8") for name in zf.namelist())


def headers(data: bytes) -> dict[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: next(csv.reader(io.StringIO(zf.read(name).decode("utf-8")))) for name in zf.namelist()}
