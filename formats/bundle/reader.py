"""The recipient's side: verify a bundle, and open it into a folder.

`verify_bundle` decrypts as a stream and parses the archive as it arrives, hashing each document
and keeping only the manifest, the signatures and the index in memory (each capped); it never
writes anything. `open_bundle` verifies first, then decrypts a second time and writes the files
into the folder, checking every hash again; if anything fails it deletes what it wrote. With
``force=True`` it writes in one pass whatever arrives intact and marks the folder as unverified.
Hostile names and caps are refused in every mode.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from papka import host
from papka.formats.bundle import age, sshsig, stockcheck
from papka.formats.bundle.addressbook import AddressBook, SignerCheck
from papka.formats.bundle.archive import (
    CHECKSUMS,
    CHECKSUMS_SIGNATURE,
    FIXED_MEMBERS,
    INDEX,
    INDEX_SIGNATURE,
    KNOWN_MEMBERS,
    MANIFEST,
    MANIFEST_SIGNATURE,
    MAX_INDEX_BYTES,
    README,
    STOCK_CHECK_MEMBERS,
    StrictTarReader,
    read_zip,
)
from papka.formats.bundle.errors import (
    BundleDamagedError,
    BundleStorageError,
    BundleUsageError,
    LimitExceededError,
    ManifestError,
    NotABundleError,
    SignatureError,
    UnsafeMemberError,
)
from papka.formats.bundle.fingerprint import Fingerprint
from papka.formats.bundle.manifest import MAX_MANIFEST_BYTES, Manifest, ManifestFile
from papka.formats.bundle.signer import public_blob_from_openssh

Source = BinaryIO | str | os.PathLike[str]

#: What each fixed member may weigh; they are held in memory.
FIXED_LIMITS = {
    MANIFEST: MAX_MANIFEST_BYTES,
    MANIFEST_SIGNATURE: sshsig.SIGNATURE_LIMIT,
    INDEX: MAX_INDEX_BYTES,
    INDEX_SIGNATURE: sshsig.SIGNATURE_LIMIT,
    README: 64 * 1024,
    CHECKSUMS: 1024 * 1024,
    CHECKSUMS_SIGNATURE: sshsig.SIGNATURE_LIMIT,
}
#: Written into the folder when ``force`` opened a bundle that did not verify.
UNVERIFIED_MARK = "UNVERIFIED.txt"
#: Written before any document and removed once every file verified, so that a run killed
#: mid-way leaves its files clearly marked.
_IN_PROGRESS_TEXT = (
    "papka was still opening this bundle, or was stopped before it finished: the files here\n"
    "are not verified; do not rely on them. Open the bundle again into a new, empty folder.\n"
)


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle whose every hash and both signatures checked out."""

    manifest: Manifest
    manifest_sha256: str
    signer: str  # ssh-ed25519 public key line
    fingerprint: Fingerprint
    #: None when no address book was given.
    pin: SignerCheck | None
    encrypted: bool

    @property
    def files(self) -> tuple[ManifestFile, ...]:
        return self.manifest.files


@dataclass(frozen=True)
class OpenedBundle:
    verified: bool
    #: The verified bundle; None when ``force`` wrote files that did not verify.
    bundle: VerifiedBundle | None
    #: The one-sentence reason verification failed (``force`` only).
    problem: str | None
    written: tuple[Path, ...]


# --- collecting members -----------------------------------------------------------------------


