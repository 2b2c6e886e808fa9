"""How blurred a page's print is for the size of its letters: a photo out of focus is read
"with confidence", and wrong.

Out of focus, an English asylum letter photographed at 0.7 of the sheet was read 76 %
confident, so it counted as read, while its e-mail came out as garbage and its writer's name
half so; no detector found them, and the copy passed with both readable (docs/redaction.md,
"Blurred photos"). Confidence does not tell such a page from a sharp one; the edges of its
letters do.

For a step from paper to ink blurred by a Gaussian of spread sigma, the steepest slope is
contrast / (sigma * sqrt(2 pi)). In each word read with confidence the contrast is taken as the
spread of its grey levels (95th minus 3rd percentile) and the slope as the 99th percentile of
its Sobel gradient; their quotient gives sigma in the page's own pixels, whatever the ink's
darkness or the light. A stroke thinner than the blur never reaches full contrast: text set
at 30 pixels and blurred by 2 or 3 gives about 0.6 of that, once the spread of a sharp edge
(SHARP_EDGE) is taken out. The figure is a measure, not the lens's sigma, and the limit
(views.MAX_BLUR) was chosen on measured pages. Each word's spread is divided by the word's
size, its em (its width over the width of its text set in DejaVu Sans one pixel high): letters'
widths would make Latin text look blurrier than Cyrillic, whose letters are wider.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageFilter, ImageFont, ImageMath

from papka.formats import fonts

#: The words measured on a page, spread over it: enough for a steady median, few enough to
#: stay within milliseconds on a 12-megapixel photo.
MOST_WORDS = 60
#: A word whose grey levels spread less than this is no edge to measure (a speck, a smudge).
LEAST_CONTRAST = 20
#: The Sobel kernels, divided by 8 so that a slope of one grey level per pixel reads as 1
#: (before edge_spread counts it in bins of 0.75).
_ACROSS = ImageFilter.Kernel((3, 3), (-1, 0, 1, -2, 0, 2, -1, 0, 1), scale=8, offset=128)
_DOWN = ImageFilter.Kernel((3, 3), (-1, -2, -1, 0, 0, 0, 1, 2, 1), scale=8, offset=128)
#: What the measure gives for a sharp edge (pixels): text set without blur, at 12 to 60
#: pixels, dark or faint, reads 0.56 to 0.60, the pixels themselves being the only spread. It
#: is taken out (spreads add as squares), so that a small sharp picture, whose few pixels a
#: letter make this floor a large share of the letters' size, does not look blurred: its size
#: is the letter-width rule's to judge (views.MIN_LETTER_WIDTH). Slightly below the measured
#: floor, so that a blurred page never looks sharper than it is.
SHARP_EDGE = 0.55
#: The letters' size is measured against DejaVu Sans set at this many pixels.
_FONT_SIZE = 100


@dataclass(frozen=True)
class Word:
    """A word read with confidence: where it lies on the page (pixels), how wide it is along
    its line (page pixels; the rectangle of a tilted word is wider), and its text."""

    box: tuple[float, float, float, float]
    width: float
    text: str


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(fonts.REGULAR), _FONT_SIZE)


def em(width: float, text: str) -> float:
    """The size of a word's letters (pixels): its width over that of its text in DejaVu Sans
    one pixel high (0 for text without width)."""
    ems = _font().getlength(text) / _FONT_SIZE
    return width / ems if ems > 0 else 0.0


def _percentile(histogram: Sequence[int], share: float) -> int:
    """The level below which `share` of the counted pixels lie (bins of one level)."""
    total = sum(histogram)
    wanted = share * total
    seen = 0
    for level, count in enumerate(histogram):
        seen += count
        if seen >= wanted:
            return level
    return len(histogram) - 1


def edge_spread(word: Image.Image) -> float | None:
    """The spread (sigma, pixels) of the blur on a grey picture of one word, or None when it
    holds no edge to measure."""
    if word.width < 5 or word.height < 5:
        return None
    levels = word.histogram()
    contrast = _percentile(levels, 0.95) - _percentile(levels, 0.03)
    if contrast < LEAST_CONTRAST:
        return None
    # Pillow's kernels leave the outermost pixels as they were: they are cut off.
    inner = (1, 1, word.width - 1, word.height - 1)
    across = word.filter(_ACROSS).crop(inner)
    down = word.filter(_DOWN).crop(inner)
    slope = ImageMath.lambda_eval(
        lambda e: ((e["a"] - 128) ** 2 + (e["d"] - 128) ** 2) ** 0.5, a=across, d=down)
    # Pillow counts a float picture in 256 bins over the extrema given: here 0.75 grey level
    # a pixel each. The first 192 bins (slopes up to 144; steeper ones are specks of noise)
    # are counted, and the slope is taken in bins: the figure is a measure in those units,
    # and SHARP_EDGE and views.MAX_BLUR were measured in the same.
    steepest = _percentile(slope.histogram(extrema=(0.0, 192.0))[:192], 0.99) + 0.5
    return contrast / (steepest * math.sqrt(2 * math.pi))


def page_blur(picture: Image.Image, words: Sequence[Word]) -> float:
    """The blur of a page's print for the size of its letters: the median over its words of
    each word's edge spread divided by its em (0 when no word could be measured)."""
    chosen = list(words)
    if len(chosen) > MOST_WORDS:
        step = len(chosen) / MOST_WORDS
        chosen = [chosen[int(index * step)] for index in range(MOST_WORDS)]
    shares = []
    for word in chosen:
        size = em(word.width, word.text)
        x0, y0, x1, y1 = word.box
        box = (max(0, math.floor(x0)), max(0, math.floor(y0)),
               min(picture.width, math.ceil(x1)), min(picture.height, math.ceil(y1)))
        if size <= 0 or box[2] - box[0] < 5 or box[3] - box[1] < 5:
            continue
        crop = picture.crop(box)
        spread = edge_spread(crop if crop.mode == "L" else crop.convert("L"))
        if spread is not None:
            shares.append(math.sqrt(max(0.0, spread * spread - SHARP_EDGE * SHARP_EDGE)) / size)
    shares.sort()
    return shares[len(shares) // 2] if shares else 0.0
