"""Writing a bundle: documents streamed into a tar, the tar streamed into age, in one pass.

Each document is read once in 1 MiB pieces, hashed on the way, and handed to the encryption; the
manifest (which needs the hashes), its signature and the index follow the documents at the end
of the archive. Nothing but the bundle itself is written anywhere.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

from papka.formats.bundle import age, age_writer, stockcheck
from papka.formats.bundle.archive import (
    CHECKSUMS,
    CHECKSUMS_SIGNATURE,
    INDEX,
    INDEX_SIGNATURE,
    MANIFEST,
    MANIFEST_SIGNATURE,
    MAX_INDEX_BYTES,
    README,
    Member,
    tar_stream,
    write_zip,
)
from papka.formats.bundle.errors import (
    BundleDamagedError,
    BundleError,
    BundleStorageError,
    BundleUsageError,
    LimitExceededError,
)
from papka.formats.bundle.fingerprint import Fingerprint
from papka.formats.bundle.manifest import (
    EXTENSION,
    KIND,
    MAX_FILES,
    MAX_MANIFEST_BYTES,
    Manifest,
    ManifestFile,
    check_file,
    check_manifest,
    check_sender,
    file_names,
)
from papka.formats.bundle.protection import Protection
from papka.formats.bundle.signer import SigningKey

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BundleItem:
    """One document to export, as the vault hands it over. ``open`` is called once, when the
    document's turn comes, and must return a stream of exactly ``size`` bytes."""

    kind: str
    title: str
    media_type: str
    size: int
    open: Callable[[], BinaryIO]
    extension: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    #: None when the document goes out whole; otherwise what was withheld, by category and count.
    redaction: Mapping[str, int] | None = None
    provenance: Sequence[Mapping[str, str]] = ()
    #: The SHA-256 (hex) of exactly the bytes ``open`` yields, when the caller already knows it
    #: from authenticated storage (the vault records it at add time and reads are authenticated),
    #: so export need not hash a second time. A wrong value makes the bundle fail verification.
    sha256: str | None = None
    #: The root of the document's page commitments, when it goes out whole from a vault that
    #: keeps them; for a copy made from another document, the original's (docs/FORMAT.md).
    commitment_root: str | None = None
    original_root: str | None = None


@dataclass(frozen=True)
class BundleSummary:
    manifest: Manifest
    manifest_sha256: str
    fingerprint: Fingerprint
    documents_size: int
    plain: bool
    #: The manifest and its signature exactly as they went out, for a later disclosure.
    manifest_bytes: bytes = field(default=b"", repr=False)
    manifest_signature: bytes = field(default=b"", repr=False)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _check_items(items: Sequence[BundleItem]) -> list[str]:
    if not items:
        raise BundleUsageError("A bundle needs at least one document.")
    if len(items) > MAX_FILES:
        raise BundleUsageError(f"A bundle holds at most {MAX_FILES} documents.")
    for item in items:
        if not KIND.fullmatch(item.kind):
            raise BundleUsageError("A document's kind must be a short lowercase word for export.")
        if not EXTENSION.fullmatch(item.extension):
            raise BundleUsageError("A document's file extension must be short, lowercase letters.")
    names = file_names([i.kind for i in items], [i.extension for i in items])
    for name, item in zip(names, items, strict=True):
        try:
            check_file(_entry(item, name, "0" * 64))
        except BundleError as exc:
            raise BundleUsageError(exc.message) from None
    return names


def _entry(item: BundleItem, name: str, sha256: str) -> ManifestFile:
    return ManifestFile(
        name=name,
        sha256=sha256,
        size=item.size,
        media_type=item.media_type,
        kind=item.kind,
        title=item.title,
        metadata=dict(item.metadata),
        redaction=None if item.redaction is None else dict(item.redaction),
        provenance=tuple(dict(step) for step in item.provenance),
        commitment_root=item.commitment_root,
        original_root=item.original_root,
    )


