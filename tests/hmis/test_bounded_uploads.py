"""Bounded uploads and requests (issue 10, item 7), through Django's own
request handler: the CSRF check comes before any file is read, a request
carries at most the files its form takes, a body larger than its view takes
is refused unread, and an accepted file is streamed sealed to disk.

The worker-memory figures with a real gunicorn are in test_web_server.py.
"""

import re

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hmis.uploads import TOKEN_SEARCH_BYTES, SealedSpool
from sharing import evidence as evidence_store
from sharing.models import Release
from tests.builders.clients import new_client
from tests.builders.sharing import PDF, upload
from tests.conftest import verified_session

pytestmark = pytest.mark.django_db

BOUNDARY = "----HmisTestBoundary7MA4YWxkTrZu0gW"
TEN_MB = 10 * 1024 * 1024


def release_fields(eastside):
    return {
        "kind": "care_coordination",
        "recipient_agencies": [str(eastside.pk)],
        "categories": ["identity"],
        "purposes": ["housing_placement"],
        "consent_method": "signed_form",
        "effective_date": timezone.localdate().isoformat(),
        "expiry_date": "",
    }


def form_page_token(browser, url):
    page = browser.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.fixture
def strict_browser(intake):
    """A browser as a real one behaves: CSRF enforced."""
    return verified_session(Client(enforce_csrf_checks=True), intake)


def test_the_release_form_records_with_the_token_first_as_browsers_send_it(strict_browser, intake, eastside):
    record = new_client(intake)
    url = reverse("sharing:release-create", args=[record.pk])
    token = form_page_token(strict_browser, url)
    data = {"csrfmiddlewaretoken": token, **release_fields(eastside), "evidence": upload(PDF, "scan.pdf")}
    response = strict_browser.post(url, data)
    assert response.status_code == 302
    release = Release.objects.get()
    assert evidence_store.load(release.evidence_file) == PDF


def test_the_token_may_come_in_the_header(strict_browser, intake, eastside):
    record = new_client(intake)
    url = reverse("sharing:release-create", args=[record.pk])
    token = form_page_token(strict_browser, url)
    response = strict_browser.post(
        url, {**release_fields(eastside), "evidence": upload(PDF, "scan.pdf")}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 302
    assert Release.objects.count() == 1


def test_a_token_after_the_file_is_refused_before_the_file_is_read(strict_browser, intake, eastside):
    record = new_client(intake)
    url = reverse("sharing:release-create", args=[record.pk])
    token = form_page_token(strict_browser, url)
    data = {**release_fields(eastside), "evidence": upload(PDF, "scan.pdf"), "csrfmiddlewaretoken": token}
    response = strict_browser.post(url, data)
    assert response.status_code == 403
    assert b"This form expired" in response.content
    assert not Release.objects.exists()


class CountingBody:
    """A request body that counts how much of it the server read."""

    def __init__(self, data):
        self.data, self.position = data, 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.position + size
        chunk = self.data[self.position : end]
        self.position += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size)


def multipart(parts):
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            body += b"Content-Type: application/pdf\r\n"
        body += b"\r\n" + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def call_wsgi(path, body, cookie):
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(len(body.data)),
        "HTTP_COOKIE": cookie,
        "wsgi.input": body,
        "wsgi.url_scheme": "http",
        "wsgi.errors": None,
    }
    status = []
    WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s))
    return int(status[0].split()[0])


def test_a_bad_token_is_refused_having_read_none_of_the_files(intake):
    record = new_client(intake)
    secret = "k" * 32  # a CSRF cookie of the right shape; the token does not match it
    # Within the body limit (so it is the CSRF check that refuses), two files.
    files = [("evidence", "a.pdf", PDF + b"\0" * (TEN_MB - 1024)), ("evidence", "b.pdf", PDF + b"\0" * 1_000_000)]
    body = CountingBody(multipart([("csrfmiddlewaretoken", None, b"x" * 64), *files]))
    status = call_wsgi(
        reverse("sharing:release-create", args=[record.pk]), body, f"{settings.CSRF_COOKIE_NAME}={secret}"
    )
    assert status == 403
    assert body.position <= TOKEN_SEARCH_BYTES < len(body.data) // 100


def test_a_request_carries_at_most_the_one_file_the_release_form_takes(client_for, intake, eastside):
    record = new_client(intake)
    url = reverse("sharing:release-create", args=[record.pk])
    browser = client_for(intake)
    response = browser.post(url, {**release_fields(eastside), "evidence": [upload(PDF, "a.pdf"), upload(PDF, "b.pdf")]})
    assert response.status_code == 400
    assert not Release.objects.exists()


def test_a_form_that_takes_no_file_refuses_one(client_for, intake):
    record = new_client(intake)
    response = client_for(intake).post(
        reverse("clients:edit", args=[record.pk]), {"first_name": "Changed", "attachment": upload(PDF)}
    )
    assert response.status_code == 400
    record.refresh_from_db()
    assert record.first_name != "Changed"


def test_a_body_larger_than_the_view_takes_is_refused_unread(client_for, intake, eastside, settings):
    settings.HMIS_EVIDENCE_MAX_BYTES = 4096
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    record = new_client(intake)
    big = upload(PDF + b"\0" * 20_000, "big.pdf")
    response = client_for(intake).post(
        reverse("sharing:release-create", args=[record.pk]), {**release_fields(eastside), "evidence": big}
    )
    assert response.status_code == 413
    assert b"too large" in response.content
    assert not Release.objects.exists()
    # A form without a file is bounded by its fields alone.
    response = client_for(intake).post(reverse("clients:edit", args=[record.pk]), {"first_name": "x" * 10_000})
    assert response.status_code == 413


def test_an_upload_is_spooled_sealed_never_as_plaintext_on_disk():
    spool = SealedSpool()
    secret = b"%PDF-1.7 Rowan Testperson signed consent " * 1000
    spool.write(secret[:1000])
    spool.write(secret[1000:])
    spool._file.seek(0)
    on_disk = spool._file.read()
    assert len(on_disk) == len(secret) and b"Rowan" not in on_disk
    spool.seek(0)
    assert spool.read(10) + spool.read() == secret
    spool.close()
