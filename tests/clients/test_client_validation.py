"""Client, enrollment and assessment rules, in words a worker understands."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from clients import actions
from clients.models import Client
from tests.builders.clients import assessment_answers, make_client, make_enrollment
from tests.canaries import CANARY_FIRST

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def errors_of(user, **overrides):
    with pytest.raises(ValidationError) as caught:
        make_client(user, **overrides)
    return caught.value.message_dict


def test_client_is_created_with_hud_codes_and_a_reference(intake):
    client = make_client(intake)
    assert client.reference.startswith("C-") and len(client.reference) == 10
    assert str(client) == f"Client {client.reference}"
    assert CANARY_FIRST not in str(client)
    loaded = Client.objects.get(pk=client.pk)
    assert (loaded.name_data_quality, loaded.ssn_data_quality, loaded.dob_data_quality) == (1, 1, 1)
    assert loaded.owning_agency == intake.agency


def test_ssn_with_dashes_is_stored_as_digits(intake):
    client = make_client(intake, ssn="219-87-3456")
    assert Client.objects.get(pk=client.pk).ssn == "219873456"


@pytest.mark.parametrize(
    "ssn, words",
    [
        ("000873456", "000, 666 or 9"),
        ("666873456", "000, 666 or 9"),
        ("912873456", "000, 666 or 9"),
        ("219003456", "never 00"),
        ("219870000", "never 0000"),
        ("111111111", "placeholder"),
        ("000000000", "placeholder"),
        ("21987345", "nine digits"),
    ],
)
def test_impossible_ssns_are_refused_with_the_rule(intake, ssn, words):
    assert words in " ".join(errors_of(intake, ssn=ssn)["ssn"])


def test_partial_ssn_accepts_the_last_four(intake):
    client = make_client(intake, ssn="3456", ssn_data_quality=2)
    assert client.ssn == "3456"


@pytest.mark.parametrize("quality", [8, 9, 99])
def test_ssn_must_be_empty_when_quality_says_not_given(intake, quality):
    assert "leave the SSN empty" in errors_of(intake, ssn_data_quality=quality)["ssn"][0]
    assert make_client(intake, ssn="", ssn_data_quality=quality).ssn is None


def test_ssn_is_required_when_quality_says_full(intake):
    assert "Enter the SSN" in errors_of(intake, ssn="")["ssn"][0]


@pytest.mark.parametrize("quality", [8, 9, 99])
def test_names_are_empty_exactly_when_quality_says_not_given(intake, quality):
    assert "leave the name empty" in errors_of(intake, name_data_quality=quality)["first_name"][0]
    client = make_client(intake, first_name="", last_name="", name_data_quality=quality)
    assert client.first_name is None and client.last_name is None


def test_full_name_needs_first_and_last(intake):
    assert "first and a last name" in errors_of(intake, last_name="")["last_name"][0]
    assert make_client(intake, last_name="", name_data_quality=2).last_name is None


def test_missing_name_with_quality_partial_is_refused(intake):
    assert "Enter the name" in errors_of(intake, first_name="", last_name="", name_data_quality=2)["first_name"][0]


def test_future_and_placeholder_birth_dates_are_refused(intake):
    assert "future" in errors_of(intake, dob=TODAY + datetime.timedelta(days=1))["dob"][0]
    assert "placeholder" in errors_of(intake, dob=datetime.date(1900, 1, 1))["dob"][0]
    assert "leave the date empty" in errors_of(intake, dob_data_quality=99)["dob"][0]
    assert "Enter the date of birth" in errors_of(intake, dob=None)["dob"][0]


def test_race_not_given_stands_alone(intake):
    assert "stand alone" in errors_of(intake, race_ethnicity=[5, 99])["race_ethnicity"][0]
    assert "at least one" in errors_of(intake, race_ethnicity=[])["race_ethnicity"][0]
    assert make_client(intake, race_ethnicity=[3, 6]).race_ethnicity == [3, 6]


def test_anonymous_record_erases_identifying_values_and_keeps_birth_year(intake):
    client = make_client(intake, is_anonymous=True)
    loaded = Client.objects.get(pk=client.pk)
    assert loaded.first_name is None and loaded.ssn is None and loaded.dob is None and loaded.phone is None
    assert loaded.birth_year == 1983
    assert loaded.name_data_quality == loaded.ssn_data_quality == loaded.dob_data_quality == 9
    assert all(getattr(loaded, c) is None for c in ("name_bidx", "ssn4_dob_bidx", "initials_dob_bidx"))


def test_making_an_existing_record_anonymous_erases_its_pii(intake):
    client = make_client(intake)
    actions.update_client(acting_user=intake, client=client, is_anonymous=True)
    loaded = Client.objects.get(pk=client.pk)
    assert loaded.first_name is None and loaded.last_permanent_address is None and loaded.name_bidx is None


def test_entry_date_cannot_be_in_the_future_or_before_birth(intake):
    client = make_client(intake)
    with pytest.raises(ValidationError) as caught:
        make_enrollment(intake, client, entry_date=TODAY + datetime.timedelta(days=1))
    assert "future" in caught.value.message_dict["entry_date"][0]
    with pytest.raises(ValidationError) as caught:
        make_enrollment(intake, client, entry_date=datetime.date(1980, 1, 1))
    assert "date of birth" in caught.value.message_dict["entry_date"][0]


def test_exit_needs_a_destination_and_cannot_precede_entry(intake):
    client = make_client(intake)
    enrollment = make_enrollment(intake, client)
    with pytest.raises(ValidationError) as caught:
        actions.exit_enrollment(
            acting_user=intake,
            enrollment=enrollment,
            exit_date=enrollment.entry_date - datetime.timedelta(days=1),
            destination=410,
        )
    assert "before the entry date" in caught.value.message_dict["exit_date"][0]
    actions.exit_enrollment(acting_user=intake, enrollment=enrollment, exit_date=TODAY, destination=410)
    enrollment.refresh_from_db()
    assert enrollment.get_destination_display() == "Rental by client, no ongoing housing subsidy"


def test_assessment_dates_and_answers_are_checked(intake):
    client = make_client(intake)
    enrollment = make_enrollment(intake, client)
    with pytest.raises(ValidationError) as caught:
        actions.record_assessment(
            acting_user=intake,
            enrollment=enrollment,
            **assessment_answers(assessment_date=TODAY + datetime.timedelta(days=2)),
        )
    assert "future" in caught.value.message_dict["assessment_date"][0]
    with pytest.raises(ValidationError) as caught:
        actions.record_assessment(
            acting_user=intake, enrollment=enrollment, **assessment_answers(income_from_any_source=0, monthly_income=50)
        )
    assert "income" in caught.value.message_dict["monthly_income"][0].lower()
    assessment = actions.record_assessment(
        acting_user=intake,
        enrollment=enrollment,
        **assessment_answers(domestic_violence_survivor=1, currently_fleeing=1),
    )
    assert assessment.get_domestic_violence_survivor_display() == "Yes"


def test_sensitive_assessment_answers_are_encrypted_at_rest(intake):
    from django.db import connection

    client = make_client(intake)
    enrollment = make_enrollment(intake, client)
    assessment = actions.record_assessment(acting_user=intake, enrollment=enrollment, **assessment_answers())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT disabling_condition, domestic_violence_survivor, monthly_income"
            " FROM clients_assessment WHERE id=%s",
            [assessment.pk],
        )
        row = cursor.fetchone()
    assert all(value.startswith("gAAAA") for value in row)
