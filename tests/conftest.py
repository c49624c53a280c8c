"""Shared fixtures: personas at two agencies, signed-in clients, a real SMTP
sink, a real Celery worker and a real Chromium.

Personas (STYLE.md), one fixture per row of ``STAFF_PERSONAS``: ``intake``,
``supervisor``, ``security_officer`` and ``agency_lead`` work at harbor;
``other_*`` are the same roles at eastside (the outsiders); ``system_admin``
is the regional HMIS lead administrator.
"""

import asyncio
import importlib
import inspect
import os
import pkgutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from hmis.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from hmis.models import Agency, Role, User
from hmis.sudo import SESSION_REAUTH_AT
from tests.builders.factories import PASSWORD, AgencyFactory, UserFactory


@pytest.fixture
def harbor(db):
    return AgencyFactory(slug="harbor", name="Harbor Family Services", phone="555-0110")


@pytest.fixture
def eastside(db):
    return AgencyFactory(slug="eastside", name="Eastside Housing Collective", phone="555-0120")


@pytest.fixture
def lead_org(db):
    return AgencyFactory(slug="hmis-lead", name="Regional HMIS Lead", kind=Agency.Kind.LEAD)


@dataclass(frozen=True)
class Persona:
    agency: str  # the agency fixture
    username: str
    role: str


# Every persona fixture, in the order the authorization matrix lists them.
STAFF_PERSONAS = {
    "intake": Persona("harbor", "harbor-intake", Role.INTAKE),
    "supervisor": Persona("harbor", "harbor-supervisor", Role.SUPERVISOR),
    "security_officer": Persona("harbor", "harbor-security", Role.SECURITY_OFFICER),
    "agency_lead": Persona("harbor", "harbor-lead", Role.AGENCY_LEAD),
    "other_intake": Persona("eastside", "eastside-intake", Role.INTAKE),
    "other_supervisor": Persona("eastside", "eastside-supervisor", Role.SUPERVISOR),
    "other_security_officer": Persona("eastside", "eastside-security", Role.SECURITY_OFFICER),
    "other_agency_lead": Persona("eastside", "eastside-lead", Role.AGENCY_LEAD),
    "system_admin": Persona("lead_org", "system-admin", Role.SYSTEM_ADMIN),
}


def persona_fixture(name, persona):
    def make(**agencies):
        return UserFactory(username=persona.username, agency=agencies[persona.agency], roles=[persona.role])

    # pytest reads a fixture's dependencies from its signature: this one needs its agency.
    make.__signature__ = inspect.Signature([inspect.Parameter(persona.agency, inspect.Parameter.KEYWORD_ONLY)])
    make.__name__ = make.__qualname__ = name
    return pytest.fixture(make, name=name)


globals().update({name: persona_fixture(name, persona) for name, persona in STAFF_PERSONAS.items()})


@pytest.fixture
def world(request, harbor, eastside, lead_org):
    """Every persona and the harbor objects the URLs of the authorization
    matrix point at (extended by each ``tests/authz`` module's ``build_world``)."""
    import tests.authz

    world = SimpleNamespace(
        harbor=harbor,
        eastside=eastside,
        lead_org=lead_org,
        personas={name: request.getfixturevalue(name) for name in STAFF_PERSONAS},
        target_user=UserFactory(username="harbor-target", agency=harbor, roles=["intake"], totp=False),
    )
    for module_info in pkgutil.iter_modules(tests.authz.__path__):
        module = importlib.import_module(f"tests.authz.{module_info.name}")
        if hasattr(module, "build_world"):
            module.build_world(world)
    return world


