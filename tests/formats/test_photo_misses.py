"""What sharp and slightly blurred photos of the detection papers lost, and how it is boxed.

Photos made as test_blurred_photos makes them (a sheet of 30 px DejaVu at about 200 dpi,
tilted 1.5°, blurred, reduced, saved as JPEG) passed with exit 0 while part of an identifier
stayed readable: the first word of an address that ended the line before the rest, the house
number closing an address that OCR read as letters, a postcode and town that a full stop read
for a comma cut off from their street, a surname OCR cut short («Гусей»), the middle of a
patronymic OCR did not read, and a brother's first name OCR read as garbage between "brother"
and his surname. Each is checked on the text as OCR gave it and on the photo itself, where
the letters' places on the photo are worked out from how the sheet was drawn.
"""

from __future__ import annotations

import io
import math
import textwrap

import pytest
from PIL import Image, ImageDraw, ImageFont

from papka import media
from papka.formats import fonts, ocr, plan_redaction, planner
from papka.formats.detect import detect
from papka.formats.plan import RedactionPlan
from tests.conftest import require_tool
from tests.formats.test_blurred_photos import _photo
from tests.formats.test_detect import (
    ASYLUM_LETTER,
    CRIMINAL_CASE,
    MEDICAL,
    MILITARY_ID,
    SUMMONS,
)

#: The papers with the keeper's hide list the detection tests give each.
PAPERS = {
    "ASYLUM_LETTER": (ASYLUM_LETTER, ["Кравчишин", "Юрий"]),
    "CRIMINAL_CASE": (CRIMINAL_CASE, ["Гусейнов Руслан Эльдарович"]),
    "MEDICAL": (MEDICAL, ["Кравчишин"]),
    "MILITARY_ID": (MILITARY_ID, ["Елкин Дмитрий Сергеевич"]),
    "SUMMONS": (SUMMONS, ["Кравчишин Андрей Викторович"]),
}


def _found(text: str, category: str = "address") -> list[str]:
    return [f.text for f in detect(text, preset="ru-personal", use_ner=False)
            if f.category == category]


# --- detection on the text as OCR gave it -----------------------------------------------------


def test_an_address_whose_first_word_ends_the_line_before_is_found_whole() -> None:
    """The photo's lines break «... по адресу: Московская» / «обл., г. Подольск, ...»: the
    region was not taken, and «Московская» stayed readable on every photo of the case."""
    text = ("Мать подозреваемого, Гусейнова Лейла Маратовна, проживает по адресу: Московская\n"
            "обл., г. Подольск, пр-т Ленина, д. 107/49, корп. 2, кв. 118; тел. +7 916 205-33-71.")
    assert _found(text) == [
        "Московская\nобл., г. Подольск, пр-т Ленина, д. 107/49, корп. 2, кв. 118"]
    for text, address in (("проживает: ул.\nЛенина, д.\n5, кв.\n12", "ул.\nЛенина, д.\n5, кв.\n12"),
                          ("адрес: Ленинский\nпроспект, д. 5", "Ленинский\nпроспект, д. 5"),
                          ("Калининский\nр-н, с. Горки, ул. Луговая, д. 3",
                           "Калининский\nр-н, с. Горки, ул. Луговая, д. 3")):
        assert _found(text) == [address], text
    # A year's "г." before a line break is no town, and a line break alone joins nothing.
    for text in ("15 апреля 2024 г.\nСледователь военного отдела", "Московская\nобласть"):
        assert not _found(text), text
    found = detect("15 апреля 2024 г.\nСледователь", preset="ru-strict", use_ner=False)
    assert not [f for f in found if f.category in {"place", "address"}]


def test_a_house_number_ocr_read_as_letters_still_closes_the_address() -> None:
    """Two sharp photos of the medical certificate read «д. 3.» as "д. a" and "д. ae"."""
    line = "Адрес больницы: г. Ростов-на-Дону, ул. 40 лет Победы, д. {}"
    for number in ("a", "ae", "З.", "3"):
        assert _found(line.format(number)) == [line.format(number)[16:]], number
    assert _found("г. Тверь, ул. Советская, д. 15, кв. a2") == [
        "г. Тверь, ул. Советская, д. 15, кв. a2"]
    # Only inside an address: "и т. д." stays, and never swallows the marker after it.
    for text in ("и т. д. и т. п.", "жили в г. Тверь и т. д. а также", "кв. ab"):
        assert not _found(text), text
    assert _found("и т. д. ул. Ленина, д. 5") == ["ул. Ленина, д. 5"]


