"""Settings for the client benchmark: the test settings plus one bare view."""

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.urls"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
