"""Privacy screen mode masks every client page on the server: initials, no other PII."""

import pytest

from tests.builders.clients import make_client, make_enrollment
from tests.canaries import CANARY_FIRST, CANARY_LAST

pytestmark = pytest.mark.django_db


def turn_on(browser):
    response = browser.post("/privacy-screen/", {"on": "1", "next": "/clients/"})
    assert response.status_code == 302 and response.headers["Location"] == "/clients/"


def test_toggle_shows_a_banner_until_switched_off(intake, client_for):
    browser = client_for(intake)
    turn_on(browser)
    assert "Privacy screen is on" in browser.get("/").content.decode()
    browser.post("/privacy-screen/", {"on": "0", "next": "/"})
    assert "Privacy screen is on" not in browser.get("/").content.decode()


def test_toggle_never_redirects_off_site(intake, client_for):
    response = client_for(intake).post("/privacy-screen/", {"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_every_client_page_shows_initials_and_no_other_pii(intake, client_for):
    client = make_client(intake)
    enrollment = make_enrollment(intake, client)
    browser = client_for(intake)
    turn_on(browser)
    pages = {
        "list": browser.get("/clients/"),
        "detail": browser.get(f"/clients/{client.pk}/"),
        "edit": browser.get(f"/clients/{client.pk}/edit/"),
        "enrol": browser.get(f"/clients/{client.pk}/enrol/"),
        "assess": browser.get(f"/clients/{client.pk}/enrollments/{enrollment.pk}/assessment/"),
        "exit": browser.get(f"/clients/{client.pk}/enrollments/{enrollment.pk}/exit/"),
        "search": browser.post("/clients/intake/", {"first_name": CANARY_FIRST, "last_name": CANARY_LAST}),
        "reveal": browser.post(f"/clients/{client.pk}/reveal/", {"field": "ssn", "reason": "service"}),
    }
    for name, response in pages.items():
        page = response.content.decode()
        assert response.status_code in (200, 400), name
        for secret in (CANARY_FIRST, CANARY_LAST, "3456", "1983", "Wallaby", "867-5309", "canary.client"):
            assert secret not in page, (name, secret)
        assert "Privacy screen is on" in page, name
    assert "Q. Z." in pages["detail"].content.decode()
    assert "Q. Z." in pages["search"].content.decode()
    assert pages["reveal"].status_code == 400  # no reveal while the screen is on