class _Extraction:
    """Writes members into the output folder, creating each file exclusively and never following
    a link (papka.host.ExtractionFolder), and can take back everything it wrote."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.created_dir = False
        if not out_dir.exists() and not out_dir.is_symlink():
            try:
                out_dir.mkdir(mode=0o700)
            except OSError as exc:
                raise BundleUsageError("papka cannot create the output folder.") from exc
            self.created_dir = True
        try:
            self._folder: host.ExtractionFolder | None = host.ExtractionFolder(out_dir)
        except OSError as exc:
            raise BundleUsageError("The output path is not a folder papka can write to.") from exc
        self.written: list[str] = []

    def _opened_folder(self) -> host.ExtractionFolder:
        if self._folder is None:
            raise BundleUsageError("The output folder was already closed.")
        return self._folder

    def create(self, name: str) -> BinaryIO:
        try:
            target = self._opened_folder().create_file(name)
        except FileExistsError:
            raise BundleUsageError(
                "The output folder already holds a file with a name from this bundle.",
                hint="Open the bundle into a new, empty folder.",
            ) from None
        except host.NotAPlainFolder:  # a link or a file where the files/ folder belongs
            raise BundleUsageError(
                "The output folder holds something other than a plain files/ folder.",
                hint="Open the bundle into a new, empty folder.",
            ) from None
        self.written.append(name)
        return target

    def remove(self, name: str) -> None:
        self._opened_folder().remove_file(name)
        self.written.remove(name)

    def discard(self) -> None:
        for name in list(self.written):
            with contextlib.suppress(OSError):
                self.remove(name)
        if self._folder is not None:
            self._folder.remove_created_folders()
        self.close()
        if self.created_dir:
            with contextlib.suppress(OSError):
                os.rmdir(self.out_dir)

    def close(self) -> None:
        if self._folder is not None:
            self._folder.close()
            self._folder = None

    def paths(self) -> tuple[Path, ...]:
        return tuple(self.out_dir / name for name in self.written)


class DocumentReceiver(Protocol):
    """Where :func:`import_bundle` hands one document's bytes, in order, then calls close()."""

    def write(self, data: bytes, /) -> object: ...

    def close(self) -> object: ...


class _DocumentSink:
    def __init__(self, owner: _Collector, name: str,
                 target: BinaryIO | DocumentReceiver | None) -> None:
        self._owner = owner
        self._name = name
        self._target = target
        self._digest = hashlib.sha256()
        self._size = 0

    def write(self, data: bytes) -> None:
        self._digest.update(data)
        self._size += len(data)
        if self._target is not None:
            self._target.write(data)

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
        self._owner.documents[self._name] = (self._size, self._digest.hexdigest())


class _FixedSink:
    def __init__(self, owner: _Collector, name: str) -> None:
        self._owner = owner
        self._name = name
        self._data = bytearray()

    def write(self, data: bytes) -> None:
        self._data += data

    def close(self) -> None:
        data = bytes(self._data)
        self._owner.fixed[self._name] = data
        if self._owner.extraction is not None:
            with self._owner.extraction.create(self._name) as target:
                target.write(data)


class _Collector:
    """Receives the archive's members: hashes documents (writing them when extracting) and keeps
    the small fixed members."""

    def __init__(
        self,
        extraction: _Extraction | None = None,
        receive: Callable[[str], DocumentReceiver] | None = None,
    ) -> None:
        self.extraction = extraction
        self.receive = receive
        self.documents: dict[str, tuple[int, str]] = {}
        self.fixed: dict[str, bytes] = {}

    def begin(self, name: str, size: int) -> _DocumentSink | _FixedSink:
        if name in KNOWN_MEMBERS:
            if size > FIXED_LIMITS[name]:
                raise LimitExceededError("A bundle's manifest, signature or index is oversize.")
            return _FixedSink(self, name)
        target: BinaryIO | DocumentReceiver | None = None
        if self.extraction is not None:
            target = self.extraction.create(name)
        elif self.receive is not None:
            target = self.receive(name)
        return _DocumentSink(self, name, target)


# --- reading and checking ---------------------------------------------------------------------


@contextlib.contextmanager
def _opened(source: Source) -> Iterator[BinaryIO]:
    if isinstance(source, str | os.PathLike):
        try:
            stream = open(source, "rb")  # noqa: SIM115  (closed by the context manager)
        except OSError as exc:
            raise BundleUsageError("papka cannot read the bundle file.") from exc
        with stream:
            yield stream
    else:
        yield source


def _read(
    source: Source,
    collector: _Collector,
    identities: Sequence[age.Identity],
    passphrase: str | None,
) -> bool:
    """Feed every member to ``collector``; returns whether the bundle was encrypted."""
    try:
        return _read_members(source, collector, identities, passphrase)
    except OSError as exc:
        raise BundleStorageError() from exc


def _read_members(
    source: Source,
    collector: _Collector,
    identities: Sequence[age.Identity],
    passphrase: str | None,
) -> bool:
    with _opened(source) as stream:
        start = stream.tell() if stream.seekable() else None
        reader = age.PeekableReader(stream)
        head = reader.peek(2048)
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            if start is None:
                raise BundleUsageError("A plain bundle must be read from a file, not a pipe.")
            stream.seek(start)
            read_zip(stream, collector)
            return False
        stripped = head.lstrip(b" \t\r\n")
        # A file cut short inside the first line is a damaged bundle, not some other file.
        cut_short = bool(stripped) and any(
            magic.startswith(stripped) for magic in (b"age-encryption.org/", age.ARMOR_BEGIN)
        )
        if not cut_short and not stripped.startswith((b"age-encryption.org/", age.ARMOR_BEGIN)):
            raise NotABundleError()
        tar = StrictTarReader(collector)
        age.decrypt(reader, tar, identities=identities, passphrase=passphrase)
        tar.finish()
        return True


