"""Every link of every notice, and of its e-mail copy (and of the demo
incident's escalation e-mails), opens for its recipient.

The notices are those the demo data (``seed_demo``) and a representative set
of actions create: referrals sent, accepted, declined, withdrawn and ended by
a revoked release, a pressure report, an external request.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client as HttpClient
from django_otp.plugins.otp_totp.models import TOTPDevice

from hmis import actions as hmis_actions
from hmis.models import Agency, Notice, User
from hmis.tasks import email_for
from sharing import actions
from sharing.models import Share
from tests.builders.clients import make_client
from tests.builders.factories import TOTP_KEY
from tests.builders.sharing import care_release, housing_share
from tests.conftest import verified_session


def signed_in(user):
    # Demo users are new: they accept the agreement and set up an authenticator app first.
    if user.agreement_version != settings.HMIS_USER_AGREEMENT_VERSION:
        hmis_actions.accept_user_agreement(acting_user=user)
    TOTPDevice.objects.get_or_create(user=user, name="Authenticator app", defaults={"key": TOTP_KEY, "confirmed": True})
    return verified_session(HttpClient(), user)


def links_of(notice):
    """The notice's own link and every link of its e-mail, as paths."""
    _, body = email_for(notice)
    found = re.findall(re.escape(settings.HMIS_BASE_URL) + r"(\S+)", body)
    return {notice.link or urlsplit(found[0]).path, *found}


def assert_every_link_opens(notices):
    assert notices, "the scenario made no notices"
    for notice in notices:
        http = signed_in(notice.recipient)
        for path in links_of(notice):
            answer = http.get(path, follow=True)
            landed = answer.redirect_chain[-1][0] if answer.redirect_chain else path
            assert answer.status_code == 200, (notice.text, notice.recipient.username, path, answer.status_code)
            assert not landed.startswith(("/login", "/account")), (notice.text, notice.recipient.username, path, landed)


@pytest.mark.django_db
def test_every_link_of_the_demo_notices_opens_for_its_recipient():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    eastside = Agency.objects.get(slug="eastside")
    share = Share.objects.get(to_agency=eastside)
    actions.accept_share(acting_user=User.objects.get(username="eastside-intake"), share=share)
    actions.revoke_release(
        acting_user=User.objects.get(username="harbor-supervisor"),
        release=share.release,
        reason="The client withdrew consent.",
    )
    assert_every_link_opens(list(Notice.objects.select_related("recipient")))
    assert_every_escalation_link_opens()


def assert_every_escalation_link_opens():
    """The demo incident's escalation e-mails: each link opens for each staff recipient."""
    from incidents.emails import escalation_message
    from incidents.models import Notification

    notifications = list(Notification.objects.filter(recipient__isnull=False).select_related("recipient"))
    assert notifications, "the demo data made no escalation to staff"
    for notification in notifications:
        body = escalation_message(notification).body
        http = signed_in(notification.recipient)
        for path in re.findall(re.escape(settings.HMIS_BASE_URL) + r"(\S+)", body):
            answer = http.get(path, follow=True)
            assert answer.status_code == 200, (notification.recipient.username, path, answer.status_code)


@pytest.mark.django_db
def test_every_link_of_a_referral_life_opens_for_its_recipient(
    intake, supervisor, other_intake, other_supervisor, eastside, system_admin
):
    accepted_client = make_client(intake)
    care_release(intake, supervisor, accepted_client, eastside)
    actions.accept_share(acting_user=other_intake, share=housing_share(intake, accepted_client, eastside))
    declined_client = make_client(intake, first_name="Ada")
    care_release(intake, supervisor, declined_client, eastside)
    actions.decline_share(
        acting_user=other_supervisor, share=housing_share(intake, declined_client, eastside), note="No vacancy."
    )
    withdrawn_client = make_client(intake, first_name="Bea")
    care_release(intake, supervisor, withdrawn_client, eastside)
    actions.withdraw_share(acting_user=intake, share=housing_share(intake, withdrawn_client, eastside))
    actions.report_pressure(acting_user=intake)
    actions.record_external_request(
        acting_user=intake,
        requester_name="A requester",
        requester_type="law_enforcement",
        channel="phone",
        what_was_asked="A question",
    )
    assert Notice.objects.filter(recipient=intake, text__contains="accepted").exists()
    assert Notice.objects.filter(recipient=other_intake, text__contains="withdrawn").exists()
    assert_every_link_opens(list(Notice.objects.select_related("recipient")))


@pytest.mark.django_db
def test_the_old_notices_address_in_earlier_emails_leads_to_the_notices(intake):
    answer = signed_in(intake).get("/sharing/notices/", follow=True)
    assert answer.status_code == 200
    assert answer.redirect_chain == [("/notices/", 301)]
