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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw

from papka import media
from papka.formats import image, mixed_page, pdf
from papka.formats import ocr as ocr_engine
from papka.formats.plan import Box, PagePlan, RedactionPlan
from papka.formats.rank_filters import min_filter
from papka.formats.redaction import (
    FRAME_DPI,
    TEXT_TYPES,
    Redacted,
    check_plan,
    check_supported,
)
from papka.formats.rendering import as_pdf, pages, pixel_box

__all__ = ["JPEG_QUALITY", "WITHHELD", "EncodedPage", "bilevel_loss", "burn", "burned_page",
           "encode_page", "visible_text"]

#: Shown in the text version of a DOCX or e-mail wherever something was withheld.
WITHHELD = "█████"


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


def visible_text(pdf_bytes: bytes, plan: RedactionPlan) -> str:
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


#: JPEG quality of pages and pictures stored as photographs: at 85 Tesseract reads the same
#: words as at 88, and phone photos take about a quarter fewer bytes than at 92
#: (docs/redaction.md, "Size of the burned copy").
JPEG_QUALITY = 85
#: A pixel is "in colour" when its channels differ by more than this many levels (scanner and
#: JPEG noise stay below it) ...
COLOUR_LEVELS = 48
#: ... and a page keeps its colour when more than this share of its pixels are (a blue stamp,
#: a red signature, a photo); otherwise it is stored as grey or black and white.
COLOUR_SHARE = 0.002
#: The squares, in pixels, in which thresholding a page to black and white is judged ...
BILEVEL_SQUARE = 32
#: ... by the mean distance, in grey levels, by which their pixels lie between the page's mean
#: ink and mean paper tones (towards the middle from the one they are turned into).
BILEVEL_TONE_LOSS = 24
#: A page is stored in black and white (Group 4) only when no more than this share of its
#: squares lose more than BILEVEL_TONE_LOSS: text and lines lose only their smoothed edges;
#: a photo, a shaded background or a faint stamp loses its tones and keeps JPEG.
BILEVEL_LOST_SHARE = 0.002
#: Ink and paper must differ by at least this many grey levels for a page to be black on white.
BILEVEL_CONTRAST = 96
#: Marks this many levels darker than the paper that thresholding would turn white, away from
#: any ink it keeps (light grey text, a faint stamp), lose their square when they cover more
#: than FAINT_SHARE of it. Lighter tints (a table's shading) become paper.
FAINT_LEVELS = 48
FAINT_SHARE = 0.06
_CELL = 4
_NEAR_BLACK = 16


def _threshold(histogram: list[int]) -> int:
    """Otsu's threshold: the grey level that best splits the page into ink and paper."""
    total = sum(histogram)
    weighted = sum(level * count for level, count in enumerate(histogram))
    best, best_level = -1.0, 127
    below = below_weighted = 0
    for level in range(255):
        below += histogram[level]
        below_weighted += level * histogram[level]
        above = total - below
        if below == 0 or above == 0:
            continue
        mean_below = below_weighted / below
        mean_above = (weighted - below_weighted) / above
        spread = below * above * (mean_below - mean_above) ** 2
        if spread > best:
            best, best_level = spread, level
    return best_level


def _mean(histogram: list[int], levels: range) -> float:
    count = sum(histogram[level] for level in levels)
    return sum(level * histogram[level] for level in levels) / count if count else 0.0


def _bilevel(black_and_white: Image.Image) -> Image.Image:
    """A grey picture holding only 0 and 255 as mode "1". Without dithering: with no level
    in between there is no error to spread, so the pixels are the same, in a tenth of the
    time (Pillow dithers by default)."""
    return black_and_white.convert("1", dither=Image.Dither.NONE)


