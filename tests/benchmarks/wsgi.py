"""The benchmark's gunicorn app: the project, plus a plain Django signed-in
view under ``/bench/plain/`` that passes through Django's own session and
authentication middleware only, so one server measures both stacks."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.benchmarks.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

project = get_wsgi_application()  # sets Django up before the imports below

from django.contrib.auth.middleware import AuthenticationMiddleware  # noqa: E402
from django.contrib.sessions.middleware import SessionMiddleware  # noqa: E402
from django.core.handlers.exception import convert_exception_to_response  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

PLAIN_PREFIX = "/bench/plain/"


class PlainDjangoHandler(WSGIHandler):
    """Django's request handling with only SessionMiddleware and AuthenticationMiddleware."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        handler = convert_exception_to_response(AuthenticationMiddleware(handler))
        self._middleware_chain = convert_exception_to_response(SessionMiddleware(handler))


plain = PlainDjangoHandler()


def application(environ, start_response):
    handler = plain if environ.get("PATH_INFO", "").startswith(PLAIN_PREFIX) else project
    return handler(environ, start_response)
