"""Blind-index helpers and the access-event API the apps build on."""

import datetime

import pytest

from hmis.audit import access_history, record_access
from hmis.blind_index import blind_index, normalize_date, normalize_name, normalize_ssn, phonetic_name
from hmis.models import AccessEvent


def test_names_normalise_across_case_accents_spaces_and_punctuation():
    assert normalize_name("  O'Brien ") == normalize_name("obrien") == "OBRIEN"
    assert normalize_name("José-María") == "JOSEMARIA"
    assert normalize_name(None) == normalize_name("") == ""


def test_sound_alike_names_share_a_phonetic_code():
    assert phonetic_name("Jon") == phonetic_name("John")
    assert phonetic_name("Katherine") == phonetic_name("Catherine")
    assert phonetic_name("Smith") != phonetic_name("Jones")


def test_dates_and_ssn_digits_normalise():
    assert normalize_date(datetime.date(1980, 2, 29)) == normalize_date(" 1980-02-29") == "1980-02-29"
    assert normalize_ssn("123-45-6789") == normalize_ssn("123 45 6789") == "123456789"


def test_index_is_truncated_and_separated_by_purpose():
    value = normalize_name("Smith")
    short = blind_index("last_name", value, bits=16)
    assert len(short) == 4 and short == blind_index("last_name", value, bits=16)
    assert blind_index("last_name", value, bits=64).startswith(short)
    assert blind_index("first_name", value, bits=64) != blind_index("last_name", value, bits=64)


def test_changing_the_key_changes_every_index(settings):
    before = blind_index("last_name", "SMITH", bits=64)
    settings.HMIS_BLIND_INDEX_KEY = "another-key-entirely-0123456789abcdef"
    assert blind_index("last_name", "SMITH", bits=64) != before


def test_empty_values_have_no_index_so_never_match():
    assert blind_index("ssn4", "") == ""


def test_truncation_must_be_whole_hex_digits():
    with pytest.raises(ValueError):
        blind_index("x", "y", bits=10)


@pytest.mark.django_db
def test_record_access_keeps_who_what_why_and_no_values(intake, harbor):
    event = record_access(
        actor=intake,
        action=AccessEvent.Action.REVEAL,
        subject=harbor,
        fields=["ssn"],
        reason=AccessEvent.Reason.OTHER,
        reason_text="Client asked to confirm",
        detail="page view",
    )
    assert event.actor_agency == harbor
    [listed] = access_history(harbor)
    assert (listed.action, listed.fields, listed.reason) == ("reveal", ["ssn"], "other")
    assert listed.subject_type == "hmis.agency" and listed.subject_id == harbor.pk
