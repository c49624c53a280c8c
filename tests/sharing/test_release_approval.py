"""Approving a release happens on the release page, after the evidence has
been opened by the approver; not from a button on the dashboard or queue."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sharing import actions
from sharing.models import Release
from tests.builders.sharing import PDF, record, upload

pytestmark = pytest.mark.django_db


def signed_form_release(intake, harbor_client, eastside):
    return record(
        intake, harbor_client, recipient_agencies=[eastside], consent_method="signed_form", evidence=upload(PDF)
    )


def test_approval_is_refused_until_the_approver_opened_the_signed_form(
    client_for, intake, supervisor, harbor_client, eastside
):
    release = signed_form_release(intake, harbor_client, eastside)
    http = client_for(supervisor)
    page = http.post(reverse("sharing:release-approve", args=[release.pk]), follow=True).content.decode()
    assert "Open the signed consent form" in page
    release.refresh_from_db()
    assert release.status == Release.Status.PENDING


def test_approval_succeeds_after_the_approver_opened_the_signed_form(
    client_for, intake, supervisor, harbor_client, eastside
):
    release = signed_form_release(intake, harbor_client, eastside)
    http = client_for(supervisor)
    assert http.get(reverse("sharing:release-evidence", args=[release.pk])).status_code == 200
    http.post(reverse("sharing:release-approve", args=[release.pk]))
    release.refresh_from_db()
    assert release.status == Release.Status.ACTIVE


def test_someone_elses_opening_does_not_count(intake, supervisor, harbor_client, eastside):
    release = signed_form_release(intake, harbor_client, eastside)
    actions.record_evidence_viewed(acting_user=intake, release=release)
    with pytest.raises(ValidationError, match="Open the signed consent form"):
        actions.approve_release(acting_user=supervisor, release=release)


def test_the_queue_and_dashboard_have_no_approve_button(client_for, intake, supervisor, harbor_client, eastside):
    record(intake, harbor_client, recipient_agencies=[eastside])
    http = client_for(supervisor)
    for name in ("dashboard", "sharing:release-queue"):
        page = http.get(reverse(name)).content.decode()
        assert "Review" in page
        assert "sharing/releases/" in page and "/approve/" not in page
