"""The bundle items of an export: originals streamed from the vault, or copies redacted and
sanitised in memory, with the manifest entries a profile lets travel."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, cast

from papka.exchange.errors import CannotRedactForProfile, ExportError
from papka.exchange.profiles import Profile
from papka.formats.bundle import BundleItem
from papka.media import extension_for

if TYPE_CHECKING:
    from papka.formats.plan import UnreadableChoice
    from papka.vault import Document, DocumentStore

#: What stands in the manifest wherever a title or field lost something to redaction.
WITHHELD = "█████"
#: A document is redacted in memory; papka.formats refuses inputs larger than this anyway.
MAX_REDACTED_INPUT = 256 * 1024 * 1024

_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


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
    #: For a copy made under a profile that keeps the text: the pages (from 0) redrawn as
    #: pictures instead, and why (codes of papka.formats.text_redaction.BURN_REASONS).
    #: None when the profile burns every page.
    burned_pages: Mapping[int, str] | None = None


#: Values of ExportedDocument.sent_as.
ORIGINAL = "original"
REDACTED = "redacted"
STRIPPED = "metadata stripped"


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
    from papka.formats.bundle.manifest import KIND

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
    ocr_layer: bool | None = None,
    roots: bool = False,
) -> tuple[BundleItem, ExportedDocument]:
    from papka.formats import redact
    from papka.formats.redaction import burned_page_list, supported
    from papka.formats.sanitize import sanitize

    assert profile.preset is not None
    if not supported(document.media_type):
        raise CannotRedactForProfile(document.id)
    result = redact(_read_limited(documents, document), document.media_type,
                    preset=profile.preset, hide=list(hide), ocr=profile.ocr,
                    ocr_layer=ocr_layer, unreadable=cast("UnreadableChoice | None", unreadable),
                    keep_text=profile.keeps_text)
    cleaned = sanitize(result.data, result.media_type)
    data, media_type = cleaned.data, cleaned.media_type
    counts = result.log.by_category()
    burned = dict(result.burned_pages) if profile.keeps_text else None
    stored_as: str | None = None
    extra: list[dict[str, str]] = [{"action": "redacted", "preset": profile.preset}]
    if store_redacted:
        derivation: dict[str, object] = {
            "action": "redact", "preset": profile.preset, "log": result.log.as_dict(),
            "sanitized": list(cleaned.removed)}
        if burned is not None:
            # As `papka redact --keep-text` records it.
            derivation["keep_text"] = True
            derivation["burned_pages"] = burned_page_list(burned)
        copy = documents.add(
            io.BytesIO(data), kind=document.kind, title=document.title, date=document.date,
            tags=(*(t for t in document.tags if t != "redacted"), "redacted"),
            derived_from=document.id, derivation=derivation)
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
        # The copy stored back carries commitments of its own; the original's root ties the
        # copy to it (docs/FORMAT.md, "Page commitments and disclosures").
        commitment_root=_root(documents, stored_as) if roots and stored_as else None,
        original_root=_root(documents, document.id) if roots else None,
    )
    return item, ExportedDocument(document.id, stored_as, media_type, len(data), counts,
                                  tuple(cleaned.removed), REDACTED, burned_pages=burned)


def _stored_redaction(document: Document) -> dict[str, int] | None:
    """For a redacted copy stored in the vault, what its redaction withheld (from its log), so a
    bundle says so even when the copy goes out as it is."""
    from papka.formats.bundle.manifest import FIELD_NAME

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
                   carries: Sequence[str], roots: bool = False
                   ) -> tuple[BundleItem, ExportedDocument]:
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
        original_root=_root(documents, document.id) if roots else None,
    )
    return item, ExportedDocument(document.id, None, cleaned.media_type, len(data), redaction,
                                  tuple(cleaned.removed), STRIPPED, tuple(carries))


def _original_item(documents: DocumentStore, document: Document, profile: Profile,
                   strip_image_metadata: bool = False, roots: bool = False
                   ) -> tuple[BundleItem, ExportedDocument]:
    doc_id = document.id
    redaction = _stored_redaction(document)
    carries = _carried_metadata(documents, document)
    if carries and strip_image_metadata:
        return _stripped_item(documents, document, profile, carries, roots)
    source = document.derived_from
    if source is not None and not documents.has(source):
        source = None                       # the original was removed from the vault

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
        commitment_root=_root(documents, doc_id) if roots else None,
        original_root=_root(documents, source) if roots and source is not None else None,
    )
    return item, ExportedDocument(doc_id, None, document.media_type, document.size, redaction,
                                  (), ORIGINAL, tuple(carries))


def _root(documents: DocumentStore, doc_id: str) -> str:
    """The root of a document's page commitments; made now (and stored with the export's
    commit) for a document added before papka made them."""
    return documents.commitments(doc_id).root()


def build_items(
    documents: DocumentStore,
    selected: Sequence[Document],
    profile: Profile,
    *,
    hide: Sequence[str] = (),
    store_redacted: bool = False,
    strip_image_metadata: bool = False,
    unreadable: str | None = None,
    ocr_layer: bool | None = None,
    roots: bool = False,
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

    With ``roots``, and a profile that sends provenance, each entry carries the root of its
    page commitments (and a copy the root of its original); documents without commitments get
    them, stored with the next commit.
    """
    hide = [*profile.hide, *(h for h in hide if h.strip())]
    # A root is the same in every bundle that carries the document, so it links them: it
    # travels only where provenance does (not under `public`; docs/security.md).
    roots = roots and profile.provenance
    if profile.kinds:
        for document in selected:
            if document.kind not in profile.kinds:
                raise ExportError("The profile does not send documents of one of the selected "
                                  "kinds; nothing was exported.")
    if profile.redacts:
        from papka.formats.redaction import supported

        for document in selected:
            if not supported(document.media_type):
                raise CannotRedactForProfile(document.id)
    items: list[BundleItem] = []
    exported: list[ExportedDocument] = []
    for document in selected:
        if profile.redacts:
            item, done = _redacted_item(documents, document, profile, hide, store_redacted,
                                        unreadable, ocr_layer, roots)
        else:
            item, done = _original_item(documents, document, profile, strip_image_metadata,
                                        roots)
        items.append(item)
        exported.append(done)
    return items, exported
