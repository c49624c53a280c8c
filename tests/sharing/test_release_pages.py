"""Release pages: recording with evidence, bad input refused with a clear
message and nothing saved, evidence encrypted and served only to the
obtaining agency, the client page section, the queue, the print page."""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hmis.models import AccessEvent
from sharing import actions
from sharing import evidence as evidence_store
from sharing.models import Release
from tests.builders.clients import new_client
from tests.builders.sharing import JPEG, PDF, PNG, active_release, day, record, upload

pytestmark = pytest.mark.django_db


def form_data(eastside, **overrides):
    data = {
        "kind": "care_coordination",
        "recipient_agencies": [str(eastside.pk)],
        "categories": ["identity", "contact"],
        "purposes": ["housing_placement"],
        "consent_method": "signed_form",
        "effective_date": timezone.localdate().isoformat(),
        "expiry_date": "",
    }
    data.update(overrides)
    return data


def stored_files():
    directory = settings.HMIS_PRIVATE_STORAGE_DIR / "evidence"
    return set(directory.glob("*")) if directory.exists() else set()


def post_release(browser, client, data, file=None):
    if file is not None:
        data = {**data, "evidence": file}
    return browser.post(reverse("sharing:release-create", args=[client.pk]), data)


# --- Recording ----------------------------------------------------------------------------


def test_intake_records_a_release_with_a_scanned_form(client_for, intake, harbor_client, eastside):
    response = post_release(client_for(intake), harbor_client, form_data(eastside), upload(PDF, "scan.pdf"))
    release = Release.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:release-detail", args=[release.pk])
    assert release.status == Release.Status.PENDING
    assert release.evidence_content_type == "application/pdf"
    assert "scan" not in release.evidence_file and len(release.evidence_file) == 44
    assert AccessEvent.objects.filter(subject_id=harbor_client.pk, detail__contains=str(release.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"expiry_date": day(-1).isoformat()}, "expiry_date", "on or after the effective date"),
        (
            {"effective_date": day(-400).isoformat(), "expiry_date": day(-40).isoformat()},
            "effective_date",
            "at most 30 days in the past",
        ),
        ({"effective_date": day(-31).isoformat()}, "effective_date", "at most 30 days in the past"),
        ({"expiry_date": day(400).isoformat()}, "expiry_date", "at most 365 days"),
        ({"categories": []}, "categories", "Choose at least one kind of information"),
        ({"purposes": []}, "purposes", "Choose at least one purpose"),
        ({"recipient_agencies": []}, "recipient_agencies", "Choose who may receive"),
        ({"consent_method": "verbal_witnessed"}, "witness_name", "name of the witness"),
        (
            {"outside_recipient_name": "Maple Landlord", "outside_recipient_contact": "555-0100"},
            "outside_recipient_name",
            "partner agencies only",
        ),
        (
            {"kind": "additional", "recipient_agencies": [], "outside_recipient_name": "Maple"},
            "outside_recipient_contact",
            "how to reach",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    client_for, intake, harbor_client, eastside, overrides, field, message
):
    files_before = stored_files()
    response = post_release(client_for(intake), harbor_client, form_data(eastside, **overrides), upload(PNG))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message.lower() in " ".join(errors[field]).lower()
    assert not Release.objects.exists()
    assert stored_files() == files_before


def test_an_unverified_agency_cannot_be_named_for_care_coordination(intake, harbor_client):
    from tests.builders.factories import AgencyFactory

    unverified = AgencyFactory(slug="unverified", name="Unverified Shelter", verified_at=None)
    with pytest.raises(Exception) as error:
        record(intake, harbor_client, recipient_agencies=[unverified])
    assert "verified" in str(error.value)
    assert not Release.objects.exists()


