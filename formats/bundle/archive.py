"""The archive inside a bundle: a USTAR tar (in age) or a stored ZIP (plain bundles).

Writing produces the members in order as a stream of chunks. Reading is papka's own strict,
member-by-member parser, fed as bytes arrive: regular files only (no links, devices or extended
headers), only the names a bundle has, no duplicates, and caps on member count and sizes, so a
hostile archive is refused before it costs memory or disk. `tar x` and `unzip` read the same
archives without papka.
"""

from __future__ import annotations

import io
import stat
import struct
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol

from papka.formats.bundle.errors import (
    BundleDamagedError,
    DuplicateMemberError,
    LimitExceededError,
    UnsafeMemberError,
)
from papka.formats.bundle.manifest import FILE_NAME, MAX_FILE_SIZE, MAX_FILES

MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.json.sig"
INDEX = "index.pdf"
INDEX_SIGNATURE = "index.pdf.sig"
FIXED_MEMBERS = (MANIFEST, MANIFEST_SIGNATURE, INDEX, INDEX_SIGNATURE)
README = "README.txt"
CHECKSUMS = "SHA256SUMS"
CHECKSUMS_SIGNATURE = "SHA256SUMS.sig"
#: Written since papka 0.2 so that a recipient can check a bundle with `ssh-keygen` and
#: `sha256sum` alone; a bundle has all three or none (docs/FORMAT.md Part II).
STOCK_CHECK_MEMBERS = (README, CHECKSUMS, CHECKSUMS_SIGNATURE)
KNOWN_MEMBERS = FIXED_MEMBERS + STOCK_CHECK_MEMBERS
#: The only directory entry tolerated (GNU tar adds one when given the folder).
FILES_FOLDER = "files/"

#: The printable index is held in memory by readers.
MAX_INDEX_BYTES = 64 * 1024 * 1024
#: Documents plus the fixed and stock-check members.
MAX_MEMBERS = MAX_FILES + len(KNOWN_MEMBERS)
#: Sum of all members; what `papka bundle open` may put on a disk.
MAX_TOTAL_SIZE = 64 * 1024**3
#: Zero padding accepted after the end-of-archive marker (tar pads to 10 KiB records).
_TRAILER_LIMIT = 1024 * 1024
_BLOCK = 512
_RECORD = 20 * _BLOCK
_CHUNK = 1024 * 1024


class MemberSink(Protocol):
    def write(self, data: bytes, /) -> object: ...

    def close(self) -> None: ...


class MemberHandler(Protocol):
    def begin(self, name: str, size: int) -> MemberSink: ...


Member = tuple[str, int, Iterable[bytes]]


# --- names and counts, shared by both readers --------------------------------------------------


def check_member_name(name: str) -> None:
    """Refuse any name that is not one a bundle has; the specific checks come first so that the
    error says what kind of hostile name it was."""
    if "\x00" in name or "\\" in name:
        raise UnsafeMemberError("The bundle contains a member name with forbidden characters.")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeMemberError("The bundle contains a member with an absolute path.")
    if ".." in name.split("/"):
        raise UnsafeMemberError("The bundle contains a member whose name leads out of its folder.")
    if name not in KNOWN_MEMBERS and not FILE_NAME.fullmatch(name):
        raise UnsafeMemberError("The bundle contains a member a papka bundle does not have.")


