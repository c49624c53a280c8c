"""Notices and e-mails carry a reference and a link, never PII."""

import pytest
from django.urls import reverse

from hmis.models import Notice
from hmis.tasks import email_for
from sharing import actions
from tests.builders.clients import make_client
from tests.builders.sharing import care_release, housing_share
from tests.canaries import CANARIES, CANARY_ADDRESS, CANARY_FIRST, CANARY_LAST


def assert_no_pii(text):
    for canary in CANARIES:
        assert canary.lower() not in text.lower(), canary


@pytest.mark.django_db
def test_the_recipient_staff_get_a_notice_without_pii(
    intake, supervisor, other_intake, other_supervisor, other_security_officer, eastside
):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    share = housing_share(intake, client, eastside)
    notices = Notice.objects.filter(text__contains=share.reference)
    assert {n.recipient for n in notices} == {other_intake, other_supervisor}
    for notice in notices:
        assert_no_pii(notice.text)
        assert notice.link == reverse("sharing:share-notice", args=[share.pk])
        subject, body = email_for(notice)
        assert_no_pii(subject + body)
        assert share.reference in body and str(share.pk) in body
    assert client.reference not in notices.first().text


@pytest.mark.django_db
def test_notices_page_and_mark_read(client_for, intake, supervisor):
    actions.report_pressure(acting_user=intake)
    http = client_for(supervisor)
    page = http.get(reverse("notices")).content.decode()
    assert "Pressure-to-share report" in page
    assert "Notices (1)" in page
    http.post(reverse("notices-read"))
    assert not Notice.objects.filter(recipient=supervisor, read_at__isnull=True).exists()
    # The count comes with the signed-in user on each request: the next page shows none.
    page = http.get(reverse("notices")).content.decode()
    assert "Notices (1)" not in page and ">Notices<" in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_the_referral_notice_with_no_pii(
    smtp_sink, celery_worker_factory, intake, supervisor, other_intake, eastside
):
    celery_worker_factory({"EMAIL_HOST": smtp_sink.host, "EMAIL_PORT": str(smtp_sink.port)})
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside)
    share = housing_share(intake, client, eastside)
    [mail] = smtp_sink.wait_for(1)
    assert mail["to"] == [other_intake.email]
    assert share.reference in mail["body"]
    assert f"/sharing/referrals/{share.pk}/notice/" in mail["body"]
    assert_no_pii(mail["body"] + str(mail["message"]["Subject"]))
    assert_no_pii(mail["message"].as_string())
    # Claimed once: a redelivery sends nothing more.
    assert Notice.objects.get(recipient=other_intake).emailed_at is not None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_the_system_admin_about_an_external_request(
    smtp_sink, celery_worker_factory, intake, system_admin
):
    celery_worker_factory({"EMAIL_HOST": smtp_sink.host, "EMAIL_PORT": str(smtp_sink.port)})
    found = actions.record_external_request(
        acting_user=intake,
        requester_name=f"{CANARY_FIRST} {CANARY_LAST}",
        requester_type="law_enforcement",
        channel="phone",
        what_was_asked=f"About {CANARY_ADDRESS}",
    )
    [mail] = smtp_sink.wait_for(1)
    assert mail["to"] == [system_admin.email]
    assert found.reference in mail["body"]
    assert_no_pii(mail["message"].as_string())
