"""Pages folded across their print: a paper carried folded in four, photographed opened.

A fold's crease runs across the page as a dark band, and the paper turned away takes the tops
of the letters it crosses. Tesseract then reads the line under it as garbage, or not at all,
and nothing says so: the page's other lines read with confidence. A military ID folded across
«Личный номер М-345678» passed with the personal number readable. A line read only as garbage
(views.garbled_lines) makes the page unreadable, and the search for lines left unread
(views.check_lines) no longer lets garbage, a line read as garbage, or a doubtful word boxed
over two lines stand for a line read.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from papka import media
from papka.formats import UnreadablePages, ocr, plan_redaction, redact_as_planned, views
from papka.formats.reading import PageReading
from papka.formats.verify import verify
from tests.conftest import require_tool
from tests.formats.test_detect import MILITARY_ID
from tests.formats.test_small_pictures import _sheet
from tests.formats.test_unread_lines import in_both_languages


def _folded(crease: int, *, lost: int = 8, shade: float = 0.5) -> bytes:
    """The military ID drawn straight at about 200 dpi, folded across at row `crease`: the
    `lost` rows under the crease gone (the paper turned away there), a shadow darkening
    towards the crease; then blurred a little, reduced and saved as a phone's JPEG."""
    sheet = _sheet(MILITARY_ID, 0.0, tilt=0.0, pitch=45)
    width, height = sheet.size
    folded = Image.new("L", sheet.size, 235)
    folded.paste(sheet.crop((0, 0, width, crease)), (0, 0))
    folded.paste(sheet.crop((0, crease + lost, width, height)), (0, crease))
    shadow = Image.new("L", sheet.size, 255)
    draw = ImageDraw.Draw(shadow)
    for row in range(crease - 18, crease + 6):
        darker = 1 - shade * (1 - abs(row - crease) / 18)
        draw.line((0, row, width, row), fill=int(255 * darker))
    picture = ImageChops.multiply(folded, shadow)
    picture = picture.filter(ImageFilter.GaussianBlur(1.2))
    picture = picture.resize((round(width * 0.7), round(height * 0.7)),
                             Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


#: What the unfolded military ID has to hide.
IDENTIFIERS = ["1234567", "ЁЛКИН", "ДМИТРИЙ", "ноября 1996", "345678", "73612", "45087"]


@pytest.mark.parametrize(("crease", "lost"),
                         [(372, 8), (380, 10), (105, 6), (150, 6), (240, 12), (330, 12)])
def test_a_line_under_a_crease_is_never_passed_unread(crease: int, lost: int) -> None:
    """Each fold but the last passed with exit 0 and an identifier readable.

    At row 372 the crease touches the tops of «Личный номер М-345678»: the plain reading has
    no word of that line, one word of the line above ("рождены", at confidence 20) is boxed
    down over it, and the evened reading reads it "ООО О" at 12 and 21. At row 380 it takes
    the tops of the letters: the plain reading reads the line "TO В АДА и", the evened one
    "пк АТТА ТИС Ху рту труппе"; the number stays readable to the eye. At rows 105 and 150
    it runs along the tops of «АВ № 1234567» and «Фамилия ЁЛКИН», which stayed readable. At
    240 the first name was read "дмитрий" in small letters and left; at 330 «7 ноября 1996 г.»
    was read "7 peel a 1996 г.", which no rule took (the page was refused only because the
    crease itself counted as a line left unread). Each page is now unreadable, or everything
    on it is boxed."""
    require_tool("tesseract")
    data = _folded(crease, lost=lost)
    plan = plan_redaction(data, media.JPEG, preset="ru-personal")
    (reading,) = plan.readings
    if reading.status == "unreadable":
        assert reading.lines_unread or reading.lines_garbled, reading
        with pytest.raises(UnreadablePages):
            redact_as_planned(data, media.JPEG, plan)
        return
    assert "М-345678" in plan.secrets, plan.secrets
    copy = redact_as_planned(data, media.JPEG, plan).data
    assert verify(copy, media.JPEG, IDENTIFIERS, ocr=True).ok


def _word(text: str, left: int, line: int, confidence: float, height: int = 30
          ) -> ocr.OcrWord:
    return ocr.OcrWord(text, left, 100 + 50 * line, 20 * len(text), height, (1, line, 1),
                       confidence)


#: Lines of a page as Tesseract read them (word, confidence): the fold's line read as garbage,
#: and a line of small print read right at low confidence.
READ_RIGHT = [("Военный", 29), ("комиссар", 96), ("полковник", 16), ("стр.", 96), ("1", 93),
              ("из", 2), ("2", 2)]
GARBLED = [("Личный", 95), ("мумерн", 36), ("г:", 37), ("ыы", 27)]
CONFIDENT = [("Дата", 96), ("рождения", 97), ("7", 95), ("ноября", 95), ("1996", 96)]


def _page(*lines: list[tuple[str, float]]) -> ocr.OcrPage:
    words = []
    for number, line in enumerate(lines):
        left = 100
        for text, confidence in line:
            words.append(_word(text, left, number, confidence))
            left += 20 * len(text) + 15
    return ocr.OcrPage(words, {})


def test_a_line_read_as_garbage_is_told_from_small_print_read_right() -> None:
    assert views.garbled_lines(_page(CONFIDENT, GARBLED, CONFIDENT)) == 1
    # Words Russian's dictionary knows count as read however low their confidence.
    assert views.garbled_lines(_page(CONFIDENT, READ_RIGHT, CONFIDENT)) == 0
    # Latin letters or digits read with little confidence are garbage in a Russian line.
    latin = [("Личный", 95), ("NYT?", 30), ("245S78", 40), ("г", 30)]
    assert views.garbled_lines(_page(CONFIDENT, latin, CONFIDENT)) == 1
    # Short words read with almost no confidence are guesses, though a dictionary knows
    # «ада» and «рту»; so is any word read below 10 («труппе» at 0).
    crease = [("TO", 39), ("В", 13), ("АДА", 3), ("и", 35)]
    assert views.garbled_lines(_page(CONFIDENT, crease, CONFIDENT)) == 1
    evened = [("пк", 20), ("АТТА", 9), ("ТИС", 18), ("Ху", 43), ("рту", 19), ("труппе", 0)]
    assert views.garbled_lines(_page(CONFIDENT, evened, CONFIDENT)) == 1
    # A line of one doubtful word is no line of garbage (a speck, a signature's stroke) ...
    assert views.garbled_lines(_page(CONFIDENT, [("ыы", 20)], CONFIDENT)) == 0
    # ... nor a word far taller than the line's letters (a stamp's ring read as a word).
    tall = [("Личный", 95), ("мумерн", 36)]
    page = _page(CONFIDENT, tall, CONFIDENT)
    page.words[len(CONFIDENT) + 1] = ocr.OcrWord("мумерн", 200, 150, 120, 90, (1, 1, 1), 36)
    assert views.garbled_lines(page) == 0


def test_a_page_with_a_line_read_as_garbage_is_unreadable_and_the_keeper_told_why() -> None:
    reading = PageReading(0, "unreadable", words=40, confident_words=36, letter_width=12.0,
                          garbled_lines=1)
    assert reading.lines_garbled and not reading.lines_unread and not reading.lines_crossed
    english, russian = in_both_languages(reading)
    assert "read as garbage" in english and "without a fold" in english
    assert "бессмыслица" in russian and "без сгиба" in russian
    assert not PageReading(0, "read", letter_width=12.0).lines_garbled
