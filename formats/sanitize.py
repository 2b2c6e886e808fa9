"""Strip metadata without changing what a document shows (for "lawyer" exports of originals).

Unlike burning, sanitising keeps the original content, so it cannot remove anything hidden in
the content itself (text under a black box, invisible text, tracked changes); see
docs/redaction.md for exactly what each step removes and what it leaves.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pikepdf
from PIL import Image

from papka.formats import docx, email, image, limits, media
from papka.formats.pdf import check_pdf


@dataclass(frozen=True)
class Sanitized:
    data: bytes = field(repr=False)
    media_type: str
    #: What was removed, by kind ("document information", "XMP metadata", ...), never values.
    removed: list[str]


# --- PDF -----------------------------------------------------------------------------------


def _is_javascript(action: object) -> bool:
    return isinstance(action, pikepdf.Dictionary) and action.get("/S") == pikepdf.Name.JavaScript


def sanitize_pdf(data: bytes) -> tuple[bytes, list[str]]:
    """Remove DocInfo, XMP, JavaScript, attachments, thumbnails, piece info and old revisions."""
    check_pdf(data)
    removed: set[str] = set()
    try:
        with pikepdf.open(io.BytesIO(data)) as document:
            root = document.Root
            if "/Info" in document.trailer:
                del document.trailer["/Info"]
                removed.add("document information")
            for key, label in (("/Metadata", "XMP metadata"), ("/PieceInfo", "piece info"),
                               ("/AA", "JavaScript"), ("/SpiderInfo", "web capture info")):
                if key in root:
                    del root[key]
                    removed.add(label)
            if "/OpenAction" in root and _is_javascript(root.OpenAction):
                del root["/OpenAction"]
                removed.add("JavaScript")
            names = root.get("/Names")
            if isinstance(names, pikepdf.Dictionary):
                for key, label in (("/JavaScript", "JavaScript"),
                                   ("/EmbeddedFiles", "attachments")):
                    if key in names:
                        del names[key]
                        removed.add(label)
            if "/Collection" in root:
                del root["/Collection"]
                removed.add("attachments")
            for page in document.pages:
                for key, label in (("/Thumb", "thumbnails"), ("/AA", "JavaScript"),
                                   ("/PieceInfo", "piece info"), ("/Metadata", "XMP metadata")):
                    if key in page.obj:
                        del page.obj[key]
                        removed.add(label)
                annotations = page.obj.get("/Annots")
                if isinstance(annotations, pikepdf.Array):
                    kept = pikepdf.Array()
                    for annotation in annotations:
                        if annotation.get("/Subtype") == pikepdf.Name.FileAttachment:
                            removed.add("attachments")
                            continue
                        if _is_javascript(annotation.get("/A")):
                            del annotation["/A"]
                            removed.add("JavaScript")
                        if "/AA" in annotation:
                            del annotation["/AA"]
                            removed.add("JavaScript")
                        kept.append(annotation)
                    page.obj["/Annots"] = kept
            for obj in document.objects:
                if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    continue
                if "/Metadata" in obj:
                    del obj["/Metadata"]
                    removed.add("XMP metadata")
                if "/AF" in obj:
                    # PDF 2.0 associated files: attachments hung on any object.
                    del obj["/AF"]
                    removed.add("attachments")
            if "/AF" in root:
                del root["/AF"]
                removed.add("attachments")
            if data.count(b"%%EOF") > 1:
                removed.add("earlier revisions")
            buffer = io.BytesIO()
            # A full rewrite keeps only reachable objects of the current revision.
            document.save(buffer, deterministic_id=True, compress_streams=True,
                          object_stream_mode=pikepdf.ObjectStreamMode.generate)
    except pikepdf.PasswordError as error:
        raise limits.EncryptedPdfError() from error
    except pikepdf.PdfError as error:
        raise limits.DamagedPdfError() from error
    return buffer.getvalue(), sorted(removed)


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
    picture = image.load(data)
    return image.encode(picture, media.PNG), ["all metadata (converted to PNG)"]


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
    handler = _HANDLERS.get(media_type)
    if handler is None:
        raise limits.UnsupportedFormatError("papka cannot sanitise this kind of file.")
    cleaned, removed = handler(data)
    out_type = media.PNG if handler is _reencode else media_type
    return Sanitized(cleaned, out_type, removed)
