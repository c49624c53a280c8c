"""Every e-mail the product sends is in hmis/emails.py and templates/emails/,
and none carries client data: each one is sent by its real sender about a
client, an incident, a notice and a staff member full of canary values, and
no canary comes out."""

import datetime
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from clients.hmis_csv import actions as hmis_csv_actions
from clients.tasks import run_hmis_csv_export
from hmis import actions as hmis_actions
from hmis.emails import EMAILS, render_email
from hmis.models import Role
from hmis.tasks import absolute_link, email_for
from incidents import actions as incident_actions
from incidents.emails import escalation_message, reminder_message
from incidents.models import Determination, Notification, RecipientRole
from tests.builders.clients import make_client
from tests.builders.sharing import care_release, housing_share
from tests.canaries import CANARIES, CANARY_ADDRESS, CANARY_FIRST, CANARY_LAST, CANARY_PHONE

pytestmark = pytest.mark.django_db

CANARY_DOB = datetime.date(1980, 5, 17)
CANARY_TEXT = "Quokka-free-text"
# Free text about the incident; not the client's name, which the report refuses (use the reference code).
INCIDENT_CANARY = "CANARY-Jane-Q-Public 1985-04-12"
EVERY_CANARY = (
    *CANARIES,
    INCIDENT_CANARY,
    CANARY_TEXT,
    f"{CANARY_DOB:%Y-%m-%d}",
    f"{CANARY_DOB:%m/%d/%Y}",
    "May 17, 1980",
)
FREE_TEXT = f"{CANARY_TEXT} {INCIDENT_CANARY} {CANARY_ADDRESS} {CANARY_PHONE}"
EMAIL_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"


@pytest.fixture(autouse=True)
def eager_celery():
    from hmis.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def world(intake, supervisor, security_officer, agency_lead, other_intake, eastside):
    """A canary client referred to eastside, and an incident about them whose free text is canaries."""
    client = make_client(intake, dob=CANARY_DOB)
    care_release(intake, supervisor, client, eastside)
    housing_share(intake, client, eastside, justification=FREE_TEXT)
    now = timezone.now()
    incident = incident_actions.report_incident(
        acting_user=intake,
        category="lost_device",
        occurred_at=now - datetime.timedelta(hours=3),
        discovered_at=now - datetime.timedelta(hours=1),
        description=f"Laptop lost on the bus. {FREE_TEXT}",
        affected_clients=[client.pk],
    )
    incident = incident_actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.BREACH,
        affected_count=1,
        affected_state="WA",
        summary=f"Spreadsheet e-mailed outside the agency. {FREE_TEXT}",
    )
    return {
        "client": client,
        "incident": incident,
        "notice_recipient": other_intake,
        "lead": agency_lead,
        "supervisor": supervisor,
    }


def sent_after_commit(django_capture_on_commit_callbacks, action):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        action()
    return [(message.subject, message.body) for message in mail.outbox]


def staff_invitation(world, capture):
    lead = world["lead"]
    return sent_after_commit(
        capture,
        lambda: hmis_actions.invite_user(
            acting_user=lead,
            agency=lead.agency,
            username="new-caseworker",
            first_name=CANARY_FIRST,
            last_name=CANARY_LAST,
            email="new-caseworker@example.org",
            roles=[Role.INTAKE],
        ),
    )


def sign_in_reset(world, capture):
    lead = world["lead"]
    from hmis.models import User

    staff_invitation(world, capture)
    user = User.objects.get(username="new-caseworker")
    return sent_after_commit(capture, lambda: hmis_actions.reset_sign_in(acting_user=lead, user=user))


def incident_escalations(world, capture):
    incident = world["incident"]
    messages = [
        escalation_message(Notification(incident=incident, role=role, address="recipient@example.org"))
        for role in RecipientRole
    ]
    return [(message.subject, message.body) for message in messages]


def incident_reminders(world, capture):
    message = reminder_message(world["incident"], "recipient@example.org", 1)
    assert "Deadline: " in message.body  # the breach's deadlines are listed
    return [(message.subject, message.body)]


def export_ready(world, capture):
    today = timezone.localdate()
    export = hmis_csv_actions.request_export(
        acting_user=world["supervisor"], start_date=today - datetime.timedelta(days=30), end_date=today
    )
    return sent_after_commit(capture, lambda: run_hmis_csv_export(str(export.pk)))  # what the worker runs


def notice_copies(world, capture):
    rendered = []
    for notice in world["notice_recipient"].notices.all():
        email = email_for(notice)  # what send_notice_email sends
        assert email == (  # the wording from before the templates, unchanged
            "HMIS notice",
            f"{notice.text}\n\nSign in to HMIS to see it: {absolute_link(notice.link)}\n\n"
            "For the privacy of the people we serve, client details are never sent by e-mail.",
        )
        rendered.append(email)
    return rendered


