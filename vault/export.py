"""Export: chosen documents, whole or redacted, into one signed bundle for one recipient; and the
recipient's import of a bundle into a compartment.

This module joins the vault (documents, the compartment's signing key), the redaction library
(papka.formats) and the bundle format (papka.vault.bundle). Nothing of an export reaches the
disk in plaintext except the bundle the keeper names: originals stream from the container into
the encryption, and redaction works on bytes in memory. A profile that redacts never lets an
unredacted document through: a document papka cannot redact (a video, a spreadsheet) makes the
whole export refuse. See docs/FORMAT.md (Part II) for the bundle and docs/redaction.md for what
redaction does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import queue
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from papka.errors import EnvironmentProblem, UsageError
from papka.output_files import new_output_file
from papka.vault.bundle import (
    AddressBook,
    BundleItem,
    BundleSummary,
    Identity,
    ManifestFile,
    Recipient,
    VerifiedBundle,
    import_bundle,
    write_bundle,
)
from papka.vault.bundle.writer import utc_now

if TYPE_CHECKING:
    from papka.formats.plan import UnreadableChoice
    from papka.vault.container import Compartment
    from papka.vault.documents import Document, DocumentStore

#: Where a compartment keeps the profiles its keeper defined (inside its encrypted root).
PROFILES_KEY = "profiles"
#: Metadata fields a profile may let travel (the vault's own names).
METADATA_FIELDS = ("date", "issuer", "number", "country", "language", "tags")
#: What stands in the manifest wherever a title or field lost something to redaction.
WITHHELD = "█████"
#: A document is redacted in memory; papka.formats refuses inputs larger than this anyway.
MAX_REDACTED_INPUT = 256 * 1024 * 1024

_PROFILE_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
_SELECTOR = re.compile(r"(id|kind|tag|since|until):(.+)")
#: The kinds a vault accepts (a bundle's may also start with a digit).
_VAULT_KIND = re.compile(r"[a-z][a-z0-9-]{0,39}")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

_EXTENSIONS = {
    "application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
    "image/webp": "webp", "image/tiff": "tif", "image/heic": "heic", "video/mp4": "mp4",
    "video/quicktime": "mov", "message/rfc822": "eml", "text/plain": "txt",
    "application/zip": "zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}


# --- errors --------------------------------------------------------------------------------------


class ExportError(UsageError):
    """The export was refused; nothing was written."""

    default_message = "The export was refused; nothing was written."


class CannotRedactForProfile(ExportError):
    """A profile that redacts was given a document whose kind of file papka cannot redact."""

    default_message = ("This profile sends only redacted copies, and papka cannot redact one of "
                       "the selected documents (for example a video); nothing was exported.")
    hint = ("Leave that document out of the selection, or send it whole with the lawyer "
            "profile to someone who may see it.")

    def __init__(self, doc_id: str) -> None:
        super().__init__()
        #: The vault id of the document (random hex, safe to show).
        self.doc_id = doc_id


class BundleFileExists(ExportError):
    default_message = "A file already exists at the bundle's path; nothing was overwritten."
    hint = "Choose another name for the bundle."


class BundleFileProblem(EnvironmentProblem):
    default_message = "papka cannot create the bundle file there."
    hint = "Check that the folder exists, that you may write to it and that it has free space."


# --- selection -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which documents go out. Ids are added one by one; kinds, tags and dates filter together:
    a document is selected if its id was named, or if it matches every filter that was given
    (any of the kinds, any of the tags, dated within since..until)."""

    ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    everything: bool = False

    @classmethod
    def parse(cls, selectors: Sequence[str]) -> Selection:
        """Read selectors as typed: ``3f2a`` or ``id:3f2a``, ``kind:summons``, ``tag:court``,
        ``since:2024-01-01``, ``until:2024-12-31``, ``all``."""
        ids: list[str] = []
        kinds: list[str] = []
        tags: list[str] = []
        since: dt.date | None = None
        until: dt.date | None = None
        everything = False
        for raw in selectors:
            text = raw.strip()
            if text == "all":
                everything = True
                continue
            match = _SELECTOR.fullmatch(text)
            if match is None:
                if not re.fullmatch(r"[0-9a-fA-F]{4,}", text):
                    raise ExportError(
                        "A selector is an id, kind:KIND, tag:TAG, since:DATE, until:DATE or all.")
                ids.append(text.lower())
                continue
            what, value = match.group(1), match.group(2).strip()
            if what == "id":
                ids.append(value.lower())
            elif what == "kind":
                kinds.append(value)
            elif what == "tag":
                tags.append(value)
            else:
                try:
                    day = dt.date.fromisoformat(value)
                except ValueError:
                    raise ExportError("A date in a selector is written YYYY-MM-DD.") from None
                if what == "since":
                    since = day
                else:
                    until = day
        selection = cls(tuple(ids), tuple(kinds), tuple(tags), since, until, everything)
        if selection.is_empty():
            raise ExportError("Nothing was selected for export.")
        return selection

    def is_empty(self) -> bool:
        return not (self.ids or self.kinds or self.tags or self.since or self.until
                    or self.everything)

    def _filters(self) -> bool:
        return bool(self.kinds or self.tags or self.since or self.until or self.everything)

    def matches(self, document: Document) -> bool:
        if not self._filters():
            return False
        if self.kinds and document.kind not in self.kinds:
            return False
        if self.tags:
            folded = {t.casefold() for t in document.tags}
            if not any(tag.casefold() in folded for tag in self.tags):
                return False
        when = document.when
        if self.since is not None and when < self.since:
            return False
        return not (self.until is not None and when > self.until)

    def resolve(self, documents: DocumentStore) -> list[Document]:
        """The selected documents, oldest paper first, each once."""
        chosen: dict[str, Document] = {}
        for doc_id in self.ids:
            document = documents.get(doc_id)
            chosen[document.id] = document
        for document in documents.list():
            if self.matches(document):
                chosen[document.id] = document
        if not chosen:
            raise ExportError("No document matches the selection.")
        return sorted(chosen.values(), key=lambda d: (d.when, d.added, d.id))


