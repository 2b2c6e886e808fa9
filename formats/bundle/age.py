"""age v1 for bundles: recipients, identities, the strict header gate, and decryption.

Reading files to keys is pyrage's (the Rust `age` crate) behind a strict gate: the ASCII armour
and the header are parsed here, per the C2SP age specification, before pyrage sees a byte, so
that a hostile bundle meets papka's own limits first (above all an scrypt work factor of at most
22, as the Go implementation enforces; pyrage alone accepted 23 and spent 8 GiB). Passphrase
files are opened here on `cryptography` (docs/FORMAT.md, "Passphrase files are opened by
papka"). Writing is in age_writer.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyrage

from papka.formats.bundle.errors import (
    ArmorError,
    BundleUsageError,
    CannotDecryptError,
    HeaderError,
    LimitExceededError,
    PayloadError,
)

#: The only header version papka reads and writes.
VERSION_LINE = b"age-encryption.org/v1"
#: Largest header accepted: sixteen ssh-rsa-4096 stanzas fit several times over.
HEADER_LIMIT = 64 * 1024
#: Most stanzas accepted in one header.
STANZA_LIMIT = 64
#: Highest scrypt work factor (log2 N) accepted: the Go implementation's cap (4 GiB of memory).
MAX_WORK_FACTOR = 22
#: pyrage decrypts passphrase files in memory only, so such bundles are kept small.
PASSPHRASE_BUNDLE_LIMIT = 512 * 1024 * 1024

ARMOR_BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = b"-----END AGE ENCRYPTED FILE-----"
_ARMOR_COLUMNS = 64
_ARMOR_LINE_BYTES = 48
#: Whitespace tolerated before and after an armoured file (the Go implementation's figure).
_ARMOR_WHITESPACE_LIMIT = 1024
_WHITESPACE = b" \t\r\n"

_B64_UNPADDED = re.compile(rb"[A-Za-z0-9+/]*")
_B64_PADDED = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
_FULL_ARMOR_LINES = re.compile(rb"(?:[A-Za-z0-9+/]{64}\r?\n)+")
_DECIMAL = re.compile(rb"[1-9][0-9]{0,2}")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


# --- recipients and identities ------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Someone a bundle can be encrypted to: an age X25519 key or an OpenSSH public key."""

    text: str
    kind: str  # "x25519", "ssh-ed25519" or "ssh-rsa"

    def to_pyrage(self) -> Any:
        if self.kind == "x25519":
            return pyrage.x25519.Recipient.from_str(self.text)
        return pyrage.ssh.Recipient.from_str(self.text)


def parse_recipient(text: str) -> Recipient:
    """Read a recipient as a person pastes it: ``age1...``, ``ssh-ed25519 AAAA...``, ``ssh-rsa``.

    The comment after an OpenSSH key is dropped; it travels nowhere.
    """
    cleaned = text.strip()
    if cleaned.startswith("age1"):
        kind = "x25519"
        canonical = cleaned
    else:
        parts = cleaned.split()
        if len(parts) < 2 or parts[0] not in ("ssh-ed25519", "ssh-rsa"):
            raise BundleUsageError(
                "This is not a recipient papka knows.",
                hint="Give an age public key (age1...) or an ssh-ed25519 or ssh-rsa public key.",
            )
        kind = parts[0]
        canonical = f"{parts[0]} {parts[1]}"
    try:
        Recipient(canonical, kind).to_pyrage()
    except Exception as exc:  # pyrage raises its own RecipientError for every malformed key
        raise BundleUsageError(
            "This recipient key is malformed.",
            hint="Copy the whole public key again, on one line.",
        ) from exc
    return Recipient(canonical, kind)


