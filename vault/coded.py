"""Coded objects: how a format 3 compartment above level 0 stores an object so that sectors a
decoy-only session overwrites cost it nothing it cannot rebuild (docs/FORMAT.md §10, "Erasure
coding").

The plaintext is cut into shares of SHARE_PAYLOAD bytes, in stripes of at most
MAX_DATA_SHARES; each stripe of k data shares gets m = parity_shares(k) parity shares
(papka.vault.erasure), and then every share is encrypted on its own, in one sector:

    object_key = HKDF(data key, salt = seed, info = "papka/v3/coded")
    sector     = nonce (12, random) || AES-256-GCM(object_key, nonce, share, aad)
    aad        = "papka/v3/share" || index (8) || sector (8)

Coding comes first: parity computed over ciphertext would be a linear relation between sectors
that anyone holding two images can find (§10). The nonce is random and stored, so a share
rebuilt and written elsewhere never reuses a (key, nonce) pair; the index and the sector in the
associated data bind each share to its place in the object and on the disk.

Checked on its own in tests/vault/test_coded.py, and as part of the container in
tests/vault/test_format3.py.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from papka.errors import EnvironmentProblem
from papka.vault import _crypto, erasure
from papka.vault.header import SECTOR
from papka.vault.storage import Storage

NONCE = 12
TAG = 16
SHARE_PAYLOAD = SECTOR - NONCE - TAG          # 4,068 bytes
MAX_DATA_SHARES = 128
#: The chance that each share is lost, which the parity is chosen for (§10.3: the plan's
#: damage between two openings of the compartment), and the chance of losing a stripe then.
DAMAGE = 0.2
STRIPE_LOSS = 1e-5
_AAD = b"papka/v3/share"


class StripeLost(Exception):
    """More shares of a stripe were lost than its parity can rebuild."""


@functools.lru_cache(maxsize=1024)
def parity_shares(data: int, damage: float = DAMAGE, loss: float = STRIPE_LOSS) -> int:
    """The least number of parity shares for `data` data shares with which a stripe is lost
    with probability at most `loss` when every share is lost independently with probability
    `damage` (at most 256 shares in all)."""
    parity = 0
    while data + parity < erasure.MAX_SHARES:
        n = data + parity
        tail = sum(math.comb(n, lost) * damage ** lost * (1 - damage) ** (n - lost)
                   for lost in range(parity + 1, n + 1))
        if tail <= loss:
            break
        parity += 1
    return parity


def stripes(length: int) -> list[tuple[int, int]]:
    """(data shares, parity shares) of each stripe of an object of `length` bytes; an empty
    object has one stripe of one (empty) data share."""
    shares = max(1, -(-length // SHARE_PAYLOAD))
    out = []
    while shares > 0:
        k = min(shares, MAX_DATA_SHARES)
        out.append((k, parity_shares(k)))
        shares -= k
    return out


def share_count(length: int) -> int:
    return sum(k + m for k, m in stripes(length))


@dataclass(frozen=True)
class CodedPointer:
    """Where a coded object lives: its seed, its length and the sector of every share, stripe
    after stripe, data shares first."""

    seed: bytes
    length: int
    sectors: tuple[int, ...]

    _HEAD = struct.Struct(">32sQI")

    def to_bytes(self) -> bytes:
        return self._HEAD.pack(self.seed, self.length, len(self.sectors)) + b"".join(
            s.to_bytes(8, "big") for s in self.sectors)

    @classmethod
    def from_bytes(cls, raw: bytes) -> CodedPointer:
        seed, length, n = cls._HEAD.unpack_from(raw)
        if len(raw) != cls._HEAD.size + 8 * n or n != share_count(length):
            raise ValueError("malformed coded pointer")
        at = cls._HEAD.size
        return cls(seed, length, tuple(int.from_bytes(raw[at + 8 * i:at + 8 * i + 8], "big")
                                       for i in range(n)))


def object_key(data_key: bytes | bytearray, seed: bytes) -> bytearray:
    """The key of one coded object (wipe it after use)."""
    return _crypto.hkdf(data_key, b"papka/v3/coded", salt=seed)


def _seal(cipher: AESGCM, index: int, sector: int, share: bytes,
          random: _crypto.RandomSource) -> bytes:
    nonce = random(NONCE)
    aad = _AAD + index.to_bytes(8, "big") + sector.to_bytes(8, "big")
    return nonce + cipher.encrypt(nonce, share, aad)


def _open(cipher: AESGCM, index: int, sector: int, raw: bytes) -> bytes | None:
    aad = _AAD + index.to_bytes(8, "big") + sector.to_bytes(8, "big")
    try:
        return cipher.decrypt(raw[:NONCE], raw[NONCE:], aad)
    except InvalidTag:
        return None


def _shares(data: bytes) -> list[list[bytes]]:
    """Each stripe's data shares, the last padded with zero bytes."""
    out, at = [], 0
    for k, _m in stripes(len(data)):
        stripe = []
        for _ in range(k):
            piece = data[at:at + SHARE_PAYLOAD]
            stripe.append(piece + bytes(SHARE_PAYLOAD - len(piece)))
            at += SHARE_PAYLOAD
        out.append(stripe)
    return out


