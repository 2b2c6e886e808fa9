"""Pages as a person sees them: turned, grey, dark, tilted, multi-page, and unreadable ones.

Every picture is made here with the vendored DejaVu font. Each OCR test shows the secret found
before (by the verifier's reading of the original), gone after (the verifier reads the output
in its plain and evened-out, turned views), and the words to keep still there.
"""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from papka import media
from papka.errors import UsageError
from papka.formats import (
    RedactionNotVerified,
    UnreadablePages,
    fonts,
    ocr,
    plan_redaction,
    redact,
    redact_as_planned,
    views,
)
from papka.formats.image import UnsupportedHeicError
from papka.formats.verify import verify
from tests.conftest import require_tool
from tests.formats import planted

KEEP_WORDS = "прохождении службы"
LINES = [planted.KEEP, f"Мать: {planted.NAME}", f"Телефон: {planted.PHONE}",
         f"Войсковая часть: {planted.UNIT}", "Справка выдана для предъявления по месту"]
SECRETS = [planted.NAME, planted.PHONE]


def _sheet(*, ink: int = 0, paper: int = 255, lines: list[str] = LINES,
           size: tuple[int, int] = (1000, 560)) -> Image.Image:
    picture = Image.new("L", size, paper)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.truetype(str(fonts.REGULAR), 34)
    for number, line in enumerate(lines):
        draw.text((50, 50 + number * 95), line, font=font, fill=ink)
    return picture


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _low_contrast(seed: int = 1) -> Image.Image:
    """Grey paper, poor light from one side: the text only a dozen levels darker."""
    picture = _sheet().point(lambda v: 140 + (v * 12) // 255)
    light = Image.linear_gradient("L").rotate(90).resize(picture.size).point(
        lambda v: v * 90 // 255)
    picture = ImageChops.add(picture, light, scale=1.0, offset=-45)
    # Seeded grain (Image.effect_noise draws on the C library's shared random state, so its
    # pattern would change with the order the tests run in): about ±3 levels around 128.
    grain = random.Random(seed)
    noise = Image.frombytes("L", picture.size, bytes(
        min(255, max(0, round(grain.gauss(128, 3))))
        for _ in range(picture.width * picture.height)))
    picture = ImageChops.add(picture, noise, scale=1.0, offset=-128)
    return picture.filter(ImageFilter.GaussianBlur(0.8))


def _dark_chat() -> Image.Image:
    """A dark-theme messenger screenshot: light text in dark bubbles of two shades."""
    picture = Image.new("RGB", (900, 760), (23, 33, 43))
    draw = ImageDraw.Draw(picture)
    font = ImageFont.truetype(str(fonts.REGULAR), 28)
    messages = [(planted.KEEP, 0), (f"Мать: {planted.NAME}", 1),
                (f"Телефон: {planted.PHONE}", 0), (f"Войсковая часть: {planted.UNIT}", 1),
                ("Хорошо, отправлю завтра утром", 0)]
    y = 40
    for text, side in messages:
        width = draw.textlength(text, font=font)
        x = 30 if side == 0 else 870 - width - 40
        draw.rounded_rectangle((x - 16, y - 12, x + width + 16, y + 50), 18,
                               fill=(43, 82, 120) if side else (24, 37, 51))
        draw.text((x, y), text, font=font, fill=(245, 245, 245))
        draw.text((x + width - 60, y + 36), f"12:4{side}",
                  font=ImageFont.truetype(str(fonts.REGULAR), 12), fill=(120, 150, 180))
        y += 140
    return picture


def _kept(data: bytes, media_type: str, words: str) -> bool:
    return not verify(data, media_type, [words], ocr=True).ok


def _gone(data: bytes, media_type: str) -> bool:
    outcome = verify(data, media_type, SECRETS, ocr=True)
    return outcome.ok


# --- geometry, no OCR ----------------------------------------------------------------------


@pytest.mark.parametrize("clockwise", [0, 90, 180, 270])
@pytest.mark.parametrize("tilt", [0.0, 6.0])
def test_boxes_found_on_a_turned_view_map_back_to_the_page(clockwise: int, tilt: float) -> None:
    page = Image.new("L", (400, 300), 255)
    ImageDraw.Draw(page).rectangle((100, 50, 180, 80), fill=0)
    view = views.make_view(page, name="test", clockwise=clockwise, tilt=tilt)
    box = ImageChops.invert(view.picture).point(lambda v: 255 if v > 128 else 0).getbbox()
    assert box is not None
    x0, y0, x1, y1 = view.to_page(*box)
    slack = 3 if not tilt else 12
    assert abs(x0 - 100) <= slack and abs(y0 - 50) <= slack
    assert abs(x1 - 181) <= slack and abs(y1 - 81) <= slack
    assert x0 <= 101 and y0 <= 51 and x1 >= 180 and y1 >= 80  # never smaller


def test_cheap_checks_see_dark_and_blank_pages() -> None:
    assert views.look(_dark_chat()).dark
    assert not views.look(_low_contrast()).blank  # faint ink is still ink
    assert views.look(Image.new("L", (500, 400), 240)).blank
    plain = views.look(_sheet())
    assert not (plain.dark or plain.blank)


def test_heic_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedHeicError, match="HEIC"):
        plan_redaction(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", media.HEIC)


# --- reading, burning and verifying (Tesseract) ---------------------------------------------


@pytest.mark.parametrize("turn", [90, 180])
def test_a_turned_scan_is_read_upright_and_its_secrets_burned(turn: int) -> None:
    require_tool("tesseract")
    data = _png(_sheet().rotate(turn, expand=True))
    assert not verify(data, media.PNG, SECRETS, ocr=True).ok  # found before
    plan = plan_redaction(data, media.PNG, preset="ru-personal", hide=[planted.NAME])
    (reading,) = plan.readings
    assert reading.status == "read" and reading.turned == turn  # rotate() turned it back
    assert {"phone", "military-unit"} <= set(plan.summary().by_category())
    redacted = redact_as_planned(data, media.PNG, plan)
    assert _gone(redacted.data, redacted.media_type)
    assert _kept(redacted.data, redacted.media_type, KEEP_WORDS)


def test_a_low_contrast_photo_is_evened_out_and_read() -> None:
    require_tool("tesseract")
    picture = _low_contrast()
    data = _png(picture)
    raw = ocr.recognise(views.make_view(picture, name="plain").picture)
    assert raw.confident_words < 3  # Tesseract on the raw photo reads nothing
    plan = plan_redaction(data, media.PNG, preset="ru-personal", hide=[planted.NAME])
    (reading,) = plan.readings
    assert reading.status == "read" and "contrast" in reading.views
    assert reading.confident_words >= 12
    redacted = redact_as_planned(data, media.PNG, plan)
    assert _gone(redacted.data, redacted.media_type)
    after = Image.open(io.BytesIO(redacted.data)).convert("L")
    # The name's line is black where the name was; the first line (kept) is untouched.
    font = ImageFont.truetype(str(fonts.REGULAR), 34)
    left = 50 + round(font.getlength("Мать: "))
    name = (left + 4, 50 + 95 + 8, left + round(font.getlength(planted.NAME)) - 4, 50 + 95 + 30)
    assert after.crop(name).getextrema()[1] < 20
    keep = (50, 50, 50 + round(font.getlength(planted.KEEP)), 90)
    assert ImageChops.difference(after.crop(keep), picture.crop(keep)).getbbox() is None
    assert _kept(redacted.data, redacted.media_type, KEEP_WORDS)  # and reads in its views


@pytest.mark.slow
def test_low_contrast_photos_are_redacted_or_refused_never_passed() -> None:
    """The same photo under six grain patterns: each copy either has the name gone or is
    refused, by verification (the planner can miss part of a line the grain breaks up) or as
    unreadable (a reading less than 70 % confident). A third are redacted: five were while a
    60 % confident reading counted as read, a share at which blurred photos passed with a name
    and unit numbers misread (docs/redaction.md, "Blurred photos"); three while a line read
    only as garbage counted as read (seed 3 read «Войсковая часть:» as "a ая Gaces;", and is
    now refused with that line counted as left unread; views.check_lines)."""
    require_tool("tesseract")
    redacted = 0
    for seed in range(6):
        data = _png(_low_contrast(seed))
        plan = plan_redaction(data, media.PNG, preset="ru-personal", hide=[planted.NAME])
        try:
            copy = redact_as_planned(data, media.PNG, plan)
        except (RedactionNotVerified, UnreadablePages):
            continue
        assert _gone(copy.data, copy.media_type), seed
        redacted += 1
    assert redacted >= 2


def test_a_dark_theme_screenshot_is_read_inverted() -> None:
    require_tool("tesseract")
    data = _png(_dark_chat())
    assert not verify(data, media.PNG, [planted.NAME], ocr=True).ok  # the verifier sees it
    plan = plan_redaction(data, media.PNG, preset="ru-personal", hide=[planted.NAME])
    assert "inverted" in plan.readings[0].views
    redacted = redact_as_planned(data, media.PNG, plan)
    assert _gone(redacted.data, redacted.media_type)
    assert _kept(redacted.data, redacted.media_type, "отправлю завтра")


def test_tilted_text_is_straightened_and_boxed() -> None:
    require_tool("tesseract")
    tilted = _sheet().rotate(7, expand=True, fillcolor=255,
                             resample=Image.Resampling.BICUBIC)
    data = _png(tilted)
    assert not verify(data, media.PNG, [planted.NAME], ocr=True).ok
    plan = plan_redaction(data, media.PNG, preset="ru-personal", hide=[planted.NAME])
    assert "deskewed" in plan.readings[0].views
    turned = [box for box in plan.boxes() if box.corners is not None]
    assert turned  # the boxes lie along the tilted lines ...
    for box in turned:
        corners = box.corners or ()
        area = abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1)
                       in zip(corners, corners[1:] + corners[:1], strict=True))) / 2
        assert area < 0.8 * box.width * box.height  # ... tighter than their rectangle
    redacted = redact_as_planned(data, media.PNG, plan)
    assert _gone(redacted.data, redacted.media_type)
    assert _kept(redacted.data, redacted.media_type, KEEP_WORDS)


