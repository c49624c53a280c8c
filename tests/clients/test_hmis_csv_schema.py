"""The HMIS CSV schemas and their validator (used by the export and the import)."""

import datetime
from decimal import Decimal

import pytest

from clients.hmis_csv import schema


def client_cells(**overrides):
    values = dict.fromkeys(schema.CLIENT.header, "")
    values.update(
        PersonalID="a" * 32,
        NameDataQuality="99",
        SSNDataQuality="99",
        DOBDataQuality="99",
        Sex="0",
        **dict.fromkeys(schema.RACE_COLUMNS, "0"),
        VeteranStatus="0",
        DateCreated="2025-01-02 03:04:05",
        DateUpdated="2025-01-02 03:04:05",
        UserID="u1",
        ExportID="e1",
    )
    values["White"] = "1"
    values.update(overrides)
    return [values[name] for name in schema.CLIENT.header]


def test_fy2026_client_file_has_sex_and_no_gender_columns():
    header = schema.CLIENT.header
    assert "Sex" in header
    assert header.index("Sex") == header.index("DOBDataQuality") + 1
    for gone in ("Woman", "Man", "NonBinary", "CulturallySpecific", "Transgender", "Questioning", "GenderNone"):
        assert gone not in header


def test_every_file_ends_with_the_metadata_columns():
    for file_schema in schema.FILES:
        if file_schema is schema.EXPORT:
            continue
        assert file_schema.header[-1] == "ExportID"
        assert {"DateCreated", "DateUpdated", "DateDeleted"} <= set(file_schema.header)


def test_a_valid_row_parses_to_python_values():
    values, problems = schema.CLIENT.parse_row(client_cells(DOB="1986-04-12", DOBDataQuality="1"))
    assert problems == []
    assert values["DOB"] == datetime.date(1986, 4, 12)
    assert values["DateCreated"] == datetime.datetime(2025, 1, 2, 3, 4, 5)
    assert values["FirstName"] is None


def test_wrong_values_are_reported_by_column_in_plain_words():
    _, problems = schema.CLIENT.parse_row(
        client_cells(Sex="3", DOB="12/04/1986", NameDataQuality="", SSN="1234567890", VeteranStatus="yes")
    )
    by_column = dict(problems)
    assert by_column["Sex"] == "3 is not one of the allowed values (0, 1, 8, 9, 99)"
    assert by_column["DOB"].startswith("should be a date written yyyy-mm-dd")
    assert by_column["NameDataQuality"] == "is empty but is required"
    assert by_column["SSN"] == "is 10 characters long; at most 9 are allowed"
    assert by_column["VeteranStatus"].startswith("should be a whole number")


def test_impossible_dates_and_money_are_refused():
    assert schema.D("X").parse("2025-02-30")[1] == "2025-02-30 is not a real date"
    assert schema.M("Amount").parse("-5.00")[1] == "cannot be negative"
    assert schema.M("Amount").parse("640.5") == (Decimal("640.5"), None)


def test_a_row_with_the_wrong_number_of_cells_is_one_problem():
    _, problems = schema.CLIENT.parse_row(["x"] * 3)
    assert problems == [("", "has 3 cells; the header has 38")]


def test_header_problems_name_the_columns():
    header = schema.CLIENT.header
    assert schema.CLIENT.check_header(header) == []
    assert schema.CLIENT.check_header([*header[:-1], "Gender"]) == [
        "columns missing: ExportID",
        "columns not in the specification: Gender",
    ]
    swapped = [header[1], header[0], *header[2:]]
    assert schema.CLIENT.check_header(swapped) == ["columns are not in the order the specification gives"]


def test_formula_cells_are_neutralised_and_restored_on_read():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        cell = schema.S("FirstName", 50).format(start + "SUM(A1)")
        assert cell == "\"'" + start + 'SUM(A1)"'
    assert schema.unneutralise("'=SUM(A1)") == "=SUM(A1)"
    assert schema.unneutralise("'Brien") == "'Brien"  # an apostrophe of a real name stays


def test_numbers_and_dates_are_not_neutralised():
    assert schema.I("TotalMonthlyIncome").format(-5) == "-5"
    assert schema.M("Amount", positive=False).format(Decimal("-5")) == "-5.00"
    assert schema.D("DOB").format(datetime.date(1986, 4, 12)) == '"1986-04-12"'


def test_the_written_header_and_rows_read_back_identically():
    import csv
    import io

    header, cells = schema.CLIENT.header, client_cells(FirstName='Ann "Nan"', NameDataQuality="1")
    values, _ = schema.CLIENT.parse_row(cells)
    text = schema.CLIENT.header_line() + schema.CLIENT.format_row(values)
    header, cells = list(csv.reader(io.StringIO(text)))
    assert header == schema.CLIENT.header
    values, _ = schema.CLIENT.parse_row(cells)
    assert values["FirstName"] == 'Ann "Nan"'
    assert values["NameDataQuality"] == 1


def test_writing_refuses_a_row_that_breaks_the_schema_naming_the_column_only():
    values, _ = schema.CLIENT.parse_row(client_cells())
    for change, column in (
        ({"Sex": 5}, "Sex"),
        ({"SSN": "1234567890"}, "SSN"),
        ({"VeteranStatus": None}, "VeteranStatus"),
    ):
        with pytest.raises(schema.InvalidRow) as refused:
            schema.CLIENT.format_row({**values, **change})
        assert refused.value.column == column and "1234567890" not in str(refused.value)
