"""Plan, preview, burn, and the whole verified redaction.

Burning never edits the original: each page is rendered to pixels (pypdfium2, annotations and
form fields drawn) or each image decoded (Pillow, orientation applied), opaque boxes are painted
into the pixels, the pixels are copied into a fresh image with no metadata, and a new file is
built from scratch. Text layers, fonts, glyph positions, annotations, attachments, hidden layers,
revisions and metadata of the original therefore cannot reach the output. See
docs/redaction.md.
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw, ImageFont

from papka import media
from papka.errors import UsageError
from papka.formats import docx, email, fonts, image, limits, pdf, typeset, views
from papka.formats import ocr as ocr_engine
from papka.formats.finding import Span, find_spans
from papka.formats.plan import (
    Box,
    PagePlan,
    RedactionLog,
    RedactionPlan,
    UnreadableChoice,
    cover_text,
)
from papka.formats.verify import Leak, verify, verify_text

#: Resolution at which pages are rendered for text recognition while planning.
PLAN_OCR_DPI = 200
#: Pages of a multi-page image (a TIFF fax) become PDF pages at this many pixels per inch.
FRAME_DPI = 200
#: Shown in the text version of a DOCX or e-mail wherever something was withheld.
WITHHELD = "█████"
JPEG_QUALITY = 88

BoxSpec = Box | tuple[int, float, float, float, float]
ToPlan = Callable[[float, float, float, float], tuple[float, float, float, float]]

_TEXT_TYPES = frozenset({media.DOCX, media.EML, media.TEXT})


@dataclass(frozen=True)
class Leftover:
    """Where verification still found something it had to hide, for the keeper to box.

    page counts from 0; box is in the plan's units (points for PDF pages, pixels for a
    picture), already padded, or None where the channel has no place (metadata, bytes).
    """

    page: int | None
    category: str
    channel: str
    box: tuple[float, float, float, float] | None


class RedactionNotVerified(UsageError):
    """The redacted copy still carried something it had to hide; it was not kept."""

    exit_code = 1
    default_message = (
        "The redacted copy did not pass verification, so papka did not keep it."
    )
    hint = "Review the boxes with --preview and add boxes where text is still visible."

    def __init__(self, failures: Sequence[str], leftovers: Sequence[Leftover] = ()) -> None:
        channels = ", ".join(sorted(set(failures))) or "unknown"
        pages = sorted({leftover.page + 1 for leftover in leftovers if leftover.page is not None})
        where = f" on page {', '.join(map(str, pages))}" if pages else ""
        super().__init__(
            "The redacted copy did not pass verification "
            f"(found{where} in: {channels}), so papka did not keep it."
        )
        self.failures = list(failures)
        self.leftovers = list(leftovers)


class UnreadablePages(UsageError):
    """papka could not read some pages, so it cannot say what they show; nothing was kept."""

    default_message = "papka could not read a page with confidence, so it kept no copy."
    hint = ("Look at the page yourself, then choose what to do with it: --unreadable box "
            "(black out the whole page), drop (leave it out) or accept (keep it as it is).")

    def __init__(self, pages: Sequence[int]) -> None:
        numbers = ", ".join(str(page + 1) for page in pages)
        super().__init__(f"papka could not read page {numbers} with confidence, so it kept "
                         "no copy.")
        self.pages = list(pages)


@dataclass(frozen=True)
class Redacted:
    data: bytes = field(repr=False)
    media_type: str
    log: RedactionLog
    #: For DOCX and e-mail: the visible text with every withheld part replaced by WITHHELD.
    text: str | None = field(default=None, repr=False)


def supported(media_type: str) -> bool:
    return media_type == media.PDF or image.is_supported(media_type) or media_type in _TEXT_TYPES


def _as_pdf(data: bytes, media_type: str) -> bytes:
    """The PDF that stands for the document's pages (DOCX and e-mail are typeset first)."""
    if media_type == media.PDF:
        return data
    if media_type == media.DOCX:
        return typeset.typeset(docx.visible_blocks(data))
    if media_type == media.EML:
        return typeset.typeset(email.visible_blocks(data))
    if media_type == media.TEXT:
        limits.check_input_size(data)
        text = data.decode("utf-8", errors="replace")
        return typeset.typeset([typeset.Block(p) for p in text.split("\n\n")])
    raise limits.UnsupportedFormatError()


