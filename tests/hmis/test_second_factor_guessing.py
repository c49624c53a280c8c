"""Guessing second-factor codes. The lockout count resets when the password
is right, so it allows only a few codes per sign-in but as many sign-ins as
one likes. What stops a guesser is django-otp's throttle on the device row:
it counts wrong codes across sign-ins and makes each wait twice as long
(1, 2, 4 ... seconds), and during a wait even the right code is refused.
Before this, the page then said only "That code did not work", so a real
user could not tell why the code was refused."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.builders.factories import PASSWORD
from tests.conftest import current_totp

pytestmark = pytest.mark.django_db


def _wrong(user):
    return "000000" if current_totp(user) != "000000" else "111111"


def _sign_in_password(user):
    client = Client()
    assert client.post("/login/", {"username": user.username, "password": PASSWORD}).headers["Location"] == (
        "/login/verify/"
    )
    return client


def test_wrong_codes_count_across_sign_ins_and_hold_back_even_the_right_code(intake):
    # A patient guesser: two sign-ins with the right password, four wrong codes each, every
    # guess made once the previous wait is over (a guess during a wait is refused uncounted).
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        for _ in range(2):
            client = _sign_in_password(intake)
            for _ in range(4):
                client.post("/login/verify/", {"token": _wrong(intake)})
                failures = TOTPDevice.objects.get(user=intake).throttling_failure_count
                clock.shift(datetime.timedelta(seconds=2 ** (failures - 1) + 1))
        assert TOTPDevice.objects.get(user=intake).throttling_failure_count == 8  # more than one sign-in allows
        client = _sign_in_password(intake)
        client.post("/login/verify/", {"token": _wrong(intake)})  # the 9th: 256 seconds to wait
        clock.shift(datetime.timedelta(seconds=60))
        refused = client.post("/login/verify/", {"token": current_totp(intake)})
        assert refused.status_code == 200
        assert b"Too many wrong codes" in refused.content
        assert client.get("/").headers["Location"] == "/login/verify/"


def test_the_right_code_works_once_the_wait_is_over(intake):
    client = _sign_in_password(intake)
    for _ in range(3):
        client.post("/login/verify/", {"token": _wrong(intake)})
    TOTPDevice.objects.filter(user=intake).update(throttling_failure_timestamp=None)  # the wait has passed
    assert client.post("/login/verify/", {"token": current_totp(intake)}).headers["Location"] == "/"
    assert TOTPDevice.objects.get(user=intake).throttling_failure_count == 0
