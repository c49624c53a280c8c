"""Reveal uses post/redirect/get: one access event, the value shown once.

A reveal POST records its access event and redirects to a page that shows
the value once (a short-lived, single-use token in the session). Reloading
that page, or coming Back to it, shows the masked page and records nothing.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from hmis.models import AccessEvent
from tests.builders.clients import make_client
from tests.builders.sharing import care_release, housing_share
from tests.canaries import CANARY_PHONE, CANARY_SSN_SHOWN
from tests.conftest import sign_in_in_browser


def reveals_of(subject):
    return AccessEvent.objects.filter(subject_id=subject.pk, action=AccessEvent.Action.REVEAL).count()


@pytest.mark.django_db
def test_a_reveal_redirects_and_the_value_is_shown_once(intake, client_for):
    client = make_client(intake)
    http = client_for(intake)
    answer = http.post(reverse("clients:reveal", args=[client.pk]), {"field": "ssn", "reason": "service"})
    assert answer.status_code == 302
    shown = answer["Location"]
    assert CANARY_SSN_SHOWN in http.get(shown).content.decode()
    again = http.get(shown)
    assert again.status_code == 200
    assert CANARY_SSN_SHOWN not in again.content.decode()
    assert "shown once" in again.content.decode()
    assert reveals_of(client) == 1


@pytest.mark.django_db
def test_a_reveal_token_does_not_open_another_client(intake, client_for):
    first, second = make_client(intake), make_client(intake, first_name="Other")
    http = client_for(intake)
    shown = http.post(reverse("clients:reveal", args=[first.pk]), {"field": "ssn", "reason": "service"})["Location"]
    token = shown.rstrip("/").rsplit("/", 1)[-1]
    page = http.get(reverse("clients:revealed", args=[second.pk, token])).content.decode()
    assert CANARY_SSN_SHOWN not in page


@pytest.mark.django_db
def test_a_reveal_token_is_only_good_in_its_own_session(intake, client_for):
    client = make_client(intake)
    shown = client_for(intake).post(reverse("clients:reveal", args=[client.pk]), {"field": "ssn", "reason": "service"})
    assert CANARY_SSN_SHOWN not in client_for(intake).get(shown["Location"]).content.decode()


@pytest.mark.django_db
def test_a_referral_reveal_redirects_and_the_value_is_shown_once(
    intake, supervisor, other_intake, eastside, client_for
):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    share = housing_share(intake, client, eastside)
    http = client_for(other_intake)
    answer = http.post(reverse("sharing:share-reveal", args=[share.pk]), {"field": "phone", "reason": "service"})
    assert answer.status_code == 302
    assert CANARY_PHONE in http.get(answer["Location"]).content.decode()
    assert CANARY_PHONE not in http.get(answer["Location"]).content.decode()
    assert reveals_of(client) == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reload_and_back_after_a_reveal_record_nothing_more(page, intake):
    client = make_client(intake)
    sign_in_in_browser(page, intake)
    page.goto(f"/clients/{client.pk}/")
    page.get_by_text("Reveal a field").click()
    page.locator("#reveal-field").select_option("ssn")
    page.locator("#reveal-reason").select_option("service")
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("#client-ssn")).to_have_text(CANARY_SSN_SHOWN)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.reload()
    expect(page.locator("#client-ssn")).not_to_have_text(CANARY_SSN_SHOWN)
    page.go_back()
    expect(page.locator("#client-ssn")).not_to_have_text(CANARY_SSN_SHOWN)
    page.go_forward()
    expect(page.locator("#client-ssn")).not_to_have_text(CANARY_SSN_SHOWN)
    assert dialogs == []
    assert reveals_of(client) == 1