def test_every_page_of_a_tiff_fax_is_kept_and_redacted() -> None:
    require_tool("tesseract")
    sheets = [_sheet(lines=[planted.KEEP, f"Лист {n}. Мать: {planted.NAME}"],
                     size=(1000, 300)) for n in (1, 2, 3)]
    buffer = io.BytesIO()
    sheets[0].save(buffer, format="TIFF", save_all=True, append_images=sheets[1:],
                   compression="tiff_deflate")
    data = buffer.getvalue()
    plan = plan_redaction(data, media.TIFF, preset=None, hide=[planted.NAME])
    assert len(plan.pages) == 3
    assert [page.page for page in plan.summary().pages if page.total] == [0, 1, 2]
    redacted = redact_as_planned(data, media.TIFF, plan, dpi=100)
    assert redacted.media_type == media.PDF
    document = pdfium.PdfDocument(redacted.data)
    try:
        assert len(document) == 3
    finally:
        document.close()
    assert verify(redacted.data, media.PDF, [planted.NAME], ocr=True).ok
    found = verify(redacted.data, media.PDF, [KEEP_WORDS], ocr=True)
    assert {leak.page for leak in found.leaks} == {0, 1, 2}  # the kept words, on every page


def _scribbles() -> bytes:
    """Ink that is no text papka can read (a scrawled note)."""
    rng = random.Random(3)
    picture = Image.new("L", (900, 600), 235)
    draw = ImageDraw.Draw(picture)
    for _ in range(40):
        x, y = rng.randrange(0, 900), rng.randrange(0, 600)
        draw.line([(x + rng.randrange(-60, 60), y + rng.randrange(-30, 30)) for _ in range(6)],
                  fill=60, width=3)
    return _png(picture)