def _check_type(media_type: str) -> None:
    image.check_supported(media_type)
    if not supported(media_type):
        raise limits.UnsupportedFormatError()


# --- planning ------------------------------------------------------------------------------


def _line_groups(boxes: list[tuple[float, float, float, float]]
                 ) -> list[tuple[float, float, float, float]]:
    """Join character or word boxes into one rectangle per line of text."""
    groups: list[list[float]] = []
    for x0, y0, x1, y1 in boxes:
        if groups:
            last = groups[-1]
            height = max(last[3] - last[1], y1 - y0)
            if abs((y0 + y1) / 2 - (last[1] + last[3]) / 2) < 0.5 * height:
                last[:] = [min(last[0], x0), min(last[1], y0), max(last[2], x1),
                           max(last[3], y1)]
                continue
        groups.append([x0, y0, x1, y1])
    return [(g[0], g[1], g[2], g[3]) for g in groups]


def _runs_vertically(boxes: list[tuple[float, float, float, float]]) -> bool:
    """Text on a page turned by 90° or 270° runs down or up the page as displayed."""
    if len(boxes) < 2:
        return False
    first, last = boxes[0], boxes[-1]
    dx = abs((last[0] + last[2]) - (first[0] + first[2])) / 2
    dy = abs((last[1] + last[3]) - (first[1] + first[3])) / 2
    return dy > 2 * dx


def _add_detected(plan: RedactionPlan, page: int, span: Span,
                  rectangles: list[tuple[float, float, float, float]]) -> None:
    sheet = plan.pages[page]
    vertical = _runs_vertically(rectangles)
    if vertical:
        # Work in transposed coordinates so lines, padding and the width grid apply unchanged.
        rectangles = [(y0, x0, y1, x1) for x0, y0, x1, y1 in rectangles]
    width, height = (sheet.height, sheet.width) if vertical else (sheet.width, sheet.height)
    for x0, y0, x1, y1 in _line_groups(rectangles):
        covered = cover_text(x0, y0, x1, y1, line_height=y1 - y0, page_width=width,
                             page_height=height)
        left, top, right, bottom = covered
        if vertical:
            left, top, right, bottom = top, left, bottom, right
        if right <= 0 or bottom <= 0 or left >= sheet.width or top >= sheet.height:
            continue  # off the page: nothing to paint, and burning drops it anyway
        if right - left <= 0 or bottom - top <= 0:
            continue
        if _contained(plan, page, (left, top, right, bottom)):
            continue
        plan.add_box(page, left, top, right, bottom, category=span.category,
                     detector=span.detector, source="detected", text=span.text)


def _contained(plan: RedactionPlan, page: int, box: tuple[float, float, float, float]) -> bool:
    """Another view already found this: an existing detected rectangle holds it (a turned
    box does not count: its surrounding rectangle holds more than it paints)."""
    x0, y0, x1, y1 = box
    return any(b.source == "detected" and b.corners is None and b.x0 <= x0 + 0.5
               and b.y0 <= y0 + 0.5 and b.x1 >= x1 - 0.5 and b.y1 >= y1 - 0.5
               for b in plan.pages[page].boxes)


