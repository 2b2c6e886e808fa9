"""Identity files: the secret keys a recipient opens bundles with, read as stock `age -i` reads
them.

Accepted: age-keygen's file (``AGE-SECRET-KEY-1...`` lines, ``#`` comments); the same file
encrypted with a passphrase (`age -p -o key.txt.age key.txt`, binary or armoured), decrypted
through papka's age gate with the same header checks and scrypt work-factor cap as a passphrase
bundle; an OpenSSH private key (ssh-ed25519 or ssh-rsa), with or without a passphrase
(`ssh-keygen -N`), unlocked by `cryptography` (bcrypt-pbkdf) and handed to pyrage unprotected,
in memory only. The library never prompts: a protected file's passphrase is a parameter, a
string or a function called only when the file turns out to need one. docs/FORMAT.md,
"Identity files".
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Callable

import pyrage
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_ssh_private_key,
)

from papka.formats.bundle import age
from papka.formats.bundle.age import Identity
from papka.formats.bundle.errors import (
    BundleDamagedError,
    BundleUsageError,
    CannotDecryptError,
    KeyPassphraseError,
    LimitExceededError,
)

#: A protected identity file's passphrase: the text itself, a function that asks for it when
#: (and only when) a protected file is met, or None when the caller has none.
KeyPassphrase = str | Callable[[], str] | None

OPENSSH_BEGIN = b"-----BEGIN OPENSSH PRIVATE KEY-----"
OPENSSH_END = b"-----END OPENSSH PRIVATE KEY-----"
_OPENSSH_MAGIC = b"openssh-key-v1\x00"
#: Most bcrypt-pbkdf rounds papka runs to unlock an OpenSSH key (OpenSSH sets no cap): about 17 s
#: here at 17 ms a round. ssh-keygen makes 16 unless told otherwise (-a); a key asking for more
#: than this is refused before the passphrase is asked, so that a planted file cannot hang papka.
MAX_BCRYPT_ROUNDS = 1024
_AGE_STARTS = (age.VERSION_LINE, age.ARMOR_BEGIN)


def _unusable() -> BundleUsageError:
    return BundleUsageError(
        "This identity file is not one papka can use.",
        hint="Give the file `papka keygen` or `age-keygen` made (protected with `age -p` or "
             "not), or an OpenSSH private key.",
    )


def parse_identities(text: str | bytes, *, passphrase: KeyPassphrase = None) -> list[Identity]:
    """Read an identity file (see the module's text for the forms accepted).

    ``passphrase`` unlocks a file protected by one; it is never needed, and a function given is
    never called, for an unprotected file. A protected file without it, or with a wrong one, is
    KeyPassphraseError.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if raw.lstrip(b" \t\r\n").startswith(_AGE_STARTS):
        plaintext = _decrypt_identity_file(raw, passphrase)
        if plaintext.lstrip(b" \t\r\n").startswith(_AGE_STARTS):
            raise _unusable()  # one layer, as stock age reads it
        return _read_unprotected_age_or_ssh(plaintext, None)
    return _read_unprotected_age_or_ssh(raw, passphrase)


def _passphrase_text(passphrase: KeyPassphrase) -> str:
    if passphrase is None:
        raise KeyPassphraseError("This identity file is protected by a passphrase, and none was "
                                 "given.")
    return passphrase() if callable(passphrase) else passphrase


def _read_unprotected_age_or_ssh(raw: bytes, passphrase: KeyPassphrase) -> list[Identity]:
    if OPENSSH_BEGIN in raw:
        return [_openssh_identity(raw, passphrase)]
    identities: list[Identity] = []
    try:
        lines = raw.decode("ascii").splitlines()
    except UnicodeDecodeError as exc:
        raise _unusable() from exc
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("AGE-SECRET-KEY-1"):
            raise _unusable()
        try:
            identities.append(Identity("x25519", pyrage.x25519.Identity.from_str(line)))
        except Exception as exc:
            raise _unusable() from exc
    if not identities:
        raise _unusable()
    return identities


def _openssh_kdf_rounds(raw: bytes) -> int | None:
    """How many bcrypt-pbkdf rounds unlock an OpenSSH private key; None when it is not protected.

    Read from the key's wire form: ``openssh-key-v1`` and a zero byte, then the cipher's name
    ("none" when unprotected), the KDF's name and its options (a salt and the rounds), each
    length-prefixed.
    """
    start = raw.find(OPENSSH_BEGIN) + len(OPENSSH_BEGIN)
    end = raw.find(OPENSSH_END, start)
    if end < 0:
        raise _unusable()
    try:
        blob = base64.b64decode(b"".join(raw[start:end].split()), validate=True)
    except binascii.Error as exc:
        raise _unusable() from exc
    if not blob.startswith(_OPENSSH_MAGIC):
        raise _unusable()
    at = len(_OPENSSH_MAGIC)

    def field(data: bytes, at: int) -> tuple[bytes, int]:
        if len(data) < at + 4:
            raise _unusable()
        length = int.from_bytes(data[at : at + 4], "big")
        value = data[at + 4 : at + 4 + length]
        if len(value) != length:
            raise _unusable()
        return value, at + 4 + length

    cipher, at = field(blob, at)
    kdf, at = field(blob, at)
    options, at = field(blob, at)
    if cipher == b"none":
        return None
    if kdf != b"bcrypt":
        raise _unusable()
    _salt, after_salt = field(options, 0)
    if len(options) != after_salt + 4:
        raise _unusable()
    return int.from_bytes(options[after_salt:], "big")


def _openssh_identity(raw: bytes, passphrase: KeyPassphrase) -> Identity:
    rounds = _openssh_kdf_rounds(raw)
    if rounds is None:
        try:
            return Identity("ssh", pyrage.ssh.Identity.from_buffer(raw))
        except Exception as exc:
            raise _unusable() from exc
    if rounds > MAX_BCRYPT_ROUNDS:
        raise LimitExceededError("The identity file's passphrase work factor is over papka's "
                                 "limit: a hostile file.")
    secret = _passphrase_text(passphrase)
    try:
        key = load_ssh_private_key(raw, secret.encode("utf-8"))
    except ValueError:
        # cryptography checks the two check-integers after decrypting: a wrong passphrase (or
        # a key damaged inside its encryption) ends here.
        raise KeyPassphraseError() from None
    except (TypeError, UnsupportedAlgorithm) as exc:
        raise _unusable() from exc
    if not isinstance(key, Ed25519PrivateKey | RSAPrivateKey):
        raise _unusable()
    # pyrage reads only unprotected keys; the unlocked form exists only in this process.
    unlocked = key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    try:
        return Identity("ssh", pyrage.ssh.Identity.from_buffer(unlocked))
    except Exception as exc:
        raise _unusable() from exc


def _decrypt_identity_file(raw: bytes, passphrase: KeyPassphrase) -> bytes:
    """An `age -p` identity file's contents, through the same gate as a passphrase bundle."""
    try:
        header, _body = age.open_age(io.BytesIO(raw))
        if not header.is_passphrase:
            raise _unusable()  # encrypted to keys: not something `age -i` reads either
        secret = _passphrase_text(passphrase)
        contents = io.BytesIO()
        age.decrypt(io.BytesIO(raw), contents, passphrase=secret)
    except CannotDecryptError:
        raise KeyPassphraseError() from None
    except LimitExceededError:
        raise LimitExceededError("The identity file's passphrase work factor is over papka's "
                                 "limit: a hostile file.") from None
    except BundleDamagedError:
        raise BundleUsageError("The encrypted identity file is damaged.",
                               hint="Use another copy of the key file.") from None
    return contents.getvalue()
