"""kcat, the way another team publishes from a shell: Debian's binary, run as a process.

Debian's kcat 1.7 links librdkafka 2.0, whose ApiVersion handshake the embedded broker rejects;
the newer librdkafka inside the confluent-kafka wheel works, so it goes first on the library
path (real Kafka needs nothing of the kind).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import confluent_kafka

from tests.support.tools import require


@cache
def _library_dir() -> str:
    wheel_libs = Path(confluent_kafka.__file__).parent.parent / "confluent_kafka.libs"
    found = sorted(wheel_libs.glob("librdkafka*.so*"))
    assert found, f"no librdkafka in {wheel_libs}"
    directory = tempfile.mkdtemp(prefix="kcat-lib-")
    os.symlink(found[0], os.path.join(directory, "librdkafka.so.1"))
    return directory


def produce(bootstrap: str, topic: str, lines: bytes, *options: str) -> None:
    """``kcat -P`` of ``lines`` (one message per line) with extra ``options`` (-Z, -K, -z)."""
    binary = require("kcat")
    env = dict(os.environ, LD_LIBRARY_PATH=_library_dir())
    subprocess.run(
        [binary, "-P", "-b", bootstrap, "-t", topic, *options],
        input=lines,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )
