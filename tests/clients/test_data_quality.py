"""The data-quality page (supervisors and agency leads): per HUD universal
data element, how many of the agency's clients served in the range are
complete, "doesn't know", "prefers not to answer", missing or with a data
issue; a chart and a table; and the reference codes of the records to fix."""

import datetime
import re

import pytest
from django.urls import reverse

from clients import actions
from clients.models import Enrollment
from sharing import actions as sharing_actions
from tests.builders.clients import assessment_answers, make_client, make_enrollment, make_project
from tests.builders.sharing import care_release, housing_share
from tests.canaries import CANARY_EMAIL, CANARY_FIRST, CANARY_LAST, CANARY_PHONE, CANARY_SSN

pytestmark = pytest.mark.django_db
URL = reverse("clients:data-quality")
TODAY = datetime.date.today()
COLUMNS = ("complete", "doesnt_know", "prefers_not", "missing", "data_issue")


def table(response) -> dict:
    """{element: {column: count}} from the page's table (what a screen reader reads)."""
    html = response.content.decode()
    rows = {}
    for key, cells in re.findall(r'<tr data-element="(\w+)">(.*?)</tr>', html, re.S):
        counts = [int(c) for c in re.findall(r"<td>(\d+)</td>", cells)]
        rows[key] = dict(zip(COLUMNS, counts, strict=True))
    return rows


def served(response) -> int:
    return int(re.search(r'id="dq-served"><strong>(\d+)</strong>', response.content.decode()).group(1))


def references(response) -> list[str]:
    return re.findall(r'<a href="/clients/[0-9a-f-]+/(?:edit/)?">(C-\w+)</a>', response.content.decode())


def assess(user, enrollment):
    actions.record_assessment(acting_user=user, enrollment=enrollment, **assessment_answers())


@pytest.fixture
def population(intake):
    """Harbor clients crafted so each state of each element has a known count."""
    shelter = make_project(intake, "Harbor Shelter")
    outreach = make_project(intake, "Harbor Outreach")
    complete = make_client(intake)
    assess(intake, make_enrollment(intake, complete, project=shelter))
    # Doesn't know / prefers not / not collected everywhere, no assessment, relationship not collected.
    unknown = make_client(
        intake,
        first_name=None,
        last_name=None,
        name_data_quality=8,
        ssn=None,
        ssn_data_quality=9,
        dob=None,
        dob_data_quality=99,
        race_ethnicity=[8],
        sex=9,
        veteran_status=99,
    )
    actions.enrol_client(
        acting_user=intake,
        client=unknown,
        project=shelter,
        entry_date=TODAY - datetime.timedelta(days=10),
        relationship_to_hoh=99,
    )
    # Partial values (data issues) and a second, overlapping stay in the same project.
    partial = make_client(
        intake,
        first_name="Kestrel",
        last_name="Pallindrome",
        name_data_quality=2,
        ssn="3456",
        ssn_data_quality=2,
        dob_data_quality=2,
        race_ethnicity=[9],
        sex=8,
        veteran_status=8,
    )
    first = make_enrollment(intake, partial, project=outreach, entry_date=TODAY - datetime.timedelta(days=20))
    second = make_enrollment(intake, partial, project=outreach, entry_date=TODAY - datetime.timedelta(days=5))
    assess(intake, first)
    assess(intake, second)
    # Served long before the range: not counted, not listed.
    old = make_client(intake, ssn=None, ssn_data_quality=99)
    gone = make_enrollment(intake, old, project=shelter, entry_date=TODAY - datetime.timedelta(days=800))
    actions.exit_enrollment(
        acting_user=intake, enrollment=gone, exit_date=TODAY - datetime.timedelta(days=700), destination=410
    )
    return {"complete": complete, "unknown": unknown, "partial": partial, "old": old, "outreach": outreach}


