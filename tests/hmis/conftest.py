import pytest


@pytest.fixture
def eager_celery():
    """Tasks run in-process at once (the e-mail backend is locmem)."""
    from hmis.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
