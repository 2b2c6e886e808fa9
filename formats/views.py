"""Reading a page the way a person would see it: turned upright, straightened, evened out.

A phone photo of a paper can be sideways or upside down, a little tilted, grey on grey, or a
dark-theme screenshot with light text. Tesseract reads none of these well as they are. This
module makes *views* of a page for recognition (turned by quarter turns, deskewed, background
flattened and contrast stretched, inverted when the page is light on dark) and maps every box
found on a view back to the pixels of the page as displayed, so that burning paints the right
place. It also judges whether a page was read at all (see
:class:`papka.formats.reading.PageReading`): a page papka cannot read is reported, never passed
as "nothing found".

The cheap checks (darkness, shading, ink) run on a downscaled copy in milliseconds; a second
reading, and orientation detection, only when the first reading is poor or incomplete or the
checks say the page is dark or shaded. See docs/redaction.md, "Reading every page".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageMath, ImageOps, ImageStat

from papka.formats import blur as print_blur
from papka.formats import ocr as ocr_engine
from papka.formats.rank_filters import max_filter, median_3x3, min_filter
from papka.formats.reading import MOST_BLUR, SMALLEST_LETTERS, PageReading, Status
from papka.text import morph_analyzer

#: Pictures whose longer side is shorter than this are enlarged 2x for recognition.
OCR_MIN_SIDE = 1800
#: Paper whose brightness varies by more than this across the page counts as shaded.
SHADED = 45
#: Words this tall (pixels, median) read well without enlarging the picture.
BIG_LETTERS = 20
#: Letters narrower than this (the median width per letter of the words of three or more
#: letters read with confidence, in the picture's own pixels) are read, but not reliably. Photos
#: of five papers reduced step by step (tests/formats/test_detect.py's texts; docs/redaction.md,
#: "Pictures too small to read"): at 5.4 to 6.6 pixels a letter Tesseract still read most
#: words with confidence, yet misread a military ID, a unit number or a name on most pages,
#: and the check of the copy misread them alike, so the copy passed; at 7.25 and more it
#: missed none. Width, not height: a poor reading's boxes can span two
#: lines (a median height of 14 pixels on a page whose letters were 4 wide). Such a page
#: counts as unreadable: the keeper looks at it, or brings a larger photo.
MIN_LETTER_WIDTH = SMALLEST_LETTERS
#: Print blurred more than this (the spread of its letters' edges per em of their size, on the
#: words read with confidence: papka.formats.blur) is read, but not reliably. Photos of the five
#: papers blurred by 2 to 3 pixels at 200 dpi and reduced to 0.6-0.8 (docs/redaction.md,
#: "Blurred photos"): blurred by 2 they measured 0.035-0.038 and read as sharp ones do; by 2.25,
#: 0.041-0.045, and a third of them lost an identifier to the blur (a name, a GPS position, an
#: address) while 70 % or more of their words read with confidence; by 3, 0.057-0.065, the
#: English letter's e-mail read as garbage and the copy passed. The bench's phone photos
#: measure 0.017-0.019, the tests' generated photos at most 0.032 (grainy print a dozen grey
#: levels darker than its paper).
MAX_BLUR = MOST_BLUR
#: Lines whose ink is this tall (pixels, median, from the projection profile) read well
#: without enlarging the picture.
BIG_LINES = 28
#: Cheap checks and orientation detection run on a copy at most this many pixels long.
CHECK_SIDE = 1200
#: A page reads well when at least this many words were read with confidence ...
MIN_CONFIDENT_WORDS = 3
#: ... and they are at least this share of all the words read (garbage reads as many
#: low-confidence words). At 0.6, blurred photos whose readings were 61-63 % confident counted
#: as read while a name, a personal number and two unit numbers were misread or skipped, and
#: the check misread them alike (docs/redaction.md, "Blurred photos"); readable pages read
#: 95-100 % confident, a handwritten field among printed ones lowers it.
MIN_CONFIDENT_SHARE = 0.7
#: A plain reading that leaves more than this share of the ink outside confident words gets
#: the evened-out view as well.
MIN_INK_READ = 0.6
#: A page with less ink than this share of its pixels is blank: there is nothing to read.
BLANK_INK_SHARE = 0.002
#: Tilts smaller than this (degrees) are left to Tesseract; larger ones are straightened.
MIN_SKEW = 0.6
MAX_SKEW = 12.0
#: Tesseract's orientation confidence below which its answer is not trusted.
MIN_ORIENTATION_CONFIDENCE = 1.5

@dataclass(frozen=True)
class _Turn:
    """One rotation by degrees counter-clockwise (as Pillow's rotate), with expand."""

    degrees: float
    source: tuple[int, int]
    result: tuple[int, int]


@dataclass(frozen=True)
class View:
    """A picture made from a page for recognition, and the way back to the page's pixels."""

    name: str
    picture: Image.Image
    turns: tuple[_Turn, ...] = ()
    #: How much the picture was enlarged after turning.
    scale: float = 1.0
    #: How far the lines bend, after the turns and before the enlargement: (x, shift) knots,
    #: x rising, the shift between them linear (papka.formats.views.bend). The view shows
    #: at (x, y) what the turned page shows at (x, y + shift(x)).
    bend: tuple[tuple[float, float], ...] = ()

    def to_page(self, x0: float, y0: float, x1: float, y1: float
                ) -> tuple[float, float, float, float]:
        """The page-pixel rectangle that holds this view-pixel rectangle (its four corners
        mapped back; a box found on a straightened view becomes a slightly larger box, and
        one found on a view with its lines unbent is made as tall as their bend under it)."""
        x0, y0, x1, y1 = x0 / self.scale, y0 / self.scale, x1 / self.scale, y1 / self.scale
        if self.bend:
            low, high = _shift_range(self.bend, x0, x1)
            y0, y1 = y0 + low, y1 + high
        corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)]
        mapped = [self._back(x, y) for x, y in corners]
        xs = [x for x, _ in mapped]
        ys = [y for _, y in mapped]
        return min(xs), min(ys), max(xs), max(ys)

    def corners_to_page(self, x0: float, y0: float, x1: float, y1: float
                        ) -> list[tuple[float, float]]:
        """The four corners of a view-pixel rectangle on the page, in order around it."""
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        return [self._back(*self._unbent(x / self.scale, y / self.scale)) for x, y in corners]

    def from_page(self, x: float, y: float) -> tuple[float, float]:
        """The view pixel showing this page pixel (the inverse of :meth:`to_page` for a
        point)."""
        for turn in self.turns:
            qx, qy = x - turn.source[0] / 2, y - turn.source[1] / 2
            angle = math.radians(turn.degrees)
            cos, sin = math.cos(angle), math.sin(angle)
            x, y = (qx * cos + qy * sin + turn.result[0] / 2,
                    -qx * sin + qy * cos + turn.result[1] / 2)
        if self.bend:
            y -= _shift_at(self.bend, x)
        return x * self.scale, y * self.scale

    def show(self, picture: Image.Image) -> Image.Image:
        """Another picture of the page's size (a mask) turned and enlarged as this view was
        made, so that its pixels lie under the view's."""
        for turn in self.turns:
            picture = picture.rotate(turn.degrees, expand=True)
        if self.bend:
            picture = unbent(picture, self.bend)
        if self.scale != 1:
            picture = picture.resize(self.picture.size, Image.Resampling.NEAREST)
        return picture

    def _unbent(self, x: float, y: float) -> tuple[float, float]:
        return (x, y + _shift_at(self.bend, x)) if self.bend else (x, y)

    @property
    def tilted(self) -> bool:
        """Straightened by an angle that is not a quarter turn: its boxes lie turned."""
        return any(turn.degrees % 90 for turn in self.turns)

    def _back(self, x: float, y: float) -> tuple[float, float]:
        for turn in reversed(self.turns):
            # Undo a counter-clockwise rotation about the centres (y runs down the page).
            qx, qy = x - turn.result[0] / 2, y - turn.result[1] / 2
            angle = math.radians(turn.degrees)
            cos, sin = math.cos(angle), math.sin(angle)
            px, py = qx * cos - qy * sin, qx * sin + qy * cos
            x, y = px + turn.source[0] / 2, py + turn.source[1] / 2
        return x, y


