"""The fast rank filters give exactly Pillow's pixels, edges included."""

from __future__ import annotations

import random

import pytest
from PIL import Image, ImageDraw, ImageFilter

from papka.formats.rank_filters import max_filter, median_3x3, min_filter

SIZES = [(1, 1), (1, 4), (5, 1), (2, 2), (3, 7), (64, 48), (401, 300)]


def _pictures(size: tuple[int, int]) -> list[Image.Image]:
    rng = random.Random(size[0] * 1000 + size[1])
    noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    # Flat areas and straight edges too, where ties decide.
    shapes = Image.new("L", size, 200)
    ImageDraw.Draw(shapes).rectangle((0, 0, size[0] // 2, size[1] // 3), fill=10)
    return [noise, shapes]


@pytest.mark.parametrize("size", SIZES)
def test_the_median_gives_pillows_pixels(size: tuple[int, int]) -> None:
    for picture in _pictures(size):
        expected = picture.filter(ImageFilter.MedianFilter(3))
        assert median_3x3(picture).tobytes() == expected.tobytes()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("window", [1, 3, 5, 7])
def test_minimum_and_maximum_give_pillows_pixels(size: tuple[int, int], window: int) -> None:
    for picture in _pictures(size):
        assert (max_filter(picture, window).tobytes()
                == picture.filter(ImageFilter.MaxFilter(window)).tobytes())
        assert (min_filter(picture, window).tobytes()
                == picture.filter(ImageFilter.MinFilter(window)).tobytes())


@pytest.mark.parametrize("window", [3, 5])
def test_a_colour_pictures_channels_are_filtered_each_on_its_own(window: int) -> None:
    rng = random.Random(window)
    picture = Image.frombytes("RGB", (37, 23), rng.randbytes(37 * 23 * 3))
    assert (max_filter(picture, window).tobytes()
            == picture.filter(ImageFilter.MaxFilter(window)).tobytes())
    assert (min_filter(picture, window).tobytes()
            == picture.filter(ImageFilter.MinFilter(window)).tobytes())


def test_other_modes_or_an_even_window_are_refused() -> None:
    with pytest.raises(ValueError, match="grey"):
        median_3x3(Image.new("RGB", (4, 4)))
    with pytest.raises(ValueError, match="grey or RGB"):
        max_filter(Image.new("1", (4, 4)))
    with pytest.raises(ValueError, match="odd"):
        min_filter(Image.new("L", (4, 4)), 4)