def test_a_full_stop_ocr_read_for_a_comma_does_not_cut_the_address() -> None:
    """A summons blurred by 2 pixels read «170100, г. Тверь, ул. Советская» with a full stop
    after the town; the postcode and the town were left out and stayed readable."""
    text = "проживающему по адресу: 170100, г. Тверь. ул. Советская, д. 15, кв. 42."
    assert _found(text) == ["170100, г. Тверь. ул. Советская, д. 15, кв. 42"]
    # Blurred by 2 pixels, «Московская обл.,» read as "Московская обл..,".
    address = "Московская\nобл..,\nг. Подольск, пр-т Ленина, д. 107/49, корп. 2, кв. 118"
    assert _found(f"по адресу: {address};") == [address]
    # A town at the end of a sentence is still no address on its own.
    assert not _found("г. Москва. Следователь военного отдела")


# --- the planner's second pass on words as OCR gave them ----------------------------------------


def _page(*lines: str, unsure: tuple[str, ...] = ()) -> ocr.OcrPage:
    """Words of `lines`, one OCR line each; those in `unsure` read with little confidence."""
    words = [ocr.OcrWord(text, 10 * k, 10 * n, 8, 8, (1, 1, n),
                         40.0 if text in unsure else 96.0)
             for n, line in enumerate(lines) for k, text in enumerate(line.split())]
    return ocr.OcrPage(words, {})


def test_a_line_tesseract_split_into_blocks_is_read_in_its_order() -> None:
    """A sharp photo of the criminal case: «Мать подозреваемого, Гусейнова ... Московская»
    came as "Мать п" in one block and the rest in another, given after the next lines, so
    «Московская» was cut off from the «обл., г. Подольск ...» that follows it."""
    def word(text: str, left: int, top: int, line: tuple[int, int, int]) -> ocr.OcrWord:
        return ocr.OcrWord(text, left, top, 12 * len(text), 20, line, 95.0)

    words = [word("Мать", 81, 589, (1, 9, 2)), word("п", 152, 592, (1, 9, 2)),
             word("обл.,", 81, 624, (1, 9, 3)), word("г.", 81, 660, (1, 9, 4)),
             word("Подольск,", 110, 660, (1, 9, 4)),
             word("ого,", 318, 587, (3, 1, 1)), word("Московская", 1045, 564, (3, 1, 1)),
             # A block level with a line but far right of it, and one a line lower: not joined.
             word("стр.", 1300, 660, (4, 1, 1)), word("далее", 240, 700, (5, 1, 1))]
    ordered = planner.reading_order(ocr.OcrPage(words, {}))
    assert [(w.text, line) for w, line in ordered] == [
        ("Мать", (1, 9, 2)), ("п", (1, 9, 2)), ("ого,", (1, 9, 2)), ("Московская", (1, 9, 2)),
        ("обл.,", (1, 9, 3)), ("г.", (1, 9, 4)), ("Подольск,", (1, 9, 4)),
        ("стр.", (4, 1, 1)), ("далее", (5, 1, 1))]


def test_a_name_ocr_cut_short_is_boxed_in_the_second_pass() -> None:
    """A criminal case blurred by 2 pixels read «Гусейнов» and the mother's «Гусейнова»
    confidently as "Гусей": the copy passed with both surnames readable."""
    names, forms = planner._keeper_names(["Гусейнов Руслан Эльдарович"])
    page = _page("рядовой Гусей Руслан Эль ь", "Мать г о, Гусей Лейла Маратовна,",
                 "Гусе Гусь Русла, гусей Эльдаров", unsure=("ь",))
    assert planner.misread_names(page, names, forms) == ["Гусей", "Гусей", "Русла", "Эльдаров"]
    # Found elsewhere on the page (not in the keeper's list), the same.
    page = _page("свидетель Шевчуков О. Н.", "показания Шевчу и Шевчукова")
    assert planner.misread_names(page, ["Шевчукова Ольга"]) == ["Шевчуков", "Шевчу"]
    # Four letters are too few; a small letter is no name; a word longer than the name is not
    # its beginning.
    assert planner.misread_names(_page("Шевч шевчу Шевчуковский"), ["Шевчукова"]) == []


