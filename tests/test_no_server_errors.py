"""No input makes a server error (issue 10, item 8).

Property-based: for every URL of the authorization matrix, as its personas,
GET with generated query parameters and POST generated values to the fields
of the forms the pages actually show (huge, negative and non-numeric
numbers, malformed UUIDs and dates, long and control-character strings with
NUL, missing and repeated fields), in real and malformed URL arguments. No
answer may be 500 or more; bad input gets the form back with its error, or
400/404.

Each request runs in a savepoint that is rolled back, so one example's writes
(a deactivated user, a revoked release) never hide a later example's path.
"""

import uuid
from collections import defaultdict
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.authz.base import PERSONAS, SIGNED_IN
from tests.test_authorization_matrix import EXPECTATIONS, client_as

EXAMPLES_PER_URL = 8
# One of each kind in every field at once, sent before the random examples.
SWEEP = ["9223372036854775807", "-1", "not-a-uuid", "2026-02-30", "a\x00b" + "x" * 10_000]

NUMBERS = [
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-1",
    "0",
    "1" * 5000,
    "1e309",
    "NaN",
    "-inf",
    "1.5",
    " 2 ",
    "0x1A",
    "٣",
    "",
]
UUIDS = [
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "12345678-1234-1234-1234-1234567890123",
    "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    "{12345678-1234-1234-1234-123456789012}",
]
DATES = ["2026-02-30", "0001-01-01", "9999-12-31", "10000-01-01", "2026-13-01", "-2026-01-01", "31/12/2026", "today"]
STRINGS = ["\x00", "a\x00b", "\x1b[31m", "\r\n\t", "'; DROP TABLE x; --", "<script>", "%s%n", "../../etc/passwd"]
LONG = ["x" * 10_000, "é" * 100_000]
# What views read from the query string, besides the GET forms the pages show.
QUERY_KEYS = ["page", "days", "ended", "next"]


def path_variants(world):
    """Real ids of the world's objects (to put into any URL argument)."""
    ids = set()
    for expect in EXPECTATIONS.values():
        if expect.kwargs:
            ids.update(str(v) for v in expect.kwargs(world).values())
    return sorted(ids)


class FormFields(HTMLParser):
    """The fields (and the values offered) of every form on a page, by form action and method."""

    def __init__(self, page_path):
        super().__init__()
        self.page_path = page_path
        self.forms = []  # (method, action, {name: [values]})
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page_path
            self._current = ((attrs.get("method") or "get").lower(), action, defaultdict(list))
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            values = self._current[2][attrs["name"]]
            if attrs.get("value") is not None:
                values.append(attrs["value"])
            self._last_select = values if tag == "select" else None
        elif self._current is not None and tag == "option" and getattr(self, "_last_select", None) is not None:
            if attrs.get("value") is not None:
                self._last_select.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def url_name_of(action):
    try:
        match = resolve(urlsplit(action).path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def discover_forms(world, sessions):
    """{url name: {"post": {field: [values]}, "get": {field: [values]}}} from every page every persona sees."""
    found = defaultdict(lambda: {"post": defaultdict(set), "get": defaultdict(set)})
    for name, expect in EXPECTATIONS.items():
        url = reverse(name, kwargs=expect.kwargs(world) if expect.kwargs else {})
        for key, value in (expect.data(world) if callable(expect.data) else (expect.data or {})).items():
            found[name][expect.method][key].update(value if isinstance(value, list) else [value])
        if expect.method != "get":
            continue
        for persona in SIGNED_IN:
            if expect.expected(persona) != 200:
                continue
            response = fresh(sessions[persona]).get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            parser = FormFields(url)
            parser.feed(response.content.decode())
            for method, action, fields in parser.forms:
                target = url_name_of(action)
                if target is None:
                    continue
                for field, values in fields.items():
                    found[target]["post" if method == "post" else "get"][field].update(values)
    return found


def fresh(session_client):
    """A new client carrying the persona's cookies: what one request does to the
    cookie jar (a sign-out) never carries over to the next."""
    client = Client()
    client.cookies = SimpleCookie()
    for key, morsel in session_client.cookies.items():
        client.cookies[key] = morsel.value
    client.raise_request_exception = False
    return client


def values_for(offered, ids):
    return st.one_of(
        st.sampled_from(sorted(offered)) if offered else st.nothing(),
        st.sampled_from(NUMBERS),
        st.integers().map(str),
        st.sampled_from(UUIDS + ids),
        st.sampled_from(DATES),
        st.sampled_from(STRINGS + LONG),
        st.text(max_size=40) | st.text(st.characters(max_codepoint=0x1F), max_size=10),
    )


def malformed_path(url, real_values, ids):
    """The URL with each real argument kept, swapped for another object's id,
    a missing id, or something that is not an id at all."""
    choices = [st.just(None), st.sampled_from(ids), st.just(str(uuid.uuid4())), st.sampled_from(UUIDS + NUMBERS[:6])]

    @st.composite
    def build(draw):
        path = url
        for real in real_values:
            replacement = draw(st.one_of(*choices))
            if replacement is not None:
                path = path.replace(real, quote(replacement, safe="") or "x")
        return path

    return build()


@st.composite
def form_data(draw, fields, ids):
    """The offered values, with some fields changed to hostile ones, some
    dropped and some repeated."""
    data = {name: [sorted(values)[0]] if values else [""] for name, values in fields.items()}
    changed = st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True) if fields else st.just([])
    for name in draw(changed):
        if draw(st.booleans()):
            del data[name]
        else:
            data[name] = draw(st.lists(values_for(fields[name], ids), min_size=1, max_size=3))
    if draw(st.booleans()):
        data[draw(st.sampled_from(QUERY_KEYS))] = [draw(values_for((), ids))]
    return data


