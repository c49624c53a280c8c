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
