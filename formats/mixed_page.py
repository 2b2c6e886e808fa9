"""Mixed pages: a burned page split into a black-and-white text layer over a background picture.

A page that mixes text with a photograph, a stamp, a coloured form or shading cannot be stored
in black and white without losing its tones, and as one JPEG its text is blurred at the size
JPEG needs. Split (the mixed raster content of DjVu and scanners), such a page is:

- the *ink*: every dark, colourless pixel that stands out from its surroundings (text, lines),
  at the burning resolution, lossless (CCITT Group 4), drawn in the ink's measured colour;
- the *black*: every pixel that is exactly black (the painted boxes), lossless, drawn black;
- the *background*: the page at half the resolution, JPEG, in which the ink's pixels are
  filled from their surroundings (so the background compresses); the boxes stay black in it.

The split runs on the burned page (boxes already painted), so no layer can carry anything the
burned page did not. :func:`compose` draws the layers again as a reader does; burning keeps the
split only when the composed page stays close to the burned one (:func:`readable`) and is
smaller than the page as one JPEG (papka.formats.burn.encode_page). docs/redaction.md, "Mixed
pages", gives the figures.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageStat

from papka.formats.rank_filters import max_filter

__all__ = ["BACKGROUND_QUALITY", "BACKGROUND_REDUCTION", "MixedPage", "background_jpeg",
           "compose", "lost_share", "readable", "split_page"]

#: The background is stored at 1/2 of the burning resolution (100 dpi for 200 dpi pages): the
#: text is in the ink layer at full resolution, and what stays in the background (photographs,
#: stamps, shading) reads at 100 dpi, for a quarter of the pixels.
BACKGROUND_REDUCTION = 2
#: JPEG quality of the background, the same as of pages stored whole as JPEG.
BACKGROUND_QUALITY = 85
#: A pixel is ink when it is this many grey levels darker than the lightest pixel within
#: about 2.5 mm of it (the paper or picture around a letter) ...
INK_CONTRAST = 64
#: ... no lighter than this level ...
INK_LEVEL = 140
#: ... and colourless: channels no more than this many levels apart (coloured marks, a blue
#: stamp or signature, stay in the background, in their colour).
INK_COLOUR_SPREAD = 32
#: The surroundings are judged on a copy reduced this many times, over INK_WINDOW of its pixels.
_INK_REDUCTION = 4
_INK_WINDOW = 5
#: The ink's holes in the background are filled from its surroundings judged on a copy reduced
#: this many times (about 1.5 mm around at 200 dpi).
_FILL_REDUCTION = 4
#: The readability rule (:func:`readable`): squares of this many pixels ...
READ_SQUARE = 32
#: ... may differ from the burned page by more than this mean of grey levels ...
READ_ERROR = 16
#: ... in no more than this share of the page's squares.
READ_ERROR_SHARE = 0.01


@dataclass(frozen=True)
class MixedPage:
    """A burned page as its layers (each a fresh picture without metadata)."""

    #: The background at 1/BACKGROUND_REDUCTION of the page's size, "L" or "RGB".
    background: Image.Image
    #: The ink, full size, mode "1": 0 where ink is drawn.
    ink: Image.Image
    #: The ink's colour, 0-255 per channel (grey pages: three equal values).
    ink_colour: tuple[int, int, int]
    #: The exactly black pixels (the boxes), full size, mode "1": 0 where black is drawn.
    black: Image.Image


def _grey(picture: Image.Image) -> Image.Image:
    return picture if picture.mode == "L" else picture.convert("L")


def _colourless(picture: Image.Image) -> Image.Image:
    """255 where the pixel's channels lie within INK_COLOUR_SPREAD of each other."""
    if picture.mode == "L":
        return Image.new("L", picture.size, 255)
    red, green, blue = picture.split()
    high = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    low = ImageChops.darker(ImageChops.darker(red, green), blue)
    return ImageChops.subtract(high, low).point(
        [255 if v <= INK_COLOUR_SPREAD else 0 for v in range(256)])


def _black(picture: Image.Image) -> Image.Image:
    """255 where every channel is exactly 0: the painted boxes (and any pure black ink)."""
    if picture.mode == "L":
        return picture.point([255 if v == 0 else 0 for v in range(256)])
    red, green, blue = picture.split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return brightest.point([255 if v == 0 else 0 for v in range(256)])


