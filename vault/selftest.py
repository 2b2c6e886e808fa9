"""A crypto self-test run at start-up: known-answer checks of every primitive papka relies on.

A broken or mis-linked crypto library (a wrong OpenSSL, a patched argon2 build) would otherwise
write containers nobody can read, or ones anybody can. Each check uses a published vector, so a
pass means the primitive computes the standard function, not merely that it agrees with itself.
The whole test takes a few milliseconds (Argon2id runs with the RFC's small parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from argon2.low_level import Type, core, ffi
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from papka.errors import EnvironmentProblem
from papka.vault import _crypto


class CryptoSelfTestFailed(EnvironmentProblem):
    default_message = "The cryptography on this computer gives wrong answers; papka will not run."
    hint = "Reinstall papka and its libraries from a trusted source, then try again."


@dataclass(frozen=True)
class KnownAnswer:
    """One published vector: the name of the primitive, where the vector comes from, the
    inputs and the expected output (all hex)."""

    name: str
    source: str
    inputs: dict[str, str]
    expected: str


_SUNSCREEN = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
              b"the future, sunscreen would be it.").hex()

VECTORS: tuple[KnownAnswer, ...] = (
    KnownAnswer(
        "AES-256-GCM", "McGrew & Viega, GCM specification, test case 14 (NIST CAVP)",
        {"key": "00" * 32, "nonce": "00" * 12, "plaintext": "00" * 16, "aad": ""},
        "cea7403d4d606b6e074ec5d3baf39d18" "d0d1c8a799996bf0265b98b5d48ab919"),
    KnownAnswer(
        "ChaCha20-Poly1305", "RFC 8439, section 2.8.2",
        {"key": "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
         "nonce": "070000004041424344454647", "aad": "50515253c0c1c2c3c4c5c6c7",
         "plaintext": _SUNSCREEN},
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
        "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
        "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
        "3ff4def08e4b7a9de576d26586cec64b6116"
        "1ae10b594f09e26a7e902ecbd0600691"),
    KnownAnswer(
        "ChaCha20", "RFC 8439, section 2.4.2",
        {"key": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
         # cryptography's 16-byte nonce: the 32-bit block counter (1, little-endian) first.
         "nonce": "01000000" "000000000000004a00000000", "plaintext": _SUNSCREEN},
        "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
        "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
        "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
        "5af90bbf74a35be6b40b8eedf2785e42874d"),
    KnownAnswer(
        "HKDF-SHA256", "RFC 5869, test case 1",
        {"ikm": "0b" * 22, "salt": "000102030405060708090a0b0c", "info": "f0f1f2f3f4f5f6f7f8f9",
         "length": "2a"},
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
    KnownAnswer(
        "HMAC-SHA256", "RFC 4231, test case 2",
        {"key": b"Jefe".hex(), "data": b"what do ya want for nothing?".hex()},
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    KnownAnswer(
        "Argon2id", "RFC 9106, section 5.3",
        {"password": "01" * 32, "salt": "02" * 16, "secret": "03" * 8, "ad": "04" * 12,
         "memory_kib": "20", "iterations": "03", "lanes": "04"},
        "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"),
    KnownAnswer(
        "Ed25519", "RFC 8032, section 7.1, test 1",
        {"seed": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "public": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
         "message": ""},
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
        "39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
)


def _aes_gcm(i: dict[str, bytes]) -> bytes:
    # The same constructor the vault uses for every data chunk.
    sealed = _crypto.chunk_cipher(i["key"]).encrypt(i["nonce"], i["plaintext"], i["aad"] or None)
    if AESGCM(i["key"]).decrypt(i["nonce"], sealed, i["aad"] or None) != i["plaintext"]:
        return b""
    return sealed


def _chacha20_poly1305(i: dict[str, bytes]) -> bytes:
    sealed = _crypto.slot_cipher(i["key"]).encrypt(i["nonce"], i["plaintext"], i["aad"])
    tampered = bytes([sealed[0] ^ 1]) + sealed[1:]
    try:
        ChaCha20Poly1305(i["key"]).decrypt(i["nonce"], tampered, i["aad"])
    except InvalidTag:
        return sealed
    return b""          # a forgery was accepted: the tag check is broken


def _chacha20(i: dict[str, bytes]) -> bytes:
    return Cipher(algorithms.ChaCha20(i["key"], i["nonce"]), mode=None).encryptor().update(
        i["plaintext"])


def _hkdf(i: dict[str, bytes]) -> bytes:
    derived = _crypto.hkdf(i["ikm"], i["info"], salt=i["salt"], length=i["length"][0])
    direct = HKDF(hashes.SHA256(), i["length"][0], i["salt"], i["info"]).derive(i["ikm"])
    return bytes(derived) if bytes(derived) == direct else b""


def _hmac(i: dict[str, bytes]) -> bytes:
    return _crypto.hmac_sha256(i["key"], i["data"])


def _argon2id(i: dict[str, bytes]) -> bytes:
    # The RFC vector uses a secret and associated data, which only the low-level context
    # interface of argon2-cffi exposes; it is the same C function the vault's KDF calls.
    out = ffi.new("uint8_t[]", 32)
    keep = [ffi.new("uint8_t[]", i[k]) for k in ("password", "salt", "secret", "ad")]
    context = ffi.new("argon2_context *", {
        "out": out, "outlen": 32,
        "pwd": keep[0], "pwdlen": len(i["password"]),
        "salt": keep[1], "saltlen": len(i["salt"]),
        "secret": keep[2], "secretlen": len(i["secret"]),
        "ad": keep[3], "adlen": len(i["ad"]),
        "t_cost": i["iterations"][0], "m_cost": i["memory_kib"][0],
        "lanes": i["lanes"][0], "threads": i["lanes"][0], "version": 0x13,
        "allocate_cbk": ffi.NULL, "free_cbk": ffi.NULL, "flags": 0,
    })
    if core(context, Type.ID.value) != 0:
        return b""
    return bytes(ffi.buffer(out, 32))


def _ed25519(i: dict[str, bytes]) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(i["seed"])
    public = key.public_key()
    if public.public_bytes_raw() != i["public"]:
        return b""
    signature = key.sign(i["message"])
    try:
        public.verify(signature, i["message"] + b"x")
    except InvalidSignature:
        return signature
    return b""          # a signature verified for another message


_COMPUTE: dict[str, Callable[[dict[str, bytes]], bytes]] = {
    "AES-256-GCM": _aes_gcm,
    "ChaCha20-Poly1305": _chacha20_poly1305,
    "ChaCha20": _chacha20,
    "HKDF-SHA256": _hkdf,
    "HMAC-SHA256": _hmac,
    "Argon2id": _argon2id,
    "Ed25519": _ed25519,
}


def run_self_test(vectors: tuple[KnownAnswer, ...] = VECTORS) -> None:
    """Check every primitive against its published vector; raise CryptoSelfTestFailed naming the
    first one that disagrees. Takes a few milliseconds."""
    for vector in vectors:
        inputs = {k: bytes.fromhex(v) for k, v in vector.inputs.items()}
        try:
            answer = _COMPUTE[vector.name](inputs)
        except Exception:   # any failure inside a primitive is a failed self-test
            answer = b""
        if answer != bytes.fromhex(vector.expected):
            raise CryptoSelfTestFailed(
                f"The cryptography self-test failed for {vector.name}; papka will not run.")
