"""Schemathesis against the ingest endpoint's own OpenAPI description, on the real broker.

Generated requests (valid and invalid bodies, with and without the token) must never get a
server error, and every answer must be a documented status with a body matching the spec.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from streams.publishing.ingest import openapi
from tests.conftest import isolated_env
from tests.support.processes import Broker, IngestServer, stop_process

pytestmark = pytest.mark.e2e
TOKEN = "contract-t0ken"


@pytest.fixture(scope="module")
def ingest(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IngestServer]:
    tmp = tmp_path_factory.mktemp("ingest")
    env, _ = isolated_env(broker, tmp / "data")
    server = IngestServer(dict(env, SUPPORTKPI_INGEST_TOKEN=TOKEN), tmp / "ingest.log")
    yield server
    stop_process(server.proc)


# an over-long batch is "too large" (413, documented), not merely "invalid"
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": ["400", "401", "413"]}}}
)
schema = schemathesis.openapi.from_dict(openapi(), config=CONFIG)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_ingest_honours_its_openapi_contract(case: schemathesis.Case, ingest: IngestServer) -> None:
    case.call_and_validate(base_url=ingest.url, headers={"Authorization": f"Bearer {TOKEN}"})


def test_ingest_serves_the_description_under_test(ingest: IngestServer) -> None:
    with urllib.request.urlopen(ingest.url + "/openapi.json", timeout=10) as response:
        assert json.load(response) == openapi()
    status, _ = ingest.post(
        {"type": "ticket-created", "ticket_id": "C-1", "channel": "web", "priority": "low"},
        token=TOKEN,
    )
    assert status == 202