def _add_turned(plan: RedactionPlan, page: int, span: Span,
                rectangles: list[tuple[float, float, float, float]], view: views.View,
                unit: float) -> None:
    """Boxes for text read on a straightened view: lines, padding and the width grid are
    worked out in the view, where the text is level, and the box is turned back with it."""
    width, height = view.picture.size
    for x0, y0, x1, y1 in _line_groups(rectangles):
        left, top, right, bottom = cover_text(x0, y0, x1, y1, line_height=y1 - y0,
                                              page_width=width, page_height=height)
        corners = [(x * unit, y * unit)
                   for x, y in view.corners_to_page(left, top, right, bottom)]
        xs = [x for x, _ in corners]
        ys = [y for _, y in corners]
        sheet = plan.pages[page]
        box = (max(0.0, min(xs)), max(0.0, min(ys)), min(sheet.width, max(xs)),
               min(sheet.height, max(ys)))
        if box[2] <= box[0] or box[3] <= box[1] or _contained(plan, page, box):
            continue
        plan.add_box(page, *box, category=span.category, detector=span.detector,
                     source="detected", text=span.text, corners=corners)


def _ocr_spans(plan: RedactionPlan, page: int, recognised: ocr_engine.OcrPage,
               to_plan: ToPlan, *, preset: str | None, hide: Sequence[str],
               use_ner: bool, turned: tuple[views.View, float] | None = None) -> None:
    """Add boxes for what must be hidden among recognised words.

    to_plan maps a rectangle in the recognised picture's pixels to the plan's units (through
    the view's turn and straightening, back to the page as displayed). turned: the
    straightened view and the unit, when boxes should lie turned like the text.
    """
    text_parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    previous = None
    position = 0
    for word in recognised.words:
        if previous is not None:
            separator = "\n" if word.line != previous else " "
            text_parts.append(separator)
            position += 1
        offsets.append((position, position + len(word.text)))
        text_parts.append(word.text)
        position += len(word.text)
        previous = word.line
    text = "".join(text_parts)
    for span in find_spans(text, preset=preset, hide=hide, use_ner=use_ner):
        rectangles = []
        for word, (start, end) in zip(recognised.words, offsets, strict=True):
            if start < span.end and end > span.start:
                line = recognised.lines.get(word.line)
                top, bottom = word.top, word.bottom
                if line is not None:
                    top, bottom = min(top, line.top), max(bottom, line.top + line.height)
                rectangles.append((float(word.left), float(top), float(word.right),
                                   float(bottom)))
        if not rectangles:
            continue
        plan.add_secret(span.text, span.category)
        if turned is not None:
            _add_turned(plan, page, span, rectangles, *turned)
        else:
            _add_detected(plan, page, span, [to_plan(*r) for r in rectangles])


def _view_to_plan(view: views.View, unit: float) -> ToPlan:
    def mapped(x0: float, y0: float, x1: float, y1: float
               ) -> tuple[float, float, float, float]:
        left, top, right, bottom = view.to_page(x0, y0, x1, y1)
        return left * unit, top * unit, right * unit, bottom * unit

    return mapped


def _read_pictures(plan: RedactionPlan, pictures: Iterable[tuple[Image.Image, int]],
                   unit: float, *, preset: str | None, hide: Sequence[str],
                   use_ner: bool) -> list[views.PageReading]:
    """Read every page in the views it needs (in parallel, one Tesseract per core) and box
    what must be hidden; unit converts page pixels to plan units."""
    readouts = ocr_engine.side_by_side(lambda picture, index: views.read_page(picture, index),
                                       pictures, None)
    for index, readout in enumerate(readouts):
        for view, recognised in readout.readings:
            _ocr_spans(plan, index, recognised, _view_to_plan(view, unit), preset=preset,
                       hide=hide, use_ner=use_ner,
                       turned=(view, unit) if view.tilted else None)
    return [readout.reading for readout in readouts]


def _rendered_pages(pdf_bytes: bytes) -> Iterator[tuple[Image.Image, int]]:
    with pdf.open_document(pdf_bytes) as document:
        for index in range(len(document)):
            page = document[index]
            try:
                picture = pdf.render_page(page, PLAN_OCR_DPI)
            finally:
                page.close()
            yield picture, index


