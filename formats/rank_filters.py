"""Minimum and maximum filters on grey and RGB pictures, and a 3 x 3 median on grey ones, with
the same pixels as Pillow's ``MinFilter``, ``MaxFilter`` and ``MedianFilter`` (edges repeated,
as Pillow does; tests/formats/test_rank_filters.py compares them), made of per-pixel minima and
maxima of the picture shifted by one pixel (``ImageChops.darker``, ``lighter``).

Pillow's rank filters look at every pixel of the window for every pixel of the picture: on a
200 dpi phone photo its 3 x 3 median took 0.23 s, a third of reading a page's processor time.
A window's maximum is the maximum of its rows' maxima, so a square of side k costs 2(k - 1)
per-pixel maxima, each a few milliseconds on such a page; the median is five numbers of its
columns' sorted values (median_3x3).
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image, ImageChops

__all__ = ["max_filter", "median_3x3", "min_filter"]

_Pick = Callable[[Image.Image, Image.Image], Image.Image]


def _edged(picture: Image.Image, margin: int) -> Image.Image:
    """The picture with `margin` pixels around it, each a copy of the nearest edge pixel."""
    width, height = picture.size
    edged = Image.new(picture.mode, (width + 2 * margin, height + 2 * margin))
    edged.paste(picture, (margin, margin))
    top = picture.crop((0, 0, width, 1))
    bottom = picture.crop((0, height - 1, width, height))
    for row in range(margin):
        edged.paste(top, (margin, row))
        edged.paste(bottom, (margin, height + margin + row))
    left = edged.crop((margin, 0, margin + 1, height + 2 * margin))
    right = edged.crop((width + margin - 1, 0, width + margin, height + 2 * margin))
    for column in range(margin):
        edged.paste(left, (column, 0))
        edged.paste(right, (width + margin + column, 0))
    return edged


def _grey(picture: Image.Image) -> None:
    if picture.mode != "L":
        raise ValueError("a rank filter here takes a grey picture (mode L)")


def _grey_or_colour(picture: Image.Image) -> None:
    # A colour picture's channels are filtered each on its own, as Pillow does.
    if picture.mode not in ("L", "RGB"):
        raise ValueError("a rank filter here takes a grey or RGB picture (mode L or RGB)")


def _extreme(picture: Image.Image, size: int, pick: _Pick) -> Image.Image:
    _grey_or_colour(picture)
    if size < 1 or size % 2 == 0:
        raise ValueError("a filter's size is an odd number of pixels")
    if size == 1:
        return picture.copy()
    margin = size // 2
    width, height = picture.size
    edged = _edged(picture, margin)
    # Along each row, then down each column.
    rows = edged.crop((0, 0, width, height + 2 * margin))
    for shift in range(1, size):
        rows = pick(rows, edged.crop((shift, 0, width + shift, height + 2 * margin)))
    result = rows.crop((0, 0, width, height))
    for shift in range(1, size):
        result = pick(result, rows.crop((0, shift, width, height + shift)))
    return result


def max_filter(picture: Image.Image, size: int = 3) -> Image.Image:
    """Each pixel the largest value in the size x size square around it."""
    return _extreme(picture, size, ImageChops.lighter)


def min_filter(picture: Image.Image, size: int = 3) -> Image.Image:
    """Each pixel the smallest value in the size x size square around it."""
    return _extreme(picture, size, ImageChops.darker)


def median_3x3(picture: Image.Image) -> Image.Image:
    """Each pixel the median of the 3 x 3 square around it: the median of three numbers, the
    largest of the square's columns' smallest values, the median of their middle values and
    the smallest of their largest values."""
    _grey(picture)
    width, height = picture.size
    lighter, darker = ImageChops.lighter, ImageChops.darker
    edged = _edged(picture, 1)
    above, middle, below = (edged.crop((0, row, width + 2, height + row)) for row in range(3))
    # Each column of three sorted: smallest, middle, largest.
    low_pair, high_pair = darker(above, middle), lighter(above, middle)
    smallest, rest = darker(low_pair, below), lighter(low_pair, below)
    largest, mid = lighter(high_pair, rest), darker(high_pair, rest)

    def columns(values: Image.Image) -> tuple[Image.Image, Image.Image, Image.Image]:
        left, centre, right = (values.crop((x, 0, width + x, height)) for x in range(3))
        return left, centre, right

    def median_of_three(a: Image.Image, b: Image.Image, c: Image.Image) -> Image.Image:
        return lighter(darker(a, b), darker(lighter(a, b), c))

    left, centre, right = columns(smallest)
    most_of_smallest = lighter(lighter(left, centre), right)
    left, centre, right = columns(largest)
    least_of_largest = darker(darker(left, centre), right)
    return median_of_three(most_of_smallest, median_of_three(*columns(mid)), least_of_largest)
