"""Geometry of a container and the slot records that open compartments (docs/FORMAT.md §2–3).

A container of N bytes (a multiple of 4096) has two header regions of 64 KiB, one at each end,
and data sectors between them. Each region holds a 32-byte salt and 16 slots of 2048 bytes.
Everything is random-looking: salts are random, unused slots are random, used slots are
ciphertext followed by an HMAC commitment.
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
# format version, generation, container size, level, data key, root pointer length
_BODY_HEAD = struct.Struct(">BQQB32sH")
FORMAT_VERSION = 1
ROOT_MAX = SLOT_BODY_SIZE - _BODY_HEAD.size
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


@dataclass
class SlotKeys:
    """The keys for one slot in one region, derived from that region's passphrase master."""

    encryption: bytearray
    commitment: bytearray

    @classmethod
    def derive(cls, master: bytes | bytearray, region: int, slot: int) -> SlotKeys:
        label = f"papka/v1/slot/{REGIONS[region]}/{slot}".encode()
        return cls(_crypto.hkdf(master, label + b"/enc"), _crypto.hkdf(master, label + b"/commit"))

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


def _aad(region: int, slot: int) -> bytes:
    return f"papka/v1/slot/{REGIONS[region]}/{slot}".encode()


def seal_slot(record: SlotRecord, keys: SlotKeys, region: int, slot: int,
              random: _crypto.RandomSource) -> bytes:
    if len(record.root) > ROOT_MAX:
        raise ValueError("root pointer too long for a slot")
    body = _BODY_HEAD.pack(FORMAT_VERSION, record.generation, record.size, record.level,
                           bytes(record.data_key), len(record.root)) + record.root
    body += bytes(SLOT_BODY_SIZE - len(body))
    nonce = random(_NONCE)
    sealed = nonce + _crypto.slot_cipher(keys.encryption).encrypt(nonce, body, _aad(region, slot))
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
            sealed[:_NONCE], sealed[_NONCE:], _aad(region, slot))
    except Exception:       # InvalidTag: cannot happen after a valid commitment, but never trust
        return None
    version, generation, size, level, data_key, root_length = _BODY_HEAD.unpack_from(body)
    if version != FORMAT_VERSION or root_length > ROOT_MAX:
        return None
    root = body[_BODY_HEAD.size:_BODY_HEAD.size + root_length]
    return SlotRecord(generation, size, level, bytearray(data_key), root)