def test_the_form_does_not_offer_unverified_agencies(client_for, intake, harbor_client, eastside):
    from tests.builders.factories import AgencyFactory

    AgencyFactory(slug="unverified", name="Unverified Shelter", verified_at=None)
    page = client_for(intake).get(reverse("sharing:release-create", args=[harbor_client.pk])).content.decode()
    assert "Eastside Housing Collective" in page
    assert "Unverified Shelter" not in page
    assert "Harbor Family Services</label>" not in page


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00 this is an exe", "form.pdf"),  # named .pdf, is not
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "form.png"),
        (b"GIF89a....", "form.jpg"),
        (b"", "empty.pdf"),
    ],
)
def test_evidence_of_the_wrong_type_is_refused_by_content(client_for, intake, harbor_client, eastside, data, name):
    file = SimpleUploadedFile(name, data, content_type="application/pdf")
    response = post_release(client_for(intake), harbor_client, form_data(eastside), file)
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors["evidence"])
    assert "PDF, PNG or JPEG" in message or "file is empty" in message
    assert not Release.objects.exists()


@pytest.mark.parametrize("data", [PNG, JPEG, PDF])
def test_pdf_png_and_jpeg_are_accepted_by_content(intake, harbor_client, eastside, data):
    release = record(
        intake,
        harbor_client,
        recipient_agencies=[eastside],
        consent_method="signed_form",
        evidence=upload(data, "whatever.bin", "application/octet-stream"),
    )
    assert evidence_store.load(release.evidence_file) == data


def test_evidence_over_the_size_limit_is_refused(client_for, intake, harbor_client, eastside, settings):
    settings.HMIS_EVIDENCE_MAX_BYTES = 2048
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 4096, content_type="image/png")
    response = post_release(client_for(intake), harbor_client, form_data(eastside), big)
    assert response.status_code == 400
    assert "too large" in " ".join(response.context["form"].errors["evidence"])
    assert not Release.objects.exists()


def test_a_signed_form_release_needs_the_form(client_for, intake, harbor_client, eastside):
    response = post_release(client_for(intake), harbor_client, form_data(eastside))
    assert response.status_code == 400
    assert "Upload the signed form" in " ".join(response.context["form"].errors["evidence"])


def test_the_same_scope_cannot_be_pending_twice(client_for, intake, harbor_client, eastside):
    browser = client_for(intake)
    assert post_release(browser, harbor_client, form_data(eastside), upload()).status_code == 302
    response = post_release(browser, harbor_client, form_data(eastside), upload())
    assert response.status_code == 400
    assert "exactly this scope" in response.content.decode()
    assert Release.objects.count() == 1


def test_another_agency_cannot_record_for_a_client_it_cannot_see(client_for, other_intake, harbor_client, eastside):
    response = post_release(client_for(other_intake), harbor_client, form_data(eastside), upload())
    assert response.status_code == 404


# --- Live summary (server side) --------------------------------------------------------------


def test_the_summary_says_what_is_ticked_in_plain_words(client_for, intake, harbor_client, eastside):
    data = form_data(
        eastside, categories=["health_disability"], purposes=["counseling"], consent_method="verbal_witnessed"
    )
    response = post_release(client_for(intake), harbor_client, data)  # no witness: re-rendered with the summary
    page = response.content.decode()
    summary = page[page.index('id="release-summary"') :]
    assert '<li data-summary-category="health_disability">your health and any disability</li>' in summary
    assert '<li data-summary-category="contact" hidden>' in summary
    assert f'<li data-summary-agency="{eastside.pk}">Eastside Housing Collective</li>' in summary
    assert '<li data-summary-purpose="counseling">counseling</li>' in summary
    assert "You can take this back at any time" in summary
    assert "<script>" not in page  # CSP: only static scripts
    assert "js/release_summary.js" in page


# --- Evidence -----------------------------------------------------------------------------------