class MemberBook:
    """Counts what an archive has shown so far and enforces the caps."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.total = 0

    def admit(self, name: str, size: int) -> None:
        check_member_name(name)
        if name in self.names:
            raise DuplicateMemberError()
        if len(self.names) >= MAX_MEMBERS:
            raise LimitExceededError("The bundle has more members than papka's limit.")
        if size > MAX_FILE_SIZE:
            raise LimitExceededError("A member of the bundle is over papka's size limit.")
        self.total += size
        if self.total > MAX_TOTAL_SIZE:
            raise LimitExceededError("The bundle's contents are over papka's total size limit.")
        self.names.add(name)


# --- tar ------------------------------------------------------------------------------------------


def tar_header(name: str, size: int, mtime: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o644
    info.type = tarfile.REGTYPE
    info.uname = info.gname = ""
    return info.tobuf(tarfile.USTAR_FORMAT, "ascii", "strict")


def tar_stream(members: Iterable[Member], mtime: int) -> Iterator[bytes]:
    """The tar archive of ``members`` as a stream of chunks; each member's data is checked
    against the size declared in its header."""
    written = 0
    for name, size, chunks in members:
        header = tar_header(name, size, mtime)
        written += len(header)
        yield header
        seen = 0
        for chunk in chunks:
            seen += len(chunk)
            if seen > size:
                raise BundleDamagedError("A document grew while it was being exported.")
            yield chunk
        if seen != size:
            raise BundleDamagedError("A document shrank while it was being exported.")
        padding = -size % _BLOCK
        written += size + padding
        yield b"\0" * padding
    end = 2 * _BLOCK
    end += -(written + end) % _RECORD
    yield b"\0" * end


def _octal(field: bytes) -> int:
    if field[:1] and field[0] & 0x80:  # GNU base-256, for sizes over 8 GiB
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    digits = field.strip(b" \0")
    if digits and not all(0x30 <= b <= 0x37 for b in digits):
        raise BundleDamagedError("The bundle's archive has a malformed header.")
    return int(digits, 8) if digits else 0


def _field(block: bytes, start: int, end: int) -> str:
    raw = block[start:end].split(b"\0", 1)[0]
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        raise UnsafeMemberError(
            "The bundle contains a member name with forbidden characters."
        ) from None


class StrictTarReader:
    """A push parser: call ``feed`` with bytes as they are decrypted, then ``finish``."""

    def __init__(self, handler: MemberHandler) -> None:
        self._handler = handler
        self._book = MemberBook()
        self._buffer = bytearray()
        self._sink: MemberSink | None = None
        self._remaining = 0
        self._padding = 0
        self._zero_blocks = 0
        self._trailer = 0

    def write(self, data: bytes) -> int:
        self.feed(data)
        return len(data)

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._sink is not None:
                take = min(self._remaining, len(view))
                self._sink.write(bytes(view[:take]))
                view = view[take:]
                self._remaining -= take
                if self._remaining == 0:
                    self._sink.close()
                    self._sink = None
                continue
            if self._padding:
                take = min(self._padding, len(view))
                view = view[take:]
                self._padding -= take
                continue
            if self._zero_blocks == 2:
                if any(view):
                    raise BundleDamagedError("Data follows the end of the bundle's archive.")
                self._trailer += len(view)
                if self._trailer > _TRAILER_LIMIT:
                    raise LimitExceededError("The bundle's archive ends with too much padding.")
                return
            take = min(_BLOCK - len(self._buffer), len(view))
            self._buffer += view[:take]
            view = view[take:]
            if len(self._buffer) == _BLOCK:
                block = bytes(self._buffer)
                self._buffer.clear()
                self._header(block)

    def _header(self, block: bytes) -> None:
        if not any(block):
            self._zero_blocks += 1
            return
        if self._zero_blocks:
            raise BundleDamagedError("The bundle's archive has a hole in it.")
        stored = _octal(block[148:156])
        computed = sum(block[:148]) + 8 * 0x20 + sum(block[156:])
        if stored != computed:
            raise BundleDamagedError("The bundle's archive has a damaged header.")
        magic = block[257:265]
        if magic not in (b"ustar\x0000", b"ustar  \x00"):
            raise BundleDamagedError("The bundle's archive is not a USTAR tar archive.")
        kind = block[156:157]
        if kind in (b"1", b"2"):
            raise UnsafeMemberError("The bundle contains a link, which papka never follows.")
        if kind in (b"x", b"g", b"L", b"K"):
            raise UnsafeMemberError("The bundle's archive has extended headers papka refuses.")
        name = _field(block, 0, 100)
        if magic == b"ustar\x0000":
            prefix = _field(block, 345, 500)
            if prefix:
                name = prefix + "/" + name
        size = _octal(block[124:136])
        if kind == b"5":
            if name.rstrip("/") + "/" != FILES_FOLDER or size:
                raise UnsafeMemberError(
                    "The bundle contains a folder a papka bundle does not have."
                )
            return
        if kind not in (b"0", b"\0"):
            raise UnsafeMemberError("The bundle contains a member that is not a regular file.")
        self._book.admit(name, size)
        self._sink = self._handler.begin(name, size)
        self._remaining = size
        self._padding = -size % _BLOCK
        if size == 0:
            self._sink.close()
            self._sink = None

    def finish(self) -> None:
        if self._sink is not None or self._padding or self._buffer or self._zero_blocks < 2:
            raise BundleDamagedError("The bundle's archive is truncated.")


# --- zip (plain bundles) -------------------------------------------------------------------


def write_zip(out: BinaryIO, members: Iterable[Member], date_time: tuple[int, ...]) -> None:
    """Members stored without compression: documents are compressed already, and a reader that
    accepts no compression has no decompression bomb to fear."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, size, chunks in members:
            info = zipfile.ZipInfo(name, date_time=date_time[:6])  # type: ignore[arg-type]
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.file_size = size
            seen = 0
            with archive.open(info, "w", force_zip64=size >= 0x7FFFFFFF) as target:
                for chunk in chunks:
                    seen += len(chunk)
                    if seen > size:
                        raise BundleDamagedError("A document grew while it was being exported.")
                    target.write(chunk)
            if seen != size:
                raise BundleDamagedError("A document shrank while it was being exported.")