def test_a_name_cut_short_is_boxed_as_long_as_the_name() -> None:
    """OCR's box of "Гусей" covers five letters of «Гусейнов»; "Эль ь" stood for
    «Эльдарович», its middle read as nothing."""
    names, forms = planner._keeper_names(["Гусейнов Руслан Эльдарович"])
    page = _page("рядовой Гусей Руслан Эль ь", "Мать г о, Гусей Лейла Маратовна,",
                 "Эль ь Русл Гусе", unsure=("ь",))
    cuts = planner.name_cuts(page, [*names, "Гусейнова Лейла Маратовна"], forms)
    assert [([word.text for word in group], letters) for group, letters in cuts] == [
        (["Гусей"], 9), (["Эль", "ь"], 10), (["Гусей"], 9)]
    # Three or four letters only right after a name; small letters never; whole names are
    # no cuts.
    page = _page("Эль ь Русл Гусе", "Руслан эльд Гусейнов Эльдарович")
    assert planner.name_cuts(page, names, forms) == []


def test_a_garbled_word_between_a_kinship_word_and_a_name_is_boxed() -> None:
    """«His brother Iurii Kravchishin» read as "His brother иг! Kravchishin"."""
    page = _page("His brother иг! Kravchishin (Yuriy in his diploma)",
                 "Брат Анд Кравчишин", unsure=("иг!",))
    groups = planner.name_neighbours(page, ["Iurii Kravchishin", "Yuriy", "Кравчишин"])
    assert [[word.text for word in group] for group in groups] == [["иг!"], ["Анд"]]
    # An ordinary word read with confidence between a kinship word and a name stays, and so
    # do a title and a name read whole. An English word there is taken (the dictionary is
    # Russian): boxed, on the safe side.
    page = _page("Мать подозреваемого, Гусейнова Лейла", "His mother, Mrs. Olga Kravchishina",
                 "Гражданину Кравчишину Андрею Викторовичу", "his brother also Kravchishin")
    groups = planner.name_neighbours(page, ["Гусейнова Лейла", "Olga Kravchishina",
                                            "Кравчишину Андрею Викторовичу", "Kravchishin"])
    assert [[word.text for word in group] for group in groups] == [["also"]]


@pytest.mark.parametrize("name", sorted(PAPERS))
def test_on_the_papers_clean_text_the_second_pass_adds_no_box(name: str) -> None:
    """Read as OCR would read them without a mistake, the five papers give these rules
    nothing to box: every name they take there is a name detection found already."""
    text, hide = PAPERS[name]
    found = detect(text, preset="ru-personal", hide=hide, use_ner=True)
    people = [f.text for f in found if f.category in {"person", "relative", "keeper-name"}]
    names, forms = planner._keeper_names(hide)
    page = _page(*text.split("\n"))
    also = planner.misread_names(page, [*people, *names], forms)
    assert also == []
    assert planner.name_neighbours(page, [*people, *names], forms) == []
    # A surname found in both genders is the other's beginning ("Kravchishin" of
    # "Kravchishina" when NER found both): its box grows by a letter, and no other word is
    # taken.
    for group, _letters in planner.name_cuts(page, [*people, *names], forms):
        assert [word.text for word in group] == [group[0].text]
        assert any(group[0].text.strip(".,") in person for person in people), group[0].text


# --- on the photos --------------------------------------------------------------------------------


