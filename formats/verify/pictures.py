"""Pictures: every metadata field, embedded thumbnails, GPS, bytes after the end, and OCR."""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from PIL import Image, IptcImagePlugin

from papka import media
from papka.formats import limits
from papka.formats import ocr as ocr_engine
from papka.formats.image import jpeg_layout, png_chunks
from papka.formats.verify.pages import read_page
from papka.formats.verify.report import Report


def _metadata_values(value: object, depth: int = 0) -> Iterable[bytes | str]:
    if depth > 6:
        return
    if isinstance(value, bytes | str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _metadata_values(key, depth + 1)
            yield from _metadata_values(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _metadata_values(item, depth + 1)


@dataclass
class ImageFacts:
    texts: list[str] = field(default_factory=list)
    blobs: list[bytes] = field(default_factory=list)
    #: GPS position fields: where the picture was taken (numbers no string search can match).
    gps: bool = False


def image_metadata(data: bytes) -> ImageFacts:
    """Text and bytes from every metadata field Pillow exposes, and what pictures it holds."""
    facts = ImageFacts()
    texts, blobs = facts.texts, facts.blobs
    try:
        picture = Image.open(io.BytesIO(data))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return facts
    with picture:
        values: list[object] = [picture.info, getattr(picture, "applist", [])]
        # A PNG's text chunks after the image data are only reached by decoding it; a broken
        # stream ends that here (its raw chunks are still read on their own, below).
        with contextlib.suppress(OSError, ValueError, SyntaxError, zlib.error):
            values.append(getattr(picture, "text", {}) if picture.format == "PNG" else {})
        try:
            exif = picture.getexif()
            values.append(dict(exif))
            for ifd in (0x8769, 0x8825, 0xA005, 0x927C):
                try:
                    fields = dict(exif.get_ifd(ifd))
                except (KeyError, ValueError, TypeError, SyntaxError):
                    continue
                values.append(fields)
                if ifd == 0x8825 and any(tag in fields for tag in (2, 4, 0x1B, 0x1D)):
                    facts.gps = True
            if 0x8825 in exif and not isinstance(exif.get(0x8825), int | type(None)):
                facts.gps = True
        except (OSError, ValueError, SyntaxError, TypeError):
            pass
        with contextlib.suppress(OSError, ValueError, SyntaxError, TypeError, IndexError):
            values.append(IptcImagePlugin.getiptcinfo(picture) or {})
    for value in _metadata_values(values):
        if isinstance(value, bytes):
            blobs.append(value)
            for encoding in ("utf-8", "utf-16-le", "utf-16-be", "cp1251"):
                texts.append(value.decode(encoding, errors="ignore"))
        else:
            texts.append(value)
    return facts


def embedded_jpeg(data: bytes) -> bool:
    """A second JPEG inside a JPEG's metadata segments (EXIF or vendor thumbnails, MPF).

    Such a picture may show what was painted over, so its presence alone fails verification.
    """
    try:
        layout = jpeg_layout(data)
    except limits.HostileInputError:
        return data.find(b"\xff\xd8\xff", 3) >= 0
    return any(0xE0 <= s.marker <= 0xEF and b"\xff\xd8\xff" in s.payload for s in layout.segments)


def _trailing(data: bytes, media_type: str) -> bool:
    """Bytes after the end of the picture (where appended files and old versions hide)."""
    try:
        if media_type == media.JPEG:
            end = jpeg_layout(data).end
        elif media_type == media.PNG:
            end = png_chunks(data)[1]
        else:
            return False
    except limits.HostileInputError:
        return True
    return end is None or bool(data[end:].strip(b"\x00"))


def verify_image(report: Report, data: bytes, media_type: str, ocr: bool,
                 expect: Sequence[int] = ()) -> None:
    report.bytes("image-bytes", [data])
    facts = image_metadata(data)
    report.text("image-metadata", facts.texts)
    report.bytes("image-metadata", facts.blobs)
    if facts.gps:
        report.fail("image-gps")
    if media_type == media.PNG:
        try:
            chunks, _ = png_chunks(data)
        except limits.HostileInputError:
            chunks = []
        for chunk in chunks:
            if chunk.kind in (b"zTXt", b"iTXt", b"iCCP"):
                report.bytes("image-metadata", _inflate_all(chunk.data))
    if media_type == media.JPEG and embedded_jpeg(data):
        report.fail("image-thumbnail")
    if _trailing(data, media_type):
        report.fail("image-trailing-data")
    if ocr:
        from papka.formats.image import pages

        report.pages("image-ocr", ocr_engine.side_by_side(
            lambda picture, index: read_page(
                picture, 300, 1.0, expect[index] if index < len(expect) else 0),
            ((picture, index) for index, picture in enumerate(pages(data))), None), expect)


def _inflate_all(data: bytes) -> list[bytes]:
    out = []
    for start in range(min(len(data), 96)):
        if data[start : start + 1] in (b"\x78", b"\x58", b"\x68", b"\x48", b"\x38", b"\x28"):
            try:
                out.append(zlib.decompressobj().decompress(data[start:], limits.MAX_PART_BYTES))
            except zlib.error:
                continue
    return out