def _plan_pdf(plan: RedactionPlan, pdf_bytes: bytes, *, preset: str | None,
              hide: Sequence[str], ocr_pages: bool, use_ner: bool) -> None:
    letters: list[int] = []
    with pdf.open_document(pdf_bytes) as document:
        for index in range(len(document)):
            try:
                page = document[index]
            except pdfium.PdfiumError:
                raise limits.DamagedPdfError() from None
            try:
                layer = pdf.page_text(page)
                plan.pages.append(PagePlan(layer.width, layer.height))
                text = layer.text
                letters.append(sum(ch.isalnum() for ch in text))
                for span in find_spans(text, preset=preset, hide=hide, use_ner=use_ner):
                    plan.add_secret(span.text, span.category)
                    rectangles = [c.box for c in layer.chars[span.start : span.end]
                                  if c.box is not None and not c.char.isspace()]
                    _add_detected(plan, index, span, rectangles)
            finally:
                page.close()
    if ocr_pages:
        readings = _read_pictures(plan, _rendered_pages(pdf_bytes), 72.0 / PLAN_OCR_DPI,
                                  preset=preset, hide=hide, use_ner=use_ner)
        plan.readings = [views.merge_text_layer(reading, letters[reading.page])
                         for reading in readings]
    else:
        # Without OCR only the text layer is read: a page without one was not read at all.
        plan.readings = [views.PageReading(index, "text-layer" if count >= 20 else "not-read")
                         for index, count in enumerate(letters)]


def _add_manual(plan: RedactionPlan, boxes: Iterable[BoxSpec]) -> None:
    for spec in boxes:
        if isinstance(spec, Box):
            plan.add_box(spec.page, spec.x0, spec.y0, spec.x1, spec.y1, category=spec.category,
                         detector=spec.detector, source="manual", corners=spec.corners)
        else:
            page, x0, y0, x1, y1 = spec
            plan.add_box(int(page), float(x0), float(y0), float(x1), float(y1))


def plan_redaction(
    data: bytes,
    media_type: str,
    *,
    preset: str | None = "ru-personal",
    hide: Sequence[str] = (),
    boxes: Iterable[BoxSpec] = (),
    ocr: bool = True,
    use_ner: bool = True,
) -> RedactionPlan:
    """Find what to hide and return the boxes for the keeper to review.

    preset None runs no detectors: only the keeper's strings (hide) and boxes are used.
    ocr: also recognise text in page pictures (scans, photos), with Tesseract.
    """
    _check_type(media_type)
    hide = [h for h in (s.strip() for s in hide) if h]
    plan = RedactionPlan(media_type, [])
    for secret in hide:
        plan.add_secret(secret)
    if image.is_supported(media_type):
        sizes: list[tuple[int, int]] = []

        def frames() -> Iterator[tuple[Image.Image, int]]:
            for index, picture in enumerate(image.pages(data)):
                sizes.append(picture.size)
                plan.pages.append(PagePlan(float(picture.width), float(picture.height)))
                yield picture, index

        if ocr:
            plan.readings = _read_pictures(plan, frames(), 1.0, preset=preset, hide=hide,
                                           use_ner=use_ner)
        else:
            for _picture, index in frames():
                plan.readings.append(views.not_read(index))
    else:
        _plan_pdf(plan, _as_pdf(data, media_type), preset=preset, hide=hide,
                  ocr_pages=ocr and media_type == media.PDF, use_ner=use_ner)
    _add_manual(plan, boxes)
    return plan


# --- pixels --------------------------------------------------------------------------------


def _pixel_box(box: Box, scale: float, size: tuple[int, int]) -> tuple[int, int, int, int]:
    # Round outwards: a box never shrinks by a pixel.
    return (
        max(0, math.floor(box.x0 * scale)),
        max(0, math.floor(box.y0 * scale)),
        min(size[0], math.ceil(box.x1 * scale)),
        min(size[1], math.ceil(box.y1 * scale)),
    )


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
        left, top, right, bottom = _pixel_box(box, scale, picture.size)
        if right > left and bottom > top:
            picture.paste(black, (left, top, right, bottom))