def test_supervisor_sees_each_state_counted_for_clients_served_in_the_range(client_for, supervisor, population):
    response = client_for(supervisor).get(URL)
    assert response.status_code == 200
    assert served(response) == 3
    rows = table(response)
    assert rows["name"] == {"complete": 1, "doesnt_know": 1, "prefers_not": 0, "missing": 0, "data_issue": 1}
    assert rows["ssn"] == {"complete": 1, "doesnt_know": 0, "prefers_not": 1, "missing": 0, "data_issue": 1}
    assert rows["dob"] == {"complete": 1, "doesnt_know": 0, "prefers_not": 0, "missing": 1, "data_issue": 1}
    assert rows["race"] == {"complete": 1, "doesnt_know": 1, "prefers_not": 1, "missing": 0, "data_issue": 0}
    assert rows["sex"] == {"complete": 1, "doesnt_know": 1, "prefers_not": 1, "missing": 0, "data_issue": 0}
    assert rows["veteran"] == {"complete": 1, "doesnt_know": 1, "prefers_not": 0, "missing": 1, "data_issue": 0}
    assert rows["start"] == {"complete": 2, "doesnt_know": 0, "prefers_not": 0, "missing": 0, "data_issue": 1}
    assert rows["relationship"] == {"complete": 2, "doesnt_know": 0, "prefers_not": 0, "missing": 1, "data_issue": 0}
    assert rows["disabling"] == {"complete": 2, "doesnt_know": 0, "prefers_not": 0, "missing": 1, "data_issue": 0}


def test_worst_fields_come_first_in_chart_and_table(client_for, supervisor, population):
    html = client_for(supervisor).get(URL).content.decode()
    order = re.findall(r'<tr data-element="(\w+)">', html)
    # Two of three clients incomplete for the six client-level elements, one of three for the rest.
    assert set(order[:6]) == {"name", "ssn", "dob", "race", "sex", "veteran"}
    assert order == re.findall(r'<g class="dq-bar" data-element="(\w+)">', html)
    assert "Name: 67% not complete" in html
    assert "Project start date: 33% not complete" in html


def test_a_field_recorded_as_full_but_left_empty_counts_as_missing(client_for, supervisor, intake, population):
    # Data written around the form (an old import): quality "full", no SSN stored.
    type(population["complete"]).objects.filter(pk=population["complete"].pk).update(ssn=None)
    assert table(client_for(supervisor).get(URL))["ssn"]["missing"] == 1


def test_records_to_fix_list_reference_codes_linking_to_the_edit_form(client_for, supervisor, population):
    response = client_for(supervisor).get(URL)
    html = response.content.decode()
    expected = sorted([population["unknown"].reference, population["partial"].reference])
    assert references(response) == expected
    edit = reverse("clients:edit", args=[population["partial"].pk])
    assert f'<a href="{edit}">{population["partial"].reference}</a>' in html
    assert population["complete"].reference not in html
    assert population["old"].reference not in html
    assert "Name (data issue); SSN (data issue); Date of birth (data issue)" in html


def test_agency_lead_sees_the_counts_and_links_to_the_masked_record(client_for, agency_lead, population):
    response = client_for(agency_lead).get(URL)
    assert served(response) == 3
    detail = reverse("clients:detail", args=[population["unknown"].pk])
    assert f'<a href="{detail}">{population["unknown"].reference}</a>' in response.content.decode()
    assert "/edit/" not in response.content.decode()


def test_no_pii_on_the_page(client_for, supervisor, agency_lead, population):
    for user in (supervisor, agency_lead):
        html = client_for(user).get(URL).content.decode()
        for canary in (CANARY_FIRST, CANARY_LAST, CANARY_SSN, "3456", CANARY_PHONE, CANARY_EMAIL, "1983", "Kestrel"):
            assert canary not in html, canary


def test_another_agencys_clients_and_shared_in_clients_are_never_counted(
    client_for, intake, supervisor, other_intake, other_supervisor, eastside, population
):
    # Eastside's own client, incomplete, served now.
    theirs = make_client(other_intake, first_name="Other", last_name="Person", ssn=None, ssn_data_quality=99)
    make_enrollment(other_intake, theirs, project=make_project(other_intake, "Eastside Beds"))
    # A harbor client referred to eastside, accepted, even with a stay recorded in an eastside project.
    care_release(intake, supervisor, population["unknown"], eastside)
    share = housing_share(intake, population["unknown"], eastside)
    sharing_actions.accept_share(acting_user=other_intake, share=share)
    Enrollment.objects.create(
        client=population["unknown"],
        project=make_project(other_intake, "Eastside Beds"),
        entry_date=TODAY - datetime.timedelta(days=2),
        relationship_to_hoh=1,
        created_by=other_intake,
    )

    at_eastside = client_for(other_supervisor).get(URL)
    assert served(at_eastside) == 1
    assert references(at_eastside) == [theirs.reference]
    at_harbor = client_for(supervisor).get(URL)
    assert served(at_harbor) == 3
    assert theirs.reference not in at_harbor.content.decode()