def _shift_at(knots: Sequence[tuple[float, float]], x: float) -> float:
    """The bend's shift at x: linear between knots, level beyond the first and the last."""
    if x <= knots[0][0]:
        return knots[0][1]
    for (xa, da), (xb, db) in zip(knots, knots[1:], strict=False):
        if x <= xb:
            return da + (db - da) * (x - xa) / (xb - xa) if xb > xa else db
    return knots[-1][1]


def _shift_range(knots: Sequence[tuple[float, float]], x0: float, x1: float
                 ) -> tuple[float, float]:
    """The least and the greatest shift of the bend from x0 to x1."""
    shifts = [_shift_at(knots, x0), _shift_at(knots, x1)]
    shifts += [d for x, d in knots if x0 < x < x1]
    return min(shifts), max(shifts)


def unbent(picture: Image.Image, knots: Sequence[tuple[float, float]], *,
           resample: Image.Resampling = Image.Resampling.NEAREST, fill: int = 0) -> Image.Image:
    """The picture with its lines unbent: each column moved by the bend's shift at it (a mesh
    of strips between the knots, each mapped linearly). The shifts are at most 0 (bend), and
    the picture grows by the most of them, so no column loses a row at either end."""
    width, height = picture.size
    taller = height + math.ceil(-min(shift for _, shift in knots))
    xs = [0.0, *(x for x, _ in knots), float(width)]
    mesh = []
    for xa, xb in zip(xs, xs[1:], strict=False):
        left, right = round(xa), round(xb)
        if right <= left:
            continue
        top_left, top_right = _shift_at(knots, left), _shift_at(knots, right)
        mesh.append(((left, 0, right, taller),
                     (left, top_left, left, taller + top_left,
                      right, taller + top_right, right, top_right)))
    return picture.transform((width, taller), Image.Transform.MESH, mesh, resample=resample,
                             fillcolor=fill)


#: The page is cut into this many strips across to follow its lines where they bend.
BEND_STRIPS = 40
#: A page whose lines bend (beyond a straight tilt) by at least this share of its words' height
#: is read with its lines unbent too ...
BENT = 0.4
#: ... when the lines unbent are at least this much crisper than the lines only straightened
#: (the projection profile's score, as skew's): a finger, a shadow or a second sheet can make
#: the strips seem to move, and unbending along them then makes nothing crisper.
BEND_CRISPER = 2.5


def _crispness(ink: Image.Image) -> float:
    """How crisp the lines of the ink (255) are across: the rows' sums vary most when lines
    are level (as skew scores its trial angles)."""
    rows = list(ink.resize((1, ink.height), Image.Resampling.BOX).tobytes())
    return float(sum((a - b) ** 2 for a, b in zip(rows, rows[1:], strict=False)))


def bend(evened: Image.Image, words: float) -> tuple[tuple[float, float], ...]:
    """How the lines of an upright, evened page bend: (x, shift) knots in its pixels, the
    shifts at most 0, or () when they lie straight (a tilt is no bend: the views straighten
    it).

    A paper carried folded in a pocket, or photographed lying curved, has lines that rise
    and fall across it. Tesseract follows a line of print by its layout analysis, and on such
    a page it leaves a line half-way and goes on along the next (crossed_lines), or reads a
    stretch of two lines as garbage boxed over both: a bent military ID read «В/Ч 73612,
    полевая почта 45087» as "Ву 73612, neues почта 45087", and no rule took the unit's number.
    The page is cut into BEND_STRIPS strips across; each strip's projection profile is
    matched against the next one's (the shift, to a fraction of a pixel, where they agree
    best), and the shifts summed give the bend. Ink in blobs thicker than strokes (a finger,
    a shadow's edge) is left out first."""
    if words <= 0:
        return ()
    ink = evened.point(lambda v: 255 if v < 128 else 0)
    stroke = max(3, round(0.5 * words) | 1)
    ink = ImageChops.subtract(ink, max_filter(min_filter(ink, stroke), 3 * stroke))
    width, height = ink.size
    profiles = ink.resize((BEND_STRIPS, height), Image.Resampling.BOX)
    inked = [strip for strip, value in enumerate(
        profiles.resize((BEND_STRIPS, 1), Image.Resampling.BOX).tobytes())
        if value >= max(1.0, 255 * 0.2 * words / height)]
    if len(inked) < BEND_STRIPS // 3:
        return ()
    count = len(inked)
    packed = Image.new("F", (count, height))
    source = profiles.convert("F")
    for place, strip in enumerate(inked):
        packed.paste(source.crop((strip, 0, strip + 1, height)), (place, 0))
    reach = max(2, round(0.75 * words))
    left = packed.crop((0, 0, count - 1, height))
    scores = []
    for shift in range(-reach, reach + 1):
        product = ImageMath.lambda_eval(lambda names: names["a"] * names["b"], a=left,
                                        b=packed.crop((1, shift, count, height + shift)))
        scores.append(list(product.resize((count - 1, 1),
                                          Image.Resampling.BOX).get_flattened_data()))
    shifts = [0.0]
    for pair in range(count - 1):
        column = [float(scores[at][pair]) for at in range(len(scores))]
        best = max(range(len(column)), key=column.__getitem__)
        fraction = 0.0
        if 0 < best < len(column) - 1:
            before, peak, after = column[best - 1], column[best], column[best + 1]
            if before - 2 * peak + after < 0:
                fraction = 0.5 * (before - after) / (before - 2 * peak + after)
        shifts.append(shifts[-1] + best - reach + fraction)
    xs = [(strip + 0.5) * width / BEND_STRIPS for strip in inked]
    highest = max(shifts)
    knots = tuple((x, shift - highest) for x, shift in zip(xs, shifts, strict=True))
    # The straight part (a tilt) and what bends beyond it.
    mean_x, mean_shift = sum(xs) / count, sum(shifts) / count
    slope = (sum((x - mean_x) * (d - mean_shift) for x, d in knots)
             / (sum((x - mean_x) ** 2 for x in xs) or 1.0))
    straight = tuple((x, mean_shift + slope * (x - mean_x)) for x in xs)
    beyond = [d - s for (_, d), (_, s) in zip(knots, straight, strict=True)]
    if max(beyond) - min(beyond) < BENT * words:
        return ()
    if _crispness(unbent(ink, knots)) < BEND_CRISPER * _crispness(unbent(ink, straight)):
        return ()
    return knots