def _pages(data: bytes, media_type: str, dpi: float) -> Iterable[tuple[Image.Image, float]]:
    """Each page as pixels, with the factor from plan units to pixels."""
    if image.is_supported(media_type):
        for picture in image.pages(data):
            yield picture, 1.0
        return
    with pdf.open_document(_as_pdf(data, media_type)) as document:
        for index in range(len(document)):
            page = document[index]
            try:
                yield pdf.render_page(page, dpi), dpi / 72.0
            finally:
                page.close()


def _check_plan(plan: RedactionPlan, media_type: str) -> None:
    if plan.media_type != media_type:
        raise limits.UnsupportedFormatError("This plan was made for a different kind of file.")


def render_preview(data: bytes, media_type: str, plan: RedactionPlan, *,
                   dpi: int = 100, leftovers: Sequence[Leftover] = ()) -> list[bytes]:
    """PNG pages with every planned box outlined and numbered, for the keeper to review.

    leftovers (from a RedactionNotVerified) are outlined in orange and marked "!": what
    verification still read after burning. These show the original content: they are for the
    keeper's eyes and should be written only where the keeper asked.
    """
    _check_type(media_type)
    _check_plan(plan, media_type)
    output: list[bytes] = []
    for index, (picture, scale) in enumerate(_pages(data, media_type, dpi)):
        if image.is_supported(media_type):
            # Images have no dpi: show them at most 1600 pixels wide or tall.
            shrink = min(1.0, 1600 / max(picture.size))
            if shrink < 1.0:
                picture = picture.resize((round(picture.width * shrink),
                                          round(picture.height * shrink)))
                scale *= shrink
        canvas = image.fresh_copy(picture).convert("RGB")
        draw = ImageDraw.Draw(canvas)
        size = max(12, round(canvas.height / 70))
        font = ImageFont.truetype(str(fonts.REGULAR), size)
        width = max(2, round(size / 6))
        for box in plan.pages[index].boxes if index < len(plan.pages) else []:
            left, top, right, bottom = _pixel_box(box, scale, canvas.size)
            colour = (220, 0, 0) if box.source == "detected" else (0, 90, 220)
            if box.corners is not None:
                draw.polygon([(x * scale, y * scale) for x, y in box.corners],
                             outline=colour, width=width)
            else:
                draw.rectangle((left, top, max(left, right - 1), max(top, bottom - 1)),
                               outline=colour, width=width)
            label = str(box.number)
            lx0, ly0, lx1, ly1 = draw.textbbox((0, 0), label, font=font)
            label_top = max(0, top - (ly1 - ly0) - 2 * width)
            draw.rectangle((left, label_top, left + (lx1 - lx0) + 2 * width,
                            label_top + (ly1 - ly0) + 2 * width), fill=colour)
            draw.text((left + width - lx0, label_top + width - ly0), label, font=font,
                      fill=(255, 255, 255))
        for leftover in leftovers:
            if leftover.page != index or leftover.box is None:
                continue
            x0, y0, x1, y1 = leftover.box
            marked = Box(index, x0, y0, x1, y1)
            left, top, right, bottom = _pixel_box(marked, scale, canvas.size)
            draw.rectangle((left, top, max(left, right - 1), max(top, bottom - 1)),
                           outline=(255, 140, 0), width=2 * width)
            draw.text((max(0, left - size), top), "!", font=font, fill=(255, 140, 0))
        buffer = io.BytesIO()
        canvas.save(buffer, format="PNG", compress_level=3)
        output.append(buffer.getvalue())
    return output