def _check(collector: _Collector, encrypted: bool, book: AddressBook | None) -> VerifiedBundle:
    if any(name not in collector.fixed for name in FIXED_MEMBERS):
        raise ManifestError("The bundle lacks its manifest, its index or their signatures.")
    manifest_bytes = collector.fixed[MANIFEST]
    manifest = Manifest.from_bytes(manifest_bytes)
    try:
        signer_blob = public_blob_from_openssh(manifest.signer)
    except BundleUsageError:
        raise ManifestError("The manifest's signer key is malformed.") from None
    for data, signature in (
        (manifest_bytes, collector.fixed[MANIFEST_SIGNATURE]),
        (collector.fixed[INDEX], collector.fixed[INDEX_SIGNATURE]),
    ):
        if sshsig.verify(signature, data) != signer_blob:
            raise SignatureError("The bundle is signed by a key other than the one it names.")
    listed = {f.name: f for f in manifest.files}
    if set(listed) != set(collector.documents):
        raise ManifestError("The documents in the bundle do not match its manifest.")
    for name, (size, sha256) in collector.documents.items():
        if listed[name].size != size or listed[name].sha256 != sha256:
            raise BundleDamagedError("A document in the bundle does not match its manifest.")
    _check_stock_members(collector, signer_blob)
    return VerifiedBundle(
        manifest=manifest,
        manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        signer=manifest.signer,
        fingerprint=Fingerprint.of_public_blob(signer_blob),
        pin=None if book is None else book.check_signer(manifest.signer, manifest.sender),
        encrypted=encrypted,
    )


def _check_stock_members(collector: _Collector, signer_blob: bytes) -> None:
    """SHA256SUMS, its signature and README.txt: all or none (bundles before papka 0.2 have
    none); when there, signed by the manifest's signer and listing exactly every other member
    with its SHA-256, so the recipient's stock check says what papka says."""
    present = [name for name in STOCK_CHECK_MEMBERS if name in collector.fixed]
    if not present:
        return
    if len(present) != len(STOCK_CHECK_MEMBERS):
        raise ManifestError("The bundle has part of its checksum list, signature and README.")
    sums = collector.fixed[CHECKSUMS]
    if sshsig.verify(collector.fixed[CHECKSUMS_SIGNATURE], sums) != signer_blob:
        raise SignatureError("The bundle is signed by a key other than the one it names.")
    expected = {name: sha256 for name, (_size, sha256) in collector.documents.items()}
    expected.update({name: hashlib.sha256(collector.fixed[name]).hexdigest()
                     for name in (*FIXED_MEMBERS, README)})
    if stockcheck.parse_checksums(sums) != expected:
        raise BundleDamagedError("The bundle's checksum list does not match its files.")


def verify_bundle(
    source: Source,
    *,
    identities: Sequence[age.Identity] = (),
    passphrase: str | None = None,
    address_book: AddressBook | None = None,
) -> VerifiedBundle:
    """Decrypt, parse and check a bundle without writing anything: every document's hash, the
    manifest's and the index's signatures, and (given an address book) whether the signer is
    pinned. The address book is only read; pinning is the caller's explicit step."""
    collector = _Collector()
    encrypted = _read(source, collector, identities, passphrase)
    return _check(collector, encrypted, address_book)


def _rewind(source: Source) -> int | None:
    if isinstance(source, str | os.PathLike):
        return None
    if not source.seekable():
        raise BundleUsageError(
            "Opening a bundle reads it twice; give papka a file, not a pipe.",
            hint="Save the bundle to a file first, or use --force.",
        )
    return source.tell()


def _refuse_collisions(out_dir: Path, names: Sequence[str]) -> None:
    for name in names:
        path = out_dir / name
        if path.exists() or path.is_symlink():
            raise BundleUsageError(
                "The output folder already holds a file with a name from this bundle.",
                hint="Open the bundle into a new, empty folder.",
            )


