"""A minimal browser over real HTTP (the standard library's urllib), for
servers started in another process, where Django's test client cannot go:
it keeps cookies, follows redirects and sends the CSRF token from each form."""

import http.cookiejar
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass

from tests.builders.factories import PASSWORD

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Page:
    status: int
    url: str
    text: str

    @property
    def path(self):
        parts = urllib.parse.urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


class HttpBrowser:
    def __init__(self, *, user_agent="HttpBrowser/1"):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.opener.addheaders = [("User-Agent", user_agent)]
        self._csrf = None

    def get(self, url):
        return self._open(urllib.request.Request(url))

    def post(self, url, data):
        """Submit a form from the last page, with its CSRF token."""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self._csrf, **data}).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                page = Page(response.status, response.geturl(), response.read().decode())
        except urllib.error.HTTPError as error:
            page = Page(error.code, error.geturl(), error.read().decode())
        match = CSRF_INPUT.search(page.text)
        if match:
            self._csrf = match.group(1)
        return page

    def sign_in(self, base_url, user, code, *, password=PASSWORD):
        """The real two-step sign-in: password, then the authenticator's code."""
        self.get(f"{base_url}/login/")
        verify = self.post(f"{base_url}/login/", {"username": user.username, "password": password})
        assert verify.path == "/login/verify/", verify.path
        signed_in = self.post(f"{base_url}/login/verify/", {"token": code})
        assert signed_in.status == 200 and "/login/" not in signed_in.path, signed_in.path
        return signed_in

    def session_key(self, cookie_name):
        return next((c.value for c in self.cookies if c.name == cookie_name), None)
