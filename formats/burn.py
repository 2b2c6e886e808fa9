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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw, ImageFont

from papka.errors import PapkaError
from papka.formats import docx, email, fonts, image, limits, media, pdf, typeset
from papka.formats import ocr as ocr_engine
from papka.formats.finding import Span, find_spans
from papka.formats.plan import Box, PagePlan, RedactionLog, RedactionPlan, cover_text
from papka.formats.verify import verify, verify_text

#: Resolution at which pages are rendered for text recognition while planning.
PLAN_OCR_DPI = 200
#: Images whose longer side is shorter than this are enlarged for text recognition.
OCR_MIN_SIDE = 1800
#: Shown in the text version of a DOCX or e-mail wherever something was withheld.
WITHHELD = "█████"
JPEG_QUALITY = 88

BoxSpec = Box | tuple[int, float, float, float, float]

_TEXT_TYPES = frozenset({media.DOCX, media.EML, media.TEXT})


class RedactionNotVerified(PapkaError):
    """The redacted copy still carried something it had to hide; it was not kept."""

    exit_code = 1
    default_message = (
        "The redacted copy did not pass verification, so papka did not keep it."
    )
    hint = "Review the boxes with --preview and add boxes where text is still visible."

    def __init__(self, failures: Sequence[str]) -> None:
        channels = ", ".join(sorted(set(failures))) or "unknown"
        super().__init__(
            "The redacted copy did not pass verification "
            f"(found in: {channels}), so papka did not keep it."
        )
        self.failures = list(failures)


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
        plan.add_box(page, left, top, right, bottom, category=span.category,
                     detector=span.detector, source="detected", text=span.text)


def _for_ocr(picture: Image.Image) -> tuple[Image.Image, int]:
    """The picture as Tesseract gets it, and how much it was enlarged."""
    if max(picture.size) < OCR_MIN_SIDE:
        enlarged = picture.resize((picture.width * 2, picture.height * 2),
                                  Image.Resampling.LANCZOS)
        return enlarged, 2
    return picture, 1


def _ocr_spans(plan: RedactionPlan, page: int, recognised: ocr_engine.OcrPage, unit: float, *,
               preset: str | None, hide: Sequence[str], use_ner: bool) -> None:
    """Add boxes for what must be hidden among recognised words.

    unit converts the recognised picture's pixels into the plan's units.
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
                rectangles.append((word.left * unit, top * unit, word.right * unit,
                                   bottom * unit))
        if rectangles:
            plan.add_secret(span.text)
            _add_detected(plan, page, span, rectangles)


def _rendered_for_ocr(pdf_bytes: bytes, factors: list[int]
                      ) -> Iterator[tuple[Image.Image, int]]:
    with pdf.open_document(pdf_bytes) as document:
        for index in range(len(document)):
            page = document[index]
            try:
                picture, factor = _for_ocr(pdf.render_page(page, PLAN_OCR_DPI))
            finally:
                page.close()
            factors.append(factor)
            yield picture, PLAN_OCR_DPI * factor


def _plan_pdf(plan: RedactionPlan, pdf_bytes: bytes, *, preset: str | None,
              hide: Sequence[str], ocr_pages: bool, use_ner: bool) -> None:
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
                for span in find_spans(text, preset=preset, hide=hide, use_ner=use_ner):
                    plan.add_secret(span.text)
                    rectangles = [c.box for c in layer.chars[span.start : span.end]
                                  if c.box is not None and not c.char.isspace()]
                    _add_detected(plan, index, span, rectangles)
            finally:
                page.close()
    if ocr_pages:
        # Pages are rendered one by one and recognised in parallel (one Tesseract per core).
        factors: list[int] = []
        pages = ocr_engine.recognise_many(_rendered_for_ocr(pdf_bytes, factors))
        for index, recognised in enumerate(pages):
            _ocr_spans(plan, index, recognised, 72.0 / (PLAN_OCR_DPI * factors[index]),
                       preset=preset, hide=hide, use_ner=use_ner)


def _add_manual(plan: RedactionPlan, boxes: Iterable[BoxSpec]) -> None:
    for spec in boxes:
        if isinstance(spec, Box):
            plan.add_box(spec.page, spec.x0, spec.y0, spec.x1, spec.y1, category=spec.category,
                         detector=spec.detector, source="manual")
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
        picture = image.load(data)
        plan.pages.append(PagePlan(float(picture.width), float(picture.height)))
        if ocr:
            enlarged, factor = _for_ocr(picture)
            recognised = ocr_engine.recognise(enlarged, dpi=300)
            _ocr_spans(plan, 0, recognised, 1.0 / factor, preset=preset, hide=hide,
                       use_ner=use_ner)
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
    for box in boxes:
        left, top, right, bottom = _pixel_box(box, scale, picture.size)
        if right > left and bottom > top:
            picture.paste(black, (left, top, right, bottom))


def _pages(data: bytes, media_type: str, dpi: float) -> Iterable[tuple[Image.Image, float]]:
    """Each page as pixels, with the factor from plan units to pixels."""
    if image.is_supported(media_type):
        yield image.load(data), 1.0
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
                   dpi: int = 100) -> list[bytes]:
    """PNG pages with every planned box outlined and numbered, for the keeper to review.

    These show the original content: they are for the keeper's eyes and should be written only
    where the keeper asked.
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
            draw.rectangle((left, top, max(left, right - 1), max(top, bottom - 1)),
                           outline=colour, width=width)
            label = str(box.number)
            lx0, ly0, lx1, ly1 = draw.textbbox((0, 0), label, font=font)
            label_top = max(0, top - (ly1 - ly0) - 2 * width)
            draw.rectangle((left, label_top, left + (lx1 - lx0) + 2 * width,
                            label_top + (ly1 - ly0) + 2 * width), fill=colour)
            draw.text((left + width - lx0, label_top + width - ly0), label, font=font,
                      fill=(255, 255, 255))
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