class _Export:
    """The members of one bundle, produced lazily so documents stream and hashes accumulate."""

    def __init__(
        self,
        items: Sequence[BundleItem],
        names: list[str],
        signer: SigningKey,
        sender: str,
        created: str,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self._items = items
        self._names = names
        self._signer = signer
        self._sender = sender
        self._created = created
        self._progress = progress
        self._total = sum(item.size for item in items)
        self._done = 0
        self._hashes: list[str] = []
        self.manifest: Manifest | None = None
        self.manifest_sha256 = ""
        self.manifest_bytes = b""
        self.manifest_signature = b""

    def _document(self, item: BundleItem) -> Iterator[bytes]:
        digest = hashlib.sha256() if item.sha256 is None else None
        with item.open() as source:
            while chunk := source.read(_CHUNK):
                if digest is not None:
                    digest.update(chunk)
                self._done += len(chunk)
                if self._progress is not None:
                    self._progress(self._done, self._total)
                yield chunk
        self._hashes.append(digest.hexdigest() if digest is not None else str(item.sha256))

    def members(self) -> Iterator[Member]:
        for name, item in zip(self._names, self._items, strict=True):
            yield name, item.size, self._document(item)
        # Every document has been streamed (the archive writers consume members in order).
        if len(self._hashes) != len(self._items):
            raise BundleDamagedError("A document could not be read to its end.")
        manifest = Manifest(
            created=self._created,
            signer=self._signer.public_openssh(),
            sender=self._sender,
            files=tuple(
                _entry(item, name, sha256)
                for item, name, sha256 in zip(self._items, self._names, self._hashes, strict=True)
            ),
        )
        check_manifest(manifest)
        manifest_bytes = manifest.to_bytes()
        self.manifest = manifest
        self.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
        from papka.formats.bundle.index import render_index  # reportlab loads only when needed

        index = render_index(manifest, self.manifest_sha256, self._signer.fingerprint())
        if len(index) > MAX_INDEX_BYTES:
            raise BundleUsageError(
                "The printable index of this selection is too large for one bundle.",
                hint="Send the documents in several smaller bundles.",
            )
        fingerprint = self._signer.fingerprint()
        self.manifest_bytes = manifest_bytes
        self.manifest_signature = self._signer.sign(manifest_bytes)
        fixed = {
            MANIFEST: manifest_bytes,
            MANIFEST_SIGNATURE: self.manifest_signature,
            INDEX: index,
            INDEX_SIGNATURE: self._signer.sign(index),
            README: stockcheck.readme(self._signer.public_openssh(), fingerprint.openssh),
        }
        # Every other member's SHA-256, signed: the recipient's stock check (stockcheck.py).
        hashes = dict(zip(self._names, self._hashes, strict=True))
        hashes.update({name: hashlib.sha256(data).hexdigest() for name, data in fixed.items()})
        sums = stockcheck.checksums(hashes)
        fixed[CHECKSUMS] = sums
        fixed[CHECKSUMS_SIGNATURE] = self._signer.sign(sums)
        for name, data in fixed.items():
            yield name, len(data), (data,)


class _GuardedOutput:
    """The output with its write errors turned into papka's; everything else passes through
    (zipfile also uses tell, seek and flush)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def write(self, data: bytes) -> int:
        try:
            return self._out.write(data)
        except OSError as exc:
            raise BundleStorageError("papka could not write the bundle.") from exc

    def __getattr__(self, name: str) -> object:
        return getattr(self._out, name)


def write_bundle(
    out: BinaryIO,
    items: Sequence[BundleItem],
    *,
    signer: SigningKey,
    protection: Protection,
    sender: str = "",
    clock: Callable[[], datetime] = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> BundleSummary:
    """Write a signed bundle of ``items`` to ``out``, protected as ``protection`` says
    (recipients' keys, a passphrase, or plain). If this raises, what was written to ``out`` is
    garbage and must be deleted. ``progress(done, total)`` counts document bytes.
    """
    names = _check_items(items)
    moment = clock().astimezone(UTC).replace(microsecond=0)
    created = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        check_sender(sender)
    except BundleError as exc:
        raise BundleUsageError(exc.message) from None
    # The manifest's size is known before any document is read (hashes have a fixed length), so
    # a selection whose manifest a reader would refuse is refused here, not after gigabytes.
    draft = Manifest(created=created, signer=signer.public_openssh(), sender=sender.strip(),
                     files=tuple(_entry(i, n, "0" * 64) for i, n in zip(items, names, strict=True)))
    if len(draft.to_bytes()) > MAX_MANIFEST_BYTES:
        raise BundleUsageError(
            "The manifest of this selection is too large for one bundle.",
            hint="Send the documents in several smaller bundles, or with fewer metadata fields.",
        )
    export = _Export(items, names, signer, sender.strip(), created, progress)
    mtime = int(moment.timestamp())
    if protection.plain:
        write_zip(_GuardedOutput(out), export.members(), moment.timetuple()[:6])  # type: ignore[arg-type]
    elif protection.passphrase is not None:
        tar = io.BytesIO()
        for chunk in tar_stream(export.members(), mtime):
            tar.write(chunk)
            if tar.tell() > age.PASSPHRASE_BUNDLE_LIMIT:
                raise LimitExceededError(
                    "A passphrase bundle is limited to 512 MiB; encrypt to a key instead."
                )
        age_writer.encrypt_with_passphrase(tar.getvalue(), out, passphrase=protection.passphrase,
                                    armored=protection.armored)
    else:
        age_writer.encrypt(
            lambda: tar_stream(export.members(), mtime),
            out,
            recipients=protection.recipients,
            armored=protection.armored,
        )
    if export.manifest is None:
        raise BundleDamagedError("The bundle could not be completed.")
    return BundleSummary(
        manifest=export.manifest,
        manifest_sha256=export.manifest_sha256,
        fingerprint=signer.fingerprint(),
        documents_size=sum(item.size for item in items),
        plain=protection.plain,
        manifest_bytes=export.manifest_bytes,
        manifest_signature=export.manifest_signature,
    )