def test_evidence_is_stored_encrypted_under_a_random_name(intake, harbor_client, eastside):
    release = record(
        intake,
        harbor_client,
        recipient_agencies=[eastside],
        consent_method="signed_form",
        evidence=upload(PDF, "Rowan Testperson consent.pdf", "application/pdf"),
    )
    on_disk = evidence_store.stored_bytes(release.evidence_file)
    assert PDF not in on_disk and b"%PDF" not in on_disk
    assert "Rowan" not in release.evidence_file
    path = settings.HMIS_PRIVATE_STORAGE_DIR / "evidence" / release.evidence_file
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not str(path).startswith(str(settings.STATIC_ROOT))


def test_evidence_is_served_to_the_obtaining_agency_and_recorded(
    client_for, intake, supervisor, harbor_client, eastside
):
    release = record(
        intake,
        harbor_client,
        recipient_agencies=[eastside],
        consent_method="signed_form",
        evidence=upload(PDF, "scan.pdf", "application/pdf"),
    )
    response = client_for(supervisor).get(reverse("sharing:release-evidence", args=[release.pk]))
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="consent-evidence.pdf"'
    assert "no-store" in response["Cache-Control"]
    event = AccessEvent.objects.get(action=AccessEvent.Action.EVIDENCE_VIEW)
    assert (event.actor, event.subject_id, event.detail) == (supervisor, harbor_client.pk, f"Release {release.pk}")


@pytest.mark.parametrize("persona", ["other_intake", "other_supervisor"])
def test_evidence_is_refused_to_other_agencies(request, client_for, intake, harbor_client, eastside, persona):
    release = record(
        intake,
        harbor_client,
        recipient_agencies=[eastside],
        consent_method="signed_form",
        evidence=upload(PDF, "scan.pdf", "application/pdf"),
    )
    response = client_for(request.getfixturevalue(persona)).get(reverse("sharing:release-evidence", args=[release.pk]))
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EVIDENCE_VIEW).exists()


def test_evidence_is_refused_even_to_a_partner_that_can_see_the_client(
    client_for, intake, other_intake, harbor_client, eastside
):
    from clients.actions import grant_client_access

    release = record(
        intake,
        harbor_client,
        recipient_agencies=[eastside],
        consent_method="signed_form",
        evidence=upload(PDF, "scan.pdf", "application/pdf"),
    )
    grant_client_access(group_or_user=eastside.group, client=harbor_client)
    response = client_for(other_intake).get(reverse("sharing:release-evidence", args=[release.pk]))
    assert response.status_code == 404


def test_evidence_has_no_public_url(intake, harbor_client, eastside):
    release = record(
        intake, harbor_client, recipient_agencies=[eastside], consent_method="signed_form", evidence=upload(PDF)
    )
    from django.test import Client

    assert Client().get(f"/media/evidence/{release.evidence_file}").status_code in (302, 404)
    assert Client().get(f"/static/evidence/{release.evidence_file}").status_code == 404


# --- Client page, queue, print ---------------------------------------------------------------


def test_the_client_page_lists_releases_by_state_with_their_scope(
    client_for, intake, supervisor, harbor_client, eastside
):
    active = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside], categories=["contact"])
    record(intake, harbor_client, recipient_agencies=[eastside], categories=["identity"])
    ended = active_release(intake, supervisor, harbor_client, recipient_agencies=[eastside], categories=["assessments"])
    actions.revoke_release(acting_user=intake, release=ended)
    section = client_for(intake).get(reverse("clients:detail", args=[harbor_client.pk])).context["releases"]
    assert [v.release for v in section["active"]] == [active]
    assert [v.release.categories for v in section["pending"]] == [["identity"]]
    assert [v.release for v in section["ended"]] == [ended]
    assert section["active"][0].scope.startswith(
        "Shares contact details (phone, e-mail, address) with Eastside Housing Collective for housing placement, from "
    )


@pytest.mark.parametrize("persona", ["security_officer", "agency_lead"])
def test_officers_and_leads_do_not_see_release_metadata(request, client_for, intake, harbor_client, eastside, persona):
    record(intake, harbor_client, recipient_agencies=[eastside])
    response = client_for(request.getfixturevalue(persona)).get(reverse("clients:detail", args=[harbor_client.pk]))
    assert response.status_code == 200
    assert 'id="releases"' not in response.content.decode()


