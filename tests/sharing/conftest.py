import pytest

from hmis.models import Role
from tests.builders.clients import new_client
from tests.builders.factories import UserFactory


@pytest.fixture
def harbor_client(intake):
    return new_client(intake)


@pytest.fixture
def second_supervisor(harbor):
    return UserFactory(username="harbor-supervisor-2", agency=harbor, roles=[Role.SUPERVISOR])
