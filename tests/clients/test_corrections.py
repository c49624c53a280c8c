"""Corrections (HUD's HMIS privacy standards): a client asks for a correction,
staff record it, a supervisor accepts it (the record changes, audited with
the request) or refuses it with a reason the client is given; a refused
request stays on the record."""

import datetime
import logging
import re
import threading

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.http import Http404

from clients import actions, queries
from clients.masking import Viewer
from clients.models import Client, CorrectionRequest
from hmis.models import AccessEvent
from tests.builders.clients import make_client
from tests.canaries import CANARY_FIRST, CANARY_LAST, CANARY_SSN

pytestmark = pytest.mark.django_db

NEW_LAST = "Pemberton-Quayle"
NEW_SSN = "219874321"
CLIENT_REASON = "Kestrel-reason-5521: my name was misspelt at intake"
REFUSAL = "Heron-refusal-7731: the ID the client showed says otherwise"


def ask(user, client, field="last_name", value=NEW_LAST, reason=CLIENT_REASON):
    return actions.request_correction(
        acting_user=user, client=client, field=field, requested_value=value, reason=reason
    )


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_accepted_correction_changes_the_record_and_search_finds_the_new_name(intake, supervisor):
    client = make_client(intake)
    request = ask(intake, client)
    actions.accept_correction(acting_user=supervisor, request=request)

    client.refresh_from_db()
    assert client.last_name == NEW_LAST
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.ACCEPTED
    assert (request.decided_by, request.previous_value) == (supervisor, CANARY_LAST)
    # Blind indexes were rebuilt: search by the new name finds the client, by the old one no longer.
    viewer = Viewer(names=True)
    found = queries.search_clients(intake, viewer, first_name=CANARY_FIRST, last_name=NEW_LAST)
    assert [m.client.id for m in found] == [client.pk]


def test_the_client_change_is_audited_with_a_link_to_the_request(intake, supervisor):
    client = make_client(intake)
    request = actions.accept_correction(acting_user=supervisor, request=ask(intake, client))
    entry = request.applied_change
    assert entry.actor == supervisor
    assert entry.object_pk == str(client.pk)
    assert entry.additional_data == {"correction_request": str(request.pk)}
    assert entry.changes_dict["last_name"] == ["[encrypted value changed]", "[encrypted value changed]"]
    updates = LogEntry.objects.get_for_object(request).filter(action=LogEntry.Action.UPDATE)
    (decided,) = [e for e in updates if "status" in e.changes_dict]
    assert (decided.actor, decided.changes_dict["status"]) == (supervisor, ["open", "accepted"])
    (moved,) = request.status_changes.all()
    assert (moved.from_status, moved.to_status, moved.changed_by) == ("open", "accepted", supervisor)
    assert AccessEvent.objects.filter(subject_id=client.pk, detail=f"Accepted correction request {request.pk}").exists()


def test_an_accepted_ssn_correction_is_searchable_by_its_last_four(intake, supervisor):
    client = make_client(intake)
    actions.accept_correction(acting_user=supervisor, request=ask(intake, client, field="ssn", value="219-87-4321"))
    client.refresh_from_db()
    assert client.ssn == NEW_SSN
    found = queries.search_clients(intake, Viewer(names=True), last_name=CANARY_LAST, ssn4="4321")
    assert [m.client.id for m in found] == [client.pk]


def test_refused_request_stays_on_the_record_with_its_reason_on_the_client_page(intake, supervisor, client_for):
    client = make_client(intake)
    request = ask(intake, client)
    actions.refuse_correction(acting_user=supervisor, request=request, reason=REFUSAL)

    client.refresh_from_db()
    assert client.last_name == CANARY_LAST
    page = client_for(intake).get(f"/clients/{client.pk}/").content.decode()
    decided = re.search(r'<ul id="corrections-decided">(.*?)</ul>', page, re.S).group(1)
    assert "Refused" in decided and REFUSAL in decided
    assert "Last name" in decided


