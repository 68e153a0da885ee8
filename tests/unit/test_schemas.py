"""The published contract (schemas/) and the processor's decoder say the same thing."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from streams.domain.events import InvalidEvent, Kind, decode
from tests.support.tools import ROOT

SCHEMAS = ROOT / "schemas"


def _validator(topic: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{topic}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _examples(kind: str) -> list[tuple[str, Path]]:
    out = []
    for path in sorted((SCHEMAS / "examples" / kind).glob("*.json")):
        topic = path.stem.rsplit("-", 1)[0]
        out.append((topic, path))
    return out


def _decoder_accepts(doc: object, topic: str) -> bool:
    try:
        decode(json.dumps(doc).encode(), Kind(topic))
    except InvalidEvent:
        return False
    return True


@pytest.mark.parametrize(("topic", "path"), _examples("valid"), ids=lambda v: str(v)[-30:])
def test_valid_examples_pass_the_schema_and_the_decoder(topic: str, path: Path) -> None:
    doc = json.loads(path.read_text())
    assert not list(_validator(topic).iter_errors(doc))
    assert _decoder_accepts(doc, topic)


@pytest.mark.parametrize(("topic", "path"), _examples("invalid"), ids=lambda v: str(v)[-30:])
def test_invalid_examples_fail_the_schema_and_the_decoder(topic: str, path: Path) -> None:
    doc = json.loads(path.read_text())
    assert list(_validator(topic).iter_errors(doc))
    assert not _decoder_accepts(doc, topic)


def test_every_topic_has_valid_and_invalid_examples() -> None:
    for kind in Kind:
        assert any(t == kind.value for t, _ in _examples("valid"))
        assert any(t == kind.value for t, _ in _examples("invalid"))


MUTATIONS = [
    None,
    "",
    "x",
    0,
    3,
    5.0,
    11,
    True,
    False,
    [],
    {},
    "2026-11-23T09:15:02",
    "2026-11-23T09:15:02Z",
    "csat",
    "nps",
    "human",
    "bot",
    "email",
    "x" * 300,
]


@pytest.mark.parametrize(("topic", "path"), _examples("valid"), ids=lambda v: str(v)[-30:])
def test_schema_and_decoder_agree_on_every_single_field_mutation(topic: str, path: Path) -> None:
    """Each field of each valid example, removed or replaced by values of other types."""
    base = json.loads(path.read_text())
    validator = _validator(topic)
    fields = sorted(set(base) | set(validator.schema["properties"]))
    disagreements = []
    for field in fields:
        variants = [{k: v for k, v in base.items() if k != field}]
        for value in MUTATIONS:
            doc = copy.deepcopy(base)
            doc[field] = value
            variants.append(doc)
        for doc in variants:
            by_schema = validator.is_valid(doc)
            if by_schema != _decoder_accepts(doc, topic):
                disagreements.append((field, doc.get(field, "<removed>"), by_schema))
    assert not disagreements


def test_asyncapi_names_every_topic_and_every_schema_file_exists() -> None:
    doc = yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text())
    assert doc["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in doc["channels"].values()}
    assert {kind.value for kind in Kind} <= addresses
    for message in doc["components"]["messages"].values():
        ref = message["payload"].get("schema", {}).get("$ref")
        if ref:
            assert (SCHEMAS / ref).is_file(), ref


def test_asyncapi_channel_of_every_topic_carries_its_own_schema() -> None:
    """Each channel's messages resolve to components; each topic's message is its schema file."""
    doc = yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text())
    components = doc["components"]["messages"]
    schema_of: dict[str, set[str]] = {}
    for channel in doc["channels"].values():
        for message in channel["messages"].values():
            name = message["$ref"].removeprefix("#/components/messages/")
            payload = components[name]["payload"]
            schema_of.setdefault(channel["address"], set()).add(
                payload.get("schema", {}).get("$ref", "")
            )
    for kind in Kind:
        assert schema_of[kind.value] == {f"./{kind.value}.schema.json"}, kind
