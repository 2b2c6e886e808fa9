"""Known-answer vectors: the format cannot change by accident (docs/FORMAT.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from papka.vault import Container, _crypto
from papka.vault.storage import MemoryStorage

MiB = 1024 * 1024
KDF_ANSWER = "7d6354cb02fb650e847debd3d974fe384c0a71305378a67707d177aec111cf63"
CONTAINER_ANSWER = "debff9d0cc1cdb63cfd0d4483703b2a0cd94fd2ef6f54a2351457d2c5a2ee86d"


def test_the_format_kdf_is_argon2id_512mib_2_passes_4_lanes() -> None:
    params = _crypto.KDF_V1
    assert (params.memory_kib, params.iterations, params.lanes) == (512 * 1024, 2, 4)
    secret = _crypto.passphrase_bytes("папка: known answer")
    ours = _crypto.argon2id(secret, bytes(range(32)), params).hex()
    # An independent implementation (OpenSSL's, through cryptography) agrees.
    theirs = Argon2id(salt=bytes(range(32)), length=32, iterations=2, lanes=4,
                      memory_cost=512 * 1024).derive(secret).hex()
    assert ours == theirs == KDF_ANSWER


def test_passphrases_are_nfc_normalised() -> None:
    assert _crypto.passphrase_bytes("е\u0308лка") == _crypto.passphrase_bytes("ёлка")


def build_reference_container() -> bytes:
    """Built from fixed randomness and a fixed clock, with the test-only KDF."""
    rng = random.Random(20261122)
    memory = MemoryStorage(bytearray(16 * MiB))
    Container.create_on(memory, "decoy", random=rng.randbytes)
    clock = lambda: dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)  # noqa: E731
    box = Container.open_on(memory, ["decoy"], random=rng.randbytes, clock=clock)
    box.newest.documents.add(io.BytesIO(b"%PDF-1.7 reference"), title="Справка", kind="medical",
                             tags=["ref"])
    hidden = box.add_compartment("hidden")
    hidden.documents.add(io.BytesIO(b"hidden reference" * 1000), title="Дело")
    box.close()
    return bytes(memory.data)


def test_a_container_from_fixed_randomness_is_the_same_byte_for_byte() -> None:
    first = build_reference_container()
    assert first == build_reference_container()
    assert hashlib.sha256(first).hexdigest() == CONTAINER_ANSWER


def test_the_keystream_never_runs_its_chacha20_counter_over(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the random bytes, the fill keystream starts its block counter at zero and
    takes a new key before it could wrap (cryptography refuses a wrapping counter)."""
    worst = lambda n: b"\xff" * n  # noqa: E731  (the largest counter a random nonce could give)
    stream = _crypto.Keystream(worst)
    assert len(stream.bytes(8 * MiB)) == 8 * MiB
    monkeypatch.setattr(_crypto.Keystream, "_REKEY_AFTER", 16 * MiB)
    stream = _crypto.Keystream(worst)
    for _ in range(5):
        assert len(stream.bytes(8 * MiB)) == 8 * MiB
