"""Structure of the deployment files a Docker host or a cluster would run (no engine here)."""

from __future__ import annotations

import re

import yaml

from tests.support.tools import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_production_shape() -> None:
    services = COMPOSE["services"]
    assert {
        "kafka",
        "topics",
        "worker-1",
        "worker-2",
        "simulator",
        "prometheus",
        "alertmanager",
        "grafana",
    } <= set(services)
    assert "KAFKA_PROCESS_ROLES" in services["kafka"]["environment"]  # KRaft, no ZooKeeper


def test_every_image_tag_is_pinned() -> None:
    for name, service in COMPOSE["services"].items():
        image = service.get("image")
        assert image, f"{name} has no image"
        tag = image.rsplit(":", 1)[-1] if ":" in image else ""
        assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: {image} not pinned"


def test_long_running_infrastructure_has_health_checks_and_named_volumes() -> None:
    services = COMPOSE["services"]
    for name in ("kafka", "prometheus", "alertmanager", "grafana"):
        assert "healthcheck" in services[name], name
    declared = set(COMPOSE["volumes"])
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_no_secrets_in_the_compose_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text().lower()
    assert not re.search(r"(password|secret|token)[ \t]*[:=][ \t]*\S", text)


def test_prometheus_config_points_at_rules_and_alertmanager() -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert any((ROOT / "deploy/prometheus/rules").glob("*.rules.yml"))
    mounts = COMPOSE["services"]["prometheus"]["volumes"]
    assert any(m.startswith("./deploy/prometheus/rules:/etc/prometheus/rules") for m in mounts)


def test_grafana_provisioning_matches_the_generated_dashboards() -> None:
    provider = yaml.safe_load(
        (ROOT / "grafana/provisioning/dashboards/supportkpi.yml").read_text()
    )["providers"][0]
    mounts = COMPOSE["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in mounts


def test_dockerfile_is_slim_runs_as_non_root_and_runs_the_compiled_core() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:[\d.]+-slim", text, re.M)
    assert re.search(r"^USER supportkpi", text, re.M)
    for sources in re.findall(r"^COPY (?!--)(.+) \S+$", text, re.M):
        for copied in sources.split():
            assert (ROOT / copied).exists(), copied
    assert "SUPPORTKPI_COMPILE_CORE=1 pip wheel" in text  # setup.py compiles only when asked
    assert re.search(r"SUPPORTKPI_CORE=compiled", text)  # and the image refuses a pure core


def test_kubernetes_manifest_has_probes_scrape_annotations_and_one_owner_per_partition() -> None:
    docs = list(yaml.safe_load_all((ROOT / "deploy/kubernetes/supportkpi.yaml").read_text()))
    kinds = {d["kind"]: d for d in docs}
    assert {"ConfigMap", "Service", "StatefulSet"} <= set(kinds)
    pod = kinds["StatefulSet"]["spec"]["template"]
    assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    container = pod["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True


def test_workers_start_only_after_the_topics_partition_counts_are_checked() -> None:
    services = COMPOSE["services"]
    assert services["topics-check"]["command"] == ["topics", "--check"]
    for worker in ("worker-1", "worker-2"):
        assert services[worker]["depends_on"]["topics-check"] == {
            "condition": "service_completed_successfully"
        }
    assert COMPOSE["x-supportkpi-env"]["SUPPORTKPI_PARTITIONS"] == "12"  # the default, written
    docs = list(yaml.safe_load_all((ROOT / "deploy/kubernetes/supportkpi.yaml").read_text()))
    kinds = {d["kind"]: d for d in docs}
    init = kinds["StatefulSet"]["spec"]["template"]["spec"]["initContainers"]
    assert [c["args"] for c in init] == [["topics"], ["topics", "--check"]]  # create, then check
    assert kinds["ConfigMap"]["data"]["SUPPORTKPI_PARTITIONS"] == "12"


def test_the_drill_down_runs_with_a_generated_token_and_a_pinned_plugin() -> None:
    """No token in the repository: one is made once into a volume that the workers, the
    cluster view and Grafana mount read-only; the Infinity plugin is pinned."""
    services = COMPOSE["services"]
    token_file = COMPOSE["x-supportkpi-env"]["SUPPORTKPI_TICKETS_TOKEN_FILE"]
    assert token_file.split("/")[-1] in " ".join(services["tickets-token"]["command"])
    for name in ("worker-1", "worker-2", "tickets", "grafana"):
        mounts = services[name]["volumes"]
        assert any(m.startswith("supportkpi-secrets:") and m.endswith(":ro") for m in mounts), name
        assert services[name]["depends_on"]["tickets-token"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["tickets"]["command"][:2] == ["tickets", "--serve"]
    assert re.fullmatch(
        r"yesoreyeram-infinity-datasource \d+\.\d+\.\d+",
        services["grafana"]["environment"]["GF_INSTALL_PLUGINS"],
    )
    source = yaml.safe_load((ROOT / "grafana/provisioning/datasources/tickets.yml").read_text())
    assert token_file in source["datasources"][0]["secureJsonData"]["bearerToken"]
    service = yaml.safe_load_all((ROOT / "deploy/kubernetes/supportkpi.yaml").read_text())
    headless = next(d for d in service if d["kind"] == "Service")
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"]
