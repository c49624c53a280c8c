"""The access history's time column: ``stamp`` writes what Django's
``|date:"Y-m-d H:i:s T"`` wrote before it, in every time zone and across
daylight-saving changes, and names the zone in the hour a clock repeats,
where the date filter named none."""

import datetime
import zoneinfo

import pytest
from django.template import engines
from django.utils import timezone

DJANGO = engines["django"].from_string('{{ at|date:"Y-m-d H:i:s T" }}')
STAMP = engines["django"].from_string("{% load timestamps %}{{ at|stamp }}")

UTC = datetime.UTC
MOMENTS = [
    datetime.datetime(2026, 12, 3, 6, 21, 30, 123456, tzinfo=UTC),
    datetime.datetime(2026, 7, 1, 23, 59, 59, tzinfo=UTC),
    datetime.datetime(2026, 3, 8, 9, 59, 59, tzinfo=UTC),  # just before Los Angeles springs forward
    datetime.datetime(2026, 3, 8, 10, 0, 0, tzinfo=UTC),  # just after
    datetime.datetime(1999, 12, 31, 23, 0, 0, tzinfo=UTC),
]


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "America/New_York", "UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("at", MOMENTS)
def test_stamp_writes_what_the_date_filter_wrote(zone, at):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        assert STAMP.render({"at": at}) == DJANGO.render({"at": at})


def test_stamp_shows_the_local_time_and_zone():
    with timezone.override(zoneinfo.ZoneInfo("America/Los_Angeles")):
        assert STAMP.render({"at": MOMENTS[0]}) == "2026-12-02 22:21:30 PST"
        assert STAMP.render({"at": MOMENTS[1]}) == "2026-07-01 16:59:59 PDT"


def test_no_time_is_blank():
    assert STAMP.render({"at": None}) == ""


def test_the_repeated_hour_keeps_its_two_times_apart():
    """When clocks fall back, 01:30 happens twice; an access history that
    showed "01:30:00" for both (Django's filter leaves the zone out there)
    could not say which came first."""
    first, second = (datetime.datetime(2026, 11, 1, h, 30, tzinfo=UTC) for h in (8, 9))
    with timezone.override(zoneinfo.ZoneInfo("America/Los_Angeles")):
        assert DJANGO.render({"at": first}) == DJANGO.render({"at": second}) == "2026-11-01 01:30:00 "
        assert STAMP.render({"at": first}) == "2026-11-01 01:30:00 PDT"
        assert STAMP.render({"at": second}) == "2026-11-01 01:30:00 PST"
