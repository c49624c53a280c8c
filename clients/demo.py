"""Demo projects and clients for harbor and eastside (called by ``seed_demo``).

Idempotent: a project is found by name, a client by its blind-index name key.
Made with the real actions, as the agency's intake worker. Invented people;
contact details use example.org and the 555-01xx range.
"""

import datetime

from clients import actions, matching
from clients.hud import ProjectType
from clients.models import Client, Project
from hmis.models import User

PROJECTS = {
    "harbor": [("Harbor Family Shelter", ProjectType.ES_ENTRY_EXIT), ("Harbor Rapid Re-Housing", ProjectType.PH_RRH)],
    "eastside": [
        ("Eastside Outreach", ProjectType.STREET_OUTREACH),
        ("Eastside Supportive Housing", ProjectType.PH_PSH),
    ],
}
CLIENTS = {
    "harbor": [
        ("Maria", "Delgado", datetime.date(1986, 4, 12), "412501234", [6], 0),
        ("James", "Whitfield", datetime.date(1971, 11, 3), "523617788", [3], 1),
        ("Aiyana", "Redcloud", datetime.date(1999, 2, 27), "", [1], 0),
    ],
    "eastside": [
        ("Tomas", "Novak", datetime.date(1964, 8, 30), "318224567", [5], 1),
        ("Lin", "Chen", datetime.date(1992, 6, 18), "629130042", [2], 0),
    ],
}


def seed(admin):
    for slug, people in CLIENTS.items():
        worker = User.objects.filter(username=f"{slug}-intake").first()
        if worker is None:
            continue
        for name, project_type in PROJECTS[slug]:
            Project.objects.get_or_create(agency=worker.agency, name=name, defaults={"project_type": project_type})
        project = Project.objects.filter(agency=worker.agency).order_by("name").first()
        for i, (first, last, dob, ssn, race, sex) in enumerate(people):
            key = matching.Pieces.of(first_name=first, last_name=last).keys()["name_bidx"]
            if Client.objects.filter(owning_agency=worker.agency, name_bidx=key).exists():
                continue
            client = actions.create_client(
                acting_user=worker,
                first_name=first,
                last_name=last,
                name_data_quality=1,
                ssn=ssn,
                ssn_data_quality=1 if ssn else 8,
                dob=dob,
                dob_data_quality=1,
                race_ethnicity=race,
                sex=sex,
                veteran_status=0,
                phone=f"555-01{50 + i:02d}",
                email=f"{first.lower()}.{last.lower()}@example.org",
            )
            enrollment = actions.enrol_client(
                acting_user=worker,
                client=client,
                project=project,
                entry_date=datetime.date.today() - datetime.timedelta(days=30 + 7 * i),
                relationship_to_hoh=1,
            )
            actions.record_assessment(
                acting_user=worker,
                enrollment=enrollment,
                assessment_date=enrollment.entry_date,
                prior_living_situation=116,
                length_of_stay=4,
                disabling_condition=0,
                income_from_any_source=0,
                non_cash_benefits=1,
                health_insurance=1,
                domestic_violence_survivor=9,
            )
