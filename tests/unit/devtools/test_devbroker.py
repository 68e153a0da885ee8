"""`supportkpi broker` leaves no Tansu behind, whatever signal stops it (issue 13): run for
real, as `kill`, systemd or `docker stop` would stop it."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest

from streams.devtools import devbroker
from tests.support.tools import ROOT

WAIT = 15.0  # bound on every poll below


def _poll(done: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout}s")
        time.sleep(0.05)


def _stat(pid: int) -> tuple[str, int] | None:
    """State letter and parent pid of ``pid`` (None: no such process)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rpartition(")")[2].split()  # after "pid (comm)", comm may hold spaces
    return fields[0], int(fields[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == pid:
                found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    stat = _stat(pid)
    return stat is None or stat[0] == "Z"  # a zombie has stopped; only its entry is left


@pytest.fixture
def cli_broker() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`python -m streams broker` on a free port, once it listens: (its process, Tansu's pid)."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("finds the broker's child through /proc (Linux)")
    port = devbroker.free_port()
    parent = subprocess.Popen(
        [sys.executable, "-m", "streams", "broker", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert parent.stdout is not None
    tansu: list[int] = []
    try:
        _poll(
            lambda: parent.poll() is not None or devbroker.port_open("127.0.0.1", port),
            "the broker did not listen",
        )
        # and the command has seen it too (it says so): it is waiting on Tansu, not starting it
        assert select.select([parent.stdout], [], [], WAIT)[0], "no ready line"
        assert b"embedded broker" in parent.stdout.readline()
        assert parent.poll() is None, f"supportkpi broker exited: {parent.returncode}"
        tansu = _children(parent.pid)
        assert len(tansu) == 1, f"expected one child (Tansu), found {tansu}"
        assert "tansu" in Path(f"/proc/{tansu[0]}/cmdline").read_bytes().decode(errors="replace")
        yield parent, tansu[0]
    finally:
        _reap(parent, tansu)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("signum", devbroker.STOP_SIGNALS, ids=lambda s: s.name)
def test_a_stop_signal_stops_tansu_too(
    cli_broker: tuple[subprocess.Popen[bytes], int], signum: signal.Signals
) -> None:
    parent, tansu = cli_broker
    parent.send_signal(signum)
    returncode = parent.wait(timeout=WAIT)
    _poll(lambda: _gone(tansu), f"Tansu (pid {tansu}) still runs after {signum.name}")
    assert returncode == 0, "stopped as asked is a success"


@pytest.mark.timeout(60)
def test_a_broker_that_dies_by_itself_is_reported_in_the_exit_code(
    cli_broker: tuple[subprocess.Popen[bytes], int],
) -> None:
    parent, tansu = cli_broker
    os.kill(tansu, signal.SIGKILL)
    assert parent.wait(timeout=WAIT) == 128 + signal.SIGKILL


@pytest.mark.timeout(60)
def test_a_child_ignoring_the_signal_is_killed_after_the_grace_time() -> None:
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, "
            "signal.SIG_IGN); print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
        started = time.monotonic()
        assert devbroker.stop(stubborn, signal.SIGTERM, grace=0.5) == -signal.SIGKILL
        assert time.monotonic() - started < 5
    finally:
        if stubborn.poll() is None:
            stubborn.kill()
        stubborn.wait()
        if stubborn.stdout is not None:
            stubborn.stdout.close()


def _line_with(stream: IO[bytes], text: bytes, timeout: float) -> bytes:
    deadline = time.monotonic() + timeout
    while select.select([stream], [], [], max(0.0, deadline - time.monotonic()))[0]:
        line = stream.readline()
        if text in line or not line:
            return line
    raise AssertionError(f"no line with {text!r} within {timeout}s")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_stops_the_whole_demo(tmp_path: Path, signum: signal.Signals) -> None:
    """`supportkpi demo` stops its broker, worker and simulator as Ctrl-C does."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("finds the demo's children through /proc (Linux)")
    web_port = devbroker.free_port()
    env = dict(os.environ, SUPPORTKPI_WEB_PORT=str(web_port), SUPPORTKPI_DATA_DIR=str(tmp_path))
    parent = subprocess.Popen(
        [sys.executable, "-m", "streams", "demo", "--port", str(devbroker.free_port())],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        bufsize=0,
    )  # unbuffered: select sees it all
    assert parent.stdout is not None
    children: list[int] = []
    try:
        assert b"metrics at" in _line_with(parent.stdout, b"metrics at", 4 * WAIT)
        children = _children(parent.pid)
        assert len(children) == 3, f"expected broker, worker and simulator, found {children}"
        _poll(
            lambda: devbroker.port_open("127.0.0.1", web_port), "the worker did not serve", 4 * WAIT
        )  # running, with Faust's own signal handlers
        parent.send_signal(signum)
        assert parent.wait(timeout=3 * WAIT) == 0, "stopped as asked is a success"
        _poll(
            lambda: all(_gone(pid) for pid in children),
            f"{[p for p in children if not _gone(p)]} still run after {signum.name}",
        )
    finally:
        _reap(parent, [*children, *(_children(parent.pid) if parent.poll() is None else [])])


def _reap(parent: subprocess.Popen[bytes], pids: list[int]) -> None:
    """Kill whatever a test left running: its children first, then the parent."""
    for pid in set(pids):
        if not _gone(pid):
            os.kill(pid, signal.SIGKILL)
    if parent.poll() is None:
        parent.kill()
    parent.wait(timeout=WAIT)
    if parent.stdout is not None:
        parent.stdout.close()