def test_a_page_papka_cannot_read_is_refused_until_the_keeper_decides() -> None:
    require_tool("tesseract")
    data = _scribbles()
    plan = plan_redaction(data, media.PNG, preset="ru-personal")
    assert plan.unreadable_pages() == [0]
    with pytest.raises(UnreadablePages) as caught:
        redact_as_planned(data, media.PNG, plan)
    assert caught.value.pages == [0] and "page 1" in caught.value.message
    with pytest.raises(UsageError):
        plan.settle_unreadable("drop")  # the only page: nothing would remain
    plan.unreadable_choices.clear()
    boxed = redact_as_planned(data, media.PNG, plan, unreadable="box")
    picture = Image.open(io.BytesIO(boxed.data)).convert("L")
    assert picture.getextrema() == (0, 0)
    assert boxed.log.as_dict()["unreadable_pages"] == [{"page": 1, "choice": "box"}]
    accepted = redact(data, media.PNG, preset="ru-personal", unreadable="accept")
    assert accepted.log.unreadable == {0: "accept"}


def test_a_refusal_names_the_page_and_the_place_left_over() -> None:
    require_tool("tesseract")
    data = _png(_sheet())
    plan = plan_redaction(data, media.PNG, preset=None, hide=[planted.NAME])
    for box in plan.boxes():
        plan.drop(box.number)
    with pytest.raises(RedactionNotVerified) as caught:
        redact_as_planned(data, media.PNG, plan)
    leftovers = [left for left in caught.value.leftovers if left.box is not None]
    assert leftovers and all(left.page == 0 for left in leftovers)
    assert leftovers[0].category == "custom"
    x0, y0, x1, y1 = leftovers[0].box  # type: ignore[misc]
    assert y0 < 50 + 95 + 20 < y1 and x1 > 300  # around the name's line
    assert planted.NAME not in caught.value.message
    plan.add_box(0, x0, y0, x1, y1)
    assert verify(redact_as_planned(data, media.PNG, plan).data, media.PNG, [planted.NAME],
                  ocr=True).ok


