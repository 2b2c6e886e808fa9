"""papka's own age writer (binary bundles to X25519 keys): byte for byte against the CCTV
vectors' file keys and nonces, and read back by pyrage and by the Go `age`."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from papka.formats.bundle import (
    generate_identity,
    identity_file_text,
    parse_identities,
    parse_recipient,
)
from papka.formats.bundle.age import PeekableReader, decrypt, read_header
from papka.formats.bundle.age_writer import (
    STREAM_CHUNK,
    encrypt,
    header_with_mac,
    payload_key,
    write_payload,
    x25519_public_bytes,
)
from papka.formats.bundle.errors import BundleStorageError, BundleUsageError
from tests.bundle.test_cctv import ALL, Vector
from tests.conftest import require_tool

BATCH = 16 * STREAM_CHUNK


def _file_key(vector: Vector) -> bytes | None:
    path = Path(__file__).resolve().parent / "cctv-age" / vector.name
    head = path.read_bytes().partition(b"\n\n")[0].decode()
    keys = [line[len("file key: "):] for line in head.splitlines()
            if line.startswith("file key: ")]
    return bytes.fromhex(keys[0]) if keys else None


#: Every binary vector that decrypts, with the file key it was made with.
KNOWN = [(v, key) for v in ALL if v.expect == "success" and v.data.startswith(b"age-encryption")
         and (key := _file_key(v)) is not None]


def test_the_known_answers_cover_the_stream_edge_cases() -> None:
    names = {v.name for v, _key in KNOWN}
    assert {"stream_empty_payload", "stream_last_chunk_full", "stream_257_chunks_full",
            "stream_258_chunks", "stream_two_chunks", "x25519", "scrypt"} <= names


@pytest.mark.parametrize(("vector", "file_key"), KNOWN, ids=[v.name for v, _ in KNOWN])
def test_header_mac_and_payload_match_the_vector_byte_for_byte(vector: Vector,
                                                              file_key: bytes) -> None:
    identities = [i for text in vector.identities for i in parse_identities(text)]
    passphrase = vector.passphrases[0] if vector.passphrases else None
    plain = io.BytesIO()
    decrypt(io.BytesIO(vector.data), plain, identities=identities, passphrase=passphrase)
    assert hashlib.sha256(plain.getvalue()).hexdigest() == vector.payload
    header = read_header(PeekableReader(io.BytesIO(vector.data))).raw
    # The stanzas as the vector wrote them, then papka's MAC line over them.
    stanzas = header[header.index(b"\n") + 1:header.rindex(b"---")]
    assert header_with_mac([stanzas], file_key) == header
    nonce = vector.data[len(header):len(header) + 16]
    sealed = io.BytesIO()
    # Fed in uneven pieces, sealed on two threads: the bytes must still be the vector's.
    data = plain.getvalue()
    pieces = [data[i:i + 5000] for i in range(0, len(data), 5000)]
    write_payload(iter(pieces), sealed, payload_key(file_key, nonce), workers=2)
    assert sealed.getvalue() == vector.data[len(header) + 16:]


def _payload(size: int) -> bytes:
    return (os.urandom(4096) * (size // 4096 + 1))[:size]


def _pieces(data: bytes, step: int) -> Iterator[bytes]:
    for start in range(0, len(data), step):
        yield data[start:start + step]


SIZES = [0, 1, STREAM_CHUNK - 1, STREAM_CHUNK, STREAM_CHUNK + 1, BATCH, BATCH + 1,
         3 * BATCH + STREAM_CHUNK]


@pytest.mark.parametrize("size", SIZES)
def test_pyrage_reads_what_papka_writes_for_every_recipient(size: int) -> None:
    keys = [generate_identity() for _ in range(2)]
    data = _payload(size)
    out = io.BytesIO()
    encrypt(lambda: _pieces(data, 100_003), out,
            recipients=[parse_recipient(public) for _secret, public in keys])
    assert out.getvalue().startswith(b"age-encryption.org/v1\n-> X25519 ")
    for secret, public in keys:
        back = io.BytesIO()
        decrypt(io.BytesIO(out.getvalue()),
                back, identities=parse_identities(identity_file_text(secret, public, "t")))
        assert back.getvalue() == data


@pytest.mark.parametrize("size", [0, STREAM_CHUNK, BATCH, 2 * BATCH + 7])
def test_the_go_age_reads_what_papka_writes(size: int, tmp_path: Path) -> None:
    age = require_tool("age")
    secret, public = generate_identity()
    key = tmp_path / "key.txt"
    key.write_text(identity_file_text(secret, public, "t"))
    data = _payload(size)
    out = io.BytesIO()
    encrypt(lambda: iter([data]), out, recipients=[parse_recipient(public)])
    result = subprocess.run([age, "-d", "-i", str(key)], input=out.getvalue(),
                            capture_output=True, check=True)
    assert result.stdout == data


def test_an_age_key_with_a_wrong_checksum_is_refused() -> None:
    _secret, public = generate_identity()
    assert len(x25519_public_bytes(public)) == 32
    broken = public[:-1] + ("q" if public[-1] != "q" else "p")
    with pytest.raises(BundleUsageError):
        x25519_public_bytes(broken)
    with pytest.raises(BundleUsageError):
        x25519_public_bytes("age1" + public[4:-2])


class _FullDisk(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise OSError(28, "No space left on device")


def test_a_failing_write_and_a_failing_source_are_reported_as_themselves() -> None:
    recipient = parse_recipient(generate_identity()[1])
    with pytest.raises(BundleStorageError):
        encrypt(lambda: iter([b"x" * (3 * BATCH)]), _FullDisk(), recipients=[recipient])

    class Unreadable(Exception):
        pass

    def source() -> Iterator[bytes]:
        yield b"y" * (2 * BATCH)
        raise Unreadable()

    with pytest.raises(Unreadable):
        encrypt(source, io.BytesIO(), recipients=[recipient])