def bilevel_loss(gray: Image.Image) -> tuple[Image.Image, float] | None:
    """The page in black and white, and the share of its squares that this loses.

    None when the page has no ink and paper tones far enough apart to be black on white.
    The loss is measured from the page's own mean ink and mean paper tones, so grey paper and
    grey ink count as paper and ink, not as loss; only the tones between them are lost.
    """
    histogram = gray.histogram()
    level = _threshold(histogram)
    used = [tone for tone, count in enumerate(histogram) if count]
    darkest, lightest = (used[0], used[-1]) if used else (255, 255)
    if darkest > level or lightest <= level:
        # One tone only (a blank page, a page blacked out whole): black and white if it is
        # black or white already, else a grey that thresholding would lose.
        if lightest <= _NEAR_BLACK or darkest >= 255 - _NEAR_BLACK:
            return _bilevel(gray.point([0 if v <= level else 255 for v in range(256)])), 0.0
        return None
    ink, paper = _mean(histogram, range(level + 1)), _mean(histogram, range(level + 1, 256))
    if paper - ink < BILEVEL_CONTRAST:
        return None
    # How far each pixel lies towards the middle from the ink or paper tone it becomes: ink
    # darker than the page's mean ink (a painted box) and paper lighter than its mean lose
    # nothing by turning black or white.
    tone = gray.point([min(255, round(max(0.0, v - ink) if v <= level else max(0.0, paper - v)))
                       for v in range(256)]).reduce(BILEVEL_SQUARE)
    black = gray.point([0 if v <= level else 255 for v in range(256)])
    # Faint marks: darker than the paper, turned white, and not the smoothed edge of kept ink
    # (judged in 4-pixel cells, a cell next to one with ink counting as edge: a pixel filter
    # at full size would cost more than the rest of the page's encoding).
    faint_line = paper - FAINT_LEVELS
    far_from_ink = min_filter(black.reduce(_CELL), 3).point(
        [255 if v == 255 else 0 for v in range(256)])
    faint = ImageChops.darker(
        gray.point([255 if level < v < faint_line else 0 for v in range(256)]).reduce(_CELL),
        far_from_ink)
    lost_squares = ImageChops.lighter(
        tone.point([255 if v > BILEVEL_TONE_LOSS else 0 for v in range(256)]),
        faint.reduce(BILEVEL_SQUARE // _CELL).point(
            [255 if v > 255 * FAINT_SHARE else 0 for v in range(256)]))
    lost = lost_squares.histogram()[255] / max(1, tone.width * tone.height)
    return _bilevel(black), lost


def _colour_share(picture: Image.Image) -> float:
    red, green, blue = picture.split()
    high = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    low = ImageChops.darker(ImageChops.darker(red, green), blue)
    counts = ImageChops.subtract(high, low).histogram()
    return sum(counts[COLOUR_LEVELS + 1:]) / max(1, picture.width * picture.height)


@dataclass(frozen=True)
class EncodedPage:
    """A burned page's pixels as stored in the PDF."""

    data: bytes
    encoding: pdf.PageEncoding
    gray: bool
    #: A mixed page's ink and black layers, drawn over ``data`` (its background).
    masks: tuple[pdf.PageMask, ...] = ()
    #: The size of ``data`` in pixels, when it is not the page's (a mixed page's background).
    size: tuple[int, int] | None = None

    @property
    def stored_as(self) -> str:
        """How the page is stored: "g4", "jpeg", "flate" or "mixed"."""
        return "mixed" if self.masks else self.encoding

    @property
    def stored_bytes(self) -> int:
        return len(self.data) + sum(len(mask.data) for mask in self.masks)


def _mixed(picture: Image.Image) -> EncodedPage | None:
    """The page split into ink, black and background (:mod:`.mixed_page`), if it splits and
    the split keeps it readable."""
    split = mixed_page.split_page(picture)
    if split is None:
        return None
    background = mixed_page.background_jpeg(split)
    if not mixed_page.readable(picture, mixed_page.compose(background, split)):
        return None
    masks = []
    for layer, colour in ((split.ink, split.ink_colour), (split.black, (0, 0, 0))):
        if layer.getextrema()[0] == 0:   # anything drawn on this layer
            masks.append(pdf.PageMask(pdf.encode_g4(layer), layer.width, layer.height, colour))
    return EncodedPage(background, "jpeg", split.background.mode == "L", tuple(masks),
                       split.background.size)


def encode_page(picture: Image.Image) -> EncodedPage:
    """Store a burned page as black and white (Group 4), as a mixed page (text in black and
    white over a background photograph) or as a photograph (JPEG).

    The rule (docs/redaction.md, "Size of the burned copy"): a page without colour whose
    thresholding loses little (:func:`bilevel_loss`, BILEVEL_LOST_SHARE) is Group 4, lossless
    for the black-and-white pixels; every other page is the smallest of: JPEG at JPEG_QUALITY
    (in grey when it has no colour), lossless Flate (screenshots with flat colours), and the
    mixed page, when its layers drawn together stay readable (:func:`mixed_page.readable`).
    The boxes are painted before this, so any encoding sees only black where they are; on a
    mixed page they are drawn black by a lossless layer of their own.
    """
    if picture.mode == "RGB" and _colour_share(picture) <= COLOUR_SHARE:
        picture = picture.convert("L")
    if picture.mode == "L":
        judged = bilevel_loss(picture)
        if judged is not None and judged[1] <= BILEVEL_LOST_SHARE:
            return EncodedPage(pdf.encode_g4(judged[0]), "g4", True)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    candidates = [EncodedPage(buffer.getvalue(), "jpeg", picture.mode == "L")]
    mixed = _mixed(picture)
    if mixed is not None:
        candidates.append(mixed)
    smallest = min(candidates, key=lambda page: page.stored_bytes)
    flate = _flate_if_smaller(picture, smallest.stored_bytes)
    if flate is not None:
        return EncodedPage(flate, "flate", picture.mode == "L")
    return smallest