class Sent:
    count = 0


def send(session_client, method, path, data, failures, label):
    client = fresh(session_client)
    Sent.count += 1
    try:
        with transaction.atomic():
            response = getattr(client, method)(path, data)
            transaction.set_rollback(True)
    except Exception as error:  # the error page itself failed (an aborted transaction)
        failures.add(f"{label} {method.upper()} {path[:120]} {repr(data)[:200]} -> {type(error).__name__}")
        return
    if response.status_code >= 500:
        failures.add(f"{label} {method.upper()} {path[:120]} {repr(data)[:200]} -> {response.status_code}")


def fuzz_url(name, expect, world, sessions, forms, ids, failures):
    kwargs = expect.kwargs(world) if expect.kwargs else {}
    url = reverse(name, kwargs=kwargs)
    post_fields = dict(forms[name]["post"])
    get_fields = {key: set() for key in QUERY_KEYS} | dict(forms[name]["get"])
    allowed = [p for p in PERSONAS if expect.expected(p) == expect.ok] or list(SIGNED_IN)

    @settings(max_examples=EXAMPLES_PER_URL, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        persona=st.one_of(st.sampled_from(allowed), st.sampled_from(PERSONAS)),
        path=malformed_path(url, [str(v) for v in kwargs.values()], ids),
        method=st.sampled_from([expect.method, expect.method, expect.method, "get", "post"]),
        query=form_data(get_fields, ids),
        body=form_data(post_fields, ids),
    )
    def fuzz(persona, path, method, query, body):
        send(sessions[persona], method, path, query if method == "get" else body, failures, f"{name} as {persona}:")

    persona = allowed[0]
    for value in SWEEP:
        send(sessions[persona], "get", url, dict.fromkeys(get_fields, value), failures, f"{name} as {persona}:")
        if post_fields or expect.method == "post":
            send(sessions[persona], "post", url, dict.fromkeys(post_fields, value), failures, f"{name} as {persona}:")
    fuzz()


@pytest.mark.django_db
def test_no_input_gets_a_server_error(world):
    sessions = {persona: client_as(persona, world) for persona in PERSONAS}
    forms = discover_forms(world, sessions)
    ids = path_variants(world)
    failures = set()
    Sent.count = 0

    for name, expect in sorted(EXPECTATIONS.items()):
        fuzz_url(name, expect, world, sessions, forms, ids, failures)

    print(f"\nfuzzed {Sent.count} requests over {len(EXPECTATIONS)} URL names")
    assert not failures, "server errors:\n" + "\n".join(sorted(failures))


# --- What was seen (issue 10, item 8), pinned ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["9223372036854775807", "100001"])
def test_a_huge_page_number_is_not_found_on_the_clients_list_and_a_history(client_for, intake, page):
    from tests.builders.clients import make_client

    browser = client_for(intake)
    client = make_client(intake)
    assert browser.get(f"/clients/?page={page}").status_code == 404
    assert browser.get(f"/clients/{client.pk}/history/?page={page}").status_code == 404
    for harmless in ["-5", "abc", "1" * 5000, ""]:
        assert browser.get(f"/clients/?page={harmless}").status_code == 200
        assert browser.get(f"/clients/{client.pk}/history/?page={harmless}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["not-a-uuid", "-1", "a\x00b", ""])
def test_the_named_staff_form_answers_a_value_that_is_not_a_colleague_with_a_message(
    client_for, intake, supervisor, value
):
    from clients import queries
    from tests.builders.clients import make_client

    record = make_client(intake, first_name="Quiet", ssn="219870009", confidential=True)
    response = client_for(intake).post(f"/clients/{record.pk}/named-staff/", {"staff_user": value}, follow=True)
    assert response.status_code == 200
    assert b"Choose a colleague of this agency." in response.content
    assert not queries.clients_visible_to(supervisor).filter(pk=record.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["dashboard", "not-a-uuid", "\r\nSet-Cookie: x=1", "//evil.example/", "https://evil.example/"]
)
def test_the_privacy_switch_goes_back_only_to_a_page_of_this_site(client_for, intake, value):
    response = client_for(intake).post("/privacy-screen/", {"next": value})
    assert response.status_code == 302
    assert response["Location"] == "/"