def open_bundle(
    source: Source,
    out_dir: str | os.PathLike[str],
    *,
    identities: Sequence[age.Identity] = (),
    passphrase: str | None = None,
    force: bool = False,
    address_book: AddressBook | None = None,
) -> OpenedBundle:
    """Write a bundle's files into ``out_dir`` (created if missing), the same layout `tar x`
    gives: manifest.json, its signature, index.pdf, its signature, files/NN-kind.ext.

    Without ``force`` nothing is written unless the whole bundle verifies, and a failure in the
    writing pass removes everything written. With ``force``, documents that arrive intact are
    kept even if verification fails, and UNVERIFIED.txt says so; hostile names, links and caps
    are refused all the same.
    """
    target = Path(out_dir)
    if force:
        return _open_forced(source, target, identities, passphrase, address_book)
    position = _rewind(source)
    first = verify_bundle(
        source, identities=identities, passphrase=passphrase, address_book=address_book
    )
    if position is not None and not isinstance(source, str | os.PathLike):
        source.seek(position)
    _refuse_collisions(target, [*KNOWN_MEMBERS, UNVERIFIED_MARK, *(f.name for f in first.files)])
    extraction = _Extraction(target)
    try:
        _mark_unverified(extraction, _IN_PROGRESS_TEXT)
        collector = _Collector(extraction)
        encrypted = _read(source, collector, identities, passphrase)
        second = _check(collector, encrypted, address_book)
        if second.manifest_sha256 != first.manifest_sha256:
            raise BundleDamagedError("The bundle changed while it was being opened.")
        extraction.remove(UNVERIFIED_MARK)
    except BaseException:
        extraction.discard()
        raise
    extraction.close()
    return OpenedBundle(True, second, None, extraction.paths())


def _mark_unverified(extraction: _Extraction, text: str) -> None:
    with extraction.create(UNVERIFIED_MARK) as mark:
        mark.write(text.encode())
        mark.flush()
        host.flush_durably(mark.fileno())


def import_bundle(
    source: Source,
    receive: Callable[[ManifestFile], DocumentReceiver],
    *,
    identities: Sequence[age.Identity] = (),
    passphrase: str | None = None,
    address_book: AddressBook | None = None,
) -> VerifiedBundle:
    """Hand a bundle's documents to the caller (a vault storing them) without touching the disk.

    The first pass verifies everything; only then does the second pass call ``receive(entry)``
    for each document, in manifest order, and stream its bytes into what it returns. If this
    raises during the second pass (the source changed under papka), the caller must discard
    what it received: commit only after this returns.
    """
    position = _rewind(source)
    first = verify_bundle(
        source, identities=identities, passphrase=passphrase, address_book=address_book
    )
    if position is not None and not isinstance(source, str | os.PathLike):
        source.seek(position)
    entries = {f.name: f for f in first.files}

    def begin(name: str) -> DocumentReceiver:
        if name not in entries:
            raise BundleDamagedError("The bundle changed while it was being read.")
        return receive(entries[name])

    collector = _Collector(receive=begin)
    encrypted = _read(source, collector, identities, passphrase)
    second = _check(collector, encrypted, address_book)
    if second.manifest_sha256 != first.manifest_sha256:
        raise BundleDamagedError("The bundle changed while it was being read.")
    return second


def _open_forced(
    source: Source,
    target: Path,
    identities: Sequence[age.Identity],
    passphrase: str | None,
    book: AddressBook | None,
) -> OpenedBundle:
    extraction = _Extraction(target)
    collector = _Collector(extraction)
    problem: str | None = None
    bundle: VerifiedBundle | None = None
    try:
        _mark_unverified(extraction, _IN_PROGRESS_TEXT)
        try:
            encrypted = _read(source, collector, identities, passphrase)
            bundle = _check(collector, encrypted, book)
        except (UnsafeMemberError, LimitExceededError):
            raise  # hostile input is refused even with force
        except BundleDamagedError as exc:
            problem = exc.message
        # A document cut off mid-way is not kept: only complete members stay.
        for name in list(extraction.written):
            if name.startswith("files/") and name not in collector.documents:
                extraction.remove(name)
        extraction.remove(UNVERIFIED_MARK)
        if problem is not None:
            _mark_unverified(
                extraction,
                f"papka could not verify these files; do not rely on them.\nReason: {problem}\n",
            )
    except BaseException:
        extraction.discard()
        raise
    extraction.close()
    return OpenedBundle(problem is None, bundle, problem, extraction.paths())
