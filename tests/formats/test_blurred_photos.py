"""A photo too blurred to read reliably is refused, never passed as read.

Out of focus (a Gaussian blur of 3 pixels at 200 dpi) and reduced to 0.7 of the sheet, an
English asylum letter was read 76 % confident, so it counted as read, while its e-mail came out
as garbage and its writer's name half so: no detector found them, and the copy passed with
exit 0 and both readable. papka measures how far the letters' edges spread for the letters' size
(papka.formats.blur) and counts a page above views.MAX_BLUR as unreadable
(docs/redaction.md, "Blurred photos").
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from papka import media
from papka.formats import UnreadablePages, blur, fonts, plan_redaction, redact_as_planned, views
from papka.formats.reading import MOST_BLUR, SMALLEST_LETTERS, PageReading
from tests.conftest import require_tool
from tests.formats.test_detect import ASYLUM_LETTER, CRIMINAL_CASE, MEDICAL, MILITARY_ID, SUMMONS
from tests.formats.test_small_pictures import _on_a4_page, _sheet
from tests.formats.test_unread_lines import in_both_languages

#: The keeper's own names, as the detection test of the letter gives them.
KEEPER = ["Кравчишин", "Юрий"]


def _photo(text: str, scale: float, spread: float, quality: int = 85) -> bytes:
    """`text` on a sheet at about 200 dpi, tilted, blurred by `spread` pixels, reduced by
    `scale` and saved as a JPEG of `quality` (a phone's photo, out of focus)."""
    sheet = _sheet(text, spread)
    sheet = sheet.resize((round(sheet.width * scale), round(sheet.height * scale)),
                         Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    sheet.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


# --- the measure, without OCR -----------------------------------------------------------------


def _words(size: int, spread: float, ink: int) -> tuple[Image.Image, list[blur.Word]]:
    """Words of both alphabets set at `size` pixels, blurred by `spread`, and where they lie."""
    font = ImageFont.truetype(str(fonts.REGULAR), size)
    texts = ["Следователь", "военного", "следственного", "отдела", "капитан", "юстиции",
             "asylum", "application", "currently", "residing", "military", "unit"]
    picture = Image.new("L", (size * 32, size * 8), 235)
    draw = ImageDraw.Draw(picture)
    words = []
    x, y = size, size
    for text in texts:
        left, top, right, bottom = draw.textbbox((x, y), text, font=font)
        draw.text((x, y), text, font=font, fill=ink)
        words.append(blur.Word((left - 2, top - 2, right + 2, bottom + 2), right - left, text))
        x = right + size
        if x > size * 24:
            x, y = size, y + 2 * size
    return picture.filter(ImageFilter.GaussianBlur(spread)), words


def test_blur_is_measured_for_the_letters_size_whatever_their_darkness() -> None:
    sharp = blur.page_blur(*_words(30, 0.0, 40))
    mild = blur.page_blur(*_words(30, 1.2, 40))
    blurred = blur.page_blur(*_words(30, 3.0, 40))
    assert sharp < mild < views.MAX_BLUR < blurred
    # Faint print blurred alike measures alike: the slope is taken against the word's contrast.
    assert blur.page_blur(*_words(30, 3.0, 175)) == pytest.approx(blurred, rel=0.1)
    # The same page photographed twice as large: twice the blur in pixels, the same measure.
    assert blur.page_blur(*_words(60, 6.0, 40)) == pytest.approx(blurred, rel=0.15)
    # A small sharp picture is not blurred: its few pixels are the letter-width rule's matter.
    assert blur.page_blur(*_words(12, 0.0, 40)) < 0.5 * views.MAX_BLUR


def test_a_word_without_edges_is_not_measured() -> None:
    assert blur.edge_spread(Image.new("L", (60, 20), 200)) is None
    assert blur.page_blur(Image.new("L", (60, 20), 200),
                          [blur.Word((0, 0, 60, 20), 60, "пусто")]) == 0.0


def test_the_limit_is_the_one_plans_speak_of() -> None:
    assert views.MAX_BLUR == MOST_BLUR
    blurred = PageReading(0, "unreadable", words=100, confident_words=78, letter_width=11.0,
                          blur=0.06)
    assert blurred.too_blurred and not blurred.too_small and not blurred.lines_unread
    # Letters too small say so first; a page read is not refused whatever its figure.
    assert not PageReading(0, "unreadable", letter_width=5.0, blur=0.06).too_blurred
    assert not PageReading(0, "read", letter_width=11.0, blur=0.03).too_blurred
    both = PageReading(0, "unreadable", letter_width=11.0, blur=0.06, unread_lines=1)
    assert both.too_blurred and not both.lines_unread


def test_the_keeper_is_told_the_photo_is_too_blurred_in_both_languages() -> None:
    english, russian = in_both_languages(PageReading(
        1, "unreadable", words=100, confident_words=78, letter_width=11.0, blur=0.06))
    assert english == ("page 2: the photo is too blurred to read reliably — check it "
                       "yourself, or take a sharper photo")
    assert russian.startswith("страница 2: фото слишком размыто, чтобы прочитать его надёжно")
    assert "сделайте фото чётче" in russian


# --- photos read by Tesseract -----------------------------------------------------------------


def test_an_out_of_focus_letter_read_with_confidence_is_refused() -> None:
    """The photo of the report: by every other measure it read well."""
    require_tool("tesseract")
    data = _photo(ASYLUM_LETTER, 0.7, 3.0)
    plan = plan_redaction(data, media.JPEG, preset="ru-personal", hide=KEEPER)
    reading = plan.readings[0]
    assert reading.confident_words >= views.MIN_CONFIDENT_SHARE * reading.words
    assert reading.letter_width >= SMALLEST_LETTERS and reading.unread_lines == 0
    assert reading.status == "unreadable" and reading.too_blurred, reading
    assert reading.blur > views.MAX_BLUR
    with pytest.raises(UnreadablePages):
        redact_as_planned(data, media.JPEG, plan)


@pytest.mark.parametrize("spread", [1.2, 1.6])
def test_the_letter_sharp_or_mildly_blurred_is_read_and_redacted(spread: float) -> None:
    require_tool("tesseract")
    data = _photo(ASYLUM_LETTER, 0.7, spread)
    plan = plan_redaction(data, media.JPEG, preset="ru-personal", hide=KEEPER)
    reading = plan.readings[0]
    assert reading.status == "read" and 0 < reading.blur < views.MAX_BLUR, reading
    redacted = redact_as_planned(data, media.JPEG, plan)
    found = redacted.log.by_category()
    assert found.get("keeper-name", 0) >= 2 and found.get("passport-ru-foreign", 0) == 1


@pytest.mark.parametrize("text", [ASYLUM_LETTER, MEDICAL], ids=["letter", "certificate"])
@pytest.mark.parametrize("scale", [0.6, 0.8])
def test_papers_blurred_by_two_pixels_still_count_as_read(text: str, scale: float) -> None:
    """Blurred by 2 pixels they read 96-100 % confident and lost nothing to the blur that
    their sharp photos did not lose too."""
    require_tool("tesseract")
    reading = views.read_page(Image.open(io.BytesIO(_photo(text, scale, 2.0))), 0).reading
    assert reading.status == "read" and reading.blur < views.MAX_BLUR, reading


@pytest.mark.parametrize(("name", "scale"), [("MILITARY_ID", 0.8), ("CRIMINAL_CASE", 0.7),
                                             ("SUMMONS", 0.7), ("MEDICAL", 0.7)])
def test_papers_blurred_by_two_and_a_half_pixels_are_refused(name: str, scale: float) -> None:
    """Each of these read more than 70 % confident and lost an identifier to the blur (a date
    of birth, a personal number, an address, an e-mail), which the copy kept."""
    require_tool("tesseract")
    text = {"MILITARY_ID": MILITARY_ID, "CRIMINAL_CASE": CRIMINAL_CASE, "SUMMONS": SUMMONS,
            "MEDICAL": MEDICAL}[name]
    reading = views.read_page(Image.open(io.BytesIO(_photo(text, scale, 2.5))), 0).reading
    assert reading.status == "unreadable" and reading.too_blurred, reading


def test_a_blurred_photo_on_a_pdf_page_is_measured_alike() -> None:
    """A scanning app's page: rendered larger than the photo, the blur and the letters grow
    together."""
    require_tool("tesseract")
    photo = Image.open(io.BytesIO(_photo(ASYLUM_LETTER, 0.7, 3.0)))
    plan = plan_redaction(_on_a4_page(photo), media.PDF,
                          preset="ru-personal", hide=KEEPER)
    assert plan.readings[0].too_blurred, plan.readings[0]