# Each registered e-mail, sent by its real sender about the canary world.
SENDERS = {
    "account_invitation": staff_invitation,
    "sign_in_reset": sign_in_reset,
    "incident_escalation": incident_escalations,
    "incident_reminder": incident_reminders,
    "hmis_csv_export_ready": export_ready,
    "notice": notice_copies,
}


def test_every_email_is_sent_by_the_canary_test():
    assert set(SENDERS) == set(EMAILS)


def test_every_email_template_is_registered():
    """No e-mail text outside the review: each template belongs to a registered e-mail, which has both."""
    found = {path.name for path in EMAIL_TEMPLATES.iterdir()}
    assert found == {f"{name}_{part}.txt" for name in EMAILS for part in ("subject", "body")}


@pytest.mark.parametrize("name", sorted(SENDERS))
def test_no_canary_reaches_an_email(name, world, django_capture_on_commit_callbacks):
    emails = SENDERS[name](world, django_capture_on_commit_callbacks)
    assert emails, f"{name}: nothing was sent"
    for subject, body in emails:
        text = f"{subject}\n{body}".lower()
        for canary in EVERY_CANARY:
            assert canary.lower() not in text, (name, canary)
        assert world["client"].reference not in text, name


def test_the_invitation_reads_as_before(agency_lead, django_capture_on_commit_callbacks):
    [(subject, body)] = staff_invitation({"lead": agency_lead}, django_capture_on_commit_callbacks)
    link = re.search(r"http://127\.0\.0\.1:8000/password/set/\S+/", body).group(0)
    assert subject == "Your HMIS account"
    assert body == (
        "An HMIS account was created for you (username: new-caseworker).\n\n"
        f"Set your password within 72 hours using this one-time link:\n{link}\n\n"
        "A real HMIS link starts with http://127.0.0.1:8000/, the address shown on the HMIS sign-in page; "
        "it asks you to choose a new password, never for your current one or your codes.\n"
        "If you did not expect this, or the link starts with any other address, do not use it "
        "and tell your agency's HMIS lead.\n"
        "HMIS staff will never ask you for your password or codes."
    )


def test_the_export_ready_email_reads_as_before(supervisor, django_capture_on_commit_callbacks):
    [(subject, body)] = export_ready({"supervisor": supervisor}, django_capture_on_commit_callbacks)
    assert subject == "Your HMIS CSV export is ready"
    assert body == (
        "The HMIS CSV export you asked for is ready. Sign in to download it within 24 hours (at most 3 times):\n"
        "http://127.0.0.1:8000/clients/hmis-csv/exports/"
    )


def test_the_escalation_to_vendor_support_reads_as_before(world):
    incident = world["incident"]
    message = escalation_message(Notification(incident=incident, role=RecipientRole.VENDOR_SUPPORT, address="v@x.org"))
    reported = timezone.localtime(incident.reported_at).strftime("%Y-%m-%d %H:%M %Z")
    assert message.subject == f"[HMIS incident] {incident.reference} High: Lost or stolen device"
    assert message.body == (
        "An HMIS security incident was reported and is escalated to you.\n\n"
        f"Reference: {incident.reference}\nCategory: Lost or stolen device\nSeverity: High\n"
        f"Agency: Harbor Family Services\nReported: {reported}\nYou receive this as: Vendor support\n\n"
        f"For details, contact {settings.HMIS_LEAD_NAME} at {settings.HMIS_LEAD_EMAIL} "
        "through an approved secure channel, quoting the reference.\n\n"
        "This message deliberately holds no client information and no description of the incident; "
        "the details are only in HMIS.\nNever reply with client information."
    )


def test_only_a_registered_email_with_its_own_context_renders():
    notice = SimpleNamespace(text="Referral REF-1 was sent to you.")
    with pytest.raises(ValueError, match="Unregistered"):
        render_email("client_summary", {"notice": notice, "link": "/"})
    with pytest.raises(ValueError, match="takes"):
        render_email("notice", {"notice": notice, "link": "/", "client": "anything"})
    assert render_email("notice", {"notice": notice, "link": "/n/"})[0] == "HMIS notice"


def test_a_subject_of_more_than_one_line_is_refused():
    incident = SimpleNamespace(
        reference="INC-1\nBcc: someone@example.org", get_severity_display="High", get_category_display="Other"
    )
    with pytest.raises(ValueError, match="more than one line"):
        render_email("incident_reminder", {"incident": incident, "number": 1, "deadlines": [], "acknowledge_link": "/"})
