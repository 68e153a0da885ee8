"""The ingest endpoint without a broker: every client mistake gets its own 4xx, the work in
progress is bounded, bodies are read whole, and resending an id-less body gives the same ids.

The broker is a closed port, so a body that passes every check gets 503 "Kafka unavailable":
that answer proves it was read and parsed whole.
"""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from streams import cli
from streams.config import Settings
from streams.publishing import ingest
from streams.publishing.ingest import MAX_BODY, TokenFileError, build_app, content_id, ingest_token
from tests.support.builders import ingest_created, run

DOWN = "kafka://127.0.0.1:1"
JSON = {"Content-Type": "application/json"}


@asynccontextmanager
async def serving(
    token: str | None = None, app: web.Application | None = None, **settings: Any
) -> AsyncIterator[TestClient]:
    app = app or build_app(Settings(broker=DOWN, **settings), token)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def head(headers: dict[str, str] | None = None, length: int | None = None) -> bytes:
    lines = ["POST /events HTTP/1.1", "Host: test", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (JSON if headers is None else headers).items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def raw(
    client: TestClient, *pieces: bytes, pause: float = 0.0
) -> tuple[int, dict[str, str], bytes]:
    """Send ``pieces`` as separate writes (``pause`` apart) and read the answer."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(pause)
    except ConnectionError:
        pass  # the server answered early and closed; its answer is still there to read
    status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines if line)
    body = await reader.readexactly(int(headers["Content-Length"]))
    writer.close()
    return int(status_line.split()[1]), headers, body


def chunked(data: bytes, size: int) -> list[bytes]:
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    return [b"%x\r\n%s\r\n" % (len(c), c) for c in chunks] + [b"0\r\n\r\n"]


# -- reading the body --------------------------------------------------------------------------


def test_a_large_batch_in_many_segments_is_read_whole() -> None:
    batch = [ingest_created(f"T-{i}", customer_id="c" * 250) for i in range(1000)]
    body = orjson.dumps(batch)
    assert len(body) > 300_000

    async def scenario() -> None:
        async with serving() as client:
            step = len(body) // 8 + 1
            pieces = [body[i : i + step] for i in range(0, len(body), step)]
            status, _, answer = await raw(client, head(length=len(body)), *pieces, pause=0.05)
            reply = orjson.loads(answer)
            assert status == 503, reply  # not "400 body is not JSON": read and parsed whole
            assert len(set(reply["event_ids"])) == 1000

    run(scenario())


def test_a_chunked_body_without_length_is_read_whole_and_bounded() -> None:
    chunked_head = head(dict(JSON, **{"Transfer-Encoding": "chunked"}))
    small = orjson.dumps([ingest_created("T-1"), ingest_created("T-2")])
    # unbounded, it would be a 400
    large = orjson.dumps(ingest_created("T-3", category="x" * MAX_BODY))

    async def scenario() -> None:
        async with serving() as client:
            status, _, answer = await raw(client, chunked_head, *chunked(small, 10), pause=0.01)
            assert status == 503 and len(orjson.loads(answer)["event_ids"]) == 2
            status, _, _ = await raw(client, chunked_head, *chunked(large, 64 * 1024))
            assert status == 413

    run(scenario())


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    async def scenario() -> None:
        async with serving() as client:
            status, _, _ = await raw(client, head(length=MAX_BODY + 1), b"[")
            assert status == 413

    run(scenario())


def test_a_body_that_does_not_arrive_in_time_gets_408(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "BODY_TIMEOUT_S", 0.3)

    async def scenario() -> None:
        async with serving() as client:
            status, _, answer = await raw(client, head(length=100), b"[{")
            assert status == 408 and orjson.loads(answer)["errors"][0]["index"] == -1

    run(scenario())


# -- authorization -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        b"",
        b"Bearer",
        b"Bearer wrong",
        b"bearer s3cret",
        b"Bearer  s3cret",
        b"Bearer \xe9t\xe9",
        b"Bearer \xff\xfe\x80",
        "Bearer s3cr\u00e9t".encode(),
    ],
)
def test_any_bad_authorization_gets_401(authorization: bytes | None) -> None:
    headers = head(JSON if authorization is None else dict(JSON, Authorization="{auth}"))
    request = headers.replace(b"{auth}", authorization or b"")

    async def scenario() -> None:
        async with serving(token="s3cret") as client:
            status, _, answer = await raw(client, request)
            assert status == 401
            assert orjson.loads(answer) == {"errors": [{"index": -1, "reason": "unauthorized"}]}

    run(scenario())


def test_the_right_token_passes_even_a_non_ascii_one() -> None:
    async def scenario() -> None:
        for token in ("s3cret", "s3cr\u00e9t"):
            async with serving(token=token) as client:
                request = head(dict(JSON, Authorization="{auth}")).replace(
                    b"{auth}", f"Bearer {token}".encode()
                )
                status, _, _ = await raw(client, request, b"{not json")
                assert status == 400  # past the token check

    run(scenario())


def test_the_token_file_wins_and_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("  from-file\n")
    assert (
        ingest_token(Settings(ingest_token="from-env", ingest_token_file=str(path))) == "from-file"
    )
    assert ingest_token(Settings(ingest_token="from-env")) == "from-env"
    assert ingest_token(Settings()) is None


@pytest.mark.parametrize("content", [None, "", " \n\t", b"\xff\xfe"])
def test_an_empty_or_unreadable_token_file_is_an_error(
    tmp_path: Path, content: str | bytes | None
) -> None:
    path = tmp_path / "token"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(TokenFileError, match="SUPPORTKPI_INGEST_TOKEN_FILE"):
        ingest_token(Settings(ingest_token="from-env", ingest_token_file=str(path)))


def test_the_command_refuses_to_start_open_and_uses_the_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started: list[web.Application] = []
    monkeypatch.setattr(web, "run_app", lambda app, **_: started.append(app))
    monkeypatch.setenv("SUPPORTKPI_BROKER", DOWN)
    monkeypatch.setenv("SUPPORTKPI_INGEST_TOKEN", "from-env")
    path = tmp_path / "token"
    monkeypatch.setenv("SUPPORTKPI_INGEST_TOKEN_FILE", str(path))
    assert cli.main(["ingest"]) == 2 and not started
    assert "SUPPORTKPI_INGEST_TOKEN_FILE" in capsys.readouterr().err

    path.write_text("from-file\n")
    assert cli.main(["ingest"]) == 0 and len(started) == 1

    async def scenario() -> None:
        async with serving(app=started[0]) as client:
            for token, status in (("from-env", 401), ("from-file", 400)):
                response = await client.post(
                    "/events", data=b"{", headers=dict(JSON, Authorization=f"Bearer {token}")
                )
                assert response.status == status

    run(scenario())


# -- content type ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
        "application/json; charset=latin-1",
        "multipart/form-data; boundary=x",
    ],
)
def test_anything_but_json_gets_415(content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}

    async def scenario() -> None:
        async with serving() as client:
            status, _, answer = await raw(client, head(headers, length=2), b"{}")
            assert status == 415 and orjson.loads(answer)["errors"][0]["index"] == -1

    run(scenario())


def test_a_missing_body_is_400_whatever_its_type() -> None:
    async def scenario() -> None:
        async with serving() as client:
            for headers in ({}, {"Content-Type": "text/plain"}):
                status, _, answer = await raw(client, head(headers))
                assert status == 400, answer
                status, _, answer = await raw(client, head(headers, length=0))
                assert status == 400, answer

    run(scenario())


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8"],
)
def test_json_with_parameters_is_accepted(content_type: str) -> None:
    async def scenario() -> None:
        async with serving() as client:
            response = await client.post(
                "/events", data=b"{not json", headers={"Content-Type": content_type}
            )
            assert response.status == 400

    run(scenario())


# -- concurrency -------------------------------------------------------------------------------


def test_requests_beyond_the_limit_get_503_at_once_and_slots_come_back() -> None:
    async def scenario() -> None:
        async with serving(ingest_max_concurrency=2) as client:
            holders = []
            for _ in range(2):  # each sends half its body, then waits: it holds a slot
                _, writer = await asyncio.open_connection(client.host, client.port)
                writer.write(head(length=100) + b"[{")
                await writer.drain()
                holders.append(writer)
            await asyncio.sleep(0.2)
            busy = await asyncio.wait_for(client.post("/events", data=b"{", headers=JSON), 2)
            assert busy.status == 503 and int(busy.headers["Retry-After"]) >= 1
            reply = await busy.json()
            assert reply["errors"][0]["reason"] == "too many requests at once"
            for writer in holders:
                writer.close()
            for _ in range(50):
                response = await client.post("/events", data=b"{", headers=JSON)
                if response.status != 503:
                    break
                await asyncio.sleep(0.05)
            assert response.status == 400  # the slots were given back

    run(scenario())


# -- retries -----------------------------------------------------------------------------------


def test_kafka_unavailable_is_503_with_retry_after_and_the_event_ids() -> None:
    async def scenario() -> None:
        async with serving() as client:
            given = str(uuid.uuid4())
            response = await client.post(
                "/events", json=[ingest_created("T-1", event_id=given), ingest_created("T-2")]
            )
            assert response.status == 503 and int(response.headers["Retry-After"]) >= 1
            reply = await response.json()
            assert reply["errors"] == [{"index": -1, "reason": "Kafka unavailable"}]
            assert reply["event_ids"][0] == given and len(set(reply["event_ids"])) == 2

    run(scenario())


def test_survey_sent_items_are_validated_like_the_others() -> None:
    sent = {"type": "survey-sent", "ticket_id": "T-1", "survey": "csat", "method": "sms"}
    answered = {"type": "survey-answered", "ticket_id": "T-1", "survey": "csat", "score": 4}

    async def scenario() -> None:
        async with serving() as client:
            response = await client.post("/events", json=[sent, {**answered, "method": "fax"}])
            assert response.status == 503  # valid: it got as far as Kafka
            no_method = {k: v for k, v in sent.items() if k != "method"}
            response = await client.post("/events", json=[answered, no_method])
            assert response.status == 400
            assert (await response.json())["errors"] == [
                {"index": 1, "reason": "missing required field 'method'"}
            ]

    run(scenario())


def test_a_failed_connection_leaks_no_kafka_client(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with serving() as client:
            for _ in range(3):
                response = await client.post("/events", json=ingest_created("T-1"))
                assert response.status == 503
            gc.collect()
            await asyncio.sleep(0)

    run(scenario())
    assert "Unclosed AIOKafkaProducer" not in caplog.text


def test_resending_an_id_less_body_gives_the_same_ids() -> None:
    first = orjson.dumps([ingest_created("T-1"), ingest_created("T-2", team="a")])
    reordered = (
        b'[ {"priority": "normal", "channel": "web", "ticket_id": "T-1",\n'
        b'   "type": "ticket-created"}, ' + orjson.dumps(ingest_created("T-2", team="a")) + b"]"
    )
    other = orjson.dumps([ingest_created("T-1"), ingest_created("T-2", team="b")])

    async def scenario() -> None:
        async with serving() as client:

            async def ids(body: bytes) -> list[str]:
                response = await client.post("/events", data=body, headers=JSON)
                assert response.status == 503
                return list((await response.json())["event_ids"])

            once = await ids(first)
            await asyncio.sleep(0.05)  # occurred_at, filled in by the server, differs
            assert await ids(first) == once
            assert await ids(reordered) == once  # the id is of the content, not of its bytes
            changed = await ids(other)
            assert changed[0] == once[0] and changed[1] != once[1]
            assert len(set(once)) == 2 and all(uuid.UUID(i) for i in once)

    run(scenario())


def test_the_id_is_of_the_item_with_its_type() -> None:
    fields = {"ticket_id": "T-1"}
    assert content_id({"type": "ticket-reopened", **fields}) != content_id(
        {"type": "customer-replied", **fields}
    )
    assert content_id({"type": "ticket-reopened", **fields}) == content_id(
        {**fields, "type": "ticket-reopened"}
    )
