"""``supportkpi demo``: the embedded broker, the topics, a worker and the simulator, until Ctrl-C.

The worker and the simulator run as child processes of this one. ``kill``, systemd or a closed
terminal signal this process only, so a stop signal is handled as Ctrl-C is: the children are
stopped in reverse order (simulator, worker, broker), and a second signal kills them at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

from streams.config import Settings
from streams.devtools import devbroker
from streams.runtime.topics import ensure_topics

STOP_WAIT_SECONDS = 10.0  # per child, after SIGTERM; then it is killed


def run(port: int, rate: float, seed: int, speed: float) -> int:
    """Run the demo on broker ``port``; 0 when stopped, 1 when one of its processes exited."""
    children: list[subprocess.Popen[bytes]] = []  # started in this order, stopped in reverse

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)  # SIGTERM, SIGHUP: as Ctrl-C

    def hurry(signum: int, frame: FrameType | None) -> None:  # a second signal: kill them
        for child in children:
            if child.poll() is None:
                child.kill()

    previous = {sig: signal.signal(sig, interrupt) for sig in devbroker.STOP_SIGNALS}
    env = dict(
        os.environ, SUPPORTKPI_BROKER=f"kafka://127.0.0.1:{port}", SUPPORTKPI_BROKER_QUIRKS="tansu"
    )
    env.setdefault("SUPPORTKPI_SESSION_TIMEOUT", "3")
    if not env.get("SUPPORTKPI_SLA_POLICY"):  # the shipped policy: business hours for all
        env.setdefault("SUPPORTKPI_SCHEDULE", "office-eu")
    try:
        settings = Settings.from_env(env)
        children.append(devbroker.start(port))
        ensure_topics(settings)
        children.append(_streams(["worker", "--loglevel", "warning"], env))
        simulate = ["simulate", "--rate", str(rate), "--seed", str(seed), "--speed", str(speed)]
        children.append(_streams(simulate, env))
        url = f"http://localhost:{settings.web_port}/metrics"
        print(
            f"\nsupportkpi demo running: broker 127.0.0.1:{port}, metrics at {url}\n"
            "Ctrl-C (or SIGTERM) stops everything.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        failed = [c.args for c in children if c.poll() is not None]
        print(f"a demo process exited: {failed}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for sig in devbroker.STOP_SIGNALS:
            signal.signal(sig, hurry)
        try:
            _stop(children)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _streams(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``python -m streams COMMAND`` as a child process with ``env``."""
    return subprocess.Popen([sys.executable, "-m", "streams", *command], env=env)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every child, the last started first; kill those that outlast the wait."""
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in reversed(children):
        try:
            child.wait(timeout=STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