_EOCD = b"PK\x05\x06"
#: A central directory entry is 46 bytes plus a name under 100: this is generous.
_CENTRAL_DIRECTORY_LIMIT = MAX_MEMBERS * 1024


def _precheck_zip(source: BinaryIO) -> int:
    """Read the end record before zipfile does, so a million-entry directory is refused unread."""
    end = source.seek(0, io.SEEK_END)
    tail_size = min(end, 22 + 0xFFFF)
    source.seek(end - tail_size)
    tail = source.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise BundleDamagedError("The plain bundle is not a complete ZIP archive.")
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries > MAX_MEMBERS + 1:
        raise LimitExceededError("The bundle has more members than papka's limit.")
    if directory_size > _CENTRAL_DIRECTORY_LIMIT:
        raise LimitExceededError("The bundle's ZIP directory is over papka's size limit.")
    source.seek(0)
    return end


def read_zip(source: BinaryIO, handler: MemberHandler) -> None:
    """Read a plain bundle member by member, with the same rules as the tar reader."""
    archive_size = _precheck_zip(source)
    book = MemberBook()
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise BundleDamagedError("The plain bundle is not a readable ZIP archive.") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS + 1:
            raise LimitExceededError("The bundle has more members than papka's limit.")
        for info in infos:
            if not info.filename:
                raise UnsafeMemberError("The bundle contains a member without a name.")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeMemberError("The bundle contains a link, which papka never follows.")
            if info.is_dir():
                if info.filename != FILES_FOLDER:
                    raise UnsafeMemberError(
                        "The bundle contains a folder a papka bundle does not have."
                    )
                continue
            check_member_name(info.filename)
            if info.flag_bits & 0x1:
                raise UnsafeMemberError("The bundle contains an encrypted ZIP member.")
            if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
                raise LimitExceededError(
                    "The bundle contains a compressed member; papka accepts none, so no "
                    "decompression bomb can hide in one."
                )
            book.admit(info.filename, info.file_size)
            if book.total > archive_size:
                # Stored members cannot hold more than the file does, unless they overlap: the
                # trick behind the worst ZIP bombs.
                raise LimitExceededError("The bundle's ZIP members overlap, the mark of a bomb.")
            sink = handler.begin(info.filename, info.file_size)
            seen = 0
            try:
                with archive.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        seen += len(chunk)
                        if seen > info.file_size:
                            raise BundleDamagedError("A member is longer than its ZIP entry says.")
                        sink.write(chunk)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise BundleDamagedError("A member of the plain bundle is damaged.") from exc
            if seen != info.file_size:
                raise BundleDamagedError("A member of the plain bundle is truncated.")
            sink.close()
