"""The C2SP CCTV age vectors (all but the post-quantum "hybrid" ones) against papka's reader."""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from papka.formats.bundle.age import decrypt
from papka.formats.bundle.errors import (
    ArmorError,
    BundleError,
    CannotDecryptError,
    HeaderError,
    LimitExceededError,
    PayloadError,
)
from papka.formats.bundle.identities import parse_identities

#: A copy of C2SP/CCTV age/testdata (0BSD / CC0 / Unlicense); SOURCE.txt there says which commit.
VECTORS = Path(__file__).resolve().parent / "cctv-age"

#: Which of papka's errors stands for each outcome the vectors name. A header can fail either as
#: malformed or as over a limit (the scrypt work factor); a wrong header MAC is found by pyrage
#: (files to keys) or by papka's own reader of passphrase files.
EXPECTED_ERRORS: dict[str, tuple[type[BundleError], ...]] = {
    "header failure": (HeaderError, LimitExceededError),
    "armor failure": (ArmorError,),
    "no match": (CannotDecryptError,),
    "HMAC failure": (HeaderError,),
    "payload failure": (PayloadError,),
}


@dataclass
class Vector:
    name: str
    expect: str
    payload: str | None
    identities: list[str]
    passphrases: list[str]
    data: bytes


def load_vectors() -> list[Vector]:
    vectors = []
    for path in sorted(VECTORS.iterdir()):
        if path.name in ("README.md", "SOURCE.txt") or "hybrid" in path.name:
            continue
        raw = path.read_bytes()
        head, _, body = raw.partition(b"\n\n")
        fields: dict[str, list[str]] = {}
        for line in head.decode().splitlines():
            key, _, value = line.partition(": ")
            fields.setdefault(key, []).append(value)
        if fields.get("compressed") == ["zlib"]:
            body = zlib.decompress(body)
        vectors.append(
            Vector(
                name=path.name,
                expect=fields["expect"][0],
                payload=fields.get("payload", [None])[0],
                identities=fields.get("identity", []),
                passphrases=fields.get("passphrase", []),
                data=body,
            )
        )
    return vectors


ALL = load_vectors()


def test_all_applicable_vectors_are_present() -> None:
    assert len(ALL) == 124


class Released:
    """Records every plaintext byte the reader hands on, as the vectors ask."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return len(data)


@pytest.mark.parametrize("vector", ALL, ids=[v.name for v in ALL])
def test_cctv_vector(vector: Vector) -> None:
    identities = [i for text in vector.identities for i in parse_identities(text)]
    passphrase = vector.passphrases[0] if vector.passphrases else None
    released = Released()
    error: BundleError | None = None
    try:
        decrypt(io.BytesIO(vector.data), released, identities=identities, passphrase=passphrase)
    except BundleError as exc:
        error = exc
    if vector.expect == "success":
        assert error is None, f"{vector.name}: {error!r}"
    else:
        assert isinstance(error, EXPECTED_ERRORS[vector.expect]), f"{vector.name}: {error!r}"
    if vector.payload is not None:
        assert released.hash.hexdigest() == vector.payload
