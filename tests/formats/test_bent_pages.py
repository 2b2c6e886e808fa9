"""Pages whose lines bend: a paper carried folded in a pocket, or photographed lying curved.

Tesseract follows a line of print by its layout analysis. On a bent page it can leave a line
half-way and go on along the next, or read a stretch of two lines as garbage boxed over both:
a bent military ID read «В/Ч 73612, полевая почта 45087» as "Ву 73612, neues почта 45087", no
rule took the unit's number, and the copy passed with exit 0 and both numbers readable. The
page's bend is measured from its ink (views.bend) and the page read with its lines unbent; a
reading whose lines still cross from one line of print into another (views.crossed_lines) is
the last chosen, and a page read only so is unreadable.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFilter

from papka import media
from papka.formats import ocr, plan_redaction, redact_as_planned, views
from papka.formats.reading import PageReading
from papka.formats.verify import verify
from tests.conftest import require_tool
from tests.formats.test_detect import MILITARY_ID
from tests.formats.test_small_pictures import _sheet
from tests.formats.test_unread_lines import in_both_languages

SCALE = 0.7


def _drawn(text: str) -> Image.Image:
    """`text` on a straight sheet at about 200 dpi, a line every 40 pixels."""
    return _sheet(text, 0.0, tilt=0.0, pitch=40)


def _wave(x: float, amplitude: float, length: float) -> float:
    return amplitude * math.sin(2 * math.pi * x / length)


def _photographed(sheet: Image.Image, *, amplitude: float = 10, length: float = 800,
                  tilt: float = 0.0) -> Image.Image:
    """The sheet bent into waves across (each column moved down by the wave at it), tilted,
    blurred a little, reduced and saved as a phone's JPEG."""
    if amplitude:
        waved = Image.new("L", sheet.size, 235)
        for x in range(sheet.width):
            waved.paste(sheet.crop((x, 0, x + 1, sheet.height)),
                        (x, round(_wave(x, amplitude, length))))
        sheet = waved
    if tilt:
        sheet = sheet.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=235)
    sheet = sheet.filter(ImageFilter.GaussianBlur(1.2))
    sheet = sheet.resize((round(sheet.width * SCALE), round(sheet.height * SCALE)),
                         Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    sheet.convert("RGB").save(buffer, format="JPEG", quality=85)
    return Image.open(io.BytesIO(buffer.getvalue()))


def _bytes(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _bend_of(picture: Image.Image) -> tuple[tuple[float, float], ...]:
    """views.bend on the picture evened out, with its words' height measured by OCR."""
    readout = views.read_page(picture, 0)
    view, read = max(readout.readings, key=lambda pair: pair[1].confident_words)
    evened = views.normalise(views._small(picture, views.CHECK_SIDE))
    factor = max(picture.size) / max(evened.size)
    return views.bend(evened, views.letter_height(read) / view.scale / factor)


def test_a_bent_military_id_is_read_unbent_and_its_unit_numbers_are_boxed() -> None:
    require_tool("tesseract")
    data = _bytes(_photographed(_drawn(MILITARY_ID)))
    plan = plan_redaction(data, media.PNG, preset="ru-personal")
    reading = plan.readings[0]
    assert reading.status == "read" and "unbent" in reading.views, reading
    assert {"73612", "45087", "АВ № 1234567", "М-345678"} <= set(plan.secrets), plan.secrets
    copy = redact_as_planned(data, media.PNG, plan).data
    assert verify(copy, media.PNG, ["73612", "45087", "1234567", "345678"], ocr=True).ok


def test_the_bend_follows_the_waves_and_a_straight_or_tilted_page_has_none() -> None:
    require_tool("tesseract")
    sheet = _drawn(MILITARY_ID)
    knots = _bend_of(_photographed(sheet, amplitude=10, length=800))
    assert len(knots) >= views.BEND_STRIPS // 3
    # The bend measured (in the small copy's pixels) against the wave drawn, once the small
    # copy's scale and the constant between them are taken out: within a pixel or two.
    picture = _photographed(sheet, amplitude=10, length=800)
    factor = max(picture.size) / views.CHECK_SIDE
    drawn = [_wave(x * factor / SCALE, 10, 800) * SCALE / factor for x, _ in knots]
    offset = sum(d - k for d, (_, k) in zip(drawn, knots, strict=True)) / len(knots)
    errors = sorted(abs(d - k - offset) for d, (_, k) in zip(drawn, knots, strict=True))
    assert errors[len(errors) // 2] < 1.0 and errors[-1] < 3.0, errors
    assert max(d for d in drawn) - min(d for d in drawn) > 5
    assert _bend_of(_photographed(sheet, amplitude=0)) == ()
    assert _bend_of(_photographed(sheet, amplitude=0, tilt=3.0)) == ()


def test_a_finger_over_the_page_is_no_bend() -> None:
    """A blob thicker than any stroke (a finger, a shadow's edge) moves the strips' profiles
    as a bend would; it is left out of the measure."""
    require_tool("tesseract")
    sheet = _drawn(MILITARY_ID)
    # A thumb over the corner: its round edge rises across the strips it crosses.
    width, height = sheet.size
    reach = 0.25 * width
    ImageDraw.Draw(sheet).ellipse((width - reach, height - 1.6 * reach, width + reach,
                                   height + 1.6 * reach), fill=70)
    assert _bend_of(_photographed(sheet, amplitude=0)) == ()


def test_a_view_with_its_lines_unbent_maps_a_word_back_over_its_ink() -> None:
    page = Image.new("L", (400, 200), 255)
    draw = ImageDraw.Draw(page)
    # A "word" 100 pixels wide whose ink rises by 20 pixels from its left end to its right.
    for x in range(100, 200):
        top = 100 - (x - 100) // 5
        draw.line((x, top, x, top + 10), fill=0)
    knots = ((100.0, 0.0), (200.0, -20.0))
    view = views.make_view(page, name="unbent", bent=knots, enlarge_below=0)
    assert view.bend == knots and not view.tilted
    # On the view the word lies level, rows 100-110 ...
    ink = view.picture.point(lambda v: 255 if v < 128 else 0)
    assert ink.crop((100, 95, 200, 115)).getbbox() is not None
    assert ink.crop((100, 0, 200, 95)).getbbox() is None
    # ... and its box maps back over every pixel of its ink on the page.
    x0, y0, x1, y1 = view.to_page(100, 100, 200, 111)
    assert (x0, x1) == (100, 200) and y0 <= 80 and y1 >= 110
    covered = Image.new("L", page.size, 0)
    ImageDraw.Draw(covered).rectangle((x0, y0, x1, y1), fill=255)
    page_ink = page.point(lambda v: 255 if v < 128 else 0)
    outside = Image.composite(Image.new("L", page.size, 0), page_ink, covered)
    assert outside.getbbox() is None
    # from_page is the way back: the word's right end is at row 100 of the view.
    assert view.from_page(200, 80) == (200, 100)
    assert view.corners_to_page(150, 100, 150, 100)[0] == (150, 90)


def _word(text: str, left: int, top: int, width: int, height: int, line: int,
          confidence: float) -> ocr.OcrWord:
    return ocr.OcrWord(text, left, top, width, height, (1, line, 1), confidence)


# Two lines of the bent military ID as Tesseract gave them (a photo 1201 x 1668, read enlarged
# twice): line 9 left «Псковским» half-way, and line 10, «В/Ч 73612, полевая почта 45087»,
# went on along the rest of line 9 («ким районным военным комиссариатом 12 мая 2014 г.»); what
# it could not follow it boxed over both lines ("ры", "ров", "pairs").
LINE_9 = [("Принят", 132, 662, 159, 34, 97), ("на", 308, 665, 47, 26, 97),
          ("воинский", 374, 636, 204, 51, 96), ("чёт", 619, 629, 74, 35, 93),
          ("Псковс", 710, 627, 148, 33, 90)]
LINE_10 = [("ры", 133, 671, 67, 91, 7), ("612,", 218, 721, 141, 37, 57),
           ("полевая", 378, 710, 177, 40, 97), ("ров", 574, 642, 123, 90, 9),
           ("pairs", 714, 640, 128, 86, 33), ("ким", 862, 636, 80, 26, 97),
           ("районным", 960, 640, 220, 31, 96), ("военным", 1198, 635, 191, 35, 97),
           ("комиссариатом", 1408, 609, 338, 47, 97), ("12", 1766, 600, 46, 34, 97),
           ("мая", 1832, 609, 77, 26, 97), ("2014", 1927, 605, 102, 36, 96),
           ("г.", 2047, 618, 30, 24, 96)]
ABOVE = [("Личный", 129, 597, 167, 35, 97), ("номер", 314, 596, 134, 32, 96),
         ("М-345678", 478, 567, 207, 48, 89)]


def test_a_line_that_runs_on_along_another_is_told() -> None:
    words = [_word(text, left, top, width, height, number, confidence)
             for number, line in enumerate((ABOVE, LINE_9, LINE_10))
             for text, left, top, width, height, confidence in line]
    assert views.crossed_lines(ocr.OcrPage(words, {})) == 1
    # The same words, the rest of line 9 given to line 9: no line crosses.
    rest = {"ким", "районным", "военным", "комиссариатом", "12", "мая", "2014", "г."}
    mended = [ocr.OcrWord(w.text, w.left, w.top, w.width, w.height, (1, 1, 1), w.confidence)
              if w.text in rest else w for w in words]
    assert views.crossed_lines(ocr.OcrPage(mended, {})) == 0


def test_a_long_line_of_a_tilted_page_crosses_nothing() -> None:
    """A label far from its value on a page tilted 6°: the value lies a line's height lower
    than the label, yet continues no other line (the lines above and below lie a line's
    height away from it too)."""
    words = []
    for number in range(6):
        top = 100 + 60 * number
        words.append(_word("Телефон", 100, top, 180, 36, number, 96))
        words.append(_word("врача:", 300, top + 20, 130, 36, number, 96))
        words.append(_word("250-14-77", 1000, top + 95, 200, 36, number, 96))
    assert views.crossed_lines(ocr.OcrPage(words, {})) == 0


def test_the_keeper_is_told_to_flatten_a_page_whose_lines_were_read_into_one_another() -> None:
    reading = PageReading(0, "unreadable", words=40, confident_words=36, letter_width=12.0,
                          crossed_lines=1)
    assert reading.lines_crossed and not reading.lines_unread
    english, russian = in_both_languages(reading)
    assert "flatten the paper" in english and "расправьте лист" in russian
    assert not PageReading(0, "read", letter_width=12.0).lines_crossed


def test_a_phone_photo_with_the_sheets_edges_in_view_has_its_lines_measured() -> None:
    """A 4000 x 3000 phone photo of a certificate, sideways, its sheet's edges against the
    table in view: the edges, running down through every line, joined the lines in the
    profile the check measures them by (5 rows beside words of 11), and the page was refused
    as unreadable. The surround's edge is left out of that profile."""
    require_tool("tesseract")
    from bench.phone_photos import phone_photo

    photo, _ = phone_photo(15)
    readout = views.read_page(Image.open(io.BytesIO(photo)), 0)
    assert readout.reading.status == "read", readout.reading
