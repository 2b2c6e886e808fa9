"""A signing identity: the Ed25519 key that signs bundles (a compartment has one per export
profile, papka.exchange.identity)."""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from papka.formats.bundle import sshsig
from papka.formats.bundle.errors import BundleUsageError
from papka.formats.bundle.fingerprint import Fingerprint


class SigningKey:
    """An Ed25519 private key. Its 32 secret bytes live inside a compartment; only the public
    key (an OpenSSH line) and its fingerprint are ever shown."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, data: bytes) -> SigningKey:
        if len(data) != 32:
            raise BundleUsageError("A signing key has exactly 32 secret bytes.")
        return cls(Ed25519PrivateKey.from_private_bytes(bytes(data)))

    def private_bytes(self) -> bytes:
        """The 32-byte secret seed, for the compartment to store encrypted."""
        return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def public_blob(self) -> bytes:
        return sshsig.ed25519_public_blob(self._private.public_key())

    def public_openssh(self) -> str:
        """``ssh-ed25519 AAAA...``, the line an allowed_signers file or address book holds."""
        return public_openssh_line(self.public_blob())

    def fingerprint(self) -> Fingerprint:
        return Fingerprint.of_public_blob(self.public_blob())

    def sign(self, message: bytes, namespace: str = sshsig.NAMESPACE) -> bytes:
        """An armoured OpenSSH signature (SSHSIG) over ``message``."""
        return sshsig.sign(self._private, message, namespace)

    def __repr__(self) -> str:
        return f"SigningKey({self.fingerprint().openssh})"


def public_openssh_line(blob: bytes) -> str:
    return "ssh-ed25519 " + base64.b64encode(blob).decode()


def public_blob_from_openssh(line: str) -> bytes:
    """The wire-form blob of an ``ssh-ed25519 AAAA... [comment]`` line; refuses other key types."""
    parts = line.strip().split()
    if len(parts) < 2 or parts[0] != "ssh-ed25519":
        raise BundleUsageError("This is not an ssh-ed25519 public key.")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except binascii.Error as exc:
        raise BundleUsageError("This ssh-ed25519 public key is malformed.") from exc
    expected_prefix = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
    if len(blob) != len(expected_prefix) + 32 or not blob.startswith(expected_prefix):
        raise BundleUsageError("This ssh-ed25519 public key is malformed.")
    return blob
