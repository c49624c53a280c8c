"""The passkey relying party id and origins come from settings and are
checked in production (``check --deploy``) against HMIS_BASE_URL and
ALLOWED_HOSTS."""

import pytest

from hmis.checks import check_passkey_settings
from tests.hmis.test_production_settings import PRODUCTION_ENV, manage

GOOD = {
    "ALLOWED_HOSTS": ["hmis.example.org"],
    "HMIS_BASE_URL": "https://hmis.example.org",
    "HMIS_WEBAUTHN_RP_ID": "example.org",
    "HMIS_WEBAUTHN_ORIGINS": ["https://hmis.example.org"],
}


def errors_with(settings, **changes):
    settings.PRODUCTION = True
    for name, value in {**GOOD, **changes}.items():
        setattr(settings, name, value)
    return [error.id for error in check_passkey_settings()]


def test_consistent_production_settings_pass(settings):
    assert errors_with(settings) == []


@pytest.mark.parametrize(
    ("changes", "error_id"),
    [
        ({"HMIS_WEBAUTHN_RP_ID": ""}, "hmis.E101"),
        ({"HMIS_WEBAUTHN_RP_ID": "localhost"}, "hmis.E101"),
        ({"HMIS_WEBAUTHN_RP_ID": "203.0.113.7"}, "hmis.E101"),
        ({"HMIS_WEBAUTHN_RP_ID": "other.example"}, "hmis.E102"),
        ({"HMIS_BASE_URL": "https://hmis.example.net"}, "hmis.E102"),
        ({"HMIS_WEBAUTHN_ORIGINS": []}, "hmis.E103"),
        ({"HMIS_WEBAUTHN_ORIGINS": ["http://hmis.example.org"]}, "hmis.E103"),
        ({"HMIS_WEBAUTHN_ORIGINS": ["https://hmis-login.example"]}, "hmis.E103"),
        ({"HMIS_WEBAUTHN_ORIGINS": ["https://old.example.org"]}, "hmis.E104"),
    ],
)
def test_a_missing_or_inconsistent_setting_is_an_error(settings, changes, error_id):
    assert error_id in errors_with(settings, **changes)


def test_development_checks_nothing(settings):
    settings.PRODUCTION = False
    settings.HMIS_WEBAUTHN_RP_ID = ""
    assert check_passkey_settings() == []


def test_check_deploy_fails_in_production_without_the_relying_party_id():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "HMIS_WEBAUTHN_RP_ID"}
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "hmis.E101" in result.stdout + result.stderr


def test_the_origins_follow_the_base_url_in_production():
    code = "from django.conf import settings as s; print(s.HMIS_WEBAUTHN_RP_ID, s.HMIS_WEBAUTHN_ORIGINS[0])"
    result = manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.strip().splitlines()[-1].split() == ["hmis.example.org", "https://hmis.example.org"]
