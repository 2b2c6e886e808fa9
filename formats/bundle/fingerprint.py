"""Fingerprints of signing keys, in the forms people compare: OpenSSH's ``SHA256:...`` line, a row
of digit groups that two people can read to each other over the phone, and a QR code."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass

import segno

#: Groups in the spoken form; each comes from 4 bytes of the digest (about 16.6 bits), 8 groups
#: use the whole SHA-256 and give some 133 bits, far beyond any second-preimage search.
_GROUPS = 8


@dataclass(frozen=True)
class Fingerprint:
    """The SHA-256 of a public key in OpenSSH wire form (the blob `ssh-keygen -l` hashes)."""

    digest: bytes

    @classmethod
    def of_public_blob(cls, blob: bytes) -> Fingerprint:
        return cls(hashlib.sha256(blob).digest())

    @property
    def openssh(self) -> str:
        """As `ssh-keygen -l` prints it: ``SHA256:`` and unpadded base64."""
        return "SHA256:" + base64.b64encode(self.digest).decode().rstrip("=")

    @property
    def spoken(self) -> str:
        """Eight groups of five digits. Digits, not words, because the two people comparing
        may share no language but can both read numbers aloud."""
        groups = []
        for i in range(_GROUPS):
            value = int.from_bytes(self.digest[4 * i : 4 * i + 4], "big") % 100_000
            groups.append(f"{value:05d}")
        return " ".join(groups)

    def qr(self) -> str:
        """The OpenSSH fingerprint as a QR code drawn with block characters for a terminal."""
        return terminal_qr(self.openssh)

    def __str__(self) -> str:
        return self.openssh


def terminal_qr(text: str) -> str:
    """A QR code of ``text`` drawn with Unicode half blocks, two modules per character row."""
    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True)
    return out.getvalue()