def test_refusing_needs_a_reason_the_client_can_be_given(intake, supervisor, client_for):
    client = make_client(intake)
    request = ask(intake, client)
    response = client_for(supervisor).post(
        f"/clients/{client.pk}/corrections/{request.pk}/refuse/", {"reason": "  "}, follow=True
    )
    assert "reason" in messages_of(response).lower()
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.OPEN


def test_supervisor_cannot_decide_their_own_request(intake, supervisor, client_for):
    client = make_client(intake)
    request = ask(supervisor, client)
    with pytest.raises(PermissionDenied):
        actions.accept_correction(acting_user=supervisor, request=request)
    with pytest.raises(PermissionDenied):
        actions.refuse_correction(acting_user=supervisor, request=request, reason=REFUSAL)
    page = client_for(supervisor).get(f"/clients/{client.pk}/corrections/{request.pk}/")
    assert b"another supervisor must decide it" in page.content
    assert b'id="correction-accept"' not in page.content
    browser = client_for(supervisor)
    assert (
        browser.post(f"/clients/{client.pk}/corrections/{request.pk}/accept/", {"confirmed": "yes"}).status_code == 403
    )
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.OPEN


def test_intake_cannot_decide(intake, client_for):
    client = make_client(intake)
    request = ask(intake, client)
    with pytest.raises(PermissionDenied):
        actions.accept_correction(acting_user=intake, request=request)
    browser = client_for(intake)
    assert (
        browser.post(f"/clients/{client.pk}/corrections/{request.pk}/accept/", {"confirmed": "yes"}).status_code == 403
    )
    assert browser.get(f"/clients/{client.pk}/corrections/{request.pk}/").status_code == 403
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.OPEN


def test_other_agency_can_neither_see_nor_act(intake, other_intake, other_supervisor, client_for):
    client = make_client(intake)
    request = ask(intake, client)
    with pytest.raises(Http404):
        ask(other_intake, client)
    with pytest.raises(Http404):
        actions.accept_correction(acting_user=other_supervisor, request=request)
    with pytest.raises(Http404):
        queries.get_correction_for(other_supervisor, client.pk, request.pk)
    assert not queries.corrections_visible_to(other_supervisor).exists()
    browser = client_for(other_supervisor)
    base = f"/clients/{client.pk}/corrections/{request.pk}/"
    assert browser.get(base).status_code == 404
    assert browser.post(base + "accept/", {"confirmed": "yes"}).status_code == 404
    assert browser.post(base + "refuse/", {"reason": REFUSAL}).status_code == 404
    assert queries.dashboard_corrections_for(other_supervisor) == {"open_corrections": [], "open_correction_count": 0}
    # A made-up request id answers the same as another agency's.
    assert client_for(other_supervisor).get(f"/clients/{client.pk}/corrections/{client.pk}/").status_code == 404
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.OPEN


def test_deciding_twice_is_refused(intake, supervisor, harbor, client_for):
    from tests.builders.factories import UserFactory

    second = UserFactory(username="second-supervisor", agency=harbor, roles=["supervisor"])
    client = make_client(intake)
    request = ask(intake, client)
    stale = CorrectionRequest.objects.get(pk=request.pk)  # the second supervisor's page, loaded before
    actions.refuse_correction(acting_user=supervisor, request=request, reason=REFUSAL)
    with pytest.raises(ValidationError, match="already decided"):
        actions.accept_correction(acting_user=second, request=stale)
    response = client_for(second).post(
        f"/clients/{client.pk}/corrections/{request.pk}/accept/", {"confirmed": "yes"}, follow=True
    )
    assert "already decided" in messages_of(response)
    client.refresh_from_db()
    request.refresh_from_db()
    assert (client.last_name, request.status) == (CANARY_LAST, CorrectionRequest.Status.REFUSED)


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_deciding_at_once_only_one_wins(intake, supervisor, harbor):
    from tests.builders.factories import UserFactory

    second = UserFactory(username="second-supervisor", agency=harbor, roles=["supervisor"])
    client = make_client(intake)
    request = ask(intake, client)
    outcomes, start = [], threading.Barrier(2)

    def decide(action, user, **extra):
        try:
            start.wait()
            action(acting_user=user, request=CorrectionRequest.objects.get(pk=request.pk), **extra)
            outcomes.append("decided")
        except ValidationError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=decide, args=(actions.accept_correction, supervisor)),
        threading.Thread(target=decide, args=(actions.refuse_correction, second), kwargs={"reason": REFUSAL}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["decided", "refused"]
    request.refresh_from_db()
    client.refresh_from_db()
    assert (client.last_name == NEW_LAST) == (request.status == CorrectionRequest.Status.ACCEPTED)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dob", "19th July", "YYYY-MM-DD"),
        ("dob", (datetime.date.today() + datetime.timedelta(days=3)).isoformat(), "future"),
        ("ssn", "000-12-3456", "000"),
        ("sex", "sometimes", "Write one of"),
        ("last_name", "   ", "What should it say?: This field is required"),
        ("last_name", CANARY_LAST, "already says that"),
        ("not_a_field", "x", "Choose the field"),
    ],
)
def test_bad_input_changes_nothing_with_a_clear_message(intake, client_for, field, value, message):
    client = make_client(intake)
    response = client_for(intake).post(
        f"/clients/{client.pk}/corrections/",
        {"field": field, "requested_value": value, "reason": CLIENT_REASON},
        follow=True,
    )
    assert message.lower() in messages_of(response).lower()
    assert not CorrectionRequest.objects.exists()


