"""The web tier under hostile clients, with a real gunicorn started as
``bin/run`` starts it (``-c gunicorn.conf.py``), one worker (issue 10, item 7
and item 9's access log).

Memory is the worker's resident set from /proc: its peak (VmHWM, reset
before each request) minus its size before.
"""

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.builders.clients import new_client
from tests.builders.sharing import PDF
from tests.conftest import free_port, verified_session, worker_environment

BOUNDARY = "----HmisWebServerBoundary"
MB = 1024 * 1024
MEMORY_GROWTH_LIMIT_MB = 50
CSRF_SECRET = "k" * 32  # a CSRF cookie of the right shape; "k" * 32 is also its matching token


class Gunicorn:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.access_log = tmp_path / "access.log"
        self.error_log = tmp_path / "error.log"
        access_format = Path(settings.BASE_DIR / "bin" / "run").read_text().split("--access-logformat '")[1]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "hmis.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--access-logfile",
                str(self.access_log),
                "--access-logformat",
                access_format.split("'")[0],
                "--error-logfile",
                str(self.error_log),
                "--no-control-socket",  # several test runs on one machine would share ~/.gunicorn
            ],
            cwd=settings.BASE_DIR,
            env=worker_environment(),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.get("/health/", timeout=2)
                return
            except OSError:
                assert self.process.poll() is None, self.error_log.read_text()
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start: " + self.error_log.read_text()[-2000:])

    def get(self, path, timeout=5):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as response:
            return response.status

    @property
    def worker_pid(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def memory_kb(self, field):
        for line in Path(f"/proc/{self.worker_pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise AssertionError(field)

    def reset_peak_memory(self):
        Path(f"/proc/{self.worker_pid}/clear_refs").write_text("5")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def web(transactional_db, tmp_path):
    server = Gunicorn(tmp_path)
    yield server
    server.stop()


def multipart_body(fields, files):
    """(content length, chunks) of a multipart body, made as it is sent."""
    pieces = []
    for name, value in fields:
        pieces.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for index, size in enumerate(files):
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; filename="scan{index}.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        pieces.append((head, size))
    tail = f"--{BOUNDARY}--\r\n".encode()
    length = len(tail)
    for piece in pieces:
        length += len(piece) if isinstance(piece, bytes) else len(piece[0]) + piece[1] + 2
    block = PDF + b"\0" * (MB - len(PDF))

    def chunks():
        for piece in pieces:
            if isinstance(piece, bytes):
                yield piece
                continue
            head, size = piece
            yield head
            for start in range(0, size, MB):
                yield block[: min(MB, size - start)]
            yield b"\r\n"
        yield tail

    return length, chunks()


def post_multipart(web, path, fields, files, cookies):
    """Send the body from another thread while waiting for the answer, as an
    attacker's client would; returns (status, seconds to the answer)."""
    length, chunks = multipart_body(fields, files)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {length}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", web.port))
    sock.settimeout(60)

    def pump():
        try:
            sock.sendall(head)
            for chunk in chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and closed without reading the rest

    started = time.monotonic()
    sender = threading.Thread(target=pump, daemon=True)
    sender.start()
    answer = b""
    while b"\r\n" not in answer:
        data = sock.recv(4096)
        if not data:
            break
        answer += data
    seconds = time.monotonic() - started
    sock.close()
    sender.join(timeout=30)
    return int(answer.split()[1]), seconds


def measure(web, path, fields, files, cookies):
    web.get("/health/")
    before = web.memory_kb("VmRSS")
    web.reset_peak_memory()
    status, seconds = post_multipart(web, path, fields, files, cookies)
    time.sleep(0.5)
    growth_mb = (web.memory_kb("VmHWM") - before) / 1024
    print(
        f"\n{path} files={len(files)}x{files[0] // MB if files else 0}MB: {status} in {seconds:.2f}s, "
        f"worker RSS {before / 1024:.0f} MB, peak growth {growth_mb:.1f} MB"
    )
    assert web.get("/health/") == 200  # the worker is still there
    return status, seconds, growth_mb


def signed_in_cookies(user):
    session = verified_session(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    return {settings.CSRF_COOKIE_NAME: CSRF_SECRET, settings.SESSION_COOKIE_NAME: session}


def test_a_hundred_ten_megabyte_files_with_a_bad_token_leave_the_worker_small(web, intake):
    record = new_client(intake)
    path = f"/sharing/clients/{record.pk}/releases/new/"
    cookies = signed_in_cookies(intake)  # a signed-in intake worker's browser, tricked into the request
    post_multipart(web, path, [("csrfmiddlewaretoken", "x" * 64)], [MB], cookies)  # warm up
    # What was seen: 100 files of 10 MB, a bad token.
    status, seconds, growth = measure(web, path, [("csrfmiddlewaretoken", "x" * 64)], [10 * MB] * 100, cookies)
    assert status in (400, 403, 413) and seconds < 5
    assert growth < MEMORY_GROWTH_LIMIT_MB
    # Within the body limit, so the CSRF check is what refuses: nothing of the file is read.
    status, seconds, growth = measure(web, path, [("csrfmiddlewaretoken", "x" * 64)], [10 * MB - 4096], cookies)
    assert status == 403 and seconds < 5
    assert growth < MEMORY_GROWTH_LIMIT_MB


def test_a_signed_in_upload_is_streamed_not_held_in_memory(web, intake):
    record = new_client(intake)
    path = f"/sharing/clients/{record.pk}/releases/new/"
    cookies = signed_in_cookies(intake)
    token = [("csrfmiddlewaretoken", CSRF_SECRET)]
    assert post_multipart(web, path, token, [MB], cookies)[0] == 400  # warm up: an incomplete form
    # One 10 MB file is spooled to disk; a second file ends the request (400).
    status, _seconds, growth = measure(web, path, token, [10 * MB - 4096, MB], cookies)
    assert status == 400
    assert growth < MEMORY_GROWTH_LIMIT_MB


def test_an_idle_connection_does_not_stop_another_request(web):
    idle = socket.create_connection(("127.0.0.1", web.port))  # sends nothing
    slow = socket.create_connection(("127.0.0.1", web.port))
    slow.sendall(b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never finishes its headers
    try:
        started = time.monotonic()
        assert web.get("/health/", timeout=5) == 200
        assert time.monotonic() - started < 2
    finally:
        idle.close()
        slow.close()


def test_the_access_log_never_carries_a_sign_in_link(web):
    token = "Qm9ndXMtbGluay10b2tlbi1mb3ItdGhlLWxvZy10ZXN0"
    with pytest.raises(urllib.error.HTTPError):
        web.get(f"/password/set/{token}/")
    web.get("/health/")
    time.sleep(0.5)
    log = web.access_log.read_text() + web.error_log.read_text()
    assert "/password/set/[redacted]/" in log
    assert token not in log


def test_bin_run_starts_gunicorn_with_this_configuration():
    run = (settings.BASE_DIR / "bin" / "run").read_text()
    assert 'gunicorn" -c gunicorn.conf.py hmis.wsgi:application' in run
