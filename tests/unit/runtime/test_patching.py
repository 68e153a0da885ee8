"""Our patches of Faust and aiokafka internals refuse to install on code they were not verified
against (streams/runtime/patching.py): another version, or a patched attribute gone."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError

import pytest
from aiokafka import AIOKafkaConsumer
from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from streams.runtime import faust_fixes, patching, tansu_quirks
from streams.runtime.patching import PatchRefused, require, require_attributes

PINNED = {"faust-streaming": "0.15.3", "aiokafka": "0.14.0"}  # as in pyproject.toml


def _installed(**versions: str) -> Callable[[str], str]:
    """A fake ``importlib.metadata.version``: the pinned versions, overridden by ``versions``."""
    table = dict(PINNED, **{name.replace("_", "-"): v for name, v in versions.items()})

    def version(distribution: str) -> str:
        if distribution not in table:
            raise PackageNotFoundError(distribution)
        return table[distribution]

    return version


@pytest.fixture
def pristine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both modules not yet installed; whatever a test patches is put back afterwards."""
    monkeypatch.setattr(faust_fixes, "_installed", False)
    monkeypatch.setattr(tansu_quirks, "_installed", False)
    monkeypatch.setattr(Consumer, "perform_seek", Consumer.perform_seek)
    monkeypatch.setattr(AIOKafkaConsumerThread, "_highwaters", AIOKafkaConsumerThread._highwaters)
    monkeypatch.setattr(AIOKafkaConsumer, "__init__", AIOKafkaConsumer.__init__)


def test_the_installed_versions_are_accepted() -> None:
    for distribution, version in PINNED.items():
        require(distribution, {version}, "a patch")


def test_another_version_is_refused_with_a_message_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(patching, "version", _installed(faust_streaming="0.16.0"))
    with pytest.raises(PatchRefused) as refused:
        require("faust-streaming", {"0.15.3"}, "faust_fixes: Consumer.perform_seek")
    message = str(refused.value)
    for part in (
        "faust_fixes: Consumer.perform_seek",
        "faust-streaming 0.15.3",
        "0.16.0 is installed",
        "pyproject.toml",
        "re-verify",
    ):
        assert part in message, message
    assert isinstance(refused.value, RuntimeError)


def test_a_missing_distribution_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patching, "version", _installed())
    with pytest.raises(PatchRefused, match=r"patch getall: .* 1\.0, but it is not installed"):
        require("aiokafka-ng", {"1.0"}, "getall")


def test_attributes_count_when_defined_or_declared_in_the_class_body() -> None:
    # _committed_offset is set in Consumer.__init__ and only declared on the class
    require_attributes(Consumer, ["perform_seek", "_is_changelog_tp", "_committed_offset"], "p")
    with pytest.raises(PatchRefused) as refused:
        require_attributes(Consumer, ["perform_seek", "_committed_offsets", "_gone"], "my patch")
    message = str(refused.value)
    assert "my patch" in message and "Consumer has no _committed_offsets, _gone" in message


@pytest.mark.usefixtures("pristine")
def test_both_installs_patch_on_the_pinned_versions() -> None:
    before = (Consumer.perform_seek, AIOKafkaConsumerThread._highwaters, AIOKafkaConsumer.__init__)
    faust_fixes.install()
    tansu_quirks.install("127.0.0.1:9")
    after = (Consumer.perform_seek, AIOKafkaConsumerThread._highwaters, AIOKafkaConsumer.__init__)
    assert all(b is not a for b, a in zip(before, after, strict=True))


@pytest.mark.usefixtures("pristine")
@pytest.mark.parametrize("versions", [{"faust_streaming": "0.15.4"}, {"aiokafka": "0.13.0"}])
def test_tansu_quirks_refuse_a_new_version_and_patch_nothing(
    monkeypatch: pytest.MonkeyPatch, versions: dict[str, str]
) -> None:
    monkeypatch.setattr(patching, "version", _installed(**versions))
    before = (AIOKafkaConsumerThread._highwaters, AIOKafkaConsumer.__init__)
    with pytest.raises(PatchRefused, match=r"streams\.runtime\.tansu_quirks: "):
        tansu_quirks.install("127.0.0.1:9")
    assert (AIOKafkaConsumerThread._highwaters, AIOKafkaConsumer.__init__) == before
    assert not tansu_quirks._installed


@pytest.mark.usefixtures("pristine")
def test_faust_fixes_refuse_a_new_faust_and_patch_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patching, "version", _installed(faust_streaming="0.16.0"))
    before = Consumer.perform_seek
    with pytest.raises(PatchRefused, match=r"faust_fixes: Consumer\.perform_seek.*0\.16\.0"):
        faust_fixes.install()
    assert Consumer.perform_seek is before and not faust_fixes._installed


@pytest.mark.usefixtures("pristine")
@pytest.mark.parametrize(
    "owner, name, install",
    [
        (Consumer, "_is_changelog_tp", faust_fixes.install),
        (AIOKafkaConsumerThread, "_highwaters", lambda: tansu_quirks.install("127.0.0.1:9")),
    ],
)
def test_a_renamed_private_attribute_fails_at_install(
    monkeypatch: pytest.MonkeyPatch, owner: type, name: str, install: Callable[[], None]
) -> None:
    monkeypatch.delattr(owner, name)
    with pytest.raises(PatchRefused, match=f"{owner.__qualname__} has no {name}"):
        install()
