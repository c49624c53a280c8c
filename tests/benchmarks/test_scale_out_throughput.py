"""Throughput of one web node against two, on the bare signed-in view.

On demand: ``pytest tests/benchmarks/test_scale_out_throughput.py -m benchmark -s``
(``HMIS_BENCH_SECONDS``, default 10; ``HMIS_BENCH_THREADS``, default 8;
``HMIS_BENCH_GUNICORN_WORKERS`` per node, default 2). Real gunicorn servers
on loopback ports and the test database; a bounded load loop (that many
threads, that many seconds, loopback only) spreads requests over the nodes
in turn, as a load balancer would. Both nodes run on this machine, so the
ratio shows what a second node costs or gains on shared cores, not what a
second machine adds.
"""

import http.client
import os
import threading
import time
import urllib.parse

import pytest
from django.conf import settings

from tests.conftest import current_totp
from tests.http_client import HttpBrowser

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db(transaction=True)]
SECONDS = float(os.environ.get("HMIS_BENCH_SECONDS", "10"))
THREADS = int(os.environ.get("HMIS_BENCH_THREADS", "8"))
GUNICORN_WORKERS = int(os.environ.get("HMIS_BENCH_GUNICORN_WORKERS", "2"))
BENCH_SETTINGS = {"DJANGO_SETTINGS_MODULE": "tests.benchmarks.settings"}  # adds /bench/bare/


@pytest.fixture(autouse=True)
def only_on_demand(request):
    if "benchmark" not in (request.config.option.markexpr or ""):
        pytest.skip("benchmark: run with -m benchmark")


def requests_per_second(servers, cookie, seconds):
    """``THREADS`` clients for ``seconds``, thread k on node k mod len(servers)."""
    stop = time.monotonic() + seconds
    done, failed = [0] * THREADS, [0] * THREADS

    def run(k):
        port = urllib.parse.urlsplit(servers[k % len(servers)].url).port
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            connection.request("GET", "/bench/bare/", headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                done[k] += 1
            else:
                failed[k] += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds, sum(failed)


def test_two_web_nodes_against_one(web_server_factory, intake):
    nodes = [web_server_factory(BENCH_SETTINGS, workers=GUNICORN_WORKERS, wait=False) for _ in range(2)]
    for node in nodes:
        node.wait_until_ready(timeout=60)
    browser = HttpBrowser()
    browser.sign_in(nodes[0].url, intake, current_totp(intake))
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.session_key(settings.SESSION_COOKIE_NAME)}"

    requests_per_second(nodes, cookie, 2)  # warm up both nodes
    one, one_failed = requests_per_second(nodes[:1], cookie, SECONDS)
    two, two_failed = requests_per_second(nodes, cookie, SECONDS)
    print(
        f"\nBare signed-in view, {THREADS} clients, {SECONDS:.0f} s each, "
        f"{GUNICORN_WORKERS} gunicorn workers per node, "
        f"{os.cpu_count()} cores shared by both nodes\n"
        f"  1 node:  {one:7.1f} req/s\n"
        f"  2 nodes: {two:7.1f} req/s\n"
        f"  ratio 2/1: {two / one:.2f}"
    )
    assert one_failed == two_failed == 0
