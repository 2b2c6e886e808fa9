"""OpenSSH signatures (SSHSIG, OpenSSH's PROTOCOL.sshsig) with Ed25519 keys.

`ssh-keygen -Y verify -n NAMESPACE` checks what :func:`sign` makes, and :func:`verify` checks what
`ssh-keygen -Y sign` makes, so a recipient needs nothing but OpenSSH to check a bundle's signer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from papka.formats.bundle.errors import SignatureError

#: The namespace of bundle signatures: a signature made for anything else never verifies here.
NAMESPACE = "papka-bundle-v1"

_MAGIC = b"SSHSIG"
_VERSION = 1
_BEGIN = b"-----BEGIN SSH SIGNATURE-----"
_END = b"-----END SSH SIGNATURE-----"
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
#: Far above the ~300 bytes an Ed25519 signature takes; keeps hostile input small.
SIGNATURE_LIMIT = 4096


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def ed25519_public_blob(public: Ed25519PublicKey) -> bytes:
    """The key in OpenSSH wire form: string "ssh-ed25519", string key."""
    return _string(b"ssh-ed25519") + _string(public.public_bytes(Encoding.Raw, PublicFormat.Raw))


def _signed_data(namespace: bytes, reserved: bytes, hash_name: bytes, message: bytes) -> bytes:
    digest = _HASHES[hash_name.decode()](message).digest()
    return _MAGIC + _string(namespace) + _string(reserved) + _string(hash_name) + _string(digest)


def sign(private: Ed25519PrivateKey, message: bytes, namespace: str = NAMESPACE) -> bytes:
    """An armoured SSHSIG signature over ``message``, as `ssh-keygen -Y sign` writes it."""
    ns = namespace.encode()
    signature = private.sign(_signed_data(ns, b"", b"sha512", message))
    blob = (
        _MAGIC
        + struct.pack(">I", _VERSION)
        + _string(ed25519_public_blob(private.public_key()))
        + _string(ns)
        + _string(b"")
        + _string(b"sha512")
        + _string(_string(b"ssh-ed25519") + _string(signature))
    )
    text = base64.b64encode(blob)
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return b"\n".join([_BEGIN, *lines, _END]) + b"\n"


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise SignatureError("The signature is malformed.")
        piece = self.data[self.at : self.at + size]
        self.at += size
        return piece

    def string(self) -> bytes:
        (size,) = struct.unpack(">I", self.take(4))
        return self.take(size)

    def done(self) -> None:
        if self.at != len(self.data):
            raise SignatureError("The signature is malformed.")


def _dearmor(armored: bytes) -> bytes:
    if len(armored) > SIGNATURE_LIMIT:
        raise SignatureError("The signature is malformed.")
    lines = armored.strip().splitlines()
    if len(lines) < 3 or lines[0].strip() != _BEGIN or lines[-1].strip() != _END:
        raise SignatureError("The signature is malformed.")
    text = b"".join(line.strip() for line in lines[1:-1])
    try:
        blob = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise SignatureError("The signature is malformed.") from exc
    if base64.b64encode(blob) != text:  # one signature, one spelling
        raise SignatureError("The signature is malformed.")
    return blob


def verify(armored: bytes, message: bytes, namespace: str = NAMESPACE) -> bytes:
    """Check an armoured SSHSIG signature over ``message`` in ``namespace``.

    Returns the signer's public key blob (OpenSSH wire form); the caller decides whether that key
    is the one it expects. Raises SignatureError for anything else.
    """
    cursor = _Cursor(_dearmor(armored))
    if cursor.take(6) != _MAGIC or struct.unpack(">I", cursor.take(4))[0] != _VERSION:
        raise SignatureError("The signature is malformed.")
    public_blob = cursor.string()
    ns = cursor.string()
    reserved = cursor.string()
    hash_name = cursor.string()
    inner = _Cursor(cursor.string())
    cursor.done()
    if ns != namespace.encode():
        raise SignatureError("The signature was made for another purpose (namespace).")
    if hash_name.decode(errors="replace") not in _HASHES:
        raise SignatureError("The signature uses a hash papka does not accept.")
    key = _Cursor(public_blob)
    if key.string() != b"ssh-ed25519":
        raise SignatureError("The signature is not an Ed25519 signature.")
    raw_key = key.string()
    key.done()
    if inner.string() != b"ssh-ed25519":
        raise SignatureError("The signature is not an Ed25519 signature.")
    raw_signature = inner.string()
    inner.done()
    if len(raw_key) != 32 or len(raw_signature) != 64:
        raise SignatureError("The signature is malformed.")
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(
            raw_signature, _signed_data(ns, reserved, hash_name, message)
        )
    except InvalidSignature as exc:
        raise SignatureError() from exc
    return public_blob