def test_a_sideways_scan_inside_a_pdf_is_read_and_burned() -> None:
    require_tool("tesseract")
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    scan = _sheet().rotate(-90, expand=True).convert("RGB")  # placed on the glass sideways
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(400, 720), invariant=1)
    page.drawImage(ImageReader(scan), 0, 0, 400, 720)
    page.showPage()
    page.save()
    data = buffer.getvalue()
    assert "pdf-ocr" in verify(data, media.PDF, [planted.NAME], ocr=True).failures
    plan = plan_redaction(data, media.PDF, preset=None, hide=[planted.NAME, planted.PHONE])
    assert plan.readings[0].status == "read"
    assert plan.boxes() and all(box.height > box.width for box in plan.boxes())  # along lines
    redacted = redact_as_planned(data, media.PDF, plan, dpi=150)
    assert verify(redacted.data, media.PDF, SECRETS, ocr=True).ok
    assert _kept(redacted.data, media.PDF, KEEP_WORDS)


def test_a_phone_photo_shot_sideways_whose_orientation_tesseract_cannot_tell_is_read() -> None:
    """A 12-megapixel photo of a letter in perspective and shade, stored sideways (the bench's
    photo 3): orientation detection finds too few letters to answer, so the page used to be
    read only as it lies, as garbage. Planning then called it unreadable, and the verifier
    passed a copy that showed the name in full. The quarter turns are now read in turn."""
    require_tool("tesseract")
    from bench.phone_photos import phone_photo
    from bench.redact import NAME, PHONE

    photo, _ = phone_photo(3)
    picture = Image.open(io.BytesIO(photo))
    assert picture.width < picture.height                      # stored sideways
    # The precondition: Tesseract's orientation detection gives no usable answer here.
    found = ocr.orientation(views.normalise(views._small(picture.convert("L"),
                                                         views.CHECK_SIDE)))
    assert found is None or found.confidence < views.MIN_ORIENTATION_CONFIDENCE
    # The verifier reads the name on the photo as it is (it passed it before).
    assert not verify(photo, media.JPEG, [NAME], ocr=True).ok

    plan = plan_redaction(photo, media.JPEG, preset=None, hide=[NAME, PHONE])
    assert plan.readings[0].status == "read" and plan.readings[0].turned in (90, 270)
    assert plan.boxes()
    assert verify(redact_as_planned(photo, media.JPEG, plan).data, media.JPEG, [NAME, PHONE],
                  ocr=True).ok

    # The keeper took every box away: the verifier reads the turned page and refuses.
    unboxed = plan_redaction(photo, media.JPEG, preset=None, hide=[NAME], ocr=False)
    with pytest.raises(RedactionNotVerified):
        redact_as_planned(photo, media.JPEG, unboxed)


