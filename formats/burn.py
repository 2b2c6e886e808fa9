"""Burning: a plan's boxes painted into fresh pixels, and a new file built from them.

Burning never edits the original: each page is rendered to pixels (pypdfium2, annotations and
form fields drawn) or each image decoded (Pillow, orientation applied), opaque boxes are painted
into the pixels, the pixels are copied into a fresh image with no metadata, and a new file is
built from scratch. Text layers, fonts, glyph positions, annotations, attachments, hidden layers,
revisions and metadata of the original therefore cannot reach the output. See
docs/redaction.md. Pages come from :mod:`.rendering`; planning, the review and verification
live in :mod:`.planner`, :mod:`.preview` and :mod:`.verify`, joined by :mod:`.redaction`.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable

from PIL import Image, ImageChops, ImageDraw

from papka import media
from papka.formats import image, pdf
from papka.formats import ocr as ocr_engine
from papka.formats.plan import Box, PagePlan, RedactionPlan
from papka.formats.redaction import (
    FRAME_DPI,
    TEXT_TYPES,
    Redacted,
    check_plan,
    check_supported,
)
from papka.formats.rendering import as_pdf, pages, pixel_box

__all__ = ["JPEG_QUALITY", "WITHHELD", "burn"]

#: Shown in the text version of a DOCX or e-mail wherever something was withheld.
WITHHELD = "█████"
JPEG_QUALITY = 88


def _paint(picture: Image.Image, boxes: Iterable[Box], scale: float) -> None:
    black = 0 if picture.mode == "L" else (0, 0, 0)
    draw = ImageDraw.Draw(picture)
    for box in boxes:
        if box.corners is not None:
            # A turned box: filled, and its edge drawn two pixels wide so no pixel the shape
            # touches is left out.
            points = [(x * scale, y * scale) for x, y in box.corners]
            draw.polygon(points, fill=black, outline=black, width=2)
            continue
        left, top, right, bottom = pixel_box(box, scale, picture.size)
        if right > left and bottom > top:
            picture.paste(black, (left, top, right, bottom))


def _visible_text(pdf_bytes: bytes, plan: RedactionPlan) -> str:
    """The typeset text with every character under a box replaced by WITHHELD."""
    lines: list[str] = []
    for index, layer in enumerate(pdf.page_texts(pdf_bytes)):
        boxes = plan.pages[index].boxes if index < len(plan.pages) else []
        out: list[str] = []
        hidden = False
        for char in layer.chars:
            covered = False
            if char.box is not None:
                cx = (char.box[0] + char.box[2]) / 2
                cy = (char.box[1] + char.box[3]) / 2
                covered = any(b.x0 <= cx <= b.x1 and b.y0 <= cy <= b.y1 for b in boxes)
            if covered:
                if not hidden:
                    out.append(WITHHELD)
                hidden = True
                continue
            if hidden and char.char.isspace() and char.box is None:
                # A generated space between two covered words stays inside one marker.
                continue
            hidden = False
            out.append(char.char)
        lines.append("".join(out))
    return "\n\f\n".join(lines)


def _encode_page(picture: Image.Image) -> tuple[bytes, bool]:
    """The smaller of JPEG and lossless Flate: Flate wins on typeset text, JPEG on photos."""
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    jpeg = buffer.getvalue()
    flate = zlib.compress(picture.tobytes(), 6)
    return (flate, True) if len(flate) < len(jpeg) else (jpeg, False)


def _gray_if_colourless(picture: Image.Image) -> Image.Image:
    """Pages with no colour are stored as grey: a third of the size, the same pixels."""
    if picture.mode != "RGB":
        return picture
    red, green, blue = picture.split()
    if (ImageChops.difference(red, green).getbbox() is None
            and ImageChops.difference(green, blue).getbbox() is None):
        return red
    return picture


def _sheet(picture: Image.Image, boxes: Iterable[Box], scale: float, size: tuple[float, float],
           dpi: float, ocr_layer: bool) -> pdf.PageImage:
    _paint(picture, boxes, scale)
    clean = image.fresh_copy(_gray_if_colourless(picture))
    encoded, flate = _encode_page(clean)
    text_layer = ocr_engine.text_only_pdf(clean, dpi=round(dpi)) if ocr_layer else None
    return pdf.PageImage(encoded, clean.width, clean.height, size[0], size[1],
                         gray=clean.mode == "L", text_layer=text_layer, flate=flate)


def burn(data: bytes, media_type: str, plan: RedactionPlan, *, dpi: int = 200,
         ocr_layer: bool = False) -> Redacted:
    """Paint the plan's boxes into fresh pixels and build a new file (not yet verified).

    A picture with one page stays a picture; a picture with several pages (a TIFF fax)
    becomes a PDF with every page, so none is lost. Pages the keeper chose to drop
    (:meth:`RedactionPlan.settle_unreadable`) are left out.
    """
    check_supported(media_type)
    check_plan(plan, media_type)
    dropped = plan.dropped_pages()
    sheets: list[pdf.PageImage] = []
    if image.is_supported(media_type):
        if len(plan.pages) == 1 and image.page_count(data) == 1:
            picture = image.load(data)
            _paint(picture, plan.pages[0].boxes, 1.0)
            out_type = image.output_type(media_type)
            return Redacted(image.encode(picture, out_type, quality=92), out_type,
                            plan.summary())
        for index, picture in enumerate(image.pages(data)):
            if index in dropped:
                continue
            boxes = plan.pages[index].boxes if index < len(plan.pages) else []
            size = (picture.width * 72.0 / FRAME_DPI, picture.height * 72.0 / FRAME_DPI)
            sheets.append(_sheet(picture, boxes, 1.0, size, FRAME_DPI, ocr_layer))
        return Redacted(pdf.build_pdf(sheets), media.PDF, plan.summary())
    for index, (picture, _scale) in enumerate(pages(data, media_type, dpi)):
        if index in dropped:
            continue
        boxes = plan.pages[index].boxes if index < len(plan.pages) else []
        sheet = plan.pages[index] if index < len(plan.pages) else PagePlan(
            picture.width * 72.0 / dpi, picture.height * 72.0 / dpi)
        sheets.append(_sheet(picture, boxes, dpi / 72.0, (sheet.width, sheet.height), dpi,
                             ocr_layer))
    text = None
    if media_type in TEXT_TYPES:
        text = _visible_text(as_pdf(data, media_type), plan)
    return Redacted(pdf.build_pdf(sheets), media.PDF, plan.summary(), text)
