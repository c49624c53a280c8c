"""Production settings: refuse development keys; ``check --deploy`` is clean."""

import os
import subprocess
import sys

from cryptography.fernet import Fernet
from django.conf import settings

PRODUCTION_ENV = {
    "HMIS_ENV": "production",
    "DJANGO_SECRET_KEY": "p" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
    "HMIS_FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "HMIS_BLIND_INDEX_KEY": "b" * 40,
    "DJANGO_ALLOWED_HOSTS": "hmis.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "HMIS_BASE_URL": "https://hmis.example.org",
    "HMIS_WEBAUTHN_RP_ID": "hmis.example.org",
    "DJANGO_SETTINGS_MODULE": "hmis.settings",
}


def manage(*args, env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HMIS_", "DJANGO_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_development_keys():
    for missing in ["DJANGO_SECRET_KEY", "HMIS_FIELD_ENCRYPTION_KEYS", "HMIS_BLIND_INDEX_KEY"]:
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
        result = manage("check", env=env)
        assert result.returncode != 0, missing
        assert "ImproperlyConfigured" in result.stderr and missing in result.stderr, missing


def test_check_deploy_refuses_production_without_an_smtp_host():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_HOST"}
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "hmis.E001" in result.stderr and "EMAIL_HOST" in result.stderr


def test_production_never_prints_e_mail_to_the_console():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_HOST"}
    result = manage("shell", "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)", env=env)
    assert result.stdout.strip().splitlines()[-1] == "django.core.mail.backends.smtp.EmailBackend", result.stderr


def test_production_refuses_a_blind_index_key_equal_to_another_key():
    env = dict(PRODUCTION_ENV, HMIS_BLIND_INDEX_KEY=PRODUCTION_ENV["DJANGO_SECRET_KEY"])
    assert manage("check", env=env).returncode != 0


def test_production_turns_on_transport_security():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = manage("shell", "-c", code, env=dict(PRODUCTION_ENV, DJANGO_DEBUG="true"))
    assert result.stdout.strip().splitlines()[-1].split() == ["63072000", "True", "True", "True", "False"], (
        result.stderr
    )


def test_a_malformed_setting_is_rejected():
    result = manage("check", env={"HMIS_IDLE_TIMEOUT_SECONDS": "15m", "DJANGO_SETTINGS_MODULE": "hmis.settings"})
    assert result.returncode != 0
    assert "HMIS_IDLE_TIMEOUT_SECONDS" in result.stderr
