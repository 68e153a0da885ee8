"""Snapshots of partition states in the data directory, so that a restart need not evaluate
every record of the changelog again.

Kafka Streams' checkpoint files are the model: one file per partition, stamped with the
changelog offsets it covers. A restart takes the file back and loads only the changelog's tail
from those offsets (``ownership``), which the file's records are replaced by where they differ.

- A file is written whole or not at all: a temporary file, ``fsync``, then ``rename``. A
  ``kill -9`` at any moment leaves the previous snapshot, which the tail completes.
- A file is stamped with a fingerprint of the code and settings that derived it (the domain's
  source digest, the core, Python, the SLA policy's bytes, every setting but secrets and
  endpoints of this worker's own web server): one of other code or settings is not read.
- A file that cannot be read, fails its checksum or has another fingerprint is ignored (logged,
  counted): the partition is rebuilt from its changelog, as without snapshots.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import marshal
import os
import struct
import sys
import zlib
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from streams.config import Settings
from streams.domain import CORE, snapshot, source_digest

log = logging.getLogger(__name__)
MAGIC = b"SKPISNAP"
_HEADER_LENGTH = struct.Struct(">I")
#: settings that change nothing a snapshot holds (secrets are not hashed into files either)
_UNHASHED = frozenset(
    {"sasl_password", "sasl_password_file", "ingest_token", "ingest_token_file", "customer_key"}
    | {"web_host", "web_port", "stall_seconds", "snapshot_interval", "data_dir"}
)


class Covered(NamedTuple):
    """Changelog offsets a snapshot covers: its tail is read from them on (an offset may be
    earlier than needed; records read again replace themselves)."""

    tickets: int
    customers: int


class Snapshot(NamedTuple):
    covered: Covered
    saved: snapshot.Saved


class Unusable(Exception):
    """A snapshot file that is not taken back; the message says why."""


def fingerprint(settings: Settings) -> str:
    """What a snapshot's contents depend on, as a digest."""
    digest = hashlib.sha256()
    for part in (str(snapshot.LAYOUT), sys.version, str(marshal.version), CORE, source_digest()):
        digest.update(part.encode() + b"\0")
    fields = dataclasses.asdict(settings)
    for name in sorted(fields.keys() - _UNHASHED):
        digest.update(f"{name}={fields[name]!r}\0".encode())
    policy = settings.sla_policy_path
    digest.update(Path(policy).read_bytes() if policy else b"no policy")
    return digest.hexdigest()


class SnapshotStore:
    """The snapshot files of one changelog's partitions, in ``directory``."""

    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.directory = directory
        self.fingerprint = fingerprint

    @classmethod
    def for_settings(cls, settings: Settings) -> SnapshotStore:
        directory = Path(settings.data_dir) / "snapshots" / settings.changelog_topic
        return cls(directory, fingerprint(settings))

    def path(self, partition: int) -> Path:
        return self.directory / f"{partition}.snapshot"

    def encode(self, saved: snapshot.Saved, covered: Covered) -> bytes:
        """The file's bytes. Synchronous on purpose: ``saved`` shares the state's live dicts."""
        body = marshal.dumps(saved)
        header = orjson.dumps(
            {
                "fingerprint": self.fingerprint,
                "covered": list(covered),
                "crc32": zlib.crc32(body),
                "records": len(saved["records"]),
            }
        )
        return MAGIC + _HEADER_LENGTH.pack(len(header)) + header + body

    def write(self, partition: int, blob: bytes) -> None:
        """Replace the partition's file with ``blob``, atomically (blocking: run it in a
        thread)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(partition)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")  # workers may share a directory
        with open(temporary, "wb") as out:
            out.write(blob)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)

    def read(self, partition: int) -> Snapshot | None:
        """The partition's snapshot; None if there is none. Raises ``Unusable`` for a file
        that is not taken back."""
        try:
            blob = self.path(partition).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise Unusable(f"cannot be read: {exc}") from exc
        return self.decode(blob)

    def decode(self, blob: bytes) -> Snapshot:
        start = len(MAGIC) + _HEADER_LENGTH.size
        if not blob.startswith(MAGIC) or len(blob) < start:
            raise Unusable("not a snapshot file")
        (length,) = _HEADER_LENGTH.unpack_from(blob, len(MAGIC))
        try:
            header: dict[str, Any] = orjson.loads(blob[start : start + length])
            body = memoryview(blob)[start + length :]
            if header["fingerprint"] != self.fingerprint:
                raise Unusable("taken by other code or settings")
            if zlib.crc32(body) != header["crc32"]:
                raise Unusable("its checksum does not match (a damaged file)")
            covered = Covered(*header["covered"])
            saved = marshal.loads(body)
        except Unusable:
            raise
        except Exception as exc:  # any damage a checksum let through
            raise Unusable(f"cannot be decoded: {exc!r}") from exc
        if not isinstance(saved, dict):
            raise Unusable("holds no state")
        return Snapshot(covered, saved)

    def discard(self, partition: int) -> None:
        self.path(partition).unlink(missing_ok=True)
