"""Geometry of a container and the slot records that open compartments (docs/FORMAT.md §2–3).

A container of N bytes (a multiple of 4096) has two header regions of 64 KiB, one at each end,
and data sectors between them. Each region holds a 32-byte salt and 16 slots of 2048 bytes.
Everything is random-looking: salts are random, unused slots are random, used slots are
ciphertext followed by an HMAC commitment.

Format version 2 (this one) differs from version 1 (papka 0.1.0) only in its slots: region A's
record also carries the compartment's key for region B, so one Argon2id run opens both copies
(docs/FORMAT.md §3). Version 1 slots are still read, and the first session that writes
rewrites them as version 2.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from papka.vault import _crypto

SECTOR = 4096
REGION_SIZE = 64 * 1024
SALT_SIZE = 32
SLOT_COUNT = 16
SLOT_SIZE = 2048
SLOTS_OFFSET = 4096              # within a region
MIN_CONTAINER_SIZE = 16 * 1024 * 1024
REGIONS = ("A", "B")

_NONCE = 12
_TAG = 16
_COMMIT = 32
SLOT_BODY_SIZE = SLOT_SIZE - _NONCE - _TAG - _COMMIT     # 1988
FORMAT_VERSION = 2
#: The slot versions papka opens, newest first; it writes only FORMAT_VERSION.
READABLE_VERSIONS = (2, 1)
# Per version: format version, generation, container size, level, data key, [version 2: the
# compartment's key for region B, in region A's record; zeros in region B's], root length.
_BODY_HEADS = {2: struct.Struct(">BQQB32s32sH"), 1: struct.Struct(">BQQB32sH")}
ROOT_MAX = SLOT_BODY_SIZE - _BODY_HEADS[FORMAT_VERSION].size
#: Each slot holds the heads of both catalog copies' pointer chains, each behind a 2-byte length.
CHAIN_HEAD_MAX = (ROOT_MAX - 4) // 2
#: The largest container papka opens (its free-space map takes one byte per 4 KiB sector).
MAX_CONTAINER_SIZE = 1 << 44


def pack_roots(heads: list[bytes]) -> bytes:
    """The slot's root field: both catalog copies' chain heads, so that either slot copy reaches
    either catalog copy (docs/FORMAT.md §6)."""
    return b"".join(len(h).to_bytes(2, "big") + h for h in heads)


def unpack_roots(field: bytes) -> list[bytes]:
    heads: list[bytes] = []
    offset = 0
    while offset + 2 <= len(field):
        length = int.from_bytes(field[offset:offset + 2], "big")
        heads.append(field[offset + 2:offset + 2 + length])
        offset += 2 + length
    return heads


@dataclass(frozen=True)
class Geometry:
    size: int

    @classmethod
    def for_size(cls, size: int) -> Geometry:
        return cls(size - size % SECTOR)

    def region_offset(self, region: int) -> int:
        return 0 if region == 0 else self.size - REGION_SIZE

    def slot_offset(self, region: int, slot: int) -> int:
        return self.region_offset(region) + SLOTS_OFFSET + slot * SLOT_SIZE

    @property
    def first_data_sector(self) -> int:
        return REGION_SIZE // SECTOR

    @property
    def end_data_sector(self) -> int:
        """One past the last data sector."""
        return (self.size - REGION_SIZE) // SECTOR


def _label(version: int, region: int, slot: int) -> bytes:
    return f"papka/v{version}/slot/{REGIONS[region]}/{slot}".encode()


@dataclass
class SlotKeys:
    """The keys for one slot in one region and format version, derived from that region's
    master. The version is in every label, so a key of one version never opens the other's."""

    encryption: bytearray
    commitment: bytearray
    version: int = FORMAT_VERSION

    @classmethod
    def derive(cls, master: bytes | bytearray, region: int, slot: int,
               version: int = FORMAT_VERSION) -> SlotKeys:
        label = _label(version, region, slot)
        return cls(_crypto.hkdf(master, label + b"/enc"), _crypto.hkdf(master, label + b"/commit"),
                   version)

    def wipe(self) -> None:
        _crypto.wipe(self.encryption)
        _crypto.wipe(self.commitment)


@dataclass
class SlotRecord:
    """What a slot holds once decrypted."""

    generation: int
    size: int          # the container's size when the compartment last committed
    level: int
    data_key: bytearray
    root: bytes        # the serialised pointer to the compartment's catalog
    #: In region A's record: the compartment's master for region B (None in region B's, and in
    #: every version 1 record).
    region_b_master: bytearray | None = None
    version: int = FORMAT_VERSION


def seal_slot(record: SlotRecord, keys: SlotKeys, region: int, slot: int,
              random: _crypto.RandomSource) -> bytes:
    """A record of the current format version; region A's must carry region B's master."""
    if len(record.root) > ROOT_MAX:
        raise ValueError("root pointer too long for a slot")
    if keys.version != FORMAT_VERSION or (region == 0) != (record.region_b_master is not None):
        raise ValueError("only region A's current-version record carries region B's master")
    carried = bytes(record.region_b_master) if record.region_b_master is not None else bytes(32)
    body = _BODY_HEADS[FORMAT_VERSION].pack(
        FORMAT_VERSION, record.generation, record.size, record.level, bytes(record.data_key),
        carried, len(record.root)) + record.root
    body += bytes(SLOT_BODY_SIZE - len(body))
    nonce = random(_NONCE)
    aad = _label(FORMAT_VERSION, region, slot)
    sealed = nonce + _crypto.slot_cipher(keys.encryption).encrypt(nonce, body, aad)
    return sealed + _crypto.hmac_sha256(keys.commitment, sealed)


def open_slot(raw: bytes, keys: SlotKeys, region: int, slot: int) -> SlotRecord | None:
    """Return the record, or None when these keys do not open these bytes.

    The HMAC over the whole record commits to the key (docs/FORMAT.md §3), so crafted bytes
    cannot open under two passphrases; it is checked in constant time before decryption.
    """
    sealed, commitment = raw[:-_COMMIT], raw[-_COMMIT:]
    if not _crypto.equal(_crypto.hmac_sha256(keys.commitment, sealed), commitment):
        return None
    try:
        body = _crypto.slot_cipher(keys.encryption).decrypt(
            sealed[:_NONCE], sealed[_NONCE:], _label(keys.version, region, slot))
    except Exception:       # InvalidTag: cannot happen after a valid commitment, but never trust
        return None
    head = _BODY_HEADS[keys.version]
    fields = head.unpack_from(body)
    version, generation, size, level, data_key, root_length = fields[:5] + fields[-1:]
    if version != keys.version or root_length > SLOT_BODY_SIZE - head.size:
        return None
    carried = bytearray(fields[5]) if version >= 2 and region == 0 else None
    root = body[head.size:head.size + root_length]
    return SlotRecord(generation, size, level, bytearray(data_key), root, carried, version)