# --- profiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What goes out to one kind of recipient, and in what form."""

    name: str
    #: None: originals go out whole. Otherwise the papka.formats preset every document is
    #: redacted with (and then sanitised) before it goes out.
    preset: str | None = None
    #: The keeper's own strings to hide, on top of what the preset finds (kept inside the
    #: compartment with the profile, never shown).
    hide: tuple[str, ...] = field(default=(), repr=False)
    #: Which metadata fields travel in the manifest (names from METADATA_FIELDS).
    metadata: tuple[str, ...] = ()
    #: "keep": the keeper's titles; "redact": titles with what the preset finds withheld;
    #: "kind": only the document's kind.
    titles: str = "keep"
    #: Whether each document's vault id and its derivation travel as provenance.
    provenance: bool = True
    #: Documents of these kinds only (empty: any kind).
    kinds: tuple[str, ...] = ()
    #: Recognise text in scans and photos (Tesseract) when redacting.
    ocr: bool = True

    @property
    def redacts(self) -> bool:
        return self.preset is not None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "preset": self.preset, "hide": list(self.hide),
                "metadata": list(self.metadata), "titles": self.titles,
                "provenance": self.provenance, "kinds": list(self.kinds), "ocr": self.ocr}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Profile:
        try:
            profile = cls(
                name=str(data["name"]),
                preset=None if data.get("preset") is None else str(data["preset"]),
                hide=tuple(str(h) for h in data.get("hide", ())),
                metadata=tuple(str(m) for m in data.get("metadata", ())),
                titles=str(data.get("titles", "keep")),
                provenance=bool(data.get("provenance", True)),
                kinds=tuple(str(k) for k in data.get("kinds", ())),
                ocr=bool(data.get("ocr", True)),
            )
        except (KeyError, TypeError, ValueError):
            raise ExportError("A stored export profile is malformed.") from None
        profile.check()
        return profile

    def check(self) -> None:
        from papka.formats.detect import PRESETS

        if not _PROFILE_NAME.fullmatch(self.name):
            raise ExportError("A profile name is a short lowercase word, such as embassy-fr.")
        if self.preset is not None and self.preset not in PRESETS:
            raise ExportError("Unknown redaction preset.")
        if any(m not in METADATA_FIELDS for m in self.metadata):
            raise ExportError("A profile names a metadata field papka does not know.")
        if self.titles not in ("keep", "redact", "kind"):
            raise ExportError("A profile's titles are kept, redacted or replaced by the kind.")
        if self.titles == "keep" and self.redacts:
            raise ExportError("A profile that redacts documents must also redact titles.")


