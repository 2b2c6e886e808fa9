"""Strip metadata without changing what a document shows (for "lawyer" exports of originals).

Unlike burning, sanitising keeps the original content, so it cannot remove anything hidden in
the content itself (text under a black box, invisible text, tracked changes); see
docs/redaction.md for exactly what each step removes and what it leaves.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import pikepdf
from PIL import Image

from papka import media
from papka.formats import docx, email, image, limits
from papka.formats.pdf import check_pdf


@dataclass(frozen=True)
class Sanitized:
    data: bytes = field(repr=False)
    media_type: str
    #: What was removed, by kind ("document information", "XMP metadata", ...), never values.
    removed: list[str]
    #: How many items each kind counted (scripts, actions, attachments, metadata objects).
    counts: Mapping[str, int] = field(default_factory=dict)


# --- PDF -----------------------------------------------------------------------------------
#
# One step per channel, each taking an open pikepdf.Pdf and returning how many items it removed,
# in the manner of pikepdf's own sanitising helpers. What each step does not reach is written in
# its docstring and in docs/redaction.md.

#: Labels of the PDF channels, as they appear in Sanitized.removed and Sanitized.counts.
JAVASCRIPT = "JavaScript"
EXTERNAL_ACTIONS = "actions that open files, links or send data"
ATTACHMENTS = "attachments"
DOCUMENT_INFORMATION = "document information"
XMP_METADATA = "XMP metadata"
PIECE_INFO = "piece info"
THUMBNAILS = "thumbnails"
REVISIONS = "earlier revisions"

# Deeper chains or outlines than this are cut there: no real document nests so deep, and a
# crafted one must not exhaust the stack.
MAX_DEPTH = 64
# Every action kind that reaches outside the document: a program, a web page, another file, an
# embedded file, a form submission or an import of form data.
_EXTERNAL = frozenset({"/Launch", "/URI", "/GoToR", "/GoToE", "/SubmitForm", "/ImportData"})
_MEDIA_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Sound", "/Movie", "/Screen"})


def _is_javascript(action: pikepdf.Dictionary) -> bool:
    kind = action.get("/S")
    # A Rendition action may carry a script of its own in /JS.
    return kind == pikepdf.Name.JavaScript or (kind == pikepdf.Name.Rendition and "/JS" in action)


def _is_external(action: pikepdf.Dictionary) -> bool:
    kind = action.get("/S")
    return isinstance(kind, pikepdf.Name) and str(kind) in _EXTERNAL


Unwanted = Callable[[pikepdf.Dictionary], bool]


def _clean_action(action: object, unwanted: Unwanted, seen: set[tuple[int, int]],
                  depth: int = 0) -> tuple[object | None, int]:
    """The action (a dictionary, or an array of them) with every unwanted action taken out of it
    and of its /Next chain, and how many were taken out. An unwanted action is replaced by what
    follows it, so a harmless GoTo after a script still runs. None: nothing is left."""
    if depth > MAX_DEPTH:
        return None, 1
    if isinstance(action, pikepdf.Array):
        kept = pikepdf.Array()
        removed = 0
        for item in list(action):
            cleaned, count = _clean_action(item, unwanted, seen, depth + 1)
            removed += count
            if isinstance(cleaned, pikepdf.Array):
                kept.extend(cleaned)
            elif cleaned is not None:
                kept.append(cleaned)
        return (kept if len(kept) else None), removed
    if not isinstance(action, pikepdf.Dictionary):
        return action, 0
    if action.is_indirect:
        if action.objgen in seen:
            # A cycle: this action is cleaned where it was first met; an unwanted one is cut.
            return (None, 0) if unwanted(action) else (action, 0)
        seen.add(action.objgen)
    removed = 0
    follow: object | None = action.get("/Next")
    if follow is not None:
        follow, removed = _clean_action(follow, unwanted, seen, depth + 1)
    if unwanted(action):
        return follow, removed + 1
    if "/Next" in action:
        if follow is None:
            del action["/Next"]
        else:
            action["/Next"] = follow
    return action, removed


def _clean_slot(holder: pikepdf.Dictionary, key: str, unwanted: Unwanted,
                seen: set[tuple[int, int]]) -> int:
    """Clean the action under holder[key]; remove the key when nothing is left."""
    if key not in holder:
        return 0
    cleaned, removed = _clean_action(holder[key], unwanted, seen)
    if cleaned is None:
        del holder[key]
    elif removed:
        holder[key] = cleaned
    return removed


def _clean_triggers(holder: pikepdf.Dictionary, unwanted: Unwanted,
                    seen: set[tuple[int, int]]) -> int:
    """Clean every action of an additional-actions dictionary (/AA: on open, on close, on
    keystroke, on format, ...)."""
    triggers = holder.get("/AA")
    if not isinstance(triggers, pikepdf.Dictionary):
        return 0
    removed = sum(_clean_slot(triggers, str(key), unwanted, seen) for key in list(triggers.keys()))
    if not len(triggers.keys()):
        del holder["/AA"]
    return removed


def _kids_tree(roots: Iterable[object], *, prune: bool) -> Iterator[pikepdf.Dictionary]:
    """Every dictionary of a /Kids tree (form fields, name trees) from ``roots``, each once,
    down to MAX_DEPTH; with ``prune``, /Kids deeper than that are deleted, so those levels are
    dropped rather than left unread."""
    seen: set[tuple[int, int]] = set()
    pending: list[tuple[object, int]] = [(root, 0) for root in roots]
    while pending:
        node, depth = pending.pop()
        if not isinstance(node, pikepdf.Dictionary) or depth > MAX_DEPTH:
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        yield node
        kids = node.get("/Kids")
        if not isinstance(kids, pikepdf.Array):
            continue
        if depth < MAX_DEPTH:
            pending.extend((kid, depth + 1) for kid in kids)
        elif prune:
            del node["/Kids"]


def _fields(document: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every form field, walking /Kids, each once; levels below MAX_DEPTH are cut off."""
    form = document.Root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary):
        yield from _kids_tree(form.get("/Fields", ()), prune=True)