def _letters_on_photo(text: str, part: str, scale: float) -> list[tuple[float, float]]:
    """Where the letters of `part` (its first occurrence in `text`) lie on _photo(text, scale,
    ...): drawn as test_small_pictures._sheet draws the sheet, turned 1.5° with it, reduced."""
    font = ImageFont.truetype(str(fonts.REGULAR), 30)
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    wanted = range(text.index(part), text.index(part) + len(part))
    centres = []
    number, base = 0, 0
    for paragraph in text.split("\n"):
        pointer = 0
        for line in textwrap.wrap(paragraph, 80) or [""]:
            at = paragraph.find(line, pointer) if line else pointer
            y = 60 + number * 45
            top, bottom = draw.textbbox((80, y), line, font=font)[1::2]
            for i, char in enumerate(line):
                if base + at + i in wanted and char.isalnum():
                    x0 = 80 + draw.textlength(line[:i], font=font)
                    x1 = 80 + draw.textlength(line[: i + 1], font=font)
                    centres.append(((x0 + x1) / 2, (top + bottom) / 2))
            pointer = at + len(line)
            number += 1
        base += len(paragraph) + 1
    width, height = 1654, 2339
    cos, sin = math.cos(math.radians(1.5)), math.sin(math.radians(1.5))
    turned_width = math.ceil(width * cos + height * sin - 1e-6)
    turned_height = math.ceil(width * sin + height * cos - 1e-6)
    sx = round(turned_width * scale) / turned_width
    sy = round(turned_height * scale) / turned_height
    placed = []
    for x, y in centres:
        dx, dy = x - width / 2, y - height / 2
        placed.append(((turned_width / 2 + dx * cos + dy * sin) * sx,
                       (turned_height / 2 - dx * sin + dy * cos) * sy))
    return placed


def _inside(x: float, y: float, corners: tuple[tuple[float, float], ...]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _uncovered(plan: RedactionPlan, text: str, part: str, scale: float) -> int:
    """How many letters of `part` no box of the plan covers on the photo."""
    boxes = plan.pages[0].boxes
    left = 0
    for x, y in _letters_on_photo(text, part, scale):
        if not any(_inside(x, y, box.corners) if box.corners
                   else box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1 for box in boxes):
            left += 1
    return left


@pytest.mark.parametrize(("name", "scale", "quality", "spread", "parts"), [
    # «Московская» ends the line before the rest of the address (every photo of the case).
    ("CRIMINAL_CASE", 0.7, 85, 1.2, ["Московская", "Подольск"]),
    # The line read as two blocks, «Мать п» and «ого, Гусей ... Московская» given after the
    # lines below it.
    ("CRIMINAL_CASE", 0.8, 40, 1.2, ["Московская", "Гусейнова Лейла Маратовна"]),
    # Blurred by 2 pixels: «обл.,» read as "обл..,".
    ("CRIMINAL_CASE", 0.7, 85, 2.0, ["Московская", "Подольск"]),
    # «д. 3.» read as "д. ae".
    ("MEDICAL", 0.8, 85, 1.2, ["Ростов-на-Дону", "Победы, д. 3"]),
    # «Гусейнов» and «Гусейнова» read as "Гусей", «Эльдарович» as "Эль ь".
    ("CRIMINAL_CASE", 0.8, 85, 2.0, ["Гусейнов Руслан Эльдарович", "Гусейнова Лейла"]),
    # «Тверь, ул.» read as "Тверь. ул.".
    ("SUMMONS", 0.7, 40, 2.0, ["170100, г. Тверь, ул. Советская, д. 15, кв. 42"]),
    # «Iurii» read as "иг!".
    ("ASYLUM_LETTER", 0.6, 40, 1.2, ["Iurii Kravchishin"]),
], ids=["region-at-line-end", "line-split-into-blocks", "two-marks-gap", "house-read-as-letters",
        "surname-cut-short", "full-stop-gap", "first-name-garbled"])
def test_what_the_photos_lost_is_boxed(name: str, scale: float, quality: int, spread: float,
                                       parts: list[str]) -> None:
    require_tool("tesseract")
    text, hide = PAPERS[name]
    data = _photo(text, scale, spread, quality)
    plan = plan_redaction(data, media.JPEG, preset="ru-personal", hide=hide)
    assert plan.readings[0].status == "read", plan.readings[0]
    for part in parts:
        assert _uncovered(plan, text, part, scale) == 0, part


def test_the_photo_geometry_is_right() -> None:
    """The letters' places worked out above lie on the photo's ink (else the test above
    would check nothing)."""
    picture = Image.open(io.BytesIO(_photo(MEDICAL, 0.7, 0.0, 95))).convert("L")
    places = _letters_on_photo(MEDICAL, "Кравчишину", 0.7)
    assert len(places) == len("Кравчишину")
    for x, y in places:
        assert min(picture.getpixel((round(x) + dx, round(y) + dy))
                   for dx in range(-3, 4) for dy in range(-3, 4)) < 120