def test_a_phone_photo_upside_down_whose_orientation_tesseract_cannot_tell_is_read() -> None:
    """The same photo stored upside down: orientation detection cannot tell, a quarter turn
    read "well" with its lines running down the picture, and the page was refused as
    unreadable (letters 2.5 pixels wide). Half a turn is read after the quarter turns, and a
    turn counts only when its lines run across."""
    require_tool("tesseract")
    from bench.phone_photos import phone_photo
    from bench.redact import NAME, PHONE

    photo, _ = phone_photo(3)
    # phone_photo stores photo 3 as the upright photo turned a quarter counter-clockwise.
    picture = Image.open(io.BytesIO(photo)).rotate(90, expand=True)
    found = ocr.orientation(views.normalise(views._small(picture.convert("L"),
                                                         views.CHECK_SIDE)))
    assert found is None or found.confidence < views.MIN_ORIENTATION_CONFIDENCE
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    upside_down = buffer.getvalue()
    assert not verify(upside_down, media.JPEG, [NAME], ocr=True).ok

    plan = plan_redaction(upside_down, media.JPEG, preset=None, hide=[NAME, PHONE])
    assert plan.readings[0].status == "read" and plan.readings[0].turned == 180
    assert plan.boxes()
    assert verify(redact_as_planned(upside_down, media.JPEG, plan).data, media.JPEG,
                  [NAME, PHONE], ocr=True).ok


def test_a_certificate_that_opens_with_the_usual_formula_is_redacted_by_default() -> None:
    """«Дана в том, что …» is no name to box; and had detection boxed it, "выдана" further
    down would have kept every copy from passing verification."""
    require_tool("tesseract")
    lines = ["СПРАВКА № 7", "Дана в том, что он проходил военную службу",
             f"Мать: {planted.NAME}", "Справка выдана для предъявления по месту"]
    data = _png(_sheet(lines=lines, size=(1000, 460)))
    plan = plan_redaction(data, media.PNG, preset="ru-personal")
    assert [box.text for box in plan.boxes()] == [planted.NAME]
    done = redact_as_planned(data, media.PNG, plan)
    assert not _kept(done.data, media.PNG, planted.NAME)
    assert _kept(done.data, media.PNG, "проходил военную службу")


def test_a_relative_with_a_short_name_is_hidden_and_the_words_that_hold_it_stay() -> None:
    """«Анна» is inside "Данная", «Ян» inside "января": the check looks for short names as
    words, in the pixels, in the text layer and in its bytes, so the copy passes."""
    require_tool("tesseract")
    import pikepdf

    lines = ["Мать: Анна", "Отец: Ян", "Данная справка выдана 15 января"]
    scan = io.BytesIO()
    _sheet(lines=lines, size=(1000, 330)).save(scan, format="JPEG", quality=85)
    document = pikepdf.Pdf.new()
    page = document.add_blank_page(page_size=(360, 118.8))
    image = pikepdf.Stream(document, scan.getvalue())
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 1000, 330, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.DCTDecode
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
        Scan=document.make_indirect(image)))
    page.obj.Contents = document.make_stream(b"q 360 0 0 118.8 0 0 cm /Scan Do Q")
    data = io.BytesIO()
    document.save(data)
    done = redact(data.getvalue(), media.PDF, preset="ru-personal", hide=["Анна"])
    layer = pdfium.PdfDocument(done.data)[0].get_textpage().get_text_range()
    assert "Данная" in layer and "января" in layer
    assert "Анна" not in layer.split() and "Ян" not in layer.split()


FAINT_ID_LINES = ["ВОЕННЫЙ БИЛЕТ", "АВ № 1234567", "Фамилия  ЁЛКИН", "Имя  ДМИТРИЙ",
                  "Дата рождения  7 ноября 1996 г.", "Личный номер  М-345678",
                  "Принят на воинский учёт Псковским районным военным комиссариатом 12 мая "
                  "2014 г.", "В/Ч 73612, полевая почта 45087"]


