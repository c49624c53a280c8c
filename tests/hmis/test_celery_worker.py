"""A real Celery worker on the Redis broker delivers the invitation e-mail
to a real SMTP server once the transaction commits, and never before."""

import pytest
from django.db import transaction

from hmis import actions
from hmis.models import Role

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_invitation_email_is_sent_by_a_real_worker_after_commit(smtp_sink, celery_worker_factory, agency_lead):
    celery_worker_factory({"EMAIL_HOST": smtp_sink.host, "EMAIL_PORT": str(smtp_sink.port)})
    user, token = actions.invite_user(
        acting_user=agency_lead,
        agency=agency_lead.agency,
        username="new-worker",
        first_name="Nadia",
        last_name="Newhire",
        email="new-worker@example.org",
        roles={Role.INTAKE},
    )
    [mail] = smtp_sink.wait_for(1)
    assert mail["to"] == ["new-worker@example.org"]
    assert f"/password/set/{token}/" in mail["body"]
    assert "new-worker" in mail["body"]


def test_nothing_is_sent_when_the_transaction_rolls_back(smtp_sink, celery_worker_factory, agency_lead):
    worker = celery_worker_factory({"EMAIL_HOST": smtp_sink.host, "EMAIL_PORT": str(smtp_sink.port)})

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        actions.invite_user(
            acting_user=agency_lead,
            agency=agency_lead.agency,
            username="never-saved",
            first_name="N",
            last_name="S",
            email="never-saved@example.org",
            roles={Role.INTAKE},
        )
        raise Abort
    # A second, committed invitation proves the worker is live and ran in order.
    actions.invite_user(
        acting_user=agency_lead,
        agency=agency_lead.agency,
        username="saved",
        first_name="S",
        last_name="S",
        email="saved@example.org",
        roles={Role.INTAKE},
    )
    smtp_sink.wait_for(1)
    assert [m["to"] for m in smtp_sink.messages] == [["saved@example.org"]]
    assert "never-saved" not in worker.output()