@dataclass(frozen=True)
class Identity:
    """A secret key that can open bundles: an age X25519 identity or an OpenSSH private key."""

    kind: str
    _inner: Any = field(repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Identity(kind={self.kind!r})"


def generate_identity() -> tuple[str, str]:
    """Make a new age X25519 identity: (secret ``AGE-SECRET-KEY-1...``, public ``age1...``)."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def identity_file_text(secret: str, public: str, created: str) -> str:
    """The identity file as age-keygen writes it, so `age -d -i FILE` accepts it as is."""
    return f"# created: {created}\n# public key: {public}\n{secret}\n"


# --- the strict gate: armour and header ---------------------------------------------------------


class PeekableReader:
    """A reader that can return bytes to its front, for peeking and line reading."""

    def __init__(self, source: Readable) -> None:
        self._source = source
        self._buffer = bytearray()

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            data = bytes(self._buffer) + _read_all(self._source)
            self._buffer.clear()
            return data
        if self._buffer:
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data
        return self._source.read(size)

    def read_up_to(self, size: int) -> bytes:
        """Up to ``size`` bytes, fewer only at the end of the input."""
        parts = []
        wanted = size
        while wanted > 0:
            chunk = self.read(min(wanted, 1 << 20))
            if not chunk:
                break
            parts.append(chunk)
            wanted -= len(chunk)
        return b"".join(parts)

    def unread(self, data: bytes) -> None:
        self._buffer[:0] = data

    def peek(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = self._source.read(size - len(self._buffer))
            if not chunk:
                break
            self._buffer += chunk
        return bytes(self._buffer[:size])

    def read_line(self, limit: int) -> bytes | None:
        """One line including its b"\\n"; at end of input whatever is left (maybe b"");
        None when no newline comes within ``limit`` bytes."""
        line = bytearray()
        while True:
            chunk = self.read(4096)
            if not chunk:
                return bytes(line)
            cut = chunk.find(b"\n")
            if cut >= 0:
                line += chunk[: cut + 1]
                self.unread(chunk[cut + 1 :])
                return bytes(line) if len(line) <= limit else None
            line += chunk
            if len(line) > limit:
                return None


def _read_all(source: Readable) -> bytes:
    parts: list[bytes] = []
    while True:
        chunk = source.read(1 << 20)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


class ArmorReader:
    """Decodes the ASCII armour of an age file, as strictly as the Go reader: 64-column canonical
    base64 lines, a short last line, nothing but a little whitespace around. It keeps its own
    text buffer and decodes runs of full lines at once, so large armoured bundles stay fast."""

    _REFILL = 64 * 1024

    def __init__(self, source: Readable) -> None:
        self._source = source
        self._text = bytearray()
        self._at = 0
        self._eof = False
        self._started = False
        self._done = False
        self._decoded = bytearray()

    def read(self, size: int = -1, /) -> bytes:
        while not self._done and (size is None or size < 0 or len(self._decoded) < size):
            self._decode_some()
        if size is None or size < 0:
            size = len(self._decoded)
        data = bytes(self._decoded[:size])
        del self._decoded[:size]
        return data

    def _refill(self) -> bool:
        if self._eof:
            return False
        chunk = self._source.read(self._REFILL)
        if not chunk:
            self._eof = True
            return False
        del self._text[: self._at]
        self._at = 0
        self._text += chunk
        return True

    def _line(self) -> bytes:
        while True:
            end = self._text.find(b"\n", self._at)
            if end >= 0:
                line = bytes(self._text[self._at : end])
                self._at = end + 1
                break
            if len(self._text) - self._at > _ARMOR_COLUMNS + 1:
                raise ArmorError("A line of the bundle's text armour is too long.")
            if not self._refill():
                line = bytes(self._text[self._at :])
                self._at = len(self._text)
                if not line:
                    raise ArmorError("The bundle's text armour ends too early.")
                break
        if line.endswith(b"\r"):
            line = line[:-1]
        if len(line) > _ARMOR_COLUMNS and line not in (ARMOR_BEGIN, ARMOR_END):
            raise ArmorError("A line of the bundle's text armour is too long.")
        return line

    def _skip_leading_whitespace(self) -> None:
        skipped = 0
        while True:
            while self._at < len(self._text) and self._text[self._at] in _WHITESPACE:
                self._at += 1
                skipped += 1
                if skipped > _ARMOR_WHITESPACE_LIMIT:
                    raise ArmorError("Too much whitespace precedes the bundle's text armour.")
            if self._at < len(self._text) or not self._refill():
                return

    def _decode_some(self) -> None:
        if not self._started:
            self._skip_leading_whitespace()
            if self._line() != ARMOR_BEGIN:
                raise ArmorError()
            self._started = True
        # Full 64-column lines of the base64 alphabet are canonical by construction (no padding,
        # no leftover bits), so a run of them is matched and decoded in one call each; the line
        # breaks the run contains are dropped by b64decode.
        run = _FULL_ARMOR_LINES.match(self._text, self._at)
        if run:
            self._decoded += base64.b64decode(run.group(0))
            self._at = run.end()
            return
        line = self._line()
        if len(line) == _ARMOR_COLUMNS and _B64_UNPADDED.fullmatch(line):
            self._decoded += base64.b64decode(line)
            return
        self._last_line(line)

    def _last_line(self, line: bytes) -> None:
        if line == ARMOR_END:
            self._finish()
            return
        if not line or len(line) > _ARMOR_COLUMNS or not _B64_PADDED.fullmatch(line):
            raise ArmorError()
        try:
            decoded = base64.b64decode(line, validate=True)
        except binascii.Error as exc:
            raise ArmorError() from exc
        if base64.b64encode(decoded) != line:
            raise ArmorError("The bundle's text armour is not canonical base64.")
        if len(decoded) == _ARMOR_LINE_BYTES:  # a full line with padding cannot be
            raise ArmorError()
        self._decoded += decoded
        if self._line() != ARMOR_END:
            raise ArmorError()
        self._finish()

    def _finish(self) -> None:
        while len(self._text) - self._at < _ARMOR_WHITESPACE_LIMIT and self._refill():
            pass
        rest = bytes(self._text[self._at :])
        if rest.strip(_WHITESPACE) or len(rest) >= _ARMOR_WHITESPACE_LIMIT:
            raise ArmorError("Something follows the bundle's text armour.")
        self._done = True


@dataclass(frozen=True)
class Stanza:
    type: str
    arguments: tuple[str, ...]
    body: bytes


@dataclass(frozen=True)
class Header:
    stanzas: tuple[Stanza, ...]
    raw: bytes  # the header's bytes, up to and including the MAC line

    @property
    def is_passphrase(self) -> bool:
        return any(s.type == "scrypt" for s in self.stanzas)


def _unpadded_b64(data: bytes, *, length: int | None = None) -> bytes:
    """Canonical unpadded base64, as age requires everywhere in its header."""
    if not _B64_UNPADDED.fullmatch(data) or len(data) % 4 == 1:
        raise HeaderError()
    decoded = base64.b64decode(data + b"=" * (-len(data) % 4))
    if base64.b64encode(decoded).rstrip(b"=") != data:
        raise HeaderError("The bundle's encryption header is not canonical base64.")
    if length is not None and len(decoded) != length:
        raise HeaderError()
    return decoded


def read_header(source: PeekableReader) -> Header:
    """Parse an age v1 header strictly and check each known stanza's shape and limits."""
    raw = bytearray()

    def line() -> bytes:
        got = source.read_line(HEADER_LIMIT - len(raw))
        if got is None:
            raise LimitExceededError("The bundle's encryption header is over papka's size limit.")
        if not got.endswith(b"\n"):
            raise HeaderError()
        raw.extend(got)
        return got[:-1]

    first = line()
    if first != VERSION_LINE:
        if first.startswith(b"age-encryption.org/"):
            raise HeaderError("The bundle uses an age version papka does not read.")
        raise HeaderError()
    stanzas: list[Stanza] = []
    while True:
        current = line()
        if current.startswith(b"--- "):
            _unpadded_b64(current[4:], length=32)
            break
        if not current.startswith(b"-> "):
            raise HeaderError()
        arguments = current[3:].split(b" ")
        for argument in arguments:
            if not argument or any(byte < 33 or byte > 126 for byte in argument):
                raise HeaderError()
        body = bytearray()
        while True:
            body_line = line()
            if len(body_line) > 64:
                raise HeaderError()
            body += _unpadded_b64(body_line)
            if len(body_line) < 64:
                break
        if len(stanzas) >= STANZA_LIMIT:
            raise LimitExceededError("The bundle's encryption header has too many recipients.")
        stanzas.append(
            Stanza(arguments[0].decode(), tuple(a.decode() for a in arguments[1:]), bytes(body))
        )
    if not stanzas:
        raise HeaderError()
    for stanza in stanzas:
        _check_stanza(stanza, len(stanzas))
    return Header(tuple(stanzas), bytes(raw))


def _check_stanza(stanza: Stanza, count: int) -> None:
    args = [a.encode() for a in stanza.arguments]
    if stanza.type == "X25519":
        if len(args) != 1 or len(stanza.body) != 32:
            raise HeaderError()
        _unpadded_b64(args[0], length=32)
    elif stanza.type == "scrypt":
        if count != 1:
            raise HeaderError("A passphrase-encrypted bundle must have no other recipients.")
        if len(args) != 2 or len(stanza.body) != 32:
            raise HeaderError()
        _unpadded_b64(args[0], length=16)
        if not _DECIMAL.fullmatch(args[1]):
            raise HeaderError()
        if int(args[1]) > MAX_WORK_FACTOR:
            raise LimitExceededError(
                "The bundle's passphrase work factor is over papka's limit: a hostile file."
            )
    elif stanza.type == "ssh-ed25519":
        if len(args) != 2 or len(stanza.body) != 32:
            raise HeaderError()
        _unpadded_b64(args[0], length=4)
        _unpadded_b64(args[1], length=32)
    elif stanza.type == "ssh-rsa":
        if len(args) != 1 or not 0 < len(stanza.body) <= 2048:
            raise HeaderError()
        _unpadded_b64(args[0], length=4)
    # Other stanza types are ignored, as the specification asks ("grease").


def open_age(source: Readable) -> tuple[Header, PeekableReader]:
    """Undo any armour and read the header; the returned reader holds the payload."""
    outer = PeekableReader(source)
    head = outer.peek(_ARMOR_WHITESPACE_LIMIT + len(ARMOR_BEGIN) + 1)
    body: PeekableReader
    if not head.startswith(b"age-") and b"-----" in head:
        # Anything that looks like armour goes through the strict armour reader, which refuses
        # leading garbage and variant spellings of the first line.
        body = PeekableReader(ArmorReader(outer))
    else:
        body = outer
    header = read_header(body)
    # The payload starts with a 16-byte nonce; without it the file is malformed, not truncated.
    if len(body.peek(16)) < 16:
        raise HeaderError()
    return header, body


# --- decryption ---------------------------------------------------------------------------------


class _Replay:
    """Gives pyrage the header bytes papka already read, then the rest of the file."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head = head
        self._rest = rest
        self.failure: BaseException | None = None

    def read(self, size: int = -1, /) -> bytes:
        try:
            if self._head:
                data, self._head = self._head[:size], self._head[size:]
                return data
            return self._rest.read(size)
        except BaseException as exc:
            self.failure = exc
            raise OSError("reading the bundle failed") from None

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _SinkAdapter:
    """Hands decrypted bytes to papka's archive reader and keeps the first error it raises, so
    the error reaches the caller as itself rather than as pyrage's generic failure."""

    def __init__(self, sink: Writable) -> None:
        self._sink = sink
        self.failure: BaseException | None = None

    def write(self, data: bytes) -> int:
        if self.failure is not None:
            raise OSError("the archive reader stopped")
        try:
            self._sink.write(bytes(data))
        except BaseException as exc:
            self.failure = exc
            raise OSError("the archive reader stopped") from None
        return len(data)

    def flush(self) -> None:
        return None


def _no_match_message(text: str) -> bool:
    lowered = text.lower()
    return "no matching keys" in lowered or "no identity matched" in lowered


def decrypt(
    source: Readable,
    sink: Writable,
    *,
    identities: Sequence[Identity] = (),
    passphrase: str | None = None,
) -> None:
    """Decrypt an age file (binary or armoured) from ``source`` into ``sink``, streaming.

    Only authenticated plaintext reaches ``sink`` (age's STREAM checks each 64 KiB chunk), but a
    file that later fails still released its first chunks: consumers must treat everything as
    provisional until this returns. Passphrase files are read into memory before they are
    opened (they are written in memory), which is why they are limited to
    PASSPHRASE_BUNDLE_LIMIT.
    """
    header, body = open_age(source)
    if header.is_passphrase:
        if passphrase is None:
            raise CannotDecryptError()
        rest = body.read_up_to(PASSPHRASE_BUNDLE_LIMIT + 1)
        if len(rest) > PASSPHRASE_BUNDLE_LIMIT:
            raise LimitExceededError("A passphrase-encrypted bundle is over papka's size limit.")
        _decrypt_with_passphrase(header, rest, passphrase, sink)
        return
    if not identities:
        raise CannotDecryptError()
    reader = _Replay(header.raw, body)
    writer = _SinkAdapter(sink)
    try:
        pyrage.decrypt_io(reader, writer, [identity._inner for identity in identities])
    except Exception as exc:
        if writer.failure is not None:
            raise writer.failure from None
        if reader.failure is not None:
            raise reader.failure from None
        raise _decrypt_failure(str(exc)) from None
    if writer.failure is not None:
        raise writer.failure


#: The scrypt stanza's salt label and the STREAM chunk with its tag (C2SP age).
_SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
_SEALED_CHUNK = 64 * 1024 + 16


def _decrypt_with_passphrase(header: Header, data: bytes, passphrase: str,
                             sink: Writable) -> None:
    """An age passphrase file (C2SP age, "scrypt recipient stanza"), opened on
    `cryptography`'s scrypt, HKDF, HMAC and ChaCha20-Poly1305, with papka's fixed work-factor
    cap (MAX_WORK_FACTOR, checked in the header) rather than pyrage's, which follows how fast
    the machine seems at that moment: on a busy or slow machine pyrage refused a bundle of work
    factor 20 that opens in two seconds. Held to the CCTV vectors (tests/bundle/test_cctv.py)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    (stanza,) = header.stanzas
    salt = _unpadded_b64(stanza.arguments[0].encode(), length=16)
    wrap_key = Scrypt(salt=_SCRYPT_LABEL + salt, length=32, n=2 ** int(stanza.arguments[1]),
                      r=8, p=1).derive(passphrase.encode("utf-8"))
    try:
        file_key = ChaCha20Poly1305(wrap_key).decrypt(bytes(12), stanza.body, None)
    except InvalidTag:
        raise CannotDecryptError() from None
    mac_line = header.raw.rindex(b"\n--- ") + 1
    expected = _unpadded_b64(header.raw[mac_line + 4 : -1], length=32)
    if not hmac.compare_digest(header_mac(file_key, header.raw[: mac_line + 3]), expected):
        raise HeaderError("The bundle's encryption header does not verify.")
    cipher = ChaCha20Poly1305(payload_key(file_key, data[:16]))
    payload = memoryview(data)[16:]
    counter, offset = 0, 0
    while True:
        sealed = payload[offset : offset + _SEALED_CHUNK]
        offset += len(sealed)
        last = offset >= len(payload)
        # Only the first chunk of an empty payload may be empty; a chunk is final only at the
        # end of the file (a full chunk can be final too).
        if len(sealed) < 16 or (last and counter > 0 and len(sealed) == 16):
            raise PayloadError()
        nonce = counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
        try:
            sink.write(cipher.decrypt(nonce, bytes(sealed), None))
        except InvalidTag:
            raise PayloadError() from None
        if last:
            return
        counter += 1


def hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    """HKDF-SHA-256 to 32 bytes, as every age key is derived (C2SP age)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def header_mac(file_key: bytes, head: bytes) -> bytes:
    """The header's MAC over everything up to and including "---"."""
    return hmac.new(hkdf(file_key, b"", b"header"), head, hashlib.sha256).digest()


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    return hkdf(file_key, nonce, b"payload")


def _decrypt_failure(text: str) -> Exception:
    """Map pyrage's message to papka's tree; the message itself is never passed on."""
    lowered = text.lower()
    if _no_match_message(text):
        return CannotDecryptError()
    if "header" in lowered or "mac" in lowered or "unknown age format" in lowered:
        return HeaderError("The bundle's encryption header does not verify.")
    return PayloadError()
