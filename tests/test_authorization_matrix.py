"""Walk every URL pattern and check what each persona gets.

A URL name without an entry in ``tests/authz/<app>.py`` fails this test, so
a new view cannot ship without its expected answers written down. The
Django admin is checked as a whole: only the system admin reaches it.
"""

import importlib
import pkgutil
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.authz
from tests.authz.base import LOGIN, PERSONAS, SECOND_FACTOR
from tests.conftest import password_only_session, verified_session


def all_expectations():
    merged = {}
    for module_info in pkgutil.iter_modules(tests.authz.__path__):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"tests.authz.{module_info.name}")
        for name, expect in module.EXPECTATIONS.items():
            assert name not in merged, f"{name} has two entries"
            merged[name] = expect
    return merged


def walk(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from walk(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def project_url_names():
    names, admin_patterns = set(), []
    for namespace, pattern in walk(get_resolver()):
        if namespace.startswith("admin:"):
            admin_patterns.append(pattern)
            continue
        assert pattern.name, f"URL pattern {pattern.pattern} has no name"
        names.add(f"{namespace}{pattern.name}")
    return names, admin_patterns


EXPECTATIONS = all_expectations()


def test_every_url_has_an_expectation():
    names, _ = project_url_names()
    missing = sorted(names - set(EXPECTATIONS))
    assert not missing, f"URL names without an authorization expectation: {missing}"
    stale = sorted(set(EXPECTATIONS) - names)
    assert not stale, f"expectations for URL names that no longer exist: {stale}"


def client_as(persona, world):
    client = Client()
    if persona == "anonymous":
        return client
    if persona == "password_only":
        return password_only_session(client, world.personas["intake"])
    return verified_session(client, world.personas[persona])


def outcome(response):
    if response.status_code == 302:
        location = response.headers["Location"]
        if location.startswith(reverse("login")) and "verify" not in location and "enrol" not in location:
            return LOGIN
        if location.startswith(reverse("login-second-factor")):
            return SECOND_FACTOR
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_url_answers_each_persona_as_expected(name, world):
    expect = EXPECTATIONS[name]
    kwargs = expect.kwargs(world) if expect.kwargs else {}
    url = reverse(name, kwargs=kwargs)
    failures = []
    for persona in PERSONAS:
        client = client_as(persona, world)
        data = expect.data(world) if callable(expect.data) else (expect.data or {})
        response = getattr(client, expect.method)(url, data)
        got, wanted = outcome(response), expect.expected(persona)
        if got != wanted:
            failures.append(f"{persona}: got {got}, expected {wanted}")
    assert not failures, f"{name} ({url}):\n" + "\n".join(failures)


@pytest.mark.django_db
def test_admin_site_is_for_verified_system_admins_only(world):
    _, admin_patterns = project_url_names()
    plain = [p for p in admin_patterns if not re.search(r"[<(]", str(p.pattern))]
    assert plain, "the admin site has URL patterns"
    for persona in PERSONAS:
        client = client_as(persona, world)
        response = client.get("/admin/")
        got = outcome(response)
        if persona == "system_admin":
            assert got == 200, persona
        elif persona == "anonymous":
            assert got == LOGIN, persona
        elif persona == "password_only":
            assert got == SECOND_FACTOR, persona
        else:
            assert got == 403, persona
    # Every admin page, not only the index, is behind the same gate.
    urls = [
        "/admin/hmis/agency/",
        f"/admin/hmis/agency/{world.harbor.pk}/change/",
        f"/admin/hmis/agency/{world.harbor.pk}/",
        "/admin/password_change/",
        "/admin/login/",
        "/admin/jsi18n/",
    ]
    for persona in ("intake", "security_officer", "agency_lead"):
        client = client_as(persona, world)
        for url in urls:
            assert client.get(url).status_code == 403, (persona, url)


@pytest.mark.django_db
def test_system_admin_reads_but_cannot_change_through_the_admin(world):
    client = client_as("system_admin", world)
    assert client.get("/admin/hmis/agency/").status_code == 200
    assert client.get(f"/admin/hmis/agency/{world.harbor.pk}/change/").status_code == 200
    before = world.harbor.name
    client.post(f"/admin/hmis/agency/{world.harbor.pk}/change/", {"name": "Renamed"})
    world.harbor.refresh_from_db()
    assert world.harbor.name == before
    assert client.get("/admin/hmis/agency/add/").status_code == 403