def _ink(picture: Image.Image, black: Image.Image) -> Image.Image:
    """255 on the text and line-art pixels (not the black ones, which have a layer of their
    own)."""
    grey = _grey(picture)
    # The surroundings: the lightest tone near each pixel, judged on a reduced copy (a letter's
    # strokes are thinner than the window, so the window reaches paper).
    around = max_filter(grey.reduce(_INK_REDUCTION), _INK_WINDOW).resize(
        grey.size, Image.Resampling.BILINEAR)
    # Smoothed over 3 pixels, so grain in a photograph does not count as ink.
    smooth = grey.filter(ImageFilter.BoxBlur(1))
    standing_out = ImageChops.subtract(around, smooth).point(
        [255 if v >= INK_CONTRAST else 0 for v in range(256)])
    dark = grey.point([255 if v <= INK_LEVEL else 0 for v in range(256)])
    ink = ImageChops.darker(ImageChops.darker(standing_out, dark), _colourless(picture))
    return ImageChops.subtract(ink, black)


def _fill(small: Image.Image, hole: Image.Image) -> Image.Image:
    """The holes (255 in ``hole``) filled from their surroundings, on a copy: each hole pixel
    takes the lightest tone near it (the holes are dark marks, so that is the paper or picture
    around them), judged on a copy reduced _FILL_REDUCTION times over 3 of its pixels."""
    reduced = max_filter(small.reduce(_FILL_REDUCTION), 3)
    filled = small.copy()
    filled.paste(reduced.resize(small.size, Image.Resampling.BILINEAR), mask=hole)
    return filled


def _as_bilevel(layer: Image.Image) -> Image.Image:
    """A 255-on-layer mask as a black-and-white picture, black (0) where the layer is.

    Not dithered: the levels are 0 and 255 only, so the pixels are the same as with
    Pillow's default dithering, in a tenth of the time."""
    return layer.point([0 if v else 255 for v in range(256)]).convert(
        "1", dither=Image.Dither.NONE)


def split_page(picture: Image.Image) -> MixedPage | None:
    """The page's ink, black and background layers; None when the page has no ink and nothing
    black to split off (it is stored whole)."""
    if picture.mode not in ("L", "RGB"):
        raise ValueError("A page to split is grey or RGB.")
    black = _black(picture)
    ink = _ink(picture, black)
    if ink.getbbox() is None and black.getbbox() is None:
        return None
    ink_colour: tuple[int, int, int] = (0, 0, 0)
    if ink.getbbox() is not None:
        colour = ImageStat.Stat(picture, mask=ink).median
        ink_colour = ((colour[0],) * 3 if picture.mode == "L" else
                      (colour[0], colour[1], colour[2]))
    # The ink is filled in the background, so the background compresses; the letters' smoothed
    # edges stay in it, and drawn under the ink they look as they did. The boxes stay black in
    # the background too: a reader that drew the background alone would still show them.
    size = (max(1, picture.width // BACKGROUND_REDUCTION),
            max(1, picture.height // BACKGROUND_REDUCTION))
    small = picture.resize(size, Image.Resampling.BOX)
    boxes = black.resize(size, Image.Resampling.BOX).point([255 if v == 255 else 0
                                                             for v in range(256)])
    hole = ImageChops.subtract(ink.resize(size, Image.Resampling.BOX).point(
        [255 if v else 0 for v in range(256)]), boxes)
    background = _fill(small, hole)
    return MixedPage(background, _as_bilevel(ink), ink_colour, _as_bilevel(black))


def background_jpeg(page: MixedPage) -> bytes:
    """The background as stored: JPEG at BACKGROUND_QUALITY, nothing but its pixels."""
    buffer = io.BytesIO()
    page.background.save(buffer, format="JPEG", quality=BACKGROUND_QUALITY)
    return buffer.getvalue()


def compose(background_jpeg: bytes, page: MixedPage) -> Image.Image:
    """The page as a reader draws it: the stored background enlarged to the page's size, the
    ink in its colour over it, the black over both."""
    with Image.open(io.BytesIO(background_jpeg)) as stored:
        drawn = stored.convert("RGB").resize(page.ink.size, Image.Resampling.BILINEAR)
    drawn.paste(page.ink_colour, mask=ImageChops.invert(page.ink.convert("L")))
    drawn.paste((0, 0, 0), mask=ImageChops.invert(page.black.convert("L")))
    return drawn


def lost_share(burned: Image.Image, composed: Image.Image) -> float:
    """The share of READ_SQUARE squares whose grey levels differ, on average, by more than
    READ_ERROR between the burned page and the page drawn from its layers."""
    difference = ImageChops.difference(_grey(burned), _grey(composed)).reduce(READ_SQUARE)
    counts = difference.histogram()
    return sum(counts[READ_ERROR + 1:]) / max(1, difference.width * difference.height)


def readable(burned: Image.Image, composed: Image.Image) -> bool:
    """Whether the split keeps the page readable: no more than READ_ERROR_SHARE of its squares
    differ from the burned page by more than READ_ERROR grey levels on average."""
    return lost_share(burned, composed) <= READ_ERROR_SHARE
