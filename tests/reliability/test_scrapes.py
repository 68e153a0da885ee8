"""Slow, stalled and frantic metric scrapes have no effect on processing.

Scrapers that send half a request and stop, scrapers that never read the answer, and one that
scrapes in a tight loop, all while a trace is processed: the numbers still equal the oracle
and the worker keeps answering a normal scrape.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.request

import pytest

from tests.conftest import Stack
from tests.support import trace

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]


def _stalled_scrapers(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for n in range(count):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # a reader that never reads
        sock.connect(("127.0.0.1", port))
        if n % 2:
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")  # then never read
        else:
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHo")  # half a request, then silence
        sockets.append(sock)
    return sockets


def test_stalled_and_frantic_scrapes_do_not_disturb_processing(stack: Stack) -> None:
    worker = stack.worker()
    worker.wait_ready()
    stalled = _stalled_scrapers(worker.port, 20)
    stop = threading.Event()
    scrapes = [0]

    def frantic() -> None:
        deadline = time.monotonic() + 120  # bounded even if the test body hangs
        while not stop.is_set() and time.monotonic() < deadline:
            with urllib.request.urlopen(worker.url + "/metrics", timeout=10) as response:
                response.read()
            scrapes[0] += 1

    hammer = threading.Thread(target=frantic, daemon=True)
    hammer.start()
    try:
        recorded = trace.build(seed=111, now_ms=int(time.time() * 1000), tickets=150)
        stack.publish(recorded.messages)
        stack.assert_oracle(recorded)
        assert worker.get("/health")[0] == 200
    finally:
        stop.set()
        hammer.join(timeout=15)
        for sock in stalled:
            sock.close()
    assert scrapes[0] > 10, "the frantic scraper barely ran"
    assert worker.proc is not None and worker.proc.poll() is None
