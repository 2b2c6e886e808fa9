"""Reading pages as a person would: the OCR channels.

Written apart from papka.formats.views on purpose: the verifier's own evening-out and turning,
so that a mistake in the planner's views is not repeated here. It shares with planning only
Tesseract, the normalisation and the view geometry (with the measure of how a page's lines
bend, which only adds a view to those read here).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image

from papka.formats import limits
from papka.formats import ocr as ocr_engine
from papka.formats.views import (
    MIN_INK_READ,
    OCR_MIN_SIDE,
    SIDEWAYS_TURNS,
    View,
    bend,
    ink_read,
    letter_height,
    look,
    make_view,
    reads_well,
    skew,
)
from papka.formats.views import PageLook as _Look

OCR_DPI = 200


Point = tuple[float, float]


@dataclass(frozen=True)
class ReadWord:
    """A word as the verifier read it, placed on the page in the page's units (y down from
    the top): its baseline from start to end (turned or tilted as the view was) and how tall
    it stands above it."""

    text: str
    confidence: float
    start: Point
    end: Point
    height: float


@dataclass(frozen=True)
class PageRead:
    """Each view's words in reading order, with their boxes in the page's units; and the
    words of the view that read the most words with confidence, placed (what a searchable
    text layer of this very page can carry: docs/redaction.md, "One reading per page")."""

    views: list[tuple[list[str], list[tuple[float, float, float, float]]]]
    best: tuple[ReadWord, ...] = ()
    #: Words read with confidence in that view, and whether any view read the page well:
    #: a page the check cannot read is no proof that the page is clean.
    confident_words: int = 0
    read_well: bool = False


def _evened(page: Image.Image, surround_white: bool = False) -> Image.Image:
    """The page evened out for reading (papka.formats.views.normalise: inverted if dark,
    shading divided out, contrast stretched), after the boxes already burned in are taken
    out of the way: large solid black areas would count as text and spoil the stretch.
    surround_white: a dark table around the sheet is painted white too (normalise's)."""
    from PIL import ImageChops

    from papka.formats.rank_filters import max_filter, min_filter
    from papka.formats.views import normalise

    solid = opened(page.point(lambda v: 255 if v <= 8 else 0))
    if solid.getbbox() is None:
        return normalise(page, surround_white=surround_white)
    # Grow the paper around each box into it (thin strokes, text, are not touched), so the
    # shading estimate sees paper there.
    step = max(1, min(page.size) // 100)
    small = page.reduce(step)
    hole = solid.reduce(step).point(lambda v: 255 if v > 0 else 0)
    for _ in range(100):
        if hole.getbbox() is None:
            break
        grown = max_filter(small, 3)
        edge = ImageChops.subtract(hole, min_filter(hole, 3))
        small.paste(grown, mask=edge)
        hole = ImageChops.subtract(hole, edge)
    small.paste(255, mask=hole)
    filled = page.copy()
    filled.paste(small.resize(page.size, Image.Resampling.BILINEAR), mask=solid)
    flat = normalise(filled, surround_white=surround_white)
    # Shown black again, as burned: Tesseract's page layout takes plain white or textured
    # blocks worse than the black boxes it meets on every redacted page.
    flat.paste(0, mask=solid)
    return flat


def opened(mask: Image.Image) -> Image.Image:
    """A black-and-white mask (0 or 255) opened by a 5 x 5 square: eroded, then dilated.

    The same pixels as MinFilter(5) then MaxFilter(5) (tests/formats/test_verify.py compares
    them), from box averages: a window is all 255 only when its average is 255, and holds a
    255 whenever its average is above 0. A fifth of the time on a full page (0.37 s of rank
    filters on a 200 dpi phone photo).
    """
    from PIL import ImageFilter

    eroded = mask.filter(ImageFilter.BoxBlur(2)).point(lambda v: 255 if v == 255 else 0)
    return eroded.filter(ImageFilter.BoxBlur(2)).point(lambda v: 255 if v > 0 else 0)


@dataclass
class _Reading:
    """What one view gave: words and boxes for the search, placed words, the confident count,
    and whether it read well."""

    words: list[str]
    boxes: list[tuple[float, float, float, float]]
    placed: list[ReadWord]
    confident_words: int
    confident: bool
    #: The view's quarter turn (clockwise degrees), and the median height of its words read
    #: with confidence in the page's pixels.
    turn: int = 0
    words_height: float = 0.0


def _placed(view: View, word: ocr_engine.OcrWord, unit: float) -> ReadWord:
    top_left, _, bottom_right, bottom_left = (
        (x * unit, y * unit) for x, y in view.corners_to_page(
            word.left, word.top, word.right, word.bottom))
    height = ((top_left[0] - bottom_left[0]) ** 2 + (top_left[1] - bottom_left[1]) ** 2) ** 0.5
    return ReadWord(word.text, word.confidence, bottom_left, bottom_right, height)


def _words(view: View, dpi: int, unit: float, checks: _Measured | None = None, turn: int = 0
           ) -> tuple[_Reading, bool, bool]:
    """Read a view; boxes mapped back to the page (through its turns) in the page's units.

    Returns the reading, whether it was confident, and whether it also covered most of the
    page's ink (only measured with checks)."""
    read = ocr_engine.recognise(view.picture, dpi=round(dpi * view.scale))
    confident = reads_well(read)
    reading = _Reading([], [], [], read.confident_words, confident, turn,
                       letter_height(read) / view.scale)
    for word in read.words:
        x0, y0, x1, y1 = view.to_page(word.left, word.top, word.right, word.bottom)
        reading.words.append(word.text)
        reading.boxes.append((x0 * unit, y0 * unit, x1 * unit, y1 * unit))
        reading.placed.append(_placed(view, word, unit))
    covered = confident
    if confident and checks is not None:
        covered = ink_read(checks.look, view, read, checks.size) >= MIN_INK_READ
    return reading, confident, covered


#: The verifier reads pictures as they are unless they are smaller than this (long side);
#: enlarging costs four times the work and adds little on phone photos and 200 dpi pages.
READ_ENLARGE_BELOW = 1000


@dataclass(frozen=True)
class _Measured:
    look: _Look
    size: tuple[int, int]


def read_page(picture: Image.Image, dpi: int, unit: float, expect: int = 0) -> PageRead:
    """Read a page in the views that matter.

    A light page is read as it is; if that reads poorly, leaves much of the page's ink unread,
    or its lines are tilted, the evened-out view (straightened, and turned upright when
    orientation detection says so) is read as well. A dark page is read evened out (inverted)
    first, and as it is only if that reads poorly.

    expect: how many words the best view should read with confidence (a part of what planning
    read outside the boxes). While no view reaches it, the views not yet read are read too (as
    it is, evened out without straightening, each turn), before the caller is told how far
    the reading fell short.
    """
    page = picture.convert("L")
    views: list[_Reading] = []
    turns_read: set[int] = set()
    plain_read: list[bool] = []

    def plain() -> tuple[bool, bool]:
        plain_read.append(True)
        reading, confident, covered = _words(
            make_view(page, name="plain", enlarge_below=READ_ENLARGE_BELOW), dpi, unit,
            _Measured(checks, page.size))
        views.append(reading)
        return confident, covered

    @functools.cache
    def flat_and_small() -> tuple[Image.Image, Image.Image]:
        flat = _evened(page)
        return flat, _check_copy(flat)

    def read(turn: int, straighten: bool = True, enlarge_below: int = READ_ENLARGE_BELOW
             ) -> bool:
        flat, small = flat_and_small()
        turns_read.add(turn)
        tilt = skew(small.rotate(-turn, expand=True) if turn else small) if straighten else 0.0
        view = make_view(flat, name="evened", clockwise=turn, tilt=tilt,
                         enlarge_below=enlarge_below)
        reading, confident, _ = _words(view, dpi, unit, turn=turn)
        views.append(reading)
        return confident

    def evened(turn_first: bool) -> bool:
        _, small = flat_and_small()
        # Orientation detection costs about one reading: asked first when the plain reading
        # was poor (a turned page), else only when the upright evened-out view reads poorly.
        if not turn_first and read(0):
            return True
        turn = _upright_turn(small)
        if turn not in turns_read and read(turn):
            return True
        if checks.blank or any(reading.confident for reading in views):
            return False
        # Nothing read well, and orientation detection gave no usable answer: on a phone photo
        # taken sideways its letters are often too small and shaded for it ("Too few
        # characters"), so the page was read only as it lies, as garbage. The quarter turns a
        # phone is held at are read in turn until one reads well, before a shaded page's plain
        # reading (planning does the same: papka.formats.views.read).
        return any(read(turn) for turn in SIDEWAYS_TURNS if turn not in turns_read)

    checks = look(page)
    if not (checks.dark or checks.shaded):
        confident, covered = plain()
        if not covered or skew(_check_copy(page)):
            evened(turn_first=not confident)
    elif not evened(turn_first=False):
        plain()

    def short() -> bool:
        return max(reading.confident_words for reading in views) < expect

    # Planning read much more of this page than any view here: an estimate of the tilt or of
    # the page's light can cost a reading most of its words (a shaded phone photo read 6
    # words of 37 once straightened, 22 without). Every other view is read before the page
    # counts as not read.
    if short() and not plain_read:
        plain()
    if short():
        read(0, straighten=False)
    for turn in SIDEWAYS_TURNS:
        if short() and turn not in turns_read:
            read(turn)
    # Still short: faint print on a dark table, whose surround takes the contrast stretch
    # and Tesseract's threshold below the letters; read evened out with it painted white,
    # each turn in turn (planning does the same when its views read nothing).
    white: list[Image.Image] = []
    for turn in (0, *SIDEWAYS_TURNS):
        if short():
            white = white or [_evened(page, surround_white=True)]
            view = make_view(white[0], name="evened", clockwise=turn,
                             enlarge_below=READ_ENLARGE_BELOW)
            views.append(_words(view, dpi, unit, turn=turn)[0])
    # Still short, on a page smaller than planning reads at its size: each turn enlarged, as
    # planning reads it (a photo sent through a messenger, 1280 pixels long and upside down,
    # read 22 words for planning enlarged and 3 here at its size, and its copy was refused).
    for turn in (0, *SIDEWAYS_TURNS):
        if short() and max(page.size) < OCR_MIN_SIDE:
            read(turn, enlarge_below=OCR_MIN_SIDE)
    # A page whose lines bend is read with them unbent as well, as planning reads it: read as
    # it lies, a stretch of two bent lines can come out as garbage, and what the boxes left
    # on it unseen (papka.formats.views.bend).
    read_well = [reading for reading in views if reading.confident]
    if read_well and not checks.blank:
        best = max(read_well, key=lambda reading: reading.confident_words)
        flat, small = flat_and_small()
        factor = max(page.size) / max(small.size)
        upright = small.rotate(-best.turn, expand=True) if best.turn else small
        knots = bend(upright, best.words_height / factor)
        if knots:
            view = make_view(flat, name="unbent", clockwise=best.turn,
                             bent=[(x * factor, shift * factor) for x, shift in knots],
                             enlarge_below=READ_ENLARGE_BELOW)
            views.append(_words(view, dpi, unit, turn=best.turn)[0])
    # The first of the views with the most confident words (Python's max keeps the first).
    best = max(views, key=lambda reading: reading.confident_words)
    return PageRead([(reading.words, reading.boxes) for reading in views], tuple(best.placed),
                    best.confident_words, any(reading.confident for reading in views))


#: Tilt and orientation are judged on a copy at most this many pixels long (as planning
#: judges them, papka.formats.views.CHECK_SIDE) ...
CHECK_SIDE = 1200


def _check_copy(page: Image.Image) -> Image.Image:
    """... reduced by a whole factor, rounded up: a 200 dpi page (about 2300 pixels) is
    judged at half its size, where estimating the tilt at full size cost 0.3 s a page."""
    return page.reduce(max(1, -(-max(page.size) // CHECK_SIDE)))


def _upright_turn(small: Image.Image) -> int:
    found = ocr_engine.orientation(small)
    return found.clockwise if found is not None and found.confidence >= 1.5 else 0


def _rendered_pages(data: bytes) -> Iterator[tuple[Image.Image, int]]:
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            # Huge pages are read at a lower resolution rather than exceed the pixel cap.
            dpi = min(float(OCR_DPI),
                      72.0 * (limits.MAX_IMAGE_PIXELS / max(1.0, width * height)) ** 0.5)
            picture = page.render(scale=dpi / 72, draw_annots=True).to_pil().convert("L")
            page.close()
            yield picture, round(dpi)
    finally:
        document.close()


def pdf_ocr(data: bytes) -> list[str]:
    return ocr_engine.read_texts(_rendered_pages(data))


def pdf_read_pages(data: bytes, expect: Sequence[int] = ()) -> list[PageRead]:
    """Every page read; expect: per page, as for :func:`read_page` (0 past its end)."""
    dpis: list[int] = []

    def numbered() -> Iterator[tuple[Image.Image, int]]:
        for index, (picture, dpi) in enumerate(_rendered_pages(data)):
            dpis.append(dpi)
            yield picture, index

    def work(picture: Image.Image, index: int) -> PageRead:
        wanted = expect[index] if index < len(expect) else 0
        return read_page(picture, dpis[index], 72.0 / dpis[index], wanted)

    return ocr_engine.side_by_side(work, numbered(), None)