#: The profiles every compartment has. Lawyers get the originals, byte for byte (evidence whose
#: hash matches the vault's record; not sanitised, so a photo's GPS position goes too, which
#: the export reports); embassies see redacted copies with the story's dates and places; the
#: public sees redacted copies with almost no metadata.
BUILTIN_PROFILES: Mapping[str, Profile] = {
    "lawyer": Profile("lawyer", metadata=METADATA_FIELDS, titles="keep"),
    "embassy": Profile("embassy", preset="ru-personal",
                       metadata=("date", "issuer", "country", "language"), titles="redact"),
    "public": Profile("public", preset="ru-personal", metadata=("date",), titles="kind",
                      provenance=False),
}


def profiles(compartment: Compartment) -> dict[str, Profile]:
    """The built-in profiles and the keeper's own, by name (the keeper's may not shadow a
    built-in one)."""
    found = dict(BUILTIN_PROFILES)
    for data in compartment.root.get(PROFILES_KEY, {}).values():
        profile = Profile.from_json(data)
        found.setdefault(profile.name, profile)
    return found


def find_profile(compartment: Compartment, name: str) -> Profile:
    try:
        return profiles(compartment)[name]
    except KeyError:
        raise ExportError("There is no export profile with this name.",
                          hint="Built in: lawyer, embassy, public.") from None


def save_profile(compartment: Compartment, new: Profile) -> None:
    """Store a keeper-defined profile in the compartment (one commit)."""
    new.check()
    if new.name in BUILTIN_PROFILES:
        raise ExportError("The built-in profiles cannot be changed; give yours another name.")
    stored = dict(compartment.root.get(PROFILES_KEY, {}))
    stored[new.name] = new.to_json()
    compartment.root[PROFILES_KEY] = stored
    compartment.commit()


def remove_profile(compartment: Compartment, name: str) -> None:
    stored = dict(compartment.root.get(PROFILES_KEY, {}))
    if stored.pop(name, None) is None:
        raise ExportError("There is no export profile with this name.")
    compartment.root[PROFILES_KEY] = stored
    compartment.commit()


# --- building the items --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportedDocument:
    """One document of an export: where it came from and what went out."""

    doc_id: str
    #: The vault id of the redacted copy stored back, when the keeper asked for it.
    stored_as: str | None
    media_type: str
    size: int
    #: None: sent whole; otherwise counts by category.
    redaction: Mapping[str, int] | None
    #: What sanitising removed, by kind (never values).
    removed: tuple[str, ...] = ()
    #: How it went out: ORIGINAL (the stored bytes, unchanged: the hash matches the vault's),
    #: REDACTED, or STRIPPED (a picture's copy without its metadata, on request).
    sent_as: str = "original"
    #: For an original sent unchanged: identifying metadata it carries (a GPS position, camera
    #: details), by kind, so the keeper can be warned; never values.
    carries: tuple[str, ...] = ()


#: Values of ExportedDocument.sent_as.
ORIGINAL = "original"
REDACTED = "redacted"
STRIPPED = "metadata stripped"


@dataclass(frozen=True)
class ExportResult:
    summary: BundleSummary
    path: Path
    documents: tuple[ExportedDocument, ...]


def extension_for(media_type: str) -> str:
    return _EXTENSIONS.get(media_type, "bin")


def _redact_text(text: str, preset: str, hide: Sequence[str]) -> str:
    """A title or field with whatever the preset (and the keeper's list) finds withheld."""
    from papka.formats.detect import detect

    findings = detect(text, preset=preset, hide=list(hide))
    out: list[str] = []
    position = 0
    for finding in findings:
        out.append(text[position:finding.start])
        out.append(WITHHELD)
        position = finding.end
    out.append(text[position:])
    return "".join(out)


