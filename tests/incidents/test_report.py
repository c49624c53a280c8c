"""Reporting an incident: the form, the reference, what the reporter sees, bad input."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents import actions
from incidents.models import Category, Incident, Notification, RecipientRole, Severity, Status, TimelineEntry
from tests.builders.incidents import FORM_TIME, report, report_form_data

pytestmark = pytest.mark.django_db


def test_intake_reports_an_incident_and_sees_its_reference_and_next_steps(client_for, intake, escalation_staff):
    client = client_for(intake)
    response = client.post(reverse("incidents:report"), report_form_data(), follow=True)
    incident = Incident.objects.get()
    year = timezone.localtime(incident.reported_at).year
    assert incident.reference == f"INC-{year}-00001"
    assert incident.reporter == intake
    assert incident.agency == intake.agency
    assert incident.status == Status.REPORTED
    assert incident.severity == Severity.HIGH  # the category's default until triage
    page = response.content.decode()
    assert incident.reference in page
    assert "What happens next" in page
    assert response.redirect_chain[-1][0] == reverse("incidents:detail", args=[incident.pk])


def test_report_page_warns_not_to_type_client_pii(client_for, intake):
    page = client_for(intake).get(reverse("incidents:report")).content.decode()
    assert "Never type client information here" in page
    assert "Do not type client names" in page


def test_references_are_sequential_per_year(intake):
    first, second, third = (report(intake) for _ in range(3))
    numbers = [int(i.reference.rsplit("-", 1)[1]) for i in (first, second, third)]
    assert numbers == [1, 2, 3]


def test_report_creates_one_escalation_row_per_recipient(intake, escalation_staff, settings):
    incident = report(intake)
    rows = {(n.role, n.address) for n in incident.notifications.all()}
    assert rows == {
        (RecipientRole.SECURITY_OFFICER, "harbor-security@example.org"),
        (RecipientRole.AGENCY_LEAD, "harbor-lead@example.org"),
        (RecipientRole.HMIS_LEAD, settings.HMIS_LEAD_EMAIL),
        (RecipientRole.VENDOR_SUPPORT, settings.HMIS_VENDOR_SUPPORT_EMAIL),
    }
    assert all(n.state == Notification.State.PENDING for n in incident.notifications.all())
    assert incident.timeline.filter(kind=TimelineEntry.Kind.REPORTED, actor=intake).exists()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"occurred_at": "2999-01-01T10:00"}, "occurred_at", "cannot be in the future"),
        ({"discovered_at": "2999-01-01T10:00"}, "discovered_at", "cannot be in the future"),
        (
            {"occurred_at": "2026-01-02T10:00", "discovered_at": "2026-01-01T10:00"},
            "discovered_at",
            "discovered before it happened",
        ),
        ({"category": "alien_abduction"}, "category", "Choose one of the listed categories"),
        ({"description": ""}, "description", "required"),
        ({"description": "Client SSN 123-45-6789 was read out"}, "description", "Social Security number"),
    ],
)
def test_bad_report_is_refused_with_a_clear_message_and_nothing_saved(client_for, intake, overrides, field, message):
    response = client_for(intake).post(reverse("incidents:report"), report_form_data(**overrides))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert not Incident.objects.exists()
    assert not Notification.objects.exists()


def test_action_refuses_bad_input_directly(intake):
    now = timezone.now()
    with pytest.raises(ValidationError) as caught:
        actions.report_incident(
            acting_user=intake,
            category="unknown",
            occurred_at=now,
            discovered_at=now,
            description="x",
        )
    assert "category" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.report_incident(
            acting_user=intake,
            category=Category.PHISHING,
            occurred_at=now,
            discovered_at=now - timedelta(days=1),
            description="x",
        )
    assert "discovered_at" in caught.value.message_dict
    with pytest.raises(ValidationError):
        actions.report_incident(
            acting_user=intake,
            category=Category.PHISHING,
            occurred_at=now + timedelta(days=1),
            discovered_at=now + timedelta(days=1),
            description="x",
        )
    assert not Incident.objects.exists()


def test_reporter_follows_status_but_not_the_security_officers_notes(client_for, intake, security_officer):
    incident = report(intake)
    actions.triage_incident(acting_user=security_officer, incident=incident, severity=Severity.CRITICAL)
    actions.move_incident(acting_user=security_officer, incident=incident, to_status=Status.TRIAGED)
    page = client_for(intake).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Triaged" in page
    assert "Escalation" not in page  # the escalation table is for the security officer
    assert "severity Medium" not in page
    assert "Save triage" not in page
    listing = client_for(intake).get(reverse("incidents:list")).content.decode()
    assert incident.reference in listing
    assert "My incident reports" in listing


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_never_share_a_reference():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def take(_):
        try:
            return actions.next_reference(timezone.now())
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = list(pool.map(take, range(40)))
    assert len(set(references)) == 40


# --- Affected clients are picked, never typed -------------------------------------------------


def test_the_reporter_links_affected_clients_by_picking_them(client_for, intake, security_officer):
    from tests.builders.clients import make_client

    exposed = make_client(intake, first_name="Canaryfirst", last_name="Canarylast", ssn="219870011")
    http = client_for(intake)
    # No list of every client: the reporter finds them by initials or reference code.
    assert exposed.reference not in http.get(reverse("incidents:report")).content.decode()
    found = http.post(reverse("incidents:report"), {**report_form_data(), "client_search": "CC", "find_clients": "1"})
    assert exposed.reference in found.content.decode() and "C. C." in found.content.decode()
    assert "Canaryfirst" not in found.content.decode() and not Incident.objects.exists()
    client_for(intake).post(reverse("incidents:report"), report_form_data(affected_clients=[str(exposed.pk)]))
    incident = Incident.objects.get()
    assert [a.client for a in incident.affected_clients.all()] == [exposed]
    page = client_for(security_officer).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert exposed.reference in page and "Canary" not in page


def test_another_agencys_client_cannot_be_linked(client_for, intake, other_intake):
    from tests.builders.clients import make_client

    make_client(intake, first_name="Ours", ssn="219870013")  # so the picker is shown
    theirs = make_client(other_intake, first_name="Other", ssn="219870012")
    response = client_for(intake).post(reverse("incidents:report"), report_form_data(affected_clients=[str(theirs.pk)]))
    assert response.status_code == 200
    assert not Incident.objects.exists()
    with pytest.raises(ValidationError):
        actions.report_incident(
            acting_user=intake,
            category=Category.LOST_DEVICE,
            occurred_at=timezone.now() - timedelta(hours=2),
            discovered_at=timezone.now(),
            description="x",
            affected_clients=[theirs.pk],
        )
    assert not Incident.objects.exists()


def test_roles_without_client_access_get_no_client_picker(client_for, system_admin):
    form = client_for(system_admin).get(reverse("incidents:report")).content.decode()
    assert "Affected clients" not in form


@pytest.mark.parametrize(
    "description",
    [
        "Printout for Rosa Alvarez left on the shared printer.",
        "printout for ROSA left on the printer",
        "Alvarez's file was left open on the front desk.",
        "Intake sheet for Álvarez left on the desk.",
    ],
)
def test_a_description_naming_a_picked_client_is_refused_and_nothing_is_saved(client_for, intake, description):
    from tests.builders.clients import make_client

    rosa = make_client(intake, first_name="Rosa", last_name="Alvarez", ssn="219870021")
    response = client_for(intake).post(
        reverse("incidents:report"), report_form_data(description=description, affected_clients=[str(rosa.pk)])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "use the client&#x27;s reference code" in page and rosa.reference in page
    assert not Incident.objects.exists() and not Notification.objects.exists()


def test_a_description_with_a_name_only_inside_another_word_is_accepted(client_for, intake):
    from tests.builders.clients import make_client

    rosa = make_client(intake, first_name="Rosa", last_name="Alvarez", ssn="219870022")
    client_for(intake).post(
        reverse("incidents:report"),
        report_form_data(description="Rosarita office printer left a page out.", affected_clients=[str(rosa.pk)]),
    )
    assert Incident.objects.count() == 1


def test_later_free_text_naming_an_affected_client_is_refused(intake, security_officer):
    from tests.builders.clients import make_client

    rosa = make_client(intake, first_name="Rosa", last_name="Alvarez", ssn="219870023")
    incident = actions.report_incident(
        acting_user=intake,
        category=Category.PII_IN_VIEW,
        occurred_at=timezone.now() - timedelta(hours=2),
        discovered_at=timezone.now(),
        description="A printout was left on the shared printer.",
        affected_clients=[rosa.pk],
    )
    with pytest.raises(ValidationError, match="reference code"):
        actions.record_assessment(
            acting_user=security_officer,
            incident=incident,
            determination="no",
            affected_count=1,
            affected_state="WA",
            summary="Rosa's printout was shredded.",
        )
    with pytest.raises(ValidationError, match="reference code"):
        actions.add_corrective_action(
            acting_user=security_officer,
            incident=incident,
            what="Call Ms Alvarez",
            owner=security_officer,
            due_on=timezone.localdate(),
        )
    incident.refresh_from_db()
    assert incident.summary == "" and not incident.corrective_actions.exists()


def test_the_picker_searches_only_the_reporters_own_clients_as_they_type(client_for, intake, other_intake):
    from tests.builders.clients import make_client

    ours = make_client(intake, first_name="Quentin", last_name="Zorro", ssn="219870021")
    make_client(intake, first_name="Anna", last_name="Bell", ssn="219870022")
    theirs = make_client(other_intake, first_name="Quinn", last_name="Zeta", ssn="219870023")
    url = reverse("incidents:report-client-search")
    by_initials = client_for(intake).post(url, {"q": "qz"}).json()["clients"]
    assert [c["id"] for c in by_initials] == [str(ours.pk)] and by_initials[0]["label"] == f"{ours.reference} · Q. Z."
    by_reference = client_for(intake).post(url, {"q": ours.reference[:8]}).json()["clients"]
    assert str(ours.pk) in [c["id"] for c in by_reference]
    assert client_for(other_intake).post(url, {"q": "QZ"}).json()["clients"] == [
        {"id": str(theirs.pk), "label": f"{theirs.reference} · Q. Z."}
    ]
    assert client_for(intake).post(url, {"q": "Q"}).json()["clients"] == []  # too short to search


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_picker_offers_matches_as_the_reporter_types(page, intake):
    from playwright.sync_api import expect

    from tests.builders.clients import make_client
    from tests.conftest import sign_in_in_browser

    ours = make_client(intake, first_name="Quentin", last_name="Zorro", ssn="219870031")
    sign_in_in_browser(page, intake)
    page.goto(reverse("incidents:report"))
    page.get_by_label("Lost or stolen device").check()
    page.get_by_label("What happened?").fill("Laptop left on the bus.")
    page.get_by_label("When did it happen?").fill((timezone.localtime() - timedelta(hours=3)).strftime(FORM_TIME))
    page.get_by_label("Find affected clients (optional)").press_sequentially("QZ")
    page.get_by_label(f"{ours.reference} · Q. Z.").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("Your report is")).to_be_visible()
    assert [a.client_id for a in Incident.objects.get().affected_clients.all()] == [ours.pk]


@pytest.mark.parametrize("field", ["client_search", "description"])
def test_a_control_character_in_the_report_form_is_not_a_server_error(client_for, intake, field):
    """Seen by the fuzzer: a NUL in the picker's search text reached PostgreSQL (500)."""
    http = client_for(intake)
    data = {"category": "phishing", field: "a\x00b" * 20, "find": "1"}
    assert http.post(reverse("incidents:report"), data).status_code < 500
    assert (
        http.post(reverse("incidents:report-client-search"), {"q": "a\x00b", "client_search": "a\x00b"}).status_code
        < 500
    )