def faint_photo_on_a_dark_table() -> Image.Image:
    """Faint print (grey 175 on 235), tilted, light falling off, a dark table around it."""
    sheet = _sheet(ink=175, paper=235, lines=FAINT_ID_LINES, size=(1654, 800))
    sheet = sheet.rotate(2.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=90)
    light = Image.linear_gradient("L").rotate(90).resize(sheet.size).point(
        lambda v: 140 + v * 115 // 255)
    photo = ImageChops.multiply(sheet, light).filter(ImageFilter.GaussianBlur(1.4))
    return photo.resize((photo.width * 3 // 4, photo.height * 3 // 4))


def test_a_faint_photo_on_a_dark_table_is_redacted_or_refused() -> None:
    """The evened-out view read nothing (the table took Tesseract's threshold below the
    letters), the plain view read five words and counted as read, so the military ID stayed
    readable and the copy passed. Now the surround is painted white and the page read again."""
    require_tool("tesseract")
    buffer = io.BytesIO()
    faint_photo_on_a_dark_table().convert("RGB").save(buffer, format="JPEG", quality=85)
    plan = plan_redaction(buffer.getvalue(), media.JPEG, preset="ru-personal")
    # The check reads the copy no better than planning read the original, so only the plan
    # can show whether the number is covered.
    assert "surround-white" in plan.readings[0].views
    assert {"military-id", "military-unit", "birth-date"} <= {box.category
                                                             for box in plan.boxes()}
    redact_as_planned(buffer.getvalue(), media.JPEG, plan)


def test_a_reading_of_lines_running_down_the_page_boxes_nothing() -> None:
    """On a sideways photo the unturned view read the lines running down the page as garbage,
    natasha took some of it for a name, and its box covered most of the page."""
    require_tool("tesseract")
    import textwrap

    from tests.formats.test_detect import SUMMONS

    lines = [row for paragraph in SUMMONS.split("\n")
             for row in (textwrap.wrap(paragraph, 80) or [""])]
    sheet = Image.new("L", (1654, max(600, 120 + 45 * len(lines))), 235)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(str(fonts.REGULAR), 30)
    for number, line in enumerate(lines):
        draw.text((80, 60 + number * 45), line, font=font, fill=175)
    sheet = sheet.rotate(-4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=90)
    light = Image.linear_gradient("L").rotate(90).resize(sheet.size).point(
        lambda v: 140 + v * 115 // 255)
    photo = ImageChops.multiply(sheet, light).filter(ImageFilter.GaussianBlur(1.4))
    photo = photo.resize((photo.width * 3 // 4, photo.height * 3 // 4)).rotate(90, expand=True)
    buffer = io.BytesIO()
    photo.convert("RGB").save(buffer, format="JPEG", quality=85)
    plan = plan_redaction(buffer.getvalue(), media.JPEG, preset="ru-personal")
    sheet_area = plan.pages[0].width * plan.pages[0].height
    assert plan.boxes() and all(box.width * box.height < 0.2 * sheet_area
                                for box in plan.boxes())


def _shaded_photo(text: str, tilt: float, turn: int) -> bytes:
    """A sheet photographed tilted, in light falling off to one side, slightly out of focus,
    and saved turned by `turn` degrees counter-clockwise (the phone held sideways)."""
    import textwrap

    font = ImageFont.truetype(str(fonts.REGULAR), 30)
    lines = [line for paragraph in text.split("\n")
             for line in (textwrap.wrap(paragraph, 80) or [""])]
    sheet = Image.new("L", (1654, max(600, 120 + 45 * len(lines))), 235)
    draw = ImageDraw.Draw(sheet)
    for number, line in enumerate(lines):
        draw.text((80, 60 + number * 45), line, font=font, fill=40)
    sheet = sheet.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=90)
    light = Image.linear_gradient("L").rotate(90).resize(sheet.size).point(
        lambda v: 140 + v * 115 // 255)
    sheet = ImageChops.multiply(sheet, light).filter(ImageFilter.GaussianBlur(1.4))
    sheet = sheet.resize((sheet.width * 3 // 4, sheet.height * 3 // 4)).rotate(turn, expand=True)
    buffer = io.BytesIO()
    sheet.convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


@pytest.mark.parametrize("turn", [90, 270])
def test_a_shaded_photo_held_either_way_is_read_upright_not_refused_as_small(turn: int) -> None:
    """Held the other way (270), the shaded photo read with confidence in the evened-out view
    with its lines running down the picture; that reading was kept as the best, its letters
    measured across the lines (3 pixels), and the page was refused as too small to read."""
    require_tool("tesseract")
    from tests.formats.test_detect import MILITARY_ID

    data = _shaded_photo(MILITARY_ID, 6.0, turn)
    plan = plan_redaction(data, media.JPEG, preset="ru-personal")
    reading = plan.readings[0]
    assert reading.status == "read" and reading.turned == turn, reading
    assert reading.letter_width >= 7
    redacted = redact_as_planned(data, media.JPEG, plan)
    assert redacted.log.by_category().get("military-id", 0) >= 1