def _metadata(document: Document, profile: Profile, hide: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in profile.metadata:
        value: object = getattr(document, name)
        if name == "tags":
            text = ", ".join(document.tags)
        elif isinstance(value, dt.date):
            text = value.isoformat()
        else:
            text = "" if value is None else str(value)
        if not text:
            continue
        if profile.redacts and name not in ("date", "country", "language"):
            assert profile.preset is not None
            text = _redact_text(text, profile.preset, hide)
        values[name] = _printable(text)[:2000]
    return values


def _printable(text: str) -> str:
    # The manifest refuses control characters and bidirectional overrides in titles.
    return _UNPRINTABLE.sub(" ", text)


def _title(document: Document, profile: Profile, hide: Sequence[str]) -> str:
    if profile.titles == "kind":
        return document.kind
    if profile.titles == "redact":
        return _printable(_redact_text(document.title, profile.preset or "hide-only",
                                       hide))[:500]
    return _printable(document.title)[:500]


def _provenance(document: Document, profile: Profile, extra: Sequence[Mapping[str, str]]
                ) -> list[dict[str, str]]:
    if not profile.provenance:
        return []
    steps: list[dict[str, str]] = []
    if document.derived_from is not None:
        action = "derived"
        if document.derivation is not None and isinstance(document.derivation.get("action"), str):
            action = str(document.derivation["action"])[:40]
        steps.append({"action": "added", "document": document.derived_from})
        steps.append({"action": action, "document": document.id})
    else:
        steps.append({"action": "added", "document": document.id})
    steps.extend(dict(step) for step in extra)
    return steps


def _bundle_kind(kind: str) -> str:
    from papka.vault.bundle.manifest import KIND

    return kind if KIND.fullmatch(kind) else "other"


def _read_limited(documents: DocumentStore, document: Document) -> bytes:
    if document.size > MAX_REDACTED_INPUT:
        raise ExportError("A document is too large to redact (over 256 MiB); nothing was "
                          "exported.")
    return documents.read_bytes(document.id)


def _redacted_item(
    documents: DocumentStore,
    document: Document,
    profile: Profile,
    hide: Sequence[str],
    store_redacted: bool,
    unreadable: str | None = None,
) -> tuple[BundleItem, ExportedDocument]:
    from papka.formats.burn import redact, supported
    from papka.formats.sanitize import sanitize

    assert profile.preset is not None
    if not supported(document.media_type):
        raise CannotRedactForProfile(document.id)
    result = redact(_read_limited(documents, document), document.media_type,
                    preset=profile.preset, hide=list(hide), ocr=profile.ocr,
                    unreadable=cast("UnreadableChoice | None", unreadable))
    cleaned = sanitize(result.data, result.media_type)
    data, media_type = cleaned.data, cleaned.media_type
    counts = result.log.by_category()
    stored_as: str | None = None
    extra: list[dict[str, str]] = [{"action": "redacted", "preset": profile.preset}]
    if store_redacted:
        copy = documents.add(
            io.BytesIO(data), kind=document.kind, title=document.title, date=document.date,
            tags=(*(t for t in document.tags if t != "redacted"), "redacted"),
            derived_from=document.id,
            derivation={"action": "redact", "preset": profile.preset,
                        "log": result.log.as_dict(), "sanitized": list(cleaned.removed)})
        stored_as = copy.id
        extra = [{"action": "redacted", "preset": profile.preset, "document": copy.id}]
    item = BundleItem(
        kind=_bundle_kind(document.kind),
        title=_title(document, profile, hide),
        media_type=media_type,
        size=len(data),
        open=lambda: io.BytesIO(data),
        extension=extension_for(media_type),
        metadata=_metadata(document, profile, hide),
        redaction=counts,
        provenance=_provenance(document, profile, extra),
    )
    return item, ExportedDocument(document.id, stored_as, media_type, len(data), counts,
                                  tuple(cleaned.removed), REDACTED)


def _stored_redaction(document: Document) -> dict[str, int] | None:
    """For a redacted copy stored in the vault, what its redaction withheld (from its log), so a
    bundle says so even when the copy goes out as it is."""
    from papka.vault.bundle.manifest import FIELD_NAME

    derivation = document.derivation or {}
    log = derivation.get("log")
    if derivation.get("action") != "redact" or not isinstance(log, Mapping):
        return None
    categories = log.get("categories")
    if not isinstance(categories, Mapping):
        return None
    return {str(name): int(count) for name, count in categories.items()
            if isinstance(name, str) and FIELD_NAME.fullmatch(name) and isinstance(count, int)
            and not isinstance(count, bool) and 0 <= count <= 1_000_000}


def _carried_metadata(documents: DocumentStore, document: Document) -> list[str]:
    """What identifying metadata a picture carries, read from its first megabyte."""
    from papka.formats.sanitize import METADATA_HEAD, carried_metadata, is_image

    if not is_image(document.media_type):
        return []
    with documents.open(document.id) as stream:
        head = stream.read(METADATA_HEAD)
    return carried_metadata(head, document.media_type)


def _stripped_item(documents: DocumentStore, document: Document, profile: Profile,
                   carries: Sequence[str]) -> tuple[BundleItem, ExportedDocument]:
    """A picture's copy without its metadata (the keeper asked for it): the pixels are the
    original's, the bytes and so the hash are not."""
    from papka.formats.sanitize import sanitize

    cleaned = sanitize(_read_limited(documents, document), document.media_type)
    data = cleaned.data
    redaction = _stored_redaction(document)
    item = BundleItem(
        kind=_bundle_kind(document.kind),
        title=_title(document, profile, ()),
        media_type=cleaned.media_type,
        size=len(data),
        open=lambda: io.BytesIO(data),
        extension=extension_for(cleaned.media_type),
        metadata=_metadata(document, profile, ()),
        redaction=redaction,
        provenance=_provenance(document, profile, [{"action": "metadata-stripped"}]),
    )
    return item, ExportedDocument(document.id, None, cleaned.media_type, len(data), redaction,
                                  tuple(cleaned.removed), STRIPPED, tuple(carries))


def _original_item(documents: DocumentStore, document: Document, profile: Profile,
                   strip_image_metadata: bool = False) -> tuple[BundleItem, ExportedDocument]:
    doc_id = document.id
    redaction = _stored_redaction(document)
    carries = _carried_metadata(documents, document)
    if carries and strip_image_metadata:
        return _stripped_item(documents, document, profile, carries)

    def open_original() -> BinaryIO:
        return documents.open(doc_id)

    item = BundleItem(
        kind=_bundle_kind(document.kind),
        title=_title(document, profile, ()),
        media_type=document.media_type,
        size=document.size,
        open=open_original,
        extension=extension_for(document.media_type),
        metadata=_metadata(document, profile, ()),
        redaction=redaction,
        provenance=_provenance(document, profile, ()),
        # Reads from the vault are authenticated, so the hash recorded at add time holds.
        sha256=document.sha256,
    )
    return item, ExportedDocument(doc_id, None, document.media_type, document.size, redaction,
                                  (), ORIGINAL, tuple(carries))


def build_items(
    documents: DocumentStore,
    selected: Sequence[Document],
    profile: Profile,
    *,
    hide: Sequence[str] = (),
    store_redacted: bool = False,
    strip_image_metadata: bool = False,
    unreadable: str | None = None,
) -> tuple[list[BundleItem], list[ExportedDocument]]:
    """The bundle items for ``selected`` under ``profile``: originals stream from the vault
    unchanged (a lawyer needs the original whose hash matches; pictures among them are checked
    for GPS and camera metadata, reported in ``carries``); redacted copies are made in memory,
    verified by papka.formats, and sanitised.

    With ``strip_image_metadata``, a profile that sends originals sends a copy without its
    metadata of each picture that carries some (same pixels, other bytes, "metadata-stripped"
    in its provenance); other documents still go out unchanged.

    Every document is checked before any is redacted, so a video in the selection refuses the
    export at once rather than after minutes of OCR.
    """
    hide = [*profile.hide, *(h for h in hide if h.strip())]
    if profile.kinds:
        for document in selected:
            if document.kind not in profile.kinds:
                raise ExportError("The profile does not send documents of one of the selected "
                                  "kinds; nothing was exported.")
    if profile.redacts:
        from papka.formats.burn import supported

        for document in selected:
            if not supported(document.media_type):
                raise CannotRedactForProfile(document.id)
    items: list[BundleItem] = []
    exported: list[ExportedDocument] = []
    for document in selected:
        if profile.redacts:
            item, done = _redacted_item(documents, document, profile, hide, store_redacted,
                                        unreadable)
        else:
            item, done = _original_item(documents, document, profile, strip_image_metadata)
        items.append(item)
        exported.append(done)
    return items, exported


# --- writing the bundle file ---------------------------------------------------------------------


@contextlib.contextmanager
def _new_file(path: Path) -> Iterator[BinaryIO]:
    """A new file at ``path`` (never an existing one, never through a link), written under a
    partial name and renamed only when complete, so a half-written bundle never stands under
    the name the keeper gave, even if the run is killed (papka/output_files.py)."""
    writing = False
    try:
        with new_output_file(path) as out:
            writing = True
            yield out
    except FileExistsError:
        if writing:
            raise
        raise BundleFileExists() from None
    except OSError:
        if writing:
            raise
        raise BundleFileProblem() from None


def export_bundle(
    compartment: Compartment,
    selection: Selection | Sequence[Document],
    path: str | os.PathLike[str],
    *,
    profile: Profile | str = "lawyer",
    recipients: Sequence[Recipient] = (),
    passphrase: str | None = None,
    plain: bool = False,
    armored: bool = False,
    hide: Sequence[str] = (),
    sender: str = "",
    store_redacted: bool = False,
    strip_image_metadata: bool = False,
    unreadable: str | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Export the selected documents of ``compartment`` into a new bundle file at ``path``,
    signed by the compartment's identity, encrypted to ``recipients`` (or ``passphrase``, or
    ``plain``). The file is created exclusively and deleted if anything fails.

    With ``store_redacted`` each redacted copy is also stored in the compartment as a document
    derived from its original, with the redaction log (categories and counts) as derivation.
    ``strip_image_metadata``: see build_items; ExportResult.documents says for each document
    how it went out and, for originals, what metadata they carry. ``unreadable`` (box, drop or
    accept) settles the pages of redacted documents that papka cannot read; without it such a
    page refuses the export (papka.formats.burn.UnreadablePages).
    """
    chosen = profile if isinstance(profile, Profile) else find_profile(compartment, profile)
    documents = compartment.documents
    if isinstance(selection, Selection):
        selected = selection.resolve(documents)
    else:
        selected = list(selection)
        if not selected:
            raise ExportError("Nothing was selected for export.")
    if not (recipients or passphrase is not None or plain):
        raise ExportError("A bundle needs a recipient, a passphrase, or the plain form.")
    target = Path(path)
    if target.exists() or target.is_symlink():
        raise BundleFileExists()
    # Redacted copies stored back are committed only once the bundle is complete.
    with documents.batch() if store_redacted else contextlib.nullcontext():
        items, exported = build_items(documents, selected, chosen, hide=hide,
                                      store_redacted=store_redacted,
                                      strip_image_metadata=strip_image_metadata,
                                      unreadable=unreadable)
        with _new_file(target) as out:
            summary = write_bundle(out, items, signer=compartment.signing_key(),
                                   recipients=recipients, passphrase=passphrase, plain=plain,
                                   armored=armored, sender=sender, clock=clock,
                                   progress=progress)
    return ExportResult(summary, target, tuple(exported))


# --- the recipient's side: importing into a compartment -----------------------------------------


_END = object()


class _QueueReader(io.RawIOBase):
    """The pulling end of a hand-over between the bundle reader (which pushes decrypted bytes)
    and the vault (which pulls a stream); a bounded queue keeps memory flat."""

    def __init__(self, chunks: queue.Queue[object]) -> None:
        super().__init__()
        self._chunks = chunks
        self._buffer = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer and not self._done:
            item = self._chunks.get()
            if item is _END:
                self._done = True
            elif isinstance(item, BaseException):
                raise item
            else:
                assert isinstance(item, bytes)
                self._buffer = item
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class _Cancelled(Exception):
    pass


class _VaultReceiver:
    """Streams one document of a bundle into the vault: the vault's add() runs in a worker
    thread, fed through a bounded queue, while the bundle reader decrypts."""

    def __init__(self, documents: DocumentStore, fields: dict[str, Any]) -> None:
        self._chunks: queue.Queue[object] = queue.Queue(maxsize=8)
        self.document: Document | None = None
        self.error: BaseException | None = None
        reader = io.BufferedReader(_QueueReader(self._chunks), 1024 * 1024)

        def work() -> None:
            try:
                self.document = documents.add(reader, **fields)
            except BaseException as exc:  # handed to the reading thread in close()
                self.error = exc
                if isinstance(exc, _Cancelled):
                    return
                # Drain the queue so the writer never blocks on a dead consumer.
                while True:
                    item = self._chunks.get()
                    if item is _END or isinstance(item, BaseException):
                        break

        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> int:
        if data:
            self._chunks.put(bytes(data))
        return len(data)

    def close(self) -> None:
        self._chunks.put(_END)
        self._thread.join()
        if self.error is not None:
            raise self.error

    def cancel(self) -> None:
        if self._thread.is_alive():
            self._chunks.put(_Cancelled())
            self._thread.join()


@dataclass(frozen=True)
class ImportResult:
    bundle: VerifiedBundle
    #: The new documents' ids, in manifest order.
    ids: tuple[str, ...]


def _import_fields(entry: ManifestFile) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": entry.kind if _VAULT_KIND.fullmatch(entry.kind) else "other",
        "title": entry.title.strip() or entry.kind,
        "filename": entry.name.rsplit("/", 1)[-1],
        "derivation": {"action": "imported", "name": entry.name,
                       "sha256": entry.sha256,
                       "redaction": None if entry.redaction is None else dict(entry.redaction),
                       "provenance": [dict(step) for step in entry.provenance]},
    }
    for name in ("issuer", "number", "country", "language"):
        if name in entry.metadata:
            fields[name] = entry.metadata[name]
    if "date" in entry.metadata:
        with contextlib.suppress(ValueError):
            fields["date"] = dt.date.fromisoformat(entry.metadata["date"])
    if "tags" in entry.metadata:
        fields["tags"] = [t.strip()[:100] for t in entry.metadata["tags"].split(",")
                          if t.strip()]
    return fields


def import_into(
    compartment: Compartment,
    source: BinaryIO | str | os.PathLike[str],
    *,
    identities: Sequence[Identity] = (),
    passphrase: str | None = None,
    tags: Sequence[str] = (),
    address_book: AddressBook | None = None,
    check: Callable[[VerifiedBundle], None] | None = None,
) -> ImportResult:
    """Store a bundle's documents in ``compartment`` (a lawyer's own vault), in one commit,
    only if the whole bundle verifies. Each document records where it came from: the bundle's
    manifest hash, its name there, the signer's fingerprint, the sender's provenance and what
    was redacted.

    ``check`` (for example a refusal of a signer whose key changed, given ``address_book``) is
    called with the verified bundle before anything is committed; if it raises, nothing is
    stored. The address book is only read.
    """
    documents = compartment.documents
    active: list[_VaultReceiver] = []

    def receive(entry: ManifestFile) -> _VaultReceiver:
        fields = _import_fields(entry)
        if tags:
            fields["tags"] = [*fields.get("tags", []), *tags]
        receiver = _VaultReceiver(documents, fields)
        active.append(receiver)
        return receiver

    added: list[str] = []
    try:
        with documents.batch():
            bundle = import_bundle(source, receive, identities=identities,
                                   passphrase=passphrase, address_book=address_book)
            if check is not None:
                check(bundle)
            for receiver in active:
                if receiver.document is None:
                    raise ExportError("A document of the bundle was not stored.")
                # Which bundle it came from is known once the bundle has been read; recorded
                # in the same commit.
                derivation = dict(receiver.document.derivation or {})
                derivation["bundle"] = bundle.manifest_sha256
                derivation["signer"] = bundle.fingerprint.openssh
                documents.update(receiver.document.id, derivation=derivation)
                added.append(receiver.document.id)
    finally:
        for receiver in active:
            receiver.cancel()
    return ImportResult(bundle, tuple(added))


__all__ = [
    "BUILTIN_PROFILES",
    "METADATA_FIELDS",
    "BundleFileExists",
    "BundleFileProblem",
    "CannotRedactForProfile",
    "ExportError",
    "ExportResult",
    "ExportedDocument",
    "ImportResult",
    "ORIGINAL",
    "REDACTED",
    "STRIPPED",
    "Profile",
    "Selection",
    "build_items",
    "export_bundle",
    "extension_for",
    "import_into",
    "find_profile",
    "profiles",
    "remove_profile",
    "save_profile",
]
