"""Query budgets (issue 11): each main page runs at most a fixed number of
queries, and the same number with one row as with several, so a page that
adds a query per row fails here."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import actions as client_actions
from incidents import actions as incident_actions
from incidents.models import Severity
from tests.builders.clients import make_client, make_enrollment
from tests.builders.incidents import report
from tests.builders.sharing import care_release, housing_share

pytestmark = pytest.mark.django_db

# The most queries each page may run (session, user with agency, roles and
# unread notice count, second-factor device, then the page's own). Raise one
# only with a reason.
BUDGETS = {
    "client page": 11,  # the corrections section: one query for open and decided requests
    "clients list": 4,
    "referral page": 8,
    "incident page": 16,  # triage, assessment, breach notices, actions and timeline sections
}
# Every dashboard lists the user's open corrective actions (one query); a
# triager's also lists incidents by what they wait for (incidents, actions,
# their owners and breach notices: four queries, whatever the count). A
# supervisor's lists open correction requests with their count (one query).
DASHBOARD_BUDGETS = {"intake": 5, "supervisor": 9, "security_officer": 10, "agency_lead": 7, "system_admin": 13}


def _rows(intake, supervisor, eastside, security_officer, k):
    """Client ``k`` with two enrollments, a live referral to eastside, an open
    and a refused correction request, and an incident with a corrective
    action: one more row on every page."""
    client = make_client(
        intake,
        first_name=f"Client{k}",
        last_name="Budget",
        ssn=f"2198{70100 + k:05d}",
        dob=datetime.date(1980, 1, 1 + k),
    )
    make_enrollment(intake, client)
    make_enrollment(intake, client, entry_date=datetime.date.today() - datetime.timedelta(days=40 + k))
    care_release(intake, supervisor, client, eastside)
    share = housing_share(intake, client, eastside)
    for field, value in (("middle_name", f"Mid{k}"), ("name_suffix", "Jr")):
        correction = client_actions.request_correction(
            acting_user=intake, client=client, field=field, requested_value=value, reason="Budget"
        )
    client_actions.refuse_correction(acting_user=supervisor, request=correction, reason="Budget")
    incident = report(intake)
    incident_actions.triage_incident(acting_user=security_officer, incident=incident, severity=Severity.LOW)
    incident_actions.add_corrective_action(
        acting_user=security_officer,
        incident=incident,
        what=f"Re-train staff ({k})",
        owner=security_officer,
        due_on=datetime.date.today() + datetime.timedelta(days=7),
    )
    return client, share, incident


def _queries(browser, url):
    browser.get(url)  # the first visit may do one-off work (a session write, a lazy setting)
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.fixture
def world(intake, supervisor, eastside, security_officer):
    return lambda k: _rows(intake, supervisor, eastside, security_officer, k)


def _pages(client, share, incident, personas):
    intake, other_intake, security_officer = personas
    return [
        ("client page", intake, reverse("clients:detail", args=[client.pk])),
        ("clients list", intake, reverse("clients:list")),
        ("referral page", other_intake, reverse("sharing:share-detail", args=[share.pk])),
        ("incident page", security_officer, reverse("incidents:detail", args=[incident.pk])),
    ]


def test_pages_stay_within_budget_with_one_row_or_many(
    world, client_for, intake, other_intake, security_officer, django_assert_max_num_queries
):
    personas = (intake, other_intake, security_officer)
    first = world(0)
    browsers = {user: client_for(user) for user in personas}
    with_one = {name: _queries(browsers[user], url) for name, user, url in _pages(*first, personas)}
    for k in range(1, 5):
        world(k)
    for name, user, url in _pages(*first, personas):
        with django_assert_max_num_queries(BUDGETS[name]):
            browsers[user].get(url)
        assert _queries(browsers[user], url) == with_one[name], f"{name}: a query per row"


@pytest.mark.parametrize("role", DASHBOARD_BUDGETS)
def test_dashboard_of_each_role_stays_within_budget(request, world, client_for, role, django_assert_max_num_queries):
    user = request.getfixturevalue(role)
    world(0)
    browser = client_for(user)
    with_one = _queries(browser, reverse("dashboard"))
    for k in range(1, 5):
        world(k)
    with django_assert_max_num_queries(DASHBOARD_BUDGETS[role]):
        browser.get(reverse("dashboard"))
    assert _queries(browser, reverse("dashboard")) == with_one, "a query per row"


# Session, user, device, then the page: the project choices, then the counts with the records to fix.
DATA_QUALITY_BUDGET = 5


def test_data_quality_page_stays_within_budget_with_one_client_or_many(
    world, client_for, supervisor, django_assert_max_num_queries
):
    world(0)
    browser = client_for(supervisor)
    url = reverse("clients:data-quality")
    with_one = _queries(browser, url)
    for k in range(1, 5):
        world(k)
    with django_assert_max_num_queries(DATA_QUALITY_BUDGET):
        browser.get(url)
    assert _queries(browser, url) == with_one, "a query per row"