def test_a_request_needs_the_clients_reason(intake):
    client = make_client(intake)
    with pytest.raises(ValidationError, match="why the client asks"):
        ask(intake, client, reason=" ")
    assert not CorrectionRequest.objects.exists()


def test_accept_asks_for_confirmation_first(intake, supervisor, client_for):
    client = make_client(intake)
    request = ask(intake, client)
    page = client_for(supervisor).get(f"/clients/{client.pk}/corrections/{request.pk}/accept/")
    assert b"Accept this correction?" in page.content
    assert b"cannot be decided again" in page.content
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.OPEN


def test_open_requests_show_on_the_client_page_and_the_supervisor_dashboard(intake, supervisor, client_for):
    client = make_client(intake)
    request = ask(intake, client)
    page = client_for(intake).get(f"/clients/{client.pk}/").content.decode()
    assert "Last name" in re.search(r'<ul id="corrections-open">(.*?)</ul>', page, re.S).group(1)
    dashboard = client_for(supervisor).get("/").content.decode()
    queue = re.search(r'<section aria-labelledby="corrections-queue-heading".*?</section>', dashboard, re.S).group(0)
    assert "1 waiting" in queue
    assert f"/clients/{client.pk}/corrections/{request.pk}/" in queue
    assert client.reference in queue
    assert NEW_LAST not in queue and CLIENT_REASON not in queue  # references only
    assert b"corrections-queue" not in client_for(intake).get("/").content


def test_masked_requested_value_is_revealed_once_with_a_reason(intake, supervisor, client_for):
    client = make_client(intake)
    request = ask(intake, client, field="ssn", value=NEW_SSN)
    browser = client_for(supervisor)
    url = f"/clients/{client.pk}/corrections/{request.pk}/"
    masked = browser.get(url).content.decode()
    assert "•••-••-4321" in masked and "219-87-4321" not in masked and "219-87-3456" not in masked
    shown = browser.post(url + "reveal/", {"reason": "client_request"}, follow=True).content.decode()
    assert "219-87-4321" in shown and "219-87-3456" in shown
    event = AccessEvent.objects.get(action=AccessEvent.Action.REVEAL, subject_id=client.pk)
    assert (event.fields, event.actor) == (["ssn"], supervisor)
    assert "219-87-4321" not in browser.get(url).content.decode()


def test_client_page_masks_requested_values_like_the_profile(intake, security_officer, client_for):
    client = make_client(intake)
    ask(intake, client, field="phone", value="555-000-1234")
    page = client_for(intake).get(f"/clients/{client.pk}/").content.decode()
    assert "555-000-1234" not in page
    # Staff who only read the record (security officer) do not see the section at all.
    assert b'id="corrections"' not in client_for(security_officer).get(f"/clients/{client.pk}/").content


