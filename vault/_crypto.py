"""The primitives the vault uses, and nothing else. Every other module calls these.

The security argument for each use (key separation, nonce uniqueness, commitment) is in
docs/FORMAT.md; the labels below are the domain-separation strings it names.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: A source of random bytes. os.urandom in use; tests inject a deterministic one.
RandomSource = Callable[[int], bytes]

KEY_SIZE = 32


@dataclass(frozen=True)
class KdfParameters:
    memory_kib: int
    iterations: int
    lanes: int


#: Format version 1: Argon2id v19, 512 MiB, 2 passes, 4 lanes, per region (docs/FORMAT.md).
KDF_V1 = KdfParameters(memory_kib=512 * 1024, iterations=2, lanes=4)
#: The cheap parameters the test suite installs with `weaken_for_tests` (never a user option).
KDF_TESTONLY = KdfParameters(memory_kib=64, iterations=1, lanes=1)

#: Set only by code that calls `weaken_for_tests` in its own process (the test suite and its
#: launchers under tests/). Nothing in papka sets it, and no environment variable, file or
#: option reaches it: an installed papka always derives with KDF_V1 (docs/security.md G3).
_weakened: KdfParameters | None = None


def weaken_for_tests(parameters: KdfParameters | None = KDF_TESTONLY) -> None:
    """Make every derivation in this process use `parameters` (None restores the format's).

    For test suites only: a container made this way falls to a guess in microseconds.
    """
    global _weakened
    _weakened = parameters


def kdf_parameters(work_factor: int = 1) -> KdfParameters:
    if work_factor < 1 or work_factor > 64:
        raise ValueError("work factor must be between 1 and 64")
    base = _weakened if _weakened is not None else KDF_V1
    return KdfParameters(base.memory_kib, base.iterations * work_factor, base.lanes)


def passphrase_bytes(passphrase: str) -> bytes:
    """NFC-normalised UTF-8, so the same passphrase typed on another keyboard still opens."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def argon2id(secret: bytes, salt: bytes, params: KdfParameters) -> bytearray:
    out = hash_secret_raw(secret, salt, params.iterations, params.memory_kib, params.lanes,
                          KEY_SIZE, Type.ID)
    return bytearray(out)


def hkdf(key: bytes | bytearray, info: bytes, *, salt: bytes | None = None,
         length: int = KEY_SIZE) -> bytearray:
    derived = HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info)
    return bytearray(derived.derive(bytes(key)))


def hmac_sha256(key: bytes | bytearray, data: bytes) -> bytes:
    return hmac.new(bytes(key), data, hashlib.sha256).digest()


def equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def slot_cipher(key: bytes | bytearray) -> ChaCha20Poly1305:
    return ChaCha20Poly1305(bytes(key))


def chunk_cipher(key: bytes | bytearray) -> AESGCM:
    return AESGCM(bytes(key))


class Keystream:
    """ChaCha20 keystream under a fresh random key: random-looking fill at memory speed.

    cryptography's 16-byte ChaCha20 nonce is a 4-byte block counter followed by a 12-byte nonce;
    the counter starts at zero and the stream takes a new random key well before the counter
    could wrap (2^32 blocks of 64 bytes)."""

    _REKEY_AFTER = 1 << 37          # bytes: half of what one (key, nonce) can give

    def __init__(self, random: RandomSource) -> None:
        self._random = random
        self._zeros = b""
        self._rekey()

    def _rekey(self) -> None:
        nonce = bytes(4) + self._random(12)
        self._encryptor = Cipher(algorithms.ChaCha20(self._random(32), nonce),
                                 mode=None).encryptor()
        self._used = 0

    def bytes(self, n: int) -> bytes:
        if self._used + n > self._REKEY_AFTER:
            self._rekey()
        self._used += n
        if len(self._zeros) < n:
            # One zero buffer, reused: allocating fresh zeros cost five times the cipher itself.
            self._zeros = bytes(n)
        return self._encryptor.update(memoryview(self._zeros)[:n])


def wipe(buffer: bytearray) -> None:
    """Overwrite a key in place; as far as Python allows (copies made by libraries remain)."""
    for i in range(len(buffer)):
        buffer[i] = 0
