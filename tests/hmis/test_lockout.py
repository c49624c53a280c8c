"""Lockout by username and address together: 5 failures, 30 minutes, reset on
success; a changing X-Forwarded-For does not dodge it; the security officer
of the user's agency can unlock."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from hmis.models import SecurityEvent
from tests.builders.factories import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(user_or_name, password, *, forwarded_for=None, remote="10.0.0.5"):
    username = getattr(user_or_name, "username", user_or_name)
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client().post("/login/", {"username": username, "password": password}, **extra)


def test_five_failures_lock_the_account_even_with_a_new_forwarded_for_each_time(intake):
    for i in range(5):
        attempt(intake, "wrong password number", forwarded_for=f"203.0.113.{i}")
    response = attempt(intake, PASSWORD, forwarded_for="198.51.100.77")
    assert response.status_code == 429
    assert b"contact your agency" in response.content.lower()
    assert "/login/verify/" not in response.headers.get("Location", "")


def test_lockout_page_does_not_reveal_whether_the_account_exists(intake):
    for _ in range(5):
        attempt(intake, "wrong password number")
        attempt("no-such-user", "wrong password number")
    real = attempt(intake, "wrong password number")
    fake = attempt("no-such-user", "wrong password number")
    assert real.status_code == fake.status_code == 429
    assert real.content.replace(b"intake", b"") == fake.content.replace(b"no-such-user", b"")


def test_four_failures_then_success_resets_the_count(intake):
    for _ in range(4):
        attempt(intake, "wrong password number")
    assert attempt(intake, PASSWORD).status_code == 302
    for _ in range(4):
        attempt(intake, "wrong password number")
    assert attempt(intake, PASSWORD).status_code == 302


def test_lockout_is_per_username_and_address(intake):
    for _ in range(5):
        attempt(intake, "wrong password number", remote="10.0.0.5")
    assert attempt(intake, PASSWORD, remote="10.0.0.5").status_code == 429
    # The same account from the office's other address still works: an
    # attacker elsewhere cannot lock a worker out of their own desk.
    assert attempt(intake, PASSWORD, remote="10.0.0.9").status_code == 302


def test_trusted_proxy_count_reads_the_address_our_proxy_saw(intake, settings):
    settings.HMIS_TRUSTED_PROXY_COUNT = 1
    for i in range(5):
        # The client prepends its own spoofed entries; our proxy appends the real one.
        attempt(intake, "wrong password number", forwarded_for=f"1.2.3.{i}, 192.0.2.10", remote="10.9.9.9")
    assert attempt(intake, PASSWORD, forwarded_for="7.7.7.7, 192.0.2.10", remote="10.9.9.9").status_code == 429


def test_each_lockout_is_one_security_event(intake):
    for _ in range(8):
        attempt(intake, "wrong password number")
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKOUT, user=intake)
    assert events.count() == 1
    assert events.get().agency == intake.agency


def test_security_officer_unlocks_from_the_page(intake, security_officer, client_for):
    for _ in range(5):
        attempt(intake, "wrong password number")
    officer = client_for(security_officer)
    page = officer.get("/security/")
    assert b"Unlock harbor-intake" in page.content
    response = officer.post(f"/security/unlock/{intake.pk}/")
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=intake.username).exists()
    assert attempt(intake, PASSWORD).status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.UNLOCK, user=intake, actor=security_officer).exists()


def test_another_agencys_security_officer_cannot_see_or_unlock(intake, other_security_officer, client_for):
    for _ in range(5):
        attempt(intake, "wrong password number")
    officer = client_for(other_security_officer)
    assert b"harbor-intake" not in officer.get("/security/").content
    assert officer.post(f"/security/unlock/{intake.pk}/").status_code == 404
    assert attempt(intake, PASSWORD).status_code == 429


def test_lockout_lifts_after_thirty_minutes(intake):
    import time_machine
    from django.utils import timezone

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            attempt(intake, "wrong password number")
        assert attempt(intake, PASSWORD).status_code == 429
    with time_machine.travel(start + timezone.timedelta(minutes=29), tick=False):
        assert attempt(intake, PASSWORD).status_code == 429
    with time_machine.travel(start + timezone.timedelta(minutes=31), tick=False):
        assert attempt(intake, PASSWORD).status_code == 302


@pytest.mark.parametrize("who", ["intake", "no-such-user"])
def test_the_attempt_before_the_last_warns_and_the_lockout_page_leads_back(request, who, settings):
    """The same warning for an account that exists and one that does not."""
    user_or_name = request.getfixturevalue("intake") if who == "intake" else who
    warning = b"One more failed attempt pauses sign-in"
    answers = [attempt(user_or_name, "wrong password number") for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert [warning in a.content for a in answers[:-1]] == [False] * (settings.AXES_FAILURE_LIMIT - 2) + [True]
    locked = answers[-1]
    assert locked.status_code == 429 and b'href="/login/"' in locked.content