@dataclass
class PageLook:
    """What the cheap checks saw on a downscaled copy of a page."""

    dark: bool
    blank: bool
    #: The paper's brightness varies a lot across the page (a phone photo in poor light).
    shaded: bool = False
    #: The small copy, evened out: where its ink is, for judging how much of it was read.
    evened: Image.Image = field(repr=False, default_factory=lambda: Image.new("L", (1, 1), 255))


def gray(picture: Image.Image) -> Image.Image:
    return picture if picture.mode == "L" else picture.convert("L")


def _small(picture: Image.Image, side: int = CHECK_SIDE) -> Image.Image:
    factor = max(picture.size) / side
    if factor <= 1:
        return gray(picture)
    size = (max(1, round(picture.width / factor)), max(1, round(picture.height / factor)))
    return gray(picture).resize(size, Image.Resampling.BOX)


def look(picture: Image.Image) -> PageLook:
    """Darkness and ink, measured on a small grey copy (milliseconds)."""
    small = _small(picture, 400)
    histogram = small.histogram()
    total = max(1, sum(histogram))

    def percentile(share: float) -> int:
        running = 0
        for value, count in enumerate(histogram):
            running += count
            if running >= share * total:
                return value
        return 255

    median = percentile(0.5)
    flat = normalise(small)
    ink = sum(flat.histogram()[:100]) / max(1, flat.width * flat.height)
    # The paper's own brightness across the page (text taken out by maximum filters):
    # light falling off to one side, a shadow.
    paper = max_filter(max_filter(small, 7), 7)
    paper = paper.reduce(max(1, min(paper.size) // 20))
    low, high = (float(v) for v in ImageStat.Stat(paper).extrema[0])
    dark = median < 110
    return PageLook(dark=dark, blank=ink < BLANK_INK_SHARE, evened=flat,
                    shaded=not dark and high - low > SHADED)


def normalise(picture: Image.Image, *, surround_white: bool = False) -> Image.Image:
    """Dark text on an even white background: inverted if light-on-dark, the background
    estimated by a morphological closing on a reduced copy and divided out, then the
    contrast stretched. surround_white: large dark areas (the table around a photographed
    sheet) are painted white first (dark_surround)."""
    return _evened(picture, surround_white=surround_white)[0]


def _evened(picture: Image.Image, *, surround_white: bool) -> tuple[Image.Image,
                                                                     Image.Image | None]:
    """normalise()'s picture, and the mask of the surround it painted white (None when it
    painted none)."""
    page = gray(picture)
    reduced = _small(page, 200)
    if ImageStat.Stat(reduced).median[0] < 110:
        page = ImageOps.invert(page)
    page = median_3x3(page)
    step = max(1, min(page.size) // 64)
    small = page.reduce(step) if step > 1 else page
    # MaxFilter removes dark strokes narrower than the window: what stays is the paper.
    background = max_filter(max_filter(small, 5), 5)
    background = background.filter(ImageFilter.GaussianBlur(3)).resize(
        page.size, Image.Resampling.BILINEAR)
    flat: Image.Image = ImageMath.lambda_eval(
        lambda names: names["convert"](names["a"] * 255 / (names["b"] + 1), "L"),
        a=page, b=background)
    surround = dark_surround(flat) if surround_white else None
    if surround is not None:
        flat.paste(255, mask=surround)
    return ImageOps.autocontrast(flat, cutoff=(1, 0.5)), surround


#: A dark area counts as surround (not ink) when it is wider than this share of the page's
#: shorter side: letters' strokes are far thinner.
SURROUND_WIDTH = 1 / 50


def dark_surround(flat: Image.Image) -> Image.Image | None:
    """A mask (255) of the large dark areas of an evened-out page, or None when there are
    none: the table around a photographed sheet. Left in, they take the bottom of the
    contrast stretch and Tesseract's threshold with them, so that faint grey letters are read
    as paper (a faint photo on a dark table read five words, and its military ID stayed
    readable)."""
    small = _small(flat, 400)
    dark = small.point(lambda v: 255 if v < 140 else 0)
    width = max(3, round(min(small.size) * SURROUND_WIDTH) | 1)
    opened = max_filter(min_filter(dark, width), width)
    if opened.getbbox() is None:
        return None
    # A little wider than found, so the edge between table and paper goes too.
    grown = max_filter(opened, 3)
    return grown.resize(flat.size, Image.Resampling.NEAREST)


def skew(picture: Image.Image) -> float:
    """The small tilt of the text lines in degrees counter-clockwise (0 when unsure).

    Projection profiles: the page is turned by trial angles and the angle whose row sums
    vary most (lines crisp, gaps empty) wins.
    """
    ink = ImageOps.invert(_small(normalise(picture), 700)).point(lambda v: 255 if v > 128 else 0)
    if ink.getbbox() is None:
        return 0.0

    def score(angle: float) -> float:
        turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=False)
        rows = turned.resize((1, turned.height), Image.Resampling.BOX)
        values = list(rows.tobytes())
        return float(sum((a - b) ** 2 for a, b in zip(values, values[1:], strict=False)))

    limit = int(MAX_SKEW)
    coarse = max((score(float(a)), float(a)) for a in range(-limit, limit + 1))
    best_score, best = coarse
    for fine in (best + d / 4 for d in range(-4, 5)):
        value = score(fine)
        if value > best_score:
            best_score, best = value, fine
    baseline = score(0.0)
    if best_score < baseline * 1.05:
        return 0.0
    return -best if abs(best) >= MIN_SKEW else 0.0


def line_height(evened: Image.Image, words: float = 0.0) -> float:
    """The median height of the text lines' ink, in the evened picture's pixels (0 if none):
    runs of rows that hold ink, as a projection profile shows them. words: the median height
    of the words read with confidence, in the same pixels, when known: a rule is then a run
    up to RULE_OF_WORDS of it tall (a photo's rules came out 5 and 6 rows thick beside words
    of 12), else up to RULE_THICKEST beside print holding more rows."""
    ink = ImageOps.invert(evened).point(lambda v: 255 if v > 128 else 0)
    rows = list(ink.resize((1, ink.height), Image.Resampling.BOX).tobytes())
    runs: list[int] = []
    length = 0
    rules: list[int] = []
    for row, value in enumerate([*rows, 0]):
        if value > 4:
            length += 1
        elif length:
            if length >= 3:
                (rules if _is_rule(ink, row - length, row, words) else runs).append(length)
            length = 0
    # Without the words' height, rules are left out only beside lines of print that hold
    # more rows than they do: a page of small print (runs as thin as a rule, as wide) with a
    # few headings keeps its lines. With it, a rule is half a word's height at most, which
    # no line of the page's print is.
    if len(runs) < 3 or (not words and sum(runs) < sum(rules)):
        runs += rules
    return float(sorted(runs)[len(runs) // 2]) if runs else 0.0


#: A run of rows at most this tall with ink in RULE_ACROSS of the columns is a rule (a form's
#: line under a field, ruled paper, a row of underscores), not a line of print, whose lines
#: are taller: a thin rule photographed and reduced breaks into dashes, so its ink is counted
#: over the width, not as one stroke.
RULE_THICKEST = 4
RULE_OF_WORDS = 0.5
RULE_ACROSS = 0.25


def _is_rule(ink: Image.Image, top: int, bottom: int, words: float = 0.0) -> bool:
    """Whether rows top … bottom of the ink (255) are a horizontal rule.

    A photo of a summons on ruled paper was refused with 64 lines left unread: its rules,
    more than its lines of print, made the median line a rule's three rows, and every piece
    of rule between the words read then counted as a line."""
    if bottom - top > (RULE_OF_WORDS * words if words else RULE_THICKEST):
        return False
    columns = ink.crop((0, top, ink.width, bottom)).resize((ink.width, 1),
                                                           Image.Resampling.BOX).tobytes()
    return sum(1 for value in columns if value) >= RULE_ACROSS * ink.width


def make_view(picture: Image.Image, *, name: str, clockwise: int = 0, tilt: float = 0.0,
              contrast: bool = False, enlarge_below: int = OCR_MIN_SIDE,
              surround_white: bool = False,
              bent: Sequence[tuple[float, float]] = ()) -> View:
    """The page turned upright (clockwise quarter turns), straightened by tilt degrees
    (counter-clockwise tilt of the text, undone here), its lines unbent by `bent` (knots in
    the turned page's pixels, papka.formats.views.bend), optionally evened out (with a dark
    surround painted white), and enlarged when small."""
    page = normalise(picture, surround_white=surround_white) if contrast else gray(picture)
    turns: list[_Turn] = []
    if clockwise % 360:
        turned = page.rotate(-clockwise, expand=True)
        turns.append(_Turn(-clockwise, page.size, turned.size))
        page = turned
    if tilt:
        straight = page.rotate(-tilt, resample=Image.Resampling.BICUBIC, expand=True,
                               fillcolor=255)
        turns.append(_Turn(-tilt, page.size, straight.size))
        page = straight
    if bent:
        page = unbent(page, bent, resample=Image.Resampling.BICUBIC, fill=255)
    scale = 1.0
    if max(page.size) < enlarge_below:
        page = page.resize((page.width * 2, page.height * 2), Image.Resampling.LANCZOS)
        scale = 2.0
    return View(name, page, tuple(turns), scale, tuple(bent))


def reads_well(page: ocr_engine.OcrPage) -> bool:
    confident = page.confident_words
    return (confident >= MIN_CONFIDENT_WORDS
            and confident >= MIN_CONFIDENT_SHARE * max(1, page.word_count))


def ink_read(checks: PageLook, view: View, page: ocr_engine.OcrPage,
             size: tuple[int, int]) -> float:
    """The share of the page's ink that lies in words read with confidence (1.0 on a page
    without ink): a reading can be confident yet skip the half of a photo in shadow."""
    ink = checks.evened.point(lambda v: 255 if v < 128 else 0)
    total = ink.histogram()[255]
    if total == 0:
        return 1.0
    across = checks.evened.width / size[0]
    down = checks.evened.height / size[1]
    mask = Image.new("L", ink.size, 0)
    draw = ImageDraw.Draw(mask)
    for word in page.words:
        if word.confidence < ocr_engine.CONFIDENT:
            continue
        x0, y0, x1, y1 = view.to_page(word.left, word.top, word.right, word.bottom)
        height = (y1 - y0) * down
        draw.rectangle((x0 * across - height, y0 * down - height / 2,
                        x1 * across + height, y1 * down + height / 2), fill=255)
    covered = ImageChops.multiply(ink, mask).histogram()[255]
    return covered / total


#: Unread lines: a band of ink left once every word read is taken out counts as a line of
#: text when it is about as tall as the words read (this share of their median height, up to
#: UNREAD_TALLEST of it) ...
UNREAD_LOWEST = 0.6
UNREAD_TALLEST = 2.0
#: ... holds at least this many words (runs of strokes), reaching across at least this many
#: line heights (about fourteen letters) ...
UNREAD_WORDS = 2
UNREAD_SPAN = 10.0
#: ... and its ink fills this share of the band as print does (a solid bar, a photo or a
#: barcode fills more).
UNREAD_FILL = (0.05, 0.8)
#: Strokes apart by up to this many line heights belong to one line (a form's label and its
#: value stand far apart).
UNREAD_WORD_GAP = 1.5
#: Ink whose channels differ by this much is coloured (a blue stamp: 120; black print in a
#: phone photo's warm light: under 30).
COLOURED = 50
#: A stroke of print reaches at least this share of the line's height down.
UNREAD_STROKE = 0.35
#: A word read with little confidence whose box is taller than this many of the reading's
#: letter heights spans two lines (check_lines).
WORD_TALLEST = 1.6


def _grown(mask: Image.Image, reach: float) -> Image.Image:
    """The mask grown by about `reach` pixels every way (on a copy reduced fourfold)."""
    step = 4
    small = mask.reduce(step).point(lambda v: 255 if v else 0)
    size = 2 * max(1, math.ceil(reach / step)) + 1
    return max_filter(small, size).resize(mask.size, Image.Resampling.NEAREST)


def _downstrokes(ink: Image.Image, length: int) -> Image.Image:
    """The ink (255) that lies in vertical runs at least about `length` pixels long: a
    morphological opening down the columns, by shifted copies doubling in reach."""
    width, height = ink.size
    reach = 1
    eroded = ink
    while reach * 2 <= length:
        # crop() past the picture's edge reads as no ink.
        eroded = ImageChops.darker(eroded, eroded.crop((0, reach, width, height + reach)))
        reach *= 2
    opened = eroded
    grown = 1
    while grown < reach:
        opened = ImageChops.lighter(opened, opened.crop((0, -grown, width, height - grown)))
        grown *= 2
    return opened


def _runs(values: Sequence[int], least: float, gap: int) -> list[tuple[int, int]]:
    """(start, end) of the runs of values of at least least, runs apart by up to gap joined."""
    found: list[tuple[int, int]] = []
    start = last = -1
    for index, value in enumerate(values):
        if value < least:
            continue
        if start < 0:
            start = index
        elif index - last - 1 > gap:
            found.append((start, last + 1))
            start = index
        last = index
    if start >= 0:
        found.append((start, last + 1))
    return found


def _coloured(page: Image.Image) -> Image.Image | None:
    """A mask (255) of a colour page's coloured ink: stamps, signatures and handwriting in
    blue or violet, whose every channel is far from the others (print is black or grey, and a
    phone photo's warm or cold light moves its channels together). None for a grey page."""
    if page.mode != "RGB":
        return None
    small = page.reduce(max(1, round(max(page.size) / CHECK_SIDE)))
    red, green, blue = small.split()
    most = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    least = ImageChops.darker(ImageChops.darker(red, green), blue)
    mask = ImageChops.subtract(most, least).point(lambda v: 255 if v >= COLOURED else 0)
    if mask.getbbox() is None:
        return None
    return max_filter(mask, 3).resize(page.size, Image.Resampling.NEAREST)


Rectangle = tuple[float, float, float, float]


def unread_lines(readings: Sequence[tuple[View, ocr_engine.OcrPage]], best: View,
                 page: Image.Image | None = None) -> list[Rectangle]:
    """Lines of print on the page that no reading holds a word of (check_lines)."""
    return check_lines(readings, best, page)[0]


def check_lines(readings: Sequence[tuple[View, ocr_engine.OcrPage]], best: View,
                page: Image.Image | None = None) -> tuple[list[Rectangle], bool]:
    """Lines of print on the page that no reading holds a word of, as rectangles in the best
    view's pixels (in those of the best view turned straight when it leans a little: where
    they are matters less than that they are there); and whether the page's lines could be
    told apart at all, which the search needs.

    Tesseract's layout analysis can drop a whole block of a blurred photo: no words, not words
    read with little confidence (a blurred criminal-case decision lost the paragraph with the
    investigator's name while the rest read 90 % confident; docs/redaction.md, "Blurred
    photos"). What every reading read is taken out of the best view's ink; what is left is
    searched for bands as tall as the page's lines that hold words of strokes across a line's
    width, as print does. Rules, shadows and stamps' rings are thinner, taller or fuller; the
    table around a photographed sheet is painted white first. page: the page as shown, whose
    coloured ink (stamps, signatures, handwriting: no print, and not what Tesseract reads)
    is left out when it is in colour.

    A photo of a summons on ruled paper, bent into waves and stamped, lost three lines of
    print (the address, the date of birth) to Tesseract, and the search did not see them: the
    bent rules outweighed the print, gave the profile runs of 6 and 7 rows where the words
    are 13 tall, and ran the lines together into one band taller than any line. The page then
    passed with exit 0. Where the profile's lines are shorter than LINES_MEASURED of the
    words read, the lines cannot be told apart, and the check cannot vouch for the page."""
    reading = next(read for view, read in readings if view is best)
    if not reading.confident():
        return [], True
    ink, surround, factor, tilt = _page_ink(best, page)
    # The height of the page's lines of print, from its projection profile: word boxes are
    # no measure, a poor reading's boxes can span two lines (but they tell rules from lines).
    word_height = letter_height(reading) / factor
    profiled = ink
    if surround is not None:
        # The sheet's edge against the table runs down through every line and, left in, joins
        # them in the profile (a phone photo of a certificate, sideways and with the sheet's
        # edges in view, measured lines of 5 rows beside words of 11 and was refused).
        profiled = ImageChops.subtract(ink, _grown(surround, SURROUND_EDGE * word_height))
    height = line_height(ImageOps.invert(_straight(profiled, tilt)), word_height)
    measured = height >= LINES_MEASURED * word_height
    if not height:
        return [], measured
    draw = ImageDraw.Draw(ink)
    for view, read in readings:
        tallest = WORD_TALLEST * letter_height(read)
        garbled = _garbled(read)
        for word in read.words:
            if (_garbage(word) or word.line in garbled
                    or (word.confidence < GARBLED and word.height > tallest)):
                # Garbage vouches for nothing, nor a line read as garbage, nor a doubtful
                # word boxed over two lines: a fold's crease across a military ID's line
                # «Личный номер М-345678» left the plain reading without it, one word of the
                # line above read "рождены" at confidence 20 in a box reaching down over
                # «номер», and the evened reading read the line as "ООО О" at 12 and 21.
                # The line was hidden.
                continue
            # A little round each word: its ink's edges, and accents above the box.
            pad = max(2.0 * factor, min(word.height, height * factor) * 0.4)
            x0, y0 = word.left - pad, word.top - pad / 2
            x1, y1 = word.right + pad, word.bottom + pad / 2
            corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            if view is not best:
                corners = [best.from_page(x, y)
                           for x, y in view.corners_to_page(x0, y0, x1, y1)]
            draw.polygon([(x / factor, y / factor) for x, y in corners], fill=0)
    # A table's or a frame's vertical rules run through several lines: taken out, or the
    # pieces of the horizontal rules between the words read would count as letters.
    ink = _straight(ImageChops.subtract(ink, _downstrokes(ink, round(UNREAD_TALLEST * height))),
                    tilt)
    width = ink.width
    rows = ink.resize((1, ink.height), Image.Resampling.BOX).tobytes()
    # The edge of the surround is no print, though its tapering ends (a corner of the table
    # seen past a turned sheet) are as thin as a line: what lies within a line's height of
    # the surround is left alone.
    near = _straight(_grown(surround, height), tilt) if surround is not None else None
    found: list[Rectangle] = []
    # A row of a line holds the strokes of a few letters at least.
    for top, bottom in _runs(rows, 255 * 1.5 * height / width, 1):
        tall = bottom - top
        if not UNREAD_LOWEST * height <= tall <= UNREAD_TALLEST * height:
            continue
        band = ink.crop((0, top, width, bottom))
        columns = band.resize((width, 1), Image.Resampling.BOX).tobytes()
        # Print is made of strokes: columns whose ink reaches UNREAD_STROKE of a line's height
        # down (a rule, a dotted line or an underscore in a band is thinner), in words.
        words = _runs(columns, UNREAD_STROKE * height * 255 / tall, round(0.25 * height))
        lines: list[list[tuple[int, int]]] = []
        for run in words:
            if lines and run[0] - lines[-1][-1][1] <= UNREAD_WORD_GAP * height:
                lines[-1].append(run)
            else:
                lines.append([run])
        for line in lines:
            left, right = line[0][0], line[-1][1]
            fill = band.crop((left, 0, right, tall)).histogram()[255] / ((right - left) * tall)
            if (len(line) >= UNREAD_WORDS and right - left >= UNREAD_SPAN * height
                    and UNREAD_FILL[0] <= fill <= UNREAD_FILL[1]
                    and (near is None or near.crop((left, top, right, bottom)).getbbox() is None)):
                found.append((left * factor, top * factor, right * factor, bottom * factor))
    return found, measured


def _page_ink(best: View, page: Image.Image | None
              ) -> tuple[Image.Image, Image.Image | None, float, float]:
    """The best view's ink (255) as the line checks see it: on a copy at most CHECK_SIDE
    long, evened out, the surround painted white, coloured ink taken out; with the mask of
    the surround, the copy's scale down from the view and the tilt to turn it straight by."""
    picture = best.picture
    factor = max(1.0, max(picture.size) / CHECK_SIDE)
    flat, surround = _evened(_small(picture, CHECK_SIDE), surround_white=True)
    # A view read as it is may lean a little (Tesseract reads that well): lines are looked
    # for on the ink turned straight.
    tilt = 0.0 if best.tilted else skew(flat)
    ink = flat.point(lambda v: 255 if v < 128 else 0)
    coloured = _coloured(page) if page is not None else None
    if coloured is not None:
        ink = ImageChops.subtract(ink, best.show(coloured).resize(ink.size,
                                                                  Image.Resampling.NEAREST))
    return ink, surround, factor, tilt


def _straight(ink: Image.Image, tilt: float) -> Image.Image:
    return ink.rotate(-tilt, resample=Image.Resampling.NEAREST, expand=True) if tilt else ink


#: The surround's edge is left out of the line check's profile this many words' heights into
#: the sheet.
SURROUND_EDGE = 2.0
#: The page's lines can be told apart when the height of its lines, as its projection profile
#: gives it, is at least this share of the confident words' median height (check_lines).
LINES_MEASURED = 0.6


@dataclass
class PageReadout:
    """Every view read on one page, with what Tesseract found on each."""

    readings: list[tuple[View, ocr_engine.OcrPage]] = field(default_factory=list)
    reading: PageReading = field(default_factory=lambda: PageReading(0, "not-read"))


def _views_label(name: str, clockwise: int, tilt: float, inverted: bool) -> tuple[str, ...]:
    labels = [name]
    if inverted:
        labels.append("inverted")
    if clockwise:
        labels.append(f"turned-{clockwise}")
    if tilt:
        labels.append("deskewed")
    return tuple(labels)


def read_page(picture: Image.Image, page: int, *, dpi: int = 300,
              source_scale: float = 1.0) -> PageReadout:
    """Read a page in the views it needs; the reading says how well that went.

    A light, evenly lit page is read as it is first: one recognition plus milliseconds of
    checks. When that reads poorly or leaves much of the page's ink unread, the evened-out
    view is read, straightened when its lines lean, and turned
    upright when orientation detection (on the small copy; about as costly as a reading, so
    only when the plain reading was poor or the upright evened-out view still reads poorly)
    says so. A dark page (light text on dark) or a shaded one (light falling off across a
    photo) is read evened out first, and as it is only if that did not read well and cover
    the ink: read as it is, such a page can seem to read well while whole parts are skipped.

    source_scale: the pixels of the page's own picture behind each pixel of `picture` (below 1
    for a small photo placed on a PDF page and rendered larger): words smaller than
    MIN_LETTER_WIDTH in those pixels make the page unreadable. So does print blurred more than
    MAX_BLUR for its size (a share, the same in any pixels).
    """
    checks = look(picture)
    out = PageReadout()
    labels: list[str] = []
    plain_first = not (checks.dark or checks.shaded)
    enough = False
    plain_lines: tuple[list[Rectangle], bool] = ([], True)
    poor_plain = False
    enlarge = OCR_MIN_SIDE
    if plain_first:
        plain = make_view(picture, name="plain")
        read = ocr_engine.recognise(plain.picture, dpi=dpi)
        out.readings.append((plain, read))
        labels.append("plain")
        # Tesseract reads some sideways pages by turning lines itself; its boxes for such lines
        # are not to be trusted (a line's box spans the whole column), so the page is turned.
        poor_plain = not reads_well(read) or _runs_down(read)
        if not poor_plain and ink_read(checks, plain, read, picture.size) >= MIN_INK_READ:
            plain_lines = check_lines(out.readings, plain, picture)
            enough = not plain_lines[0] and not crossed_lines(read) and not garbled_lines(read)
        if not poor_plain and letter_height(read) / plain.scale >= BIG_LETTERS:
            enlarge = 0  # the letters are big enough: the next view is read at page size
    turned = 0
    evened: Image.Image | None = None
    if not enough:
        evened = normalise(_small(picture, CHECK_SIDE))
        asked = poor_plain
        if asked:
            turned = _orientation(evened)
        upright = evened.rotate(-turned, expand=True) if turned else evened
        tilt = skew(upright)
        if not tilt and line_height(upright) * max(picture.size) / max(evened.size) \
                >= BIG_LINES:
            enlarge = 0  # lines tall enough to read at page size
        view = make_view(picture, name="contrast", clockwise=turned, tilt=tilt, contrast=True,
                         enlarge_below=enlarge)
        out.readings.append((view, ocr_engine.recognise(view.picture, dpi=dpi)))
        labels.extend(_views_label("contrast", turned, tilt, checks.dark))

        surround = False

        def read_turned(turn: int) -> bool:
            """Read the contrast view turned (and straightened); whether it read well, with its
            lines across the picture (an upside-down page turned a quarter reads "well" with
            its lines running down, and the page was then refused as unreadable)."""
            tilt = skew(evened.rotate(-turn, expand=True))
            view = make_view(picture, name="contrast", clockwise=turn, tilt=tilt, contrast=True,
                             surround_white=surround)
            out.readings.append((view, ocr_engine.recognise(view.picture, dpi=dpi)))
            labels.extend(_views_label("contrast", turn, tilt, checks.dark))
            return reads_well(out.readings[-1][1]) and not _runs_down(out.readings[-1][1])

        if not asked and (not reads_well(out.readings[-1][1])
                          or _runs_down(out.readings[-1][1])):
            # Read poorly, or read with its lines running down the picture (Tesseract reads
            # a sideways page's lines itself, but their boxes span whole columns).
            turned = _orientation(evened)
            if turned:
                read_turned(turned)
        if not any(view.name == "contrast" and r.confident_words >= MIN_CONFIDENT_WORDS
                   for view, r in out.readings) and dark_surround(evened) is not None:
            # The evened-out views read (almost) nothing and the page lies on something dark:
            # read it again with the surround painted white (dark_surround), and so every
            # turn read after it.
            surround = True
            labels.append("surround-white")
            read_turned(turned)
        if not checks.blank and not any(reads_well(r) and not _runs_down(r)
                                        for _, r in out.readings):
            # Nothing read well, and orientation detection did not say which way is up: on a
            # phone photo taken sideways the letters are often too small and shaded for it
            # ("Too few characters"). The quarter turns a phone is held at are read in turn
            # until one reads well (before a shaded page's plain reading, which reads a
            # sideways page no better).
            for trial in SIDEWAYS_TURNS:
                if trial != turned and read_turned(trial):
                    turned = trial
                    break
        last_view, last = out.readings[-1]
        if not plain_first and not (reads_well(last) and ink_read(
                checks, last_view, last, picture.size) >= MIN_INK_READ):
            plain = make_view(picture, name="plain")
            out.readings.append((plain, ocr_engine.recognise(plain.picture, dpi=dpi)))
            labels.append("plain")
    if not checks.blank and any(reads_well(r) and not _runs_down(r) for _, r in out.readings):
        knots = _page_bend(picture, out.readings, turned, evened)
        if knots:
            # The page's lines bend (a paper carried folded, photographed lying curved): it is
            # read again with them unbent (bend).
            view = make_view(picture, name="unbent", clockwise=turned, contrast=True,
                             bent=knots, enlarge_below=enlarge)
            out.readings.append((view, ocr_engine.recognise(view.picture, dpi=dpi)))
            labels.append("unbent")
    if any(reads_well(r) and not _runs_down(r) for _, r in out.readings):
        # Read upright since, the readings of the page's lines running down it (a sideways
        # page before it was turned) are dropped: their word boxes span whole columns, read
        # with confidence or not (natasha took such garbage on a sideways photo for a name,
        # and its box covered most of the page).
        out.readings = [(view, r) for view, r in out.readings
                        if not (_runs_down(r) or _garbage_down(r))]
    # A reading whose lines cross from one line of print into another, or that read a line
    # as garbage, is the worst of those that read well.
    flaws = [(crossed_lines(read), garbled_lines(read)) for _, read in out.readings]
    (best_view, best), (best_crossed, best_garbled) = max(
        zip(out.readings, flaws, strict=True),
        key=lambda pair: (reads_well(pair[0][1]), not pair[1][0], not pair[1][1],
                          pair[0][1].confident_words))
    letters = _letter_width(best) / best_view.scale * source_scale
    unread = crossed = garbled = 0
    blurred = 0.0
    if any(reads_well(r) for _, r in out.readings):
        # A plain reading that was enough was checked already: nothing was read after it.
        lines, measured = (plain_lines if enough
                           else check_lines(out.readings, best_view, picture))
        unread = len(lines)
        crossed, garbled = best_crossed, best_garbled
        blurred = round(print_blur.page_blur(picture, _measured_words(best_view, best)), 4)
        status: Status = ("unreadable" if letters < MIN_LETTER_WIDTH or blurred > MAX_BLUR
                          or unread or crossed or garbled or not measured else "read")
    elif checks.blank:
        status = "blank"
    else:
        status = "unreadable"
    out.reading = PageReading(page, status, best.word_count, best.confident_words,
                              tuple(dict.fromkeys(labels)), turned,
                              letter_width=round(letters, 1), unread_lines=unread,
                              crossed_lines=crossed, garbled_lines=garbled, blur=blurred)
    return out


def _page_bend(picture: Image.Image, readings: Sequence[tuple[View, ocr_engine.OcrPage]],
               turned: int, evened: Image.Image | None) -> tuple[tuple[float, float], ...]:
    """How the page's lines bend (bend), in the pixels of the page turned upright, measured
    with the height of the words of its best reading; evened: the page's small copy evened
    out, when it was made already."""
    view, read = max(((view, read) for view, read in readings
                      if reads_well(read) and not _runs_down(read)),
                     key=lambda pair: pair[1].confident_words)
    if evened is None:
        evened = normalise(_small(picture, CHECK_SIDE))
    factor = max(picture.size) / max(evened.size)
    upright = evened.rotate(-turned, expand=True) if turned else evened
    knots = bend(upright, letter_height(read) / view.scale / factor)
    return tuple((x * factor, shift * factor) for x, shift in knots)


#: The turns tried, in order, when nothing read well and orientation detection gave no
#: answer: a phone held on its side, either way, then upside down (photos of a summons, a
#: criminal case, a medical certificate and a military ID turned half a turn were refused as
#: unreadable: orientation detection gave no answer and only the quarter turns were read).
SIDEWAYS_TURNS = (90, 270, 180)


def _runs_down(read: ocr_engine.OcrPage, *, confident_only: bool = True) -> bool:
    """Most (confident) words of three or more letters are taller than wide: the text runs up
    or down the picture."""
    words = [w for w in read.words if len(w.text) >= 3
             and (not confident_only or w.confidence >= ocr_engine.CONFIDENT)]
    return bool(words) and sum(w.height > w.width for w in words) > 0.6 * len(words)


def _garbage_down(read: ocr_engine.OcrPage) -> bool:
    """A poor reading whose words, whatever their confidence, run down the picture: its lines
    read as garbage."""
    return not reads_well(read) and _runs_down(read, confident_only=False)


#: A word read in one line that starts at most this many letter heights after a word of
#: another line ends, level with it, continues that other line (crossed_lines).
CROSSED_REACH = 1.5
#: Words this share of the confident words' median height or less, or this share or more,
#: are no word of one line of print (a dash, a comma; a box that spans two lines).
PRINTED_HEIGHT = (0.4, 1.5)


def crossed_lines(read: ocr_engine.OcrPage) -> int:
    """How many lines of the reading run from one line of print into another.

    Tesseract follows a line of print by its layout analysis, and on a page bent into waves
    it can leave a line half-way and go on along the line above or below: a photo of a
    military ID, bent, read the end of «Принят на воинский учёт Псковским районным военным
    комиссариатом ...» in one line with the start of the line under it, «в/ч 73612, полевая
    почта 45087», and the parts of that line it could not follow as words boxed over both
    lines, at confidence 7 to 33 ("ры", "ров", "pairs"). The unit's number was in no word
    read, no rule found it, and the page passed with it readable: every line held words
    read, so the check of unread lines saw nothing. Such a line is told by a word wholly
    above or below the word before it in its line that starts where a word of another line
    ends, level with that word: the line ran on into the other. A line leaning with the page
    has no such word: the other lines lie a line's height above and below it."""
    height = letter_height(read)
    if not height:
        return 0
    lowest, tallest = PRINTED_HEIGHT[0] * height, PRINTED_HEIGHT[1] * height
    lines: dict[tuple[int, int, int], list[ocr_engine.OcrWord]] = {}
    for word in read.words:
        if lowest <= word.height <= tallest:
            lines.setdefault(word.line, []).append(word)

    def level(one: ocr_engine.OcrWord, other: ocr_engine.OcrWord) -> float:
        return min(one.bottom, other.bottom) - max(one.top, other.top)

    def continues(word: ocr_engine.OcrWord, before: ocr_engine.OcrWord,
                  line: tuple[int, int, int]) -> bool:
        return any(key != line and other.left > before.left
                   and -0.25 * height <= word.left - other.right <= CROSSED_REACH * height
                   and level(other, word) >= 0.5 * min(other.height, word.height)
                   for key, others in lines.items() for other in others)

    crossed = 0
    for line, words in lines.items():
        words.sort(key=lambda word: word.left)
        if any(level(before, word) <= 0 and continues(word, before, line)
               for before, word in zip(words, words[1:], strict=False)):
            crossed += 1
    return crossed


#: A word read below this confidence that no dictionary knows is garbage (garbled_lines).
GARBLED = 50.0
#: A word of up to SHORT letters read below this confidence is garbage though a dictionary
#: knows it: nearly every short string of letters is some word or abbreviation (a crease
#: across «М-345678» was read "АДА" at confidence 3).
GUESSED = 20.0
SHORT = 3
#: A word read below this confidence is garbage whatever it spells: the same crease read
#: «номер М-345678» "труппе" at confidence 0 in an evened view.
UNSUPPORTED = 10.0


def garbled_lines(read: ocr_engine.OcrPage) -> int:
    """How many lines of the reading are mostly garbage: more than half of their words of a
    line's height (of two letters or digits or more) read below GARBLED confidence and known
    to no dictionary.

    A fold across a photo of a military ID ran its crease through «Личный номер М-345678»: the
    tops of the letters gone, the line below moved. Tesseract read "Личный мумерн г: ыы", the
    three words after the first at confidence 27 to 37; the page read 34 words of 37 with
    confidence and passed, with the personal number's last digits readable on the copy. What
    such a line holds cannot be known, and the share of confident words guards a page, not a
    line. A word in Russian's dictionary counts as read however low its confidence (small
    print reads right at 16 to 29: «Военный комиссар полковник»), unless it is of SHORT letters
    or fewer and read below GUESSED, or read below UNSUPPORTED.

    A crease that took the tops of the same line read it "TO В АДА и": "TO" at 39, "АДА" at
    3, and «ад» is in the dictionary; the evened view read it "пк АТТА ТИС Ху рту труппе",
    the last at 0."""
    return len(_garbled(read))


def _garbled(read: ocr_engine.OcrPage) -> set[tuple[int, int, int]]:
    """The lines garbled_lines counts, as Tesseract numbers them."""
    height = letter_height(read)
    if not height:
        return set()
    lines: dict[tuple[int, int, int], list[ocr_engine.OcrWord]] = {}
    for word in read.words:
        if (PRINTED_HEIGHT[0] * height <= word.height <= WORD_TALLEST * height
                and sum(ch.isalnum() for ch in word.text) >= 2):
            lines.setdefault(word.line, []).append(word)
    return {line for line, words in lines.items()
            if len(words) >= 2 and 2 * sum(map(_garbage, words)) > len(words)}


def _garbage(word: ocr_engine.OcrWord) -> bool:
    if word.confidence >= GARBLED:
        return False
    letters = word.text.strip(".,:;!?()«»\"'-–—").lower()
    if not letters.isalpha() or not all("а" <= ch <= "я" or ch == "ё" for ch in letters):
        return True
    if word.confidence < UNSUPPORTED or (len(letters) <= SHORT and word.confidence < GUESSED):
        return True
    analyzer = morph_analyzer()
    return analyzer is not None and not analyzer.word_is_known(letters)


def letter_height(read: ocr_engine.OcrPage) -> float:
    """The median height of confidently read words, in the read picture's pixels."""
    heights = sorted(w.height for w in read.words if w.confidence >= ocr_engine.CONFIDENT)
    return float(heights[len(heights) // 2]) if heights else 0.0


def _letter_width(read: ocr_engine.OcrPage) -> float:
    """The median width per letter of the words of three or more letters or digits read with
    confidence, in the read picture's pixels (0 when there is none)."""
    widths = sorted(w.width / len(w.text) for w in read.words
                    if w.confidence >= ocr_engine.CONFIDENT
                    and sum(ch.isalnum() for ch in w.text) >= 3)
    return widths[len(widths) // 2] if widths else 0.0


def _measured_words(view: View, read: ocr_engine.OcrPage) -> list[print_blur.Word]:
    """The words of three or more letters or digits read with confidence, where they lie on
    the page and how wide they are along their line, in the page's pixels."""
    return [print_blur.Word(view.to_page(w.left, w.top, w.right, w.bottom),
                            w.width / view.scale, w.text)
            for w in read.confident() if sum(ch.isalnum() for ch in w.text) >= 3]


def _orientation(evened: Image.Image) -> int:
    found = ocr_engine.orientation(evened)
    if found is not None and found.confidence >= MIN_ORIENTATION_CONFIDENCE:
        return found.clockwise
    return 0
