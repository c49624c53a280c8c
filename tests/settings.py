"""Settings for the test suite: the real settings with HMIS_ENV=test.

Each pytest process gets its own Celery queue, so two runs on one machine
(or one broker) never take each other's messages; a worker started by a
test is handed the same queue name through the environment.
"""

import os

os.environ.setdefault("HMIS_ENV", "test")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"hmis-test-{os.getpid()}")
# The same for the shared cache: a run's counters are its own (web servers it starts inherit the prefix).
os.environ.setdefault("HMIS_CACHE_KEY_PREFIX", f"hmis-test-{os.getpid()}")
# Playwright's sync API runs an event loop in the test thread; the ORM calls
# the tests make around it are still ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from hmis.settings import *  # noqa: E402,F403

# Argon2 as in production, with a smaller memory cost so hundreds of test
# users hash quickly.
PASSWORD_HASHERS = ["tests.hashers.TestArgon2PasswordHasher"]
HMIS_PRIVATE_STORAGE_DIR = BASE_DIR / "var" / f"test-private-{os.getpid()}"  # noqa: F405

INSTALLED_APPS = [*INSTALLED_APPS, "tests.encryption_app"]  # noqa: F405
