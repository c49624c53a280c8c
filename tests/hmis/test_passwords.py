"""Password rules: Argon2, at least 12 characters, common and similar passwords refused."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from hmis.models import User


@pytest.mark.parametrize(
    "password",
    ["short pass1", "password1234", "123456789012345", "harbor-intake-1"],
)
def test_weak_passwords_are_refused(password):
    user = User(username="harbor-intake", email="harbor-intake@example.org")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_long_passphrase_is_accepted():
    user = User(username="harbor-intake")
    validate_password("the tide comes in over the old pier at dawn " * 3, user)


def test_production_hasher_is_argon2(settings):
    from hmis import settings as production

    assert production.PASSWORD_HASHERS == ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User(username="x")
    user.set_password("a long passphrase for testing")
    assert user.password.startswith("argon2$")


@pytest.mark.django_db
def test_a_user_changes_their_own_password_and_stays_signed_in(client_for, intake):
    from auditlog.models import LogEntry
    from django.test import Client

    from tests.builders.factories import PASSWORD

    client = client_for(intake)
    wrong = client.post("/account/password/", {"old_password": "not it at all", "password1": "x", "password2": "x"})
    assert wrong.status_code == 200
    weak = client.post("/account/password/", {"old_password": PASSWORD, "password1": "short", "password2": "short"})
    assert b"too short" in weak.content
    new = "a fresh and private passphrase"
    response = client.post("/account/password/", {"old_password": PASSWORD, "password1": new, "password2": new})
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # this session stays signed in
    assert Client().post("/login/", {"username": intake.username, "password": PASSWORD}).status_code == 200
    assert Client().post("/login/", {"username": intake.username, "password": new}).status_code == 302
    entry = LogEntry.objects.get_for_object(intake).latest("timestamp")
    assert entry.actor == intake and new not in str(entry.changes)