def _visible_text(pdf_bytes: bytes, plan: RedactionPlan) -> str:
    """The typeset text with every character under a box replaced by WITHHELD."""
    lines: list[str] = []
    with pdf.open_document(pdf_bytes) as document:
        for index in range(len(document)):
            try:
                page = document[index]
            except pdfium.PdfiumError:
                raise limits.DamagedPdfError() from None
            try:
                layer = pdf.page_text(page)
            finally:
                page.close()
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
    _check_type(media_type)
    _check_plan(plan, media_type)
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
    for index, (picture, _scale) in enumerate(_pages(data, media_type, dpi)):
        if index in dropped:
            continue
        boxes = plan.pages[index].boxes if index < len(plan.pages) else []
        sheet = plan.pages[index] if index < len(plan.pages) else PagePlan(
            picture.width * 72.0 / dpi, picture.height * 72.0 / dpi)
        sheets.append(_sheet(picture, boxes, dpi / 72.0, (sheet.width, sheet.height), dpi,
                             ocr_layer))
    text = None
    if media_type in _TEXT_TYPES:
        text = _visible_text(_as_pdf(data, media_type), plan)
    return Redacted(pdf.build_pdf(sheets), media.PDF, plan.summary(), text)


def _kept_pages(plan: RedactionPlan) -> list[int]:
    """Page numbers of the original, in the order they appear in the copy."""
    dropped = plan.dropped_pages()
    return [index for index in range(len(plan.pages)) if index not in dropped]


def _leftovers(plan: RedactionPlan, media_type: str, out_type: str,
               leaks: Sequence[Leak]) -> list[Leftover]:
    """Verification's findings in the original's pages and the plan's units, padded."""
    kept = _kept_pages(plan)
    found: list[Leftover] = []
    for leak in leaks:
        category = plan.secret_categories.get(plan.secrets[leak.secret], "custom") if (
            0 <= leak.secret < len(plan.secrets)) else "custom"
        page = kept[leak.page] if leak.page is not None and leak.page < len(kept) else None
        box = None
        if leak.box is not None and page is not None:
            x0, y0, x1, y1 = leak.box
            # The copy's units: points when a picture became a PDF, else the plan's own.
            factor = FRAME_DPI / 72.0 if image.is_supported(media_type) and out_type == media.PDF \
                else 1.0
            x0, y0, x1, y1 = x0 * factor, y0 * factor, x1 * factor, y1 * factor
            sheet = plan.pages[page]
            pad = 0.25 * max(1.0, y1 - y0, x1 - x0 if (y1 - y0) > (x1 - x0) else 0.0)
            box = (max(0.0, x0 - pad), max(0.0, y0 - pad), min(sheet.width, x1 + pad),
                   min(sheet.height, y1 + pad))
        found.append(Leftover(page, category, leak.channel, box))
    return found


def redact(
    data: bytes,
    media_type: str,
    *,
    preset: str | None = "ru-personal",
    hide: Sequence[str] = (),
    boxes: Iterable[BoxSpec] = (),
    ocr: bool = True,
    ocr_layer: bool = False,
    dpi: int = 200,
    use_ner: bool = True,
    plan: RedactionPlan | None = None,
    unreadable: UnreadableChoice | None = None,
) -> Redacted:
    """Plan (unless a reviewed plan is given), burn and verify.

    Raises UnreadablePages when a page could not be read and no choice was made for it
    (unreadable, or plan.settle_unreadable), and RedactionNotVerified rather than return a
    copy that still carries a secret.
    """
    if plan is None:
        plan = plan_redaction(data, media_type, preset=preset, hide=hide, boxes=boxes, ocr=ocr,
                              use_ner=use_ner)
    else:
        for secret in hide:
            plan.add_secret(secret)
    if unreadable is not None:
        plan.settle_unreadable(unreadable)
    pending = plan.unsettled_pages()
    if pending:
        raise UnreadablePages(pending)
    result = burn(data, media_type, plan, dpi=dpi, ocr_layer=ocr_layer)
    outcome = verify(result.data, result.media_type, plan.secrets, ocr=ocr)
    failures = list(outcome.failures)
    if result.text is not None:
        failures += verify_text(result.text, plan.secrets).failures
    if failures:
        raise RedactionNotVerified(
            failures, _leftovers(plan, media_type, result.media_type, outcome.leaks))
    return result
