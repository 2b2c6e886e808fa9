"""Writing age v1 files for bundles (C2SP age specification).

A binary bundle to X25519 keys is papka's own composition of `cryptography`'s primitives
(X25519, HKDF-SHA-256, HMAC-SHA-256, ChaCha20-Poly1305), so that the payload's chunks are sealed
on every core (pyrage seals them on one, behind a Python callback per 64 KiB). It is held to
the CCTV vectors' file keys, nonces and payloads byte for byte, and to decryption by pyrage and
by the Go `age` (tests/bundle/test_age_writer.py). Other recipients (OpenSSH keys), armour and
passphrases go through pyrage. The reasoning is in docs/FORMAT.md, "Bundles".
"""

from __future__ import annotations

import base64
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO

import pyrage
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from papka.formats.bundle.age import (
    PASSPHRASE_BUNDLE_LIMIT,
    VERSION_LINE,
    Recipient,
    header_mac,
    hkdf,
    payload_key,
)
from papka.formats.bundle.errors import BundleStorageError, BundleUsageError, LimitExceededError

# --- encryption ---------------------------------------------------------------------------------


class _PullReader:
    """Lets pyrage pull plaintext from a generator of chunks, one bounded piece at a time."""

    def __init__(self, chunks: Callable[[], Any]) -> None:
        self._chunks = iter(chunks())
        self._pending = memoryview(b"")
        self.failure: BaseException | None = None

    def read(self, size: int = -1, /) -> bytes:
        try:
            while not self._pending:
                self._pending = memoryview(next(self._chunks))
        except StopIteration:
            return b""
        except BaseException as exc:
            self.failure = exc
            # Raising (rather than returning b"") keeps pyrage from finishing a valid-looking
            # but incomplete bundle.
            raise OSError("producing the bundle failed") from None
        if size is None or size < 0:
            size = len(self._pending)
        # A view, so that pyrage's 8 KiB reads do not copy the rest of a 1 MiB chunk each time.
        data, self._pending = self._pending[:size], self._pending[size:]
        return bytes(data)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def encrypt(
    chunks: Callable[[], Any],
    out: BinaryIO,
    *,
    recipients: Sequence[Recipient],
    armored: bool = False,
) -> None:
    """Encrypt what the ``chunks`` generator yields to ``recipients``, streaming into ``out``."""
    if not recipients:
        raise BundleUsageError("A bundle needs at least one recipient.")
    if not armored and all(r.kind == "x25519" for r in recipients):
        _encrypt_to_x25519(chunks(), out, [x25519_public_bytes(r.text) for r in recipients])
        return
    reader = _PullReader(chunks)
    writer = _OutputGuard(out)
    try:
        pyrage.encrypt_io(reader, writer, [r.to_pyrage() for r in recipients], armored)
    except Exception:
        if reader.failure is not None:
            raise reader.failure from None
        if writer.failure is not None:
            raise BundleStorageError("papka could not write the bundle.") from writer.failure
        raise
    if reader.failure is not None:
        raise reader.failure


