"""Anchors: the sectors through which a format 3 compartment finds its catalog root, so that no
commit rewrites a slot (docs/FORMAT.md §10, "Anchors").

A compartment has ANCHOR_SETS sets of ANCHOR_REPLICAS sectors each, in the zone (the last
quarter of the data area), at places an HMAC of its data key gives. A session writes one set,
drawn at random among those that do not hold the newest anchor (so that images of the stick
around two of its sessions rarely show the same sectors changed); each commit of the session
rewrites that set replica by replica, each flushed, so a crash tears at most one replica and
the others hold the generation before or after. Opening reads every anchor sector and tries
the newest (session, generation) first.

Checked on its own in tests/vault/test_anchors.py, and in the container in
tests/vault/test_format3.py.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Collection
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from papka.errors import EnvironmentProblem
from papka.vault import _crypto
from papka.vault.churn import below as churn_below
from papka.vault.header import SECTOR, Geometry
from papka.vault.storage import Storage

ANCHOR_SETS = 8
ANCHOR_REPLICAS = 4
VERSION = 3
NONCE = 12
TAG = 16
BODY = SECTOR - NONCE - TAG
_HEAD = struct.Struct(">BQQH")          # version, session, generation, root field length
MAX_ROOT_FIELD = BODY - _HEAD.size
_AAD = b"papka/v3/anchor"


@dataclass(frozen=True)
class Anchor:
    """What one anchor sector holds: the session that wrote it, the commit's generation, and the
    root field (both catalog copies' chain heads, docs/FORMAT.md §3)."""

    session: int
    generation: int
    root: bytes

    @property
    def order(self) -> tuple[int, int]:
        return self.session, self.generation


class AnchorKeys:
    """The two keys a compartment's anchors need, derived from its data key."""

    def __init__(self, data_key: bytes | bytearray) -> None:
        self.place = _crypto.hkdf(data_key, b"papka/v3/anchor/place")
        self.seal = _crypto.hkdf(data_key, b"papka/v3/anchor/seal")

    def wipe(self) -> None:
        _crypto.wipe(self.place)
        _crypto.wipe(self.seal)


def zone(geometry: Geometry) -> tuple[int, int]:
    """The zone's first sector and one past its last: the last quarter of the data area."""
    first, end = geometry.first_data_sector, geometry.end_data_sector
    return first + 3 * (end - first) // 4, end


def places(keys: AnchorKeys, geometry: Geometry) -> list[list[int]]:
    """The sectors of each anchor set, by set and replica: HMAC-SHA256(K_place, set || replica)
    modulo the zone's length, from the zone's first sector; a place another anchor of the
    compartment took moves to the next sector up (wrapping inside the zone)."""
    start, end = zone(geometry)
    length = end - start
    if length < ANCHOR_SETS * ANCHOR_REPLICAS:
        raise ValueError("the zone is too small for the anchors")
    taken: set[int] = set()
    out: list[list[int]] = []
    for number in range(ANCHOR_SETS):
        row = []
        for replica in range(ANCHOR_REPLICAS):
            digest = _crypto.hmac_sha256(keys.place, bytes([number, replica]))
            offset = int.from_bytes(digest[:8], "big") % length
            while start + offset in taken:
                offset = (offset + 1) % length
            taken.add(start + offset)
            row.append(start + offset)
        out.append(row)
    return out


def seal(keys: AnchorKeys, sector: int, anchor: Anchor, random: _crypto.RandomSource) -> bytes:
    """One anchor sector: nonce || ChaCha20-Poly1305(K_seal, nonce, body, aad = label ||
    sector), the body padded with random bytes to fill the sector."""
    if len(anchor.root) > MAX_ROOT_FIELD:
        raise ValueError("the root field does not fit an anchor")
    head = _HEAD.pack(VERSION, anchor.session, anchor.generation, len(anchor.root))
    body = head + anchor.root + random(BODY - len(head) - len(anchor.root))
    nonce = random(NONCE)
    sealed = _crypto.slot_cipher(keys.seal).encrypt(nonce, body, _AAD + sector.to_bytes(8, "big"))
    return nonce + sealed


def open_sealed(keys: AnchorKeys, sector: int, raw: bytes) -> Anchor | None:
    """The anchor a sector holds, or None when it holds none under these keys (random bytes,
    another compartment's anchor, a torn write, or an anchor moved from another sector)."""
    if len(raw) != SECTOR:
        return None
    try:
        body = _crypto.slot_cipher(keys.seal).decrypt(
            raw[:NONCE], raw[NONCE:], _AAD + sector.to_bytes(8, "big"))
    except InvalidTag:
        return None
    version, session, generation, length = _HEAD.unpack_from(body)
    if version != VERSION or length > MAX_ROOT_FIELD:
        return None
    return Anchor(session, generation, body[_HEAD.size:_HEAD.size + length])


@dataclass(frozen=True)
class Found:
    """An anchor, and the set it was read from."""

    anchor: Anchor
    set: int


def read_all(keys: AnchorKeys, geometry: Geometry,
             read: Callable[[int], bytes]) -> list[Found]:
    """Every anchor the compartment's sectors hold, newest (session, generation) first, each
    distinct one once (where it is in several sets, the set of its first replica read): the
    order in which opening tries them."""
    found: dict[Anchor, int] = {}
    for number, row in enumerate(places(keys, geometry)):
        for sector in row:
            try:
                raw = read(sector)
            except EnvironmentProblem:          # past the end of a truncated container
                continue
            anchor = open_sealed(keys, sector, raw)
            if anchor is not None:
                found.setdefault(anchor, number)
    return [Found(a, found[a]) for a in sorted(found, key=lambda a: a.order, reverse=True)]


def choose_set(random: _crypto.RandomSource, newest: int | None) -> int:
    """The set a session writes: uniform among those that do not hold the newest anchor."""
    others = [number for number in range(ANCHOR_SETS) if number != newest]
    return others[churn_below(random, len(others))]


def write_set(storage: Storage, keys: AnchorKeys, geometry: Geometry, number: int,
              anchor: Anchor, random: _crypto.RandomSource,
              skip: Collection[int] = ()) -> list[int]:
    """Write `anchor` to set `number`, replica by replica, each flushed: a crash tears at most
    the replica being written, and the others hold this anchor or the one before it. Replicas
    whose sectors are in `skip` are left out; returns the sectors written."""
    written = [sector for sector in places(keys, geometry)[number] if sector not in skip]
    for sector in written:
        storage.write(sector * SECTOR, seal(keys, sector, anchor, random))
        storage.flush()
    return written


def storage_reader(storage: Storage) -> Callable[[int], bytes]:
    return lambda sector: storage.read(sector * SECTOR, SECTOR)