def current_totp(user=None, *, offset_steps=0):
    """The code an authenticator app would show now (for ``UserFactory``'s key)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def verified_session(client, user):
    """Sign ``client`` in as ``user`` with the second factor passed, as after a real sign-in."""
    client.force_login(user, backend="hmis.backends.UserBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session = client.session
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    now = int(time.time())
    session[SESSION_STARTED] = now
    session[SESSION_LAST_SEEN] = now
    session[SESSION_REAUTH_AT] = now  # signing in gives both the password and a code
    session.save()
    User.objects.filter(pk=user.pk).update(live_session_key=session.session_key)
    return client


def password_only_session(client, user):
    client.force_login(user, backend="hmis.backends.UserBackend")
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED] = now
    session[SESSION_LAST_SEEN] = now
    session.save()
    return client


@pytest.fixture
def client_for(client):
    """``client_for(user)``: a fresh Django test client signed in as ``user`` (both factors)."""
    from django.test import Client

    def make(user):
        return verified_session(Client(), user)

    return make


# --- Real SMTP sink --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpSink:
    """A real aiosmtpd server on a fixed port, collecting every message. It
    can be stopped and started again (SMTP down, then up) and can stall once
    for a recipient: during RCPT (before the message exists) or after
    receiving the whole message (the client is still waiting for the 250).
    A stall ends after its seconds or at ``release()``.

    ``keeps_unanswered`` is the relay's choice for a message whose sender
    hangs up after the final "." but before the reply: True keeps (delivers)
    it, False drops it, as real relays may do either. ``reply_delay`` is the
    relay's latency before every final reply."""

    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    keeps_unanswered: bool = True
    reply_delay: float = 0.0
    messages: list = field(default_factory=list)
    stall_rcpt: dict = field(default_factory=dict)
    stall_data: dict = field(default_factory=dict)
    stalled: list = field(default_factory=list)
    stalled_peers: dict = field(default_factory=dict)
    released: threading.Event = field(default_factory=threading.Event)
    controller: object = None

    def start(self):
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                await sink._stall(sink.stall_rcpt, address, session.peer)
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                # A sender that hangs up cancels this coroutine (aiosmtpd), so
                # a message kept only at the reply is dropped with the sender.
                if sink.keeps_unanswered:
                    sink._keep(envelope)
                for address in envelope.rcpt_tos:
                    await sink._stall(sink.stall_data, address, session.peer)
                if sink.reply_delay:
                    await asyncio.sleep(sink.reply_delay)
                if not sink.keeps_unanswered:
                    sink._keep(envelope)
                return "250 OK"

        self.controller = Controller(Handler(), hostname=self.host, port=self.port)
        self.controller.start()
        return self

    async def _stall(self, stalls, address, peer):
        seconds = stalls.pop(address, None)
        if not seconds:
            return
        self.stalled_peers[address] = peer  # the sender's (host, port): which process is sending
        self.stalled.append(address)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.released.is_set():
            await asyncio.sleep(0.02)

    def _keep(self, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "message": message,
                "subject": str(message["Subject"]),
                "body": message.get_body(("plain",)).get_content(),
                "at": time.time(),
            }
        )

    def release(self):
        self.released.set()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.02)
        raise AssertionError(f"expected {count} message(s), the SMTP sink holds {len(self.messages)}")

    def wait_until_stalled(self, address, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if address in self.stalled:
                return
            time.sleep(0.02)
        raise AssertionError(f"no connection stalled for {address}")

    def recipients(self):
        return sorted(address for m in self.messages for address in m["to"])

    def for_reference(self, reference):
        return [m for m in self.messages if reference in m["subject"]]


@pytest.fixture
def smtp_sink():
    """A started ``SmtpSink`` on a free local port (set stalls on it before the message is sent)."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


# --- Real Celery worker ------------------------------------------------------------------


def worker_environment(extra=None):
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "HMIS_ENV": "test",
            "DATABASE_URL": (
                f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "HMIS_BASE_URL": settings.HMIS_BASE_URL,
            # A beat killed by a test frees its lock soon (hmis/beat.py).
            "HMIS_BEAT_LOCK_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


class CeleryWorker:
    """A real ``celery worker`` process consuming this test run's queue."""

    def __init__(self, env, *, beat=False):
        self.env = env
        self.beat = beat
        self.process = None
        self.log_path = settings.BASE_DIR / "var" / f"worker-{uuid.uuid4().hex[:8]}.log"

    def start(self, timeout=30):
        return self.launch().wait_until_ready(timeout)

    def launch(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hmis",
            "worker",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{uuid.uuid4().hex[:8]}@%h",
            "--loglevel",
            "INFO",
        ]
        if self.beat:
            command += ["--beat", "--schedule", str(self.log_path.with_suffix(".beat"))]
        self.log = open(self.log_path, "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
        )
        return self

    def wait_until_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited: {self.log_path.read_text()[-2000:]}")
            if " ready." in self.log_path.read_text():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"celery worker did not start: {self.log_path.read_text()[-2000:]}")

    def kill(self):
        """SIGKILL the worker and its pool children, as when a machine dies."""
        if self.process and self.process.poll() is None:
            for child in _children(self.process.pid):
                os.kill(child, signal.SIGKILL)
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()

    def output(self):
        return self.log_path.read_text()

    def pids(self):
        """The worker's own process and its children (pool, embedded beat)."""
        return {self.process.pid, *_children(self.process.pid)}


