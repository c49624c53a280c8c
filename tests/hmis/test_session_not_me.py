"""A session ended by a sign-in elsewhere: that browser's sign-in page says
why and offers a one-click "That wasn't me", which reports an incident.

The report works signed out, so it is bound to that browser: a signed token
naming the security event kept in its ended session; each ended session
reports once; CSRF-protected; refusals are limited per address.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse

from hmis import actions
from hmis.models import SecurityEvent
from incidents.models import Incident
from tests.conftest import password_only_session, verified_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def ended_elsewhere(user):
    """``user`` signed in in one browser, then in another one (another device)."""
    first = verified_session(HttpClient(), user)
    session = first.session
    session[actions.SESSION_DEVICE] = "first-device"
    session.save()
    second = password_only_session(HttpClient(), user)  # claims the live session below, as signing in does
    actions.claim_live_session(
        user=user, session_key=second.session.session_key, ip_address="203.0.113.9", fingerprint="second-device"
    )
    return first


def token_on(page):
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_the_ended_browser_is_told_why_and_reports_it_in_one_click(intake):
    first = ended_elsewhere(intake)
    assert first.get(reverse("dashboard")).status_code == 302  # signed out
    page = first.get(reverse("login")).content.decode()
    assert "signed in somewhere else" in page and "That wasn't me" in page
    answer = first.post(reverse("login-not-me"), {"token": token_on(page)})
    assert answer.status_code == 200
    incident = Incident.objects.get(rule="session_not_me")
    assert incident.reference in answer.content.decode()
    assert incident.agency == intake.agency and incident.severity == "high"
    assert SecurityEvent.objects.get(kind=SecurityEvent.Kind.SESSION_REPLACED).incidents.get() == incident
    # Once per ended session: the same click again reports nothing more.
    again = first.post(reverse("login-not-me"), {"token": token_on(page)})
    assert again.status_code == 400 and Incident.objects.count() == 1
    assert "That wasn't me" not in first.get(reverse("login")).content.decode()


def test_a_token_is_refused_in_another_browser(intake):
    page = ended_elsewhere(intake).get(reverse("login")).content.decode()
    stranger = HttpClient()
    assert stranger.post(reverse("login-not-me"), {"token": token_on(page)}).status_code == 400
    assert not Incident.objects.filter(rule="session_not_me").exists()


def test_a_forged_token_is_refused(intake):
    first = ended_elsewhere(intake)
    first.get(reverse("login"))
    assert first.post(reverse("login-not-me"), {"token": "1:forged"}).status_code == 400
    assert not Incident.objects.filter(rule="session_not_me").exists()


def test_the_report_needs_the_csrf_token(intake):
    first = ended_elsewhere(intake)
    page = first.get(reverse("login")).content.decode()
    strict = HttpClient(enforce_csrf_checks=True)
    strict.cookies = first.cookies
    assert strict.post(reverse("login-not-me"), {"token": token_on(page)}).status_code == 403
    assert not Incident.objects.filter(rule="session_not_me").exists()


def test_refusals_are_limited_per_address(intake):
    cache.delete("hmis:not-me-refused:127.0.0.1")  # the shared cache may hold this run's earlier refusals
    stranger = HttpClient()
    answers = [stranger.post(reverse("login-not-me"), {"token": "x"}).status_code for _ in range(21)]
    assert answers[:20] == [400] * 20 and answers[20] == 429


def test_a_new_sign_in_from_the_same_browser_is_not_a_report(intake):
    first = verified_session(HttpClient(), intake)
    session = first.session
    session[actions.SESSION_DEVICE] = "same-device"
    session.save()
    second = password_only_session(HttpClient(), intake)
    actions.claim_live_session(user=intake, session_key=second.session.session_key, fingerprint="same-device")
    assert "That wasn't me" not in first.get(reverse("login")).content.decode()
