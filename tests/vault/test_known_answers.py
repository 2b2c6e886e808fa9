"""Known-answer vectors: the format cannot change by accident (docs/FORMAT.md, vectors/)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections import Counter

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from papka.vault import Container, _crypto, header
from papka.vault.errors import NoCompartmentOpens
from papka.vault.header import SECTOR
from papka.vault.packs import Packed
from papka.vault.storage import MemoryStorage
from tests.vault import container_vectors as vectors

MiB = 1024 * 1024
KDF_ANSWER = "7d6354cb02fb650e847debd3d974fe384c0a71305378a67707d177aec111cf63"
#: The current format's container vector (vectors/container/README.md).
CURRENT = "v2-packs.papka.gz"


def test_the_format_kdf_is_argon2id_512mib_2_passes_4_lanes() -> None:
    params = _crypto.KDF_V1
    assert (params.memory_kib, params.iterations, params.lanes) == (512 * 1024, 2, 4)
    vector = vectors.descriptions()["format_kdf"]
    assert (vector["memory_kib"], vector["iterations"], vector["lanes"]) == \
        (params.memory_kib, params.iterations, params.lanes)
    secret = _crypto.passphrase_bytes(vector["passphrase"])
    salt = bytes.fromhex(vector["salt"])
    ours = _crypto.argon2id(secret, salt, params).hex()
    # An independent implementation (OpenSSL's, through cryptography) agrees.
    theirs = Argon2id(salt=salt, length=32, iterations=2, lanes=4,
                      memory_cost=512 * 1024).derive(secret).hex()
    assert ours == theirs == vector["master"] == KDF_ANSWER


def test_passphrases_are_nfc_normalised() -> None:
    assert _crypto.passphrase_bytes("е\u0308лка") == _crypto.passphrase_bytes("ёлка")


def test_the_writer_makes_the_current_format_vector_byte_for_byte() -> None:
    """vectors/container/v2-packs.papka.gz is what this writer makes from fixed randomness and
    a fixed clock (its free space zeroed, as the vector's README says)."""
    first = vectors.build()
    assert first == vectors.build()
    assert vectors.sparse(first) == vectors.load(CURRENT)
    assert vectors.descriptions()["containers"][CURRENT]["format_version"] == \
        header.FORMAT_VERSION


def test_the_vectors_use_the_test_kdf() -> None:
    kdf = vectors.descriptions()["kdf"]
    weak = _crypto.KDF_TESTONLY
    assert (kdf["memory_kib"], kdf["iterations"], kdf["lanes"]) == \
        (weak.memory_kib, weak.iterations, weak.lanes)


@pytest.mark.parametrize("name", sorted(vectors.descriptions()["containers"]))
def test_each_container_vector_opens_to_what_vectors_json_says(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = vectors.descriptions()["containers"][name]
    data = vectors.load(name)
    found = vectors.describe(data)
    assert found == {key: entry[key] for key in found}
    runs = Counter[str]()
    real = _crypto.argon2id

    def counting(*args: object) -> bytearray:
        runs["kdf"] += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_crypto, "argon2id", counting)
    for passphrase in entry["passphrases"]:
        runs.clear()
        with contextlib.suppress(NoCompartmentOpens):
            Container.open_on(MemoryStorage(bytearray(data)), [passphrase["passphrase"]],
                              writable=False).close()
        expected = entry["unlock_kdf_runs"] if passphrase["opens"] else 2
        assert runs["kdf"] == expected, passphrase["passphrase"]


def _open_slot_as_specified(raw: bytes, master: bytes, region: str, slot: int,
                            version: int) -> bytes | None:
    """docs/FORMAT.md §3 read literally, with cryptography's primitives only: the slot body."""
    label = f"papka/v{version}/slot/{region}/{slot}".encode()

    def hkdf(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    if not hmac.compare_digest(hmac.new(hkdf(label + b"/commit"), raw[:-32],
                                        hashlib.sha256).digest(), raw[-32:]):
        return None
    return ChaCha20Poly1305(hkdf(label + b"/enc")).decrypt(raw[:12], raw[12:-32], label)


@pytest.mark.parametrize("name", sorted(vectors.descriptions()["containers"]))
def test_the_vectors_slots_read_as_the_format_document_says(name: str) -> None:
    """The masters in vectors.json come from OpenSSL's Argon2id too, and the slots they open
    hold the fields FORMAT.md lists: in format 2, region A's record carries region B's master."""
    entry = vectors.descriptions()["containers"][name]
    version = entry["format_version"]
    data = vectors.load(name)
    geometry = header.Geometry.for_size(len(data))
    kdf = vectors.descriptions()["kdf"]
    for passphrase in entry["passphrases"]:
        masters = {}
        for region, letter in enumerate("AB"):
            salt = data[geometry.region_offset(region):][:32]
            masters[letter] = Argon2id(salt=salt, length=32, iterations=kdf["iterations"],
                                       lanes=kdf["lanes"], memory_cost=kdf["memory_kib"]).derive(
                _crypto.passphrase_bytes(passphrase["passphrase"]))
            assert masters[letter].hex() == passphrase[f"master_{letter.lower()}"]
        bodies = {letter: [_open_slot_as_specified(
            data[geometry.slot_offset(region, i):][:2048], masters[letter], letter, i, version)
            for i in range(16)] for region, letter in enumerate("AB")}
        if passphrase["opens"] is None:
            assert bodies == {"A": [None] * 16, "B": [None] * 16}
            continue
        slot = passphrase["slot"]
        assert [i for i, b in enumerate(bodies["A"]) if b] == [slot]
        assert [i for i, b in enumerate(bodies["B"]) if b] == [slot]
        for letter in "AB":
            body = bodies[letter][slot]
            assert body is not None and len(body) == 1988 and body[0] == version
            level = body[17]
            assert level == max(passphrase["opens"])
            if version == 2:
                carried = body[50:82]
                assert carried == (masters["B"] if letter == "A" else bytes(32))
                # The root field's length, then both catalog copies' chain heads.
                length = int.from_bytes(body[82:84], "big")
                assert 0 < length <= 1988 - 84 and not any(body[84 + length:])


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


def test_the_current_vectors_packed_documents_read_as_the_format_document_says() -> None:
    """FORMAT.md §4 "Packs" read literally with cryptography's HKDF and AES-GCM: each packed
    document is bytes o … o + n of its pack, whose one-sector chunks decrypt under the key
    derived from the data key and the pack's seed, with the chunk's index and place as AAD."""
    data = vectors.load(CURRENT)
    packed = 0
    with Container.open_on(MemoryStorage(bytearray(data)), [vectors.HIDDEN],
                           writable=False) as box:
        for compartment in box.compartments:
            root = json.loads(compartment.root.dumps())
            assert root["format"] == 2 and root["packs"]
            data_key = bytes(compartment._data_key)
            for doc in compartment.documents.list():
                content = compartment.documents._content[doc.id]
                if not isinstance(content, Packed):
                    continue
                pack = root["packs"][content.pack]
                key = HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes.fromhex(pack["s"]),
                           info=b"papka/v1/object").derive(data_key)
                plain = b""
                sectors = [s for first, n in pack["r"] for s in range(first, first + n)]
                for index, start in enumerate(sectors):
                    count = 1
                    size = min(SECTOR - 16, pack["n"] - len(plain))
                    aad = b"papka/v1/chunk" + index.to_bytes(8, "big") + \
                        start.to_bytes(8, "big") + count.to_bytes(4, "big")
                    plain += AESGCM(key).decrypt(index.to_bytes(12, "big"),
                                                 data[start * SECTOR:][:size + 16], aad)
                assert len(plain) == pack["n"]
                member = plain[content.offset:content.offset + content.length]
                assert hashlib.sha256(member).hexdigest() == doc.sha256
                packed += 1
    assert packed == 6