def test_canary_pii_is_absent_from_logs_audit_changes_urls_titles_and_messages(intake, supervisor, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(intake)
    browser = client_for(intake)
    responses = [
        browser.post(
            f"/clients/{client.pk}/corrections/",
            {"field": "last_name", "requested_value": NEW_LAST, "reason": CLIENT_REASON},
            follow=True,
        )
    ]
    first = CorrectionRequest.objects.get()
    responses.append(
        browser.post(
            f"/clients/{client.pk}/corrections/",
            {"field": "ssn", "requested_value": NEW_SSN, "reason": CLIENT_REASON},
            follow=True,
        )
    )
    second = CorrectionRequest.objects.exclude(pk=first.pk).get()
    boss = client_for(supervisor)
    base = f"/clients/{client.pk}/corrections/"
    responses += [
        boss.get("/"),
        boss.get(f"{base}{first.pk}/"),
        boss.get(f"{base}{first.pk}/accept/"),
        boss.post(f"{base}{first.pk}/accept/", {"confirmed": "yes"}, follow=True),
        boss.post(f"{base}{second.pk}/refuse/", {"reason": REFUSAL}, follow=True),
    ]
    canaries = [NEW_LAST, CANARY_LAST, NEW_SSN, "219-87-4321", CANARY_SSN, CLIENT_REASON[:20], REFUSAL[:20]]
    for canary in canaries:
        assert canary not in caplog.text, canary
    audit = " ".join(str(e.changes) + e.object_repr + str(e.additional_data) for e in LogEntry.objects.all())
    events = " ".join(f"{e.detail} {e.reason_text} {e.fields}" for e in AccessEvent.objects.all())
    for canary in canaries:
        assert canary not in audit, canary
        assert canary not in events, canary
    for response in responses:
        page = response.content.decode()
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        hrefs = " ".join(re.findall(r'(?:href|action)="([^"]*)"', page))
        flashes = messages_of(response)
        for canary in canaries:
            assert canary not in title and canary not in hrefs and canary not in flashes, canary
        for hop, _status in getattr(response, "redirect_chain", []):
            assert all(canary not in hop for canary in canaries)
    assert Client.objects.get(pk=client.pk).last_name == NEW_LAST


def test_client_page_runs_the_same_queries_with_one_request_or_many(intake, supervisor, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = make_client(intake)
    actions.refuse_correction(acting_user=supervisor, request=ask(intake, client), reason=REFUSAL)
    browser = client_for(intake)
    url = f"/clients/{client.pk}/"

    def count():
        browser.get(url)
        with CaptureQueriesContext(connection) as captured:
            browser.get(url)
        return len(captured.captured_queries)

    with_one = count()
    for field, value in (("middle_name", "Ann"), ("name_suffix", "Jr"), ("sex", "1")):
        request = ask(intake, client, field=field, value=value)
    actions.refuse_correction(acting_user=supervisor, request=request, reason=REFUSAL)
    assert count() == with_one


def test_accepting_a_request_the_record_no_longer_allows_says_why_and_changes_nothing(intake, supervisor, client_for):
    client = make_client(intake)
    request = ask(intake, client, field="phone", value="555-000-1234")
    # Since the request, the record was made anonymous: it may hold no contact.
    actions.update_client(acting_user=intake, client=client, is_anonymous=True)
    response = client_for(supervisor).post(
        f"/clients/{client.pk}/corrections/{request.pk}/accept/", {"confirmed": "yes"}, follow=True
    )
    assert "anonymous record keeps no name" in messages_of(response)
    client.refresh_from_db()
    request.refresh_from_db()
    assert (client.phone, request.status) == (None, CorrectionRequest.Status.OPEN)


def test_an_anonymous_record_takes_no_request_for_an_identifying_value(intake):
    client = make_client(intake)
    actions.update_client(acting_user=intake, client=client, is_anonymous=True)
    with pytest.raises(ValidationError, match="anonymous record keeps no name"):
        ask(intake, client, field="phone", value="555-000-1234")
    assert not CorrectionRequest.objects.exists()
