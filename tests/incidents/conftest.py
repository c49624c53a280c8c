import pytest


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Tests without a real worker run tasks in-process (the e-mail backend is
    locmem); worker tests keep publishing to Redis."""
    if "celery_worker_factory" in request.fixturenames:
        yield
        return
    from hmis.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def escalation_staff(security_officer, agency_lead):
    """Harbor's security officer and HMIS lead, who receive escalations."""
    return security_officer, agency_lead
