"""A real Prometheus (Debian package) on loopback, scraping workers, with our rule files."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from streams.devtools import devbroker
from tests.support.processes import stop_process
from tests.support.tools import ROOT, require

RULES = ROOT / "deploy" / "prometheus" / "rules"


@dataclass
class Prometheus:
    port: int
    proc: subprocess.Popen[bytes]

    @classmethod
    def start(
        cls,
        targets: list[str],
        workdir: Path,
        interval: str = "1s",
        alertmanager: str | None = None,
    ) -> Prometheus:
        port = devbroker.free_port()
        config: dict = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": _rules_every(interval, workdir),
            "scrape_configs": [
                {"job_name": "supportkpi", "static_configs": [{"targets": targets}]}
            ],
        }
        if alertmanager:
            config["alerting"] = {
                "alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]
            }
        path = workdir / "prometheus.yml"
        path.write_text(yaml.safe_dump(config))
        log = open(workdir / "prometheus.log", "ab")  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(
            [
                require("prometheus"),
                f"--config.file={path}",
                f"--storage.tsdb.path={workdir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        running = cls(port, proc)
        _wait_port(port)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # 503 until the TSDB is loaded
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        return running

    def query(self, expr: str) -> list[dict]:
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode(
            {"query": expr}
        )
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def wait_for(self, expr: str, timeout: float = 60.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.query(expr)
            if result:
                return result
            time.sleep(0.5)
        raise AssertionError(f"no data for {expr!r} within {timeout}s")

    def stop(self) -> None:
        stop_process(self.proc)


def _rules_every(interval: str, workdir: Path) -> list[str]:
    """The project's rule files with every group evaluated at ``interval``.

    The committed groups run every 30 s; a test scraping every second would otherwise wait up to
    half a minute for a recording rule's first sample, and time out at random."""
    paths = []
    for source in sorted(RULES.glob("*.yml")):
        rules = yaml.safe_load(source.read_text())
        for group in rules["groups"]:
            group["interval"] = interval
        path = workdir / source.name
        path.write_text(yaml.safe_dump(rules, sort_keys=False))
        paths.append(str(path))
    return paths


def _wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not devbroker.port_open("127.0.0.1", port):
        time.sleep(0.1)


@dataclass
class Alertmanager:
    """Debian's prometheus-alertmanager with the project's routing config."""

    port: int
    proc: subprocess.Popen[bytes]

    @classmethod
    def start(cls, config: Path, workdir: Path) -> Alertmanager:
        port, cluster = devbroker.free_port(), devbroker.free_port()
        log = open(workdir / "alertmanager.log", "ab")  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(
            [
                require("prometheus-alertmanager"),
                f"--config.file={config}",
                f"--storage.path={workdir / 'am'}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--cluster.listen-address=127.0.0.1:{cluster}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_port(port)
        return cls(port, proc)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def alerts(self) -> list[dict]:
        url = f"http://127.0.0.1:{self.port}/api/v2/alerts"
        with urllib.request.urlopen(url, timeout=10) as response:
            return list(json.load(response))

    def stop(self) -> None:
        stop_process(self.proc)