def _outline_items(document: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every outline (bookmark) item, walking /First and /Next, each once; levels below
    MAX_DEPTH are cut off."""
    outlines = document.Root.get("/Outlines")
    if not isinstance(outlines, pikepdf.Dictionary):
        return
    seen: set[tuple[int, int]] = set()
    pending: list[tuple[object, int]] = [(outlines.get("/First"), 0)]
    while pending:
        item, depth = pending.pop()
        # A sibling list is walked by a loop, not by recursion, so a long one is fine.
        while isinstance(item, pikepdf.Dictionary) and depth <= MAX_DEPTH:
            if item.is_indirect:
                if item.objgen in seen:
                    break
                seen.add(item.objgen)
            yield item
            if "/First" in item and depth >= MAX_DEPTH:
                # Deeper levels are dropped rather than left unread.
                for key in ("/First", "/Last", "/Count"):
                    if key in item:
                        del item[key]
            elif "/First" in item:
                pending.append((item.get("/First"), depth + 1))
            item = item.get("/Next")


def _annotations(document: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    for page in document.pages:
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, pikepdf.Array):
            for annotation in annotations:
                if isinstance(annotation, pikepdf.Dictionary):
                    yield annotation


def _remove_actions(document: pikepdf.Pdf, unwanted: Unwanted) -> int:
    """Take unwanted actions out of every place an action can be attached."""
    seen: set[tuple[int, int]] = set()
    root = document.Root
    if not isinstance(root, pikepdf.Dictionary):
        return 0
    removed = _clean_triggers(root, unwanted, seen)
    # /OpenAction may also be a plain destination (an array whose first item is a page).
    open_action = root.get("/OpenAction")
    if isinstance(open_action, pikepdf.Dictionary):
        removed += _clean_slot(root, "/OpenAction", unwanted, seen)
    for page in document.pages:
        removed += _clean_triggers(page.obj, unwanted, seen)
    for annotation in _annotations(document):
        removed += _clean_slot(annotation, "/A", unwanted, seen)
        removed += _clean_triggers(annotation, unwanted, seen)
    for form_field in _fields(document):
        removed += _clean_slot(form_field, "/A", unwanted, seen)
        removed += _clean_triggers(form_field, unwanted, seen)
    for item in _outline_items(document):
        removed += _clean_slot(item, "/A", unwanted, seen)
    return removed


def _name_tree_leaves(tree: object) -> int:
    """How many entries a name tree holds (walking /Kids, each node once)."""
    return sum(len(names) // 2 for node in _kids_tree([tree], prune=False)
               if isinstance(names := node.get("/Names"), pikepdf.Array))


def remove_javascript(document: pikepdf.Pdf) -> int:
    """Remove JavaScript from every place it can hide; return how many scripts went.

    Reached: the document-level scripts (/Names /JavaScript), the catalog's /OpenAction and
    /AA, every page's /AA, every annotation's /A and /AA, every form field's /A and /AA (walking
    /Kids), every outline item's /A (walking /First and /Next), and inside each of those the
    whole /Next chain (single actions and arrays, cycles cut, depth at most MAX_DEPTH).
    Rendition actions that carry /JS count as scripts. XFA form packets (which hold scripts)
    are removed with the scripts. Not reached: scripts in objects nothing points to from those
    places (they do not survive the rewrite anyway), and code in embedded files (removed by
    remove_attachments).
    """
    root = document.Root
    removed = 0
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        removed += max(1, _name_tree_leaves(names.JavaScript))
        del names["/JavaScript"]
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        del form["/XFA"]
        removed += 1
    return removed + _remove_actions(document, _is_javascript)


def remove_external_actions(document: pikepdf.Pdf) -> int:
    """Remove actions that reach outside the document (Launch, URI, GoToR, GoToE, SubmitForm,
    ImportData) from the same places remove_javascript walks, and the catalog's /URI base.

    Link annotations stay (without their action): their rectangles are harmless. Not reached:
    web addresses written as plain text on the page (content; burning or the keeper's review
    handles those).
    """
    removed = _remove_actions(document, _is_external)
    if "/URI" in document.Root:
        del document.Root["/URI"]
        removed += 1
    return removed


def remove_attachments(document: pikepdf.Pdf) -> int:
    """Remove embedded files: the /EmbeddedFiles name tree, file attachment, rich media, sound,
    movie and screen annotations (which carry files of their own), PDF 2.0 associated files
    (/AF on any object) and portfolios (/Collection). Not reached: a file hidden in a content
    stream or an image (content, not an attachment)."""
    root = document.Root
    removed = 0
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/EmbeddedFiles" in names:
        removed += max(1, _name_tree_leaves(names.EmbeddedFiles))
        del names["/EmbeddedFiles"]
    if "/Collection" in root:
        del root["/Collection"]
        removed += 1
    for page in document.pages:
        annotations = page.obj.get("/Annots")
        if not isinstance(annotations, pikepdf.Array):
            continue
        kept = pikepdf.Array()
        for annotation in annotations:
            if (isinstance(annotation, pikepdf.Dictionary)
                    and str(annotation.get("/Subtype", "")) in _MEDIA_ANNOTATIONS):
                removed += 1
                continue
            kept.append(annotation)
        if len(kept) != len(annotations):
            page.obj["/Annots"] = kept
    for obj in [root, *document.objects]:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and "/AF" in obj:
            del obj["/AF"]
            removed += 1
    return removed


def remove_document_information(document: pikepdf.Pdf) -> int:
    """Remove the DocInfo dictionary (author, title, creator, producer, dates). Not reached:
    the same facts written on the pages themselves."""
    if "/Info" in document.trailer:
        del document.trailer["/Info"]
        return 1
    return 0


def remove_xmp_metadata(document: pikepdf.Pdf) -> int:
    """Remove XMP packets: the document's, every page's and every other object's /Metadata
    (images, fonts, form XObjects). Not reached: metadata inside embedded image data (EXIF in
    a JPEG stream is content; burning removes it)."""
    removed = 0
    for obj in [document.Root, *(page.obj for page in document.pages), *document.objects]:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and "/Metadata" in obj:
            del obj["/Metadata"]
            removed += 1
    return removed


def remove_piece_info(document: pikepdf.Pdf) -> int:
    """Remove /PieceInfo (private data of the application that made the file, on the catalog,
    pages and form XObjects) and web capture info (/SpiderInfo)."""
    removed = 0
    root = document.Root
    if isinstance(root, pikepdf.Dictionary) and "/SpiderInfo" in root:
        del root["/SpiderInfo"]
        removed += 1
    for obj in [root, *(page.obj for page in document.pages), *document.objects]:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and "/PieceInfo" in obj:
            del obj["/PieceInfo"]
            removed += 1
    return removed


def remove_thumbnails(document: pikepdf.Pdf) -> int:
    """Remove page thumbnails (/Thumb), small pictures of the page as it once was."""
    removed = 0
    for page in document.pages:
        if "/Thumb" in page.obj:
            del page.obj["/Thumb"]
            removed += 1
    return removed


#: The steps sanitize_pdf runs, in order, by channel label.
PDF_STEPS: tuple[tuple[str, Callable[[pikepdf.Pdf], int]], ...] = (
    (JAVASCRIPT, remove_javascript),
    (EXTERNAL_ACTIONS, remove_external_actions),
    (ATTACHMENTS, remove_attachments),
    (DOCUMENT_INFORMATION, remove_document_information),
    (XMP_METADATA, remove_xmp_metadata),
    (PIECE_INFO, remove_piece_info),
    (THUMBNAILS, remove_thumbnails),
)


def sanitize_pdf_counts(data: bytes) -> tuple[bytes, dict[str, int]]:
    """Run every PDF step and rewrite the file in full; return it and the counts per channel
    (channels with nothing removed are left out)."""
    check_pdf(data)
    counts: dict[str, int] = {}
    try:
        with pikepdf.open(io.BytesIO(data)) as document:
            for label, step in PDF_STEPS:
                removed = step(document)
                if removed:
                    counts[label] = removed
            if data.count(b"%%EOF") > 1:
                counts[REVISIONS] = data.count(b"%%EOF") - 1
            buffer = io.BytesIO()
            # A full rewrite keeps only reachable objects of the current revision.
            document.save(buffer, deterministic_id=True, compress_streams=True,
                          object_stream_mode=pikepdf.ObjectStreamMode.generate)
    except pikepdf.PasswordError as error:
        raise limits.EncryptedPdfError() from error
    except pikepdf.PdfError as error:
        raise limits.DamagedPdfError() from error
    return buffer.getvalue(), counts


def sanitize_pdf(data: bytes) -> tuple[bytes, list[str]]:
    """Remove JavaScript, outside-reaching actions, attachments, DocInfo, XMP, piece info,
    thumbnails and old revisions (see the steps above); return the new file and what kinds
    were removed."""
    cleaned, counts = sanitize_pdf_counts(data)
    return cleaned, sorted(counts)


# --- images --------------------------------------------------------------------------------

_KEEP_PNG = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB",
                       b"sBIT", b"pHYs", b"bKGD", b"iCCP", b"acTL", b"fcTL", b"fdAT"})
_PNG_LABELS = {b"tEXt": "text", b"zTXt": "text", b"iTXt": "text", b"eXIf": "EXIF",
               b"tIME": "timestamp"}


def _orientation(data: bytes) -> int:
    try:
        with Image.open(io.BytesIO(data)) as picture:
            value = picture.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _orientation_only_exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    payload = b"Exif\x00\x00" + exif.tobytes()[6:] if exif.tobytes().startswith(b"Exif") else (
        b"Exif\x00\x00" + exif.tobytes())
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def sanitize_jpeg(data: bytes) -> tuple[bytes, list[str]]:
    """Drop EXIF, XMP, IPTC, comments, vendor segments and bytes after the end; keep the pixels.

    The orientation is kept (as the only EXIF field) so the picture still shows the right way up.
    """
    layout = image.jpeg_layout(data)
    removed: set[str] = set()
    out = bytearray()
    orientation = _orientation(data)
    for segment in layout.segments:
        marker, payload = segment.marker, segment.payload
        chunk = data[segment.start : segment.end]
        if marker == 0xE0 and payload.startswith((b"JFIF\x00", b"JFXX\x00")):
            if payload.startswith(b"JFXX\x00"):
                removed.add("thumbnails")
                continue
            out += chunk
        elif (marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00")) or (
            marker == 0xEE and payload.startswith(b"Adobe")
        ):
            out += chunk
        elif 0xE0 <= marker <= 0xEF:
            if payload.startswith(b"Exif\x00"):
                removed.add("EXIF (camera, GPS, serial numbers, thumbnail)")
            elif payload.startswith(b"http://ns.adobe.com/"):
                removed.add("XMP metadata")
            elif marker == 0xED:
                removed.add("IPTC metadata")
            else:
                removed.add("vendor metadata")
        elif marker == 0xFE:
            removed.add("comments")
        else:
            out += chunk
            if marker == 0xD8 and orientation != 1:
                out += _orientation_only_exif(orientation)
    if layout.end is None or data[layout.end :]:
        removed.add("data after the end of the picture")
    if layout.end is None:
        out += b"\xff\xd9"
    return bytes(out), sorted(removed)


def sanitize_png(data: bytes) -> tuple[bytes, list[str]]:
    """Drop text, EXIF, timestamps, unknown chunks and bytes after IEND; keep the pixels."""
    chunks, end = image.png_chunks(data)
    if end is None:
        raise limits.DamagedImageError()
    removed: set[str] = set()
    out = bytearray(image.PNG_SIGNATURE)
    for chunk in chunks:
        if chunk.kind in _KEEP_PNG:
            out += data[chunk.start : chunk.end]
        else:
            removed.add(_PNG_LABELS.get(chunk.kind, "other metadata"))
    if data[end:]:
        removed.add("data after the end of the picture")
    return bytes(out), sorted(removed)


def _reencode(data: bytes) -> tuple[bytes, list[str]]:
    """Fresh pixels without any metadata: one page as PNG; several pages (a TIFF fax, an
    animation) as a multi-page TIFF holding every page, never just the first."""
    if image.page_count(data) == 1:
        return image.encode(image.load(data), media.PNG), ["all metadata (converted to PNG)"]
    frames = list(image.pages(data))
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:],
                   compression="tiff_deflate")
    return out.getvalue(), ["all metadata (converted to TIFF, every page kept)"]


def sanitize_image_bytes(data: bytes) -> bytes | None:
    """Cleaned bytes of a JPEG or PNG (as found inside DOCX files); None for other content."""
    kind = media.sniff_media_type(data[: media.SNIFF_BYTES])
    try:
        if kind == media.JPEG:
            return sanitize_jpeg(data)[0]
        if kind == media.PNG:
            return sanitize_png(data)[0]
    except limits.HostileInputError:
        return None
    return None


# --- what an original carries ---------------------------------------------------------------

#: Kinds of metadata :func:`carried_metadata` reports (English; the CLI translates them).
GPS_POSITION = "GPS position"
CAMERA_AND_TIME = "camera, serial number or time taken (EXIF)"
OTHER_IMAGE_METADATA = "other picture metadata (EXIF, XMP, IPTC, comments, text)"
#: How much of an image's start is read to look for its metadata (EXIF sits near the start).
METADATA_HEAD = 1024 * 1024
_IMAGE_TYPES = frozenset({media.JPEG, media.PNG, media.GIF, media.WEBP, media.TIFF})
_CAMERA_TAGS = (0x010F, 0x0110, 0x0132, 0xA431, 0xA435)  # make, model, time, serial numbers
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825


def is_image(media_type: str) -> bool:
    """Pictures whose metadata sanitise() strips while keeping the pixels."""
    return media_type in _IMAGE_TYPES


def carried_metadata(head: bytes, media_type: str) -> list[str]:
    """What identifying metadata a picture carries, read from its first bytes: a GPS position,
    camera details or the time taken, other metadata. Never the values. For other kinds of
    file, or a picture Pillow cannot read, nothing is reported (this is a warning for the
    keeper, not a guarantee: sanitise() strips every kind whether reported or not)."""
    if media_type not in _IMAGE_TYPES:
        return []
    found: list[str] = []
    try:
        with Image.open(io.BytesIO(head)) as picture:
            exif = picture.getexif()
            info = dict(picture.info)
            gps = exif.get_ifd(_GPS_IFD) if _GPS_IFD in exif else {}
            detail = exif.get_ifd(_EXIF_IFD) if _EXIF_IFD in exif else {}
    except (OSError, ValueError, SyntaxError, TypeError, Image.DecompressionBombError):
        return []
    if gps:
        found.append(GPS_POSITION)
    if any(tag in exif for tag in _CAMERA_TAGS) or any(
            tag in detail for tag in (0x9003, 0x9004, 0xA431, 0xA435)):
        found.append(CAMERA_AND_TIME)
    other = {key for key in info if key not in ("jfif", "jfif_version", "jfif_unit",
                                               "jfif_density", "dpi", "icc_profile", "adobe",
                                               "adobe_transform", "progressive", "progression",
                                               "exif", "gamma", "srgb", "chromaticity",
                                               "transparency", "aspect", "duration", "loop",
                                               "background", "version", "compression",
                                               "resolution", "interlace")}
    # An EXIF block larger than the orientation-only one sanitise() keeps (a thumbnail, an
    # artist, software) counts as well.
    exif_block = info.get("exif", b"")
    large_exif = isinstance(exif_block, bytes) and len(exif_block) > 64 and not found
    if other or large_exif:
        found.append(OTHER_IMAGE_METADATA)
    return found


_HANDLERS: dict[str, Callable[[bytes], tuple[bytes, list[str]]]] = {
    media.PDF: sanitize_pdf,
    media.JPEG: sanitize_jpeg,
    media.PNG: sanitize_png,
    media.GIF: _reencode,
    media.WEBP: _reencode,
    media.TIFF: _reencode,
    media.DOCX: docx.sanitize_docx,
}


def sanitize(data: bytes, media_type: str, *, strip_email_routing: bool = False) -> Sanitized:
    """Strip metadata only. GIF, WebP and TIFF come back as PNG with the same pixels."""
    limits.check_input_size(data)
    if media_type == media.EML:
        if strip_email_routing:
            email.parse(data)  # reject what is not an e-mail
            cleaned, removed = email.strip_routing(data)
            return Sanitized(cleaned, media_type, removed)
        return Sanitized(data, media_type, [])
    if media_type == media.TEXT:
        return Sanitized(data, media_type, [])
    if media_type == media.PDF:
        cleaned, counts = sanitize_pdf_counts(data)
        return Sanitized(cleaned, media_type, sorted(counts), counts)
    handler = _HANDLERS.get(media_type)
    if handler is None:
        raise limits.UnsupportedFormatError("papka cannot sanitise this kind of file.")
    cleaned, removed = handler(data)
    out_type = (media.sniff_media_type(cleaned[: media.SNIFF_BYTES]) if handler is _reencode
                else media_type)
    return Sanitized(cleaned, out_type, removed, dict.fromkeys(removed, 1))
