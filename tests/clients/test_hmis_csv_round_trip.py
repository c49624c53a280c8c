"""Export an agency, import the zip into the emptied agency, export again: the
two exports are identical apart from the export's own identity and dates."""

import datetime
import io
import itertools
import zipfile

from clients import actions as client_actions
from clients import demo, hud
from clients.hmis_csv import actions, schema
from clients.models import Client, PossibleDuplicate, Project
from tests.builders.clients import make_project
from tests.builders.hmis_csv import export_bytes, read_zip

TODAY = datetime.date.today()
START, END = TODAY - datetime.timedelta(days=3650), TODAY


def _values(choices):
    return sorted(schema._values(choices))


def _letters(i):
    return "".join(chr(65 + (i // 26**k) % 26) for k in range(3)).capitalize()


def every_list_value(intake):
    """Clients, enrollments, exits and assessments that between them use every value
    of every list the product stores."""
    projects = [make_project(intake, f"Project {t}", t) for t in _values(hud.ProjectType.choices)]
    dq = [1, 2, 8, 9, 99]
    race = [[code] for code in range(1, 8)] + [[1, 3, 6], [2, 5], [8], [9], [99]]
    lists = {
        "sex": _values(hud.Sex.choices),
        "veteran": _values(hud.NoYes.choices),
        "relationship": _values(hud.RelationshipToHoH.choices),
        "living": _values(hud.LIVING_SITUATION_CHOICES),
        "stay": _values(hud.LengthOfStay.choices),
        "destination": _values(hud.DESTINATION_CHOICES),
        "no_yes": _values(hud.NoYes.choices),
    }
    count = max(len(values) for values in [*lists.values(), race, projects]) + 2
    for i in range(count):
        pick = {name: values[i % len(values)] for name, values in lists.items()}
        name_dq, ssn_dq, dob_dq = dq[i % 5], dq[(i + 1) % 5], dq[(i + 2) % 5]
        anonymous = i % 11 == 10
        dob = datetime.date(1950 + i, 1 + i % 12, 1 + i % 28)
        client = client_actions.create_client(
            acting_user=intake,
            first_name=None if name_dq > 2 else "Ann" + _letters(i),
            last_name=None if name_dq > 2 else "Lee" + _letters(i * 7),
            middle_name="Q" if i % 3 == 0 and name_dq <= 2 else None,
            name_suffix="Jr" if i % 4 == 0 and name_dq <= 2 else None,
            name_data_quality=name_dq,
            ssn=None if ssn_dq > 2 else (f"21987{1000 + i}" if ssn_dq == 1 else f"{2000 + i}"),
            ssn_data_quality=ssn_dq,
            dob=None if dob_dq > 2 else dob,
            dob_data_quality=dob_dq,
            race_ethnicity=race[i % len(race)],
            sex=pick["sex"],
            veteran_status=pick["veteran"],
            is_anonymous=anonymous,
        )
        entry = TODAY - datetime.timedelta(days=400 - i)
        enrollment = client_actions.enrol_client(
            acting_user=intake,
            client=client,
            project=projects[i % len(projects)],
            entry_date=entry,
            relationship_to_hoh=pick["relationship"],
        )
        if i % 5 != 4:
            survivor = pick["no_yes"]
            client_actions.record_assessment(
                acting_user=intake,
                enrollment=enrollment,
                assessment_date=entry + datetime.timedelta(days=i % 2),
                prior_living_situation=pick["living"],
                length_of_stay=pick["stay"],
                disabling_condition=lists["no_yes"][(i + 1) % 5],
                income_from_any_source=lists["no_yes"][(i + 2) % 5],
                monthly_income=(100 * i) if lists["no_yes"][(i + 2) % 5] == 1 else None,
                non_cash_benefits=lists["no_yes"][(i + 3) % 5],
                health_insurance=lists["no_yes"][(i + 4) % 5],
                domestic_violence_survivor=survivor,
                currently_fleeing=lists["no_yes"][i % 5] if survivor == 1 else None,
            )
        if i % 3 != 0:
            client_actions.exit_enrollment(
                acting_user=intake,
                enrollment=enrollment,
                exit_date=entry + datetime.timedelta(days=30),
                destination=pick["destination"],
            )


def pii_export_bytes(supervisor, approver):
    export = actions.request_export(acting_user=supervisor, start_date=START, end_date=END, with_pii=True, reason="RT")
    return export_bytes(actions.approve_export(acting_user=approver, export=export))


def comparable(data: bytes) -> dict[str, str]:
    """Each file's text with the export's own identity and dates taken out."""
    files = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            lines = zf.read(name).decode("utf-8").splitlines()
            header = lines[0].split(",")
            if name == "Export.csv":
                files[name] = lines[0]
                continue
            files[name] = "\n".join([lines[0], *(line.rsplit(",", 1)[0] for line in lines[1:])])
            assert header[-1] == "ExportID"
    return files


def empty_agency(agency):
    PossibleDuplicate.objects.all().delete()
    Client.objects.filter(owning_agency=agency).delete()  # enrollments and assessments cascade
    Project.objects.filter(agency=agency).delete()


def round_trip(intake, supervisor, agency_lead):
    first = pii_export_bytes(supervisor, agency_lead)
    empty_agency(intake.agency)
    hmis_import, checked = actions.run_import(acting_user=agency_lead, agency=intake.agency, source=io.BytesIO(first))
    assert list(checked.report.lines()) == []
    second = pii_export_bytes(supervisor, agency_lead)
    return first, second, hmis_import


def test_round_trip_with_data_covering_every_list_value(intake, supervisor, agency_lead):
    every_list_value(intake)
    first, second, hmis_import = round_trip(intake, supervisor, agency_lead)
    assert hmis_import.clients_created == Client.objects.filter(owning_agency=intake.agency).count() > 20
    assert comparable(first) == comparable(second)
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        client_rows = zf.read("Client.csv").decode().splitlines()
        sexes = {line.split(",")[schema.CLIENT.header.index("Sex")] for line in client_rows[1:]}
    assert sexes == {"0", "1", "8", "9", "99"}
    # Only the export's identity, date and watermark differ.
    export_first, export_second = (read_zip(d)["Export.csv"][0] for d in (first, second))
    differing = {column for column in schema.EXPORT.header if export_first[column] != export_second[column]}
    assert differing <= {"ExportID", "ExportDate", "SourceID"}


def test_round_trip_with_the_demo_data(intake, supervisor, agency_lead):
    demo.seed(None)
    first, second, hmis_import = round_trip(intake, supervisor, agency_lead)
    assert hmis_import.clients_created == 3
    assert comparable(first) == comparable(second)


def test_every_list_value_is_covered_by_the_generated_data(intake):
    every_list_value(intake)
    used = set(itertools.chain.from_iterable(c.race_ethnicity for c in Client.objects.all()))
    assert used == set(_values(hud.RaceEthnicity.choices))