#: Flate is tried on a sample of the page first: every FLATE_SAMPLE_STEP-th band of
#: FLATE_SAMPLE_ROWS rows. A page whose sample says Flate would take more than twice the
#: smallest encoding is not compressed whole (a photograph: about 0.15 s per A4 page saved).
FLATE_SAMPLE_ROWS = 16
FLATE_SAMPLE_STEP = 8


def _flate_if_smaller(picture: Image.Image, smallest: int) -> bytes | None:
    """The page as lossless Flate, if that takes fewer bytes than ``smallest``."""
    bands = range(0, picture.height, FLATE_SAMPLE_ROWS * FLATE_SAMPLE_STEP)
    rows = sum(min(FLATE_SAMPLE_ROWS, picture.height - top) for top in bands)
    # The sample's compressed size, scaled to the page, must stay within twice the smallest.
    # What the compressor has put out can only grow, so the sample stops as soon as it is over
    # (on a photograph after a few bands: 2 ms instead of 55 ms), with the same answer.
    budget = 2 * smallest * max(1, rows) / picture.height
    compressor = zlib.compressobj(6)
    written = 0
    for top in bands:
        band = picture.crop((0, top, picture.width, min(picture.height,
                                                        top + FLATE_SAMPLE_ROWS)))
        written += len(compressor.compress(band.tobytes()))
        if written > budget:
            return None
    if written + len(compressor.flush()) > budget:
        return None
    flate = zlib.compress(picture.tobytes(), 6)
    return flate if len(flate) < smallest else None


def _sheet(picture: Image.Image, boxes: Iterable[Box], scale: float, size: tuple[float, float],
           dpi: float, ocr_layer: bool) -> pdf.PageImage:
    _paint(picture, boxes, scale)
    clean = image.fresh_copy(picture)
    encoded = encode_page(clean)
    text_layer = ocr_engine.text_only_pdf(clean, dpi=round(dpi)) if ocr_layer else None
    width, height = encoded.size or clean.size
    return pdf.PageImage(encoded.data, width, height, size[0], size[1], gray=encoded.gray,
                         text_layer=text_layer, encoding=encoded.encoding, masks=encoded.masks)


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
    if image.is_supported(media_type) and len(plan.pages) == 1 and \
            image.page_count(data) == 1:
        picture = image.load(data)
        _paint(picture, plan.pages[0].boxes, 1.0)
        out_type = image.output_type(media_type)
        return Redacted(image.encode(picture, out_type, quality=JPEG_QUALITY), out_type,
                        plan.summary())

    def kept_pages() -> Iterator[tuple[Image.Image, int]]:
        # Pages are decoded or rendered here, one at a time, in this thread (pdfium is not
        # thread-safe); painting, encoding and the OCR layer run in the workers.
        for index, (picture, _scale) in enumerate(pages(data, media_type, dpi)):
            if index not in dropped:
                yield picture, index

    def sheet(picture: Image.Image, index: int) -> pdf.PageImage:
        boxes = plan.pages[index].boxes if index < len(plan.pages) else []
        if image.is_supported(media_type):
            # A picture with several pages: each frame at FRAME_DPI.
            size = (picture.width * 72.0 / FRAME_DPI, picture.height * 72.0 / FRAME_DPI)
            return _sheet(picture, boxes, 1.0, size, FRAME_DPI, ocr_layer)
        page = plan.pages[index] if index < len(plan.pages) else PagePlan(
            picture.width * 72.0 / dpi, picture.height * 72.0 / dpi)
        return _sheet(picture, boxes, dpi / 72.0, (page.width, page.height), dpi, ocr_layer)

    # Pages side by side, one per core (Tesseract and Pillow's encoders run outside Python's
    # lock), in their order.
    sheets = ocr_engine.side_by_side(sheet, kept_pages(), None)
    if image.is_supported(media_type):
        return Redacted(pdf.build_pdf(sheets), media.PDF, plan.summary())
    text = None
    if media_type in TEXT_TYPES:
        text = visible_text(as_pdf(data, media_type), plan)
    return Redacted(pdf.build_pdf(sheets), media.PDF, plan.summary(), text)


def burned_page(data: bytes, plan: RedactionPlan, index: int, dpi: int = 200,
                ocr_layer: bool = False) -> bytes:
    """One page of a PDF burned with its boxes, as a one-page PDF (for a copy that keeps the
    text of its other pages)."""
    with pdf.open_document(data) as document:
        page = document[index]
        try:
            picture = pdf.render_page(page, dpi)
        finally:
            page.close()
    sheet = plan.pages[index]
    return pdf.build_pdf([_sheet(picture, sheet.boxes, dpi / 72.0, (sheet.width, sheet.height),
                                 dpi, ocr_layer)])
