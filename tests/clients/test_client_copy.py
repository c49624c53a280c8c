"""Print for the client: a client's own copy of their record and who has seen
or received their information (HUD's HMIS privacy standards: the right to see
and get a copy; the accounting of disclosures).

Staff of the owning agency record how they checked the client's identity; the
POST records one PRINT access event and redirects to a page shown once, no-store,
without the SSN unless the client asked and staff confirmed."""

import datetime
import logging
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients import actions as client_actions
from hmis.models import AccessEvent
from sharing import actions as sharing_actions
from sharing.models import DataCategory, Disclosure, Purpose
from tests.builders.clients import make_client, make_enrollment
from tests.builders.sharing import care_release, housing_share, outside_release
from tests.canaries import CANARY_ADDRESS, CANARY_DOB, CANARY_EMAIL, CANARY_FIRST, CANARY_LAST, CANARY_PHONE, CANARY_SSN

pytestmark = pytest.mark.django_db

SSN_SHOWN = "219-87-3456"
PHOTO_ID = {"identity_check": "photo_id", "language": "en"}


def prints_of(client):
    return AccessEvent.objects.filter(subject_id=client.pk, action=AccessEvent.Action.PRINT)


def print_copy(http, client, **data):
    return http.post(reverse("clients:print-copy", args=[client.pk]), {**PHOTO_ID, **data})


def open_copy(http, client, **data):
    answer = print_copy(http, client, **data)
    assert answer.status_code == 302, answer.status_code
    return answer["Location"], http.get(answer["Location"])


def test_the_copy_shows_everything_the_agency_holds_except_the_ssn(intake, client_for):
    client = make_client(intake)
    make_enrollment(intake, client)
    location, page = open_copy(client_for(intake), client)
    html = page.content.decode()
    assert page.status_code == 200
    for value in (CANARY_FIRST, CANARY_LAST, CANARY_PHONE, CANARY_EMAIL, CANARY_ADDRESS, "July 19, 1983"):
        assert value in html
    assert "Harbor Shelter" in html and "Self (head of household)" in html
    assert CANARY_SSN not in html and SSN_SHOWN not in html and CANARY_SSN[-4:] not in html
    assert "It is not printed, to keep it safe" in html
    assert "no-store" in page["Cache-Control"]
    # No navigation of the site on the copy: only the staff bar, which does not print.
    assert 'id="site-header"' not in html and 'id="staff-bar"' in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    for value in (CANARY_FIRST, CANARY_LAST, CANARY_SSN, client.reference):
        assert value not in title and value not in location


def test_printing_is_one_access_event_that_shows_in_the_access_history(intake, supervisor, client_for):
    client = make_client(intake)
    open_copy(client_for(intake), client, identity_check="other", identity_note="Caseworker knows her by sight")
    [event] = prints_of(client)
    assert event.actor == intake and event.reason == AccessEvent.Reason.CLIENT_REQUEST
    assert "ssn" not in event.fields and "name" in event.fields and "access_history" in event.fields
    assert event.reason_text == "Caseworker knows her by sight"  # encrypted at rest, shown to reviewers
    assert "identity checked: other" in event.detail and "Caseworker" not in event.detail
    history = client_for(supervisor).get(reverse("clients:history", args=[client.pk])).content.decode()
    assert "Printed" in history and "The client asked" in history


def test_the_ssn_is_printed_only_after_staff_confirm_the_client_asked(intake, client_for):
    client = make_client(intake)
    http = client_for(intake)
    asked = print_copy(http, client, include_ssn="on")
    assert asked.status_code == 200 and "Print the Social Security number?" in asked.content.decode()
    assert not prints_of(client).exists()
    _, page = open_copy(http, client, include_ssn="on", confirmed="yes")
    assert SSN_SHOWN in page.content.decode()
    assert "ssn" in prints_of(client).get().fields


def test_the_copy_opens_once_and_reload_records_nothing(intake, client_for):
    client = make_client(intake)
    http = client_for(intake)
    location, first = open_copy(http, client)
    assert CANARY_FIRST in first.content.decode()
    again = http.get(location)
    assert again.status_code == 200
    assert CANARY_FIRST not in again.content.decode() and "opens once" in again.content.decode()
    # Someone else given the address (another session, even of a colleague) sees nothing either.
    assert CANARY_FIRST not in client_for(intake).get(location).content.decode()
    assert prints_of(client).count() == 1


def test_a_reveal_token_does_not_open_a_copy(intake, client_for):
    client = make_client(intake)
    http = client_for(intake)
    shown = http.post(reverse("clients:reveal", args=[client.pk]), {"field": "ssn", "reason": "service"})["Location"]
    token = shown.rstrip("/").rsplit("/", 1)[-1]
    page = http.get(reverse("clients:client-copy", args=[client.pk, token])).content.decode()
    assert CANARY_FIRST not in page and "opens once" in page


def test_staff_say_how_they_checked_identity_before_anything_prints(intake, client_for):
    client = make_client(intake)
    http = client_for(intake)
    assert print_copy(http, client, identity_check="").status_code == 400
    refused = print_copy(http, client, identity_check="other", identity_note=" ")
    assert refused.status_code == 400 and "Say how you checked" in refused.content.decode()
    assert not prints_of(client).exists()


def test_no_copy_while_the_privacy_screen_is_on(intake, client_for):
    client = make_client(intake)
    http = client_for(intake)
    http.post(reverse("privacy-screen"), {"on": "1", "next": "/"})
    assert print_copy(http, client).status_code == 400
    assert not prints_of(client).exists()