def _children(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]


def forget_beat_lock():
    """Free the beat lock a beat killed by an earlier test may still hold (this run's key only)."""
    import redis

    from hmis.beat import beat_lock_key

    redis.Redis.from_url(settings.HMIS_BEAT_LOCK_URL).delete(beat_lock_key())


@pytest.fixture
def celery_worker_factory(transactional_db):
    """Start real workers on this run's queue: ``celery_worker_factory(extra_env, beat=False)``."""
    from hmis.celery import app

    app.control.purge()
    forget_beat_lock()
    workers = []

    def start(extra_env=None, *, beat=False, wait=True):
        """With ``wait=False`` only launched: call ``wait_until_ready()`` (to start several at once)."""
        worker = CeleryWorker(worker_environment(extra_env), beat=beat).launch()
        workers.append(worker)
        return worker.wait_until_ready() if wait else worker

    yield start
    for worker in workers:
        worker.stop()
    app.control.purge()


# --- Real web servers ------------------------------------------------------------------


class WebServer:
    """A real gunicorn serving the project on a free loopback port, on the test database."""

    def __init__(self, env, *, workers=1):
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = settings.BASE_DIR / "var" / f"web-{uuid.uuid4().hex[:8]}.log"
        self.process = None

    def start(self, timeout=30):
        return self.launch().wait_until_ready(timeout)

    def launch(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")  # noqa: SIM115
        command = [sys.executable, "-m", "gunicorn", "hmis.wsgi:application", "-b", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(self.workers), "--log-level", "warning"]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
        )
        return self

    def wait_until_ready(self, timeout=30):
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown: a test waits for no request
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "log", None):
            self.log.close()


@pytest.fixture
def web_server_factory(transactional_db):
    """Start real gunicorn servers on the test database: ``web_server_factory(extra_env, workers=1)``."""
    servers = []

    def start(extra_env=None, *, workers=1, wait=True):
        """With ``wait=False`` only launched: call ``wait_until_ready()`` (to start several at once)."""
        server = WebServer(worker_environment(extra_env), workers=workers).launch()
        servers.append(server)
        return server.wait_until_ready() if wait else server

    yield start
    for server in servers:
        server.stop()


# --- Real Chromium ---------------------------------------------------------------------


CHROMIUM = os.environ.get("HMIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def sign_in_in_browser(page, user, *, password=PASSWORD):
    """Sign in through the real pages with password and the current TOTP code."""
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/login/verify/")
    page.get_by_label("Code from your authenticator app, or a backup code").fill(current_totp(user))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def signed_in_context(browser, live_server, user, **options):
    """A browser context already signed in as ``user`` (both factors), without
    going through the sign-in pages (a TOTP code works once per step)."""
    from django.test import Client

    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(15000)
    session = verified_session(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return context


def watched_page(context):
    """A new page whose console errors and uncaught exceptions collect in ``page.console_errors``."""
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return page