def test_the_supervisor_queue_is_on_the_dashboard(client_for, intake, supervisor, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    own = record(supervisor, harbor_client, recipient_agencies=[eastside], categories=["contact"])
    response = client_for(supervisor).get(reverse("dashboard"))
    page = response.content.decode()
    assert "Releases to decide" in page
    views = {v.release: v for v in response.context["pending_releases"]}
    assert views[release].can_decide and not views[own].can_decide
    assert "you recorded it" in page
    assert harbor_client.first_name not in page
    assert "Releases to decide" not in client_for(intake).get(reverse("dashboard")).content.decode()


def test_supervisor_cannot_approve_own_release_through_the_page(client_for, supervisor, harbor_client, eastside):
    release = record(supervisor, harbor_client, recipient_agencies=[eastside])
    assert client_for(supervisor).post(reverse("sharing:release-approve", args=[release.pk])).status_code == 403
    page = client_for(supervisor).get(reverse("sharing:release-detail", args=[release.pk])).content.decode()
    assert 'id="approve-release"' not in page
    assert "another supervisor" in page


def test_denying_without_a_reason_is_refused(client_for, intake, supervisor, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    response = client_for(supervisor).post(reverse("sharing:release-deny", args=[release.pk]), {"reason": " "})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    release.refresh_from_db()
    assert release.status == Release.Status.PENDING


def test_the_printable_summary_has_no_ssn_name_or_birth_date(client_for, intake, supervisor, eastside):
    client = new_client(
        intake,
        first_name="Rowan",
        last_name="Testperson",
        ssn="219099999",
        ssn_data_quality=1,
        dob=datetime.date(1980, 5, 17),
        dob_data_quality=1,
    )
    release = active_release(intake, supervisor, client, recipient_agencies=[eastside])
    response = client_for(intake).get(reverse("sharing:release-print", args=[release.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert client.reference in page
    for secret in ("219099999", "219-09-9999", "9999", "Rowan", "Testperson", "1980"):
        assert secret not in page, secret
    assert "Eastside Housing Collective" in page and "You can take this back at any time" in page
    assert AccessEvent.objects.filter(action=AccessEvent.Action.PRINT, subject_id=client.pk).exists()


def test_release_pages_carry_no_pii_in_titles(client_for, intake, harbor_client, eastside):
    release = record(intake, harbor_client, recipient_agencies=[eastside])
    for name in ("sharing:release-detail", "sharing:release-print"):
        page = client_for(intake).get(reverse(name, args=[release.pk])).content.decode()
        title = page[page.index("<title>") : page.index("</title>")]
        assert harbor_client.first_name not in title and harbor_client.reference not in title


def test_key_rotation_re_encrypts_evidence_files(intake, harbor_client, eastside, settings, tmp_path):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    settings.HMIS_PRIVATE_STORAGE_DIR = tmp_path

    release = record(
        intake,
        harbor_client,
        recipient_agencies=[eastside],
        consent_method="signed_form",
        evidence=upload(PDF, "form.pdf", "application/pdf"),
    )
    before = evidence_store.stored_bytes(release.evidence_file)
    new_key = Fernet.generate_key().decode()
    settings.HMIS_FIELD_ENCRYPTION_KEYS = [new_key, *settings.HMIS_FIELD_ENCRYPTION_KEYS]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))
    after = evidence_store.stored_bytes(release.evidence_file)
    assert after != before
    assert Fernet(new_key.encode()).decrypt(after) == PDF
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))
    assert evidence_store.stored_bytes(release.evidence_file) == after  # already under the newest key
    settings.HMIS_FIELD_ENCRYPTION_KEYS = [new_key]
    assert evidence_store.load(release.evidence_file) == PDF