def burn(data: bytes, media_type: str, plan: RedactionPlan, *, dpi: int = 200,
         ocr_layer: bool = False) -> Redacted:
    """Paint the plan's boxes into fresh pixels and build a new file (not yet verified)."""
    _check_type(media_type)
    _check_plan(plan, media_type)
    if image.is_supported(media_type):
        picture = image.load(data)
        _paint(picture, plan.pages[0].boxes, 1.0)
        out_type = image.output_type(media_type)
        return Redacted(image.encode(picture, out_type, quality=92), out_type, plan.summary())
    sheets: list[pdf.PageImage] = []
    for index, (picture, _scale) in enumerate(_pages(data, media_type, dpi)):
        boxes = plan.pages[index].boxes if index < len(plan.pages) else []
        _paint(picture, boxes, dpi / 72.0)
        clean = image.fresh_copy(_gray_if_colourless(picture))
        sheet = plan.pages[index] if index < len(plan.pages) else PagePlan(
            clean.width * 72.0 / dpi, clean.height * 72.0 / dpi)
        encoded, flate = _encode_page(clean)
        text_layer = ocr_engine.text_only_pdf(clean, dpi=dpi) if ocr_layer else None
        sheets.append(pdf.PageImage(encoded, clean.width, clean.height, sheet.width,
                                    sheet.height, gray=clean.mode == "L",
                                    text_layer=text_layer, flate=flate))
    text = None
    if media_type in _TEXT_TYPES:
        text = _visible_text(_as_pdf(data, media_type), plan)
    return Redacted(pdf.build_pdf(sheets), media.PDF, plan.summary(), text)


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
) -> Redacted:
    """Plan (unless a reviewed plan is given), burn and verify.

    Raises RedactionNotVerified rather than return a copy that still carries a secret.
    """
    if plan is None:
        plan = plan_redaction(data, media_type, preset=preset, hide=hide, boxes=boxes, ocr=ocr,
                              use_ner=use_ner)
    else:
        for secret in hide:
            plan.add_secret(secret)
    result = burn(data, media_type, plan, dpi=dpi, ocr_layer=ocr_layer)
    outcome = verify(result.data, result.media_type, plan.secrets, ocr=ocr)
    failures = list(outcome.failures)
    if result.text is not None:
        failures += verify_text(result.text, plan.secrets).failures
    if failures:
        raise RedactionNotVerified(failures)
    return result