class _OutputGuard:
    """Keeps the error writing the bundle raised, which pyrage would otherwise rename."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.failure: BaseException | None = None

    def write(self, data: bytes) -> int:
        try:
            self._out.write(data)
        except BaseException as exc:
            self.failure = exc
            raise
        return len(data)

    def flush(self) -> None:
        self._out.flush()


def encrypt_with_passphrase(
    plaintext: bytes, out: BinaryIO, *, passphrase: str, armored: bool = False
) -> None:
    """Encrypt ``plaintext`` (in memory: pyrage has no streaming form for passphrases)."""
    if len(plaintext) > PASSPHRASE_BUNDLE_LIMIT:
        raise LimitExceededError("A passphrase-encrypted bundle is over papka's size limit.")
    if not passphrase:
        raise BundleUsageError("The passphrase is empty.")
    encrypted = pyrage.passphrase.encrypt(plaintext, passphrase, armored)
    try:
        out.write(encrypted)
    except OSError as exc:
        raise BundleStorageError("papka could not write the bundle.") from exc


# --- papka's own writer for binary bundles to X25519 keys (C2SP age v1) -------------------------

#: STREAM's plaintext chunk (C2SP age, "Payload").
STREAM_CHUNK = 64 * 1024
#: Chunks sealed by one task on a worker thread: 1 MiB, so threads change hands rarely and a
#: few batches in flight stay a few MiB.
_BATCH_CHUNKS = 16
_BATCH = STREAM_CHUNK * _BATCH_CHUNKS
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def x25519_public_bytes(text: str) -> bytes:
    """The 32-byte key inside an `age1...` recipient (Bech32, BIP 173, checksum checked)."""
    hrp, sep, rest = text.lower().rpartition("1")
    if not sep or hrp != "age" or len(rest) < 6 or any(c not in _BECH32 for c in rest):
        raise BundleUsageError("This recipient key is malformed.")
    values = [_BECH32.index(c) for c in rest]
    check = 1
    for value in [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD,
                                         0x2A1462B3)):
            check ^= generator if (top >> bit) & 1 else 0
    if check != 1:
        raise BundleUsageError("This recipient key is malformed.")
    accumulator, bits, key = 0, 0, bytearray()
    for value in values[:-6]:
        accumulator = accumulator << 5 | value
        bits += 5
        if bits >= 8:
            bits -= 8
            key.append(accumulator >> bits & 0xFF)
    if len(key) != 32 or bits >= 5 or accumulator & ((1 << bits) - 1):
        raise BundleUsageError("This recipient key is malformed.")
    return bytes(key)


def x25519_stanza(recipient: bytes, file_key: bytes,
                  ephemeral: X25519PrivateKey | None = None) -> bytes:
    """One `-> X25519` stanza wrapping ``file_key`` to ``recipient`` (C2SP age, "X25519")."""
    ephemeral = ephemeral or X25519PrivateKey.generate()
    share = ephemeral.public_key().public_bytes_raw()
    # cryptography refuses an all-zero shared secret (a low-order key), as the spec requires.
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    wrap_key = hkdf(shared, share + recipient, b"age-encryption.org/v1/X25519")
    body = ChaCha20Poly1305(wrap_key).encrypt(bytes(12), file_key, None)
    return b"-> X25519 " + _b64(share) + b"\n" + _b64(body) + b"\n"


def header_with_mac(stanzas: Sequence[bytes], file_key: bytes) -> bytes:
    """The header: version line, stanzas, and the MAC line over everything before its space."""
    head = VERSION_LINE + b"\n" + b"".join(stanzas) + b"---"
    return head + b" " + _b64(header_mac(file_key, head)) + b"\n"


def seal_chunks(cipher: ChaCha20Poly1305, data: memoryview, first: int, final: bool) -> bytearray:
    """STREAM chunks ``first``, ``first + 1``... of ``data`` (whole 64 KiB chunks except perhaps
    the last); the last one carries the final flag when ``final``. Runs on worker threads:
    cryptography lets go of the GIL while it seals."""
    count = max(1, -(-len(data) // STREAM_CHUNK))
    sealed = bytearray(len(data) + 16 * count)
    out = memoryview(sealed)
    for number in range(count):
        piece = data[number * STREAM_CHUNK:(number + 1) * STREAM_CHUNK]
        flag = b"\x01" if final and number == count - 1 else b"\x00"
        at = number * (STREAM_CHUNK + 16)
        cipher.encrypt_into((first + number).to_bytes(11, "big") + flag, piece, None,
                            out[at:at + len(piece) + 16])
    return sealed


def write_payload(chunks: Any, out: BinaryIO, key: bytes, *, workers: int | None = None) -> None:
    """Seal the bytes ``chunks`` yields as age's STREAM under ``key`` and write them to ``out``
    in order, 1 MiB batches sealed on up to ``workers`` threads (as many batches in flight)."""
    cipher = ChaCha20Poly1305(key)
    workers = workers or min(4, os.cpu_count() or 1)
    pending = bytearray()
    in_flight: deque[Future[bytearray]] = deque()
    counter = 0

    def drain(keep: int) -> None:
        while len(in_flight) > keep:
            sealed = in_flight.popleft().result()
            try:
                out.write(sealed)
            except OSError as exc:
                raise BundleStorageError("papka could not write the bundle.") from exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for chunk in chunks:
                pending += chunk
                # A batch goes out only once more data follows it: the last chunk of the
                # payload, even a full one, must carry the final flag.
                while len(pending) > _BATCH:
                    batch = memoryview(pending[:_BATCH])     # a copy: pending moves on
                    del pending[:_BATCH]
                    in_flight.append(pool.submit(seal_chunks, cipher, batch, counter, False))
                    counter += _BATCH_CHUNKS
                    drain(workers)
            in_flight.append(pool.submit(seal_chunks, cipher, memoryview(bytes(pending)),
                                         counter, True))
            drain(0)
        finally:
            for future in in_flight:
                future.cancel()


def _encrypt_to_x25519(chunks: Any, out: BinaryIO, recipients: Sequence[bytes]) -> None:
    file_key = os.urandom(16)
    nonce = os.urandom(16)
    header = header_with_mac([x25519_stanza(r, file_key) for r in recipients], file_key)
    try:
        out.write(header + nonce)
    except OSError as exc:
        raise BundleStorageError("papka could not write the bundle.") from exc
    write_payload(chunks, out, payload_key(file_key, nonce))