def test_project_and_date_range_filter_the_clients_counted(client_for, supervisor, population):
    browser = client_for(supervisor)
    in_outreach = browser.get(
        URL, {"start": TODAY - datetime.timedelta(days=365), "end": TODAY, "project": population["outreach"].pk}
    )
    assert served(in_outreach) == 1
    assert references(in_outreach) == [population["partial"].reference]
    # The range of the old stay: only the client served then.
    then = browser.get(
        URL, {"start": TODAY - datetime.timedelta(days=760), "end": TODAY - datetime.timedelta(days=740)}
    )
    assert served(then) == 1
    assert table(then)["ssn"]["missing"] == 1
    assert references(then) == [population["old"].reference]
    # A stay that starts on the range's last day counts; one starting the day after does not.
    day = TODAY - datetime.timedelta(days=3)  # the complete client's entry date
    assert served(browser.get(URL, {"start": day, "end": day})) == 3
    edge = browser.get(URL, {"start": day - datetime.timedelta(days=1), "end": day - datetime.timedelta(days=1)})
    assert served(edge) == 2
    assert table(edge)["start"]["data_issue"] == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-02-30", "end": "2026-03-01"}, "From: Enter a valid date."),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "The range ends before it starts"),
        ({"start": "2026-01-01", "end": "2026-03-01", "project": "not-a-uuid"}, "Choose one of your agency"),
    ],
)
def test_bad_filters_get_a_clear_message_and_no_counts(client_for, supervisor, population, query, message):
    response = client_for(supervisor).get(URL, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="dq-served"' not in html


def test_another_agencys_project_is_not_a_choice(client_for, supervisor, other_intake, population):
    theirs = make_project(other_intake, "Eastside Beds")
    response = client_for(supervisor).get(URL, {"start": "2026-01-01", "end": "2026-03-01", "project": theirs.pk})
    assert "Choose one of your agency" in response.content.decode()
    assert "Eastside Beds" not in response.content.decode()


def test_records_to_fix_are_paged_keeping_the_filters(client_for, supervisor, intake, population, monkeypatch):
    from clients.views import data_quality as data_quality_views

    monkeypatch.setattr(data_quality_views, "PAGE_SIZE", 1)
    browser = client_for(supervisor)
    first = browser.get(URL)
    html = first.content.decode()
    assert len(references(first)) == 1
    next_link = re.search(r'<a href="\?([^"]+)">Next</a>', html).group(1).replace("&amp;", "&")
    assert f"start={(TODAY - datetime.timedelta(days=365)).isoformat()}" in next_link
    second = browser.get(f"{URL}?{next_link}")
    assert references(first) + references(second) == sorted(
        [population["unknown"].reference, population["partial"].reference]
    )
    assert "Next</a>" not in second.content.decode()


def test_supervisor_and_lead_reach_the_page_from_the_dashboard_and_the_menu(
    client_for, supervisor, agency_lead, intake
):
    nav_link = f'<a href="{URL}">Data quality</a>'
    for user in (supervisor, agency_lead):
        html = client_for(user).get(reverse("dashboard")).content.decode()
        assert 'id="data-quality-link"' in html
        assert nav_link in html
    html = client_for(intake).get(reverse("dashboard")).content.decode()
    assert URL not in html


def test_the_page_decrypts_nothing(client_for, supervisor, population):
    # A stored value that no key decrypts: reading it would fail the page.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE clients_client SET first_name = 'not-a-token', ssn = 'not-a-token', dob = 'not-a-token'")
    response = client_for(supervisor).get(URL)
    assert response.status_code == 200
    assert served(response) == 3