def write_stripe(storage: Storage, key: bytes | bytearray, first: int, stripe: list[bytes],
                 sectors: Sequence[int], random: _crypto.RandomSource) -> None:
    """Write one stripe: its data shares (SHARE_PAYLOAD bytes each) and the parity computed
    from them, share `first + i` at `sectors[i]`."""
    parity = erasure.encode(stripe, parity_shares(len(stripe)))
    if len(sectors) != len(stripe) + len(parity):
        raise ValueError("a stripe needs one sector per share")
    cipher = _crypto.chunk_cipher(key)
    for i, share in enumerate([*stripe, *parity]):
        storage.write(sectors[i] * SECTOR, _seal(cipher, first + i, sectors[i], share, random))


def read_stripe(storage: Storage, key: bytes | bytearray, first: int, k: int, m: int,
                place: Callable[[int], int]) -> tuple[list[bytes], list[int]]:
    """One stripe's k data shares, and the indices of its shares that failed authentication;
    share i lives at `place(i)`. StripeLost when more than m were lost."""
    found: dict[int, bytes] = {}
    lost: list[int] = []
    cipher = _crypto.chunk_cipher(key)
    for i in range(k + m):
        sector = place(first + i)
        try:
            raw = storage.read(sector * SECTOR, SECTOR)
        except EnvironmentProblem:              # past the end of a truncated container
            raw = b""
        share = _open(cipher, first + i, sector, raw) if raw else None
        if share is None:
            lost.append(first + i)
        else:
            found[i] = share
    try:
        return erasure.decode(found, k, m), lost
    except ValueError:
        raise StripeLost() from None


def write_shares(storage: Storage, key: bytes | bytearray, first: int, stripe: list[bytes],
                 indices: Sequence[int], sectors: Sequence[int],
                 random: _crypto.RandomSource) -> None:
    """Write again the shares `indices` (indices in the object) of the stripe whose data shares
    are `stripe` and whose first share is `first`, each at the sector given for it, under fresh
    nonces (no pair of key and nonce repeats)."""
    shares = [*stripe, *erasure.encode(stripe, parity_shares(len(stripe)))]
    cipher = _crypto.chunk_cipher(key)
    for index, sector in zip(indices, sectors, strict=True):
        storage.write(sector * SECTOR, _seal(cipher, index, sector, shares[index - first], random))


def write(storage: Storage, data_key: bytes | bytearray, seed: bytes, data: bytes,
          sectors: Sequence[int], random: _crypto.RandomSource) -> CodedPointer:
    """Write `data` coded into `sectors` (exactly share_count(len(data)) of them, in the order
    the shares take them); the caller flushes."""
    if len(sectors) != share_count(len(data)):
        raise ValueError("a coded object needs one sector per share")
    key = object_key(data_key, seed)
    index = 0
    try:
        for stripe in _shares(data):
            count = len(stripe) + parity_shares(len(stripe))
            write_stripe(storage, key, index, stripe, sectors[index:index + count], random)
            index += count
    finally:
        _crypto.wipe(key)
    return CodedPointer(seed, len(data), tuple(sectors))


def read(storage: Storage, data_key: bytes | bytearray,
         pointer: CodedPointer) -> tuple[bytes, list[int]]:
    """The object's bytes, and the indices of the shares that failed authentication (lost:
    overwritten, torn or moved). StripeLost when a stripe lost more than its parity."""
    key = object_key(data_key, pointer.seed)
    out: list[bytes] = []
    lost: list[int] = []
    index = 0
    try:
        for k, m in stripes(pointer.length):
            shares, missing = read_stripe(storage, key, index, k, m,
                                          pointer.sectors.__getitem__)
            out.extend(shares)
            lost.extend(missing)
            index += k + m
    finally:
        _crypto.wipe(key)
    return b"".join(out)[:pointer.length], lost


def rebuild(storage: Storage, data_key: bytes | bytearray, pointer: CodedPointer,
            data: bytes, lost: Sequence[int], sectors: Sequence[int],
            random: _crypto.RandomSource) -> CodedPointer:
    """Write the lost shares again, each at the sector given for it (fresh nonces: no pair of
    key and nonce repeats), from the object's bytes as `read` returned them; returns the
    pointer with their new places. The caller flushes."""
    if len(lost) != len(sectors):
        raise ValueError("one new sector per lost share")
    key = object_key(data_key, pointer.seed)
    places = list(pointer.sectors)
    new_place = dict(zip(lost, sectors, strict=True))
    try:
        first = 0
        for stripe in _shares(data):
            count = len(stripe) + parity_shares(len(stripe))
            mine = [index for index in new_place if first <= index < first + count]
            if mine:
                write_shares(storage, key, first, stripe, mine,
                             [new_place[index] for index in mine], random)
                for index in mine:
                    places[index] = new_place[index]
            first += count
    finally:
        _crypto.wipe(key)
    return CodedPointer(pointer.seed, pointer.length, tuple(places))


def reseal(storage: Storage, key: bytes | bytearray, index: int, sector: int,
           random: _crypto.RandomSource) -> bool:
    """Encrypt share `index` again where it lies, under a fresh nonce: the sector changes as a
    sector of the plan must (§10, "The plan"), and the share stays. False when the share was
    already lost (the sector then holds nothing of the object's)."""
    try:
        raw = storage.read(sector * SECTOR, SECTOR)
    except EnvironmentProblem:
        return False
    cipher = _crypto.chunk_cipher(key)
    share = _open(cipher, index, sector, raw)
    if share is None:
        return False
    storage.write(sector * SECTOR, _seal(cipher, index, sector, share, random))
    storage.flush()                 # a crash tears at most the one share being written
    return True