def test_a_partner_holding_a_referral_cannot_print(intake, supervisor, other_intake, eastside, client_for):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    housing_share(intake, client, eastside)
    http = client_for(other_intake)
    assert print_copy(http, client).status_code == 404
    assert http.get(reverse("clients:client-copy", args=[client.pk, "any-token"])).status_code == 404
    assert not prints_of(client).exists()


def test_the_client_page_offers_print_only_to_staff_who_may(intake, agency_lead, client_for):
    client = make_client(intake)
    url = reverse("clients:detail", args=[client.pk])
    assert "Print for the client" in client_for(intake).get(url).content.decode()
    assert "Print for the client" not in client_for(agency_lead).get(url).content.decode()


def test_who_has_seen_lists_disclosures_openings_reveals_and_own_use_by_month(
    intake, supervisor, other_intake, eastside, client_for
):
    now = timezone.now()
    two_months_ago = now - datetime.timedelta(days=62)
    with time_machine.travel(two_months_ago, tick=False):
        client = make_client(intake)  # CREATE
        client_actions.record_client_opened(acting_user=intake, client=client)  # VIEW
        client_actions.record_client_opened(acting_user=supervisor, client=client)  # VIEW
    care_release(intake, supervisor, client, eastside)
    share = housing_share(intake, client, eastside)
    sharing_actions.record_share_opened(acting_user=other_intake, share=share)
    sharing_actions.reveal_shared_field(acting_user=other_intake, share=share, field="phone", reason="service")
    release = outside_release(intake, supervisor, client, "Seattle Housing Authority")
    sharing_actions.record_disclosure(
        acting_user=intake,
        client=client,
        release=release,
        categories=[DataCategory.IDENTITY],
        purpose=Purpose.HOUSING_PLACEMENT,
        method=Disclosure.Method.PHONE,
    )
    _, page = open_copy(client_for(intake), client)
    html = page.content.decode()
    section = html[html.index('id="who-has-seen-section"') :]
    referrals = section[section.index('id="accounting-referrals"') :]
    assert "we sent Eastside Housing Collective a referral for finding you housing" in referrals
    outside = section[section.index('id="accounting-outside"') :]
    assert "gave Seattle Housing Authority information by phone, for finding you housing" in outside
    openings = section[section.index('id="accounting-openings"') :]
    assert openings.index("Eastside Housing Collective") < openings.index("</ul>")
    reveals = section[section.index('id="accounting-reveals"') :]
    assert "Eastside Housing Collective · phone number" in reveals[: reveals.index("</ul>")]
    own = section[section.index('id="accounting-own-use"') :]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>", own)
    local_then, local_now = timezone.localtime(two_months_ago), timezone.localtime(now)
    assert rows[0] == (local_then.strftime("%B %Y"), "2", "1", "0")  # two openings, the creation
    assert rows[-1][0] == local_now.strftime("%B %Y") and rows[-1][3] == "1"  # this printing
    # The partner's opening and reveal are listed above, not counted as the agency's own use.
    assert (
        sum(int(r[1]) for r in rows)
        == AccessEvent.objects.filter(
            subject_id=client.pk,
            actor_agency=intake.agency,
            action__in=["view", "reveal", "search_match", "evidence_view"],
        ).count()
    )


def test_the_spanish_copy_is_in_spanish(intake, client_for):
    client = make_client(intake)
    make_enrollment(intake, client)
    _, page = open_copy(client_for(intake), client, language="es")
    html = page.content.decode()
    assert '<html lang="es">' in html and page["Content-Language"] == "es"
    for words in ("Su expediente", "Quién ha visto o recibido su información", "Usted mismo (jefe del hogar)"):
        assert words in html
    assert "19 de julio de 1983" in html
    assert "Who has seen" not in html and "Your record" not in html
    # Staff pages stay in English afterwards.
    staff_page = client_for(intake).get(reverse("clients:detail", args=[client.pk]))
    assert "Print for the client" in staff_page.content.decode()


def test_no_client_value_reaches_the_logs(intake, client_for, caplog):
    client = make_client(intake)
    with caplog.at_level(logging.DEBUG):
        open_copy(client_for(intake), client, identity_check="other", identity_note="Known from outreach")
        open_copy(client_for(intake), client, include_ssn="on", confirmed="yes", language="es")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for value in (CANARY_FIRST, CANARY_LAST, CANARY_SSN, SSN_SHOWN, CANARY_PHONE, CANARY_EMAIL, "Known from outreach"):
        assert value not in logged
    assert CANARY_DOB.isoformat() not in logged


def test_the_copy_says_how_to_reach_the_agency_and_complain_as_its_lead_wrote(intake, agency_lead, client_for):
    lead = client_for(agency_lead)
    saved = lead.post(
        reverse("agency-contact"),
        {"client_contact": "12 Harbor Street, weekdays 9 to 5", "grievance_contact": "Ask for Dana, privacy officer"},
    )
    assert saved.status_code == 302
    client = make_client(intake)
    _, page = open_copy(client_for(intake), client)
    rights = page.content.decode().split('id="your-rights"', 1)[1]
    assert "12 Harbor Street, weekdays 9 to 5" in rights and "Ask for Dana, privacy officer" in rights
    assert "Regional HMIS Lead" in rights  # the HMIS lead's contact, from settings
